"""Helpers for the storage tests: requests, a sample result, a controllable clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

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
    ServiceType,
    TimePeriod,
)
from storage import repo
from storage.models import Job, utcnow


def make_request(**changes: Any) -> EligibilityRequest:
    data: dict[str, Any] = {
        "carrier": "meridian",
        "member_id": "MER100200",
        "date_of_birth": dt.date(1980, 4, 2),
        "last_name": "Rivera",
        "first_name": "Ana",
        "service_date": dt.date(2025, 3, 1),
        "service_codes": ["99213", "97110"],
        **changes,
    }
    return EligibilityRequest.model_validate(data)


def sample_result(member_id: str = "MER100200") -> EligibilityResult:
    member = Person(member_id=member_id, first_name="Ana", last_name="Rivera",
                    date_of_birth=dt.date(1980, 4, 2))
    return EligibilityResult(
        carrier="meridian",
        member=member,
        subscriber=member,
        plan=Plan(name="Meridian Gold PPO", group_number="GRP-7731", plan_type="PPO"),
        coverage=Coverage(status=CoverageStatus.ACTIVE, effective_date=dt.date(2024, 1, 1)),
        benefits=[
            BenefitLine(kind=BenefitKind.ACTIVE),
            BenefitLine(kind=BenefitKind.DEDUCTIBLE, coverage_level=CoverageLevel.INDIVIDUAL,
                        network=Network.IN, time_period=TimePeriod.CALENDAR_YEAR,
                        amount=Decimal("1500.00")),
            BenefitLine(kind=BenefitKind.DEDUCTIBLE, coverage_level=CoverageLevel.INDIVIDUAL,
                        network=Network.IN, time_period=TimePeriod.REMAINING,
                        amount=Decimal("1234.56")),
            BenefitLine(kind=BenefitKind.COINSURANCE, service_type=ServiceType.OFFICE_VISIT,
                        network=Network.OUT, percent=Decimal("0.3")),
            BenefitLine(kind=BenefitKind.COPAYMENT, service_type=ServiceType.URGENT_CARE,
                        network=Network.IN, amount=Decimal("0.10")),
            BenefitLine(kind=BenefitKind.LIMITATIONS, service_type=ServiceType.CHIROPRACTIC,
                        quantity=Decimal("20"), description="20 visits per calendar year"),
        ],
        prior_authorizations=[PriorAuthRequirement(code="97110", description="Therapeutic "
                                                   "exercise")],
    )


def new_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def create_job(engine: Engine, **changes: Any) -> str:
    key = changes.pop("idempotency_key", None)
    origin = changes.pop("origin", "api")
    with new_session(engine) as session:
        check = repo.create_job(session=session, request=make_request(**changes),
                                  idempotency_key=key, origin=origin)
        session.commit()
        return check.id


def load_check(engine: Engine, job_id: str) -> Job:
    """The check as the database has it now (a fresh session, no identity-map cache)."""
    with new_session(engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        return check


class Clock:
    """Moves ``storage.repo``'s idea of now; the database never sees the real clock."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(repo, "utcnow", clock.now)
    return clock


