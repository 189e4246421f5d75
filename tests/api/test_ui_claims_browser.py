"""The claims web UI in real Chromium, against the app served by uvicorn on a free port:
the claim search form (an error beside its field, then a search queued), the page following
the search without a reload, and a stored result read as a billing person reads it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from storage import repo
from storage.db import session_scope
from tests.api.claims_ui import EOB_PDF, make_claim_search, store_claims
from tests.api.conftest import QueueProbe, count_checks
from tests.api.live_ui import USER, LiveServer, login

pytestmark = pytest.mark.browser



def test_fill_the_claim_form_then_watch_the_search_finish(
    page: Page, live: LiveServer, queue: QueueProbe
) -> None:
    # given a logged-in staff member on the claims page, reached from the navigation
    login(page, live, "/")
    page.get_by_test_id("nav-claims").click()
    expect(page).to_have_url(re.compile(r"/claims$"))
    page.get_by_test_id("field-carrier").select_option(label="Meridian Health")
    page.get_by_test_id("field-member_id").fill("MER100200")
    page.get_by_test_id("field-date_of_birth").fill("1980-04-02")
    page.get_by_test_id("field-last_name").fill("Rivera")
    page.get_by_test_id("field-first_name").fill("Ana")
    page.get_by_test_id("field-service_from").fill("2026-06-01")
    page.get_by_test_id("field-service_to").fill("2026-01-01")

    # when the range runs backwards: the error is beside the To date, nothing is stored
    page.get_by_test_id("submit-claims").click()
    expect(page.get_by_test_id("error-service_to")).to_have_text(
        "Is before the From date.")
    expect(page.get_by_test_id("field-member_id")).to_have_value("MER100200")
    assert count_checks(live.engine) == 0 and queue.check_ids() == []

    # when it is corrected
    page.get_by_test_id("field-service_from").fill("2026-01-01")
    page.get_by_test_id("field-service_to").fill("2026-11-20")
    page.get_by_test_id("submit-claims").click()

    # then the search's page shows it queued, and it is on the queue
    expect(page).to_have_url(re.compile(r"/claims/[0-9a-f]{32}$"))
    status = page.get_by_test_id("check-status")
    expect(status).to_have_text("queued")
    expect(page.get_by_test_id("check-range")).to_have_text("2026-01-01 to 2026-11-20")
    job_id = page.url.rsplit("/", 1)[-1]
    assert queue.check_ids() == [job_id]
    page.evaluate("window.__notReloaded = true")

    # when a worker claims it, then stores the claims
    with session_scope(live.engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w1", lease_seconds=60)
    expect(status).to_have_text("running")
    store_claims(live.engine, job_id, claim=False)

    # then the page follows by itself, without a reload
    expect(status).to_have_text("succeeded")
    expect(page.get_by_test_id("total-patient-owes")).to_have_text("$87.00")
    expect(page.get_by_test_id("polling")).to_have_count(0)
    expect(page.locator("#check-live")).to_have_attribute("data-finished", "true")
    assert page.evaluate("window.__notReloaded") is True


def test_a_stored_claim_result_reads_in_words(page: Page, live: LiveServer) -> None:
    stored = store_claims(live.engine, make_claim_search(live.engine),
                          store=live.app.state.store)

    login(page, live, f"/claims/{stored.job_id}")

    expect(page.get_by_test_id("check-status")).to_have_text("succeeded")
    expect(page.get_by_test_id("check-carrier")).to_have_text("Meridian Health")
    # what the patient owes, over all claims and per claim
    expect(page.get_by_test_id("total-patient-owes")).to_have_text("$87.00")
    expect(page.get_by_test_id("claim-MH2026000101-patient-owes")).to_have_text("$62.00")
    expect(page.get_by_test_id("pending-note")).to_contain_text("1 claim is not adjudicated")
    # the denial and its reason in words
    denied = page.get_by_test_id("claim-MH2026000202")
    expect(denied.get_by_test_id("claim-MH2026000202-status")).to_have_text("Denied")
    expect(denied.get_by_test_id("claim-MH2026000202-status-meaning")).to_have_text(
        "F2: Finalized: denied — 88: Claim/line has been denied")
    expect(denied.get_by_test_id("claim-MH2026000202-line-1-adj-1-words")).to_have_text(
        "Contractual obligation (the provider writes it off) — 50: Not deemed a medical "
        "necessity by the payer — N115: This decision was based on a local coverage "
        "determination")
    expect(denied.get_by_test_id("claim-MH2026000202-line-1-adj-1-amount")).to_have_text(
        "$1,450.00")
    # a paid claim's lines, reasons and payment
    paid = page.get_by_test_id("claim-MH2026000101")
    expect(paid.get_by_test_id("claim-MH2026000101-line-1-procedure")).to_have_text("99213")
    expect(paid.get_by_test_id("claim-MH2026000101-line-1-modifiers")).to_have_text("25")
    expect(paid.get_by_test_id("claim-MH2026000101-line-1-adj-1-words")).to_have_text(
        "Contractual obligation (the provider writes it off) — 45: Charge exceeds fee "
        "schedule/maximum allowable")
    expect(paid.get_by_test_id("claim-MH2026000101-line-1-adj-2-words")).to_have_text(
        "Patient responsibility — 1: Deductible amount")
    expect(paid.get_by_test_id("claim-MH2026000101-payment-1-number")).to_have_text(
        "EFT-88412907")
    expect(paid.get_by_test_id("claim-MH2026000101-payment-1")).to_contain_text(
        "Electronic funds transfer (ACH)")
    expect(page.get_by_test_id("claim-MH2026000404-payment-1-number")).to_have_text("004417")
    # the remittance opens behind the login, and the view is audited
    link = paid.get_by_test_id(f"claim-MH2026000101-document-{stored.document_id}")
    expect(link).to_have_text("EOB-EFT-88412907.pdf")
    href = link.get_attribute("href")
    assert href == f"/claims/{stored.job_id}/documents/{stored.document_id}"
    response = page.request.get(f"{live.url}{href}")
    assert response.status == 200 and response.body() == EOB_PDF
    with session_scope(live.engine) as session:
        views = [(e.actor, e.target_id) for e in repo.list_audit(session=session)
                 if e.action == "artifact.view"]
    assert (USER, stored.document_id) in views
