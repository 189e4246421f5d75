"""The benefits iframe's document -> the member it names, the benefit lines and the
pre-treatment estimates. Pure functions over the frame's HTML.

Mapping (the README beside the templates documents it for people):

* deductible row -> ``C``, 35, IND/FAM, Y/N: 23 annual deductible, 24 met, 29 remaining;
* annual maximum row -> ``F``, 35, IND, Y/N: 23 maximum, 24 used, 29 remaining;
* orthodontic lifetime maximum -> ``F``, 38, IND, W: 32 maximum, 33 remaining;
* service class cell -> ``A``, class, Y/N, the MEMBER's share ("80% covered" -> 0.2);
* frequency row -> ``F``, 41, CDT code, quantity VS, last service date; "per calendar
  year" -> time period 23; "N per M months" -> no time period, description as shown;
* waiting period row -> ``F``, class, months MN, description "Waiting period";
* not covered row -> ``I``, class, the text; pre-treatment row -> CDT requirement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from bs4 import Tag

from bots import parsing as p
from bots.carriers.cascade import selectors as S
from bots.carriers.cascade.parse import (
    cascade_date,
    exact,
    member_id,
    member_share,
    required,
    usd,
)
from bots.errors import LayoutChanged, PatientMismatch
from portals.model import (
    BenefitKind,
    BenefitLine,
    CoverageLevel,
    Network,
    Person,
    PriorAuthRequirement,
    QuantityQualifier,
    ServiceType,
    TimePeriod,
)

Rows = list[dict[str, str]]
IND, FAM = CoverageLevel.INDIVIDUAL, CoverageLevel.FAMILY


@dataclass(frozen=True)
class FrameBenefits:
    member_id: str
    last_name: str
    first_name: str
    benefits: list[BenefitLine] = field(default_factory=list)
    prior_authorizations: list[PriorAuthRequirement] = field(default_factory=list)


def parse_frame(html: str, *, member: Person, family: bool) -> FrameBenefits:
    """Read the frame of ``member`` (the record page's patient); ``family``: the record
    page says family coverage (FAM rows due). The frame's member is checked first: a frame
    of another member raises PatientMismatch before anything else is read."""
    page = p.soup(html)
    root = p.one(page, S.FRAME_ROOT, "benefit details")
    if root.get("data-layout") != S.LAYOUT_VERSION:
        raise LayoutChanged("the benefits frame is not Cascade's known (v1) layout")
    who, last, first = _frame_member(root)
    frame = FrameBenefits(member_id=who, last_name=last, first_name=first)
    verify_frame_member(frame, member)
    tables = _sections(root)
    benefits = _deductibles(tables["deductibles"], family)
    benefits += _accumulators(BenefitKind.LIMITATIONS, IND, tables["annual-maximum"],
                              ["Annual maximum", "Used", "Remaining"], "annual maximum")
    if S.ORTHO_SECTION in tables:
        benefits += _ortho(tables[S.ORTHO_SECTION])
    benefits += _classes(tables["service-classes"])
    benefits += _frequencies(tables["frequencies"])
    benefits += _waiting(tables["waiting-periods"])
    benefits += [BenefitLine(kind=BenefitKind.NON_COVERED,
                             service_type=ServiceType(exact(S.EXCLUSION_CLASSES,
                                                            row["Service class"],
                                                            "exclusion class")),
                             description=row["Exclusion"])
                 for row in tables["exclusions"]]
    auths = []
    for row in tables["predeterminations"]:
        if not re.fullmatch(S.CDT_PATTERN, row["CDT code"]):
            raise LayoutChanged(f"pre-treatment code {row['CDT code']!r} is not a CDT code")
        auths.append(PriorAuthRequirement(code=row["CDT code"], code_system="CDT",
                                          description=row["Procedure"]))
    return FrameBenefits(member_id=who, last_name=last, first_name=first, benefits=benefits,
                         prior_authorizations=auths)


def verify_frame_member(frame: FrameBenefits, member: Person) -> None:
    """The frame must show the same member as the page around it."""
    if frame.member_id != member.member_id:
        raise PatientMismatch("the benefits frame shows another member ID than the page")
    if (frame.last_name, frame.first_name) != (member.last_name, member.first_name):
        raise PatientMismatch("the benefits frame shows another name than the page")


# -- structure --------------------------------------------------------------------------------

def _frame_member(root: Tag) -> tuple[str, str, str]:
    line_node = p.one(root, S.FRAME_MEMBER_LINE, "frame member line")
    line = " ".join(line_node.get_text("").split())  # inline spans: no added spaces
    name = p.text(p.one(root, S.FRAME_MEMBER_NAME, "frame member name"), "frame member name")
    who = p.text(p.one(root, S.FRAME_MEMBER_ID, "frame member ID"), "frame member ID")
    match = re.fullmatch(S.FRAME_MEMBER_PATTERN, line)
    if match is None or match["name"] != name or match["id"] != who:
        raise LayoutChanged(f"the frame's member line changed: {line!r}")
    last, sep, first = name.partition(", ")
    if not sep or not last or not first or "," in first:
        raise LayoutChanged(f"frame member name {name!r} is not 'Last, First'")
    return member_id(who, "frame member ID"), last, first


def _sections(root: Tag) -> dict[str, Rows]:
    """Exactly the known sections in order (ortho optional), each table's exact headers."""
    sections = root.find_all("section", recursive=False)
    found = [(s.get("id"), [p.text(h, "heading") for h in s.find_all("h2")]) for s in sections]
    known = [(sid, [title]) for sid, title, _t, _c in S.FRAME_SECTIONS]
    if found not in (known, [k for k in known if k[0] != S.ORTHO_SECTION]):
        raise LayoutChanged(f"the benefits frame's sections changed: {found}")
    tables: dict[str, Rows] = {}
    for section, (sid, _title, table_id, columns) in zip(
            sections, [s for s in S.FRAME_SECTIONS if s[0] in dict(found)], strict=True):
        tables[sid] = _rows(section, f"table#{table_id}", columns, sid)
    return tables


def _rows(root: Tag, selector: str, columns: list[str], what: str) -> Rows:
    table = p.one(root, selector, what)
    headers = [p.text(th, f"{what} header") for th in table.select("thead th")]
    if headers != columns:
        raise LayoutChanged(f"{what}: headers {headers}, expected exactly {columns}")
    rows = p.table_rows(root, selector, columns, what)
    for row in rows:
        for column, value in row.items():
            required(value, f"{what} {column}")
    return rows


# -- sections ----------------------------------------------------------------------------------

def _networks(rows: Rows, what: str) -> list[str]:
    networks = [row["Network"] for row in rows]
    if networks not in (["In network"], ["In network", "Out of network"]):
        raise LayoutChanged(f"{what}: network rows {networks}")
    return networks


def _accumulators(kind: BenefitKind, level: CoverageLevel, rows: Rows, columns: list[str],
                  what: str) -> list[BenefitLine]:
    """Rows of amount / used / remaining -> 23 / 24 / 29 lines, service type 35."""
    _networks(rows, what)
    lines = []
    for row in rows:
        amount, used, left = (usd(row[c], f"{what} {c}") for c in columns)
        if used > amount or amount - used != left:
            raise LayoutChanged(f"{what}: amount, used and remaining do not add up "
                                f"({row['Network']})")
        network = Network(exact(S.NETWORKS, row["Network"], f"{what} network"))
        lines += [BenefitLine(kind=kind, service_type=ServiceType.DENTAL_CARE,
                              coverage_level=level, network=network, time_period=period,
                              amount=value)
                  for period, value in ((TimePeriod.CALENDAR_YEAR, amount),
                                        (TimePeriod.YEAR_TO_DATE, used),
                                        (TimePeriod.REMAINING, left))]
    return lines


def _deductibles(rows: Rows, family: bool) -> list[BenefitLine]:
    by_tier: dict[str, Rows] = {}
    for row in rows:
        by_tier.setdefault(row["Tier"], []).append(row)
    expected_tiers = ["Individual", "Family"] if family else ["Individual"]
    if list(by_tier) != expected_tiers:
        raise LayoutChanged(f"deductibles: tiers {list(by_tier)}, expected {expected_tiers}")
    if family and _networks(by_tier["Family"], "family deductible") != \
            _networks(by_tier["Individual"], "deductible"):
        raise LayoutChanged("deductibles: family and individual networks differ")
    lines = []
    for tier, tier_rows in by_tier.items():
        level = CoverageLevel(exact(S.TIERS, tier, "deductible tier"))
        lines += _accumulators(BenefitKind.DEDUCTIBLE, level, tier_rows,
                               ["Annual deductible", "Met to date", "Remaining"], "deductible")
    return lines


def _ortho(rows: Rows) -> list[BenefitLine]:
    if len(rows) != 1:
        raise LayoutChanged(f"orthodontic maximum: {len(rows)} rows, expected one")
    amount, paid, left = (usd(rows[0][c], f"orthodontic {c}")
                          for c in ("Lifetime maximum", "Paid to date", "Remaining"))
    if paid > amount or amount - paid != left:
        raise LayoutChanged("orthodontic maximum: amount, paid and remaining do not add up")
    return [BenefitLine(kind=BenefitKind.LIMITATIONS, service_type=ServiceType.ORTHODONTICS,
                        coverage_level=IND, time_period=period, amount=value)
            for period, value in ((TimePeriod.LIFETIME, amount),
                                  (TimePeriod.LIFETIME_REMAINING, left))]


def _classes(rows: Rows) -> list[BenefitLine]:
    names = [row["Service class"] for row in rows]
    if names != [n for n in S.CLASSES if n in names] or not names:
        raise LayoutChanged(f"service classes: rows {names}")
    lines = []
    for row in rows:
        service = ServiceType(exact(S.CLASSES, row["Service class"], "service class"))
        for column, network in (("In network", Network.IN), ("Out of network", Network.OUT)):
            if row[column] == S.NOT_AVAILABLE and network is Network.OUT:
                continue  # no out-of-network benefits on this plan
            lines.append(BenefitLine(kind=BenefitKind.COINSURANCE, service_type=service,
                                     network=network,
                                     percent=member_share(row[column],
                                                          f"{row['Service class']} {column}")))
    return lines


def _frequencies(rows: Rows) -> list[BenefitLine]:
    lines = []
    for row in rows:
        code, rule, last = row["CDT code"], row["Frequency"], row["Last service"]
        if not re.fullmatch(S.CDT_PATTERN, code):
            raise LayoutChanged(f"frequency: {code!r} is not a CDT code")
        yearly = re.fullmatch(S.FREQUENCY_YEAR_PATTERN, rule)
        monthly = re.fullmatch(S.FREQUENCY_MONTHS_PATTERN, rule)
        if yearly is None and monthly is None:
            raise LayoutChanged(f"frequency of {code}: {rule!r} is not a known rule")
        quantity = (yearly or monthly)["quantity"]  # type: ignore[index]
        lines.append(BenefitLine(
            kind=BenefitKind.LIMITATIONS, service_type=ServiceType.ROUTINE_DENTAL,
            procedure_code=code, quantity=Decimal(quantity),
            quantity_qualifier=QuantityQualifier.VISITS,
            time_period=TimePeriod.CALENDAR_YEAR if yearly else None,
            description=None if yearly else rule,
            last_service_date=None if last == S.NEVER
            else cascade_date(last, f"last service of {code}"),
        ))
    return lines


def _waiting(rows: Rows) -> list[BenefitLine]:
    lines = []
    for row in rows:
        match = re.fullmatch(S.WAITING_PATTERN, row["Waiting period"])
        if match is None:
            raise LayoutChanged(f"waiting period {row['Waiting period']!r} is not in months")
        lines.append(BenefitLine(
            kind=BenefitKind.LIMITATIONS,
            service_type=ServiceType(exact(S.CLASSES, row["Service class"], "waiting class")),
            quantity=Decimal(match["months"]), quantity_qualifier=QuantityQualifier.MONTHS,
            description=S.WAITING_PERIOD))
    return lines
