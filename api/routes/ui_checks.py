"""Web UI: the check form, the recent checks, and a check's page that refreshes itself."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.audit_reads import audit_list, read_target
from api.deps import SessionDep, StaffUser, TemplatesDep, allow_ui, verify_csrf
from api.presenters import present
from api.routes.ui_jobs import carrier_display_name, ui_job_router
from api.routes.ui_prior_auths import serves_prior_auth
from api.services import IdempotencyConflict, submit_check
from api.ui import FORM_FIELDS, home_path, parse_check_form, redirect, render
from api.views import check_public, ui_artifact_url
from bots.registry import registry
from portals.access import Permission
from portals.kinds import ELIGIBILITY
from storage import repo
from storage.models import Job, JobStatus

router = APIRouter(tags=["ui"])

RECENT = 25


def _index(
    request: Request, session: Session, templates: Any, user: str,
    values: dict[str, str], errors: dict[str, str], status_code: int = 200,
) -> Response:
    """The form with the recent checks; showing them (patients' names) is audited."""
    checks = repo.list_jobs(session=session, limit=RECENT, kind=ELIGIBILITY.name)
    audit_list(session=session, actor=user, target=read_target(ELIGIBILITY.name),
               resource=ELIGIBILITY.resource,
               filters={"page": "/", "limit": RECENT}, ids=[check.id for check in checks])
    return render(request, templates, "index.html", {
        "carriers": [(bot.name, bot.display_name) for bot in registry.all()],
        "values": values,
        "errors": errors,
        "form_key": uuid.uuid4().hex,
        "checks": checks,
    }, status_code=status_code, user=user)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, templates: TemplatesDep,
          user: StaffUser) -> Response:
    """The check form; a person who may not queue checks goes to their own first page."""
    if not user.can(Permission.ELIGIBILITY):
        return redirect(home_path(user))
    return _index(request, session, templates, user, {}, {})


@router.post("/checks", response_class=HTMLResponse,
             dependencies=[allow_ui(Permission.ELIGIBILITY)])
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


def _check_context(session: Session, check: Job) -> dict[str, Any]:
    public = check_public(session=session, check=check, url=ui_artifact_url)
    failed_runs = [run for run in public.runs if run.status == "failed"]
    return {
        "check": public,
        "finished": JobStatus(check.status).finished,
        "view": present(public.result, public.service_codes) if public.result else None,
        "failed_run": failed_runs[-1] if failed_runs else None,
        "carrier_name": carrier_display_name(check.carrier),
        "prior_auth_url": f"/prior-auths/new?check={check.id}"
        if serves_prior_auth(check.carrier) else None,
    }


router.include_router(ui_job_router(
    ELIGIBILITY, noun="check", missing="No such eligibility check.",
    page_template="check.html", live_template="_check_live.html", context=_check_context))
