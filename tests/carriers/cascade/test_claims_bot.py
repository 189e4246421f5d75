"""The Cascade Dental bot's claim search in real Chromium against its sandbox portal, on a
sample of members (the accuracy bench runs every member): exact results by dates and by
claim number covering every status, windows and pages read once each, no claims, unknown
patient, the v2 redesign, the claim fault knobs, a lapsed session, maintenance."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from bots.errors import InconsistentResult, LayoutChanged, PatientMismatch, PortalUnavailable
from fixtures.sandbox.cascade import expected_claims
from portals.claims import ClaimResult
from portals.model import NotFound
from tests.carriers.cascade.conftest import CascadeRun

pytestmark = pytest.mark.browser

MEMBER = "CDN248177600"
"""Five claims; from 02-May-2026: received, in review, adjusted (two payments, EOB),
denied (remarks). The received claim (28-30 Oct) spans the second window's start."""
SINCE = dt.date(2026, 5, 2)  # windows 02-May..28-Oct and 29-Oct..31-Oct
UNTIL = dt.date(2026, 10, 31)
BY_NUMBER = {"CD2515700042": MEMBER,  # paid (EOB)
             "CD2627600012": "CDN180248700",  # accepted for review
             "CD2629200040": "CDN180248704",  # waiting for information from the office
             "CD2612500041": "CDN180248704"}  # processed, no payment due
PAGED = "CDN500596701"  # eleven claims in the last 180 days: three pages


def _same(result: object, expected: ClaimResult) -> None:
    assert isinstance(result, ClaimResult)
    assert result.canonical() == expected.canonical()


def _documents(run: CascadeRun) -> list[tuple[str, bytes]]:
    return [(a.filename, a.data) for a in run.artifacts.kept if a.kind == "document"]


def test_by_dates_reads_every_window_and_keeps_the_eobs(cascade: CascadeRun) -> None:
    result = cascade.claims(MEMBER, service_from=SINCE, service_to=UNTIL)
    expected = expected_claims(MEMBER, service_from=SINCE, service_to=UNTIL)
    _same(result, expected)
    assert {c.status.portal_text for c in expected.claims} == \
        {"Received", "In review", "Adjusted", "Denied"}
    assert cascade.events.count("search_claims") == 2  # two windows of at most 180 days
    assert cascade.events.count("read_claim") == 4  # the claim listed in both: read once
    kept = _documents(cascade)
    assert isinstance(result, ClaimResult) and len(result.documents) == 1
    assert [(name, hashlib.sha256(data).hexdigest(), len(data)) for name, data in kept] == \
        [(d.filename, d.sha256, d.size) for d in result.documents]


def test_by_claim_number_every_other_status(cascade: CascadeRun) -> None:
    ctx = cascade.context()
    for number, member_id in BY_NUMBER.items():
        result = cascade.claims(member_id, ctx, claim_number=number)
        _same(result, expected_claims(member_id, claim_number=number))
    assert cascade.control.state()["successful_logins"] == {cascade.portal.username: 1}


def test_every_page_is_read_and_no_claim_twice(cascade: CascadeRun) -> None:
    since = UNTIL - dt.timedelta(days=179)
    result = cascade.claims(PAGED, service_from=since, service_to=UNTIL)
    _same(result, expected_claims(PAGED, service_from=since, service_to=UNTIL))
    assert isinstance(result, ClaimResult) and len(result.claims) == 11
    assert cascade.events.count("read_claim") == 11


def test_no_claims_is_an_empty_result_and_an_unknown_patient_not_found(cascade: CascadeRun
                                                                       ) -> None:
    ctx = cascade.context()
    result = cascade.claims("CDN616251300", ctx, service_from=SINCE, service_to=UNTIL)
    assert result == ClaimResult(carrier="cascade", claims=[])
    assert isinstance(cascade.claims(MEMBER, ctx, claim_number="CD2515700042",
                                     last_name="Nobody"), NotFound)


def test_v2_claims_page_is_a_layout_change_and_no_result(cascade: CascadeRun) -> None:
    ctx = cascade.context()
    assert isinstance(cascade.claims(MEMBER, ctx, claim_number="CD2613400043"), ClaimResult)
    cascade.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged):
        cascade.claims(MEMBER, ctx, claim_number="CD2515700042")
    assert {"screenshot", "html", "trace"} <= set(cascade.artifacts.kinds())
    assert _documents(cascade) == []


def test_another_members_claim_is_a_mismatch_and_nothing_is_kept(cascade: CascadeRun) -> None:
    cascade.control.set_knobs(claim_other_member=True)
    with pytest.raises(PatientMismatch):
        cascade.claims(MEMBER, claim_number="CD2515700042")
    assert _documents(cascade) == []


def test_unbalanced_claim_is_inconsistent_and_nothing_is_kept(cascade: CascadeRun) -> None:
    cascade.control.set_knobs(claim_unbalanced=True)
    with pytest.raises(InconsistentResult, match="does not balance"):
        cascade.claims(MEMBER, service_from=SINCE, service_to=UNTIL)
    assert _documents(cascade) == []


def test_session_lapsing_mid_search_signs_in_again_once(cascade: CascadeRun) -> None:
    ctx = cascade.context()
    assert isinstance(cascade.claims(MEMBER, ctx, claim_number="CD2613400043"), ClaimResult)
    expired: list[bool] = []

    def lapse_once(event: str) -> None:
        cascade.events.append(event)
        if event == "read_claim" and not expired:
            expired.append(cascade.control.expire_sessions() is not None)

    ctx.on_event = lapse_once
    result = cascade.claims(MEMBER, ctx, service_from=SINCE, service_to=UNTIL)
    _same(result, expected_claims(MEMBER, service_from=SINCE, service_to=UNTIL))
    assert expired == [True] and cascade.events.count("session_lapsed") == 1
    # the saved session, then exactly one fresh sign-in when it lapsed mid-search
    assert cascade.control.state()["successful_logins"] == {cascade.portal.username: 2}


def test_maintenance_is_unavailable_and_retryable(cascade: CascadeRun) -> None:
    cascade.control.set_knobs(maintenance=True)
    with pytest.raises(PortalUnavailable) as raised:
        cascade.claims(MEMBER, claim_number="CD2515700042")
    assert raised.value.retryable and raised.value.retry_after == 600.0
