"""Cascade Dental's dataset: committed as generated, fictional, varied enough, and the
expected results carry every dental concept the portal shows."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from fixtures.sandbox import carriers
from fixtures.sandbox.cascade import new_account
from fixtures.sandbox.cascade import seed as cascade_seed
from fixtures.sandbox.cascade.data import DATA_FILE, load
from fixtures.sandbox.expected import UnknownMemberError, expected_result, members
from portals.model import BenefitKind, CoverageLevel, Network, QuantityQualifier, TimePeriod

DATA = load()


def test_committed_dataset_equals_the_generator_output() -> None:
    assert DATA_FILE.read_text(encoding="utf-8") == cascade_seed.render()


def test_registered_with_its_port_offset() -> None:
    carrier = carriers.get("cascade")
    assert (carrier.display_name, carrier.port_offset) == ("Cascade Dental", 2)
    assert members("cascade") == carrier.members()


def test_members_are_many_fictional_and_prefixed() -> None:
    assert 55 <= len(DATA.members) <= 70
    assert all(m.member_id.startswith("CDN") for m in DATA.members)
    assert len({m.member_id for m in DATA.members}) == len(DATA.members)
    assert {m.last_name for m in DATA.members} <= set(cascade_seed.LAST_NAMES)
    assert {m.first_name for m in DATA.members} <= set(cascade_seed.FEMALE + cascade_seed.MALE)


def test_statuses_families_plans_and_ortho_are_all_there() -> None:
    statuses = Counter(m.coverage.status.value for m in DATA.members)
    assert statuses["inactive"] >= 3 and statuses["terminated"] >= 3
    relationships = Counter(m.relationship for m in DATA.members)
    assert relationships["child"] >= 10 and relationships["spouse"] >= 3
    assert {m.plan.plan_id for m in DATA.members} == {p.plan_id for p in DATA.plans}
    in_ortho = [m for m in DATA.members if m.benefits.ortho_lifetime is not None
                and m.benefits.ortho_lifetime.used > 0]
    assert in_ortho and {m.relationship for m in in_ortho} == {"child"}
    for m in DATA.members:  # dependants share the subscriber's coverage and last name
        subscriber = DATA.subscriber_of(m)
        assert (subscriber.coverage, subscriber.last_name) == (m.coverage, m.last_name)


def test_expected_result_carries_every_dental_concept() -> None:
    result = expected_result("cascade", "CDN534568103")  # a child, family PPO with ortho
    F, C, A = BenefitKind.LIMITATIONS, BenefitKind.DEDUCTIBLE, BenefitKind.COINSURANCE
    assert result.accumulator(C, CoverageLevel.FAMILY, Network.OUT)["amount"] == Decimal(150)
    maximum = result.lines(F, service_type="35", coverage_level=CoverageLevel.INDIVIDUAL,
                           network=Network.IN)
    assert {line.time_period for line in maximum} == {TimePeriod.CALENDAR_YEAR,
                                                     TimePeriod.YEAR_TO_DATE,
                                                     TimePeriod.REMAINING}
    ortho = {line.time_period: line.amount for line in result.lines(F, service_type="38")
             if line.amount is not None}
    assert ortho == {TimePeriod.LIFETIME: Decimal("1500.00"),
                     TimePeriod.LIFETIME_REMAINING: Decimal("837.81")}
    shares = {(line.service_type.value, line.network.value): line.percent
              for line in result.lines(A)}
    assert shares[("41", "Y")] == 0 and shares[("25", "Y")] == Decimal("0.2")
    assert shares[("38", "N")] == Decimal("0.5")
    pano = result.lines(F, procedure_code="D0330")[0]
    assert (pano.time_period, pano.description, pano.quantity) == \
        (None, "1 per 60 months", Decimal(1))
    cleaning = result.lines(F, procedure_code="D1110")[0]
    assert (cleaning.time_period, cleaning.quantity_qualifier, cleaning.description) == \
        (TimePeriod.CALENDAR_YEAR, QuantityQualifier.VISITS, None)
    waits = {line.service_type.value: line.quantity for line in result.lines(
        F, quantity_qualifier=QuantityQualifier.MONTHS, description="Waiting period")}
    assert waits == {"25": Decimal(6), "38": Decimal(12)}
    assert {p.code for p in result.prior_authorizations} >= {"D2740", "D6010"}
    assert {p.code_system for p in result.prior_authorizations} == {"CDT"}
    (document,) = result.documents
    assert (document.kind, document.content_type, document.filename) == (
        "benefit_summary", "application/pdf", "CascadeDental-BenefitSummary-CDN534568103.pdf")


def test_dhmo_member_has_no_out_of_network_lines_and_no_ortho_without_it() -> None:
    dhmo = expected_result("cascade", "CDN381614902")
    assert all(line.network is not Network.OUT for line in dhmo.benefits)
    basic = expected_result("cascade", "CDN180248703")
    assert not basic.lines(BenefitKind.LIMITATIONS, time_period=TimePeriod.LIFETIME)
    assert basic.lines(BenefitKind.NON_COVERED, description="Orthodontic treatment")


def test_unknown_member_is_refused() -> None:
    with pytest.raises(UnknownMemberError):
        expected_result("cascade", "CDN000000000")


def test_new_account_has_a_fictional_email_address() -> None:
    account = new_account("test.Ab12", "secret-pass")
    assert account == {"username": "test.Ab12", "password": "secret-pass",
                       "email": "test.ab12@example.test"}
