"""Meridian's claims pages -> claim rows and normalized claims. Pure functions over the page
HTML: no browser, tested on saved pages.

As strict as the eligibility parser (whose label/value reader and value formats it uses):
the known layout marker, page title and sections in order, every label and its id,
exact table headers in order, every value in Meridian's own format, and a result list
whose pager, count and rows agree. Anything else raises LayoutChanged; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.parse import _date, _details, _money, _required
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


@dataclass(frozen=True)
class ClaimRow:
    """One row of the result list: the claim, whose it is, and its detail page."""

    claim_number: str
    member_id: str
    href: str


@dataclass(frozen=True)
class ClaimListPage:
    rows: list[ClaimRow]
    page: int
    pages: int
    total: int
    next_href: str | None


@dataclass(frozen=True)
class Remittance:
    """The EOB PDF a payment row links to."""

    payment_number: str
    href: str
    filename: str


@dataclass(frozen=True)
class ClaimPage:
    claim: Claim
    remittances: list[Remittance]


# -- the result list -------------------------------------------------------------------------

def parse_claim_list(html: str) -> ClaimListPage:
    """One page of search results: its rows, where it stands and the next page's link."""
    page = p.soup(html)
    root = _known_page(page, S.CLAIM_RESULTS, S.CLAIM_RESULTS_TITLE,
                       S.CLAIM_RESULTS_TITLE_TEXT)
    number, pages = _ints(S.PAGER_PATTERN, p.text(p.one(root, S.PAGER_STATUS, "pager"),
                                                   "pager"), "pager")
    first, last, total = _ints(S.CLAIM_RESULTS_COUNT_PATTERN, p.text(
        p.one(root, S.CLAIM_RESULTS_COUNT, "result count"), "result count"), "result count")
    rows = [_list_row(cells) for cells in _table(root, S.CLAIMS_TABLE, S.CLAIMS_COLUMNS,
                                                 "claims list")]
    expected_rows = min(S.PAGE_SIZE, total - (number - 1) * S.PAGE_SIZE)
    if not 1 <= number <= pages or pages != -(-total // S.PAGE_SIZE) \
            or len(rows) != expected_rows or first != (number - 1) * S.PAGE_SIZE + 1 \
            or last != first + len(rows) - 1:
        raise LayoutChanged(f"claims list: page {number} of {pages}, rows {first}-{last} of "
                            f"{total} and {len(rows)} rows shown do not agree")
    links = root.select(S.PAGER_NEXT)
    if len(links) != (1 if number < pages else 0):
        raise LayoutChanged(f"claims list: page {number} of {pages} has {len(links)} Next "
                            "links")
    next_href = None
    if links:
        next_href = _href(links[0], rf"{S.RESULTS_HREF_PATTERN}\?page={number + 1}",
                          "Next link")
    return ClaimListPage(rows=rows, page=number, pages=pages, total=total,
                         next_href=next_href)


def _list_row(cells: dict[str, Tag]) -> ClaimRow:
    number = _pattern(p.text(cells["Claim Number"], "claim number"), S.CLAIM_NUMBER_PATTERN,
                      "claim number")
    links = cells["Claim Number"].select(S.CLAIM_LINK)
    if len(links) != 1 or p.text(links[0], "claim link") != number:
        raise LayoutChanged(f"claims list: the row of {number} has no single link to it")
    href = _href(links[0], rf"{S.RESULTS_HREF_PATTERN}/claim/{number}", "claim link")
    member_id = _pattern(p.text(cells["Member ID"], "member ID"), S.MEMBER_ID_PATTERN,
                         "member ID")
    return ClaimRow(claim_number=number, member_id=member_id, href=href)


# -- the claim detail page ---------------------------------------------------------------------

def parse_claim_detail(html: str) -> ClaimPage:
    """The claim a detail page shows, and the EOB PDFs its payments link to."""
    page = p.soup(html)
    root = _known_page(page, S.CLAIM_DETAIL, S.CLAIM_DETAIL_TITLE, S.CLAIM_DETAIL_TITLE_TEXT)
    _check_sections(root)
    summary = _details(root, S.CLAIM_SUMMARY_DETAILS, S.CLAIM_SUMMARY, "claim summary")
    who = _details(root, S.CLAIM_PATIENT_DETAILS, S.CLAIM_PATIENT, "claim patient")
    providers = _details(root, S.CLAIM_PROVIDER_DETAILS, S.CLAIM_PROVIDERS, "providers")
    totals = _details(root, S.CLAIM_TOTAL_DETAILS, S.CLAIM_TOTALS, "claim totals")
    number = _pattern(summary["number"], S.CLAIM_NUMBER_PATTERN, "claim number")
    start, end = _service_dates(summary["dates"])
    category = ClaimStatusCategory(_exact(S.CLAIM_STATUSES, summary["status"], "claim status"))
    payments, remittances = _payments(root, number)
    claim = Claim(
        claim_number=number,
        patient_account_number=_optional(summary["account"], S.ACCOUNT_NUMBER_PATTERN,
                                         "patient account number"),
        patient=_patient(who),
        service_from=start,
        service_to=end,
        billing_provider=_provider(providers["billing_npi"], providers["billing_name"],
                                   "billing provider"),
        rendering_provider=None if providers["rendering_npi"] == S.EMPTY
        and providers["rendering_name"] == S.EMPTY
        else _provider(providers["rendering_npi"], providers["rendering_name"],
                       "rendering provider"),
        place_of_service=_pattern(summary["place"], S.PLACE_PATTERN, "place of service"),
        status=ClaimStatus(
            category=category,
            code=_optional(summary["status_code"], S.STATUS_CODE_PATTERN, "status code"),
            portal_text=summary["status"],
            date=_date(summary["status_date"], "status date"),
        ),
        billed=_money(totals["billed"], "total billed"),
        allowed=_optional_money(totals["allowed"], "total allowed"),
        paid=_money(totals["paid"], "total paid"),
        patient_responsibility=_money(totals["patient"], "patient responsibility"),
        lines=_lines(root),
        payments=payments,
    )
    return ClaimPage(claim=claim, remittances=remittances)


def _check_sections(root: Tag) -> None:
    found = []
    for section in root.find_all("section", recursive=False):
        headings = section.find_all("h2")
        heading = p.text(headings[0], "section heading") if len(headings) == 1 else None
        found.append((section.get("id"), heading))
    if found != list(S.CLAIM_SECTIONS):
        raise LayoutChanged(f"the claim page's sections changed: {found}")


def _patient(values: dict[str, str]) -> Patient:
    last, sep, first = values["name"].partition(", ")
    if not sep or not last or not first or "," in first:
        raise LayoutChanged(f"patient name {values['name']!r} is not 'Last, First'")
    return Patient(member_id=_pattern(values["id"], S.MEMBER_ID_PATTERN, "patient member ID"),
                   first_name=first, last_name=last,
                   date_of_birth=_date(values["dob"], "patient date of birth"))


def _provider(npi: str, name: str, what: str) -> Provider:
    return Provider(npi=_pattern(npi, S.NPI_PATTERN, f"{what} NPI"),
                    name=None if name == S.EMPTY else name)


def _service_dates(value: str) -> tuple[dt.date, dt.date]:
    match = re.fullmatch(S.DATE_RANGE_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"dates of service {value!r} are not 'MM/DD/YYYY - MM/DD/YYYY'")
    start, end = (_date(match.group(i), "date of service") for i in (1, 2))
    if end < start:
        raise LayoutChanged(f"dates of service {value!r} end before they start")
    return start, end


def _lines(root: Tag) -> list[ClaimLine]:
    lines = []
    for cells in _table(root, S.CLAIM_LINES_TABLE, S.CLAIM_LINE_COLUMNS, "service lines"):
        text = {column: _required(p.text(cell, f"line {column}"), f"line {column}")
                for column, cell in cells.items()}
        number = _pattern(text["Line"], r"[1-9]\d{0,2}", "line number")
        modifiers = [] if text["Modifiers"] == S.EMPTY else [
            _pattern(m, S.MODIFIER_PATTERN, "modifier") for m in text["Modifiers"].split(", ")]
        lines.append(ClaimLine(
            line_number=int(number),
            procedure_code=_pattern(text["Procedure"], S.PROCEDURE_PATTERN, "procedure code"),
            modifiers=modifiers,
            units=Decimal(_pattern(text["Units"], S.UNITS_PATTERN, "units")),
            service_date=_date(text["Service Date"], "line service date"),
            billed=_money(text["Billed"], "line billed"),
            allowed=_optional_money(text["Allowed"], "line allowed"),
            paid=_money(text["Paid"], "line paid"),
            adjustments=_adjustments(cells["Adjustments"], text["Adjustments"]),
        ))
    if [line.line_number for line in lines] != list(range(1, len(lines) + 1)):
        raise LayoutChanged("service lines are not numbered 1, 2, ... in order")
    return lines


def _adjustments(cell: Tag, shown: str) -> list[Adjustment]:
    items = cell.select(S.ADJUSTMENT_ITEMS)
    if not items:
        if shown != S.EMPTY:
            raise LayoutChanged(f"adjustments {shown!r} are not a list of adjustments")
        return []
    if len(cell.find_all(recursive=False)) != 1:
        raise LayoutChanged("the adjustments cell holds more than its list")
    adjustments = []
    for item in items:
        value = p.text(item, "adjustment")
        match = re.fullmatch(S.ADJUSTMENT_PATTERN, value)
        if match is None:
            raise LayoutChanged(f"adjustment {value!r} is not like 'CO-45 $12.00 [RARC N115]'")
        group, reason, amount, remark = match.groups()
        adjustments.append(Adjustment(group=AdjustmentGroup(group), reason=reason,
                                      amount=_money(amount.lstrip("-"), "adjustment")
                                      * (-1 if amount.startswith("-") else 1),
                                      remark=remark))
    return adjustments


def _payments(root: Tag, number: str) -> tuple[list[Payment], list[Remittance]]:
    section = p.one(root, "#claim-payments-section", "payments section")
    tables, none = section.select(S.PAYMENTS_TABLE), section.select(S.NO_PAYMENTS)
    if len(tables) + len(none) != 1:
        raise LayoutChanged("the payments section shows neither one payments table nor "
                            "the no-payments notice")
    if none:
        if p.text(none[0], "no payments") != S.NO_PAYMENTS_TEXT:
            raise LayoutChanged(f"unknown payments notice {p.text(none[0], 'notice')!r}")
        return [], []
    payments, remittances = [], []
    for cells in _table(section, S.PAYMENTS_TABLE, S.PAYMENT_COLUMNS, "payments"):
        text = {column: _required(p.text(cell, f"payment {column}"), f"payment {column}")
                for column, cell in cells.items()}
        reference = _pattern(text["Check/EFT Number"], S.PAYMENT_NUMBER_PATTERN,
                             "check/EFT number")
        payments.append(Payment(
            method=PaymentMethod(_exact(S.PAYMENT_METHODS, text["Payment Method"],
                                        "payment method")),
            number=reference,
            date=_date(text["Payment Date"], "payment date"),
            amount=_money(text["Amount"], "payment amount"),
        ))
        links = cells["Remittance"].select(S.EOB_LINK)
        if len(links) != 1:
            raise LayoutChanged(f"payment {reference}: {len(links)} EOB links, expected one")
        filename = links[0].get("download")
        if not isinstance(filename, str) or not re.fullmatch(S.EOB_FILENAME_PATTERN,
                                                             filename):
            raise LayoutChanged(f"payment {reference}: EOB file name {filename!r} unknown")
        remittances.append(Remittance(
            payment_number=reference, filename=filename,
            href=_href(links[0], rf"{S.RESULTS_HREF_PATTERN}/claim/{number}/eob/"
                       + re.escape(reference), "EOB link")))
    return payments, remittances


# -- building blocks ---------------------------------------------------------------------------

def _known_page(page: BeautifulSoup, root: str, title: str, title_text: str) -> Tag:
    marker = page.select_one(S.LAYOUT_MARKER)
    if marker is None or marker.get("data-layout") != S.LAYOUT_VERSION:
        raise LayoutChanged("the page is not Meridian's known (v1) layout")
    found = p.one(page, root, "page content")
    shown = p.text(page.select_one(title), "page title")
    if shown != title_text:
        raise LayoutChanged(f"expected the page {title_text!r}, found {shown!r}")
    return found


def _table(root: Tag, selector: str, columns: list[str], what: str) -> list[dict[str, Tag]]:
    """Body rows as {header: cell}; the headers exactly ``columns``, in that order."""
    table = p.one(root, selector, what)
    headers = [p.text(th, f"{what} header") for th in table.select("thead th")]
    if headers != columns:
        raise LayoutChanged(f"{what}: headers {headers}, expected exactly {columns}")
    rows = []
    for tr in table.select("tbody tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        if len(cells) != len(columns):
            raise LayoutChanged(f"{what}: a row has {len(cells)} cells for {len(columns)} "
                                "columns")
        rows.append(dict(zip(columns, cells, strict=True)))
    return rows


def _ints(pattern: str, value: str, what: str) -> tuple[int, ...]:
    match = re.fullmatch(pattern, value)
    if match is None:
        raise LayoutChanged(f"{what}: {value!r} is not like {pattern!r}")
    return tuple(int(group) for group in match.groups())


def _pattern(value: str, pattern: str, what: str) -> str:
    if not re.fullmatch(pattern, value):
        raise LayoutChanged(f"{what}: {value!r} is not in the known format")
    return value


def _optional(value: str, pattern: str, what: str) -> str | None:
    return None if value == S.EMPTY else _pattern(value, pattern, what)


def _optional_money(value: str, what: str) -> Decimal | None:
    return None if value == S.EMPTY else _money(value, what)


def _exact(table: dict[str, str], label: str, what: str) -> str:
    if label not in table:
        raise LayoutChanged(f"{what}: unknown label {label!r}")
    return table[label]


def _href(link: Tag, pattern: str, what: str) -> str:
    href = link.get("href")
    if not isinstance(href, str) or not re.fullmatch(pattern, href):
        raise LayoutChanged(f"{what}: unexpected target {href!r}")
    return href
