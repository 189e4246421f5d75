"""/v1/runs: attempts at checks, their failure artifacts, and staff resolution."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response

from api.artifacts import artifact_response
from api.deps import ApiActor, SessionDep, StoreDep
from api.schemas import ResolveBody, RunPublic
from api.services import NotFoundError, StateConflict, read_artifact, resolve_run
from api.views import runs_public
from storage import repo
from storage.models import RunStatus

router = APIRouter(prefix="/runs", tags=["runs"])


@router.get("", response_model=list[RunPublic])
def list_runs(
    session: SessionDep,
    status_: Annotated[RunStatus | None, Query(alias="status")] = None,
    job_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RunPublic]:
    """Most recent first; ``?status=failed`` lists what needs review."""
    runs = repo.list_runs(session=session, status=status_.value if status_ else None,
                          job_id=job_id, limit=limit)
    return runs_public(session=session, runs=runs)


@router.get("/{run_id}", response_model=RunPublic)
def get_run(run_id: str, session: SessionDep) -> RunPublic:
    run = repo.get_run(session=session, run_id=run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such run")
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
