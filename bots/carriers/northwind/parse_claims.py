"""Northwind's claims screens -> claims. Pure functions over the HTML the SPA rendered
(the claims list and the claim detail drawer): no browser, tested on saved pages.

Read by ids, labels and exact headers, never by position alone; every value's format is
checked, a status word the bot does not know (or a badge of another colour) is a layout
change, and so is anything missing or extra. Northwind shows no remark codes (RARC) and
no tooth or surfaces: those stay None.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.parse import _Screen, _table_rows, long_date, money
from bots.errors import LayoutChanged
from portals.claims import (
    Adjustment,
    AdjustmentGroup,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimStatusCategory,
    Payment,
    PaymentMethod,
    Provider,
)
from portals.model import Patient

_PROVIDER = re.compile(S.PROVIDER_PATTERN)
_PLACE = re.compile(S.PLACE_PATTERN)
_PROCEDURE = re.compile(S.PROCEDURE_PATTERN)
_COUNT = re.compile(S.CLAIMS_COUNT_PATTERN)
_END = re.compile(S.CLAIMS_END_PATTERN)
_EOB_FILE = re.compile(S.EOB_FILENAME_PATTERN)
_CARC = re.compile(r"^(\d{1,3}|[A-Z]\d{1,2})$")


@dataclass(frozen=True)
class ClaimRow:
    """One row of the claims list (or one summary of the list's JSON)."""

    ref: str
    claim_number: str
    service_from: dt.date
    service_to: dt.date
    billed: Decimal
    paid: Decimal
    status: str
    """The status in the portal's words."""


@dataclass(frozen=True)
class ReadClaim:
    """A claim as read from the drawer (or the detail JSON), and its EOB file, if any."""

    claim: Claim
    eob_filename: str | None


def status(words: str, what: str, badge: str | None = None) -> ClaimStatusCategory:
    """The 277 category of a status word (and its badge colour, when given)."""
    category, _code, colour = _status(words, what)
    if badge is not None and badge != colour:
        raise LayoutChanged(f"{what}: {words!r} shows a {badge!r} badge, expected {colour!r}")
    return category


def _status(words: str, what: str) -> tuple[ClaimStatusCategory, str, str]:
    found = S.CLAIM_STATUSES.get(words)
    if found is None:
        raise LayoutChanged(f"{what}: unknown claim status {words!r}")
    category, code, colour = found
    return ClaimStatusCategory(category), code, colour


def claim_status(words: str, date: dt.date, what: str, badge: str | None = None
                 ) -> ClaimStatus:
    category = status(words, what, badge)
    return ClaimStatus(category=category, code=_status(words, what)[1], portal_text=words,
                       date=date)


def date_range(value: str, what: str) -> tuple[dt.date, dt.date]:
    """``Jul 20, 2025`` or ``Jul 20, 2025 – Jul 22, 2025``."""
    parts = value.split(S.DATE_RANGE_SEPARATOR)
    if len(parts) == 1:
        day = long_date(parts[0], what)
        return day, day
    if len(parts) != 2:
        raise LayoutChanged(f"{what}: {value!r} is not a date or a date range")
    start, end = long_date(parts[0], what), long_date(parts[1], what)
    if end <= start:
        raise LayoutChanged(f"{what}: {value!r} does not run forward")
    return start, end


def procedure(value: str, what: str) -> str:
    if not _PROCEDURE.match(value):
        raise LayoutChanged(f"{what}: {value!r} is not a procedure code")
    return value


def carc(value: str, what: str) -> str:
    if not _CARC.match(value):
        raise LayoutChanged(f"{what}: {value!r} is not an adjustment reason code")
    return value


def group(value: str, what: str) -> AdjustmentGroup:
    try:
        return AdjustmentGroup(value)
    except ValueError:
        raise LayoutChanged(f"{what}: {value!r} is not an adjustment group") from None


def eob_filename(value: str, what: str) -> str:
    if not _EOB_FILE.match(value):
        raise LayoutChanged(f"{what}: {value!r} is not an EOB file name")
    return value


# -- the claims list ---------------------------------------------------------------------
def parse_claims_list(html: str | BeautifulSoup) -> list[ClaimRow]:
    """Every row of the claims list, in order; the count line must say they are all
    shown (read after the last "Load more")."""
    page = p.soup(html) if isinstance(html, str) else html
    output = p.one(page, S.CLAIMS_OUTPUT, "claims output")
    table = p.one(output, S.CLAIMS_LIST, "claims list")
    trs = table.select("tbody > tr")
    rows = _table_rows(table, S.CLAIMS_LIST_COLUMNS, "claims list")
    found = []
    for tr, row in zip(trs, rows, strict=True):
        ref = tr.get("data-ref")
        if not isinstance(ref, str) or not ref:
            raise LayoutChanged("claims list: a row has no reference")
        if row["Details"] != S.VIEW_CLAIM_TEXT or len(tr.select(S.VIEW_CLAIM)) != 1:
            raise LayoutChanged(f"claims list: action {row['Details']!r}")
        badges = tr.select("span.nw-badge")
        if len(badges) != 1:
            raise LayoutChanged("claims list: the status is not one badge")
        words = row["Status"]
        status(words, "claims list status", _badge_colour(badges[0]))
        start, end = date_range(row["Dates of service"], "claims list dates of service")
        found.append(ClaimRow(ref=ref, claim_number=row["Claim number"], service_from=start,
                              service_to=end, billed=money(row["Billed"], "list billed"),
                              paid=money(row["Paid"], "list paid"), status=words))
    count = _COUNT.match(p.text(p.one(output, S.CLAIMS_COUNT, "claims count"), "claims count"))
    end_note = _END.match(p.text(p.one(output, S.CLAIMS_END, "claims end"), "claims end"))
    if count is None or end_note is None:
        raise LayoutChanged("claims list: the count or the end note is worded differently")
    shown, total = int(count.group(1)), int(count.group(2))
    if not shown == total == int(end_note.group(1)) == len(found):
        raise LayoutChanged(f"claims list: {len(found)} rows, but the screen says {shown} of "
                            f"{total} shown")
    if output.select(S.CLAIMS_MORE):
        raise LayoutChanged("claims list: 'Load more' is still offered after the end note")
    return found


def _badge_colour(badge: Tag) -> str:
    colours = [c[len(S.BADGE_CLASS_PREFIX):] for c in badge.get_attribute_list("class")
               if c.startswith(S.BADGE_CLASS_PREFIX)]
    if len(colours) != 1:
        raise LayoutChanged("a status badge has no single colour")
    return colours[0]


# -- the detail drawer -------------------------------------------------------------------
def parse_claim_drawer(html: str | BeautifulSoup) -> ReadClaim:
    """The claim the detail drawer shows: every field, line, adjustment and payment."""
    page = p.soup(html) if isinstance(html, str) else html
    drawer = p.one(page, S.DRAWER, "claim detail drawer")
    screen = _Screen(drawer)
    value = {key: _value(screen, key) for key in S.CLAIM if key not in ("patient", "status")}
    number = value["number"]
    title = p.text(screen.one(S.DRAWER_TITLE, "h3", "drawer title"), "drawer title")
    if title != S.DRAWER_TITLE_PREFIX + number:
        raise LayoutChanged(f"the drawer is titled {title!r}, not for claim {number!r}")
    status_dd = _dd(screen, "status")
    badges = status_dd.find_all("span")
    if len(badges) != 1 or p.text(status_dd, "status") != p.text(badges[0], "status"):
        raise LayoutChanged("the claim status is not one badge")
    words = p.text(badges[0], "status")
    claim_state = claim_status(words, long_date(value["status_date"], "status date"),
                               "claim status", _badge_colour(badges[0]))
    lines = _lines(screen)
    allowed = None if value["allowed"] == S.NOT_YET else money(value["allowed"], "allowed")
    claim = Claim(
        claim_number=number,
        patient_account_number=None if value["account"] == S.NONE_SHOWN else value["account"],
        patient=_patient(screen, value),
        service_from=long_date(value["from"], "service from"),
        service_to=long_date(value["to"], "service to"),
        billing_provider=_provider(value["billing"], "billing provider"),
        rendering_provider=None if value["rendering"] == S.NO_RENDERING
        else _provider(value["rendering"], "rendering provider"),
        place_of_service=_place(value["pos"]),
        status=claim_state,
        billed=money(value["billed"], "billed"),
        allowed=allowed,
        paid=money(value["paid"], "paid"),
        patient_responsibility=money(value["patient_responsibility"],
                                     "patient responsibility"),
        lines=lines,
        payments=_payments(screen),
    )
    return ReadClaim(claim, _eob(screen))


def _dd(screen: _Screen, key: str) -> Tag:
    element_id, label = S.CLAIM[key]
    dd = screen.one(element_id, "dd", f"claim {key}")
    dt_tag = dd.find_previous_sibling()
    if not isinstance(dt_tag, Tag) or dt_tag.name != "dt" or \
            p.text(dt_tag, f"claim {key} label") != label:
        raise LayoutChanged(f"claim {key} is not labelled {label!r}")
    return dd


def _value(screen: _Screen, key: str) -> str:
    dd = _dd(screen, key)
    if dd.find(True) is not None:
        raise LayoutChanged(f"claim {key} holds markup, expected plain text")
    return p.text(dd, f"claim {key}")


def _patient(screen: _Screen, value: dict[str, str]) -> Patient:
    name = _dd(screen, "patient")
    if [tag.name for tag in name.find_all(True)] != ["span", "span"]:
        raise LayoutChanged("the claim's patient name is not a given and a family name")
    given = name.find_all("span", class_=S.GIVEN_NAME_CLASS)
    family = name.find_all("span", class_=S.FAMILY_NAME_CLASS)
    if len(given) != 1 or len(family) != 1:
        raise LayoutChanged("the claim's patient name is not a given and a family name")
    first, last = p.text(given[0], "given name"), p.text(family[0], "family name")
    if not first or not last or p.text(name, "patient name") != f"{first} {last}":
        raise LayoutChanged("the claim's patient name is not 'Given Family'")
    return Patient(member_id=value["member_id"], first_name=first, last_name=last,
                   date_of_birth=long_date(value["dob"], "patient date of birth"))


def _provider(value: str, what: str) -> Provider:
    match = _PROVIDER.match(value)
    if not match:
        raise LayoutChanged(f"{what}: {value!r} is not 'Name · NPI 1234567890'")
    return Provider(npi=match.group(2), name=match.group(1))


def _place(value: str) -> str:
    match = _PLACE.match(value)
    if not match or S.PLACES.get(match.group(2)) != match.group(1):
        raise LayoutChanged(f"place of service {value!r} is not a known 'Name (code)'")
    return match.group(2)


def _lines(screen: _Screen) -> list[ClaimLine]:
    rows = screen.rows(S.CLAIM_LINES_TABLE, S.CLAIM_LINE_COLUMNS, "service lines")
    adjustments: dict[int, list[Adjustment]] = {}
    for row in screen.rows(S.CLAIM_ADJUSTMENTS_TABLE, S.CLAIM_ADJUSTMENT_COLUMNS,
                           "adjustments"):
        number = p.integer(row["Line"], "adjustment line")
        adjustments.setdefault(number, []).append(Adjustment(
            group=group(row["Group"], "adjustment group"),
            reason=carc(row["Reason"], "adjustment reason"),
            amount=money(row["Amount"], "adjustment amount")))
    lines = []
    for index, row in enumerate(rows, start=1):
        number = p.integer(row["Line"], "line number")
        if number != index:
            raise LayoutChanged(f"service line {index} is numbered {row['Line']!r}")
        modifiers = [] if row["Modifiers"] == S.NONE_SHOWN \
            else row["Modifiers"].split(S.MODIFIER_SEPARATOR)
        if any(not re.fullmatch(r"[A-Z0-9]{2}", m) for m in modifiers):
            raise LayoutChanged(f"line {number}: modifiers {row['Modifiers']!r}")
        units = p.integer(row["Units"], "units")
        lines.append(ClaimLine(
            line_number=number,
            procedure_code=procedure(row["Procedure"], "procedure"),
            modifiers=modifiers,
            units=Decimal(units),
            service_date=long_date(row["Service date"], "line service date"),
            billed=money(row["Billed"], "line billed"),
            allowed=None if row["Allowed"] == S.NOT_YET else money(row["Allowed"],
                                                                   "line allowed"),
            paid=money(row["Paid"], "line paid"),
            adjustments=adjustments.pop(number, []),
        ))
    if adjustments:
        raise LayoutChanged(f"adjustments name lines {sorted(adjustments)} the claim lacks")
    return lines


def _payments(screen: _Screen) -> list[Payment]:
    return [Payment(method=PaymentMethod(p.lookup(S.PAYMENT_METHODS, row["Method"],
                                                  "payment method")),
                    number=row["Number"], date=long_date(row["Date"], "payment date"),
                    amount=money(row["Amount"], "payment amount"))
            for row in screen.rows(S.CLAIM_PAYMENTS_TABLE, S.CLAIM_PAYMENT_COLUMNS,
                                   "payments")]


def _eob(screen: _Screen) -> str | None:
    links = screen.ids.get(S.EOB_LINK_ID, [])
    none = screen.ids.get(S.NO_EOB_ID, [])
    if len(links) + len(none) != 1:
        raise LayoutChanged("the drawer neither offers an EOB nor says there is none")
    if none:
        return None
    link = links[0]
    if link.name != "a" or p.text(link, "EOB link") != S.EOB_TEXT:
        raise LayoutChanged("the EOB link is not the known 'Download EOB (PDF)' link")
    name = link.get("download")
    if not isinstance(name, str):
        raise LayoutChanged("the EOB link names no file")
    return eob_filename(name, "EOB link")
