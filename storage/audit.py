"""Reading the audit trail: a filter, a page of events, a count, every matching event for
an export, and the retention purge.

The trail is append-only: :func:`storage.repo.audit` adds rows and :func:`purge_audit`
(run by the recovery loop after ``PORTALS_AUDIT_RETENTION_DAYS``) is the one place that
removes them. Nothing in the application updates an audit row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import repo
from storage.models import AuditEvent, utcnow

PURGE_ACTOR = "retention"
PURGE_ACTION = "audit.purge"
EXPORT_BATCH = 500


@dataclass(frozen=True)
class AuditFilter:
    """What to narrow the trail to; an empty field matches everything. ``action`` ending
    in a dot (``user.``) matches every action under it, any other value only itself.
    ``since`` is inclusive and ``until`` exclusive (timezone-aware UTC)."""

    actor: str = ""
    actor_type: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def described(self) -> dict[str, str]:
        """The fields that narrow anything, as text (what an export was of)."""
        out: dict[str, str] = {}
        for key, value in asdict(self).items():
            if isinstance(value, dt.datetime):
                out[key] = value.isoformat()
            elif value:
                out[key] = str(value)
        return out


def _filtered(query: SelectOfScalar[Any], filters: AuditFilter) -> SelectOfScalar[Any]:
    for name in ("actor", "actor_type", "target_type", "target_id"):
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(AuditEvent, name) == value)
    if filters.action.endswith("."):
        query = query.where(col(AuditEvent.action).startswith(filters.action,
                                                               autoescape=True))
    elif filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(col(AuditEvent.at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(AuditEvent.at) < filters.until)
    return query


def _newest_first(query: SelectOfScalar[AuditEvent]) -> SelectOfScalar[AuditEvent]:
    """By time, then id: two events of the same instant keep one order across pages."""
    return query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())


def find_events(*, session: Session, filters: AuditFilter, limit: int = 200,
                offset: int = 0) -> list[AuditEvent]:
    """One page of matching events, newest first."""
    query = _newest_first(_filtered(select(AuditEvent), filters))
    return list(session.exec(query.offset(offset).limit(limit)))


def count_events(*, session: Session, filters: AuditFilter) -> int:
    query = _filtered(select(func.count()).select_from(AuditEvent), filters)
    return int(session.exec(query).one())


def iter_events(*, session: Session, filters: AuditFilter,
                batch_size: int = EXPORT_BATCH) -> Iterator[AuditEvent]:
    """Every matching event, newest first, read ``batch_size`` at a time. Each batch starts
    after the last event of the one before (by time and id, not by offset), so an export of
    years of events neither holds them all in memory nor skips or repeats one when new
    events arrive meanwhile."""
    last: AuditEvent | None = None
    while True:
        query = _filtered(select(AuditEvent), filters)
        if last is not None:
            query = query.where(or_(col(AuditEvent.at) < last.at,
                                    and_(col(AuditEvent.at) == last.at,
                                         col(AuditEvent.id) < last.id)))
        batch = list(session.exec(_newest_first(query).limit(batch_size)))
        yield from batch
        if len(batch) < batch_size:
            return
        last = batch[-1]


def purge_audit(*, db: Session | Engine, older_than_days: int,
                now: dt.datetime | None = None) -> int:
    """Delete every event older than ``older_than_days`` and record the purge as one
    summary event (how many, and the cutoff), in the same transaction: the trail never
    loses rows without saying so. Returns how many went; nothing is recorded when none did
    (the recovery loop calls this every few minutes). A :class:`Session` is left to its
    caller to commit; an :class:`Engine` gets its own committed transaction."""
    if isinstance(db, Engine):
        with Session(db) as session:
            purged = purge_audit(db=session, older_than_days=older_than_days, now=now)
            session.commit()
            return purged
    cutoff = (now or utcnow()) - dt.timedelta(days=older_than_days)
    statement = delete(AuditEvent).where(col(AuditEvent.at) < cutoff)
    purged = int(db.connection().execute(statement).rowcount or 0)
    if purged:
        repo.audit(session=db, actor=PURGE_ACTOR, action=PURGE_ACTION,
                   target_type="audit", target_id="retention",
                   detail=json.dumps({"deleted": purged, "cutoff": cutoff.isoformat(),
                                      "older_than_days": older_than_days}))
    return purged
