"""Cascade Dental's patient record page (outside the benefits frame) -> who, which plan,
which coverage, and where the frame and the benefit summary are. Pure functions over the
page HTML, tested on saved pages; the value readers here are shared with
:mod:`.parse_frame`.

Strict on purpose: the known layout marker, the known cards with their titles and their
labels in order, every value in Cascade's own format (``04-Mar-2026``, ``USD 1,234.56``,
``80% covered``), exactly one benefits frame and one summary link. Anything else raises
LayoutChanged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.cascade import selectors as S
from bots.errors import LayoutChanged
from portals.model import (
    Coverage,
    CoverageStatus,
    Gender,
    Person,
    Plan,
    Relationship,
)

Fields = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class RecordPage:
    """What the record page says outside the frame."""

    member: Person
    subscriber: Person
    plan: Plan
    coverage: Coverage
    family: bool
    frame_src: str
    summary_href: str


def parse_record(html: str) -> RecordPage:
    """Read the record page; anything missing, extra or malformed raises LayoutChanged."""
    page = p.soup(html)
    record = _check_identity(page)
    cards = _cards(page)
    member = _person(_fields(cards["patient-card"], S.PATIENT_FIELDS, "patient"), "patient")
    subscriber = _person(_fields(cards["subscriber-card"], S.SUBSCRIBER_FIELDS, "subscriber"),
                         "subscriber")
    if member.relationship is Relationship.SELF and member.member_id != subscriber.member_id:
        raise LayoutChanged("the patient is the subscriber but the subscriber card names "
                            "another member")
    plan = Plan(**_fields(cards["plan-card"], S.PLAN_FIELDS, "plan"))
    coverage, family = _coverage(_fields(cards["coverage-card"], S.COVERAGE_FIELDS,
                                         "coverage"))
    frame_src, summary_href = _benefits_panel(record)
    return RecordPage(member=member, subscriber=subscriber, plan=plan, coverage=coverage,
                      family=family, frame_src=frame_src, summary_href=summary_href)


# -- values (shared with the frame parser) --------------------------------------------------

def required(value: str, what: str) -> str:
    if not value:
        raise LayoutChanged(f"{what} is empty")
    return value


def exact(table: dict[str, str], label: str, what: str) -> str:
    """A label as the portal spells it (case and spaces included)."""
    if label not in table:
        raise LayoutChanged(f"{what}: unknown label {label!r}")
    return table[label]


def cascade_date(value: str, what: str) -> dt.date:
    match = re.fullmatch(S.DATE_PATTERN, value)
    if match is None or match["month"] not in S.MONTHS:
        raise LayoutChanged(f"{what}: {value!r} is not a date like 04-Mar-2026")
    try:
        return dt.date(int(match["year"]), S.MONTHS.index(match["month"]) + 1,
                       int(match["day"]))
    except ValueError:
        raise LayoutChanged(f"{what}: {value!r} is not a calendar date") from None


def usd(value: str, what: str) -> Decimal:
    match = re.fullmatch(S.MONEY_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"{what}: {value!r} is not an amount like USD 1,234.56")
    return Decimal(match["digits"].replace(",", ""))


def member_share(value: str, what: str) -> Decimal:
    """"80% covered" (what the plan pays) -> 0.2, the member's share (X12 EB08)."""
    match = re.fullmatch(S.COVERED_PATTERN, value)
    if match is None or not 0 < int(match["percent"]) <= 100:
        raise LayoutChanged(f"{what}: {value!r} is not a share like 80% covered")
    return ((Decimal(100) - Decimal(match["percent"])) / 100).normalize()


def member_id(value: str, what: str) -> str:
    if not re.fullmatch(S.MEMBER_ID_PATTERN, value):
        raise LayoutChanged(f"{what}: {value!r} is not a Cascade member ID")
    return value


# -- page structure ---------------------------------------------------------------------------

def _check_identity(page: BeautifulSoup) -> Tag:
    marker = page.select_one(S.LAYOUT_MARKER)
    if marker is None or marker.get("data-layout") != S.LAYOUT_VERSION:
        raise LayoutChanged("the page is not Cascade's known (v1) layout")
    record = p.one(page, S.RECORD, "patient record")
    title = p.text(p.one(page, S.RECORD_TITLE, "record title"), "record title")
    if title != S.RECORD_TITLE_TEXT:
        raise LayoutChanged(f"expected the patient record page, found {title!r}")
    return record


def _cards(page: BeautifulSoup) -> dict[str, Tag]:
    """Exactly the known cards, in order, each with its title."""
    cards = page.select(S.CARDS)
    found = []
    for card in cards:
        headings = card.find_all("h2")
        found.append((card.get("id"),
                      p.text(headings[0], "card title") if len(headings) == 1 else None))
    if found != list(S.CARD_TITLES):
        raise LayoutChanged(f"the record page's cards changed: {found}")
    return {str(card.get("id")): card for card in cards}


def _fields(card: Tag, fields: Fields, what: str) -> dict[str, str]:
    """A card's label/value table, row by row: each label and value id as known, in order."""
    table = p.one(card, f"table#{card.get('id')}-fields", f"{what} fields")
    rows = table.select("tbody > tr")
    if len(rows) != len(fields):
        raise LayoutChanged(f"{what}: {len(rows)} fields, expected {len(fields)}")
    values = {}
    for (key, label, cell_id), row in zip(fields, rows, strict=True):
        cells = row.find_all(["th", "td"], recursive=False)
        if [c.name for c in cells] != ["th", "td"]:
            raise LayoutChanged(f"{what}: a field row is not a label and a value")
        shown = p.text(cells[0], f"{what} label")
        if shown != label or cells[1].get("id") != cell_id:
            raise LayoutChanged(f"{what}: expected {label!r} (#{cell_id}), found {shown!r} "
                                f"(#{cells[1].get('id')})")
        values[key] = required(p.text(cells[1], f"{what} {label}"), f"{what} {label}")
    return values


def _person(values: dict[str, str], what: str) -> Person:
    relationship = (exact(S.RELATIONSHIPS, values["rel"], f"{what} relationship")
                    if "rel" in values else Relationship.SELF)
    return Person(
        member_id=member_id(values["id"], f"{what} member ID"),
        first_name=values["first"],
        last_name=values["last"],
        date_of_birth=cascade_date(values["dob"], f"{what} date of birth"),
        gender=Gender(exact(S.SEXES, values["sex"], f"{what} sex")),
        relationship=Relationship(relationship),
    )


def _coverage(values: dict[str, str]) -> tuple[Coverage, bool]:
    """The coverage, and whether it is family coverage (family deductible rows follow)."""
    terminates = values["terminates"]
    coverage = Coverage(
        status=CoverageStatus(exact(S.STATUSES, values["status"], "coverage status")),
        effective_date=cascade_date(values["effective"], "effective date"),
        termination_date=None if terminates == S.NO_END_DATE
        else cascade_date(terminates, "termination date"),
    )
    return coverage, exact(S.TIERS, values["tier"], "coverage tier") == "FAM"


def _benefits_panel(record: Tag) -> tuple[str, str]:
    """The benefits frame's address and the summary link's, from the benefits panel."""
    panel = p.one(record, S.BENEFITS_PANEL, "benefits panel")
    title = p.text(p.one(panel, "h2", "benefits panel title"), "benefits panel title")
    if title != S.BENEFITS_PANEL_TITLE:
        raise LayoutChanged(f"benefits panel: title {title!r}")
    frame = p.one(panel, S.BENEFITS_FRAME, "benefits frame")
    src = str(frame.get("src") or "")
    if not re.fullmatch(S.FRAME_SRC_PATTERN, src):
        raise LayoutChanged(f"benefits frame: unexpected address {src!r}")
    link = p.one(panel, S.SUMMARY_LINK, "benefit summary link")
    href = str(link.get("href") or "")
    if p.text(link, "summary link") != S.SUMMARY_LINK_TEXT or \
            not re.fullmatch(S.SUMMARY_HREF_PATTERN, href):
        raise LayoutChanged(f"benefit summary link changed: {p.text(link, 'summary link')!r} "
                            f"-> {href!r}")
    return src, href
