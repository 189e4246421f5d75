"""Web UI for claim status & payments: the claim search form with the recent searches, and
a search's page that refreshes itself until the claims are in."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.audit_reads import audit_list, read_target
from api.claims_form import CLAIM_FORM_FIELDS, form_key_of, parse_claim_form
from api.claims_presenter import present_claims
from api.deps import SessionDep, StaffUser, TemplatesDep, allow_ui, verify_csrf
from api.routes.ui_jobs import carrier_display_name, ui_job_router
from api.services import IdempotencyConflict, submit_job
from api.ui import redirect, render
from api.views import claim_check_public, ui_artifact_url
from bots.registry import registry
from portals.access import Permission
from portals.jobs import Capability
from portals.kinds import CLAIM_STATUS
from storage import repo
from storage.models import Job, JobStatus

router = APIRouter(tags=["ui"])

RECENT = 25
KIND = CLAIM_STATUS.name
MISSING = "No such claim search."


def claims_carriers() -> list[tuple[str, str]]:
    """(name, display name) of the carriers whose bot serves claims."""
    return [(bot.name, bot.display_name) for bot in registry.all()
            if Capability.CLAIMS in bot.capabilities]


def _form_page(
    request: Request, session: Session, templates: Any, user: str,
    values: dict[str, str], errors: dict[str, str], status_code: int = 200,
) -> Response:
    """The form with the recent searches; showing them (patients' names) is audited."""
    searches = repo.list_jobs(session=session, limit=RECENT, kind=KIND)
    audit_list(session=session, actor=user, target=read_target(KIND),
               resource=CLAIM_STATUS.resource, filters={"page": "/claims", "limit": RECENT},
               ids=[search.id for search in searches])
    return render(request, templates, "claims_form.html", {
        "carriers": claims_carriers(),
        "carrier_names": dict(claims_carriers()),
        "values": values,
        "errors": errors,
        "form_key": uuid.uuid4().hex,
        "searches": searches,
    }, status_code=status_code, user=user)


@router.get("/claims", response_class=HTMLResponse, dependencies=[allow_ui(Permission.CLAIMS)])
def claims_form(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    return _form_page(request, session, templates, user, {}, {})


@router.post("/claims", response_class=HTMLResponse,
             dependencies=[allow_ui(Permission.CLAIMS)])
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


def _context(session: Session, job: Job) -> dict[str, Any]:
    public = claim_check_public(session=session, job=job, url=ui_artifact_url)
    failed_runs = [run for run in public.runs if run.status == "failed"]
    return {
        "check": public,
        "finished": JobStatus(job.status).finished,
        "view": present_claims(public.result, public.documents) if public.result else None,
        "failed_run": failed_runs[-1] if failed_runs else None,
        "carrier_name": carrier_display_name(job.carrier),
    }


router.include_router(ui_job_router(
    CLAIM_STATUS, noun="claim search", missing=MISSING, page_template="claims_check.html",
    live_template="_claims_live.html", context=_context))
