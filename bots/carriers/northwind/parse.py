"""Northwind's screens -> facts and the normalized result. Pure functions over the HTML the
SPA rendered (``page.content()``): no browser, tested on saved pages. Everything is
checked: the shell, each card's labels, exact table headers, every value's format and
the arithmetic between columns; anything else raises LayoutChanged."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.northwind import selectors as S
from bots.errors import LayoutChanged, PatientMismatch
from bots.flow import retry_after as retry_after  # the one Retry-After parser, re-exported
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

CARRIER = "northwind"
_MONEY = re.compile(S.MONEY_PATTERN)
_PERCENT = re.compile(S.PERCENT_PATTERN)
_DATE = re.compile(S.DATE_PATTERN)
_CPT = re.compile(S.CPT_PATTERN)
_HINT = re.compile(S.CODE_HINT_PATTERN)


# -- values ----------------------------------------------------------------------------
def money(value: str, what: str) -> Decimal:
    """``USD 1,234.50`` -> Decimal("1234.50")."""
    match = _MONEY.match(value)
    if not match:
        raise LayoutChanged(f"{what}: {value!r} is not an amount like 'USD 1,234.50'")
    return Decimal(f"{match.group(1).replace(',', '')}.{match.group(2)}")


def percent(value: str, what: str) -> Decimal:
    """``20 %`` -> Decimal("0.2") (X12 EB08 form)."""
    match = _PERCENT.match(value)
    if not match or int(match.group(1)) > 100:
        raise LayoutChanged(f"{what}: {value!r} is not a percentage like '20 %'")
    return (Decimal(match.group(1)) / 100).normalize()


def long_date(value: str, what: str) -> dt.date:
    """``Mar 4, 2026`` -> date(2026, 3, 4), without depending on the locale."""
    match = _DATE.match(value)
    if not match:
        raise LayoutChanged(f"{what}: {value!r} is not a date like 'Mar 4, 2026'")
    try:
        return dt.date(int(match.group(3)), S.MONTHS.index(match.group(1)) + 1,
                       int(match.group(2)))
    except ValueError:
        raise LayoutChanged(f"{what}: {value!r} is not a real date") from None


def code_hint_digits(text: str) -> str:
    """The last four digits of the phone the portal texted ("... ending in 1234")."""
    match = _HINT.match(" ".join(text.split()))
    if not match:
        raise LayoutChanged(f"the code screen says {text!r}, not where the code was sent")
    return match.group(1)


# -- the shell and the search results ----------------------------------------------------
def check_shell(html: str | BeautifulSoup) -> None:
    """The page is Northwind's v1 SPA shell: its marker, its name, its root and its app."""
    page = p.soup(html) if isinstance(html, str) else html
    marker = page.select_one(S.SHELL_MARKER)
    if marker is None or marker.get("content") != S.SHELL_MARKER_VALUE:
        raise LayoutChanged("the portal is not Northwind's known (v1) single-page app")
    name = page.select_one(S.APP_NAME)
    if name is None or name.get("content") != S.APP_NAME_VALUE:
        raise LayoutChanged("the portal does not name itself the Northwind Provider Portal")
    p.one(page, S.APP_ROOT, "app root")
    p.one(page, S.APP_SCRIPT, "the v1 app script")


def _table_rows(table: Tag, columns: list[str], what: str) -> list[dict[str, str]]:
    """Body rows as {header: cell}; the headers must be exactly ``columns``, in order."""
    head, body = table.find_all("thead"), table.find_all("tbody")
    if len(head) != 1 or len(body) != 1:
        raise LayoutChanged(f"{what}: the table is not one header and one body")
    headers = [p.text(th, f"{what} header") for th in head[0].find_all("th")]
    if headers != columns:
        raise LayoutChanged(f"{what}: columns are {headers}, expected {columns}")
    rows = []
    for tr in body[0].find_all("tr"):
        cells = [p.text(cell, f"{what} cell") for cell in tr.find_all(["th", "td"],
                                                                      recursive=False)]
        if len(cells) != len(columns):
            raise LayoutChanged(f"{what}: a row has {len(cells)} cells for {len(columns)} "
                                "columns")
        rows.append(dict(zip(columns, cells, strict=True)))
    return rows


def _exact_rows(root: BeautifulSoup | Tag, selector: str, columns: list[str], what: str
                ) -> list[dict[str, str]]:
    return _table_rows(p.one(root, selector, what), columns, what)


def pick_match(html: str, request: EligibilityRequest) -> int:
    """Which row of the matches table is the requested member (by position).

    Every row must be well formed; the requested member's row must show the requested
    date of birth and last name. Only other members listed: PatientMismatch.
    """
    page = p.soup(html)
    rows = _exact_rows(page, S.MATCHES, S.MATCH_COLUMNS, "matching members")
    found = []
    for index, row in enumerate(rows):
        if row["Benefits"] != S.VIEW_BENEFITS_TEXT:
            raise LayoutChanged(f"matching members: action {row['Benefits']!r}")
        born = long_date(row["Date of birth"], "match date of birth")
        if row["Member ID"].upper() != request.member_id.upper():
            continue
        name = row["Member"].casefold()
        if born != request.date_of_birth or \
                not name.endswith(" " + request.last_name.strip().casefold()):
            raise PatientMismatch("the search listed the member ID with another date of birth "
                                  "or name")
        found.append(index)
    if not found:
        raise PatientMismatch(f"the search listed {len(rows)} other member(s), not the one "
                              "requested")
    if len(found) > 1:
        raise LayoutChanged("the search listed the requested member more than once")
    return found[0]


# -- the benefits screen -----------------------------------------------------------------
class _Screen:
    """The benefits screen's elements by id, each id present once (read in one pass)."""

    def __init__(self, root: Tag) -> None:
        self.ids: dict[str, list[Tag]] = {}
        for tag in root.find_all(id=True):
            self.ids.setdefault(str(tag["id"]), []).append(tag)

    def one(self, element_id: str, tag_name: str, what: str) -> Tag:
        found = self.ids.get(element_id, [])
        if len(found) != 1:
            raise LayoutChanged(f"{what} (id {element_id}) found {len(found)} times, "
                                "expected once")
        if found[0].name != tag_name:
            raise LayoutChanged(f"{what} (id {element_id}) is a <{found[0].name}>, "
                                f"expected a <{tag_name}>")
        return found[0]

    def rows(self, table_id: str, columns: list[str], what: str) -> list[dict[str, str]]:
        return _table_rows(self.one(table_id, "table", what), columns, what)


def parse_benefits(html: str) -> EligibilityResult:
    """Read the whole benefits screen; anything missing or malformed raises LayoutChanged."""
    page = p.soup(html)
    check_shell(page)
    section = p.one(page, S.BENEFITS, "benefits screen")
    if section.get("data-screen") != S.BENEFITS_SCREEN:
        raise LayoutChanged("the benefits section is not the benefits screen")
    screen = _Screen(section)
    title = p.text(screen.one(S.BENEFITS_TITLE, "h2", "title"), "title")
    if title != S.BENEFITS_TITLE_TEXT:
        raise LayoutChanged(f"expected the benefits screen, found {title!r}")
    for card, heading in S.CARD_TITLES.items():
        titles = screen.one(card, "article", heading).find_all("h3")
        found = [p.text(h3, f"{heading} heading") for h3 in titles]
        if found != [heading]:
            raise LayoutChanged(f"card {card} is titled {found}, expected {heading!r}")
    benefits = _accumulators(screen) + _copays(screen) + _coinsurance(screen) \
        + _limitations(screen) + _non_covered(screen)
    return EligibilityResult(
        carrier=CARRIER,
        member=_person(screen, S.PATIENT, "patient"),
        subscriber=_person(screen, S.SUBSCRIBER, "subscriber"),
        plan=_plan(screen),
        coverage=_coverage(screen),
        benefits=benefits,
        prior_authorizations=_prior_auths(screen),
    )


def _dd(screen: _Screen, spec: tuple[str, str], what: str) -> Tag:
    """The value cell ``dd#id`` whose label ``dt`` (just before it) reads ``label``."""
    element_id, label = spec
    dd = screen.one(element_id, "dd", what)
    dt_tag = dd.find_previous_sibling()
    if not isinstance(dt_tag, Tag) or dt_tag.name != "dt" or p.text(dt_tag, what) != label:
        raise LayoutChanged(f"{what} is not labelled {label!r}")
    return dd


def _value(screen: _Screen, spec: tuple[str, str], what: str) -> str:
    return p.text(_dd(screen, spec, what), what)


def _name_part(name: Tag, css_class: str, what: str) -> str:
    found = name.find_all("span", class_=css_class)
    if len(found) != 1:
        raise LayoutChanged(f"{what} is missing from the name")
    return p.text(found[0], what)


def _person(screen: _Screen, fields: dict[str, tuple[str, str]], what: str) -> Person:
    name = _dd(screen, fields["name"], f"{what} name")
    if [tag.name for tag in name.find_all(True)] != ["span", "span"]:
        raise LayoutChanged(f"{what} name is not a given and a family name")
    first = _name_part(name, S.GIVEN_NAME_CLASS, f"{what} given name")
    last = _name_part(name, S.FAMILY_NAME_CLASS, f"{what} family name")
    if not first or not last or p.text(name, f"{what} name") != f"{first} {last}":
        raise LayoutChanged(f"{what} name is not 'Given Family'")
    relationship = Relationship(p.lookup(S.RELATIONSHIPS, _value(
        screen, fields["relationship"], f"{what} relationship"), f"{what} relationship")) \
        if "relationship" in fields else Relationship.SELF
    return Person(
        member_id=_value(screen, fields["id"], f"{what} member ID"),
        first_name=first, last_name=last,
        date_of_birth=long_date(_value(screen, fields["dob"], f"{what} date of birth"),
                                f"{what} date of birth"),
        gender=Gender(p.lookup(S.SEXES, _value(screen, fields["sex"], f"{what} sex"),
                               f"{what} sex")),
        relationship=relationship,
    )


def _plan(screen: _Screen) -> Plan:
    values = {key: _value(screen, spec, f"plan {key}") for key, spec in S.PLAN.items()}
    if values["plan_type"] not in S.PLAN_TYPES:
        raise LayoutChanged(f"plan product {values['plan_type']!r} is not one of {S.PLAN_TYPES}")
    return Plan(**values)


def _coverage(screen: _Screen) -> Coverage:
    c = {key: _value(screen, spec, f"coverage {key}") for key, spec in S.COVERAGE.items()}
    p.lookup(S.TIERS, c["tier"], "coverage tier")
    end = c["termination"]
    return Coverage(
        status=CoverageStatus(p.lookup(S.STATUSES, c["status"], "coverage status")),
        effective_date=long_date(c["effective"], "coverage start"),
        termination_date=None if end == S.OPEN_ENDED else long_date(end, "coverage end"),
    )


def _service(label: str, what: str) -> ServiceType:
    return ServiceType(p.lookup(S.SERVICE_LABELS, label, what))


def _accumulators(screen: _Screen) -> list[BenefitLine]:
    lines = []
    for row in screen.rows(S.ACCUMULATORS_TABLE, S.ACCUMULATOR_COLUMNS, "accumulators"):
        kind = BenefitKind(p.lookup(S.ACCUMULATOR_KINDS, row["Benefit"], "accumulator"))
        level = CoverageLevel(p.lookup(S.TIERS, row["Tier"], "accumulator tier"))
        network = Network(p.lookup(S.NETWORKS, row["Network"], "accumulator network"))
        amounts = {column: money(row[column], f"{row['Benefit']} {column}")
                   for column in ("Limit", "Met", "Remaining")}
        if max(amounts["Limit"] - amounts["Met"], Decimal(0)) != amounts["Remaining"]:
            raise LayoutChanged(f"{row['Benefit']}: limit, met and remaining do not add up")
        for column, period in (("Limit", TimePeriod.CALENDAR_YEAR),
                               ("Met", TimePeriod.YEAR_TO_DATE),
                               ("Remaining", TimePeriod.REMAINING)):
            lines.append(BenefitLine(kind=kind, service_type=ServiceType.HEALTH_BENEFIT_PLAN,
                                     coverage_level=level, network=network, time_period=period,
                                     amount=amounts[column]))
    return lines


def _copays(screen: _Screen) -> list[BenefitLine]:
    lines = []
    for row in screen.rows(S.COPAYS_TABLE, S.COPAY_COLUMNS, "copays"):
        service = _service(row["Service"], "copay service")
        for column, network in (("In network", Network.IN), ("Out of network", Network.OUT)):
            if network is Network.OUT and row[column] == S.NO_OUT_OF_NETWORK:
                continue
            lines.append(BenefitLine(kind=BenefitKind.COPAYMENT, service_type=service,
                                     network=network, time_period=TimePeriod.VISIT,
                                     amount=money(row[column], f"copay {column}")))
    return lines


def _coinsurance(screen: _Screen) -> list[BenefitLine]:
    rows = screen.rows(S.COINSURANCE_TABLE, S.COINSURANCE_COLUMNS, "coinsurance")
    networks = [p.lookup(S.NETWORKS, row["Network"], "coinsurance network") for row in rows]
    if sorted(networks) != ["N", "Y"]:
        raise LayoutChanged(f"coinsurance rows are {networks}, expected in and out of network")
    return [BenefitLine(kind=BenefitKind.COINSURANCE, network=Network(network),
                        percent=percent(row["Member pays"], "coinsurance"))
            for network, row in zip(networks, rows, strict=True)]


def _limitations(screen: _Screen) -> list[BenefitLine]:
    lines = []
    for row in screen.rows(S.LIMITS_TABLE, S.LIMIT_COLUMNS, "visit limits"):
        service = _service(row["Service"], "visit limit service")
        allowed = p.integer(row["Visits per year"], "visits per year")
        used = p.integer(row["Used"], "visits used")
        left = p.integer(row["Left"], "visits left")
        if max(allowed - used, 0) != left:
            raise LayoutChanged(f"visit limit for {row['Service']}: {allowed} per year, {used} "
                                f"used and {left} left do not add up")
        for period, quantity in ((TimePeriod.CALENDAR_YEAR, allowed),
                                 (TimePeriod.REMAINING, left)):
            lines.append(BenefitLine(kind=BenefitKind.LIMITATIONS, service_type=service,
                                     time_period=period, quantity=Decimal(quantity),
                                     quantity_qualifier=QuantityQualifier.VISITS))
    return lines


def _non_covered(screen: _Screen) -> list[BenefitLine]:
    return [BenefitLine(kind=BenefitKind.NON_COVERED,
                        service_type=_service(row["Service"], "not covered service"),
                        description=row["Details"])
            for row in screen.rows(S.EXCLUSIONS_TABLE, S.EXCLUSION_COLUMNS, "not covered")]


def _prior_auths(screen: _Screen) -> list[PriorAuthRequirement]:
    auths = []
    for row in screen.rows(S.PRIOR_AUTH_TABLE, S.PRIOR_AUTH_COLUMNS, "prior auth"):
        if not _CPT.match(row["CPT code"]):
            raise LayoutChanged(f"prior authorization code {row['CPT code']!r} is not a CPT code")
        auths.append(PriorAuthRequirement(code=row["CPT code"], code_system="CPT",
                                          description=row["Procedure"]))
    return auths
