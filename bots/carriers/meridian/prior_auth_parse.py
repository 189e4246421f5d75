"""Meridian's prior-authorization pages -> list rows, the review, the confirmation and
the normalized case. Pure functions over the page HTML: no browser.

As strict as the claims parser: the known (v1) layout marker and page title, sections in
order, every label and its id, exact table headers in order, every value in Meridian's
own format (``MM/DD/YYYY``, ``11/27/2026 06:13:06 AM EST``, ``12,345 bytes``) and status
words from the known table. Anything else raises LayoutChanged; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bs4 import Tag
from pydantic import ValidationError

from bots import parsing as p
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.parse import _date, _details, _required
from bots.carriers.meridian.parse_claims import (
    _exact,
    _href,
    _ints,
    _known_page,
    _pattern,
    _table,
)
from bots.errors import InconsistentResult, LayoutChanged
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


@dataclass(frozen=True)
class PaRow:
    """One request in the list: what it is, whose, and its detail page."""

    reference: str
    href: str
    received: dt.datetime
    patient_name: str
    member_id: str
    procedure_codes: list[str]
    service_from: dt.date
    service_to: dt.date
    status: str
    files: list[PortalFile]
    note: str
    tracking_ref: str | None


@dataclass(frozen=True)
class PaListPage:
    rows: list[PaRow]
    page: int
    pages: int
    total: int
    next_href: str | None


@dataclass(frozen=True)
class ReviewLine:
    procedure_code: str
    modifiers: list[str]
    units: int


@dataclass(frozen=True)
class ReviewPage:
    """What the wizard's last step shows will be submitted."""

    patient: Patient
    providers: dict[str, str]
    diagnoses: list[str]
    services: list[ReviewLine]
    service_from: dt.date
    service_to: dt.date
    place_of_service: str
    urgency: Urgency
    note: str
    files: list[PortalFile]


@dataclass(frozen=True)
class Confirmation:
    reference: str
    received: dt.datetime
    status: str
    member_id: str
    files: list[PortalFile]


@dataclass(frozen=True)
class PdfLink:
    href: str
    filename: str


@dataclass(frozen=True)
class PaDetail:
    """A request's detail page: the case (documents not yet fetched) and its PDFs."""

    case: PriorAuthCase
    confirmation_pdf: PdfLink
    letter: PdfLink | None


# -- the list ------------------------------------------------------------------------------

def parse_pa_list(html: str) -> PaListPage:
    """One page of the request list or of a search's results."""
    page = p.soup(html)
    if page.select_one(S.PA_RESULTS) is not None:
        root = _known_page(page, S.PA_RESULTS, S.PA_LIST_TITLE, S.PA_RESULTS_TITLE_TEXT)
    else:
        root = _known_page(page, S.PA_LIST, S.PA_LIST_TITLE, S.PA_LIST_TITLE_TEXT)
    none = root.select(S.PA_NO_RESULTS)
    if none:
        if p.text(none[0], "no results") != S.PA_NO_RESULTS_TEXT or root.select(S.PA_TABLE):
            raise LayoutChanged("the request list shows an unknown 'no results' notice")
        return PaListPage(rows=[], page=0, pages=0, total=0, next_href=None)
    if not root.select(S.PA_TABLE):
        raise LayoutChanged("the request list shows neither requests nor 'no results'")
    number, pages = _ints(S.PAGER_PATTERN, p.text(p.one(root, S.PA_PAGER_STATUS, "pager"),
                                                   "pager"), "pager")
    first, last, total = _ints(S.PA_RESULTS_COUNT_PATTERN, p.text(
        p.one(root, S.PA_RESULTS_COUNT, "result count"), "result count"), "result count")
    rows = [_row(cells) for cells in _table(root, S.PA_TABLE, S.PA_COLUMNS, "request list")]
    expected_rows = min(S.PA_PAGE_SIZE, total - (number - 1) * S.PA_PAGE_SIZE)
    if not 1 <= number <= pages or pages != -(-total // S.PA_PAGE_SIZE) \
            or len(rows) != expected_rows or first != (number - 1) * S.PA_PAGE_SIZE + 1 \
            or last != first + len(rows) - 1:
        raise LayoutChanged(f"request list: page {number} of {pages}, rows {first}-{last} "
                            f"of {total} and {len(rows)} rows shown do not agree")
    links = root.select(S.PA_PAGER_NEXT)
    if len(links) != (1 if number < pages else 0):
        raise LayoutChanged(f"request list: page {number} of {pages} has {len(links)} Next "
                            "links")
    next_href = None
    if links:
        next_href = _href(links[0], rf"({S.PA_RESULTS_HREF_PATTERN}|{S.PA_PATH})\?page="
                          rf"{number + 1}", "Next link")
    return PaListPage(rows=rows, page=number, pages=pages, total=total, next_href=next_href)


def _row(cells: dict[str, Tag]) -> PaRow:
    text = {column: _required(p.text(cell, f"list {column}"), f"list {column}")
            for column, cell in cells.items()}
    reference = _pattern(text["Reference Number"], S.PA_REFERENCE_PATTERN, "reference")
    links = cells["Reference Number"].select(S.PA_LINK)
    if len(links) != 1 or p.text(links[0], "request link") != reference:
        raise LayoutChanged(f"request list: the row of {reference} has no single link to it")
    start, end = _date_range(text["Service Dates"], "list service dates")
    note = _note(cells["Notes"])
    return PaRow(
        reference=reference,
        href=_href(links[0], re.escape(f"{S.PA_PATH}/{reference}"), "request link"),
        received=received_at(text["Received"]),
        patient_name=text["Patient"],
        member_id=_pattern(text["Member ID"], S.MEMBER_ID_PATTERN, "list member ID"),
        procedure_codes=[_pattern(code, S.PROCEDURE_PATTERN, "list procedure code")
                         for code in text["Procedure Codes"].split(", ")],
        service_from=start, service_to=end,
        status=_status_words(text["Status"]),
        files=_row_files(cells["Attachments"], text["Attachments"]),
        note=note,
        tracking_ref=tracking_ref(note),
    )


def _row_files(cell: Tag, shown: str) -> list[PortalFile]:
    items = cell.select(S.PA_ROW_FILES)
    if not items:
        if shown != S.EMPTY:
            raise LayoutChanged(f"request list: attachments {shown!r} are not a file list")
        return []
    files = []
    for item in items:
        match = re.fullmatch(S.PA_ROW_FILE_PATTERN, p.text(item, "list file"))
        if match is None:
            raise LayoutChanged(f"request list: file {p.text(item, 'file')!r} is not like "
                                "'name (1,234 bytes)'")
        files.append(PortalFile(name=match.group(1), size=int(match.group(2).replace(",", ""))))
    return files


# -- the wizard's review -----------------------------------------------------------------------

def parse_review(html: str) -> ReviewPage:
    """Step 5: everything the request will carry, and the submit form ready to use."""
    page = p.soup(html)
    _known_page(page, "#pa-wizard", S.PA_WIZARD_TITLE, S.PA_WIZARD_TITLE_TEXT)
    root = p.one(page, S.PA_REVIEW, "review")
    _sections(root, S.PA_REVIEW_SECTIONS, "review")
    details = _details(root, S.PA_REVIEW_SERVICE_DETAILS, S.PA_REVIEW_SERVICE_FIELDS,
                       "review services")
    start, end = _date_range(details["dates"], "review service dates")
    lines = []
    for cells in _table(root, S.PA_REVIEW_SERVICES_TABLE, S.PA_REVIEW_SERVICE_COLUMNS,
                        "review services"):
        text = {column: _required(p.text(cell, f"review {column}"), f"review {column}")
                for column, cell in cells.items()}
        lines.append(ReviewLine(
            procedure_code=_pattern(text["Procedure"], S.PROCEDURE_PATTERN, "procedure"),
            modifiers=_modifiers(text["Modifiers"]),
            units=int(_pattern(text["Units"], r"[1-9]\d{0,2}", "units"))))
    form = p.one(page, S.PA_SUBMIT_FORM, "submit form")
    p.one(form, S.PA_ATTEST, "attestation checkbox")
    p.one(form, S.PA_SUBMIT_BUTTON, "submit button")
    return ReviewPage(
        patient=_patient(root),
        providers=_details(root, S.PA_PROVIDER_DETAILS, S.PA_PROVIDERS, "providers"),
        diagnoses=[p.text(li, "diagnosis") for li in root.select(S.PA_DIAGNOSES)],
        services=lines, service_from=start, service_to=end,
        place_of_service=_place(details["place"]),
        urgency=Urgency(_exact(S.PA_URGENCIES, details["urgency"], "review type")),
        note="" if details["note"] == S.EMPTY else details["note"],
        files=_files(root, S.PA_REVIEW_FILES_TABLE),
    )


# -- the confirmation ----------------------------------------------------------------------------

def parse_confirmation(html: str) -> Confirmation:
    page = p.soup(html)
    root = _known_page(page, S.PA_CONFIRMATION, S.PA_CONFIRMATION_TITLE,
                       S.PA_CONFIRMATION_TITLE_TEXT)
    values = _details(root, S.PA_CONFIRMATION_DETAILS, S.PA_CONFIRMATION_FIELDS,
                      "confirmation")
    return Confirmation(
        reference=_pattern(values["reference"], S.PA_REFERENCE_PATTERN, "reference"),
        received=received_at(values["received"]),
        status=_status_words(values["status"]),
        member_id=_pattern(values["member_id"], S.MEMBER_ID_PATTERN, "member ID"),
        files=_files(root, S.PA_CONFIRMATION_FILES_TABLE),
    )


# -- the request detail page -----------------------------------------------------------------------

def parse_detail(html: str, carrier: str) -> PaDetail:
    """The request as the portal shows it now, with its decision."""
    page = p.soup(html)
    root = _known_page(page, S.PA_DETAIL, S.PA_DETAIL_TITLE, S.PA_DETAIL_TITLE_TEXT)
    _sections(root, S.PA_DETAIL_SECTIONS, "request")
    summary = _details(root, S.PA_SUMMARY_DETAILS, S.PA_SUMMARY, "request summary")
    reference = _pattern(summary["reference"], S.PA_REFERENCE_PATTERN, "reference")
    start, end = _date_range(summary["dates"], "service dates")
    _place(summary["place"])
    codes: list[str] = []
    for cells in _table(root, S.PA_SERVICES_TABLE, S.PA_SERVICE_COLUMNS, "services"):
        text = {column: _required(p.text(cell, f"service {column}"), f"service {column}")
                for column, cell in cells.items()}
        code = _pattern(text["Procedure"], S.PROCEDURE_PATTERN, "procedure code")
        _modifiers(text["Modifiers"])
        _pattern(text["Units Requested"], r"[1-9]\d{0,2}", "units requested")
        codes.append(code)
    if [p.text(c, "line") for c in root.select(f"{S.PA_SERVICES_TABLE} tbody th")] != \
            [str(i) for i in range(1, len(codes) + 1)]:
        raise LayoutChanged("service lines are not numbered 1, 2, ... in order")
    note = summary["note"]
    note = "" if note == S.EMPTY else note
    decision = _decision(root, summary["status"])
    confirmation = _pdf_link(root, S.PA_CONFIRMATION_PDF, S.PA_CONFIRMATION_FILENAME_PATTERN,
                             rf"{S.PA_PATH}/{reference}/confirmation\.pdf", "confirmation")
    letter = _letter(root, reference)
    if (letter is not None) != (decision.action in _LETTER_ACTIONS):
        raise LayoutChanged(f"a {decision.portal_status!r} decision "
                            + ("offers" if letter else "offers no") + " letter")
    try:
        case = PriorAuthCase(
            carrier=carrier, patient=_patient(root), reference_number=reference,
            tracking_ref=tracking_ref(note), submitted_at=received_at(summary["received"]),
            urgency=Urgency(_exact(S.PA_URGENCIES, summary["urgency"], "review type")),
            procedure_codes=codes, service_from=start, service_to=end,
            files=_files(root, S.PA_FILES_TABLE), decision=decision)
    except ValidationError as exc:
        raise InconsistentResult(f"request {reference} does not add up: "
                                 f"{exc.errors()[0]['msg']}") from None
    return PaDetail(case=case, confirmation_pdf=confirmation, letter=letter)


_LETTER_ACTIONS = frozenset({CertificationAction.CERTIFIED, CertificationAction.PARTIAL,
                             CertificationAction.MODIFIED, CertificationAction.NOT_CERTIFIED})
"""Meridian sends a decision letter with every final decision but a cancellation."""


def _decision(root: Tag, summary_status: str) -> PriorAuthDecision:
    values = _details(root, S.PA_DECISION_DETAILS, S.PA_DECISION, "decision")
    words = values["status"]
    if words != summary_status:
        raise InconsistentResult(f"the request's status {summary_status!r} and its decision "
                                 f"{words!r} differ")
    action = CertificationAction(_exact(S.PA_STATUSES, words, "request status"))
    start, end = (None, None) if values["approved_dates"] == S.EMPTY \
        else _date_range(values["approved_dates"], "approved dates")
    number = None if values["auth_number"] == S.EMPTY \
        else _pattern(values["auth_number"], S.PA_AUTH_NUMBER_PATTERN, "authorization number")
    approved = [ApprovedService(procedure_code=code, units=units) for code, units
                in _approved_units(root)]
    try:
        return PriorAuthDecision(
            action=action, portal_status=words, authorization_number=number,
            approved_from=start, approved_to=end, approved_services=approved,
            reason=None if values["reason"] == S.EMPTY else values["reason"],
            decided_on=None if values["decided_on"] == S.EMPTY
            else _date(values["decided_on"], "decision date"))
    except ValidationError as exc:
        raise InconsistentResult(f"the decision {words!r} does not add up: "
                                 f"{exc.errors()[0]['msg']}") from None


def _approved_units(root: Tag) -> list[tuple[str, int]]:
    found = []
    for cells in _table(root, S.PA_SERVICES_TABLE, S.PA_SERVICE_COLUMNS, "services"):
        shown = p.text(cells["Units Approved"], "units approved")
        if shown != S.EMPTY:
            found.append((p.text(cells["Procedure"], "procedure"),
                          int(_pattern(shown, r"\d{1,3}", "units approved"))))
    return found


def _letter(root: Tag, reference: str) -> PdfLink | None:
    section = p.one(root, "#pa-decision-section", "decision section")
    links, none = section.select(S.PA_LETTER_LINK), section.select(S.PA_NO_LETTER)
    if len(links) + len(none) != 1:
        raise LayoutChanged("the decision shows neither one letter link nor the no-letter "
                            "notice")
    if none:
        if p.text(none[0], "no letter") != S.PA_NO_LETTER_TEXT:
            raise LayoutChanged(f"unknown letter notice {p.text(none[0], 'notice')!r}")
        return None
    return _pdf_link(section, S.PA_LETTER_LINK, S.PA_LETTER_FILENAME_PATTERN,
                     rf"{S.PA_PATH}/{reference}/letter\.pdf", "decision letter")


# -- building blocks ------------------------------------------------------------------------------

def received_at(value: str) -> dt.datetime:
    """``11/27/2026 06:13:06 AM EST`` -> an aware datetime (EST -5 h, EDT -4 h)."""
    match = re.fullmatch(S.PA_RECEIVED_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"received time {value!r} is not like '11/27/2026 06:13:06 AM "
                            "EST'")
    try:
        local = dt.datetime.strptime(match.group(1), S.PA_RECEIVED_FORMAT)
    except ValueError:
        raise LayoutChanged(f"received time {value!r} is not a time") from None
    return local.replace(tzinfo=dt.timezone(dt.timedelta(hours=S.PA_TIME_ZONES[
        match.group(2)])))


def tracking_ref(note: str) -> str | None:
    """Our reference, read back from the note (the bot writes it first)."""
    found = TRACKING_REF.search(note)
    return found.group(0) if found else None


def _status_words(value: str) -> str:
    _exact(S.PA_STATUSES, value, "request status")
    return value


def _sections(root: Tag, expected: tuple[tuple[str, str], ...], what: str) -> None:
    found = []
    for section in root.find_all("section", recursive=False):
        headings = section.find_all("h2")
        heading = p.text(headings[0], "section heading") if len(headings) == 1 else None
        found.append((section.get("id"), heading))
    if found != list(expected):
        raise LayoutChanged(f"the {what} page's sections changed: {found}")


def _patient(root: Tag) -> Patient:
    values = _details(root, S.PA_PATIENT_DETAILS, S.PA_PATIENT, "patient")
    last, sep, first = values["name"].partition(", ")
    if not sep or not last or not first or "," in first:
        raise LayoutChanged(f"patient name {values['name']!r} is not 'Last, First'")
    return Patient(member_id=_pattern(values["id"], S.MEMBER_ID_PATTERN, "member ID"),
                   first_name=first, last_name=last,
                   date_of_birth=_date(values["dob"], "date of birth"))


def _files(root: Tag, table: str) -> list[PortalFile]:
    tables, none = root.select(table), root.select(S.PA_NO_FILES)
    if len(tables) + len(none) != 1:
        raise LayoutChanged("the page shows neither one file table nor 'no documents'")
    if none:
        if p.text(none[0], "no files") != S.PA_NO_FILES_TEXT:
            raise LayoutChanged(f"unknown documents notice {p.text(none[0], 'notice')!r}")
        return []
    files = []
    for cells in _table(root, table, S.PA_FILE_COLUMNS, "documents"):
        size = re.fullmatch(S.PA_SIZE_PATTERN, p.text(cells["Size"], "file size"))
        if size is None:
            raise LayoutChanged(f"file size {p.text(cells['Size'], 'size')!r} is not like "
                                "'1,234 bytes'")
        files.append(PortalFile(name=_required(p.text(cells["File Name"], "file name"),
                                               "file name"),
                                size=int(size.group(1).replace(",", ""))))
    return files


def _date_range(value: str, what: str) -> tuple[dt.date, dt.date]:
    match = re.fullmatch(S.DATE_RANGE_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"{what} {value!r} are not 'MM/DD/YYYY - MM/DD/YYYY'")
    start, end = (_date(match.group(i), what) for i in (1, 2))
    if end < start:
        raise LayoutChanged(f"{what} {value!r} end before they start")
    return start, end


def _modifiers(value: str) -> list[str]:
    if value == S.EMPTY:
        return []
    return [_pattern(m, S.MODIFIER_PATTERN, "modifier") for m in value.split(", ")]


def _place(value: str) -> str:
    match = re.fullmatch(S.PA_PLACE_PATTERN, value)
    if match is None:
        raise LayoutChanged(f"place of service {value!r} is not like '11 - Office'")
    return match.group(1)


def _note(cell: Tag) -> str:
    shown = p.text(cell, "note")
    return "" if shown == S.EMPTY else shown


def _pdf_link(root: Tag, selector: str, filename_pattern: str, href_pattern: str,
              what: str) -> PdfLink:
    link = p.one(root, selector, what)
    filename = link.get("download")
    if not isinstance(filename, str) or not re.fullmatch(filename_pattern, filename):
        raise LayoutChanged(f"{what}: file name {filename!r} unknown")
    return PdfLink(href=_href(link, href_pattern, what), filename=filename)


__all__ = ["Confirmation", "PaDetail", "PaListPage", "PaRow", "PdfLink", "ReviewLine",
           "ReviewPage", "parse_confirmation", "parse_detail", "parse_pa_list",
           "parse_review", "received_at", "tracking_ref"]
