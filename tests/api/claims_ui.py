"""Builders and fixtures shared by the claim web UI tests (form and page)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from portals.access import ALL_ROLES
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
from tests.api.web_login import login

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
        create_user(session=session, username=USER, password=PASSWORD, roles=ALL_ROLES)
    response = login(client, USER, PASSWORD)
    assert response.status_code == 303
    return client


def _text(html: str) -> str:
    """The page's words, without tags or runs of white space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")
