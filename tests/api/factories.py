"""Builders for API tests: request bodies, a rich result, a real PNG, failed runs."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from portals.model import (
    BenefitKind,
    BenefitLine,
    Coverage,
    CoverageLevel,
    CoverageStatus,
    EligibilityRequest,
    EligibilityResult,
    Network,
    Person,
    Plan,
    PriorAuthRequirement,
    QuantityQualifier,
    Relationship,
    ServiceType,
    TimePeriod,
)
from storage import repo
from storage.artifacts import ArtifactStore
from storage.db import session_scope
from storage.models import JobStatus, RunStatus

MEMBER_ID = "MER100200"
DOB = dt.date(1980, 4, 2)


def good_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "carrier": "meridian",
        "member_id": MEMBER_ID,
        "date_of_birth": DOB.isoformat(),
        "last_name": "Rivera",
        "first_name": "Ana",
        "service_date": "2025-03-01",
        "service_codes": ["99213", "70551"],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def request_of(**changes: Any) -> EligibilityRequest:
    return EligibilityRequest.model_validate(good_body(**changes))


def _acc(kind: BenefitKind, level: CoverageLevel, network: Network, period: TimePeriod,
         amount: str) -> BenefitLine:
    return BenefitLine(kind=kind, coverage_level=level, network=network, time_period=period,
                       amount=Decimal(amount))


def rich_result(member_id: str = MEMBER_ID) -> EligibilityResult:
    """A result with every section the check page shows."""
    ind, fam = CoverageLevel.INDIVIDUAL, CoverageLevel.FAMILY
    yes, no = Network.IN, Network.OUT
    ded, oop = BenefitKind.DEDUCTIBLE, BenefitKind.OUT_OF_POCKET
    year, ytd, left = TimePeriod.CALENDAR_YEAR, TimePeriod.YEAR_TO_DATE, TimePeriod.REMAINING
    member = Person(member_id=member_id, first_name="Ana", last_name="Rivera",
                    date_of_birth=DOB, relationship=Relationship.SPOUSE)
    subscriber = Person(member_id=member_id, first_name="Luis", last_name="Rivera",
                        date_of_birth=dt.date(1978, 9, 14))
    return EligibilityResult(
        carrier="meridian",
        member=member,
        subscriber=subscriber,
        plan=Plan(name="Meridian Gold PPO", group_number="GRP-7731", group_name="Acme Corp",
                  plan_type="PPO", network_name="Meridian Choice"),
        coverage=Coverage(status=CoverageStatus.ACTIVE, effective_date=dt.date(2024, 1, 1),
                          termination_date=dt.date(2026, 12, 31)),
        benefits=[
            BenefitLine(kind=BenefitKind.ACTIVE),
            _acc(ded, ind, yes, year, "1500.00"), _acc(ded, ind, yes, ytd, "500.00"),
            _acc(ded, ind, yes, left, "1000.00"),
            _acc(ded, fam, yes, year, "3000.00"), _acc(ded, fam, yes, ytd, "750.25"),
            _acc(ded, fam, yes, left, "2249.75"),
            _acc(ded, ind, no, year, "3000.00"), _acc(ded, ind, no, left, "3000.00"),
            _acc(oop, ind, yes, year, "6000.00"), _acc(oop, ind, yes, ytd, "1200.00"),
            _acc(oop, ind, yes, left, "4800.00"),
            BenefitLine(kind=BenefitKind.COPAYMENT, service_type=ServiceType.OFFICE_VISIT,
                        network=yes, amount=Decimal("25.00")),
            BenefitLine(kind=BenefitKind.COPAYMENT, service_type=ServiceType.URGENT_CARE,
                        network=yes, amount=Decimal("75.00")),
            BenefitLine(kind=BenefitKind.COPAYMENT, service_type=ServiceType.EMERGENCY,
                        network=yes, amount=Decimal("250.00")),
            BenefitLine(kind=BenefitKind.COINSURANCE, service_type=ServiceType.MEDICAL_CARE,
                        network=yes, percent=Decimal("0.2")),
            BenefitLine(kind=BenefitKind.COINSURANCE, service_type=ServiceType.MEDICAL_CARE,
                        network=no, percent=Decimal("0.4")),
            BenefitLine(kind=BenefitKind.LIMITATIONS, service_type=ServiceType.CHIROPRACTIC,
                        time_period=year, quantity=Decimal("20"),
                        quantity_qualifier=QuantityQualifier.VISITS,
                        description="20 visits per calendar year"),
            BenefitLine(kind=BenefitKind.LIMITATIONS, service_type=ServiceType.CHIROPRACTIC,
                        time_period=left, quantity=Decimal("14"),
                        quantity_qualifier=QuantityQualifier.VISITS),
            BenefitLine(kind=BenefitKind.NON_COVERED, service_type=ServiceType.VISION,
                        description="Routine eye exams are not covered"),
        ],
        prior_authorizations=[
            PriorAuthRequirement(code="70551", description="MRI brain without contrast"),
            PriorAuthRequirement(code="97110", description="Therapeutic exercise"),
        ],
    )


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, red) PNG image."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@dataclass(frozen=True)
class FailedRun:
    job_id: str
    run_id: str
    screenshot_id: str
    html_id: str
    trace_id: str
    png: bytes


def make_check(engine: Engine, **changes: Any) -> str:
    with session_scope(engine) as session:
        return repo.create_job(session=session, request=request_of(**changes)).id


def make_failed_run(engine: Engine, store: ArtifactStore, **changes: Any) -> FailedRun:
    """A check that failed with a screenshot, the page HTML and a trace kept."""
    job_id = make_check(engine, **changes)
    with session_scope(engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w1",
                                lease_seconds=60)
    png = png_bytes()
    files = {
        "screenshot": ("failure.png", "image/png", png),
        "html": ("page.html", "text/html; charset=utf-8",
                 b"<html><script>alert(1)</script><p>Layout changed</p></html>"),
        "trace": ("trace.zip", "application/zip", b"PK\x05\x06" + b"\x00" * 18),
    }
    ids: dict[str, str] = {}
    with session_scope(engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        run = repo.start_run(session=session, job=check, worker="w1")
        for kind, (filename, content_type, data) in files.items():
            path, sha = store.write(run.id, filename, data)
            ids[kind] = repo.add_artifact(session=session, run_id=run.id, kind=kind,
                                          filename=filename, content_type=content_type,
                                          size=len(data), sha256=sha, path=path).id
        repo.finish_run(session=session, run=run, status=RunStatus.FAILED,
                        error_type="layout_changed",
                        error_message="the eligibility table was not found")
        repo.release_job(session=session, job=check, status=JobStatus.FAILED,
                           message="the eligibility table was not found")
        run_id = run.id
    return FailedRun(job_id, run_id, ids["screenshot"], ids["html"], ids["trace"], png)


def succeed(engine: Engine, job_id: str, result: EligibilityResult | None = None,
            claim: bool = True) -> EligibilityResult:
    """What a worker does: claim, run, store the result, finish."""
    result = result or rich_result()
    if claim:
        with session_scope(engine) as session:
            assert repo.claim_job(session=session, job_id=job_id, worker="w1",
                                    lease_seconds=60)
    with session_scope(engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        run = repo.start_run(session=session, job=check, worker="w1")
        repo.save_result(session=session, job=check, run=run, result=result)
        repo.finish_run(session=session, run=run, status=RunStatus.SUCCEEDED)
        repo.release_job(session=session, job=check, status=JobStatus.SUCCEEDED)
    return result
