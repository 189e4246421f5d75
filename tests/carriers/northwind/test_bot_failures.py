"""The Northwind bot in real Chromium when things go wrong: codes, locks, expired
passwords, outages, wrong patients, unknown members, the v2 redesign."""

from __future__ import annotations

import pytest

from bots.errors import (
    AccountLocked,
    LayoutChanged,
    LoginRejected,
    MfaCodeTimeout,
    MfaFailed,
    PasswordExpired,
    PatientMismatch,
    PortalUnavailable,
)
from portals.model import NotFound
from tests.carriers.northwind.conftest import Runner, request_for

pytestmark = pytest.mark.browser


class FixedCode:
    """A code source that always has the same (wrong) code."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.asked: list[str] = []

    def wait_for_code(self, channel: str, timeout: float) -> str | None:
        self.asked.append(channel)
        return self.code


def test_no_code_source_is_a_code_timeout(runner: Runner) -> None:
    with pytest.raises(MfaCodeTimeout, match="no code inbox"):
        runner.lookup(0, codes=None)
    assert runner.texts() == 1  # the portal did text a code; nobody could read it
    assert runner.sessions.load("test:northwind") is None


def test_a_code_that_never_arrives_is_a_code_timeout(runner: Runner) -> None:
    runner.portal.control.set_knobs(code_delivery="drop")
    with pytest.raises(MfaCodeTimeout, match="no SMS code arrived"):
        runner.lookup(0, mfa_wait_seconds=0.5)
    assert runner.counters()["mfa_attempts"] == 0


def test_a_wrong_code_is_mfa_failed(runner: Runner) -> None:
    source = FixedCode("000000")
    with pytest.raises(MfaFailed, match="doesn't match") as info:
        runner.lookup(0, codes=source)
    assert not isinstance(info.value, MfaCodeTimeout)
    assert source.asked == ["sms"]
    assert runner.counters()["mfa_attempts"] == 1  # typed once, never retried


def test_an_expired_code_is_mfa_failed(runner: Runner) -> None:
    # the gateway delivers the code after it has expired
    runner.portal.control.set_knobs(code_ttl_seconds=0.2, code_delay_ms=700)
    with pytest.raises(MfaFailed, match="expired"):
        runner.lookup(0)
    assert runner.counters()["successful_logins"] == 0


def test_a_code_sent_to_another_phone_is_refused_before_waiting(runner: Runner) -> None:
    other = {**runner.portal.account, "phone": "+1-555-0100-0000"}
    source = FixedCode("123456")
    with pytest.raises(MfaFailed, match="another phone"):
        runner.lookup(0, codes=source, account=other)
    assert source.asked == []


def test_a_locked_account_is_account_locked(runner: Runner) -> None:
    runner.portal.control.lock(runner.portal.username)
    with pytest.raises(AccountLocked):
        runner.lookup(0)
    assert runner.texts() == 0


def test_three_wrong_passwords_lock_the_account(runner: Runner) -> None:
    wrong = {**runner.portal.account, "password": "not-the-password"}
    for _ in range(2):
        with pytest.raises(LoginRejected, match="incorrect"):
            runner.lookup(0, account=wrong)
    with pytest.raises(AccountLocked, match="locked"):
        runner.lookup(0, account=wrong)
    # the right password does not open a locked account either
    with pytest.raises(AccountLocked):
        runner.lookup(0)
    assert runner.portal.control.state()["locked_accounts"] == [runner.portal.username]
    assert runner.counters()["login_attempts"] == 4  # one per lookup, never retried


def test_an_expired_password_is_password_expired(runner: Runner) -> None:
    runner.portal.control.expire_password(runner.portal.username)
    with pytest.raises(PasswordExpired):
        runner.lookup(0)
    assert runner.texts() == 0
    assert runner.counters()["login_attempts"] == 1
    assert runner.artifacts() == ["html", "screenshot", "trace"]


def test_maintenance_is_portal_unavailable_with_retry_after(runner: Runner) -> None:
    runner.portal.control.set_knobs(maintenance=True)
    with pytest.raises(PortalUnavailable) as info:
        runner.lookup(0)
    assert info.value.retry_after == 600
    assert runner.counters()["login_attempts"] == 0


def test_an_outage_mid_lookup_is_portal_unavailable(runner: Runner) -> None:
    def outage_on_search(event: str) -> None:
        if event == "search":
            runner.portal.control.set_knobs(error_rate=1.0)

    # the search call answers 503 and the SPA shows its "unavailable" screen
    with pytest.raises(PortalUnavailable, match="unavailable screen"):
        runner.lookup(0, on_event=outage_on_search)


def test_an_unknown_member_is_not_found(runner: Runner) -> None:
    unknown = request_for(1).model_copy(update={"last_name": "Nobodyhere"})
    found = runner.lookup(request=unknown)
    assert isinstance(found, NotFound)
    assert found.message == "No members match your search."
    assert runner.counters()["searches"] == 1


def test_another_members_benefits_are_refused(runner: Runner) -> None:
    # a portal bug: the benefits call answers with the next member's record
    runner.portal.control.set_knobs(swap_member=True)
    with pytest.raises(PatientMismatch):
        runner.lookup(0)


def test_the_v2_redesign_is_layout_changed_with_artifacts(runner: Runner) -> None:
    runner.portal.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged, match="v1"):
        runner.lookup(0)
    assert runner.artifacts() == ["html", "screenshot", "trace"]
    assert runner.counters()["login_attempts"] == 0  # stopped before typing anything


def test_v2_going_live_after_a_saved_v1_session_is_layout_changed(runner: Runner) -> None:
    runner.lookup(0)
    runner.portal.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged):
        runner.lookup(1)
    assert runner.counters()["searches"] == 1
