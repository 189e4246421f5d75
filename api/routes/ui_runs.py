"""Web UI: failed runs for review, their artifacts (behind login, audited), resolve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response

from api.artifacts import artifact_response
from api.deps import SessionDep, StaffUser, StoreDep, TemplatesDep, verify_csrf
from api.services import NotFoundError, StateConflict, read_artifact, resolve_run
from api.ui import flash, redirect, render
from api.views import runs_public, ui_artifact_url
from portals.jobs import all_kinds
from storage import repo
from storage.models import RunStatus

router = APIRouter(tags=["ui"])

SHOWN = 100


@router.get("/runs/failed", response_class=HTMLResponse)
def failed_runs(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    runs = runs_public(session=session,
                       runs=repo.list_runs(session=session, status=RunStatus.FAILED,
                                           limit=SHOWN),
                       url=ui_artifact_url)
    checks = {}
    for run in runs:
        if run.job_id not in checks:
            checks[run.job_id] = repo.get_job(session=session, job_id=run.job_id)
    pages = {kind.name: kind.ui_page for kind in all_kinds()}
    return render(request, templates, "runs_failed.html",
                  {"runs": runs, "checks": checks, "pages": pages}, user=user)


@router.post("/runs/{run_id}/resolve")
def resolve(
    run_id: str, request: Request, session: SessionDep, user: StaffUser,
    csrf: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
) -> Response:
    verify_csrf(request, csrf)
    note = note.strip()[:400]
    if not note:
        flash(request, "Not resolved: write a short note on what was done.")
        return redirect("/runs/failed")
    try:
        resolve_run(session=session, run_id=run_id, actor=user, note=note)
        flash(request, "The run is marked resolved.")
    except (NotFoundError, StateConflict) as exc:
        flash(request, f"Not resolved: {exc}.")
    return redirect("/runs/failed")


@router.get("/ui/runs/{run_id}/artifacts/{artifact_id}")
def artifact(run_id: str, artifact_id: str, session: SessionDep, store: StoreDep,
             user: StaffUser) -> Response:
    """A run's screenshot, HTML or trace for a logged-in staff member; audited."""
    try:
        found, data = read_artifact(session=session, store=store, run_id=run_id,
                                    artifact_id=artifact_id, actor=user)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return artifact_response(found, data)
