"""Northwind's prior-authorization screens -> facts. Pure functions over the HTML the SPA
rendered ("My requests", the request record of the detail and confirmation screens, the
form's attached files): no browser.

Read by ids, labels and exact headers; every value's format is checked; a status word the
bot does not know (or shown in a badge of another colour) is a layout change, and so is
anything missing or extra. The received time is shown in US Eastern time with its zone
(``Mar 4, 2026 9:05:07 AM EST``) and read as an aware datetime.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from bots import parsing as p
from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.parse import _Screen, _table_rows, long_date
from bots.carriers.northwind.parse_claims import _badge_colour
from bots.errors import LayoutChanged
from portals.claims import Provider
from portals.model import Patient
from portals.prior_auth import (
    TRACKING_REF,
    ApprovedService,
    CertificationAction,
    PortalFile,
    PriorAuthDecision,
    Urgency,
)

_SIZE = re.compile(S.PA_SIZE_PATTERN)
_LIST_FILE = re.compile(S.PA_LIST_FILE_PATTERN)
_LIST_SERVICE = re.compile(S.PA_LIST_SERVICE_PATTERN)
_RECEIVED = re.compile(S.PA_RECEIVED_PATTERN)
_PLACE = re.compile(S.PA_PLACE_PATTERN)
_PROVIDER = re.compile(S.PROVIDER_PATTERN)
_COUNT = re.compile(S.PA_COUNT_PATTERN)
_LETTER = re.compile(S.PA_LETTER_FILENAME_PATTERN)
_CODE = re.compile(S.PROCEDURE_PATTERN)
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.?[0-9A-TV-Z]{1,4})?$")
_REFERENCE = re.compile(r"^[A-Z0-9-]{3,40}$")


@dataclass(frozen=True)
class PaService:
    code: str
    modifiers: tuple[str, ...]
    units: int


@dataclass(frozen=True)
class RequestRow:
    """One row of "My requests" (or one request of the search's JSON)."""

    reference: str
    received_at: dt.datetime
    patient: Patient
    services: tuple[PaService, ...]
    service_from: dt.date
    service_to: dt.date
    urgency: Urgency
    status: str
    """The status in the portal's words."""
    files: tuple[PortalFile, ...]
    note: str

    @property
    def tracking_ref(self) -> str | None:
        return tracking_ref(self.note)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the detail (or confirmation) screen shows it, decision included."""

    row: RequestRow
    requesting: Provider
    servicing: Provider
    diagnoses: tuple[str, ...]
    place_of_service: str
    decision: PriorAuthDecision
    letter_filename: str | None


def tracking_ref(note: str) -> str | None:
    """Our reference as written at the start of the portal's note ("Ref PA-...")."""
    found = TRACKING_REF.search(note)
    return found.group(0) if found else None


# -- values ----------------------------------------------------------------------------------
def received_at(value: str, what: str) -> dt.datetime:
    """``Mar 4, 2026 9:05:07 AM EST`` -> an aware datetime (in UTC)."""
    match = _RECEIVED.match(value)
    if not match or match.group(8) not in S.PA_TIME_ZONES:
        raise LayoutChanged(f"{what}: {value!r} is not a time like 'Mar 4, 2026 9:05:07 AM "
                            "EST'")
    month, day, year, hour, minute, second, half, zone = match.groups()
    hours = int(hour)
    if not 1 <= hours <= 12:
        raise LayoutChanged(f"{what}: {value!r} has no 12-hour clock hour")
    hours = hours % 12 + (12 if half == "PM" else 0)
    try:
        local = dt.datetime(int(year), S.MONTHS.index(month) + 1, int(day), hours,
                            int(minute), int(second),
                            tzinfo=dt.timezone(dt.timedelta(hours=S.PA_TIME_ZONES[zone])))
    except ValueError:
        raise LayoutChanged(f"{what}: {value!r} is not a real time") from None
    return local.astimezone(dt.UTC)


def size(value: str, what: str) -> int:
    match = _SIZE.match(value)
    if not match:
        raise LayoutChanged(f"{what}: {value!r} is not a size like '12,345 bytes'")
    return int(match.group(1).replace(",", ""))


def urgency(words: str, what: str) -> Urgency:
    found = S.PA_URGENCIES.get(words)
    if found is None:
        raise LayoutChanged(f"{what}: unknown urgency {words!r}")
    return Urgency(found)


def action(words: str, what: str, badge: str | None = None) -> CertificationAction:
    """The 278 certification action of a status word, through the explicit table; an
    unknown word (or a known word in another badge colour) is a layout change."""
    found = S.PA_STATUSES.get(words)
    if found is None:
        raise LayoutChanged(f"{what}: unknown authorization status {words!r}")
    code, colour = found
    if badge is not None and badge != colour:
        raise LayoutChanged(f"{what}: {words!r} shows a {badge!r} badge, expected {colour!r}")
    return CertificationAction(code)


def decision(words: str, *, authorization_number: str | None, approved_from: dt.date | None,
             approved_to: dt.date | None, approved: list[tuple[str, int]],
             reason: str | None, decided_on: dt.date | None, what: str
             ) -> PriorAuthDecision:
    """The normalized decision; one that does not hold together is a misread page."""
    try:
        return PriorAuthDecision(
            action=action(words, what), portal_status=words,
            authorization_number=authorization_number, approved_from=approved_from,
            approved_to=approved_to,
            approved_services=[ApprovedService(procedure_code=code, units=units)
                               for code, units in approved],
            reason=reason, decided_on=decided_on)
    except ValueError as exc:
        raise LayoutChanged(f"{what}: the decision does not hold together "
                            f"({type(exc).__name__})") from None


def letter_filename(value: str, reference: str, what: str) -> str:
    match = _LETTER.match(value)
    if not match or match.group(1) != reference:
        raise LayoutChanged(f"{what}: {value!r} is not the decision letter of {reference}")
    return value


def procedure(value: str, what: str) -> str:
    if not _CODE.match(value):
        raise LayoutChanged(f"{what}: {value!r} is not a procedure code")
    return value


def reference(value: str, what: str) -> str:
    if not _REFERENCE.match(value):
        raise LayoutChanged(f"{what}: {value!r} is not a reference number")
    return value


# -- "My requests" ---------------------------------------------------------------------------
def parse_request_list(html: str | BeautifulSoup) -> tuple[list[RequestRow], int]:
    """Every row of the requests list, in order, and how many requests the search found
    (more than the rows when the portal cut the list)."""
    page = p.soup(html) if isinstance(html, str) else html
    results = p.one(page, S.PA_RESULTS, "requests results")
    table = p.one(results, S.PA_LIST, "requests list")
    rows = _table_rows(table, S.PA_LIST_COLUMNS, "requests list")
    trs = table.select("tbody > tr")
    found = [_row(tr, row) for tr, row in zip(trs, rows, strict=True)]
    count = _COUNT.match(p.text(p.one(results, S.PA_COUNT, "requests count"), "count"))
    if count is None:
        raise LayoutChanged("requests list: the count line is worded differently")
    shown, total = (int(count.group(1)),) * 2 if count.group(1) else (
        int(count.group(2)), int(count.group(3)))
    if shown != len(found) or shown > total:
        raise LayoutChanged(f"requests list: {len(found)} rows, but the screen says {shown} "
                            f"of {total}")
    return found, total


def _row(tr: Tag, row: dict[str, str]) -> RequestRow:
    ref = tr.get("data-ref")
    number = reference(row["Reference number"], "requests list reference")
    if ref != number:
        raise LayoutChanged("requests list: a row's reference and its data disagree")
    if row["Details"] != S.PA_VIEW_TEXT or len(tr.select(S.PA_VIEW)) != 1:
        raise LayoutChanged(f"requests list: action {row['Details']!r}")
    cells = tr.find_all("td", recursive=False)
    columns = dict(zip(S.PA_LIST_COLUMNS, cells, strict=True))
    badges = columns["Status"].select("span.nw-badge")
    if len(badges) != 1:
        raise LayoutChanged("requests list: the status is not one badge")
    action(row["Status"], "requests list status", _badge_colour(badges[0]))
    start, end = _dates(row["Dates of service"])
    return RequestRow(
        reference=number,
        received_at=received_at(row["Received"], "requests list received"),
        patient=_patient(columns["Patient"], row["Member ID"],
                         long_date(row["Date of birth"], "requests list date of birth")),
        services=tuple(_list_service(text) for text in _items(columns["Services"], "services")),
        service_from=start, service_to=end,
        urgency=urgency(row["Urgency"], "requests list urgency"),
        status=row["Status"],
        files=tuple(_list_file(text) for text in _items(columns["Files"], "files")),
        note="" if row["Note"] == S.NONE_SHOWN else _note(columns["Note"]))


def _items(cell: Tag, what: str) -> list[str]:
    """The texts of a cell's list, or none when it shows the dash."""
    lists = cell.find_all("ul", recursive=False)
    if not lists:
        if p.text(cell, what) != S.NONE_SHOWN:
            raise LayoutChanged(f"requests list {what}: neither a list nor a dash")
        return []
    if len(lists) != 1:
        raise LayoutChanged(f"requests list {what}: more than one list")
    return [p.text(li, what) for li in lists[0].find_all("li", recursive=False)]


def _list_service(text: str) -> PaService:
    match = _LIST_SERVICE.match(text)
    if not match:
        raise LayoutChanged(f"requests list service {text!r} is not 'CODE-MOD × units'")
    modifiers = tuple(m for m in match.group(2).split("-") if m)
    return PaService(match.group(1), modifiers, int(match.group(3)))


def _list_file(text: str) -> PortalFile:
    match = _LIST_FILE.match(text)
    if not match:
        raise LayoutChanged(f"requests list file {text!r} is not 'name (1,234 bytes)'")
    return PortalFile(name=match.group(1), size=int(match.group(2).replace(",", "")))


def _dates(value: str) -> tuple[dt.date, dt.date]:
    parts = value.split(S.DATE_RANGE_SEPARATOR)
    if len(parts) != 2:
        raise LayoutChanged(f"requests list dates of service {value!r} are not a range")
    start = long_date(parts[0], "requests list service from")
    end = long_date(parts[1], "requests list service to")
    if end < start:
        raise LayoutChanged(f"requests list dates of service {value!r} run backwards")
    return start, end


def _note(cell: Tag) -> str:
    """The note as typed (its own spacing kept, only the ends trimmed)."""
    if cell.find(True) is not None:
        raise LayoutChanged("a note holds markup, expected plain text")
    return cell.get_text().strip()


def _patient(cell: Tag, member_id: str, born: dt.date) -> Patient:
    if [tag.name for tag in cell.find_all(True)] != ["span", "span"]:
        raise LayoutChanged("the patient name is not a given and a family name")
    given = cell.find_all("span", class_=S.GIVEN_NAME_CLASS)
    family = cell.find_all("span", class_=S.FAMILY_NAME_CLASS)
    if len(given) != 1 or len(family) != 1:
        raise LayoutChanged("the patient name is not a given and a family name")
    first, last = p.text(given[0], "given name"), p.text(family[0], "family name")
    if not first or not last or p.text(cell, "patient name") != f"{first} {last}":
        raise LayoutChanged("the patient name is not 'Given Family'")
    return Patient(member_id=member_id, first_name=first, last_name=last, date_of_birth=born)


# -- one request (the detail screen, the confirmation) ---------------------------------------
def parse_record(html: str | BeautifulSoup) -> RequestRecord:
    """The request record inside a detail or confirmation screen."""
    page = p.soup(html) if isinstance(html, str) else html
    root = p.one(page, S.PA_RECORD, "request record")
    screen = _Screen(root)
    value = {key: _fact(screen, S.PA_FACTS, key) for key in S.PA_FACTS if key != "patient"}
    number = reference(value["reference"], "reference number")
    if root.get("data-ref") != number:
        raise LayoutChanged("the request record and its reference disagree")
    services = tuple(_service(row) for row in screen.rows(
        S.PA_SERVICES_TABLE, S.PA_SERVICES_COLUMNS, "services requested"))
    files = tuple(PortalFile(name=row["File"], size=size(row["Size"], "file size"))
                  for row in screen.rows(S.PA_FILES_TABLE, S.PA_FILES_COLUMNS,
                                         "clinical documents"))
    start, end = long_date(value["from"], "service from"), long_date(value["to"], "service to")
    if end < start:
        raise LayoutChanged("the request's service dates run backwards")
    row = RequestRow(
        reference=number, received_at=received_at(value["received"], "received"),
        patient=_patient(_dd(screen, S.PA_FACTS, "patient"), value["member_id"],
                         long_date(value["dob"], "date of birth")),
        services=services, service_from=start, service_to=end,
        urgency=urgency(value["urgency"], "urgency"),
        status="", files=files,
        note="" if value["note"] == S.NONE_SHOWN else _note(_dd(screen, S.PA_FACTS, "note")))
    read = _decision(screen, number)
    diagnoses = tuple(value["diagnoses"].split(S.PA_DIAGNOSIS_SEPARATOR))
    if not all(_ICD10.match(code) for code in diagnoses):
        raise LayoutChanged(f"diagnoses {value['diagnoses']!r} are not ICD-10 codes")
    return RequestRecord(
        row=_with_status(row, read[0].portal_status),
        requesting=_provider(value["requesting"], "requesting provider"),
        servicing=_provider(value["servicing"], "servicing provider"),
        diagnoses=diagnoses, place_of_service=_place(value["pos"]),
        decision=read[0], letter_filename=read[1])


def _with_status(row: RequestRow, status: str) -> RequestRow:
    return dataclasses.replace(row, status=status)


def _decision(screen: _Screen, number: str) -> tuple[PriorAuthDecision, str | None]:
    titles = [p.text(h3, "decision heading") for h3 in screen.one(
        "nw-pa-decision", "article", "decision").find_all("h3")]
    if titles != ["Decision"]:
        raise LayoutChanged(f"the decision card is titled {titles}")
    status_dd = _dd(screen, S.PA_DECISION_FACTS, "status")
    badges = status_dd.find_all("span")
    if len(badges) != 1 or p.text(status_dd, "status") != p.text(badges[0], "status"):
        raise LayoutChanged("the decision status is not one badge")
    words = p.text(badges[0], "status")
    action(words, "decision status", _badge_colour(badges[0]))
    v = {key: _fact(screen, S.PA_DECISION_FACTS, key) for key in S.PA_DECISION_FACTS
         if key != "status"}

    def optional(key: str) -> str | None:
        return None if v[key] == S.NONE_SHOWN else v[key]

    def day(key: str) -> dt.date | None:
        text = optional(key)
        return None if text is None else long_date(text, f"decision {key}")

    approved = [(procedure(row["Procedure"], "approved procedure"),
                 p.integer(row["Approved units"], "approved units"))
                for row in screen.rows(S.PA_APPROVED_TABLE, S.PA_APPROVED_COLUMNS,
                                       "approved services")]
    read = decision(words, authorization_number=optional("authorization"),
                    approved_from=day("approved_from"), approved_to=day("approved_to"),
                    approved=approved, reason=optional("reason"), decided_on=day("decided"),
                    what="decision")
    return read, _letter(screen, number)


def _letter(screen: _Screen, number: str) -> str | None:
    links = screen.ids.get(S.PA_LETTER_ID, [])
    none = screen.ids.get(S.PA_NO_LETTER_ID, [])
    if len(links) + len(none) != 1:
        raise LayoutChanged("the decision neither offers a letter nor says there is none")
    if none:
        return None
    link = links[0]
    if link.name != "a" or p.text(link, "letter link") != S.PA_LETTER_TEXT:
        raise LayoutChanged("the letter link is not the known 'Download decision letter' link")
    name = link.get("download")
    if not isinstance(name, str):
        raise LayoutChanged("the letter link names no file")
    return letter_filename(name, number, "letter link")


def _service(row: dict[str, str]) -> PaService:
    modifiers = () if row["Modifiers"] == S.NONE_SHOWN else tuple(
        row["Modifiers"].split(S.MODIFIER_SEPARATOR))
    if any(not _MODIFIER.match(m) for m in modifiers):
        raise LayoutChanged(f"modifiers {row['Modifiers']!r}")
    return PaService(procedure(row["Procedure"], "procedure"), modifiers,
                     p.integer(row["Units requested"], "units requested"))


def _dd(screen: _Screen, facts: dict[str, tuple[str, str]], key: str) -> Tag:
    element_id, label = facts[key]
    dd = screen.one(element_id, "dd", key)
    dt_tag = dd.find_previous_sibling()
    if not isinstance(dt_tag, Tag) or dt_tag.name != "dt" or \
            p.text(dt_tag, f"{key} label") != label:
        raise LayoutChanged(f"{key} is not labelled {label!r}")
    return dd


def _fact(screen: _Screen, facts: dict[str, tuple[str, str]], key: str) -> str:
    dd = _dd(screen, facts, key)
    if key != "status" and dd.find(True) is not None:
        raise LayoutChanged(f"{key} holds markup, expected plain text")
    return p.text(dd, key)


def _provider(value: str, what: str) -> Provider:
    match = _PROVIDER.match(value)
    if not match:
        raise LayoutChanged(f"{what}: {value!r} is not 'Name · NPI 1234567890'")
    return Provider(npi=match.group(2), name=match.group(1))


def _place(value: str) -> str:
    match = _PLACE.match(value)
    if not match or S.PA_PLACES.get(match.group(2)) != match.group(1):
        raise LayoutChanged(f"place of service {value!r} is not a known 'Name (code)'")
    return match.group(2)


def parse_receipt(html: str | BeautifulSoup) -> tuple[str, dt.datetime]:
    """The confirmation's reference number and received time."""
    page = p.soup(html) if isinstance(html, str) else html
    section = p.one(page, S.PA_CONFIRMATION, "confirmation")
    screen = _Screen(p.one(section, "dl#nw-pa-receipt", "receipt"))
    number = reference(_fact(screen, S.PA_RECEIPT, "reference"), "confirmed reference")
    if section.get("data-ref") != number:
        raise LayoutChanged("the confirmation and its reference disagree")
    return number, received_at(_fact(screen, S.PA_RECEIPT, "received"), "confirmed time")


# -- the form's attached files ---------------------------------------------------------------
def parse_attached(html: str | BeautifulSoup) -> list[PortalFile]:
    """The files the form lists as attached (read back from the portal, with sizes)."""
    page = p.soup(html) if isinstance(html, str) else html
    box = p.one(page, S.PA_ATTACHED, "attached files")
    tables = box.select(S.PA_ATTACHED_TABLE)
    empty = box.select(S.PA_NO_FILES)
    if len(tables) + len(empty) != 1:
        raise LayoutChanged("the attached files are neither listed nor said to be none")
    if empty:
        return []
    return [PortalFile(name=row["File"], size=size(row["Size"], "attached file size"))
            for row in _table_rows(tables[0], S.PA_ATTACHED_COLUMNS, "attached files")]
