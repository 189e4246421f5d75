"""Meridian's eligibility and benefits page -> the normalized result. Pure functions over
the page HTML: no browser, tested on saved pages.

Strict on purpose: the page must have exactly the known sections with their headings,
the known label/value lists with their labels in order, tables with exactly the known
headers in order and the known rows, every value non-empty and in Meridian's own format
(``$1,234.56``, ``MM/DD/YYYY``, ``20%``), and amounts that add up. A redesign is caught by
its structure, not only by the layout marker; anything unexpected raises LayoutChanged.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.meridian import selectors as S
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

CARRIER = "meridian"

Fields = tuple[tuple[str, str, str], ...]


def parse_benefits(html: str) -> EligibilityResult:
    """Read the whole page; any missing, extra or malformed part raises LayoutChanged."""
    page = p.soup(html)
    result = _check_identity(page)
    _check_sections(result)
    member = _person(_details(result, S.MEMBER_DETAILS, S.MEMBER, "member"), "member")
    subscriber = _person(_details(result, S.SUBSCRIBER_DETAILS, S.SUBSCRIBER, "subscriber"),
                         "subscriber")
    coverage, family = _coverage(_details(result, S.COVERAGE_DETAILS, S.COVERAGE, "coverage"))
    benefits: list[BenefitLine] = []
    for kind, table in ((BenefitKind.DEDUCTIBLE, S.DEDUCTIBLE_TABLE),
                        (BenefitKind.OUT_OF_POCKET, S.OOP_TABLE)):
        benefits += _accumulators(result, kind, table, family)
    benefits += (_copays(result) + _coinsurance(result) + _limitations(result)
                 + _non_covered(result))
    return EligibilityResult(
        carrier=CARRIER,
        member=member,
        subscriber=subscriber,
        plan=Plan(**_details(result, S.PLAN_DETAILS, S.PLAN, "plan")),
        coverage=coverage,
        benefits=benefits,
        prior_authorizations=_prior_auths(result),
    )


# -- page structure ------------------------------------------------------------------------

def _check_identity(page: BeautifulSoup) -> Tag:
    """The known layout and the eligibility page; returns the result container."""
    marker = page.select_one(S.LAYOUT_MARKER)
    if marker is None or marker.get("data-layout") != S.LAYOUT_VERSION:
        raise LayoutChanged("the page is not Meridian's known (v1) layout")
    result = p.one(page, S.RESULT, "eligibility result")
    title = p.text(page.select_one(S.RESULT_TITLE), "page title")
    if title != S.RESULT_TITLE_TEXT:
        raise LayoutChanged(f"expected the eligibility page, found {title!r}")
    return result


def _check_sections(result: Tag) -> None:
    """Exactly the known sections, in order, each with its heading."""
    found = []
    for section in result.find_all("section", recursive=False):
        headings = section.find_all("h2")
        heading = p.text(headings[0], "section heading") if len(headings) == 1 else None
        found.append((section.get("id"), heading))
    if found != list(S.SECTIONS):
        raise LayoutChanged(f"the result page's sections changed: {found}")


def _details(root: Tag, selector: str, fields: Fields, what: str) -> dict[str, str]:
    """A <dl> read pair by pair: each <dt> label and <dd> id exactly as known, in order."""
    dl = p.one(root, selector, f"{what} details")
    items = [child for child in dl.children if isinstance(child, Tag)]
    expected = [tag for _ in fields for tag in ("dt", "dd")]
    if [item.name for item in items] != expected:
        raise LayoutChanged(f"{what} details: unexpected structure "
                            f"{[item.name for item in items]}")
    values = {}
    for (key, label, element_id), dt_tag, dd_tag in zip(fields, items[::2], items[1::2],
                                                        strict=True):
        shown = p.text(dt_tag, f"{what} label")
        if shown != label or dd_tag.get("id") != element_id:
            raise LayoutChanged(f"{what} details: expected {label!r} (#{element_id}), found "
                                f"{shown!r} (#{dd_tag.get('id')})")
        values[key] = _required(p.text(dd_tag, f"{what} {label}"), f"{what} {label}")
    return values


def _rows(root: Tag, selector: str, columns: list[str], what: str) -> list[dict[str, str]]:
    """Table rows, the headers being exactly ``columns`` in that order; no empty cell."""
    table = p.one(root, selector, what)
    headers = [p.text(th, f"{what} header") for th in table.select("thead th")]
    if headers != columns:
        raise LayoutChanged(f"{what}: headers {headers}, expected exactly {columns}")
    rows = p.table_rows(root, selector, columns, what)
    for row in rows:
        for column, value in row.items():
            _required(value, f"{what} {column}")
    return rows


# -- values ----------------------------------------------------------------------------------

def _required(value: str, what: str) -> str:
    if not value:
        raise LayoutChanged(f"{what} is empty")
    return value


def _exact(table: dict[str, str], label: str, what: str) -> str:
    """A label as the portal spells it (case, spaces and hyphens included)."""
    if label not in table:
        raise LayoutChanged(f"{what}: unknown label {label!r}")
    return table[label]


def _money(value: str, what: str) -> Decimal:
    if not re.fullmatch(S.MONEY_PATTERN, value):
        raise LayoutChanged(f"{what}: {value!r} is not an amount like $1,234.56")
    return p.money(value, what)


def _date(value: str, what: str) -> dt.date:
    if not re.fullmatch(S.DATE_PATTERN, value):
        raise LayoutChanged(f"{what}: {value!r} is not a date like MM/DD/YYYY")
    return p.date(value, S.DATE_FORMAT, what)


def _percent(value: str, what: str) -> Decimal:
    if not re.fullmatch(S.PERCENT_PATTERN, value):
        raise LayoutChanged(f"{what}: {value!r} is not a percentage like 20%")
    return p.percent_fraction(value, what)


def _count(value: str, what: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise LayoutChanged(f"{what}: {value!r} is not a whole number")
    return int(value)


def _service(label: str, what: str) -> ServiceType:
    return ServiceType(_exact(S.SERVICE_TYPES, label, what))


# -- sections ----------------------------------------------------------------------------------

def _person(values: dict[str, str], what: str) -> Person:
    name = values["name"]
    last, sep, first = name.partition(", ")
    if not sep or not last or not first or "," in first:
        raise LayoutChanged(f"{what} name {name!r} is not 'Last, First'")
    member_id = values["id"]
    if not re.fullmatch(S.MEMBER_ID_PATTERN, member_id):
        raise LayoutChanged(f"{what} ID {member_id!r} is not a Meridian member ID")
    relationship = (_exact(S.RELATIONSHIPS, values["relationship"], f"{what} relationship")
                    if "relationship" in values else Relationship.SELF)
    return Person(
        member_id=member_id,
        first_name=first,
        last_name=last,
        date_of_birth=_date(values["dob"], f"{what} date of birth"),
        gender=Gender(_exact(S.GENDERS, values["gender"], f"{what} gender")),
        relationship=Relationship(relationship),
    )


def _coverage(c: dict[str, str]) -> tuple[Coverage, bool]:
    """The coverage, and whether it is family coverage (family accumulator rows follow)."""
    termination = c["termination"]
    level = CoverageLevel(_exact(S.LEVELS, c["level"], "coverage level"))
    coverage = Coverage(
        status=CoverageStatus(_exact(S.STATUSES, c["status"], "coverage status")),
        effective_date=_date(c["effective"], "effective date"),
        termination_date=None if termination == S.EMPTY
        else _date(termination, "termination date"),
    )
    return coverage, level == CoverageLevel.FAMILY


def _accumulators(root: Tag, kind: BenefitKind, table: str, family: bool
                  ) -> list[BenefitLine]:
    rows = _rows(root, table, S.ACCUMULATOR_COLUMNS, table)
    shape = list(S.ACCUMULATOR_ROWS) + (list(S.FAMILY_ACCUMULATOR_ROWS) if family else [])
    if [(row["Coverage Level"], row["Network"]) for row in rows] != shape:
        raise LayoutChanged(f"{table}: rows {[(r['Coverage Level'], r['Network']) for r in rows]}"
                            f", expected {shape}")
    lines = []
    for row in rows:
        level = CoverageLevel(_exact(S.LEVELS, row["Coverage Level"], f"{table} level"))
        network = Network(_exact(S.NETWORKS, row["Network"], f"{table} network"))
        amounts = {column: _money(row[column], f"{table} {column}")
                   for column in ("Annual Amount", "Met", "Remaining")}
        if amounts["Met"] > amounts["Annual Amount"] or \
                amounts["Annual Amount"] - amounts["Met"] != amounts["Remaining"]:
            raise LayoutChanged(f"{table}: amount, met and remaining do not add up "
                                f"({row['Coverage Level']}, {row['Network']})")
        for column, period in (("Annual Amount", TimePeriod.CALENDAR_YEAR),
                               ("Met", TimePeriod.YEAR_TO_DATE),
                               ("Remaining", TimePeriod.REMAINING)):
            lines.append(BenefitLine(
                kind=kind, service_type=ServiceType.HEALTH_BENEFIT_PLAN, coverage_level=level,
                network=network, time_period=period, amount=amounts[column],
            ))
    return lines


def _copays(root: Tag) -> list[BenefitLine]:
    lines = []
    for row in _rows(root, S.COPAY_TABLE, S.COPAY_COLUMNS, "copays"):
        service = _service(row["Service"], "copay service")
        for column, network in (("In-Network", Network.IN), ("Out-of-Network", Network.OUT)):
            if row[column] == S.EMPTY and network is Network.OUT:
                continue  # no out-of-network copay; the in-network one is always shown
            lines.append(BenefitLine(
                kind=BenefitKind.COPAYMENT, service_type=service, network=network,
                time_period=TimePeriod.VISIT, amount=_money(row[column], f"copay {column}"),
            ))
    return lines


def _coinsurance(root: Tag) -> list[BenefitLine]:
    rows = _rows(root, S.COINSURANCE_TABLE, S.COINSURANCE_COLUMNS, "coinsurance")
    if tuple(row["Network"] for row in rows) != S.COINSURANCE_ROWS:
        raise LayoutChanged(f"coinsurance: rows {[row['Network'] for row in rows]}")
    return [
        BenefitLine(
            kind=BenefitKind.COINSURANCE, service_type=ServiceType.HEALTH_BENEFIT_PLAN,
            network=Network(_exact(S.NETWORKS, row["Network"], "coinsurance network")),
            percent=_percent(row["Coinsurance"], "coinsurance"),
        )
        for row in rows
    ]


def _limitations(root: Tag) -> list[BenefitLine]:
    lines = []
    for row in _rows(root, S.LIMITATIONS_TABLE, S.LIMITATION_COLUMNS, "limitations"):
        service = _service(row["Service"], "limitation service")
        allowed = _count(row["Visits Allowed"], "visits allowed")
        used = _count(row["Visits Used"], "visits used")
        remaining = _count(row["Visits Remaining"], "visits remaining")
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


def _non_covered(root: Tag) -> list[BenefitLine]:
    return [
        BenefitLine(kind=BenefitKind.NON_COVERED,
                    service_type=_service(row["Service"], "non-covered service"),
                    description=row["Description"])
        for row in _rows(root, S.NON_COVERED_TABLE, S.NON_COVERED_COLUMNS, "non-covered")
    ]


def _prior_auths(root: Tag) -> list[PriorAuthRequirement]:
    auths = []
    for row in _rows(root, S.PRIOR_AUTH_TABLE, S.PRIOR_AUTH_COLUMNS, "prior auth"):
        code = row["CPT Code"]
        if not (len(code) == 5 and code[:4].isdigit() and code[4].isalnum()):
            raise LayoutChanged(f"prior authorization code {code!r} is not a CPT code")
        auths.append(PriorAuthRequirement(code=code, code_system="CPT",
                                          description=row["Description"]))
    return auths
