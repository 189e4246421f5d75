"""The Summit claims bot in real Chromium against the sandbox, for a sample of members:
exact results (every status, by number and by range, split 90-day windows, paging), the
remittance PDFs kept, and every failure mode ending with nothing returned or kept.

The whole population runs in the accuracy bench (``portals bench accuracy``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from playwright.sync_api import Browser

from bench.claims import FULL_FROM, FULL_TO
from bots.base import BotContext, ClaimsOutcome
from bots.errors import InconsistentResult, LayoutChanged, PatientMismatch, PortalUnavailable
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.server import PortalAccount
from fixtures.sandbox.summit import expected_claims
from fixtures.sandbox.summit.claims import member_claims, patients
from portals.claims import ClaimResult, ClaimSearchRequest
from portals.model import NotFound
from tests.carriers.summit.helpers import context

pytestmark = pytest.mark.browser

EVERY_STATUS = (("SBA4936238-02", FULL_FROM, FULL_TO),
                ("SBA3376584-00", dt.date(2026, 8, 1), dt.date(2026, 10, 31)))
"""Between them: A1, A2, P1, P3, F1 (check), F2, F3 (two EFTs), F4; the first over the
whole 18 months (seven 90-day windows), the second over 92 days (two windows)."""
PAGED = "SBA8268576-01"
"""Ten claims in the last 90 days: one window, two result pages."""
BOUNDARY = ("SBA3068376-00", "SB2623300014", dt.date(2026, 5, 24), dt.date(2026, 8, 31))
"""A claim of 2026-08-21..23 and a range whose first 90-day window ends on 2026-08-21:
the claim shows in both windows and must be read once."""
NO_CLAIMS = next(p.member_id for p in patients() if not member_claims(p.member_id))


def _request(member_id: str, **search: Any) -> ClaimSearchRequest:
    patient = next(p for p in patients() if p.member_id == member_id)
    return ClaimSearchRequest.model_validate({
        "carrier": "summit", "member_id": member_id, "date_of_birth": patient.date_of_birth,
        "last_name": patient.last_name.title(), **search})


def _search(browser: Browser, ctx: BotContext, request: ClaimSearchRequest) -> ClaimsOutcome:
    bot = registry.get("summit")()
    return run_bot(browser, ctx, lambda page: bot.search_claims(page, ctx, request))


def _documents(ctx: BotContext) -> list[tuple[str, str]]:
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    return sorted((a.filename, hashlib.sha256(a.data).hexdigest())
                  for a in ctx.artifacts.kept if a.kind == "document")


def _assert_exact(outcome: ClaimsOutcome, want: ClaimResult, ctx: BotContext) -> None:
    assert isinstance(outcome, ClaimResult)
    assert outcome.canonical() == want.canonical()
    assert _documents(ctx) == sorted((d.filename, d.sha256) for d in want.documents)


def test_eighteen_months_in_windows_every_status(browser: Browser,
                                                 summit: PortalAccount) -> None:
    """An 18-month range (seven 90-day windows) returns every claim in it, exactly."""
    sessions = MemorySessionStore()
    categories = set()
    for member_id, start, end in EVERY_STATUS:
        ctx = context(summit, sessions=sessions)
        outcome = _search(browser, ctx, _request(member_id, service_from=start,
                                                 service_to=end))
        want = expected_claims(member_id, service_from=start, service_to=end)
        _assert_exact(outcome, want, ctx)
        categories |= {c.status.category.value for c in want.claims}
    assert categories == {"A1", "A2", "P1", "P3", "F1", "F2", "F3", "F4"}
    assert summit.control.state()["successful_logins"] == {summit.username: 1}
    assert summit.control.state()["searches"][summit.username] == 7 + 2


def test_by_claim_number_with_two_payments(browser: Browser, summit: PortalAccount) -> None:
    member_id, number, _, _ = BOUNDARY
    ctx = context(summit)
    outcome = _search(browser, ctx, _request(member_id, claim_number=number.lower()))
    want = expected_claims(member_id, claim_number=number)
    assert len(want.claims) == 1 and len(want.documents) == 2
    _assert_exact(outcome, want, ctx)


def test_paging_every_result_page_read(browser: Browser, summit: PortalAccount) -> None:
    start, end = dt.date(2026, 8, 2), dt.date(2026, 10, 31)  # one window: ten claims
    ctx = context(summit)
    outcome = _search(browser, ctx, _request(PAGED, service_from=start, service_to=end))
    want = expected_claims(PAGED, service_from=start, service_to=end)
    assert len(want.claims) == 10  # two result pages
    _assert_exact(outcome, want, ctx)


def test_no_claims_is_an_empty_result_and_unknown_member_not_found(
        browser: Browser, summit: PortalAccount) -> None:
    sessions = MemorySessionStore()
    outcome = _search(browser, context(summit, sessions=sessions),
                      _request(NO_CLAIMS, service_from=dt.date(2026, 8, 2),
                               service_to=FULL_TO))
    assert outcome == ClaimResult(carrier="summit", claims=[])
    unknown = _request(NO_CLAIMS, claim_number="SB0000000000").model_copy(
        update={"last_name": "Nobody"})
    outcome = _search(browser, context(summit, sessions=sessions), unknown)
    assert outcome == NotFound(carrier="summit", message="No member found")


@pytest.mark.parametrize(("knob", "error"), [("claim_other_member", PatientMismatch),
                                             ("claim_unbalanced", InconsistentResult)])
def test_a_buggy_portal_returns_and_keeps_nothing(browser: Browser, summit: PortalAccount,
                                                  knob: str, error: type[Exception]) -> None:
    summit.control.set_knobs(**{knob: True})
    member_id, number, _, _ = BOUNDARY
    ctx = context(summit)
    with pytest.raises(error):
        _search(browser, ctx, _request(member_id, claim_number=number))
    assert _documents(ctx) == []


def test_v2_is_layout_changed(browser: Browser, summit: PortalAccount) -> None:
    summit.control.set_knobs(layout="v2")
    ctx = context(summit)
    with pytest.raises(LayoutChanged):
        _search(browser, ctx, _request(PAGED, claim_number="SB2615200167"))
    assert _documents(ctx) == []
    assert summit.control.state()["login_attempts"] == {}


def test_session_lapsing_mid_search_logs_on_again_once_and_a_claim_across_windows(
        browser: Browser, summit: PortalAccount) -> None:
    """The session lapses after the result lists: one log-on, the search again, and the
    claim that spans the two windows' boundary read once (verify_claims refuses twice)."""
    lapsed: list[str] = []

    def lapse(event: str) -> None:
        if event == "claims" and not lapsed:  # the result lists were read; claims next
            lapsed.append(event)
            summit.control.expire_sessions()

    sessions = MemorySessionStore()
    _search(browser, context(summit, sessions=sessions),  # signs in, saves the session
            _request(NO_CLAIMS, claim_number="SB0000000000"))
    member_id, number, start, end = BOUNDARY
    ctx = context(summit, sessions=sessions, on_event=lapse)
    outcome = _search(browser, ctx, _request(member_id, service_from=start, service_to=end))
    assert lapsed
    want = expected_claims(member_id, service_from=start, service_to=end)
    assert number in {c.claim_number for c in want.claims}
    _assert_exact(outcome, want, ctx)
    assert summit.control.state()["successful_logins"] == {summit.username: 2}


def test_maintenance_and_throttling_on_claims_pages(browser: Browser,
                                                    summit: PortalAccount) -> None:
    summit.control.set_knobs(maintenance=True)
    with pytest.raises(PortalUnavailable, match="503") as caught:
        _search(browser, context(summit), _request(PAGED, claim_number="SB2615200167"))
    assert caught.value.retry_after == 600
    summit.control.set_knobs(maintenance=False)

    def throttle(event: str) -> None:
        if event == "claims":
            summit.control.set_knobs(throttle_rate=1.0, throttle_retry_after=42)

    ctx = context(summit, on_event=throttle)
    with pytest.raises(PortalUnavailable, match="429") as caught:
        _search(browser, ctx, _request(PAGED, claim_number="SB2615200167"))
    assert caught.value.retry_after == 42 and _documents(ctx) == []
