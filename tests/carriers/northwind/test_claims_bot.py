"""The Northwind bot's claim search in real Chromium against the sandbox SPA, for a sample
of members (the accuracy bench runs all of them): exact results by range and by number,
"Load more" paging, no claims, unknown members, the v2 redesign, the claim fault knobs, a
session lapsing mid-search and maintenance."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from bots.base import ClaimsOutcome
from bots.errors import InconsistentResult, LayoutChanged, PatientMismatch, PortalUnavailable
from bots.memory import MemoryArtifactSink
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox import carriers
from fixtures.sandbox.northwind import claims as nw_claims
from portals.claims import ClaimResult, ClaimSearchRequest
from portals.model import NotFound
from tests.carriers.northwind.conftest import Runner

pytestmark = pytest.mark.browser

EVERY_STATUS = "NWM511588-01"
"""15 claims (three pages of five) in all nine of Northwind's status words."""
NO_CLAIMS = "NWM325361-00"
FROM, TO = dt.date(2025, 1, 1), dt.date(2026, 12, 31)


def claim_request(member_id: str, **search: Any) -> ClaimSearchRequest:
    patient = nw_claims.patient(member_id)
    if not search:
        search = {"service_from": FROM, "service_to": TO}
    return ClaimSearchRequest(carrier="northwind", member_id=member_id,
                              date_of_birth=patient.date_of_birth,
                              last_name=patient.last_name, first_name=patient.first_name,
                              **search)


def expected(request: ClaimSearchRequest) -> ClaimResult:
    return carriers.get("northwind").expected_claims(
        request.member_id, claim_number=request.claim_number,
        service_from=request.service_from, service_to=request.service_to)


def search(runner: Runner, request: ClaimSearchRequest, **context: Any) -> ClaimsOutcome:
    runner.events.clear()
    bot = registry.get("northwind")()
    ctx = runner.context(**context)
    return run_bot(runner.browser, ctx, lambda page: bot.search_claims(page, ctx, request))


def documents(runner: Runner) -> dict[str, bytes]:
    assert runner.last is not None and isinstance(runner.last.artifacts, MemoryArtifactSink)
    return {a.filename: a.data for a in runner.last.artifacts.kept if a.kind == "document"}


def test_every_status_over_three_pages_reads_exactly_as_expected(runner: Runner) -> None:
    request = claim_request(EVERY_STATUS)
    outcome = search(runner, request)
    want = expected(request)
    assert isinstance(outcome, ClaimResult)
    assert outcome.canonical() == want.canonical()
    assert {c.status.portal_text for c in outcome.claims} == {
        w.words for w in nw_claims.STATUS_WORDS.values()}
    # three pages: the first answer and two "Load more"; every claim opened once
    assert len(outcome.claims) == 15
    assert runner.events.count("claims_page") == 2
    assert runner.events.count("claim_detail") == 15
    counters = runner.northwind_counters()
    assert counters["claim_pages"] == 3 and counters["claim_details"] == 15
    # every EOB the portal offers is kept, byte for byte as the Document says
    kept = documents(runner)
    assert sorted(kept) == sorted(d.filename for d in outcome.documents)
    assert counters["eob_downloads"] == len(kept) > 0
    for doc in outcome.documents:
        assert hashlib.sha256(kept[doc.filename]).hexdigest() == doc.sha256


def test_by_claim_number_and_by_a_narrow_range(runner: Runner) -> None:
    member = "NWM371457-00"
    claims = nw_claims.all_claims()[member]
    by_number = claim_request(member, claim_number=claims[3].claim_number.lower())
    outcome = search(runner, by_number)
    assert isinstance(outcome, ClaimResult) and len(outcome.claims) == 1
    assert outcome.canonical() == expected(by_number).canonical()
    # the saved session serves the second search: no second login
    ranged = claim_request(member, service_from=claims[4].service_from,
                           service_to=claims[1].service_to)
    outcome = search(runner, ranged)
    assert isinstance(outcome, ClaimResult)
    assert outcome.canonical() == expected(ranged).canonical()
    assert 4 <= len(outcome.claims) < len(claims)
    assert runner.counters()["login_attempts"] == 1


def test_no_claims_is_an_empty_result_and_an_unknown_member_not_found(runner: Runner) -> None:
    outcome = search(runner, claim_request(NO_CLAIMS))
    assert outcome == ClaimResult(carrier="northwind", claims=[])
    unknown = claim_request(NO_CLAIMS).model_copy(update={"last_name": "Nobodyhere"})
    found = search(runner, unknown)
    assert isinstance(found, NotFound)
    assert found.message == "No member matches your search."


def test_the_v2_redesign_is_layout_changed_and_nothing_is_kept(runner: Runner) -> None:
    runner.portal.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged):
        search(runner, claim_request(EVERY_STATUS))
    assert "document" not in runner.artifacts()
    assert runner.counters()["login_attempts"] == 0


@pytest.mark.parametrize(("knob", "error"), [("claim_other_member", PatientMismatch),
                                             ("claim_unbalanced", InconsistentResult)])
def test_claim_faults_return_nothing(runner: Runner, knob: str, error: type[Exception]
                                     ) -> None:
    runner.portal.control.set_knobs(**{knob: True})
    member = "NWM371457-04"
    with pytest.raises(error):
        search(runner, claim_request(member))
    assert "document" not in runner.artifacts()  # not even the EOBs are kept


def test_a_session_lapsing_mid_search_logs_in_again_once(runner: Runner) -> None:
    expired: list[int] = []

    def expire_on_first_page(event: str) -> None:
        if event == "claims_page" and not expired:
            expired.append(runner.portal.control.expire_sessions()["expired"])

    # given a saved session (a first search logged in with the SMS code)
    assert search(runner, claim_request(NO_CLAIMS)) == ClaimResult(carrier="northwind")
    # when the session lapses while "Load more" is clicked
    request = claim_request(EVERY_STATUS)
    outcome = search(runner, request, on_event=expire_on_first_page)
    assert expired == [1]
    assert isinstance(outcome, ClaimResult)
    assert outcome.canonical() == expected(request).canonical()
    # then the bot signed in again once and searched again from the start
    assert runner.events.count("login") == 1
    assert runner.events.count("claims_search") == 2
    assert runner.counters()["login_attempts"] == 2
    assert runner.texts() == 1  # the remembered device skipped the second SMS


def test_maintenance_is_portal_unavailable(runner: Runner) -> None:
    runner.portal.control.set_knobs(maintenance=True)
    with pytest.raises(PortalUnavailable) as info:
        search(runner, claim_request(EVERY_STATUS))
    assert info.value.retry_after == 600
