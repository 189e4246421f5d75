"""Pure helpers every carrier's parser uses: read portal text into exact values, or
fail as "layout changed". Never guess: a value that does not match its format raises."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Protocol

from bs4 import BeautifulSoup, Tag

from bots.errors import InconsistentResult, LayoutChanged, PatientMismatch
from portals.claims import ClaimResult, ClaimSearchRequest, balance_problems
from portals.model import Patient, Person

_MONEY = re.compile(r"^\(?-?\$?\s*-?[\d,]+(\.\d{1,2})?\)?$")
_PERCENT = re.compile(r"^(\d{1,3}(\.\d+)?)\s*%$")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text(node: Tag | None, what: str) -> str:
    """The whitespace-folded text of a node that must be there."""
    if node is None:
        raise LayoutChanged(f"{what} is missing from the page")
    return " ".join(node.get_text(" ", strip=True).split())


def one(root: BeautifulSoup | Tag, selector: str, what: str) -> Tag:
    found = root.select(selector)
    if len(found) != 1:
        raise LayoutChanged(f"{what} ({selector}) found {len(found)} times, expected once")
    return found[0]


def money(value: str, what: str) -> Decimal:
    raw = value.strip()
    if not _MONEY.match(raw):
        raise LayoutChanged(f"{what}: {raw!r} is not an amount of money")
    negative = raw.startswith("(") or "-" in raw
    digits = re.sub(r"[^\d.]", "", raw)
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise LayoutChanged(f"{what}: {raw!r} is not an amount of money") from None
    return -amount if negative else amount


def percent_fraction(value: str, what: str) -> Decimal:
    """"20%" -> Decimal("0.2") (X12 EB08 form)."""
    match = _PERCENT.match(value.strip())
    if not match:
        raise LayoutChanged(f"{what}: {value!r} is not a percentage")
    return (Decimal(match.group(1)) / 100).normalize()


def date(value: str, fmt: str, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(value.strip(), fmt).date()
    except ValueError:
        raise LayoutChanged(f"{what}: {value!r} is not a date in {fmt}") from None


def integer(value: str, what: str) -> int:
    raw = value.strip().replace(",", "")
    if not raw.isdigit():
        raise LayoutChanged(f"{what}: {raw!r} is not a whole number")
    return int(raw)


def lookup(table: dict[str, str], label: str, what: str) -> str:
    """Map a portal label to a code; an unknown label means the layout changed."""
    key = " ".join(label.split()).casefold()
    for name, code in table.items():
        if name.casefold() == key:
            return code
    raise LayoutChanged(f"{what}: unknown label {label!r}")


def table_rows(root: BeautifulSoup | Tag, selector: str, columns: list[str],
               what: str) -> list[dict[str, str]]:
    """Rows of a table as {header text: cell text}, read by header, not by position.

    Every column in ``columns`` must be a header of the table; a missing one means the
    layout changed. The row header cell (``th scope=row``) counts as a cell.
    """
    table = one(root, selector, what)
    headers = [text(th, f"{what} header") for th in table.select("thead th")]
    missing = [c for c in columns if c not in headers]
    if missing:
        raise LayoutChanged(f"{what}: columns {missing} not found (headers: {headers})")
    rows = []
    for tr in table.select("tbody tr"):
        cells = [text(cell, f"{what} cell") for cell in tr.find_all(["th", "td"])]
        if len(cells) != len(headers):
            raise LayoutChanged(f"{what}: a row has {len(cells)} cells for {len(headers)} "
                                "columns")
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


class PatientQuery(Protocol):
    """Who a job is for: every job kind's request names the patient this way."""

    @property
    def member_id(self) -> str: ...
    @property
    def date_of_birth(self) -> dt.date: ...
    @property
    def last_name(self) -> str: ...
    @property
    def first_name(self) -> str | None: ...


def verify_patient(member: Person | Patient, request: PatientQuery) -> None:
    """The page must be the requested patient's: member ID, date of birth, last name and,
    when asked for, first name. Anything else is PatientMismatch: nothing is read from it."""
    if member.member_id.strip().upper() != request.member_id.strip().upper():
        raise PatientMismatch("the page shows another member ID than the one requested")
    if member.date_of_birth != request.date_of_birth:
        raise PatientMismatch("the page shows another date of birth than the one requested")
    if member.last_name.casefold() != request.last_name.strip().casefold():
        raise PatientMismatch("the page shows another last name than the one requested")
    if request.first_name and member.first_name.casefold() != request.first_name.casefold():
        raise PatientMismatch("the page shows another first name than the one requested")


def verify_claims(result: ClaimResult, request: ClaimSearchRequest) -> None:
    """A claim result is stored only when every claim is the requested patient's, is one
    the search asked for, appears once, and balances (835): otherwise PatientMismatch or
    InconsistentResult, and nothing is kept."""
    seen: set[str] = set()
    for claim in result.claims:
        verify_patient(claim.patient, request)
        number = claim.claim_number.upper()
        if number in seen:
            raise InconsistentResult(f"claim {claim.claim_number} appears twice")
        seen.add(number)
        if not request.covers(claim):
            raise InconsistentResult(f"claim {claim.claim_number} is not one the search "
                                     "asked for")
        problems = balance_problems(claim)
        if problems:
            raise InconsistentResult(f"claim {claim.claim_number} does not balance: "
                                     + "; ".join(problems[:3]))
