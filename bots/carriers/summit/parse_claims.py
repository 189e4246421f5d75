"""Summit Online's claims pages -> normalized claims. Pure functions over page HTML (no
browser), tested on saved pages in ``fixtures/html/summit/saved/claims/``.

Three pages make a claim: the result list (five claims a page; only claim numbers and
links are taken from it), the claim page (everything but payments) and, per payment, the
remittance frame keyed by check/EFT number. Summit shows no allowed amounts and no 277
status code: those stay None. Labels and headers are read by their text; anything missing,
extra, renamed, moved or malformed raises LayoutChanged. Nothing is guessed, and amounts
are not checked here: whether a claim balances is :func:`bots.parsing.verify_claims`'s
call (InconsistentResult), not a layout question.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bs4 import BeautifulSoup, Tag
from pydantic import ValidationError

from bots import parsing as p
from bots.carriers.summit import selectors as S
from bots.carriers.summit.parse import check_layout, date, grid, money, name
from bots.errors import LayoutChanged, PatientMismatch
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

_PAGE_COUNT = re.compile(r"^Page (\d+) of (\d+)$")
_MEMBER_LINE = re.compile(r"^(.+) \(([A-Z0-9-]+)\)$")
_PLACE = re.compile(r"^(\d{2}) - (.+)$")


@dataclass(frozen=True)
class ClaimListPage:
    """One page of a claim search result."""

    member_id: str
    member_name: str
    criteria: str
    claims: list[tuple[str, str]]
    """(claim number, link to its claim page as on the page), in page order."""
    page: int
    pages: int
    next_href: str
    """The "Next >>" link's target ("" on the last page)."""


@dataclass(frozen=True)
class ClaimPage:
    """A claim page: the claim without its payments, and the payment links."""

    claim: Claim
    payments: list[tuple[str, str]]
    """(check/EFT number, link into the remittance frame), in page order."""


@dataclass(frozen=True)
class Remittance:
    """The remittance frame of one payment."""

    claim_number: str
    payment: Payment
    pdf_href: str


def windows(start: dt.date, end: dt.date, days: int = S.WINDOW_DAYS
            ) -> list[tuple[dt.date, dt.date]]:
    """``start``..``end`` cut into consecutive windows of at most ``days`` days (both ends
    included), oldest first, with neither gaps nor overlaps."""
    if end < start:
        raise ValueError("the range ends before it starts")
    out = []
    while start <= end:
        last = min(end, start + dt.timedelta(days=days - 1))
        out.append((start, last))
        start = last + dt.timedelta(days=1)
    return out


def _labelled(page: BeautifulSoup | Tag, selector: str, labels: dict[str, str], what: str
              ) -> dict[str, str]:
    """A label/value table (``td.lbl`` then ``td.val``) as {key: value}; the labels must be
    exactly ``labels``' values, each once."""
    table = p.one(page, selector, what)
    values: dict[str, str] = {}
    for label_cell in table.select("td.lbl"):
        value_cell = label_cell.find_next_sibling("td")
        if value_cell is None or "val" not in (value_cell.get("class") or []):
            raise LayoutChanged(f"a label on the {what} has no value cell")
        label = p.text(label_cell, f"{what} label")
        if label in values:
            raise LayoutChanged(f"the label {label!r} shows twice on the {what}")
        values[label] = p.text(value_cell, f"value of {label}")
    wanted = set(labels.values())
    if set(values) != wanted:
        raise LayoutChanged(f"{what} labels changed: missing {sorted(wanted - set(values))}, "
                            f"unknown {sorted(set(values) - wanted)}")
    return {key: values[label] for key, label in labels.items()}


def _href(anchor: Tag, must_hold: str, what: str) -> str:
    href = anchor.get("href")
    if not isinstance(href, str) or must_hold not in href:
        raise LayoutChanged(f"{what} does not lead where it should ({href!r})")
    return href


def _optional(value: str) -> str | None:
    return None if value == S.EMPTY else value


# -- the result list -------------------------------------------------------------------------

def parse_claim_list(html: str, member_id: str | None = None) -> ClaimListPage:
    """One page of a claim search result: whose, which claims (numbers and links), and
    "Page k of N" with its "Next >>" link. Given the requested ``member_id``, a list of
    another member raises PatientMismatch before anything else about it is judged (the
    portal shows the session's current member, whose claims may not fit the page)."""
    page = p.soup(html)
    check_layout(page, S.CLAIM_LIST_TITLE, S.CLAIM_LIST_HEADER)
    member_line = p.text(p.one(page, S.SECTION_MEMBER, "member line"), "member line")
    match = _MEMBER_LINE.match(member_line)
    if match is None:
        raise LayoutChanged(f"claim list: {member_line!r} is not 'NAME (MEMBER ID)'")
    if member_id is not None and match.group(2).upper() != member_id.strip().upper():
        raise PatientMismatch("the claim list shows another member than the one requested")
    criteria = p.text(p.one(page, S.CLAIM_CRITERIA, "search criteria"), "search criteria")
    table = p.one(page, S.CLAIM_LIST, "claim list")
    rows = grid(page, S.CLAIM_LIST, S.CLAIM_LIST_COLUMNS, "claim list")
    claims = []
    for row, tr in zip(rows, table.find_all("tr")[1:], strict=True):
        number = row["Claim No"]
        anchors = tr.find_all("td")[S.CLAIM_LIST_COLUMNS.index("Claim No")].find_all("a")
        if len(anchors) != 1 or p.text(anchors[0], "claim link") != number:
            raise LayoutChanged(f"claim list: claim {number!r} has no link to its page")
        claims.append((number, _href(anchors[0], f"{S.CLAIM_DETAIL_PATH}?", "a claim link")))
        if f"clm={number}" not in claims[-1][1]:
            raise LayoutChanged(f"claim list: the link of {number!r} names another claim")
    count = p.text(p.one(page, S.PAGE_COUNT, "page count"), "page count")
    counted = _PAGE_COUNT.match(count)
    if counted is None:
        raise LayoutChanged(f"claim list: {count!r} is not 'Page k of N'")
    shown, pages = int(counted.group(1)), int(counted.group(2))
    nexts = [a for a in p.one(page, S.PAGER, "pager").select("a")
             if p.text(a, "pager link") == S.NEXT_LINK_TEXT]
    if not 1 <= shown <= pages or len(nexts) > 1:
        raise LayoutChanged(f"claim list: the pager is inconsistent ({count!r})")
    full = shown < pages
    if not (S.CLAIM_PAGE_SIZE if full else 1) <= len(claims) <= S.CLAIM_PAGE_SIZE:
        raise LayoutChanged(f"claim list: page {shown} of {pages} shows {len(claims)} claims")
    if bool(nexts) != full:
        raise LayoutChanged(f"claim list: 'Next >>' and the page count disagree ({count!r})")
    href = _href(nexts[0], f"pg={shown + 1}", "'Next >>'") if nexts else ""
    return ClaimListPage(member_id=match.group(2), member_name=match.group(1),
                         criteria=criteria, claims=claims, page=shown, pages=pages,
                         next_href=href)


# -- the claim page --------------------------------------------------------------------------

def _provider(npi: str, provider_name: str, what: str) -> Provider | None:
    if npi == S.EMPTY and provider_name == S.EMPTY:
        return None
    if npi == S.EMPTY:
        raise LayoutChanged(f"{what} has a name but no NPI")
    return Provider(npi=npi, name=_optional(provider_name))


def _billing(npi: str, provider_name: str) -> Provider:
    provider = _provider(npi, provider_name, "the billing provider")
    if provider is None:
        raise LayoutChanged("the claim page shows no billing provider")
    return provider


def _place(value: str) -> str:
    match = _PLACE.match(value)
    if match is None or S.PLACES.get(match.group(1)) != match.group(2):
        raise LayoutChanged(f"place of service {value!r} is not a known 'NN - NAME'")
    return match.group(1)


def _status(words: str, when: str) -> ClaimStatus:
    category = ClaimStatusCategory(p.lookup(S.CLAIM_STATUSES, words, "claim status"))
    return ClaimStatus(category=category, code=None, portal_text=words,
                       date=date(when, "status date"))


def _lines(page: BeautifulSoup) -> list[ClaimLine]:
    adjustments: dict[int, list[Adjustment]] = {}
    rows = grid(page, S.LINES, S.LINE_COLUMNS, "service lines")
    if not rows:
        raise LayoutChanged("the claim shows no service lines")
    numbers = [p.integer(row["Ln"], "line number") for row in rows]
    if numbers != list(range(1, len(rows) + 1)):
        raise LayoutChanged(f"service lines are numbered {numbers}")
    for row in grid(page, S.ADJUSTMENTS, S.ADJUSTMENT_COLUMNS, "adjustments"):
        line = p.integer(row["Ln"], "adjustment line")
        if line not in numbers:
            raise LayoutChanged(f"an adjustment names line {line}, which the claim lacks")
        adjustments.setdefault(line, []).append(Adjustment(
            group=AdjustmentGroup(p.lookup(S.ADJUSTMENT_GROUPS, row["Grp"], "adjustment group")),
            reason=row["CARC"], amount=money(row["Amount"], "adjustment amount"),
            remark=_optional(row["RARC"])))
    lines = []
    for number, row in zip(numbers, rows, strict=True):
        modifiers = [] if row["Mod"] == S.EMPTY else row["Mod"].split(" ")
        lines.append(ClaimLine(
            line_number=number, procedure_code=row["Proc Code"], modifiers=modifiers,
            units=Decimal(p.integer(row["Units"], "units")),
            service_date=date(row["Svc Date"], "line service date"),
            billed=money(row["Billed"], "line billed"), allowed=None,
            paid=money(row["Paid"], "line paid"), adjustments=adjustments.get(number, [])))
    return lines


def _payment_links(page: BeautifulSoup) -> list[tuple[str, str]]:
    table = p.one(page, S.PAYMENTS, "payments")
    rows = grid(page, S.PAYMENTS, S.PAYMENT_COLUMNS, "payments")
    links = []
    for row, tr in zip(rows, table.find_all("tr")[1:], strict=True):
        number = row[S.PAYMENT_COLUMNS[0]]
        anchors = tr.find_all("a")
        if len(anchors) != 1 or p.text(anchors[0], "payment link") != number or \
                anchors[0].get("target") != S.REMIT_FRAME:
            raise LayoutChanged(f"payment {number!r} has no link into the remittance frame")
        href = _href(anchors[0], f"{S.REMIT_PATH}?", "a payment link")
        if f"pay={number}" not in href:
            raise LayoutChanged(f"the link of payment {number!r} names another payment")
        links.append((number, href))
    if len({n for n, _ in links}) != len(links):
        raise LayoutChanged("a payment is listed twice on the claim page")
    frames = page.select(f'iframe[name="{S.REMIT_FRAME}"]')
    if len(frames) != 1:
        raise LayoutChanged("the claim page has no remittance frame")
    return links


def parse_claim_detail(html: str) -> ClaimPage:
    """A claim page: the claim (payments come from the remittance frame) and the links of
    its payments. Any missing, extra or malformed field raises LayoutChanged."""
    page = p.soup(html)
    check_layout(page, S.CLAIM_DETAIL_TITLE, S.CLAIM_DETAIL_HEADER)
    v = _labelled(page, S.CLAIM_DETAIL, S.CLAIM_LABELS, "claim page")
    first, last = name(v["patient_name"], "patient name")
    try:
        claim = Claim(
            claim_number=v["claim_number"], patient_account_number=_optional(v["account"]),
            patient=Patient(member_id=v["member_id"], first_name=first, last_name=last,
                            date_of_birth=date(v["dob"], "patient date of birth")),
            service_from=date(v["from"], "service from"),
            service_to=date(v["to"], "service to"),
            billing_provider=_billing(v["billing_npi"], v["billing_name"]),
            rendering_provider=_provider(v["rendering_npi"], v["rendering_name"],
                                         "the rendering provider"),
            place_of_service=_place(v["place"]),
            status=_status(v["status"], v["status_date"]),
            billed=money(v["billed"], "total billed"), allowed=None,
            paid=money(v["paid"], "total paid"),
            patient_responsibility=money(v["patient_resp"], "patient responsibility"),
            lines=_lines(page))
    except ValidationError as exc:
        raise LayoutChanged(f"the claim page holds a value of the wrong form: "
                            f"{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from None
    return ClaimPage(claim=claim, payments=_payment_links(page))


# -- the remittance frame --------------------------------------------------------------------

def parse_remittance(html: str) -> Remittance:
    """One payment as the remittance frame shows it, and the link to its PDF."""
    page = p.soup(html)
    check_layout(page, S.REMIT_TITLE, S.REMIT_HEADER)
    v = _labelled(page, S.REMIT, S.REMIT_LABELS, "remittance")
    link = p.one(page, S.REMIT_PDF_LINK, "remittance PDF link")
    href = _href(link, f"{S.REMIT_PDF_PATH}?", "the remittance PDF link")
    if f"pay={v['number']}" not in href:
        raise LayoutChanged("the remittance PDF link names another payment")
    try:
        payment = Payment(method=PaymentMethod(p.lookup(S.PAYMENT_METHODS, v["method"],
                                                        "payment method")),
                          number=v["number"], date=date(v["date"], "payment date"),
                          amount=money(v["amount"], "payment amount"))
    except ValidationError as exc:
        raise LayoutChanged(f"the remittance holds a value of the wrong form: "
                            f"{exc.errors()[0]['msg']}") from None
    return Remittance(claim_number=v["claim"], payment=payment, pdf_href=href)


def with_payments(page: ClaimPage, remittances: list[Remittance]) -> Claim:
    """The claim with the payments its remittance frames showed, one per payment link."""
    numbers = [number for number, _ in page.payments]
    if [r.payment.number for r in remittances] != numbers:
        raise LayoutChanged("the remittances read are not the claim's payment links")
    for remittance in remittances:
        if remittance.claim_number != page.claim.claim_number:
            raise LayoutChanged(f"payment {remittance.payment.number} is shown for claim "
                                f"{remittance.claim_number}, not {page.claim.claim_number}")
    return page.claim.model_copy(update={"payments": [r.payment for r in remittances]})


def pdf_filename(content_disposition: str | None) -> str:
    """The remittance PDF's file name as the portal gives it."""
    match = S.REMIT_FILENAME.match(content_disposition or "")
    if match is None:
        raise LayoutChanged(f"the remittance download is not named as expected "
                            f"({content_disposition!r})")
    return match.group(1)
