"""The prior-authorization web UI in real Chromium, against the app served by uvicorn on a
free port: from an eligibility result to a queued request with two clinical documents, the
services needing authorization offered first, the page following the submission by itself.
No worker runs (the test does what one would, in the database); the job waits on this test
run's own Redis database."""

from __future__ import annotations

import re

import pytest
from fpdf import FPDF
from playwright.sync_api import FilePayload, Page, expect
from sqlmodel import Session, select

from portals.prior_auth import CertificationAction
from storage.models import PriorAuth
from storage.prior_auths import DOCUMENT_VIEW_ACTION
from tests.api.conftest import QueueProbe
from tests.api.factories import make_check, png_bytes, rich_result, succeed
from tests.api.live_ui import USER, LiveServer, login
from tests.api.prior_auth_builders import (
    REQUESTING_NPI,
    SERVICING_NPI,
    Stored,
    audit_of,
    decision,
    finish_job,
    pa_carriers_fixture,  # noqa: F401
    soon,
    stored,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("pa_carriers")]



def order_pdf() -> bytes:
    """A real one-page PDF: the physician's order."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Order: MRI lumbar spine without contrast (72148)")
    return bytes(pdf.output())


def test_from_an_eligibility_result_to_a_request_with_two_documents(
    page: Page, live: LiveServer, queue: QueueProbe
) -> None:
    # given an eligibility result saying 70551 (asked about) and 97110 need authorization
    check_id = make_check(live.engine)
    succeed(live.engine, check_id, rich_result())
    login(page, live, f"/checks/{check_id}")

    # when staff ask for prior authorization from the result
    page.get_by_test_id("request-prior-auth").click()

    # then the form knows the patient and offers what needs authorization first
    expect(page).to_have_url(re.compile(rf"/prior-auths/new\?check={check_id}$"))
    expect(page.get_by_test_id("field-member_id")).to_have_value("MER100200")
    expect(page.get_by_test_id("field-last_name")).to_have_value("Rivera")
    expect(page.get_by_test_id("field-date_of_birth")).to_have_value("1980-04-02")
    expect(page.get_by_test_id("eligibility-link")).to_have_attribute(
        "href", f"/checks/{check_id}")
    services = page.get_by_test_id("services")
    expect(services.locator("table").first).to_have_attribute(
        "data-testid", "offered-services")
    expect(page.get_by_test_id("offered-services").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("offer-70551")).to_contain_text("MRI brain without contrast")
    expect(page.get_by_test_id("use-70551")).to_be_checked()
    expect(page.get_by_test_id("use-97110")).not_to_be_checked()

    # when they tick the second service, fill in the rest and attach two files
    page.get_by_test_id("use-97110").check()
    page.get_by_test_id("field-requesting_npi").fill(REQUESTING_NPI)
    page.get_by_test_id("field-requesting_name").fill("Riverside Family Clinic")
    page.get_by_test_id("field-servicing_npi").fill(SERVICING_NPI)
    page.get_by_test_id("field-servicing_name").fill("Riverside Imaging")
    page.get_by_test_id("field-diagnosis_codes").fill("G43.909, M54.50")
    page.get_by_test_id("field-service_from").fill(soon(10))
    page.get_by_test_id("field-service_to").fill(soon(40))
    page.get_by_test_id("field-place_of_service").select_option("22")
    page.get_by_test_id("urgency-expedited").check()
    pdf, png = order_pdf(), png_bytes(8, 8)
    page.get_by_test_id("field-files").set_input_files([
        FilePayload(name="mri-order.pdf", mimeType="application/pdf", buffer=pdf),
        FilePayload(name="head-ct.png", mimeType="image/png", buffer=png),
    ])
    # and submit with a double click (Chromium sends one POST of it; the HTTP tests send
    # the same page's form twice)
    page.get_by_test_id("submit-prior-auth").dblclick()

    # then they land on the request's page, queued, with both documents
    expect(page).to_have_url(re.compile(r"/prior-auths/[0-9a-f]{32}$"))
    expect(page.get_by_test_id("pa-state")).to_have_text("Queued for submission")
    expect(page.get_by_test_id("polling")).to_be_visible()
    documents = page.get_by_test_id("pa-document")
    expect(documents).to_have_count(2)
    expect(documents.nth(0)).to_contain_text("mri-order.pdf")
    expect(documents.nth(1)).to_contain_text("head-ct.png")
    expect(page.get_by_test_id("pa-urgency")).to_contain_text("Expedited")
    expect(page.get_by_test_id("pa-services").locator("tbody tr")).to_have_count(2)

    # and one request was made and queued
    pa_id = page.url.rsplit("/", 1)[-1]
    with Session(live.engine) as session:
        requests = session.exec(select(PriorAuth)).all()
        assert [pa.id for pa in requests] == [pa_id]
        job_id = requests[0].submit_job_id
    assert queue.check_ids() == [job_id]
    assert stored(live.engine, live.app.state.store) == Stored(1, 2, 2, 2)

    # and a document opens behind the login, the same bytes, the view audited
    href = documents.nth(0).get_by_role("link").get_attribute("href")
    assert href is not None
    response = page.request.get(f"{live.url}{href}")
    assert response.status == 200 and response.body() == pdf
    assert [actor for actor, _, _ in audit_of(live.engine, DOCUMENT_VIEW_ACTION)] == [USER]

    # when a worker submits it, then the page follows by itself, without a reload
    page.evaluate("window.__notReloaded = true")
    assert job_id is not None
    finish_job(live.engine, job_id, found=decision(CertificationAction.PENDED, "In review"))
    expect(page.get_by_test_id("pa-state")).to_have_text("Submitted")
    expect(page.get_by_test_id("pa-reference")).to_have_text("MR-2026-00417")
    expect(page.get_by_test_id("decision-portal-status")).to_have_text("In review")
    expect(page.get_by_test_id("refresh-status")).to_be_visible()
    expect(page.get_by_test_id("polling")).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
