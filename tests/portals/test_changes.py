"""Coverage change detection: every change code from a small change to one result, and no
change for the same result or the same benefit lines in another order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from portals.changes import ChangeCode, CoverageChange, coverage_changes, line_identity
from portals.model import (
    BenefitKind,
    BenefitLine,
    Coverage,
    CoverageLevel,
    CoverageStatus,
    EligibilityResult,
    Network,
    Person,
    Plan,
    PriorAuthRequirement,
    ServiceType,
    TimePeriod,
)

PERSON = Person(member_id="MRD900000001", first_name="Ada", last_name="Testwell",
                date_of_birth=dt.date(1980, 1, 2))
IND, IN = CoverageLevel.INDIVIDUAL, Network.IN


def _acc(kind: BenefitKind, period: TimePeriod, amount: str) -> BenefitLine:
    return BenefitLine(kind=kind, coverage_level=IND, network=IN, time_period=period,
                       amount=Decimal(amount))


def benefits(*, deductible_met: str = "250.00", deductible_left: str | None = "1250.00",
             oop_met: str = "1000.00", oop_left: str = "4000.00", copay: str = "25.00",
             coinsurance: str = "0.2", xray_auth: bool = False) -> list[BenefitLine]:
    lines = [
        BenefitLine(kind=BenefitKind.ACTIVE),
        _acc(BenefitKind.DEDUCTIBLE, TimePeriod.CALENDAR_YEAR, "1500.00"),
        _acc(BenefitKind.DEDUCTIBLE, TimePeriod.YEAR_TO_DATE, deductible_met),
        _acc(BenefitKind.OUT_OF_POCKET, TimePeriod.CALENDAR_YEAR, "5000.00"),
        _acc(BenefitKind.OUT_OF_POCKET, TimePeriod.YEAR_TO_DATE, oop_met),
        _acc(BenefitKind.OUT_OF_POCKET, TimePeriod.REMAINING, oop_left),
        BenefitLine(kind=BenefitKind.COPAYMENT, service_type=ServiceType.OFFICE_VISIT,
                    network=IN, time_period=TimePeriod.VISIT, amount=Decimal(copay)),
        BenefitLine(kind=BenefitKind.COPAYMENT, service_type=ServiceType.URGENT_CARE,
                    network=IN, time_period=TimePeriod.VISIT, amount=Decimal("50.00")),
        BenefitLine(kind=BenefitKind.COINSURANCE, network=IN, percent=Decimal(coinsurance)),
        BenefitLine(kind=BenefitKind.COINSURANCE, network=Network.OUT, percent=Decimal("0.4")),
        BenefitLine(kind=BenefitKind.ACTIVE, service_type=ServiceType.DIAGNOSTIC_XRAY,
                    authorization_required=xray_auth),
    ]
    if deductible_left is not None:
        lines.append(_acc(BenefitKind.DEDUCTIBLE, TimePeriod.REMAINING, deductible_left))
    return lines


def result(**changes: Any) -> EligibilityResult:
    data: dict[str, Any] = {
        "carrier": "meridian", "member": PERSON, "subscriber": PERSON,
        "plan": Plan(name="Sandbox Gold PPO", group_number="000123", plan_type="PPO"),
        "coverage": Coverage(status=CoverageStatus.ACTIVE, effective_date=dt.date(2026, 1, 1)),
        "benefits": benefits(),
        "prior_authorizations": [PriorAuthRequirement(code="70553")],
    }
    data.update(changes)
    return EligibilityResult(**data)


def codes(changes: list[CoverageChange]) -> list[str]:
    return [c.code for c in changes]


# -- nothing changed ----------------------------------------------------------------------


def test_the_same_result_has_no_change() -> None:
    assert coverage_changes(result(), result()) == []


def test_reordered_benefits_and_authorizations_are_no_change() -> None:
    before = result(prior_authorizations=[PriorAuthRequirement(code="70553"),
                                          PriorAuthRequirement(code="97110")])
    after = result(benefits=list(reversed(benefits())),
                   prior_authorizations=[PriorAuthRequirement(code="97110"),
                                         PriorAuthRequirement(code="70553")])
    assert before.benefits != after.benefits  # the order really differs
    assert coverage_changes(before, after) == []


def test_money_and_percent_compare_by_value() -> None:
    after = result(benefits=benefits(copay="25.0", coinsurance="0.20"))
    assert coverage_changes(result(), after) == []


def test_more_money_met_is_not_a_deductible_met() -> None:
    # given: the deductible went from 250 met to 1,400 met, 100 left
    after = result(benefits=benefits(deductible_met="1400.00", deductible_left="100.00",
                                     oop_met="2150.00", oop_left="2850.00"))
    assert coverage_changes(result(), after) == []


def test_lines_that_only_differ_in_free_text_are_no_change() -> None:
    before = result(benefits=[*benefits(), BenefitLine(kind=BenefitKind.LIMITATIONS,
                                                      description="20 visits")])
    after = result(benefits=[*benefits(), BenefitLine(kind=BenefitKind.LIMITATIONS,
                                                     description="20 visits a year")])
    assert coverage_changes(before, after) == []


# -- each code ----------------------------------------------------------------------------


def test_coverage_ended() -> None:
    after = result(coverage=Coverage(status=CoverageStatus.TERMINATED,
                                     effective_date=dt.date(2026, 1, 1),
                                     termination_date=dt.date(2026, 10, 31)))
    (change,) = coverage_changes(result(), after)
    assert change.code == "coverage_ended"
    assert (change.service_type, change.before, change.after) == (None, "active", "terminated")
    assert change.summary == "Coverage ended on 2026-10-31 (now terminated)."


def test_coverage_started() -> None:
    before = result(coverage=Coverage(status=CoverageStatus.INACTIVE,
                                      effective_date=dt.date(2026, 1, 1)))
    (change,) = coverage_changes(before, result())
    assert (change.code, change.before, change.after) == ("coverage_started", "inactive",
                                                          "active")


def test_plan_and_group_changed() -> None:
    after = result(plan=Plan(name="Sandbox Silver HMO", group_number="000999",
                             plan_type="HMO"))
    changes = coverage_changes(result(), after)
    assert codes(changes) == ["plan_changed", "group_changed"]
    plan, group = changes
    assert (plan.before, plan.after) == ("Sandbox Gold PPO (PPO)", "Sandbox Silver HMO (HMO)")
    assert (group.before, group.after) == ("000123", "000999")
    assert group.summary == "Group changed from 000123 to 000999."


def test_deductible_met_when_the_remaining_reaches_zero() -> None:
    after = result(benefits=benefits(deductible_met="1500.00", deductible_left="0.00"))
    (change,) = coverage_changes(result(), after)
    assert change.code == ChangeCode.DEDUCTIBLE_MET
    assert (change.service_type, change.before, change.after) == \
        ("30", "$1,250.00 remaining", "$0.00 remaining")
    assert change.summary == "Individual in-network deductible met ($1,250.00 remained before)."


def test_deductible_met_without_a_remaining_line_is_amount_minus_met() -> None:
    before = result(benefits=benefits(deductible_left=None))
    still_open = result(benefits=benefits(deductible_met="1499.99", deductible_left=None))
    met = result(benefits=benefits(deductible_met="1500.00", deductible_left=None))
    assert coverage_changes(before, still_open) == []
    assert codes(coverage_changes(before, met)) == ["deductible_met"]


def test_a_deductible_already_met_is_not_met_again() -> None:
    met = result(benefits=benefits(deductible_met="1500.00", deductible_left="0.00"))
    assert coverage_changes(met, met) == []


def test_out_of_pocket_met() -> None:
    after = result(benefits=benefits(oop_met="5000.00", oop_left="0.00"))
    (change,) = coverage_changes(result(), after)
    assert change.code == "out_of_pocket_met"
    assert change.summary.startswith("Individual in-network out-of-pocket maximum met")


def test_copay_changed() -> None:
    after = result(benefits=benefits(copay="40.00"))
    (change,) = coverage_changes(result(), after)
    assert (change.code, change.service_type, change.before, change.after) == \
        ("copay_changed", "98", "$25.00", "$40.00")
    assert change.summary == "In-network office visit copay changed from $25.00 to $40.00."


def test_a_copay_that_goes_away_is_a_change() -> None:
    after = result(benefits=[b for b in benefits()
                             if b.service_type is not ServiceType.URGENT_CARE])
    (change,) = coverage_changes(result(), after)
    assert (change.code, change.service_type, change.before, change.after) == \
        ("copay_changed", "UC", "$50.00", None)


def test_coinsurance_changed() -> None:
    after = result(benefits=benefits(coinsurance="0.3"))
    (change,) = coverage_changes(result(), after)
    assert (change.code, change.service_type, change.before, change.after) == \
        ("coinsurance_changed", "30", "20%", "30%")


def test_auth_newly_required_and_no_longer_required_by_code() -> None:
    after = result(prior_authorizations=[PriorAuthRequirement(code="97110")])
    changes = coverage_changes(result(), after)
    assert [(c.code, c.before, c.after) for c in changes] == [
        ("auth_newly_required", None, "97110"),
        ("auth_no_longer_required", "70553", None)]
    assert changes[0].summary == "CPT 97110 now needs prior authorization."


def test_auth_flag_on_a_benefit_line() -> None:
    flagged = result(benefits=benefits(xray_auth=True))
    (new,) = coverage_changes(result(), flagged)
    assert (new.code, new.service_type) == ("auth_newly_required", "4")
    assert new.summary == "Diagnostic xray now needs prior authorization."
    (gone,) = coverage_changes(flagged, result())
    assert (gone.code, gone.service_type) == ("auth_no_longer_required", "4")


def test_service_no_longer_covered() -> None:
    after = result(benefits=[*benefits(), BenefitLine(kind=BenefitKind.NON_COVERED,
                                                     service_type=ServiceType.CHIROPRACTIC)])
    (change,) = coverage_changes(result(), after)
    assert (change.code, change.service_type, change.after) == \
        ("service_no_longer_covered", "33", "not covered")
    assert change.summary == "Chiropractic is no longer covered."
    # and covered again is not reported as this code
    assert coverage_changes(after, result()) == []


def test_several_changes_come_in_code_order() -> None:
    after = result(plan=Plan(name="Sandbox Gold PPO", group_number="000777", plan_type="PPO"),
                   benefits=benefits(copay="30.00", deductible_met="1500.00",
                                     deductible_left="0.00"),
                   coverage=Coverage(status=CoverageStatus.TERMINATED,
                                     effective_date=dt.date(2026, 1, 1)))
    assert codes(coverage_changes(result(), after)) == [
        "coverage_ended", "group_changed", "deductible_met", "copay_changed"]


def test_identity_leaves_the_values_out() -> None:
    a = BenefitLine(kind=BenefitKind.COPAYMENT, amount=Decimal("1"), description="x")
    b = BenefitLine(kind=BenefitKind.COPAYMENT, amount=Decimal("2"), description="y")
    assert line_identity(a) == line_identity(b)
    assert line_identity(a) != line_identity(a.model_copy(update={"network": Network.OUT}))
