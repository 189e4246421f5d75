"""Upcoming visits from a practice management system's CSV export, read and checked.

``parse_appointments(data, known_carriers)`` reads the whole file and returns the visits
it can vouch for and, for every other row, its line number and the reason, so that an
import stores the good rows and reports the bad ones (:mod:`storage.appointments`).

The file: a header row, then one visit per row. Columns are found by name, in any order,
case and spacing ignored, under the names practice systems use (``ALIASES``): the
patient's name (``patient name`` as "Last, First", or ``last name`` and ``first name``),
``date of birth``, ``carrier``, ``member id``, ``visit date``, ``visit time``,
``provider``, ``procedure codes`` (separated by ``;``, ``|``, ``,`` or spaces) and, if
the system exports one, ``appointment id``. Dates are ``YYYY-MM-DD`` or ``MM/DD/YYYY``;
times ``HH:MM`` (24-hour) or ``H:MM AM/PM``.

Text is UTF-8 (a byte-order mark is fine) or UTF-16 with its byte-order mark (what
spreadsheets call "Unicode text"). A line that is not valid UTF-8 is refused with its
line number and the rest of the file still imports.

A visit is named across imports by ``visit_key``: the system's appointment ID when the
file has one, else carrier, member ID, day and provider. A row for a known visit replaces
it; the same row again changes nothing (``row_hash``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

MAX_ERRORS_KEPT = 1000
"""A report keeps the first this many refused rows (and counts them all)."""

ALIASES: dict[str, tuple[str, ...]] = {
    "appointment_id": ("appointment id", "appt id", "appointment", "visit id",
                       "encounter id"),
    "patient_name": ("patient name", "patient", "name"),
    "last_name": ("last name", "patient last name", "surname", "lname"),
    "first_name": ("first name", "patient first name", "given name", "fname"),
    "date_of_birth": ("date of birth", "dob", "birth date", "birthdate", "patient dob"),
    "carrier": ("carrier", "payer", "insurance", "insurance carrier"),
    "member_id": ("member id", "subscriber id", "insurance id", "policy number",
                  "member number"),
    "visit_date": ("visit date", "appointment date", "date of service", "service date",
                   "date"),
    "visit_time": ("visit time", "appointment time", "time", "start time"),
    "provider": ("provider", "rendering provider", "doctor", "clinician"),
    "procedure_codes": ("procedure codes", "procedures", "planned procedures", "cpt codes",
                        "codes", "procedure code", "cpt"),
}
REQUIRED = ("date_of_birth", "carrier", "member_id", "visit_date", "visit_time", "provider")
"""Columns a file must have (and the patient's name, as one column or two)."""

_MEMBER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,29}$")
_CODE = re.compile(r"^(?:\d{4}[0-9A-Z]|[A-Z]\d{4})$")
"""CPT (five digits, or four and a letter), HCPCS and CDT (a letter and four digits)."""
_NAME = re.compile(r"^[^\W\d_][\w .'\-]{0,59}$")
_TIME_12 = re.compile(r"^(\d{1,2}):(\d{2})\s*([AaPp])\.?[Mm]\.?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SEPARATORS = re.compile(r"[;|,\s]+")


class FileRefused(ValueError):
    """The file as a whole cannot be read (no header, a required column missing, not a
    CSV): nothing is imported. The message names the problem."""


@dataclass(frozen=True)
class Visit:
    """One checked row: the visit as it will be stored."""

    line: int
    external_id: str | None
    carrier: str
    member_id: str
    date_of_birth: dt.date
    last_name: str
    first_name: str | None
    visit_date: dt.date
    visit_time: dt.time
    provider: str
    procedure_codes: tuple[str, ...]

    @property
    def visit_key(self) -> str:
        if self.external_id:
            return f"id:{self.external_id}"
        return "|".join([self.carrier, self.member_id.upper(), self.visit_date.isoformat(),
                         " ".join(self.provider.lower().split())])

    @property
    def row_hash(self) -> str:
        """What the row says, hashed: equal rows mean nothing to change."""
        values = [self.external_id, self.carrier, self.member_id, self.date_of_birth,
                  self.last_name, self.first_name, self.visit_date, self.visit_time,
                  self.provider, list(self.procedure_codes)]
        return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class Parsed:
    visits: list[Visit] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    """Data rows read (blank lines aside)."""


def _decode_lines(data: bytes) -> Iterator[tuple[int, str | None]]:
    """(line number, text) per physical line; text None for a line that is not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileRefused("the file starts as UTF-16 text but is not valid UTF-16"
                              ) from exc
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            yield number, line
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None


def _column_map(header: list[str]) -> dict[str, int]:
    names = [" ".join(re.sub(r"[_\-]", " ", name).lower().split()) for name in header]
    found: dict[str, int] = {}
    for key, aliases in ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    missing = [key for key in REQUIRED if key not in found]
    if "patient_name" not in found and "last_name" not in found:
        missing.insert(0, "patient_name (or last_name)")
    if missing:
        raise FileRefused("the header has no column for " + ", ".join(
            m.replace("_", " ") for m in missing) + f" (it has: {', '.join(header)[:300]})")
    return found


def _date(value: str, what: str) -> dt.date:
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if match:
            month, day, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not a real date ({exc})") from None
    raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")


def _time(value: str) -> dt.time:
    value = value.strip()
    try:
        match = _TIME_12.fullmatch(value)
        if match:
            hour, minute = int(match.group(1)), int(match.group(2))
            if not 1 <= hour <= 12:
                raise ValueError("hour must be 1 to 12")
            hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
            return dt.time(hour, minute)
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value):
            return dt.time.fromisoformat(value.zfill(5) if len(value) == 4 else value)
    except ValueError:
        raise ValueError(f"visit time {value!r} is not a real time") from None
    raise ValueError(f"visit time {value!r} is not a time (HH:MM or H:MM AM/PM)")


def _name(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not _NAME.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a name (letters, spaces, ' . -; "
                         "at most 60)")
    return value


def _visit(line: int, row: list[str], columns: dict[str, int], known: Collection[str],
           today: dt.date) -> Visit:
    def get(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    missing = [key.replace("_", " ") for key in REQUIRED if not get(key)]
    if "last_name" in columns:
        last, first = get("last_name"), get("first_name")
        if not last:
            missing.insert(0, "last name")
    else:
        full = get("patient_name")
        if not full:
            missing.insert(0, "patient name")
        last, _, first = full.partition(",")
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    last_name = _name(last, "last name")
    first_name = _name(first, "first name") if first.strip() else None
    carrier = get("carrier").lower()
    if carrier not in known:
        raise ValueError(f"unknown carrier {get('carrier')!r} (known: "
                         f"{', '.join(sorted(known))})")
    member_id = get("member_id")
    if not _MEMBER_ID.fullmatch(member_id):
        raise ValueError(f"member ID {member_id!r} is not one (letters, digits and "
                         "dashes, at most 30)")
    birth = _date(get("date_of_birth"), "date of birth")
    if birth > today or birth < today.replace(year=today.year - 125):
        raise ValueError(f"date of birth {birth.isoformat()} is impossible")
    visit_date = _date(get("visit_date"), "visit date")
    if visit_date < birth:
        raise ValueError(f"visit date {visit_date.isoformat()} is before the patient's "
                         "birth")
    if not today - dt.timedelta(days=366) <= visit_date <= today + dt.timedelta(days=731):
        raise ValueError(f"visit date {visit_date.isoformat()} is not within a year "
                         "before or two years after today")
    provider = " ".join(get("provider").split())
    if len(provider) > 120:
        raise ValueError("provider is longer than 120 characters")
    codes = tuple(code.upper() for code in _SEPARATORS.split(get("procedure_codes")) if code)
    bad = [code for code in codes if not _CODE.fullmatch(code)]
    if bad:
        raise ValueError(f"procedure code {bad[0]!r} is not a CPT, HCPCS or CDT code")
    if len(codes) > 20:
        raise ValueError("more than 20 procedure codes")
    external = get("appointment_id") or None
    if external is not None and not re.fullmatch(r"[\w.\-/]{1,80}", external):
        raise ValueError(f"appointment ID {external!r} is not one (at most 80 letters, "
                         "digits, . - / _)")
    return Visit(line=line, external_id=external, carrier=carrier, member_id=member_id,
                 date_of_birth=birth, last_name=last_name, first_name=first_name,
                 visit_date=visit_date, visit_time=_time(get("visit_time")),
                 provider=provider, procedure_codes=tuple(dict.fromkeys(codes)))


def parse_appointments(data: bytes, known_carriers: Collection[str], *,
                       today: dt.date | None = None) -> Parsed:
    """Every row of ``data`` checked: visits to store, and each refused row's line and
    reason. Raises :class:`FileRefused` when the file as a whole cannot be read."""
    today = today or dt.date.today()
    if not data.strip():
        raise FileRefused("the file is empty")
    parsed = Parsed()
    columns: dict[str, int] | None = None
    seen: dict[str, Visit] = {}
    pending: list[tuple[int, str]] = []  # a quoted field may span lines

    def refuse(line: int, reason: str) -> None:
        parsed.errors.append(RowError(line, reason))

    for number, text in _decode_lines(data):
        if text is None:
            if columns is None:
                raise FileRefused("the header is not UTF-8 text: export the file as UTF-8 "
                                  "CSV")
            parsed.rows += 1
            refuse(number, "not UTF-8 text: export the file as UTF-8 CSV")
            pending.clear()
            continue
        pending.append((number, text))
        joined = "".join(part for _, part in pending)
        if joined.count('"') % 2 and len(pending) < 50:  # a quoted field goes on
            continue
        first_line = pending[0][0]
        pending.clear()
        try:
            rows = list(csv.reader(io.StringIO(joined), strict=True))
        except csv.Error as exc:
            if columns is None:
                raise FileRefused(f"the header is not CSV ({exc})") from None
            parsed.rows += 1
            refuse(first_line, f"not a CSV row ({exc})")
            continue
        if not rows or not any(cell.strip() for cell in rows[0]):
            continue
        row = rows[0]
        if columns is None:
            if any(_CONTROL.search(cell) for cell in row):
                raise FileRefused("the file is not text (its header holds control bytes): "
                                  "export it as CSV")
            columns = _column_map([cell.strip().lstrip("\ufeff") for cell in row])
            continue
        parsed.rows += 1
        if any(_CONTROL.search(cell) for cell in row):
            refuse(first_line, "holds control characters (NUL, …)")
            continue
        try:
            visit = _visit(first_line, row, columns, known_carriers, today)
        except ValueError as exc:
            refuse(first_line, str(exc))
            continue
        earlier = seen.get(visit.visit_key)
        if earlier is not None:
            refuse(first_line, f"duplicate of line {earlier.line}" if
                   earlier.row_hash == visit.row_hash else
                   f"the same visit as line {earlier.line} with other details")
            continue
        seen[visit.visit_key] = visit
        parsed.visits.append(visit)
    if pending:
        parsed.rows += 1
        refuse(pending[0][0], "a quoted field is never closed")
    if columns is None:
        raise FileRefused("the file has no header row")
    return parsed
