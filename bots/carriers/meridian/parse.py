"""Meridian's eligibility and benefits page -> the normalized result. Pure functions over
the page HTML: no browser, tested on saved pages."""

from __future__ import annotations

from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.meridian import selectors as S
from bots.errors import LayoutChanged, PatientMismatch
from portals.model import (
    BenefitKind,
    BenefitLine,
    Coverage,
    CoverageLevel,
    CoverageStatus,
    EligibilityRequest,
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

CARRIER = "meridian"


def parse_benefits(html: str) -> EligibilityResult:
    """Read the whole page; any missing or malformed field raises LayoutChanged."""
    page = p.soup(html)
    _check_identity(page)
    member = _person(page, S.MEMBER, "member")
    subscriber = _person(page, S.SUBSCRIBER, "subscriber")
    benefits: list[BenefitLine] = []
    for kind, table in ((BenefitKind.DEDUCTIBLE, S.DEDUCTIBLE_TABLE),
                        (BenefitKind.OUT_OF_POCKET, S.OOP_TABLE)):
        benefits += _accumulators(page, kind, table)
    benefits += _copays(page) + _coinsurance(page) + _limitations(page) + _non_covered(page)
    return EligibilityResult(
        carrier=CARRIER,
        member=member,
        subscriber=subscriber,
        plan=_plan(page),
        coverage=_coverage(page),
        benefits=benefits,
        prior_authorizations=_prior_auths(page),
    )


def verify_patient(result: EligibilityResult, request: EligibilityRequest) -> None:
    """The page must be the requested patient's: member ID, date of birth, last name."""
    member = result.member
    if member.member_id.upper() != request.member_id.upper():
        raise PatientMismatch("the page shows another member ID than the one requested")
    if member.date_of_birth != request.date_of_birth:
        raise PatientMismatch("the page shows another date of birth than the one requested")
    if member.last_name.casefold() != request.last_name.strip().casefold():
        raise PatientMismatch("the page shows another last name than the one requested")
    if request.first_name and member.first_name.casefold() != request.first_name.casefold():
        raise PatientMismatch("the page shows another first name than the one requested")


def _check_identity(page: BeautifulSoup) -> None:
    marker = page.select_one(S.LAYOUT_MARKER)
    if marker is None or marker.get("data-layout") != "v1":
        raise LayoutChanged("the page is not Meridian's known (v1) layout")
    title = p.text(page.select_one(S.RESULT_TITLE), "page title")
    if title != S.RESULT_TITLE_TEXT:
        raise LayoutChanged(f"expected the eligibility page, found {title!r}")


def _value(page: BeautifulSoup | Tag, selector: str, what: str) -> str:
    return p.text(p.one(page, selector, what), what)


def _person(page: BeautifulSoup, fields: dict[str, str], what: str) -> Person:
    name = _value(page, fields["name"], f"{what} name")
    last, sep, first = name.partition(", ")
    if not sep or not last or not first:
        raise LayoutChanged(f"{what} name {name!r} is not 'Last, First'")
    relationship = (
        p.lookup(S.RELATIONSHIPS, _value(page, fields["relationship"], f"{what} relationship"),
                 f"{what} relationship")
        if "relationship" in fields else Relationship.SELF
    )
    return Person(
        member_id=_value(page, fields["id"], f"{what} ID"),
        first_name=first,
        last_name=last,
        date_of_birth=p.date(_value(page, fields["dob"], f"{what} DOB"), S.DATE_FORMAT,
                             f"{what} DOB"),
        gender=Gender(p.lookup(S.GENDERS, _value(page, fields["gender"], f"{what} gender"),
                               f"{what} gender")),
        relationship=Relationship(relationship),
    )


def _plan(page: BeautifulSoup) -> Plan:
    values = {key: _value(page, sel, f"plan {key}") for key, sel in S.PLAN.items()}
    return Plan(**values)


def _coverage(page: BeautifulSoup) -> Coverage:
    c = {key: _value(page, sel, f"coverage {key}") for key, sel in S.COVERAGE.items()}
    termination = c["termination"]
    return Coverage(
        status=CoverageStatus(p.lookup(S.STATUSES, c["status"], "coverage status")),
        effective_date=p.date(c["effective"], S.DATE_FORMAT, "effective date"),
        termination_date=None if termination == S.EMPTY
        else p.date(termination, S.DATE_FORMAT, "termination date"),
    )


def _accumulators(page: BeautifulSoup, kind: BenefitKind, table: str) -> list[BenefitLine]:
    lines = []
    for row in p.table_rows(page, table, S.ACCUMULATOR_COLUMNS, table):
        level = CoverageLevel(p.lookup(S.LEVELS, row["Coverage Level"], f"{table} level"))
        network = Network(p.lookup(S.NETWORKS, row["Network"], f"{table} network"))
        for column, period in (("Annual Amount", TimePeriod.CALENDAR_YEAR),
                               ("Met", TimePeriod.YEAR_TO_DATE),
                               ("Remaining", TimePeriod.REMAINING)):
            lines.append(BenefitLine(
                kind=kind, service_type=ServiceType.HEALTH_BENEFIT_PLAN, coverage_level=level,
                network=network, time_period=period,
                amount=p.money(row[column], f"{table} {column}"),
            ))
    return lines


def _service(label: str, what: str) -> ServiceType:
    return ServiceType(p.lookup(S.SERVICE_TYPES, label, what))


def _copays(page: BeautifulSoup) -> list[BenefitLine]:
    lines = []
    for row in p.table_rows(page, S.COPAY_TABLE, S.COPAY_COLUMNS, "copays"):
        service = _service(row["Service"], "copay service")
        for column, network in (("In-Network", Network.IN), ("Out-of-Network", Network.OUT)):
            if row[column] == S.EMPTY:
                continue
            lines.append(BenefitLine(
                kind=BenefitKind.COPAYMENT, service_type=service, network=network,
                time_period=TimePeriod.VISIT, amount=p.money(row[column], f"copay {column}"),
            ))
    return lines


def _coinsurance(page: BeautifulSoup) -> list[BenefitLine]:
    return [
        BenefitLine(
            kind=BenefitKind.COINSURANCE, service_type=ServiceType.HEALTH_BENEFIT_PLAN,
            network=Network(p.lookup(S.NETWORKS, row["Network"], "coinsurance network")),
            percent=p.percent_fraction(row["Coinsurance"], "coinsurance"),
        )
        for row in p.table_rows(page, S.COINSURANCE_TABLE, S.COINSURANCE_COLUMNS, "coinsurance")
    ]


def _limitations(page: BeautifulSoup) -> list[BenefitLine]:
    lines = []
    for row in p.table_rows(page, S.LIMITATIONS_TABLE, S.LIMITATION_COLUMNS, "limitations"):
        service = _service(row["Service"], "limitation service")
        allowed = p.integer(row["Visits Allowed"], "visits allowed")
        used = p.integer(row["Visits Used"], "visits used")
        remaining = p.integer(row["Visits Remaining"], "visits remaining")
        if max(allowed - used, 0) != remaining:
            raise LayoutChanged(f"limitation for {row['Service']}: allowed {allowed}, used "
                                f"{used} and remaining {remaining} do not add up")
        for period, quantity in ((TimePeriod.CALENDAR_YEAR, allowed),
                                 (TimePeriod.REMAINING, remaining)):
            lines.append(BenefitLine(
                kind=BenefitKind.LIMITATIONS, service_type=service, time_period=period,
                quantity=Decimal(quantity), quantity_qualifier=QuantityQualifier.VISITS,
            ))
    return lines


def _non_covered(page: BeautifulSoup) -> list[BenefitLine]:
    return [
        BenefitLine(kind=BenefitKind.NON_COVERED,
                    service_type=_service(row["Service"], "non-covered service"),
                    description=row["Description"])
        for row in p.table_rows(page, S.NON_COVERED_TABLE, S.NON_COVERED_COLUMNS, "non-covered")
    ]


def _prior_auths(page: BeautifulSoup) -> list[PriorAuthRequirement]:
    auths = []
    for row in p.table_rows(page, S.PRIOR_AUTH_TABLE, S.PRIOR_AUTH_COLUMNS, "prior auth"):
        code = row["CPT Code"]
        if not (len(code) == 5 and code[:4].isdigit() and code[4].isalnum()):
            raise LayoutChanged(f"prior authorization code {code!r} is not a CPT code")
        auths.append(PriorAuthRequirement(code=code, code_system="CPT",
                                          description=row["Description"]))
    return auths
