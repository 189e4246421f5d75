import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

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
    TimePeriod,
    count_fields,
    diff_results,
)


def _result(met: str = "250.00", benefits_order: int = 1) -> EligibilityResult:
    person = Person(member_id="MRD900000001", first_name="Ada", last_name="Testwell",
                    date_of_birth=dt.date(1980, 1, 2))
    lines = [
        BenefitLine(kind=BenefitKind.DEDUCTIBLE, coverage_level=CoverageLevel.INDIVIDUAL,
                    network=Network.IN, time_period=TimePeriod.CALENDAR_YEAR,
                    amount=Decimal("1500.00")),
        BenefitLine(kind=BenefitKind.DEDUCTIBLE, coverage_level=CoverageLevel.INDIVIDUAL,
                    network=Network.IN, time_period=TimePeriod.YEAR_TO_DATE, amount=Decimal(met)),
        BenefitLine(kind=BenefitKind.COINSURANCE, network=Network.IN, percent=Decimal("0.2")),
    ]
    return EligibilityResult(
        carrier="meridian", member=person, subscriber=person,
        plan=Plan(name="Sandbox Gold PPO", group_number="000123"),
        coverage=Coverage(status=CoverageStatus.ACTIVE, effective_date=dt.date(2026, 1, 1)),
        benefits=lines[::benefits_order],
    )


def test_equal_results_have_no_diff_whatever_the_line_order() -> None:
    assert diff_results(_result(), _result(benefits_order=-1)) == []


def test_decimals_compare_by_value() -> None:
    a = _result(met="250.00")
    b = _result(met="250.0")
    assert diff_results(a, b) == []


def test_a_changed_amount_is_reported() -> None:
    assert diff_results(_result(met="250.00"), _result(met="205.00")) == [
        "benefits[missing 1, unexpected 1]"
    ]


def test_a_changed_scalar_names_its_path() -> None:
    a = _result()
    b = a.model_copy(update={"plan": Plan(name="Sandbox Gold PPO", group_number="123")})
    assert diff_results(a, b) == ["plan.group_number"]


def test_accumulator_reads_amount_met_and_remaining() -> None:
    acc = _result().accumulator(BenefitKind.DEDUCTIBLE, CoverageLevel.INDIVIDUAL, Network.IN)
    assert acc == {"amount": Decimal("1500.00"), "met": Decimal("250.00"), "remaining": None}


def test_count_fields_counts_leaves() -> None:
    assert count_fields(_result()) > 20


@pytest.mark.parametrize("field,value", [
    ("member_id", "x" * 31), ("member_id", "MRD 1"), ("date_of_birth", "2026-02-30"),
    ("carrier", "Meridian!"), ("last_name", ""),
])
def test_request_refuses_bad_values(field: str, value: str) -> None:
    data = {"carrier": "meridian", "member_id": "MRD900000001", "date_of_birth": "1980-01-02",
            "last_name": "Testwell", field: value}
    with pytest.raises(ValidationError) as info:
        EligibilityRequest.model_validate(data)
    assert field in str(info.value)
