"""/v1/audit: who saw or did what, most recent first, narrowed by who, what and when; and
the same as a CSV download (itself audited)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.audit_views import (
    MAX_LENGTHS,
    ActorType,
    AuditEventPublic,
    CsvResponse,
    event_public,
    export_csv,
)
from api.deps import ApiActor, SessionDep
from api.errors import field_error
from storage.audit import AuditFilter, find_events

router = APIRouter(prefix="/audit", tags=["audit"])

MAX_OFFSET = 10**9


def _utc(value: dt.datetime | None, name: str) -> dt.datetime | None:
    """A time without an offset is UTC; one with an offset is moved to UTC (a 422, not a
    500, when that falls outside the calendar)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise field_error(("query", name), "outside the supported range of dates") from None


def audit_filter(
    actor: Annotated[str, Query(max_length=MAX_LENGTHS["actor"],
                                description="Exactly this actor (a username, "
                                "admin-token, anonymous, retention, ...).")] = "",
    actor_type: Annotated[ActorType | None, Query(description="How the actor came in.")]
    = None,
    action: Annotated[str, Query(max_length=MAX_LENGTHS["action"],
                                 description="Exactly this action (user.login), or every "
                                 "action under a prefix ending in a dot (user.).")] = "",
    target_type: Annotated[str, Query(max_length=MAX_LENGTHS["target_type"])] = "",
    target_id: Annotated[str, Query(max_length=MAX_LENGTHS["target_id"])] = "",
    since: Annotated[dt.datetime | None, Query(description="From this time on (inclusive); "
                                               "ISO 8601, UTC unless an offset is given.")]
    = None,
    until: Annotated[dt.datetime | None, Query(description="Before this time (exclusive); "
                                               "ISO 8601, UTC unless an offset is given.")]
    = None,
) -> AuditFilter:
    """The query's filter; every field optional."""
    start, end = _utc(since, "since"), _utc(until, "until")
    if start is not None and end is not None and end < start:
        raise field_error(("query", "until"), "must not be before since")
    return AuditFilter(actor=actor, actor_type=actor_type or "", action=action,
                       target_type=target_type, target_id=target_id, since=start, until=end)


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("", response_model=list[AuditEventPublic])
def list_audit(
    session: SessionDep, filters: FilterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET,
                                 description="Events to skip (for the next page).")] = 0,
) -> list[AuditEventPublic]:
    """Matching events, newest first (by time, then id), ``limit`` from ``offset``."""
    events = find_events(session=session, filters=filters, limit=limit, offset=offset)
    return [event_public(event) for event in events]


@router.get(
    "/export.csv",
    response_class=CsvResponse,
    responses={200: {"description": "Every matching event, newest first, as CSV with a header "
                     "row: at, actor, actor_type, client_address, action, target_type, "
                     "target_id, detail. A cell starting with =, +, -, @, a tab or a carriage "
                     "return is prefixed with a single quote (no spreadsheet formulas). The "
                     "export itself is recorded as audit.export.",
                     "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_audit(request: Request, session: SessionDep, actor: ApiActor,
                 filters: FilterDep) -> CsvResponse:
    """Every matching event as CSV, streamed (no limit)."""
    return export_csv(engine=request.app.state.engine, session=session, actor=actor,
                      filters=filters)
