"""The Meridian bot's claim search in real Chromium against the sandbox, for a sample of
members: exact results by range (two result pages, every status, EOB PDFs) and by claim
number, split date windows, no claims, an unknown member, the v2 redesign, the claim
fault knobs, a session lapsing mid-search, and maintenance."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser

from bench.accuracy import credentials_for
from bots.base import BotContext, ClaimsOutcome
from bots.errors import InconsistentResult, LayoutChanged, PatientMismatch, PortalUnavailable
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox import carriers
from fixtures.sandbox.meridian.claims import patient
from fixtures.sandbox.server import PortalAccount
from portals.claims import ClaimResult, ClaimSearchRequest
from portals.model import NotFound
from tests.carriers.meridian.pages import CLAIMS_MEMBER
from tests.fixtures.helpers import PortalUser

pytestmark = pytest.mark.browser
TIMEOUT_MS = 5_000
MERIDIAN = carriers.get("meridian")
FULL_FROM, FULL_TO = dt.date(2025, 4, 30), dt.date(2026, 10, 31)
"""The sandbox's whole claims history (18 months before 2026-10-31)."""
BY_NUMBER = ("MRD910374700", "MH2519500003")
"""A paid claim with one payment (one EOB), searched by its number."""
NO_CLAIMS = "MRD912384700"


def _request(member_id: str, **search: Any) -> ClaimSearchRequest:
    member = patient(member_id)
    assert member is not None
    return ClaimSearchRequest(carrier="meridian", member_id=member.member_id,
                              date_of_birth=member.date_of_birth, last_name=member.last_name,
                              first_name=member.first_name, **search)


def _context(portal: PortalAccount, events: list[str] | None = None,
             on_event: Callable[[str], None] | None = None,
             sessions: MemorySessionStore | None = None) -> BotContext:
    seen = events if events is not None else []

    def note(event: str) -> None:
        seen.append(event)
        if on_event is not None:
            on_event(event)

    return BotContext(credentials=credentials_for("test:meridian", portal.account),
                      base_url=portal.url, sessions=sessions or MemorySessionStore(),
                      artifacts=MemoryArtifactSink(), timeout_ms=TIMEOUT_MS, on_event=note)


def _search(browser: Browser, ctx: BotContext, request: ClaimSearchRequest) -> ClaimsOutcome:
    bot = registry.get("meridian")()
    return run_bot(browser, ctx, lambda page: bot.search_claims(page, ctx, request))


def _documents(ctx: BotContext) -> dict[str, bytes]:
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    return {a.filename: a.data for a in ctx.artifacts.kept if a.kind == "document"}


def _assert_exact(result: ClaimsOutcome, expected: ClaimResult, ctx: BotContext) -> None:
    assert isinstance(result, ClaimResult)
    assert result.canonical() == expected.canonical()
    kept = _documents(ctx)
    assert sorted(kept) == sorted(d.filename for d in expected.documents)
    for document in result.documents:
        data = kept[document.filename]
        assert data.startswith(b"%PDF-")
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (document.sha256, document.size)


def test_every_claim_over_two_result_pages_reads_exactly(
    browser: Browser, meridian: PortalAccount
) -> None:
    """15 claims in every status (10 + 5 on two pages), each read once, behind the
    announcement modal, with one EOB PDF per payment."""
    meridian.control.set_knobs(announcement="modal")
    events: list[str] = []
    ctx = _context(meridian, events)
    result = _search(browser, ctx, _request(CLAIMS_MEMBER, service_from=FULL_FROM,
                                             service_to=FULL_TO))
    expected = MERIDIAN.expected_claims(CLAIMS_MEMBER, service_from=FULL_FROM,
                                        service_to=FULL_TO)
    _assert_exact(result, expected, ctx)
    assert isinstance(result, ClaimResult)
    assert {c.status.category.value for c in result.claims} == \
        {"A1", "A2", "P1", "P3", "F1", "F2", "F3", "F4"}
    assert len(result.claims) == 15 and len(result.documents) >= 4
    assert events.count("claim_page") == 1 and events.count("claim_detail") == 15
    assert meridian.control.state()["searches"][meridian.username] == 1


def test_a_claim_by_its_number_reads_exactly(browser: Browser, meridian: PortalAccount
                                             ) -> None:
    member_id, number = BY_NUMBER
    ctx = _context(meridian)
    result = _search(browser, ctx, _request(member_id, claim_number=number))
    expected = MERIDIAN.expected_claims(member_id, claim_number=number)
    assert len(expected.claims) == 1 and len(expected.documents) == 1
    _assert_exact(result, expected, ctx)


def test_a_range_over_the_portals_cap_is_searched_in_windows_each_claim_once(
    browser: Browser, meridian: PortalAccount
) -> None:
    member_id = BY_NUMBER[0]
    start, end = dt.date(2024, 10, 31), dt.date(2026, 10, 31)  # 24 months and a day
    events: list[str] = []
    ctx = _context(meridian, events)
    result = _search(browser, ctx, _request(member_id, service_from=start, service_to=end))
    _assert_exact(result, MERIDIAN.expected_claims(member_id, service_from=start,
                                                   service_to=end), ctx)
    assert events.count("claim_search") == 2
    assert isinstance(result, ClaimResult)
    assert events.count("claim_detail") == len(result.claims)


def test_no_claims_is_an_empty_result_and_an_unknown_member_is_not_found(
    browser: Browser, meridian: PortalAccount
) -> None:
    sessions = MemorySessionStore()
    result = _search(browser, _context(meridian, sessions=sessions),
                     _request(NO_CLAIMS, service_from=FULL_FROM, service_to=FULL_TO))
    assert result == ClaimResult(carrier="meridian", claims=[])
    unknown = _request(NO_CLAIMS, service_from=FULL_FROM, service_to=FULL_TO) \
        .model_copy(update={"member_id": "MRD000000000"})
    outcome = _search(browser, _context(meridian, sessions=sessions), unknown)
    assert isinstance(outcome, NotFound)
    assert meridian.control.state()["successful_logins"][meridian.username] == 1


@pytest.mark.parametrize(("knob", "error"), [("claim_other_member", PatientMismatch),
                                             ("claim_unbalanced", InconsistentResult)])
def test_a_claim_fault_returns_nothing(browser: Browser, meridian: PortalAccount, knob: str,
                                       error: type[Exception]) -> None:
    """The paid claim shows another member, or a line paid 10.00 too much: the search
    fails, and not even its EOB is kept."""
    meridian.control.set_knobs(**{knob: True})
    ctx = _context(meridian)
    member_id, number = BY_NUMBER
    with pytest.raises(error):
        _search(browser, ctx, _request(member_id, claim_number=number))
    assert _documents(ctx) == {}


def test_v2_stops_as_layout_changed_before_signing_in(browser: Browser,
                                                      meridian: PortalAccount) -> None:
    meridian.control.set_knobs(layout="v2")
    ctx = _context(meridian)
    with pytest.raises(LayoutChanged, match="layout this bot does not know"):
        _search(browser, ctx, _request(CLAIMS_MEMBER, service_from=FULL_FROM,
                                       service_to=FULL_TO))
    assert _documents(ctx) == {}
    assert meridian.control.state()["login_attempts"].get(meridian.username, 0) == 0


def test_v2_going_live_mid_search_is_layout_changed_and_no_result(
    browser: Browser, meridian: PortalAccount
) -> None:
    def redesign(event: str) -> None:
        if event == "claim_detail":
            meridian.control.set_knobs(layout="v2")

    ctx = _context(meridian, on_event=redesign)
    with pytest.raises(LayoutChanged):
        _search(browser, ctx, _request(CLAIMS_MEMBER, service_from=FULL_FROM,
                                       service_to=FULL_TO))
    assert _documents(ctx) == {}


def _signed_in_session(portal: PortalAccount) -> MemorySessionStore:
    """A saved browser session from a sign-in over plain HTTP with the previous step's
    code (the bot's own login then needs no wait for a fresh TOTP step)."""
    with PortalUser(portal) as user:
        user.sign_in(step_offset=-1)
        host = portal.url.split("//", 1)[1].split(":", 1)[0]
        cookies = [{"name": c.name, "value": c.value, "domain": host, "path": "/",
                    "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}
                   for c in user.http.cookies.jar]
    sessions = MemorySessionStore()
    sessions.save("test:meridian", {"cookies": cookies, "origins": []})
    return sessions


def test_a_session_lapsing_mid_search_signs_in_again_once(
    browser: Browser, meridian: PortalAccount
) -> None:
    meridian.control.set_knobs(announcement="none")
    sessions = _signed_in_session(meridian)
    lapsed: list[bool] = []

    def expire_once(event: str) -> None:
        if event == "claim_detail" and not lapsed:
            lapsed.append(True)
            meridian.control.expire_sessions()

    events: list[str] = []
    ctx = _context(meridian, events, on_event=expire_once, sessions=sessions)
    member_id, number = BY_NUMBER
    result = _search(browser, ctx, _request(member_id, claim_number=number))
    _assert_exact(result, MERIDIAN.expected_claims(member_id, claim_number=number), ctx)
    assert events.count("session_lapsed") == 1 and "login" not in events
    assert meridian.control.state()["successful_logins"][meridian.username] == 2


def test_maintenance_is_portal_unavailable(browser: Browser, meridian: PortalAccount) -> None:
    meridian.control.set_knobs(maintenance=True)
    with pytest.raises(PortalUnavailable) as caught:
        _search(browser, _context(meridian), _request(CLAIMS_MEMBER, service_from=FULL_FROM,
                                                      service_to=FULL_TO))
    assert caught.value.retry_after == 600
