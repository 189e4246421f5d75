"""The claims web UI over HTTP (no browser): the claim search form's validation (the API's,
worded per field) and side effects, CSRF, login, junk ids, and the claim page as a billing
person reads it. Also the builders of a stored claim result the browser tests use."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from portals.claims import (
    Adjustment,
    AdjustmentGroup,
    Claim,
    ClaimLine,
    ClaimResult,
    ClaimSearchRequest,
    ClaimStatus,
    ClaimStatusCategory,
    Payment,
    PaymentMethod,
    Provider,
    balance_problems,
)
from portals.model import Document, Patient
from storage import repo
from storage.artifacts import ArtifactStore
from storage.db import session_scope
from storage.models import JobStatus, RunStatus
from storage.users import create_user
from tests.api.conftest import QueueProbe, count_checks
from tests.api.factories import make_check

BOTH_DATABASES = True

USER, PASSWORD = "maria", "front-desk-pass"
MEMBER_ID, DOB = "MER100200", dt.date(1980, 4, 2)
FORM = {"carrier": "meridian", "member_id": MEMBER_ID, "date_of_birth": DOB.isoformat(),
        "last_name": "Rivera", "first_name": "Ana", "claim_number": "",
        "service_from": "2026-01-01", "service_to": "2026-11-01"}
EOB_PDF = b"%PDF-1.4\n% remittance for EFT-88412907\n%%EOF\n"

# -- builders -------------------------------------------------------------------------

PATIENT = Patient(member_id=MEMBER_ID, first_name="Ana", last_name="Rivera",
                  date_of_birth=DOB)
BILLING = Provider(npi="1234567893", name="Riverside Family Clinic")
RENDERING = Provider(npi="1982736450", name="Dr. Imani Okafor")


def _d(text: str) -> Decimal:
    return Decimal(text)


def _adj(group: AdjustmentGroup, reason: str, amount: str, remark: str | None = None
         ) -> Adjustment:
    return Adjustment(group=group, reason=reason, amount=_d(amount), remark=remark)


CO, PR = AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY


def _claim(number: str, start: dt.date, category: ClaimStatusCategory, text: str,
           lines: list[ClaimLine], payments: list[Payment] | None = None,
           code: str | None = None, end: dt.date | None = None,
           patient: Patient = PATIENT) -> Claim:
    finalized = category.finalized
    allowed = [line.allowed for line in lines]
    claim = Claim(
        claim_number=number, patient_account_number=f"PA-{number[-4:]}", patient=patient,
        service_from=start, service_to=end or start, billing_provider=BILLING,
        rendering_provider=RENDERING, place_of_service="11",
        status=ClaimStatus(category=category, code=code, portal_text=text,
                           date=(end or start) + dt.timedelta(days=20)),
        billed=sum((line.billed for line in lines), _d("0.00")),
        allowed=None if any(a is None for a in allowed)
        else sum((a for a in allowed if a is not None), _d("0.00")),
        paid=sum((line.paid for line in lines), _d("0.00")),
        patient_responsibility=sum((a.amount for line in lines for a in line.adjustments
                                    if a.group is PR), _d("0.00")) if finalized
        else _d("0.00"),
        lines=lines, payments=payments or [],
    )
    assert balance_problems(claim) == [], balance_problems(claim)
    return claim


def _line(number: int, code: str, day: dt.date, billed: str, paid: str = "0.00",
          allowed: str | None = None, adjustments: list[Adjustment] | None = None,
          modifiers: list[str] | None = None, **dental: str) -> ClaimLine:
    return ClaimLine(line_number=number, procedure_code=code, modifiers=modifiers or [],
                     units=_d("1"), service_date=day, billed=_d(billed),
                     allowed=_d(allowed) if allowed is not None else None, paid=_d(paid),
                     adjustments=adjustments or [], **dental)


PAID_ON, DENIED_ON = dt.date(2026, 9, 10), dt.date(2026, 8, 5)


def claims_result(documents: list[Document] | None = None) -> ClaimResult:
    """Four medical claims: paid (EFT, deductible and coinsurance), denied (not medically
    necessary), in process, and paid by check with a copay. The patient owes $87.00."""
    paid = _claim("MH2026000101", PAID_ON, ClaimStatusCategory.PAID, "Paid", code="65", lines=[
        _line(1, "99213", PAID_ON, "200.00", "70.00", "120.00",
              [_adj(CO, "45", "80.00"), _adj(PR, "1", "50.00")], modifiers=["25"]),
        _line(2, "97110", PAID_ON, "100.00", "48.00", "60.00",
              [_adj(CO, "45", "40.00"), _adj(PR, "2", "12.00")], modifiers=["GP", "59"]),
    ], payments=[Payment(method=PaymentMethod.EFT, number="EFT-88412907",
                         date=dt.date(2026, 9, 30), amount=_d("118.00"))])
    denied = _claim("MH2026000202", DENIED_ON, ClaimStatusCategory.DENIED, "Denied",
                    code="88", lines=[
        _line(1, "70551", DENIED_ON, "1450.00", "0.00", "0.00",
              [_adj(CO, "50", "1450.00", remark="N115")]),
    ])
    pending = _claim("MH2026000303", dt.date(2026, 11, 2), ClaimStatusCategory.IN_PROCESS,
                     "In process", lines=[_line(1, "99214", dt.date(2026, 11, 2), "250.00")])
    checked = _claim("MH2026000404", dt.date(2026, 7, 1), ClaimStatusCategory.PAID,
                     "Paid", end=dt.date(2026, 7, 2), lines=[
        _line(1, "99395", dt.date(2026, 7, 1), "180.00", "125.00", "150.00",
              [_adj(CO, "45", "30.00"), _adj(PR, "3", "25.00")]),
    ], payments=[Payment(method=PaymentMethod.CHECK, number="004417",
                         date=dt.date(2026, 7, 20), amount=_d("125.00"))])
    return ClaimResult(carrier="meridian", claims=[paid, denied, pending, checked],
                       documents=documents or [])


def dental_result() -> ClaimResult:
    day = dt.date(2026, 10, 17)
    claim = _claim("CD2629000145", day, ClaimStatusCategory.PAID, "Processed", lines=[
        _line(1, "D2392", day, "235.00", "150.00", "190.00",
              [_adj(CO, "45", "45.00"), _adj(PR, "2", "40.00")], tooth="14", surfaces="MO"),
    ], payments=[Payment(method=PaymentMethod.CHECK, number="77120", date=dt.date(2026, 11, 1),
                         amount=_d("150.00"))])
    return ClaimResult(carrier="cascade", claims=[claim])


def search_request(**changes: Any) -> ClaimSearchRequest:
    data: dict[str, Any] = {"carrier": "meridian", "member_id": MEMBER_ID,
                            "date_of_birth": DOB, "last_name": "Rivera", "first_name": "Ana",
                            "service_from": dt.date(2026, 1, 1),
                            "service_to": dt.date(2026, 11, 20)}
    data.update(changes)
    return ClaimSearchRequest.model_validate({k: v for k, v in data.items() if v is not None})


def make_claim_search(engine: Engine, **changes: Any) -> str:
    with session_scope(engine) as session:
        return repo.create_job(session=session, kind="claim_status",
                               request=search_request(**changes)).id


@dataclass(frozen=True)
class StoredClaims:
    job_id: str
    run_id: str
    document_id: str | None


def store_claims(engine: Engine, job_id: str, result: ClaimResult | None = None,
                 store: ArtifactStore | None = None, claim: bool = True) -> StoredClaims:
    """What a worker does: claim, run, keep the remittance PDF, store the result, finish."""
    if claim:
        with session_scope(engine) as session:
            assert repo.claim_job(session=session, job_id=job_id, worker="w1",
                                  lease_seconds=60)
    with session_scope(engine) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        run = repo.start_run(session=session, job=job, worker="w1")
        document_id = None
        if result is None:
            documents = []
            if store is not None:
                path, sha = store.write(run.id, "EOB-EFT-88412907.pdf", EOB_PDF)
                document_id = repo.add_artifact(
                    session=session, run_id=run.id, kind="document",
                    filename="EOB-EFT-88412907.pdf", content_type="application/pdf",
                    size=len(EOB_PDF), sha256=sha, path=path).id
                documents = [Document(kind="remittance", filename="EOB-EFT-88412907.pdf",
                                      content_type="application/pdf", sha256=sha,
                                      size=len(EOB_PDF))]
            result = claims_result(documents)
        repo.save_result(session=session, job=job, run=run, result=result)
        repo.finish_run(session=session, run=run, status=RunStatus.SUCCEEDED)
        repo.release_job(session=session, job=job, status=JobStatus.SUCCEEDED)
        return StoredClaims(job_id, run.id, document_id)


# -- fixtures -------------------------------------------------------------------------


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no csrf field on the page"
    return found.group(1)


def _form(page: str, **changes: str) -> dict[str, str]:
    key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert key
    return {**FORM, **changes, "csrf": _csrf(page), "form_key": key.group(1)}


@pytest.fixture
def ui(client: TestClient, db: Engine) -> TestClient:
    with session_scope(db) as session:
        create_user(session=session, username=USER, password=PASSWORD)
    response = client.post("/login", data={"username": USER, "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303
    return client


def _text(html: str) -> str:
    """The page's words, without tags or runs of white space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


# -- login, form ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/claims", f"/claims/{'a' * 32}",
                                  f"/claims/{'a' * 32}/fragment"])
def test_claim_pages_need_a_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/claims")


def test_posting_the_form_needs_a_login(client: TestClient, db: Engine) -> None:
    response = client.post("/claims", data=FORM, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert count_checks(db) == 0


def test_form_lists_only_claims_carriers_by_their_names(ui: TestClient) -> None:
    from bots.registry import registry
    from portals.jobs import Capability

    page = ui.get("/claims").text
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    serving = [(bot.name, bot.display_name) for bot in registry.all()
               if Capability.CLAIMS in bot.capabilities]
    assert options == serving and ("meridian", "Meridian Health") in options
    assert 'data-testid="nav-claims"' in page and 'data-testid="no-claim-searches"' in page


def test_form_queues_a_claim_search_by_number_once(ui: TestClient, db: Engine,
                                                   queue: QueueProbe) -> None:
    form = _form(ui.get("/claims").text, claim_number=" MH2026000101 ", service_from="",
                 service_to="")

    response = ui.post("/claims", data=form, follow_redirects=False)

    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/claims/")
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None and job.kind == "claim_status" and job.origin == "web"
        request = repo.job_request(job)
    assert request.claim_number == "MH2026000101" and request.service_from is None
    assert queue.check_ids() == [job_id]
    # a double submission of the same page is the same search
    again = ui.post("/claims", data=form, follow_redirects=False)
    assert again.headers["location"] == f"/claims/{job_id}"
    assert count_checks(db) == 1 and queue.check_ids() == [job_id]
    # and the search is listed on the form page, with what was searched for
    listed = ui.get("/claims").text
    assert f'data-testid="recent-claim-search-{job_id}"' in listed
    assert "MH2026000101" in listed


def test_form_queues_a_claim_search_by_dates(ui: TestClient, db: Engine,
                                             queue: QueueProbe) -> None:
    response = ui.post("/claims", data=_form(ui.get("/claims").text, first_name=""),
                       follow_redirects=False)
    job_id = response.headers["location"].removeprefix("/claims/")
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        request = repo.job_request(job)
    assert (request.service_from, request.service_to) == (dt.date(2026, 1, 1),
                                                          dt.date(2026, 11, 1))
    assert request.first_name is None and request.claim_number is None
    assert queue.check_ids() == [job_id]
    page = ui.get(f"/claims/{job_id}").text
    assert 'data-testid="check-status">queued<' in page
    assert 'data-testid="check-range">2026-01-01 to 2026-11-01<' in page


TOMORROW = (dt.date.today() + dt.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"member_id": "AB"}, "member_id", "letters, digits or hyphens"),
    ({"member_id": "MER<100>"}, "member_id", ""),
    ({"member_id": ""}, "member_id", "Required"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth", "future"),
    ({"date_of_birth": "1980-02-30"}, "date_of_birth", ""),
    ({"date_of_birth": "02/04/1980"}, "date_of_birth", "YYYY-MM-DD"),
    ({"last_name": ""}, "last_name", "Required"),
    ({"last_name": "X" * 61}, "last_name", ""),
    ({"first_name": "Ana;"}, "first_name", "letters"),
    ({"carrier": "acme"}, "carrier", "Unknown carrier"),
    ({"carrier": ""}, "carrier", "Required"),
    ({"claim_number": "AB1"}, "claim_number", ""),
    ({"claim_number": "MH/2026", "service_from": "", "service_to": ""}, "claim_number", ""),
    ({"claim_number": "MH2026000101"}, "service_from", "claim number or a date-of-service"),
    ({"service_from": "", "service_to": ""}, "service_from", "Required when no claim number"),
    ({"service_to": ""}, "service_to", "Required when no claim number"),
    ({"service_to": "2025-12-31"}, "service_to", "before the From date"),
    ({"service_from": "2024-01-01", "service_to": "2026-11-01"}, "service_to", "731 days"),
    ({"service_to": TOMORROW}, "service_to", "future"),
    ({"service_from": "2026-13-01"}, "service_from", ""),
])
def test_form_errors_show_beside_the_field_and_store_nothing(
    ui: TestClient, db: Engine, queue: QueueProbe, changes: dict[str, str], field: str,
    words: str,
) -> None:
    response = ui.post("/claims", data=_form(ui.get("/claims").text, **changes),
                       follow_redirects=False)

    assert response.status_code == 422
    shown = re.search(rf'data-testid="error-{field}">([^<]+)<', response.text)
    assert shown, f"no error beside {field}"
    assert words in shown.group(1)
    assert 'data-testid="form-errors"' in response.text
    for name, value in changes.items():  # what was typed stays in the form
        if value and name != "carrier":
            assert f'value="{html.escape(value)}"' in response.text
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_a_bad_claim_number_is_the_one_error_shown(ui: TestClient, db: Engine) -> None:
    response = ui.post("/claims", data=_form(ui.get("/claims").text, claim_number="MH/1",
                                             service_from="", service_to=""))
    errors = re.findall(r'data-testid="error-(\w+)"', response.text)
    assert errors == ["claim_number"]
    assert count_checks(db) == 0


@pytest.mark.parametrize("field", ["member_id", "last_name", "first_name", "claim_number",
                                   "date_of_birth", "carrier", "form_key"])
def test_nul_bytes_in_the_form_are_a_422_or_ignored_never_a_500(
    ui: TestClient, db: Engine, queue: QueueProbe, field: str
) -> None:
    form = _form(ui.get("/claims").text, **{field: "MH20\x0026"})
    response = ui.post("/claims", data=form, follow_redirects=False)
    if field == "form_key":  # a key the page never made is no key: the search is queued
        assert response.status_code == 303
        assert count_checks(db) == 1
        return
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in response.text
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_form_without_csrf_is_refused(ui: TestClient, db: Engine) -> None:
    response = ui.post("/claims", data={**FORM, "csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert count_checks(db) == 0


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
    # the remittance is linked behind login, with the claim whose payment it is
    link = f"/ui/runs/{stored.run_id}/artifacts/{stored.document_id}"
    assert f'href="{link}" data-testid="claim-MH2026000101-document-' in page
    assert f'href="{link}" data-testid="document-{stored.document_id}"' in page


def test_remittance_download_is_behind_login_and_audited(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    stored = store_claims(db, make_claim_search(db), store=app.state.store)
    link = f"/ui/runs/{stored.run_id}/artifacts/{stored.document_id}"

    response = ui.get(link)

    assert response.status_code == 200 and response.content == EOB_PDF
    with session_scope(db) as session:
        events = {(e.actor, e.action, e.target_id) for e in repo.list_audit(session=session)}
    assert (USER, "artifact.view", stored.document_id) in events
    ui.get("/logout")
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
