"""Web UI for claim status & payments: the claim search form with the recent searches, and
a search's page that refreshes itself until the claims are in."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.claims_form import CLAIM_FORM_FIELDS, form_key_of, parse_claim_form
from api.claims_presenter import present_claims
from api.deps import SessionDep, SettingsDep, StaffUser, TemplatesDep, VaultDep, verify_csrf
from api.services import (
    IdempotencyConflict,
    NotFoundError,
    StateConflict,
    enter_code,
    retry_check,
    submit_job,
)
from api.ui import flash, redirect, render
from api.views import claim_check_public, ui_artifact_url
from bots.registry import UnknownCarrier, registry
from portals.jobs import Capability
from portals.kinds import CLAIM_STATUS
from storage import repo
from storage.models import Job, JobStatus

router = APIRouter(tags=["ui"])

RECENT = 25
KIND = CLAIM_STATUS.name
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
MISSING = "No such claim search."


def claims_carriers() -> list[tuple[str, str]]:
    """(name, display name) of the carriers whose bot serves claims."""
    return [(bot.name, bot.display_name) for bot in registry.all()
            if Capability.CLAIMS in bot.capabilities]


def _display_name(carrier: str) -> str:
    try:
        return registry.get(carrier).display_name
    except UnknownCarrier:
        return carrier


def _recent(session: Session) -> list[Job]:
    query = (select(Job).where(Job.kind == KIND)
             .order_by(col(Job.created_at).desc(), col(Job.id)).limit(RECENT))
    return list(session.exec(query))


def _form_page(
    request: Request, session: Session, templates: Any, user: str,
    values: dict[str, str], errors: dict[str, str], status_code: int = 200,
) -> Response:
    return render(request, templates, "claims_form.html", {
        "carriers": claims_carriers(),
        "carrier_names": dict(claims_carriers()),
        "values": values,
        "errors": errors,
        "form_key": uuid.uuid4().hex,
        "searches": _recent(session),
    }, status_code=status_code, user=user)


@router.get("/claims", response_class=HTMLResponse)
def claims_form(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    return _form_page(request, session, templates, user, {}, {})


@router.post("/claims", response_class=HTMLResponse)
def submit_claims(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: StaffUser,
    csrf: Annotated[str, Form()] = "",
    form_key: Annotated[str, Form()] = "",
    carrier: Annotated[str, Form()] = "",
    member_id: Annotated[str, Form()] = "",
    date_of_birth: Annotated[str, Form()] = "",
    last_name: Annotated[str, Form()] = "",
    first_name: Annotated[str, Form()] = "",
    claim_number: Annotated[str, Form()] = "",
    service_from: Annotated[str, Form()] = "",
    service_to: Annotated[str, Form()] = "",
) -> Response:
    """Queue a claim status check through the same service and validation as the API;
    errors beside the fields, nothing stored."""
    verify_csrf(request, csrf)
    values = dict(zip(CLAIM_FORM_FIELDS, (carrier, member_id, date_of_birth, last_name,
                                          first_name, claim_number, service_from,
                                          service_to), strict=True))
    body, errors = parse_claim_form(values)
    if body is None:
        return _form_page(request, session, templates, user, values, errors, status_code=422)
    key = form_key_of(form_key)
    try:
        # The page's one-time key makes a double click or a resubmission harmless.
        submitted = submit_job(session=session, kind=KIND, request=body.to_request(),
                               idempotency_key=f"ui-claims:{key}" if key else None,
                               origin="web")
    except IdempotencyConflict:
        return _form_page(request, session, templates, user, values,
                          {"form": "This form was already submitted with other values; "
                                   "check the fields and submit again."}, status_code=422)
    return redirect(f"/claims/{submitted.check.id}")


def _job(session: Session, job_id: str) -> Job | None:
    """The claim search with this id; anything that cannot be an id is not looked up."""
    if not _JOB_ID.match(job_id):
        return None
    job = repo.get_job(session=session, job_id=job_id)
    return job if job is not None and job.kind == KIND else None


def _context(session: Session, job_id: str) -> dict[str, Any] | None:
    job = _job(session, job_id)
    if job is None:
        return None
    public = claim_check_public(session=session, job=job, url=ui_artifact_url)
    failed_runs = [run for run in public.runs if run.status == "failed"]
    return {
        "check": public,
        "finished": JobStatus(job.status).finished,
        "view": present_claims(public.result, public.documents) if public.result else None,
        "failed_run": failed_runs[-1] if failed_runs else None,
        "carrier_name": _display_name(job.carrier),
    }


@router.get("/claims/{job_id}", response_class=HTMLResponse)
def claims_page(job_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    context = _context(session, job_id)
    if context is None:
        return render(request, templates, "error.html", {"message": MISSING},
                      status_code=404, user=user)
    return render(request, templates, "claims_check.html", context, user=user)


@router.get("/claims/{job_id}/fragment", response_class=HTMLResponse)
def claims_fragment(job_id: str, request: Request, session: SessionDep,
                    templates: TemplatesDep, user: StaffUser) -> Response:
    """The live part of the page; check.js swaps it in every second until finished."""
    context = _context(session, job_id)
    if context is None:
        return HTMLResponse(MISSING, status_code=404)
    response = render(request, templates, "_claims_live.html", context, user=user)
    response.headers["X-Check-Finished"] = "true" if context["finished"] else "false"
    return response


@router.post("/claims/{job_id}/mfa-code")
def claims_mfa_code(
    job_id: str, request: Request, session: SessionDep, user: StaffUser, vault: VaultDep,
    settings: SettingsDep, csrf: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    """A person types the code the portal sent; the waiting run picks it up."""
    verify_csrf(request, csrf)
    if _job(session, job_id) is None:
        return HTMLResponse(MISSING, status_code=404)
    digits = code.strip().replace(" ", "")
    if not (digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 10):
        flash(request, "Enter the digits of the code only.")
        return redirect(f"/claims/{job_id}")
    try:
        enter_code(session=session, vault=vault, job_id=job_id, code=digits, actor=user,
                   ttl_seconds=settings.code_ttl_seconds, kind=KIND)
        flash(request, "The code was handed to the bot.")
    except (NotFoundError, StateConflict) as exc:
        flash(request, f"Code not used: {exc}.")
    return redirect(f"/claims/{job_id}")


@router.post("/claims/{job_id}/retry")
def claims_retry(
    job_id: str, request: Request, session: SessionDep, user: StaffUser,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    verify_csrf(request, csrf)
    if _job(session, job_id) is None:
        return HTMLResponse(MISSING, status_code=404)
    try:
        retry_check(session=session, job_id=job_id, actor=user, kind=KIND)
        flash(request, "The claim search was sent back to the queue.")
    except (NotFoundError, StateConflict) as exc:
        flash(request, f"Not retried: {exc}.")
    return redirect(f"/claims/{job_id}")
