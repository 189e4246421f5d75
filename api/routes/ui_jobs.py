"""One web UI pattern for every job kind's page: ``<kind.ui_page>/{id}``.

The page (behind staff login), its live fragment that the page's script swaps in until the
job is finished, the one-time code a person types for a waiting run, and retrying a failed
job. A kind brings its templates and the context its templates read; the rest is shared.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.artifacts import artifact_response
from api.audit_reads import FRAGMENT_DEDUPE, audit_read, read_target
from api.deps import (
    SessionDep,
    SettingsDep,
    StaffUser,
    StoreDep,
    TemplatesDep,
    VaultDep,
    allow_ui,
    verify_csrf,
)
from api.services import NotFoundError, StateConflict, enter_code, read_artifact, retry_check
from api.ui import flash, redirect, render, safe_next
from bots.registry import UnknownCarrier, registry
from portals.access import kind_permission
from portals.jobs import JobKind
from storage import repo
from storage.models import Job

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def carrier_display_name(carrier: str) -> str:
    try:
        return registry.get(carrier).display_name
    except UnknownCarrier:
        return carrier


def job_of(session: Session, job_id: str, kind: JobKind) -> Job | None:
    """The job of ``kind`` with this id; anything that cannot be an id is not looked up."""
    if not _JOB_ID.match(job_id):
        return None
    job = repo.get_job(session=session, job_id=job_id)
    return job if job is not None and job.kind == kind.name else None


def ui_job_router(kind: JobKind, *, noun: str, missing: str, page_template: str,
                  live_template: str,
                  context: Callable[[Session, Job], dict[str, Any]]) -> APIRouter:
    """The page routes of one kind. ``noun`` names one job to staff ("check"), ``missing``
    is the 404 text, ``context(session, job)`` what the templates read. Every route needs
    the kind's permission; the page and its fragment show PHI, so each view is audited
    (the fragment, polled every few seconds, at most once per ``FRAGMENT_DEDUPE``)."""
    router = APIRouter(tags=["ui"], dependencies=[allow_ui(kind_permission(kind.name))])
    base = kind.ui_page
    target = read_target(kind.name)

    def _context(session: Session, job_id: str, user: str,
                 dedupe: dt.timedelta | None = None) -> dict[str, Any] | None:
        job = job_of(session, job_id, kind)
        if job is None:
            return None
        audit_read(session=session, actor=user, action=f"{target}.view", target_type=target,
                   target_id=job.id, dedupe=dedupe)
        return context(session, job)

    @router.get(base + "/{job_id}", response_class=HTMLResponse)
    def job_page(job_id: str, request: Request, session: SessionDep,
                 templates: TemplatesDep, user: StaffUser) -> Response:
        found = _context(session, job_id, user)
        if found is None:
            return render(request, templates, "error.html", {"message": missing},
                          status_code=404, user=user)
        return render(request, templates, page_template, found, user=user)

    @router.get(base + "/{job_id}/documents/{document_id}", response_class=Response)
    def job_document(job_id: str, document_id: str, session: SessionDep, store: StoreDep,
                     user: StaffUser) -> Response:
        """A document kept with the result (a benefit summary, a remittance): whoever may
        read the job may open it; every view audited."""
        if job_of(session, job_id, kind) is None:
            return HTMLResponse(missing, status_code=404)
        document = next((a for a in repo.result_documents(session=session, job_id=job_id)
                         if a.id == document_id), None)
        if document is None:
            return HTMLResponse("No such document.", status_code=404)
        try:
            artifact, data = read_artifact(session=session, store=store,
                                           run_id=document.run_id, artifact_id=document.id,
                                           actor=user)
        except NotFoundError as exc:
            return HTMLResponse(str(exc), status_code=404)
        return artifact_response(artifact, data)

    @router.get(base + "/{job_id}/fragment", response_class=HTMLResponse)
    def job_fragment(job_id: str, request: Request, session: SessionDep,
                     templates: TemplatesDep, user: StaffUser) -> Response:
        """The live part of the page; the page's script swaps it in until finished."""
        found = _context(session, job_id, user, dedupe=FRAGMENT_DEDUPE)
        if found is None:
            return HTMLResponse(missing, status_code=404)
        response = render(request, templates, live_template, found, user=user)
        response.headers["X-Check-Finished"] = "true" if found["finished"] else "false"
        return response

    @router.post(base + "/{job_id}/mfa-code")
    def job_mfa_code(
        job_id: str, request: Request, session: SessionDep, user: StaffUser,
        vault: VaultDep, settings: SettingsDep, csrf: Annotated[str, Form()] = "",
        code: Annotated[str, Form()] = "",
    ) -> Response:
        """A person types the code the portal sent; the waiting run picks it up."""
        verify_csrf(request, csrf)
        if job_of(session, job_id, kind) is None:
            return HTMLResponse(missing, status_code=404)
        digits = code.strip().replace(" ", "")
        if not (digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 10):
            flash(request, "Enter the digits of the code only.")
            return redirect(f"{base}/{job_id}")
        try:
            enter_code(session=session, vault=vault, job_id=job_id, code=digits, actor=user,
                       ttl_seconds=settings.code_ttl_seconds, kind=kind.name)
            flash(request, "The code was handed to the bot.")
        except (NotFoundError, StateConflict) as exc:
            flash(request, f"Code not used: {exc}.")
        return redirect(f"{base}/{job_id}")

    @router.post(base + "/{job_id}/retry")
    def job_retry(
        job_id: str, request: Request, session: SessionDep, user: StaffUser,
        csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "",
    ) -> Response:
        verify_csrf(request, csrf)
        if job_of(session, job_id, kind) is None:
            return HTMLResponse(missing, status_code=404)
        try:
            retry_check(session=session, job_id=job_id, actor=user, kind=kind.name)
            flash(request, f"The {noun} was sent back to the queue.")
        except (NotFoundError, StateConflict) as exc:
            flash(request, f"Not retried: {exc}.")
        return redirect(safe_next(next, f"{base}/{job_id}"))

    return router
