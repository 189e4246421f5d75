"""/v1/runs: attempts at jobs (filtered, a page at a time), failed runs grouped by failure
signature, one run, its failure artifacts, and staff resolution."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.artifacts import artifact_response
from api.audit_reads import audit_list, audit_read
from api.deps import ApiActor, SessionDep, StoreDep
from api.errors import field_error
from api.runs_workspace import MAX_SCANNED, RunFilter, failed_rows, filtered_runs, group_rows
from api.schemas import IsoDate, ResolveBody, RunPublic, UtcDatetime
from api.services import NotFoundError, StateConflict, read_artifact, resolve_run
from api.views import runs_public
from portals.jobs import all_kinds
from storage import repo
from storage.models import RunStatus

router = APIRouter(prefix="/runs", tags=["runs"])

VIEW_ACTION = "run.view"
"""The same action as the web run page's (``api.routes.ui_runs.RUN_VIEW_ACTION``)."""
TARGET = "run"

Carrier = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z0-9_-]+$",
                                      description="The carrier's registry name, as in "
                                      "`portals carriers`.")]
Kind = Annotated[str | None, Query(max_length=40, description="The job kind (eligibility, "
                                   "claim_status, prior_auth_submit, prior_auth_status).")]
ErrorType = Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_.-]+$",
                                        description="The run's error type (e.g. "
                                        "layout_changed).")]
AccountId = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="The portal "
                                        "account the job used.")]
DateFrom = Annotated[IsoDate | None, Query(description="Runs started on or after this "
                                           "day (YYYY-MM-DD, UTC).")]
DateTo = Annotated[IsoDate | None, Query(description="Runs started on or before this day "
                                         "(YYYY-MM-DD, UTC).")]


def _filters(carrier: str | None, kind: str | None, error_type: str | None,
             account_id: int | None, date_from: dt.date | None,
             date_to: dt.date | None) -> RunFilter:
    """The query's filters, or a 422 naming the field (an unknown kind, a range that ends
    before it starts)."""
    if kind is not None and kind not in {k.name for k in all_kinds()}:
        raise field_error(("query", "kind"), "is not a job kind (one of "
                          + ", ".join(k.name for k in all_kinds()) + ")", "enum")
    if date_from is not None and date_to is not None and date_to < date_from:
        raise field_error(("query", "date_to"), "is before date_from", "date_range")
    return RunFilter(carrier=carrier or "", kind=kind or "", error_type=error_type or "",
                     account_id=account_id, since=date_from, until=date_to)


@router.get("", response_model=list[RunPublic], summary="List runs")
def list_runs(
    session: SessionDep,
    actor: ApiActor,
    status_: Annotated[RunStatus | None, Query(alias="status")] = None,
    job_id: Annotated[str | None, Query(max_length=32)] = None,
    carrier: Carrier = None,
    kind: Kind = None,
    error_type: ErrorType = None,
    account_id: AccountId = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[RunPublic]:
    """Most recent first; ``?status=failed`` lists what needs review. Every filter is
    optional; a value that does not parse is a 422 naming the field. Audited (error
    messages may name the patient): one event naming the filters and the ids returned."""
    filters = _filters(carrier, kind, error_type, account_id, date_from, date_to)
    runs = filtered_runs(session=session, filters=filters,
                         status=status_.value if status_ else None, job_id=job_id,
                         limit=limit, offset=offset)
    audit_list(session=session, actor=actor, target=TARGET, resource="runs",
               filters={"status": status_.value if status_ else None, "job_id": job_id,
                        **filters.fields(), "limit": limit, "offset": offset},
               ids=[run.id for run in runs])
    return runs_public(session=session, runs=runs)


class RunGroup(BaseModel):
    """Failed runs that share a failure signature: one portal change fails every run that
    reaches the changed page the same way."""

    signature: str = Field(description="carrier|page|error type")
    carrier: str
    page: str = Field(description="The page the bot was on: its last reported step, else "
                      "the error message with ids and numbers blanked.")
    error_type: str
    count: int = Field(description="Failed runs with this signature.")
    open_count: int = Field(description="Of those, the ones nobody resolved yet.")
    failed_jobs: int = Field(description="Distinct jobs among them still failed (the ones "
                             "a retry would send again).")
    first_seen: UtcDatetime = Field(description="When the earliest of them started.")
    last_seen: UtcDatetime = Field(description="When the latest of them started.")
    sample_run_id: str = Field(description="The latest run, to look at "
                               "(GET /v1/runs/{run_id}).")


class RunGroupList(BaseModel):
    items: list[RunGroup]
    total_groups: int
    total_runs: int
    limit: int
    offset: int
    scanned_limit_reached: bool = Field(description=f"True when more than {MAX_SCANNED} "
                                        "failed runs matched: only the most recent were "
                                        "grouped; narrow the filter.")


@router.get("/groups", response_model=RunGroupList, summary="Failed runs by failure signature")
def run_groups(
    session: SessionDep,
    carrier: Carrier = None,
    kind: Kind = None,
    error_type: ErrorType = None,
    account_id: AccountId = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RunGroupList:
    """Failed runs grouped by signature (carrier, page, error type), the most recently
    failing group first, with counts, first and last seen and a sample run: the web
    workspace's grouping. Names no patient (the page's ids and numbers are blanked)."""
    filters = _filters(carrier, kind, error_type, account_id, date_from, date_to)
    rows = failed_rows(session=session, filters=filters)
    groups = group_rows(rows)
    items = [RunGroup(signature=g.key, carrier=g.carrier, page=g.page,
                      error_type=g.error_type, count=g.count, open_count=g.open_count,
                      failed_jobs=len(g.failed_job_ids), first_seen=g.earliest,
                      last_seen=g.latest, sample_run_id=g.rows[0].run.id)
             for g in groups[offset:offset + limit]]
    return RunGroupList(items=items, total_groups=len(groups), total_runs=len(rows),
                        limit=limit, offset=offset,
                        scanned_limit_reached=len(rows) >= MAX_SCANNED)


@router.get("/{run_id}", response_model=RunPublic, summary="Read one run")
def get_run(run_id: str, session: SessionDep, actor: ApiActor) -> RunPublic:
    """The run with its artifacts and resolution. Audited (its error and artifacts are
    PHI)."""
    run = repo.get_run(session=session, run_id=run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such run")
    audit_read(session=session, actor=actor, action=VIEW_ACTION, target_type=TARGET,
               target_id=run.id)
    return runs_public(session=session, runs=[run])[0]


@router.post("/{run_id}/resolve", response_model=RunPublic)
def resolve(run_id: str, body: ResolveBody, session: SessionDep, actor: ApiActor) -> RunPublic:
    """Mark a failed run reviewed (recorded as an audit event); 409 when it isn't failed."""
    try:
        run = resolve_run(session=session, run_id=run_id, actor=actor, note=body.note)
    except NotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such run") from None
    except StateConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return runs_public(session=session, runs=[run])[0]


@router.get("/{run_id}/artifacts/{artifact_id}", response_class=Response,
            responses={200: {"description": "The artifact's bytes, decrypted."}})
def download_artifact(
    run_id: str, artifact_id: str, session: SessionDep, store: StoreDep, actor: ApiActor
) -> Response:
    """A screenshot, page HTML (always as an attachment) or trace. Every view is audited."""
    try:
        artifact, data = read_artifact(session=session, store=store, run_id=run_id,
                                       artifact_id=artifact_id, actor=actor)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return artifact_response(artifact, data)
