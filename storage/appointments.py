"""Upcoming visits: imports (all good rows in one transaction, each bad row reported) and
the reads the worklist and the nightly schedule need."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection

from sqlmodel import Session, col, select

from portals.appointments import MAX_ERRORS_KEPT, Visit, parse_appointments
from storage.models import Appointment, AppointmentImport, utcnow

_CHUNK = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""Never stored from a client's file name (PostgreSQL refuses NUL in text)."""


def _existing(session: Session, keys: list[str]) -> dict[str, Appointment]:
    found: dict[str, Appointment] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        for row in session.exec(select(Appointment).where(col(Appointment.visit_key).in_(chunk))):
            found[row.visit_key] = row
    return found


def _apply(row: Appointment, visit: Visit, import_id: int | None) -> None:
    row.external_id = visit.external_id
    row.carrier = visit.carrier
    row.member_id = visit.member_id
    row.date_of_birth = visit.date_of_birth
    row.last_name = visit.last_name
    row.first_name = visit.first_name
    row.visit_date = visit.visit_date
    row.visit_time = visit.visit_time
    row.provider = visit.provider
    row.procedure_codes = list(visit.procedure_codes)
    row.row_hash = visit.row_hash
    row.import_id = import_id


def import_appointments(*, session: Session, filename: str, data: bytes, actor: str,
                        known_carriers: Collection[str], today: dt.date | None = None
                        ) -> AppointmentImport:
    """Check every row of a CSV file and store the good ones: a new visit is added, a
    known one (same ``visit_key``) replaced when its row changed and left alone when not.
    The caller commits (one transaction: all the good rows, or nothing). Raises
    :class:`portals.appointments.FileRefused` for a file that cannot be read at all."""
    parsed = parse_appointments(data, known_carriers, today=today)
    report = AppointmentImport(
        filename=_CONTROL.sub("", filename)[:200] or "upload.csv",
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        imported_by=actor, rows=parsed.rows, rejected=len(parsed.errors),
        errors=[error.as_dict() for error in parsed.errors[:MAX_ERRORS_KEPT]])
    session.add(report)
    session.flush()
    existing = _existing(session, [visit.visit_key for visit in parsed.visits])
    now = utcnow()
    for visit in parsed.visits:
        row = existing.get(visit.visit_key)
        if row is None:
            row = Appointment(
                visit_key=visit.visit_key, carrier=visit.carrier, member_id=visit.member_id,
                date_of_birth=visit.date_of_birth, last_name=visit.last_name,
                visit_date=visit.visit_date, provider=visit.provider, row_hash="",
                created_at=now, updated_at=now)
            _apply(row, visit, report.id)
            session.add(row)
            report.added += 1
        elif row.row_hash == visit.row_hash:
            report.unchanged += 1
        else:
            _apply(row, visit, report.id)
            row.updated_at = now
            session.add(row)
            report.updated += 1
    session.add(report)
    session.flush()
    return report


def get_import(*, session: Session, import_id: int) -> AppointmentImport | None:
    return session.get(AppointmentImport, import_id)


def list_imports(*, session: Session, limit: int = 50, offset: int = 0
                 ) -> list[AppointmentImport]:
    query = select(AppointmentImport).order_by(col(AppointmentImport.id).desc())
    return list(session.exec(query.offset(offset).limit(limit)))


def visits_between(*, session: Session, first: dt.date, last: dt.date,
                   carrier: str | None = None) -> list[Appointment]:
    """Visits from ``first`` to ``last`` (both included), by day, time and patient."""
    query = select(Appointment).where(col(Appointment.visit_date) >= first,
                                      col(Appointment.visit_date) <= last)
    if carrier is not None:
        query = query.where(Appointment.carrier == carrier)
    query = query.order_by(col(Appointment.visit_date), col(Appointment.visit_time),
                           col(Appointment.last_name), col(Appointment.id))
    return list(session.exec(query))
