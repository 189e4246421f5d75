"""Web UI: the check form, the recent checks, and a check's page that refreshes itself."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep, StaffUser, TemplatesDep, VaultDep, verify_csrf
from api.presenters import present
from api.services import (
    IdempotencyConflict,
    NotFoundError,
    StateConflict,
    enter_code,
    retry_check,
    submit_check,
)
from api.ui import FORM_FIELDS, flash, parse_check_form, redirect, render, safe_next
from api.views import check_public, ui_artifact_url
from bots.registry import UnknownCarrier, registry
from portals.kinds import ELIGIBILITY
from storage import repo
from storage.models import JobStatus

router = APIRouter(tags=["ui"])

RECENT = 25


def _index(
    request: Request, session: Session, templates: Any, user: str,
    values: dict[str, str], errors: dict[str, str], status_code: int = 200,
) -> Response:
    return render(request, templates, "index.html", {
        "carriers": [(bot.name, bot.display_name) for bot in registry.all()],
        "values": values,
        "errors": errors,
        "form_key": uuid.uuid4().hex,
        "checks": repo.list_jobs(session=session, limit=RECENT, kind=ELIGIBILITY.name),
    }, status_code=status_code, user=user)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, templates: TemplatesDep,
          user: StaffUser) -> Response:
    return _index(request, session, templates, user, {}, {})


@router.post("/checks", response_class=HTMLResponse)
def submit(
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
    service_date: Annotated[str, Form()] = "",
    service_codes: Annotated[str, Form()] = "",
) -> Response:
    """Create the check through the same service as the API; errors beside the fields."""
    verify_csrf(request, csrf)
    values = dict(zip(FORM_FIELDS, (carrier, member_id, date_of_birth, last_name, first_name,
                                    service_date, service_codes), strict=True))
    body, errors = parse_check_form(values)
    if body is None:
        return _index(request, session, templates, user, values, errors, status_code=422)
    try:
        # The form's one-time key makes a double click or a resubmission harmless.
        submitted = submit_check(session=session, body=body,
                                 idempotency_key=f"ui:{form_key[:64]}" if form_key else None,
                                 origin="web")
    except IdempotencyConflict:
        return _index(request, session, templates, user, values,
                      {"form": "This form was already submitted with other values; "
                               "check the fields and submit again."}, status_code=422)
    return redirect(f"/checks/{submitted.check.id}")


def _check_context(session: Session, job_id: str) -> dict[str, Any] | None:
    check = repo.get_job(session=session, job_id=job_id)
    if check is None or check.kind != ELIGIBILITY.name:  # other kinds have their own pages
        return None
    public = check_public(session=session, check=check, url=ui_artifact_url)
    failed_runs = [run for run in public.runs if run.status == "failed"]
    return {
        "check": public,
        "finished": JobStatus(check.status).finished,
        "view": present(public.result, public.service_codes) if public.result else None,
        "failed_run": failed_runs[-1] if failed_runs else None,
        "carrier_name": _display_name(check.carrier),
    }


def _display_name(carrier: str) -> str:
    try:
        return registry.get(carrier).display_name
    except UnknownCarrier:
        return carrier


@router.get("/checks/{job_id}", response_class=HTMLResponse)
def check_page(job_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
               user: StaffUser) -> Response:
    context = _check_context(session, job_id)
    if context is None:
        return render(request, templates, "error.html",
                      {"message": "No such eligibility check."}, status_code=404, user=user)
    return render(request, templates, "check.html", context, user=user)


@router.get("/checks/{job_id}/fragment", response_class=HTMLResponse)
def check_fragment(job_id: str, request: Request, session: SessionDep,
                   templates: TemplatesDep, user: StaffUser) -> Response:
    """The live part of the check page; the page's script swaps it in every second."""
    context = _check_context(session, job_id)
    if context is None:
        return HTMLResponse("No such eligibility check.", status_code=404)
    response = render(request, templates, "_check_live.html", context, user=user)
    response.headers["X-Check-Finished"] = "true" if context["finished"] else "false"
    return response


@router.post("/checks/{job_id}/mfa-code")
def mfa_code(
    job_id: str, request: Request, session: SessionDep, user: StaffUser, vault: VaultDep,
    settings: SettingsDep, csrf: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    """A person types the code the portal sent; the waiting run picks it up."""
    verify_csrf(request, csrf)
    digits = code.strip().replace(" ", "")
    if not (digits.isdigit() and 4 <= len(digits) <= 10):
        flash(request, "Enter the digits of the code only.")
        return redirect(f"/checks/{job_id}")
    try:
        enter_code(session=session, vault=vault, job_id=job_id, code=digits, actor=user,
                   ttl_seconds=settings.code_ttl_seconds)
        flash(request, "The code was handed to the bot.")
    except (NotFoundError, StateConflict) as exc:
        flash(request, f"Code not used: {exc}.")
    return redirect(f"/checks/{job_id}")


@router.post("/checks/{job_id}/retry")
def retry(
    job_id: str, request: Request, session: SessionDep, user: StaffUser,
    csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "",
) -> Response:
    verify_csrf(request, csrf)
    try:
        retry_check(session=session, job_id=job_id, actor=user)
        flash(request, "The check was sent back to the queue.")
    except (NotFoundError, StateConflict) as exc:
        flash(request, f"Not retried: {exc}.")
    return redirect(safe_next(next, f"/checks/{job_id}"))
