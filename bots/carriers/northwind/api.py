"""Northwind's v1 benefits JSON (the answer the SPA draws the benefits screen from), read
strictly: every field present with its exact JSON type, no unknown field, so any change of
shape is LayoutChanged. The bot reads it from the SPA's own call (never calling the API by
itself) and requires it to say exactly what the screen says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.carriers.northwind import selectors as S
from bots.errors import LayoutChanged
from portals.model import (
    BenefitKind,
    BenefitLine,
    Coverage,
    CoverageLevel,
    CoverageStatus,
    EligibilityResult,
    Gender,
    Network,
    Person,
    Plan,
    PriorAuthRequirement,
    QuantityQualifier,
    Relationship,
    ServiceType,
    TimePeriod,
)

CARRIER = "northwind"
Cents = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ApiPerson(_Strict):
    member_id: Text
    first_name: Text
    last_name: Text
    birth_date: dt.date
    sex: Literal["F", "M"]
    relationship: Literal["self", "spouse", "child"]


class ApiPlan(_Strict):
    name: Text
    group_number: Text
    group_name: Text
    product: Literal["PPO", "HMO", "EPO"]
    network: Text


class ApiCoverage(_Strict):
    status: Literal["active", "inactive", "terminated"]
    effective_date: dt.date
    termination_date: dt.date | None
    tier: Literal["individual", "family"]


class ApiAccumulator(_Strict):
    type: Literal["deductible", "out_of_pocket"]
    tier: Literal["individual", "family"]
    network: Literal["in", "out"]
    limit_cents: Cents
    met_cents: Cents
    remaining_cents: Cents


class ApiCopay(_Strict):
    category: Text
    label: Text
    in_network_cents: Cents
    out_of_network_cents: Cents | None


class ApiCoinsurance(_Strict):
    in_network_pct: Annotated[int, Field(ge=0, le=100)]
    out_of_network_pct: Annotated[int, Field(ge=0, le=100)]


class ApiVisitLimit(_Strict):
    category: Text
    label: Text
    per_year: Count
    used: Count
    remaining: Count


class ApiExclusion(_Strict):
    category: Text
    label: Text
    description: Text


class ApiPriorAuth(_Strict):
    cpt: Annotated[str, Field(pattern=S.CPT_PATTERN)]
    description: Text


class ApiBenefits(_Strict):
    member: ApiPerson
    subscriber: ApiPerson
    plan: ApiPlan
    coverage: ApiCoverage
    accumulators: list[ApiAccumulator]
    copays: list[ApiCopay]
    coinsurance: ApiCoinsurance
    visit_limits: list[ApiVisitLimit]
    exclusions: list[ApiExclusion]
    prior_auth: list[ApiPriorAuth]


_KINDS = {"deductible": BenefitKind.DEDUCTIBLE, "out_of_pocket": BenefitKind.OUT_OF_POCKET}
_LEVELS = {"individual": CoverageLevel.INDIVIDUAL, "family": CoverageLevel.FAMILY}
_NETWORKS = {"in": Network.IN, "out": Network.OUT}
_RELATIONSHIPS = {"self": Relationship.SELF, "spouse": Relationship.SPOUSE,
                  "child": Relationship.CHILD}


def parse_benefits_json(body: bytes) -> EligibilityResult:
    """The benefits answer -> the normalized result; any other shape is LayoutChanged.

    The message names the fields that failed, never their values (they are PHI).
    """
    try:
        data = ApiBenefits.model_validate_json(body)
    except ValidationError as exc:
        places = sorted({".".join(str(part) for part in err["loc"]) or "(body)"
                         for err in exc.errors(include_input=False, include_url=False)})
        raise LayoutChanged(f"the portal's benefits data changed shape at {len(places)} "
                            f"place(s): {', '.join(places[:8])}") from None
    return EligibilityResult(
        carrier=CARRIER,
        member=_person(data.member, _RELATIONSHIPS[data.member.relationship]),
        subscriber=_person(data.subscriber, Relationship.SELF),
        plan=Plan(name=data.plan.name, group_number=data.plan.group_number,
                  group_name=data.plan.group_name, plan_type=data.plan.product,
                  network_name=data.plan.network),
        coverage=Coverage(status=CoverageStatus(data.coverage.status),
                          effective_date=data.coverage.effective_date,
                          termination_date=data.coverage.termination_date),
        benefits=_accumulators(data) + _copays(data) + _coinsurance(data)
        + _limitations(data) + _non_covered(data),
        prior_authorizations=[PriorAuthRequirement(code=a.cpt, code_system="CPT",
                                                   description=a.description)
                              for a in data.prior_auth],
    )


def _amount(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _service(category: str, label: str) -> ServiceType:
    """The category key and the label must both be known and name the same service."""
    code = S.API_CATEGORIES.get(category)
    if code is None or S.SERVICE_LABELS.get(label) != code:
        raise LayoutChanged(f"unknown service category {category!r} / label {label!r}")
    return ServiceType(code)


def _person(person: ApiPerson, relationship: Relationship) -> Person:
    return Person(member_id=person.member_id, first_name=person.first_name,
                  last_name=person.last_name, date_of_birth=person.birth_date,
                  gender=Gender(person.sex), relationship=relationship)


def _accumulators(data: ApiBenefits) -> list[BenefitLine]:
    lines = []
    for acc in data.accumulators:
        if max(acc.limit_cents - acc.met_cents, 0) != acc.remaining_cents:
            raise LayoutChanged(f"{acc.type} accumulator: limit, met and remaining do not add up")
        for cents, period in ((acc.limit_cents, TimePeriod.CALENDAR_YEAR),
                              (acc.met_cents, TimePeriod.YEAR_TO_DATE),
                              (acc.remaining_cents, TimePeriod.REMAINING)):
            lines.append(BenefitLine(kind=_KINDS[acc.type],
                                     service_type=ServiceType.HEALTH_BENEFIT_PLAN,
                                     coverage_level=_LEVELS[acc.tier],
                                     network=_NETWORKS[acc.network], time_period=period,
                                     amount=_amount(cents)))
    return lines


def _copays(data: ApiBenefits) -> list[BenefitLine]:
    lines = []
    for copay in data.copays:
        service = _service(copay.category, copay.label)
        for cents, network in ((copay.in_network_cents, Network.IN),
                               (copay.out_of_network_cents, Network.OUT)):
            if cents is not None:
                lines.append(BenefitLine(kind=BenefitKind.COPAYMENT, service_type=service,
                                         network=network, time_period=TimePeriod.VISIT,
                                         amount=_amount(cents)))
    return lines


def _coinsurance(data: ApiBenefits) -> list[BenefitLine]:
    return [BenefitLine(kind=BenefitKind.COINSURANCE, network=network,
                        percent=(Decimal(pct) / 100).normalize())
            for network, pct in ((Network.IN, data.coinsurance.in_network_pct),
                                 (Network.OUT, data.coinsurance.out_of_network_pct))]


def _limitations(data: ApiBenefits) -> list[BenefitLine]:
    lines = []
    for limit in data.visit_limits:
        if max(limit.per_year - limit.used, 0) != limit.remaining:
            raise LayoutChanged(f"visit limit {limit.category}: the counts do not add up")
        service = _service(limit.category, limit.label)
        for period, quantity in ((TimePeriod.CALENDAR_YEAR, limit.per_year),
                                 (TimePeriod.REMAINING, limit.remaining)):
            lines.append(BenefitLine(kind=BenefitKind.LIMITATIONS, service_type=service,
                                     time_period=period, quantity=Decimal(quantity),
                                     quantity_qualifier=QuantityQualifier.VISITS))
    return lines


def _non_covered(data: ApiBenefits) -> list[BenefitLine]:
    return [BenefitLine(kind=BenefitKind.NON_COVERED,
                        service_type=_service(item.category, item.label),
                        description=item.description) for item in data.exclusions]
