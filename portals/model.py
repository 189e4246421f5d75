"""The normalized model every carrier bot returns, whatever its portal looks like.

It speaks the X12 271 vocabulary (see shared DOMAIN.md) and keeps its codes, so that
later exports (FHIR CoverageEligibilityResponse, X12-shaped JSON) map one to one:

* a :class:`BenefitLine` is one EB segment: benefit kind (EB01), coverage level (EB02),
  service type (EB03), time period (EB06), amount (EB07), percent (EB08), quantity
  (EB09/EB10), authorization required (EB11), in-plan network (EB12), procedure (EB13);
* accumulators use one line per time period, as payers send them: the plan's amount
  (23 calendar year / 22 service year / 32 lifetime), what is met (24 year to date) and
  what is left (29 remaining / 33 lifetime remaining).

Money is ``Decimal``, percentages are ``Decimal`` fractions (X12 EB08: 0.2 = 20 %),
dates are ``date``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class BenefitKind(StrEnum):
    """X12 element 1390 (EB01), the subset portals show."""

    ACTIVE = "1"
    INACTIVE = "6"
    COINSURANCE = "A"
    COPAYMENT = "B"
    DEDUCTIBLE = "C"
    LIMITATIONS = "F"
    OUT_OF_POCKET = "G"
    NON_COVERED = "I"
    COVERAGE_BASIS = "CB"


class ServiceType(StrEnum):
    """X12 element 1365 (EB03), the subset the sandbox carriers use."""

    MEDICAL_CARE = "1"
    DIAGNOSTIC_XRAY = "4"
    DIAGNOSTIC_LAB = "5"
    HEALTH_BENEFIT_PLAN = "30"
    CHIROPRACTIC = "33"
    DENTAL_CARE = "35"
    HOSPITAL = "47"
    HOSPITAL_INPATIENT = "48"
    HOSPITAL_OUTPATIENT = "50"
    EMERGENCY = "86"
    PHARMACY = "88"
    OFFICE_VISIT = "98"
    URGENT_CARE = "UC"
    MENTAL_HEALTH = "MH"
    VISION = "AL"
    PHYSICAL_THERAPY = "PT"
    DIAGNOSTIC_DENTAL = "23"
    RESTORATIVE = "25"
    ORTHODONTICS = "38"
    ROUTINE_DENTAL = "41"


class CoverageLevel(StrEnum):
    """X12 element 1207 (EB02)."""

    INDIVIDUAL = "IND"
    FAMILY = "FAM"
    EMPLOYEE_AND_SPOUSE = "ESP"
    EMPLOYEE_AND_CHILDREN = "ECH"
    EMPLOYEE_ONLY = "EMP"
    CHILDREN_ONLY = "CHD"


class Network(StrEnum):
    """X12 EB12, yes/no condition: in plan network."""

    IN = "Y"
    OUT = "N"
    NOT_APPLICABLE = "W"


class TimePeriod(StrEnum):
    """X12 element 615 (EB06)."""

    SERVICE_YEAR = "22"
    CALENDAR_YEAR = "23"
    YEAR_TO_DATE = "24"
    VISIT = "27"
    REMAINING = "29"
    LIFETIME = "32"
    LIFETIME_REMAINING = "33"


class QuantityQualifier(StrEnum):
    """X12 element 673 (EB09), the subset used for limitations."""

    VISITS = "VS"
    DAYS = "DY"
    MONTHS = "MN"
    YEARS = "YY"
    UNITS = "FL"


class CoverageStatus(StrEnum):
    """Whether the coverage is in force on the date asked about."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    TERMINATED = "terminated"


class Relationship(StrEnum):
    """Patient's relationship to the subscriber (X12 INS02 individual relationship codes)."""

    SELF = "18"
    SPOUSE = "01"
    CHILD = "19"
    OTHER = "G8"


class Gender(StrEnum):
    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


MemberId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=30,
                           pattern=r"^[A-Za-z0-9-]+$")
]


PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=60)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Frozen):
    """A member or subscriber as the portal names them."""

    member_id: MemberId
    first_name: str
    last_name: str
    date_of_birth: dt.date
    gender: Gender | None = None
    relationship: Relationship = Relationship.SELF


class Patient(_Frozen):
    """Who a claim or request is for, as a claims page names them (no plan relationship)."""

    member_id: MemberId
    first_name: str
    last_name: str
    date_of_birth: dt.date


class Plan(_Frozen):
    name: str
    group_number: str | None = None
    group_name: str | None = None
    plan_type: str | None = Field(default=None, description="Product line, e.g. PPO, HMO, DPPO.")
    network_name: str | None = Field(default=None, description="The plan's provider network.")


class Coverage(_Frozen):
    status: CoverageStatus
    effective_date: dt.date
    termination_date: dt.date | None = None


class BenefitLine(_Frozen):
    """One X12 EB segment."""

    kind: BenefitKind
    service_type: ServiceType = ServiceType.HEALTH_BENEFIT_PLAN
    coverage_level: CoverageLevel | None = None
    network: Network = Network.NOT_APPLICABLE
    time_period: TimePeriod | None = None
    amount: Decimal | None = Field(default=None, description="EB07 monetary amount.")
    percent: Decimal | None = Field(default=None, description="EB08, a fraction: 0.2 is 20 %.")
    quantity: Decimal | None = Field(default=None, description="EB10 quantity.")
    quantity_qualifier: QuantityQualifier | None = None
    authorization_required: bool | None = None
    procedure_code: str | None = Field(default=None, description="EB13 CPT/HCPCS/CDT code.")
    last_service_date: dt.date | None = Field(
        default=None, description="DTP 304: last visit, for frequency limitations."
    )
    description: str | None = Field(default=None, description="MSG free text.")


class PriorAuthRequirement(_Frozen):
    """A service the payer wants authorized before it is performed."""

    code: str = Field(description="The CPT, HCPCS or CDT code.")
    code_system: str = Field(default="CPT", description="CPT, HCPCS or CDT.")
    description: str | None = None


class Document(_Frozen):
    """A file the bot downloaded with the result (benefit summary PDF, ...)."""

    kind: str
    filename: str
    content_type: str
    sha256: str
    size: int


class EligibilityRequest(_Frozen):
    """What staff ask for: who, where, and optionally for which date and services."""

    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    member_id: MemberId
    date_of_birth: dt.date
    last_name: PersonName
    first_name: PersonName | None = None
    service_date: dt.date | None = None
    service_codes: list[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4,7}$")]] = Field(
        default_factory=list, max_length=50
    )


class EligibilityResult(_Frozen):
    """A normalized eligibility and benefits response for one patient at one carrier."""

    carrier: str
    member: Person
    subscriber: Person
    plan: Plan
    coverage: Coverage
    benefits: list[BenefitLine] = Field(default_factory=list)
    prior_authorizations: list[PriorAuthRequirement] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)

    @property
    def is_active(self) -> bool:
        return self.coverage.status is CoverageStatus.ACTIVE

    def lines(self, kind: BenefitKind, **match: object) -> list[BenefitLine]:
        """Benefit lines of one kind whose fields equal every ``match`` value."""
        return [
            line
            for line in self.benefits
            if line.kind is kind and all(getattr(line, k) == v for k, v in match.items())
        ]

    def accumulator(
        self, kind: BenefitKind, level: CoverageLevel, network: Network
    ) -> dict[str, Decimal | None]:
        """Amount, met and remaining of a deductible or out-of-pocket maximum."""
        found: dict[str, Decimal | None] = {"amount": None, "met": None, "remaining": None}
        for line in self.lines(kind, coverage_level=level, network=network):
            if line.time_period in (TimePeriod.CALENDAR_YEAR, TimePeriod.SERVICE_YEAR,
                                    TimePeriod.LIFETIME):
                found["amount"] = line.amount
            elif line.time_period is TimePeriod.YEAR_TO_DATE:
                found["met"] = line.amount
            elif line.time_period in (TimePeriod.REMAINING, TimePeriod.LIFETIME_REMAINING):
                found["remaining"] = line.amount
        return found

    def canonical(self) -> dict[str, object]:
        """A comparable form: benefit lines and authorizations in a stable order."""
        data = self.model_dump(mode="json")
        data["benefits"] = sorted(data["benefits"], key=_sort_key)
        data["prior_authorizations"] = sorted(data["prior_authorizations"], key=_sort_key)
        data["documents"] = sorted(data["documents"], key=_sort_key)
        return data


def _sort_key(item: dict[str, object]) -> str:
    return repr(sorted((k, str(v)) for k, v in item.items()))


class NotFound(_Frozen):
    """The portal searched and found no such member: a result staff see, not a crash."""

    carrier: str
    message: str = "No records found"


def diff_results(expected: EligibilityResult, actual: EligibilityResult) -> list[str]:
    """Field-level differences between two results, as dotted paths ("" when equal).

    Decimals compare by value (0.20 equals 0.2), lists compare as sets of lines.
    """
    return _diff(expected.canonical(), actual.canonical(), "")


def count_fields(result: EligibilityResult) -> int:
    """How many leaf fields a result carries (the scoreboard's 'fields compared')."""
    return _count(result.canonical())


_NUMERIC_FIELDS = frozenset({"amount", "percent", "quantity"})


def _norm(key: str, value: object) -> object:
    """Decimals compare by value; every other field compares exactly."""
    if key in _NUMERIC_FIELDS and value is not None:
        return Decimal(str(value)).normalize()
    return value


def _diff(a: object, b: object, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _diff(a.get(key), b.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(a, list) and isinstance(b, list):
        canon_a = {_sort_key(_normalize_tree(x)) for x in a}
        canon_b = {_sort_key(_normalize_tree(x)) for x in b}
        missing = len(canon_a - canon_b)
        extra = len(canon_b - canon_a)
        if missing or extra:
            return [f"{path}[missing {missing}, unexpected {extra}]"]
        return []
    key = path.rsplit(".", 1)[-1]
    return [] if _norm(key, a) == _norm(key, b) else [path]


def _normalize_tree(value: object) -> dict[str, object]:
    if isinstance(value, dict):
        return {k: str(_norm(k, v)) for k, v in value.items()}
    return {"value": str(value)}


def _count(value: object) -> int:
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count(v) for v in value)
    return 1
