"""Summit Online's pages -> the normalized result. Pure functions over page HTML (no
browser), tested on saved pages in ``fixtures/html/summit/saved/``.

The member eligibility page gives the people, plan, coverage, accumulators and
coinsurance; four benefit lists (copays, limitations, exclusions, pre-certification) are
separate pages of five rows each, read page by page and put together by :func:`assemble`.
Anything missing, extra or malformed raises LayoutChanged; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.summit import selectors as S
from bots.errors import LayoutChanged, PatientMismatch
from bots.flow import retry_after
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

__all__ = ["CARRIER", "DetailPage", "SectionPage", "assemble", "check_layout",
           "check_sequence", "date", "grid", "money", "name", "parse_detail", "parse_section",
           "percent", "retry_after"]
"""``retry_after`` is :func:`bots.flow.retry_after` (the one Retry-After parser), named
here for the callers that import it from the Summit parser."""

CARRIER = "summit"
_PAGE_COUNT = re.compile(r"^Page (\d+) of (\d+)$")
_MEMBER_LINE = re.compile(r"^(.+) \(([A-Z0-9-]+)\)$")
_CPT = re.compile(r"^\d{4}[0-9A-Z]$")


@dataclass(frozen=True)
class DetailPage:
    """What the member eligibility page shows."""

    member: Person
    subscriber: Person
    plan: Plan
    coverage: Coverage
    level: CoverageLevel
    benefits: list[BenefitLine]
    links: dict[str, str]
    """The first page of each benefit list (href as on the page), by section code."""

    @property
    def member_line(self) -> str:
        """How the benefit-list pages name this member."""
        return f"{self.member.first_name} {self.member.last_name} ({self.member.member_id})"


@dataclass(frozen=True)
class SectionPage:
    """One page of one benefit list."""

    code: str
    member_line: str
    rows: list[dict[str, str]]
    page: int
    pages: int
    next_href: str
    """The "Next >>" link's target ("" on the last page)."""

    @property
    def has_next(self) -> bool:
        return bool(self.next_href)


# -- shared readers ----------------------------------------------------------------------

def check_layout(page: BeautifulSoup, title: str, header: str) -> None:
    marker = page.select_one(S.LAYOUT_META)
    if marker is None or marker.get("content") != S.LAYOUT:
        raise LayoutChanged("the page is not Summit Online's known (v1) layout")
    shown = p.text(page.title, "page title")
    if shown != title:
        raise LayoutChanged(f"expected the page {title!r}, found {shown!r}")
    heading = p.text(p.one(page, S.PAGE_HEADER, "page header"), "page header")
    if heading != header:
        raise LayoutChanged(f"expected the heading {header!r}, found {heading!r}")


def grid(page: BeautifulSoup | Tag, selector: str, columns: list[str], what: str
         ) -> list[dict[str, str]]:
    """A legacy table (first row = headers) as {header: cell}; the headers must be
    exactly ``columns``, in order, and every row must have one cell per column."""
    rows = p.one(page, selector, what).find_all("tr")
    if not rows:
        raise LayoutChanged(f"{what} has no rows")
    headers = [p.text(cell, f"{what} header") for cell in rows[0].find_all(["td", "th"])]
    if headers != columns:
        raise LayoutChanged(f"{what}: columns {headers} are not {columns}")
    out = []
    for tr in rows[1:]:
        cells = [p.text(cell, f"{what} cell") for cell in tr.find_all(["td", "th"])]
        if len(cells) != len(columns):
            raise LayoutChanged(f"{what}: a row has {len(cells)} cells for {len(columns)} "
                                "columns")
        out.append(dict(zip(columns, cells, strict=True)))
    return out


def money(value: str, what: str) -> Decimal:
    """``$1234.56`` exactly (no separators, two decimals)."""
    if not re.match(S.MONEY_PATTERN, value):
        raise LayoutChanged(f"{what}: {value!r} is not an amount like $1234.56")
    return Decimal(value[1:])


def percent(value: str, what: str) -> Decimal:
    match = re.match(S.PERCENT_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"{what}: {value!r} is not a percentage like '20 pct'")
    return (Decimal(match.group(1)) / 100).normalize()


def date(value: str, what: str) -> dt.date:
    if not re.match(S.DATE_PATTERN, value):
        raise LayoutChanged(f"{what}: {value!r} is not a date like 2026-03-04")
    return p.date(value, S.DATE_FORMAT, what)


def name(value: str, what: str) -> tuple[str, str]:
    """``FIRST LAST`` in capitals: the first word is the first name, the rest the last."""
    first, _, last = value.partition(" ")
    if not first or not last or value != value.upper() or "," in value:
        raise LayoutChanged(f"{what} {value!r} is not 'FIRST LAST' in capitals")
    return first, last


# -- the member eligibility page -------------------------------------------------------

def _labelled(page: BeautifulSoup) -> dict[str, str]:
    table = p.one(page, S.DETAIL, "eligibility table")
    values: dict[str, str] = {}
    for label_cell in table.select("td.lbl"):
        value_cell = label_cell.find_next_sibling("td")
        if value_cell is None or "val" not in (value_cell.get("class") or []):
            raise LayoutChanged("a label on the eligibility page has no value cell")
        label = p.text(label_cell, "eligibility label")
        if label in values:
            raise LayoutChanged(f"the label {label!r} shows twice")
        values[label] = p.text(value_cell, f"value of {label}")
    expected = set(S.DETAIL_LABELS.values())
    if set(values) != expected:
        raise LayoutChanged(f"eligibility labels changed: missing {sorted(expected - set(values))}"
                            f", unknown {sorted(set(values) - expected)}")
    return {key: values[label] for key, label in S.DETAIL_LABELS.items()}


def _person(v: dict[str, str], prefix: str, relationship: Relationship) -> Person:
    first, last = name(v[f"{prefix}_name"], f"{prefix} name")
    return Person(
        member_id=v[f"{prefix}_id"], first_name=first, last_name=last,
        date_of_birth=date(v[f"{prefix}_dob"], f"{prefix} date of birth"),
        gender=Gender(p.lookup(S.GENDERS, v[f"{prefix}_sex"], f"{prefix} sex")),
        relationship=relationship,
    )


def _accumulators(page: BeautifulSoup, level: CoverageLevel) -> list[BenefitLine]:
    lines: list[BenefitLine] = []
    seen: set[tuple[str, str, str]] = set()
    for row in grid(page, S.ACCUMULATORS, S.ACCUMULATOR_COLUMNS, "accumulators"):
        kind = BenefitKind(p.lookup(S.ACCUMULATOR_KINDS, row["Accumulator"], "accumulator"))
        tier = CoverageLevel(p.lookup(S.TIERS, row["Tier"], "accumulator tier"))
        network = Network(p.lookup(S.NETWORKS, row["Network"], "accumulator network"))
        amounts = [money(row[c], f"{row['Accumulator']} {c}")
                   for c in ("Annual", "Satisfied", "Balance")]
        if max(amounts[0] - amounts[1], Decimal(0)) != amounts[2]:
            raise LayoutChanged(f"{row['Accumulator']} {row['Tier']} {row['Network']}: annual, "
                                "satisfied and balance do not add up")
        seen.add((kind, tier, network))
        for period, amount in zip((TimePeriod.CALENDAR_YEAR, TimePeriod.YEAR_TO_DATE,
                                   TimePeriod.REMAINING), amounts, strict=True):
            lines.append(BenefitLine(kind=kind, service_type=ServiceType.HEALTH_BENEFIT_PLAN,
                                     coverage_level=tier, network=network, time_period=period,
                                     amount=amount))
    tiers = [CoverageLevel.INDIVIDUAL] + ([CoverageLevel.FAMILY]
                                          if level is CoverageLevel.FAMILY else [])
    wanted = {(k, t, n) for k in (BenefitKind.DEDUCTIBLE, BenefitKind.OUT_OF_POCKET)
              for t in tiers for n in (Network.IN, Network.OUT)}
    if seen != wanted or len(lines) != 3 * len(wanted):
        raise LayoutChanged("the accumulator rows do not match the coverage tier")
    return lines


def _coinsurance(page: BeautifulSoup) -> list[BenefitLine]:
    rows = grid(page, S.COINSURANCE, S.COINSURANCE_COLUMNS, "coinsurance")
    networks = [p.lookup(S.NETWORKS, r["Network"], "coinsurance network") for r in rows]
    if sorted(networks) != ["N", "Y"]:
        raise LayoutChanged("coinsurance must show PAR and NON-PAR once each")
    return [BenefitLine(kind=BenefitKind.COINSURANCE, network=Network(net),
                        percent=percent(r["Member Pays"], "coinsurance"))
            for net, r in zip(networks, rows, strict=True)]


def _links(page: BeautifulSoup) -> dict[str, str]:
    """The first page of each benefit list, by section code (href as on the page)."""
    anchors = p.one(page, S.BENEFIT_LINKS, "benefit links").select("a")
    shown = [p.text(a, "benefit link") for a in anchors]
    wanted = [link for link, _, _ in S.SECTIONS.values()]
    if shown != wanted:
        raise LayoutChanged(f"benefit links {shown} are not {wanted}")
    links = {}
    for code, anchor in zip(S.SECTIONS, anchors, strict=True):
        href = anchor.get("href")
        if not isinstance(href, str) or f"sec={code}" not in href:
            raise LayoutChanged(f"the {S.SECTIONS[code][0]} link does not lead to its list")
        links[code] = href
    return links


def parse_detail(html: str) -> DetailPage:
    """The member eligibility page; any missing or malformed field raises LayoutChanged."""
    page = p.soup(html)
    check_layout(page, S.DETAIL_TITLE, S.DETAIL_HEADER)
    v = _labelled(page)
    relationship = Relationship(p.lookup(S.RELATIONSHIPS, v["relation"], "relation"))
    level = CoverageLevel(p.lookup(S.TIERS, v["tier"], "coverage tier"))
    termination = v["termination"]
    coverage = Coverage(
        status=CoverageStatus(p.lookup(S.STATUSES, v["status"], "eligibility status")),
        effective_date=date(v["effective"], "effective date"),
        termination_date=None if termination == S.EMPTY else date(termination, "term date"),
    )
    plan = Plan(name=v["plan"], group_number=v["group_number"], group_name=v["group_name"],
                plan_type=v["product"], network_name=v["network"])
    return DetailPage(
        member=_person(v, "member", relationship),
        subscriber=_person(v, "subscriber", Relationship.SELF),
        plan=plan, coverage=coverage, level=level,
        benefits=_accumulators(page, level) + _coinsurance(page),
        links=_links(page),
    )


# -- benefit-list pages ----------------------------------------------------------------

def parse_section(html: str, code: str) -> SectionPage:
    """One page of a benefit list: its rows, "Page k of N" and whether "Next >>" shows."""
    link, header, columns = S.SECTIONS[code]
    page = p.soup(html)
    check_layout(page, f"Summit Online - {header.title()}", header)
    member_line = p.text(p.one(page, S.SECTION_MEMBER, "member line"), "member line")
    rows = grid(page, S.SECTION_TABLE, columns, f"{link} table")
    count = p.text(p.one(page, S.PAGE_COUNT, "page count"), "page count")
    match = _PAGE_COUNT.match(count)
    if match is None:
        raise LayoutChanged(f"{link}: {count!r} is not 'Page k of N'")
    number, pages = int(match.group(1)), int(match.group(2))
    nexts = [a for a in p.one(page, S.PAGER, "pager").select("a")
             if p.text(a, "pager link") == S.NEXT_LINK_TEXT]
    if not 1 <= number <= pages or len(nexts) > 1:
        raise LayoutChanged(f"{link}: the pager is inconsistent ({count!r})")
    full = number < pages
    fewest = S.PAGE_SIZE if full else (1 if pages > 1 else 0)
    if not fewest <= len(rows) <= S.PAGE_SIZE:
        raise LayoutChanged(f"{link}: page {number} of {pages} shows {len(rows)} rows")
    if bool(nexts) != full:
        raise LayoutChanged(f"{link}: 'Next >>' and the page count disagree ({count!r})")
    href = nexts[0].get("href") if nexts else ""
    if not isinstance(href, str) or (nexts and f"pg={number + 1}" not in href):
        raise LayoutChanged(f"{link}: 'Next >>' does not lead to page {number + 1}")
    return SectionPage(code=code, member_line=member_line, rows=rows, page=number,
                       pages=pages, next_href=href)


def check_sequence(pages: list[SectionPage], member_line: str) -> None:
    """Pages 1..N of one list, all of the same member, with the same N."""
    for index, page in enumerate(pages, start=1):
        if page.member_line != member_line:
            raise PatientMismatch("a benefit page shows another member than the one requested")
        if page.page != index or page.pages != pages[0].pages:
            raise LayoutChanged(f"benefit list {page.code}: expected page {index} of "
                                f"{pages[0].pages}, the portal showed {page.page} of "
                                f"{page.pages}")
    if not pages or len(pages) != pages[0].pages:
        raise LayoutChanged("a benefit list was not read to its last page")


def _service(label: str, what: str) -> ServiceType:
    return ServiceType(p.lookup(S.SERVICE_TYPES, label, what))


def _copays(rows: list[dict[str, str]]) -> list[BenefitLine]:
    lines = []
    for row in rows:
        service = _service(row["Service"], "copay service")
        for column, network in (("Par Provider", Network.IN), ("Non-Par Provider", Network.OUT)):
            if row[column] == S.EMPTY and network is Network.OUT:
                continue
            lines.append(BenefitLine(kind=BenefitKind.COPAYMENT, service_type=service,
                                     network=network, time_period=TimePeriod.VISIT,
                                     amount=money(row[column], f"copay {column}")))
    return lines


def _limitations(rows: list[dict[str, str]]) -> list[BenefitLine]:
    lines = []
    for row in rows:
        if row["Benefit Period"] != S.BENEFIT_PERIOD:
            raise LayoutChanged(f"unknown benefit period {row['Benefit Period']!r}")
        allowed, used, left = (p.integer(row[c], f"limitation {c}")
                               for c in ("Max Visits", "Used", "Left"))
        if max(allowed - used, 0) != left:
            raise LayoutChanged(f"limitation {row['Service']}: max, used and left do not add up")
        service = _service(row["Service"], "limitation service")
        for period, quantity in ((TimePeriod.CALENDAR_YEAR, allowed), (TimePeriod.REMAINING, left)):
            lines.append(BenefitLine(kind=BenefitKind.LIMITATIONS, service_type=service,
                                     time_period=period, quantity=Decimal(quantity),
                                     quantity_qualifier=QuantityQualifier.VISITS))
    return lines


def _exclusions(rows: list[dict[str, str]]) -> list[BenefitLine]:
    return [BenefitLine(kind=BenefitKind.NON_COVERED,
                        service_type=_service(row["Service"], "exclusion service"),
                        description=row["Exclusion"]) for row in rows]


def _prior_auths(rows: list[dict[str, str]]) -> list[PriorAuthRequirement]:
    auths = []
    for row in rows:
        if not _CPT.match(row["Proc Code"]):
            raise LayoutChanged(f"pre-certification code {row['Proc Code']!r} is not a CPT code")
        auths.append(PriorAuthRequirement(code=row["Proc Code"], code_system="CPT",
                                          description=row["Procedure Description"]))
    return auths


def assemble(detail: DetailPage, sections: dict[str, list[SectionPage]]) -> EligibilityResult:
    """The whole result from the eligibility page and every page of every list."""
    if set(sections) != set(S.SECTIONS):
        raise LayoutChanged(f"benefit lists read: {sorted(sections)}")
    rows = {}
    for code, pages in sections.items():
        check_sequence(pages, detail.member_line)
        rows[code] = [row for page in pages for row in page.rows]
    return EligibilityResult(
        carrier=CARRIER, member=detail.member, subscriber=detail.subscriber, plan=detail.plan,
        coverage=detail.coverage,
        benefits=detail.benefits + _copays(rows["CP"]) + _limitations(rows["LM"])
        + _exclusions(rows["EX"]),
        prior_authorizations=_prior_auths(rows["PA"]),
    )


