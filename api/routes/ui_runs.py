"""Web UI: the failed-run review workspace (filtered, grouped by failure signature), a run's
own page (timeline, screenshot, sandboxed HTML, trace in our served viewer), retry of one,
a selection or a whole group, resolve with a reason. Behind login; every view audited."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from api import runs_workspace, trace_viewer
from api.artifacts import artifact_response
from api.audit_reads import audit_list
from api.deps import SessionDep, StaffUser, StoreDep, TemplatesDep, verify_csrf
from api.runs_workspace import (
    PAGE_SIZE,
    RESOLVE_REASONS,
    Retried,
    RunFilter,
    failed_rows,
    group_rows,
    paginate,
    retry_jobs,
)
from api.services import NotFoundError, StateConflict, read_artifact, resolve_run
from api.ui import flash, redirect, render, safe_next
from api.views import runs_public, ui_artifact_url
from portals.jobs import all_kinds
from storage import repo
from storage.models import Run, RunStatus

router = APIRouter(tags=["ui"])
router.include_router(trace_viewer.router)

RUN_VIEW_ACTION = "run.view"
RUNS_SHOWN_PER_GROUP = 50
HTML_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
            "frame-ancestors 'self'")
"""Captured portal HTML: no script, no request anywhere (images only inline), framed only
by our run page."""

FilterForm = Annotated[str, Form(max_length=40)]
_ID = re.compile(r"[0-9a-f]{32}")


def _is_id(value: str) -> bool:
    """Our ids are 32 hex digits; anything else is not found before any query (a NUL
    byte would make PostgreSQL refuse the statement)."""
    return _ID.fullmatch(value) is not None


def _pages() -> dict[str, str]:
    return {kind.name: kind.ui_page for kind in all_kinds()}


def _options(session: SessionDep) -> dict[str, object]:
    failed = Run.status == RunStatus.FAILED
    carriers = session.exec(select(Run.carrier).where(failed).distinct()).all()
    errors = session.exec(select(Run.error_type).where(failed).distinct()).all()
    return {"carriers": sorted(set(carriers)),
            "error_types": sorted({e for e in errors if e}),
            "kinds": [(kind.name, kind.title) for kind in all_kinds()],
            "accounts": repo.list_accounts(session=session)}


@router.get("/runs/failed", response_class=HTMLResponse)
def failed_runs(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    """Failed runs of every kind, filtered, grouped by signature, a page of groups."""
    filters = RunFilter.parse(request.query_params)
    number = request.query_params.get("page", "1")
    wanted = int(number) if number.isascii() and number.isdigit() and len(number) < 6 else 1
    page = paginate(group_rows(failed_rows(session=session, filters=filters)), wanted,
                    PAGE_SIZE)
    shown = [row.run for group in page.groups for row in group.rows[:RUNS_SHOWN_PER_GROUP]]
    public = {run.id: run for run in runs_public(session=session, runs=shown,
                                                 url=ui_artifact_url)}
    # the page names patients (member id, last name) beside each run: a PHI read
    audit_list(session=session, actor=user, target="run", resource="runs/failed",
               filters=filters.fields(), ids=[run.id for run in shown])
    return render(request, templates, "runs_failed.html", {
        "page": page, "filters": filters, "public": public, "pages": _pages(),
        "reasons": RESOLVE_REASONS, "per_group": RUNS_SHOWN_PER_GROUP,
        "max_scanned": runs_workspace.MAX_SCANNED,
        "here": "/runs/failed" + (f"?{request.url.query}" if request.url.query else ""),
        **_options(session)}, user=user)


@router.post("/runs/retry")
def retry_selection(
    request: Request, session: SessionDep, user: StaffUser,
    csrf: Annotated[str, Form()] = "", job_id: Annotated[list[str], Form()] = [],  # noqa: B006
    back: Annotated[str, Form(alias="next")] = "/runs/failed",
) -> Response:
    """The checked runs' jobs, each failed one back to the queue once."""
    verify_csrf(request, csrf)
    _say_retried(request, retry_jobs(session=session,
                                     job_ids=[i for i in job_id[:500] if _is_id(i)],
                                     actor=user))
    return redirect(safe_next(back, "/runs/failed"))


@router.post("/runs/groups/retry")
def retry_group(
    request: Request, session: SessionDep, user: StaffUser,
    signature: Annotated[str, Form(max_length=400)],
    csrf: Annotated[str, Form()] = "", carrier: FilterForm = "", kind: FilterForm = "",
    error_type: FilterForm = "", account: FilterForm = "", since: FilterForm = "",
    until: FilterForm = "", back: Annotated[str, Form(alias="next")] = "/runs/failed",
) -> Response:
    """Every failed job of one group (as the page's filter selected it), in one action."""
    verify_csrf(request, csrf)
    filters = RunFilter.parse({"carrier": carrier, "kind": kind, "error_type": error_type,
                               "account": account, "since": since, "until": until})
    groups = group_rows(failed_rows(session=session, filters=filters))
    found = next((group for group in groups if group.key == signature), None)
    if found is None:
        flash(request, "Nothing retried: no failed runs with that signature any more.")
    else:
        _say_retried(request, retry_jobs(session=session, job_ids=found.failed_job_ids,
                                         actor=user))
    return redirect(safe_next(back, "/runs/failed"))


def _say_retried(request: Request, retried: Retried) -> None:
    queued, skipped = len(retried.queued), len(retried.skipped)
    message = f"{queued} job{'s' if queued != 1 else ''} back to the queue"
    if skipped:
        message += f"; {skipped} skipped (no longer failed)"
    flash(request, message + ".")


@router.post("/runs/{run_id}/resolve")
def resolve(
    run_id: str, request: Request, session: SessionDep, user: StaffUser,
    csrf: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=40)] = "other",
    back: Annotated[str, Form(alias="next")] = "/runs/failed",
) -> Response:
    """Mark a failed run reviewed, with a reason from the short list and a note."""
    verify_csrf(request, csrf)
    back = safe_next(back, "/runs/failed")
    note = note.strip()[:400]
    if reason not in RESOLVE_REASONS:
        flash(request, "Not resolved: choose a reason from the list.")
        return redirect(back)
    if not note:
        flash(request, "Not resolved: write a short note on what was done.")
        return redirect(back)
    try:
        if not _is_id(run_id):
            raise NotFoundError(f"no run {run_id[:40]}")
        resolve_run(session=session, run_id=run_id, actor=user,
                    note=f"{RESOLVE_REASONS[reason]}: {note}")
        flash(request, "The run is marked resolved.")
    except (NotFoundError, StateConflict) as exc:
        flash(request, f"Not resolved: {exc}.")
    return redirect(back)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
             user: StaffUser) -> Response:
    """One run as the bot left it; the view itself is audited (it shows PHI)."""
    run = repo.get_run(session=session, run_id=run_id) if _is_id(run_id) else None
    if run is None:
        return render(request, templates, "error.html", {"message": "No such run."},
                      status_code=404, user=user)
    job = repo.get_job(session=session, job_id=run.job_id)
    repo.audit(session=session, actor=user, action=RUN_VIEW_ACTION, target_type="run",
               target_id=run.id)
    session.commit()
    public = runs_public(session=session, runs=[run], url=ui_artifact_url)[0]
    by_kind = {a.kind: a for a in public.artifacts}
    trace = by_kind.get("trace")
    return render(request, templates, "run_page.html", {
        "run": public, "job": job, "events": _timeline(run),
        "screenshot": by_kind.get("screenshot"), "html": by_kind.get("html"),
        "trace": trace, "trace_viewer": trace_viewer.viewer_url(trace.url) if trace else None,
        "pages": _pages(), "reasons": RESOLVE_REASONS,
        "others": [a for a in public.artifacts
                   if a.kind not in ("screenshot", "html", "trace")],
    }, user=user)


def _timeline(run: Run) -> list[dict[str, str]]:
    events = [{"at": str(e.get("at", "")), "event": str(e.get("event", ""))}
              for e in (run.events or []) if isinstance(e, dict)]
    return sorted(events, key=lambda e: e["at"])


@router.get("/runs/{run_id}/html/{artifact_id}", response_class=Response)
def run_html(run_id: str, artifact_id: str, session: SessionDep, store: StoreDep,
             user: StaffUser) -> Response:
    """The captured page, for the run page's sandboxed frame: no script, no network."""
    if not (_is_id(run_id) and _is_id(artifact_id)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such artifact for this run")
    try:
        found, data = read_artifact(session=session, store=store, run_id=run_id,
                                    artifact_id=artifact_id, actor=user)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if found.kind != "html":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not a page capture")
    return Response(data, media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": HTML_CSP, "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/ui/runs/{run_id}/artifacts/{artifact_id}")
def artifact(run_id: str, artifact_id: str, session: SessionDep, store: StoreDep,
             user: StaffUser) -> Response:
    """A run's screenshot, HTML or trace for a logged-in staff member; audited."""
    if not (_is_id(run_id) and _is_id(artifact_id)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such artifact for this run")
    try:
        found, data = read_artifact(session=session, store=store, run_id=run_id,
                                    artifact_id=artifact_id, actor=user)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return artifact_response(found, data)

