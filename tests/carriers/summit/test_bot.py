"""The Summit bot in real Chromium against the sandbox: one test per quirk.

Events (``ctx.on_event``) let a test change the portal at an exact point of a lookup:
after the eligibility page was read, before the paginated benefit lists."""

from __future__ import annotations

import logging

import httpx
import pytest
from playwright.sync_api import Browser

from bots.base import BotContext, Outcome
from bots.errors import (
    AccountLocked,
    BotError,
    LayoutChanged,
    LoginRejected,
    MfaFailed,
    PasswordExpired,
    PatientMismatch,
    PortalUnavailable,
    SessionExpired,
)
from bots.memory import MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.server import PortalAccount
from fixtures.sandbox.summit import expected
from fixtures.sandbox.summit.snapshots import showcase_members
from portals.model import EligibilityRequest, EligibilityResult, NotFound, diff_results
from tests.carriers.summit.helpers import SummitUser, artifacts, context, request_for

pytestmark = pytest.mark.browser
WIDE = showcase_members()[0].member_id
"""A family subscriber whose copays span three pages."""


def _bot():  # type: ignore[no-untyped-def]
    return registry.get("summit")()


def _lookup(browser: Browser, ctx: BotContext, request: EligibilityRequest) -> Outcome:
    """One lookup by a fresh Summit bot, as the worker runs it."""
    bot = _bot()
    return run_bot(browser, ctx, lambda page: bot.check_eligibility(page, ctx, request))


def _unknown() -> EligibilityRequest:
    """A lookup that ends at the search (no benefit pages): cheap, for signing in."""
    return request_for(0, last_name="Nobody")


def _summit_state(portal: PortalAccount) -> dict[str, object]:
    return httpx.get(f"{portal.url}/_sandbox/summit").json()


def _secrets(portal: PortalAccount) -> list[str]:
    return [portal.password, *portal.account["security_answers"].values()]


def _assert_no_secrets(error: BotError, portal: PortalAccount) -> None:
    for secret in _secrets(portal):
        assert secret not in str(error) and secret not in error.message


def test_two_security_questions_then_the_saved_session_is_reused(
    browser: Browser, summit: PortalAccount, caplog: pytest.LogCaptureFixture
) -> None:
    summit.control.set_knobs(security_prompts="two")
    events: list[str] = []
    sessions = MemorySessionStore()
    ctx = context(summit, sessions=sessions, on_event=events.append)
    caplog.set_level(logging.DEBUG)
    outcome = _lookup(browser, ctx, request_for(WIDE))
    for secret in _secrets(summit):  # no log line carries a password or an answer
        assert secret not in caplog.text
    assert isinstance(outcome, EligibilityResult)
    assert diff_results(expected(WIDE), outcome) == []
    assert events.count("login") == 1 and events.count("mfa") == 2
    assert sum(_summit_state(summit)["security_prompts"].values()) == 2  # type: ignore[attr-defined]
    # the next lookup rides on the saved session: no log-on, no question
    events.clear()
    again = _lookup(browser, context(summit, sessions=sessions, on_event=events.append),
                    _unknown())
    assert isinstance(again, NotFound) and "login" not in events
    assert summit.control.state()["successful_logins"] == {summit.username: 1}


def test_no_stored_answer_for_the_question_fails_without_guessing(
    browser: Browser, summit: PortalAccount
) -> None:
    account = {**summit.account,
               "security_answers": {"What is your favourite colour?": "blue"}}
    ctx = context(summit, account=account)
    with pytest.raises(MfaFailed, match="no stored answer for the security question") as caught:
        _lookup(browser, ctx, request_for(0))
    assert "never guesses" in caught.value.message
    assert summit.control.state()["mfa_attempts"] == {}  # nothing was submitted
    assert artifacts(ctx) == ["html", "screenshot", "trace"]


def test_a_wrong_answer_fails_and_no_answer_is_ever_shown(
    browser: Browser, summit: PortalAccount
) -> None:
    wrong = {q: f"not-{a}" for q, a in summit.account["security_answers"].items()}
    ctx = context(summit, account={**summit.account, "security_answers": wrong})
    with pytest.raises(MfaFailed, match="refused the security answer") as caught:
        _lookup(browser, ctx, request_for(0))
    _assert_no_secrets(caught.value, summit)
    for answer in wrong.values():
        assert answer not in str(caught.value)
    assert _summit_state(summit)["security_failures"] == {summit.username: 1}
    assert summit.control.state()["login_attempts"] == {summit.username: 1}


def test_expired_password_stops_the_bot_and_is_never_changed(
    browser: Browser, summit: PortalAccount
) -> None:
    summit.control.expire_password(summit.username)
    ctx = context(summit)
    with pytest.raises(PasswordExpired) as caught:
        _lookup(browser, ctx, request_for(0))
    assert caught.value.account_flag == "password_expired"
    _assert_no_secrets(caught.value, summit)
    assert _summit_state(summit)["password_change_attempts"] == {}
    assert summit.control.state()["mfa_attempts"] == {}
    assert artifacts(ctx) == ["html", "screenshot", "trace"]
    html = next(a.data for a in ctx.artifacts.kept if a.kind == "html")  # type: ignore[attr-defined]
    assert b"frameset" in html


@pytest.mark.parametrize("locked_by", ["control", "three wrong passwords"])
def test_locked_account(browser: Browser, summit: PortalAccount, locked_by: str) -> None:
    if locked_by == "control":
        summit.control.lock(summit.username)
    else:
        with SummitUser(summit) as person:  # somebody mistyped three times
            for _ in range(3):
                person.logon("mistyped")
    before = summit.control.state()["login_attempts"].get(summit.username, 0)
    with pytest.raises(AccountLocked, match="has been locked"):
        _lookup(browser, context(summit), request_for(0))
    assert summit.control.state()["login_attempts"][summit.username] == before + 1


def test_wrong_password_is_rejected_once(browser: Browser, summit: PortalAccount) -> None:
    ctx = context(summit, account={**summit.account, "password": "not-the-password"})
    with pytest.raises(LoginRejected, match="incorrect") as caught:
        _lookup(browser, ctx, request_for(0))
    assert "not-the-password" not in str(caught.value)
    assert summit.control.state()["login_attempts"] == {summit.username: 1}
    assert summit.control.state()["locked_accounts"] == []


def test_idle_session_logs_on_again_once(browser: Browser, summit: PortalAccount) -> None:
    summit.control.set_knobs(security_prompts="one")
    sessions = MemorySessionStore()
    _lookup(browser, context(summit, sessions=sessions), _unknown())  # signs in
    summit.control.expire_sessions()
    events: list[str] = []
    outcome = _lookup(browser, context(summit, sessions=sessions,
                                               on_event=events.append), request_for(1))
    assert isinstance(outcome, EligibilityResult)
    assert diff_results(expected(outcome.member.member_id), outcome) == []
    assert events.count("login") == 1
    assert summit.control.state()["successful_logins"] == {summit.username: 2}


def test_session_lapsing_between_benefit_pages_logs_on_again_once(
    browser: Browser, summit: PortalAccount
) -> None:
    expired: list[str] = []

    def lapse(event: str) -> None:
        if event == "benefits" and not expired:
            expired.append(event)
            summit.control.expire_sessions()

    sessions = MemorySessionStore()
    _lookup(browser, context(summit, sessions=sessions), _unknown())  # signs in
    outcome = _lookup(browser, context(summit, sessions=sessions, on_event=lapse),
                      request_for(WIDE))
    assert expired and isinstance(outcome, EligibilityResult)
    assert diff_results(expected(WIDE), outcome) == []
    assert summit.control.state()["successful_logins"] == {summit.username: 2}


def test_a_session_lapsing_right_after_the_log_on_is_not_chased(
    browser: Browser, summit: PortalAccount
) -> None:
    def lapse(event: str) -> None:
        if event == "benefits":
            summit.control.expire_sessions()

    with pytest.raises(SessionExpired):
        _lookup(browser, context(summit, on_event=lapse), request_for(0))
    assert summit.control.state()["successful_logins"] == {summit.username: 1}


@pytest.mark.parametrize(("knobs", "retry_after"), [
    ({"maintenance_window": "01:00-03:00", "clock_time": "02:15"}, 45 * 60),
    ({"maintenance_window": "23:30-01:00", "clock_time": "00:59"}, 60),
    ({"maintenance": True}, 600),  # the shared, unscheduled maintenance
])
def test_maintenance(browser: Browser, summit: PortalAccount, knobs: dict[str, object],
                     retry_after: int) -> None:
    summit.control.set_knobs(**knobs)
    with pytest.raises(PortalUnavailable, match="503") as caught:
        _lookup(browser, context(summit), request_for(0))
    assert caught.value.retryable and caught.value.retry_after == retry_after
    assert summit.control.state()["login_attempts"] == {}


def test_throttled_benefit_page(browser: Browser, summit: PortalAccount) -> None:
    def throttle(event: str) -> None:
        if event == "benefits":  # the eligibility page was read; the lists come next
            summit.control.set_knobs(throttle_rate=1.0, throttle_retry_after=42)

    with pytest.raises(PortalUnavailable, match="429") as caught:
        _lookup(browser, context(summit, on_event=throttle), request_for(WIDE))
    assert caught.value.retry_after == 42
    assert _summit_state(summit)["throttled"] >= 1  # type: ignore[operator]


def test_intermittent_503_on_the_search(browser: Browser, summit: PortalAccount) -> None:
    def fail(event: str) -> None:
        if event == "search":
            summit.control.set_knobs(error_rate=1.0)

    with pytest.raises(PortalUnavailable, match="503") as caught:
        _lookup(browser, context(summit, on_event=fail), request_for(0))
    assert caught.value.retry_after == 5


def test_page_of_another_member_is_refused(browser: Browser, summit: PortalAccount) -> None:
    summit.control.set_knobs(swap_member=True)
    with pytest.raises(PatientMismatch):
        _lookup(browser, context(summit), request_for(3))


def test_unknown_member_is_not_found(browser: Browser, summit: PortalAccount) -> None:
    outcome = _lookup(browser, context(summit), _unknown())
    assert outcome == NotFound(carrier="summit", message="No member found")


def test_v2_fails_as_layout_changed_with_artifacts(browser: Browser,
                                                   summit: PortalAccount) -> None:
    summit.control.set_knobs(layout="v2")
    ctx = context(summit)
    with pytest.raises(LayoutChanged, match="'main' frame"):
        _lookup(browser, ctx, request_for(0))
    assert artifacts(ctx) == ["html", "screenshot", "trace"]
    assert summit.control.state()["login_attempts"] == {}
