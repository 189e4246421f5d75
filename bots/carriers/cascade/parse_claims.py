"""Cascade Dental's claims pages -> claims. Pure functions over the page HTML, tested on
saved pages (``fixtures/html/cascade/saved/``).

Strict on purpose, like :mod:`.parse`: the known layout marker and page titles, the
known cards with their labels in order, tables with exactly the known headers in the
known order, every value in Cascade's own format (``04-Mar-2026``, ``USD 1,234.56``,
``CO-45 USD 33.35``, ``Office (11)``) and the portal's own status words. Anything else
raises LayoutChanged: a moved column, a renamed label or a missing field is never
guessed at.

What Cascade shows, and so what is read: no 277 status code (``ClaimStatus.code`` stays
None); allowed amounts ("Pending" before adjudication: None); a line's RARC only in the
line's "Remark" column, which is kept on the line's one adjustment (835 puts remarks at
line level; a remark on a line with no or several adjustments cannot be placed and
raises LayoutChanged).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.cascade import selectors as S
from bots.carriers.cascade.parse import _fields as card_fields
from bots.carriers.cascade.parse import cascade_date, member_id, required
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
from portals.x12codes import PLACES_OF_SERVICE


@dataclass(frozen=True)
class ClaimLink:
    number: str
    href: str


@dataclass(frozen=True)
class ListPage:
    """One page of search results: the claims it lists and where the next page is."""

    links: list[ClaimLink]
    page: int
    pages: int
    count: int
    next_href: str | None


@dataclass(frozen=True)
class DetailPage:
    claim: Claim
    eob_href: str | None


# -- values -------------------------------------------------------------------------------

def money(value: str, what: str) -> Decimal:
    match = re.fullmatch(S.CLAIM_MONEY_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"{what}: {value!r} is not an amount like USD 1,234.56")
    return Decimal(match["digits"].replace(",", ""))


def money_or_pending(value: str, what: str) -> Decimal | None:
    return None if value == S.PENDING else money(value, what)


def optional(value: str, pattern: str, what: str) -> str | None:
    """A value in ``pattern``, or None where the portal shows "None"."""
    if value == S.NONE_SHOWN:
        return None
    if not re.fullmatch(pattern, value):
        raise LayoutChanged(f"{what}: {value!r} is not in the expected format")
    return value


def service_dates(value: str, what: str) -> tuple[dt.date, dt.date]:
    """``04-Mar-2026`` or ``04-Mar-2026 to 06-Mar-2026``."""
    parts = value.split(S.DATE_RANGE_SEPARATOR)
    if len(parts) == 1:
        day = cascade_date(parts[0], what)
        return day, day
    if len(parts) != 2:
        raise LayoutChanged(f"{what}: {value!r} is not a date or a date range")
    start, end = cascade_date(parts[0], what), cascade_date(parts[1], what)
    if end <= start:
        raise LayoutChanged(f"{what}: {value!r} does not run forwards")
    return start, end


def place_of_service(value: str) -> str:
    match = re.fullmatch(S.PLACE_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"place of service: {value!r} is not like 'Office (11)'")
    known = PLACES_OF_SERVICE.get(match["code"])
    if known is not None and known != match["name"]:
        raise LayoutChanged(f"place of service: {value!r} names code {match['code']} "
                            f"otherwise ({known!r})")
    return match["code"]


def adjustments(value: str, what: str) -> list[Adjustment]:
    """``CO-45 USD 33.35; PR-2 USD 8.00`` or "None"."""
    if value == S.NONE_SHOWN:
        return []
    found = []
    for part in value.split(S.ADJUSTMENT_SEPARATOR):
        match = re.fullmatch(S.ADJUSTMENT_PATTERN, part)
        if match is None:
            raise LayoutChanged(f"{what}: {part!r} is not an adjustment like CO-45 USD 10.00")
        found.append(Adjustment(group=AdjustmentGroup(match["group"]), reason=match["reason"],
                                amount=money(match["amount"], what)))
    return found


def status_category(value: str) -> ClaimStatusCategory:
    if value not in S.CLAIM_STATUSES:
        raise LayoutChanged(f"claim status: unknown words {value!r}")
    return ClaimStatusCategory(S.CLAIM_STATUSES[value])


# -- structure ----------------------------------------------------------------------------

def _page(html: str, root: str, title_selector: str, title_text: str) -> Tag:
    """The known layout, the page's root element and its title, or LayoutChanged."""
    page = p.soup(html)
    marker = page.select_one(S.LAYOUT_MARKER)
    if marker is None or marker.get("data-layout") != S.LAYOUT_VERSION:
        raise LayoutChanged("the page is not Cascade's known (v1) layout")
    found = p.one(page, root, "page content")
    title = p.text(p.one(page, title_selector, "page title"), "page title")
    if title != title_text:
        raise LayoutChanged(f"expected the {title_text!r} page, found {title!r}")
    return found


def grid(root: BeautifulSoup | Tag, table_id: str, headers: list[str], what: str
         ) -> list[list[str]]:
    """A table's body rows as cell texts: exactly ``headers`` in this order, each row a
    row-header cell and one cell per further column."""
    table = p.one(root, f"table#{table_id}", what)
    shown = [p.text(th, f"{what} header") for th in table.select("thead > tr > th")]
    if shown != headers:
        raise LayoutChanged(f"{what}: columns {shown}, expected {headers}")
    rows = []
    for tr in table.select("tbody > tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        if len(cells) != len(headers) or cells[0].name != "th" or \
                any(c.name != "td" for c in cells[1:]):
            raise LayoutChanged(f"{what}: a row does not fit the {len(headers)} columns")
        rows.append([p.text(c, f"{what} cell") for c in cells])
    return rows


def section(root: Tag, spec: tuple[str, str, str], headers: list[str]) -> list[list[str]]:
    section_id, heading, table_id = spec
    found = p.one(root, f"section#{section_id}", heading)
    title = p.text(p.one(found, "h2", f"{heading} title"), f"{heading} title")
    if title != heading:
        raise LayoutChanged(f"section #{section_id}: title {title!r}, expected {heading!r}")
    return grid(found, table_id, headers, heading)


# -- the results list ------------------------------------------------------------------------

def parse_claim_list(html: str) -> ListPage:
    """One results page: the claims it lists (claim number, detail link), its place in the
    paging, the total the portal counts, and the next page's link."""
    results = _page(html, S.CLAIM_RESULTS, "h1#claim-results-title", "Claims")
    empty = results.select(S.NO_CLAIMS)
    table = results.select(S.CLAIM_LIST)
    if empty:
        if table or len(empty) != 1 or p.text(empty[0], "no claims") != S.NO_CLAIMS_TEXT:
            raise LayoutChanged("the results page says both that it has claims and none")
        return ListPage(links=[], page=1, pages=1, count=0, next_href=None)
    rows = grid(results, "claim-list", S.CLAIM_LIST_COLUMNS, "claims list")
    cells = results.select("table#claim-list > tbody > tr > th")
    links = []
    for row, header in zip(rows, cells, strict=True):
        number = row[0]
        anchors = header.select(S.CLAIM_LINK)
        href = str(anchors[0].get("href") or "") if len(anchors) == 1 else ""
        if not re.fullmatch(S.CLAIM_NUMBER_PATTERN, number) or \
                not re.fullmatch(S.CLAIM_LINK_PATTERN, href):
            raise LayoutChanged(f"claims list: row {number!r} has no claim link")
        member_id(row[2], "claims list member ID")
        links.append(ClaimLink(number=number, href=href))
    if not links:
        raise LayoutChanged("the claims list has no rows and no 'no claims' message")
    status = re.fullmatch(S.PAGE_STATUS_PATTERN,
                          p.text(p.one(results, S.PAGE_STATUS, "page status"), "page status"))
    count = re.fullmatch(S.CLAIM_COUNT_PATTERN,
                         p.text(p.one(results, S.CLAIM_COUNT, "claim count"), "claim count"))
    if status is None or count is None:
        raise LayoutChanged("the claims list does not say which page it is or how many claims")
    page, pages = int(status["page"]), int(status["pages"])
    nexts = results.select(S.NEXT_PAGE)
    next_href = None
    if page < pages:
        href = str(nexts[0].get("href") or "") if len(nexts) == 1 else ""
        match = re.fullmatch(S.NEXT_PAGE_PATTERN, href)
        if match is None or int(match["page"]) != page + 1:
            raise LayoutChanged(f"page {page} of {pages} has no link to the next page")
        next_href = href
    elif nexts or page != pages:
        raise LayoutChanged(f"page {page} of {pages} is the last but links further")
    return ListPage(links=links, page=page, pages=pages, count=int(count["count"]),
                    next_href=next_href)


# -- the claim detail ---------------------------------------------------------------------------

def _cards(detail: Tag) -> dict[str, Tag]:
    cards = detail.select(S.CLAIM_CARDS)
    found = []
    for card in cards:
        headings = card.find_all("h2")
        found.append((card.get("id"),
                      p.text(headings[0], "card title") if len(headings) == 1 else None))
    if found != list(S.CLAIM_CARD_TITLES):
        raise LayoutChanged(f"the claim page's cards changed: {found}")
    return {str(card.get("id")): card for card in cards}


def _provider(name: str, npi: str, what: str) -> Provider | None:
    if name == S.NONE_SHOWN and npi == S.NONE_SHOWN:
        return None
    if not re.fullmatch(S.NPI_PATTERN, npi) or name == S.NONE_SHOWN:
        raise LayoutChanged(f"{what}: {name!r} / {npi!r} is not a named provider with an NPI")
    return Provider(npi=npi, name=name)


def _line(row: list[str]) -> ClaimLine:
    (number, served, code, modifiers, tooth, surfaces, units, billed, allowed, adjusted,
     paid, remark) = row
    what = f"procedure line {number}"
    shown = adjustments(adjusted, f"{what} adjustments")
    rarc = optional(remark, S.RARC_PATTERN, f"{what} remark")
    if rarc is not None:
        if len(shown) != 1:
            raise LayoutChanged(f"{what}: a remark on a line with {len(shown)} adjustments "
                                "cannot be placed")
        shown = [shown[0].model_copy(update={"remark": rarc})]
    if not re.fullmatch(S.CDT_PATTERN, code):
        raise LayoutChanged(f"{what}: {code!r} is not a CDT code")
    if not re.fullmatch(S.UNITS_PATTERN, units):
        raise LayoutChanged(f"{what}: {units!r} is not a number of units")
    mods = optional(modifiers, S.MODIFIERS_PATTERN, f"{what} modifiers")
    return ClaimLine(
        line_number=p.integer(number, "line number"),
        procedure_code=code,
        modifiers=mods.split() if mods else [],
        units=Decimal(units),
        service_date=cascade_date(served, f"{what} date of service"),
        billed=money(billed, f"{what} billed"),
        allowed=money_or_pending(allowed, f"{what} allowed"),
        paid=money(paid, f"{what} paid"),
        adjustments=shown,
        tooth=optional(tooth, S.TOOTH_PATTERN, f"{what} tooth"),
        surfaces=optional(surfaces, S.SURFACES_PATTERN, f"{what} surfaces"),
    )


def _payment(row: list[str]) -> Payment:
    method, number, paid_on, amount = row
    if method not in S.PAYMENT_METHODS:
        raise LayoutChanged(f"payment: unknown method {method!r}")
    return Payment(method=PaymentMethod(S.PAYMENT_METHODS[method]),
                   number=required(number, "payment number"),
                   date=cascade_date(paid_on, "payment date"),
                   amount=money(amount, "payment amount"))


def _eob_href(detail: Tag) -> str | None:
    links = detail.select(S.EOB_LINK)
    if not links:
        return None
    href = str(links[0].get("href") or "")
    if len(links) != 1 or p.text(links[0], "EOB link") != S.EOB_LINK_TEXT or \
            not re.fullmatch(S.EOB_HREF_PATTERN, href):
        raise LayoutChanged("the claim page's EOB link changed")
    return href


def parse_claim_detail(html: str) -> DetailPage:
    """The claim detail page -> the claim as the portal shows it, and its EOB link."""
    detail = _page(html, S.CLAIM_DETAIL, S.CLAIM_DETAIL_TITLE, S.CLAIM_DETAIL_TITLE_TEXT)
    cards = _cards(detail)
    info = card_fields(cards["claim-card"], S.CLAIM_FIELDS, "claim")
    who = card_fields(cards["claim-patient-card"], S.CLAIM_PATIENT_FIELDS, "claim patient")
    providers = card_fields(cards["claim-provider-card"], S.CLAIM_PROVIDER_FIELDS,
                            "claim providers")
    totals = card_fields(cards["claim-totals-card"], S.CLAIM_TOTAL_FIELDS, "claim totals")
    if not re.fullmatch(S.CLAIM_NUMBER_PATTERN, info["number"]):
        raise LayoutChanged(f"claim number {info['number']!r} is not in the expected format")
    start, end = service_dates(info["dates"], "dates of service")
    billing = _provider(providers["billing_name"], providers["billing_npi"], "billing office")
    if billing is None:
        raise LayoutChanged("the claim names no billing office")
    lines = [_line(row) for row in section(detail, S.LINE_SECTION, S.LINE_COLUMNS)]
    if not lines:
        raise LayoutChanged("the claim shows no procedure lines")
    claim = Claim(
        claim_number=info["number"],
        patient_account_number=None if info["account"] == S.NONE_SHOWN else info["account"],
        patient=Patient(member_id=member_id(who["id"], "claim patient member ID"),
                        first_name=who["first"], last_name=who["last"],
                        date_of_birth=cascade_date(who["dob"], "claim patient date of birth")),
        service_from=start,
        service_to=end,
        billing_provider=billing,
        rendering_provider=_provider(providers["treating_name"], providers["treating_npi"],
                                     "treating dentist"),
        place_of_service=place_of_service(info["place"]),
        status=ClaimStatus(category=status_category(info["status"]),
                           portal_text=info["status"],
                           date=cascade_date(info["status_date"], "status date")),
        billed=money(totals["billed"], "claim billed"),
        allowed=money_or_pending(totals["allowed"], "claim allowed"),
        paid=money(totals["paid"], "claim paid"),
        patient_responsibility=money(totals["patient"], "patient responsibility"),
        lines=lines,
        payments=[_payment(row) for row in section(detail, S.PAYMENT_SECTION,
                                                   S.PAYMENT_COLUMNS)],
    )
    return DetailPage(claim=claim, eob_href=_eob_href(detail))
