"""A claim search's page in the staff web UI: as a billing person reads it, documents behind login,
no claims, dental lines, the live fragment, retry, and kinds kept apart (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from portals.claims import (
    ClaimResult,
)
from storage import repo
from storage.db import session_scope
from storage.models import JobStatus, RunStatus
from tests.api.claims_ui import (
    EOB_PDF,
    USER,
    _csrf,
    _text,
    dental_result,
    make_claim_search,
    store_claims,
)
from tests.api.conftest import QueueProbe
from tests.api.factories import make_check
from tests.api.web_login import logout

BOTH_DATABASES = True


# -- the claim page -------------------------------------------------------------------


@pytest.mark.parametrize("job_id", [
    "0" * 32, "abc", "%00", "a%00b", "A" * 32, "x" * 400, "..%2f..%2fetc",
    "%27%20or%201%3D1--", "%F0%9F%92%A5",
])
def test_unknown_or_junk_ids_are_404(ui: TestClient, job_id: str) -> None:
    for suffix in ("", "/fragment"):
        response = ui.get(f"/claims/{job_id}{suffix}")
        assert response.status_code == 404, (job_id, suffix)
    if job_id == "0" * 32:
        assert "No such claim search." in ui.get(f"/claims/{job_id}").text
    csrf = _csrf(ui.get("/claims").text)
    for action in ("retry", "mfa-code"):
        posted = ui.post(f"/claims/{job_id}/{action}", data={"csrf": csrf, "code": "123456"},
                         follow_redirects=False)
        assert posted.status_code == 404, (job_id, action)


def test_an_eligibility_check_is_not_a_claim_search(ui: TestClient, db: Engine) -> None:
    job_id = make_check(db)
    assert ui.get(f"/claims/{job_id}").status_code == 404


def test_claim_page_reads_as_a_billing_person_reads_it(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    stored = store_claims(db, make_claim_search(db), store=app.state.store)

    page = ui.get(f"/claims/{stored.job_id}").text
    text = _text(page)

    assert 'data-testid="check-status">succeeded<' in page
    assert 'data-testid="polling"' not in page
    # totals: what the patient owes over the adjudicated claims
    assert 'data-testid="total-patient-owes">$87.00<' in page
    assert 'data-testid="claims-count">4<' in page
    assert 'data-testid="total-paid">$243.00<' in page
    assert "1 claim is not adjudicated yet" in text
    # the paid claim: status in words, dates, providers, amounts, lines, reasons, payment
    assert 'data-testid="claim-MH2026000101-status">Paid<' in page
    assert ("F1: Finalized: paid — 65: Claim/line has been paid" in text)
    assert 'data-testid="claim-MH2026000101-status-date">2026-09-30<' in page
    assert 'data-testid="claim-MH2026000101-dates">2026-09-10<' in page
    assert "Riverside Family Clinic (NPI 1234567893)" in text
    assert "Dr. Imani Okafor (NPI 1982736450)" in text
    for name, amount in (("billed", "$300.00"), ("allowed", "$180.00"), ("paid", "$118.00"),
                         ("patient-owes", "$62.00")):
        assert f'data-testid="claim-MH2026000101-{name}">{amount}' in page
    assert 'data-testid="claim-MH2026000101-line-1-procedure">99213<' in page
    assert 'data-testid="claim-MH2026000101-line-2-modifiers">GP, 59<' in page
    assert ("Contractual obligation (the provider writes it off) — 45: Charge exceeds fee "
            "schedule/maximum allowable") in text
    assert "Patient responsibility — 1: Deductible amount" in text
    assert "Patient responsibility — 2: Coinsurance amount" in text
    assert 'data-testid="claim-MH2026000101-line-1-adj-2-amount">$50.00<' in page
    assert 'data-testid="claim-MH2026000101-payment-1-number">EFT-88412907<' in page
    assert "Electronic funds transfer (ACH)" in text
    # the denial, with its reason and remark in words
    assert 'data-testid="claim-MH2026000202-status">Denied<' in page
    assert ("Contractual obligation (the provider writes it off) — 50: Not deemed a medical "
            "necessity by the payer — N115: This decision was based on a local coverage "
            "determination") in text
    assert 'data-testid="claim-MH2026000202-no-payment"' in page
    # in process: nothing owed yet, said so
    assert "P1: In process" in text
    assert 'data-testid="claim-MH2026000303-patient-owes">—' in page
    # a date range and a check
    assert 'data-testid="claim-MH2026000404-dates">2026-07-01 to 2026-07-02<' in page
    assert 'data-testid="claim-MH2026000404-payment-1-number">004417<' in page
    assert "Patient responsibility — 3: Co-payment amount" in text
    # the remittance is linked under the search (the claims permission opens it), with the
    # claim whose payment it is
    link = f"/claims/{stored.job_id}/documents/{stored.document_id}"
    assert f'href="{link}" data-testid="claim-MH2026000101-document-' in page
    assert f'href="{link}" data-testid="document-{stored.document_id}"' in page


def test_remittance_download_is_behind_login_and_audited(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    stored = store_claims(db, make_claim_search(db), store=app.state.store)
    link = f"/claims/{stored.job_id}/documents/{stored.document_id}"

    response = ui.get(link)

    assert response.status_code == 200 and response.content == EOB_PDF
    with session_scope(db) as session:
        events = {(e.actor, e.action, e.target_id) for e in repo.list_audit(session=session)}
    assert (USER, "artifact.view", stored.document_id) in events
    logout(ui)
    assert ui.get(link, follow_redirects=False).status_code == 303


def test_no_claims_found_is_a_result_not_an_error(ui: TestClient, db: Engine) -> None:
    job_id = make_claim_search(db, claim_number="MH2026999999", service_from=None,
                               service_to=None)
    store_claims(db, job_id, ClaimResult(carrier="meridian", claims=[]))

    page = ui.get(f"/claims/{job_id}").text

    assert 'data-testid="check-status">succeeded<' in page
    assert re.search(r'data-testid="no-claims">No claims found at Meridian Health for claim '
                     r'number <span class="mono">MH2026999999</span>', page)
    assert 'data-testid="failure"' not in page and 'class="error"' not in page


def test_dental_lines_show_tooth_and_surfaces(ui: TestClient, db: Engine) -> None:
    job_id = make_claim_search(db, carrier="cascade")
    store_claims(db, job_id, dental_result())

    page = ui.get(f"/claims/{job_id}").text

    assert 'data-testid="claim-CD2629000145-line-1-procedure">D2392<' in page
    assert 'data-testid="claim-CD2629000145-line-1-tooth">14<' in page
    assert 'data-testid="claim-CD2629000145-line-1-surfaces">MO<' in page
    assert 'data-testid="total-patient-owes">$40.00<' in page
    assert 'data-testid="check-carrier">Cascade Dental<' in page


def test_fragment_says_when_the_search_is_finished(ui: TestClient, db: Engine) -> None:
    job_id = make_claim_search(db)
    live = ui.get(f"/claims/{job_id}/fragment")
    assert live.headers["x-check-finished"] == "false"
    assert 'data-testid="check-status">queued<' in live.text
    store_claims(db, job_id)
    done = ui.get(f"/claims/{job_id}/fragment")
    assert done.headers["x-check-finished"] == "true"
    assert 'data-testid="total-patient-owes">$87.00<' in done.text


def test_a_failed_search_can_be_retried(ui: TestClient, db: Engine,
                                        queue: QueueProbe) -> None:
    job_id = make_claim_search(db)
    with session_scope(db) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w", lease_seconds=60)
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        run = repo.start_run(session=session, job=job, worker="w")
        repo.finish_run(session=session, run=run, status=RunStatus.FAILED,
                        error_type="layout_changed", error_message="claims table not found")
        repo.release_job(session=session, job=job, status=JobStatus.FAILED,
                         message="claims table not found")
    page = ui.get(f"/claims/{job_id}").text
    assert 'data-testid="failure-type">layout_changed<' in page

    response = ui.post(f"/claims/{job_id}/retry", data={"csrf": _csrf(page)},
                       follow_redirects=False)

    assert response.headers["location"] == f"/claims/{job_id}"
    assert queue.check_ids() == [job_id]
    again = ui.get(f"/claims/{job_id}").text
    assert 'data-testid="check-status">queued<' in again
    assert "sent back to the queue" in again


def test_the_eligibility_pages_keep_to_eligibility_checks(ui: TestClient, db: Engine) -> None:
    """The home page's recent checks list eligibility checks only, and a claim search's id
    is not an eligibility check's page (404, never a 500)."""
    job_id = store_claims(db, make_claim_search(db)).job_id
    home = ui.get("/")
    assert home.status_code == 200 and job_id not in home.text
    assert ui.get(f"/checks/{job_id}").status_code == 404
    assert ui.get(f"/claims/{job_id}").status_code == 200


def test_a_failed_claim_run_links_to_the_claim_page(ui: TestClient, db: Engine) -> None:
    job_id = make_claim_search(db)
    with session_scope(db) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w1", lease_seconds=60)
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        run = repo.start_run(session=session, job=job, worker="w1")
        repo.finish_run(session=session, run=run, status=RunStatus.FAILED,
                        error_type="layout_changed", error_message="a new claims page")
        repo.release_job(session=session, job=job, status=JobStatus.FAILED)
    page = ui.get("/runs/failed")
    assert page.status_code == 200
    assert f'href="/claims/{job_id}"' in page.text
    assert f'action="/claims/{job_id}/retry"' in page.text
    assert f"/checks/{job_id}" not in page.text
