"""Summit Online's authorization pages -> the normalized model. Pure functions over page
HTML (no browser), tested on pages the sandbox renders.

* the inquiry's result list (five requests a page): reference, link, member, dates, codes,
  status and the note (where our tracking reference is);
* the request form: its refusal or acknowledgement, and the attached-file list;
* the confirmation and the request detail: one label/value table, the service lines
  (units requested and approved) and the files; the decision letter or confirmation PDF
  link.

Labels and headers are read by their text; anything missing, extra, renamed or malformed
raises LayoutChanged, a status word the bot does not know included. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, Tag
from pydantic import ValidationError

from bots import parsing as p
from bots.carriers.summit import prior_auth_selectors as PS
from bots.carriers.summit import selectors as S
from bots.carriers.summit.parse import check_layout, date, grid, name
from bots.carriers.summit.parse_claims import _labelled as labelled
from bots.errors import LayoutChanged
from portals.model import Patient
from portals.prior_auth import (
    TRACKING_REF,
    ApprovedService,
    CertificationAction,
    PortalFile,
    PriorAuthCase,
    PriorAuthDecision,
    Urgency,
)

CARRIER = "summit"
_PAGE_COUNT = re.compile(r"^Page (\d+) of (\d+)$")
_TIME_ZONE = ZoneInfo(PS.PORTAL_TIME_ZONE)


@dataclass(frozen=True)
class ListedRequest:
    """One row of the inquiry's result list."""

    reference: str
    href: str
    received: dt.datetime
    member_id: str
    member_name: str
    service_from: dt.date
    service_to: dt.date
    procedure_codes: list[str]
    status: str
    note: str
    """As the list shows it: cut after 80 characters ("..."); our reference comes first."""

    @property
    def tracking_ref(self) -> str | None:
        found = TRACKING_REF.search(self.note)
        return found.group(0) if found else None


@dataclass(frozen=True)
class RequestList:
    criteria: str
    rows: list[ListedRequest]
    page: int
    pages: int
    next_href: str
    """The "Next >>" link's target ("" on the last page)."""


@dataclass(frozen=True)
class RequestForm:
    """The request form as the portal answered the last post."""

    error: str | None
    notice: str | None
    files: list[PortalFile]


@dataclass(frozen=True)
class CasePage:
    """A confirmation or request detail page: the case (no documents yet) and its PDF."""

    case: PriorAuthCase
    pdf_href: str | None
    """The confirmation PDF (confirmation page) or the decision letter (detail page, when
    the decision has one)."""


def _optional(value: str) -> str | None:
    return None if value == S.EMPTY else value


def _href(anchor: Tag, must_hold: str, what: str) -> str:
    href = anchor.get("href")
    if not isinstance(href, str) or must_hold not in href:
        raise LayoutChanged(f"{what} does not lead where it should ({href!r})")
    return href


def received(value: str, what: str = "received time") -> dt.datetime:
    """``2026-07-03 14:05:22 ET``: the portal's clock (US Eastern), made time-zone aware."""
    match = PS.RECEIVED.match(value)
    if match is None:
        raise LayoutChanged(f"{what}: {value!r} is not a time like 2026-07-03 14:05:22 ET")
    try:
        moment = dt.datetime.strptime(match.group(1), PS.RECEIVED_FORMAT)
    except ValueError:
        raise LayoutChanged(f"{what}: {value!r} is not a real time") from None
    return moment.replace(tzinfo=_TIME_ZONE)


def _codes(value: str) -> list[str]:
    codes = value.split(", ")
    if not all(re.fullmatch(r"[A-Z0-9]{5}", c) for c in codes):
        raise LayoutChanged(f"procedure codes {value!r} are not 'CODE, CODE'")
    return codes


# -- the inquiry's result list ---------------------------------------------------------------

def parse_list(html: str) -> RequestList:
    """One page of an inquiry's result, with "Page k of N" and its "Next >>" link."""
    page = p.soup(html)
    check_layout(page, PS.LIST_TITLE, PS.LIST_HEADER)
    criteria = p.text(p.one(page, PS.CRITERIA, "search criteria"), "search criteria")
    table = p.one(page, PS.AUTH_LIST, "request list")
    rows = []
    for row, tr in zip(grid(page, PS.AUTH_LIST, PS.LIST_COLUMNS, "request list"),
                       table.find_all("tr")[1:], strict=True):
        reference = row["Ref No"]
        anchors = tr.find_all("td")[0].find_all("a")
        if len(anchors) != 1 or p.text(anchors[0], "request link") != reference:
            raise LayoutChanged(f"request list: {reference!r} has no link to its page")
        href = _href(anchors[0], f"{PS.DETAIL_PATH}?", "a request link")
        if not href.endswith(f"no={reference}"):
            raise LayoutChanged(f"request list: the link of {reference!r} names another one")
        rows.append(ListedRequest(
            reference=reference, href=href, received=received(row["Received"]),
            member_id=row["Member ID"], member_name=row["Member Name"],
            service_from=date(row["Svc From"], "service from"),
            service_to=date(row["Svc To"], "service to"),
            procedure_codes=_codes(row["Proc Codes"]), status=row["Status"],
            note="" if row["Notes"] == S.EMPTY else row["Notes"]))
    count = p.text(p.one(page, S.PAGE_COUNT, "page count"), "page count")
    counted = _PAGE_COUNT.match(count)
    if counted is None:
        raise LayoutChanged(f"request list: {count!r} is not 'Page k of N'")
    shown, pages = int(counted.group(1)), int(counted.group(2))
    nexts = [a for a in p.one(page, S.PAGER, "pager").select("a")
             if p.text(a, "pager link") == S.NEXT_LINK_TEXT]
    if not 1 <= shown <= pages or len(nexts) > 1:
        raise LayoutChanged(f"request list: the pager is inconsistent ({count!r})")
    full = shown < pages
    if not (PS.PAGE_SIZE if full else 1) <= len(rows) <= PS.PAGE_SIZE:
        raise LayoutChanged(f"request list: page {shown} of {pages} shows {len(rows)} rows")
    if bool(nexts) != full:
        raise LayoutChanged(f"request list: 'Next >>' and the page count disagree ({count!r})")
    href = _href(nexts[0], f"pg={shown + 1}", "'Next >>'") if nexts else ""
    return RequestList(criteria=criteria, rows=rows, page=shown, pages=pages, next_href=href)


# -- the request form -----------------------------------------------------------------------

def _message(page: BeautifulSoup, selector: str) -> str | None:
    found = page.select(selector)
    if len(found) > 1:
        raise LayoutChanged(f"{selector} shows {len(found)} times")
    return p.text(found[0], selector) if found else None


def parse_request_form(html: str) -> RequestForm:
    """The request form: the portal's refusal (``#lblError``) or acknowledgement of the
    last post, and the list of files attached so far."""
    page = p.soup(html)
    check_layout(page, PS.REQUEST_TITLE, PS.REQUEST_HEADER)
    p.one(page, PS.REQUEST_FORM, "request form")
    files = []
    for row in grid(page, PS.ATTACHMENTS, PS.ATTACHMENT_COLUMNS, "attached files"):
        files.append(PortalFile(name=row["File Name"],
                                size=p.integer(row["Size (bytes)"], "file size")))
    return RequestForm(error=_message(page, S.ERROR), notice=_message(page, PS.ATTACH_NOTICE),
                       files=files)


# -- the confirmation and the request detail ------------------------------------------------

def _services(page: BeautifulSoup, authorized: bool
              ) -> tuple[list[str], list[ApprovedService]]:
    rows = grid(page, PS.LINES, PS.LINE_COLUMNS, "service lines")
    if not rows:
        raise LayoutChanged("the request shows no service lines")
    numbers = [p.integer(row["Ln"], "line number") for row in rows]
    if numbers != list(range(1, len(rows) + 1)):
        raise LayoutChanged(f"service lines are numbered {numbers}")
    codes, approved = [], []
    for row in rows:
        codes.append(row["Proc Code"])
        p.integer(row["Units Req"], "units requested")
        units = row["Units Appr"]
        if (units == S.EMPTY) == authorized:
            raise LayoutChanged(f"line {row['Ln']}: approved units {units!r} disagree with "
                                "the authorization number")
        if units != S.EMPTY and (count := p.integer(units, "units approved")) > 0:
            approved.append(ApprovedService(procedure_code=row["Proc Code"], units=count))
    return codes, approved


def _decision(v: dict[str, str], approved: list[ApprovedService]) -> PriorAuthDecision:
    action = CertificationAction(p.lookup(PS.STATUSES, v["status"], "request status"))
    optional_date = {key: None if v[key] == S.EMPTY else date(v[key], label)
                     for key, label in (("approved_from", "approved from"),
                                        ("approved_to", "approved to"),
                                        ("decided", "decision date"))}
    return PriorAuthDecision(
        action=action, portal_status=v["status"], authorization_number=_optional(v["auth_no"]),
        approved_from=optional_date["approved_from"], approved_to=optional_date["approved_to"],
        approved_services=approved, reason=_optional(v["reason"]),
        decided_on=optional_date["decided"])


def _files(page: BeautifulSoup) -> list[PortalFile]:
    return [PortalFile(name=row["File Name"], size=p.integer(row["Size (bytes)"], "file size"))
            for row in grid(page, PS.FILES, PS.FILE_COLUMNS, "attachments")]


def _case(page: BeautifulSoup) -> PriorAuthCase:
    v = labelled(page, PS.DETAIL, PS.CASE_LABELS, "request")
    first, last = name(v["member_name"], "member name")
    codes, approved = _services(page, authorized=v["auth_no"] != S.EMPTY)
    note = _optional(v["notes"]) or ""
    found = TRACKING_REF.search(note)
    try:
        return PriorAuthCase(
            carrier=CARRIER,
            patient=Patient(member_id=v["member_id"], first_name=first, last_name=last,
                            date_of_birth=date(v["dob"], "date of birth")),
            reference_number=v["reference"], tracking_ref=found.group(0) if found else None,
            submitted_at=received(v["received"]),
            urgency=Urgency(p.lookup(PS.URGENCIES, v["urgency"], "urgency")),
            procedure_codes=codes, service_from=date(v["from"], "service from"),
            service_to=date(v["to"], "service to"), files=_files(page),
            decision=_decision(v, approved))
    except ValidationError as exc:
        raise LayoutChanged(f"the request page holds a value of the wrong form: "
                            f"{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from None


def _pdf_link(page: BeautifulSoup, selector: str, path: str, reference: str,
              what: str) -> str | None:
    links = page.select(selector)
    if not links:
        return None
    if len(links) > 1:
        raise LayoutChanged(f"the {what} link shows {len(links)} times")
    href = _href(links[0], f"{path}?", f"the {what} link")
    if not href.endswith(f"no={reference}"):
        raise LayoutChanged(f"the {what} link names another request")
    return href


def parse_confirmation(html: str) -> CasePage:
    """The page the portal answers a submitted request with: the request as received, and
    its confirmation PDF."""
    page = p.soup(html)
    check_layout(page, PS.CONFIRMATION_TITLE, PS.CONFIRMATION_HEADER)
    case = _case(page)
    notice = p.text(p.one(page, PS.CONFIRMATION, "confirmation notice"), "confirmation")
    if f"REFERENCE NO {case.reference_number}." not in notice:
        raise LayoutChanged("the confirmation notice names another reference number")
    href = _pdf_link(page, PS.CONFIRMATION_PDF_LINK, PS.CONFIRMATION_PDF_PATH,
                     case.reference_number, "confirmation PDF")
    if href is None:
        raise LayoutChanged("the confirmation page has no confirmation PDF link")
    return CasePage(case=case, pdf_href=href)


def parse_detail(html: str) -> CasePage:
    """A request's detail page: its current decision, and the decision letter when the
    decision has one."""
    page = p.soup(html)
    check_layout(page, PS.DETAIL_TITLE, PS.DETAIL_HEADER)
    case = _case(page)
    return CasePage(case=case, pdf_href=_pdf_link(page, PS.LETTER_LINK, PS.LETTER_PATH,
                                                  case.reference_number, "decision letter"))


def pdf_name(pattern: re.Pattern[str], content_disposition: str | None, what: str) -> str:
    """A PDF's file name as the portal gives it (Content-Disposition)."""
    match = pattern.match(content_disposition or "")
    if match is None:
        raise LayoutChanged(f"the {what} download is not named as expected "
                            f"({content_disposition!r})")
    return match.group(1)


__all__ = ["CasePage", "ListedRequest", "RequestForm", "RequestList", "parse_confirmation",
           "parse_detail", "parse_list", "parse_request_form", "pdf_name", "received"]
