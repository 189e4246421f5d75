"""What the audit trail looks like outside: the /v1 event model, the CSV export (both the
API's and the page's) and the admin page's filter form."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import urlencode

from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.schemas import UtcDatetime
from storage import repo
from storage.audit import AuditFilter, iter_events
from storage.models import AuditEvent, utcnow

ActorType = Literal["person", "admin_token", "anonymous", "system"]
ACTOR_TYPES: tuple[str, ...] = get_args(ActorType)
MAX_LENGTHS = {"actor": 80, "action": 60, "target_type": 40, "target_id": 64}
"""The columns' own lengths: a longer filter could never match."""
CSV_COLUMNS = ("at", "actor", "actor_type", "client_address", "action", "target_type",
               "target_id", "detail")
EXPORT_ACTION = "audit.export"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditEventPublic(BaseModel):
    """One audit event: who (and as what, from where) did what to which thing, when."""

    id: int
    at: UtcDatetime
    actor: str
    actor_type: str
    client_address: str | None
    action: str
    target_type: str
    target_id: str
    detail: str | None


def event_public(event: AuditEvent) -> AuditEventPublic:
    assert event.id is not None
    return AuditEventPublic(id=event.id, at=event.at, actor=event.actor,
                            actor_type=event.actor_type, client_address=event.client_address,
                            action=event.action, target_type=event.target_type,
                            target_id=event.target_id, detail=event.detail)


# -- CSV -------------------------------------------------------------------------------


class CsvResponse(StreamingResponse):
    media_type = "text/csv"


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return) gets a leading quote, so a name or detail an
    outsider chose (a failed login's username) can never run as a formula."""
    text = "" if value is None else str(value).replace("\x00", "")
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_line(values: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(v) for v in values])
    return buffer.getvalue()


def csv_row(event: AuditEvent) -> list[object]:
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
    return [at.isoformat(), event.actor, event.actor_type, event.client_address,
            event.action, event.target_type, event.target_id, event.detail]


def csv_lines(engine: Engine, filters: AuditFilter) -> Iterator[str]:
    """The header, then every matching event (newest first), read in batches on a session
    of its own: it outlives the request's."""
    yield _csv_line(list(CSV_COLUMNS))
    with Session(engine) as session:
        batch: list[str] = []
        for event in iter_events(session=session, filters=filters):
            batch.append(_csv_line(csv_row(event)))
            if len(batch) >= 200:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)


def export_csv(*, engine: Engine, session: Session, actor: str,
               filters: AuditFilter) -> CsvResponse:
    """Record the export (by whom, of what) and commit before the first byte goes out, so
    that a download is on record even if it is cut short; then stream the events."""
    repo.audit(session=session, actor=actor, action=EXPORT_ACTION, target_type="audit",
               target_id="csv", detail=json.dumps(filters.described(), sort_keys=True))
    session.commit()
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return CsvResponse(csv_lines(engine, filters), media_type="text/csv; charset=utf-8",
                       headers={"Content-Disposition":
                                f'attachment; filename="audit-{stamp}.csv"',
                                "Cache-Control": "no-store"})


# -- the admin page's form -------------------------------------------------------------


FORM_FIELDS = ("actor", "actor_type", "action", "target_type", "target_id", "since",
               "until")


@dataclass
class AuditForm:
    """The page's filter as typed (echoed back into the form), the filter it means, and the
    error to show beside each field that does not parse."""

    values: dict[str, str]
    filters: AuditFilter
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> AuditForm:
        values = {name: query.get(name, "").strip() for name in FORM_FIELDS}
        errors: dict[str, str] = {}
        for name, longest in MAX_LENGTHS.items():
            if len(values[name]) > longest:
                errors[name] = f"At most {longest} characters."
        if values["actor_type"] and values["actor_type"] not in ACTOR_TYPES:
            errors["actor_type"] = "Choose a type from the list."
        since = _day(values["since"], "since", errors)
        until = _day(values["until"], "until", errors)
        if since and until and until < since:
            errors["until"] = "The end date is before the start date."
        if errors:
            return cls(values, AuditFilter(), errors)
        return cls(values, AuditFilter(
            actor=values["actor"], actor_type=values["actor_type"], action=values["action"],
            target_type=values["target_type"], target_id=values["target_id"],
            since=_midnight(since) if since else None,
            # "to" is the last day shown: events before the next midnight
            until=_midnight(until) + dt.timedelta(days=1) if until else None))

    def query(self, **extra: str | int) -> str:
        """The filter as a query string (for the pager's and the download's links)."""
        fields = {k: v for k, v in self.values.items() if v}
        return urlencode({**fields, **{k: str(v) for k, v in extra.items()}})


def _day(text: str, name: str, errors: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "A date as YYYY-MM-DD."
        return None
    if day >= dt.date.max:
        errors[name] = "A date before the year 10000."
        return None
    return day


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
