"""Web UI for prior authorization: the list of requests by what they wait for, the request
form (pre-filled from an eligibility check, its services needing authorization offered
first), and a request's page that follows its jobs by itself, with its documents, the
payer's decision, its timeline, a status refresh and a person's decision on an unknown
outcome."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from api.artifacts import file_response
from api.audit_reads import FRAGMENT_DEDUPE, audit_list, audit_read, read_target
from api.claims_form import form_key_of
from api.deps import (
    SessionDep,
    SettingsDep,
    StaffUser,
    StoreDep,
    TemplatesDep,
    VaultDep,
    verify_csrf,
)
from api.prior_auth_form import (
    FORM_FIELDS,
    HELP,
    PLACES_OF_SERVICE,
    ServiceRow,
    blank_rows,
    parse_prior_auth_form,
    place_errors,
    prefill,
    rows_from_form,
)
from api.prior_auth_presenter import (
    ATTENTION,
    JOB_WORDS,
    LISTINGS,
    STATE_NOTES,
    decision_class,
    listing_of,
    row,
    state_words,
    timeline_line,
)
from api.prior_auth_schemas import MAX_SERVICES
from api.prior_auth_services import (
    FilesRefused,
    RequestInvalid,
    Upload,
    check_uploads,
    get_request,
    pending_jobs,
    read_document,
    refresh_status,
    resolve_request,
    submit_prior_auth,
)
from api.prior_auth_views import UI_BASE, prior_auth_public, summary
from api.routes.ui_jobs import carrier_display_name, job_of
from api.services import IdempotencyConflict, NotFoundError, StateConflict, enter_code
from api.ui import flash, redirect, render
from api.views import load_result
from bots.registry import registry
from portals.jobs import Capability
from portals.kinds import ELIGIBILITY, PRIOR_AUTH_STATUS, PRIOR_AUTH_SUBMIT
from storage import prior_auths, repo
from storage.models import JobStatus, PriorAuth, PriorAuthState
from storage.prior_auths import PriorAuthConflict, Resolution

router = APIRouter(tags=["ui"])

SHOWN = 100
COUNTED = 500
MISSING = "No such prior-authorization request."
VIEW_ACTION = "prior_auth.view"
TARGET = "prior_auth"
"""Each page, fragment and list showing a request is audited as the API's reads are."""
MAX_FORM_FILES = 50
"""Parts the form parser takes at most; the carrier's own count is checked after."""
BLANK_START = 5
"""Empty service rows on a form not started from an eligibility check."""


def prior_auth_carriers() -> list[tuple[str, str]]:
    """(name, display name) of the carriers whose portal takes prior authorization."""
    return [(bot.name, bot.display_name) for bot in registry.all()
            if Capability.PRIOR_AUTH in bot.capabilities]


def serves_prior_auth(carrier: str) -> bool:
    return carrier in dict(prior_auth_carriers())


# -- the list -------------------------------------------------------------------------


@router.get(UI_BASE, response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, templates: TemplatesDep,
              user: StaffUser) -> Response:
    """Requests by what they wait for (open by default); ``?status=`` picks the list."""
    which = listing_of(request.query_params.get("status"))
    shown = prior_auths.listing(session=session, which=which, limit=SHOWN)
    audit_list(session=session, actor=user, target=TARGET, resource="prior-auths",
               filters={"page": UI_BASE, "status": which.value, "limit": SHOWN},
               ids=[pa.id for pa in shown])
    rows = [row(summary(pa), carrier_display_name(pa.carrier)) for pa in shown]
    counts = {listing: len(prior_auths.listing(session=session, which=listing,
                                               limit=COUNTED))
              for listing in ATTENTION}
    return render(request, templates, "prior_auth_list.html", {
        "which": which, "listings": LISTINGS, "counts": counts, "rows": rows,
        "shown": SHOWN,
    }, user=user)


# -- the form -------------------------------------------------------------------------


def _form_page(request: Request, templates: Any, user: str, values: dict[str, str],
               rows: list[ServiceRow], errors: dict[str, str], check_id: str | None,
               status_code: int = 200, note: str | None = None) -> Response:
    return render(request, templates, "prior_auth_form.html", {
        "carriers": prior_auth_carriers(),
        "places": PLACES_OF_SERVICE,
        "values": values,
        "rows": rows,
        "offered": [r for r in rows if r.offered],
        "errors": errors,
        "help": HELP,
        "check_id": check_id,
        "note": note,
        "form_key": uuid.uuid4().hex,
        "max_services": MAX_SERVICES,
    }, status_code=status_code, user=user)


@router.get(UI_BASE + "/new", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, templates: TemplatesDep,
             user: StaffUser) -> Response:
    """The form; ``?check=<eligibility check id>`` fills the patient in from the check and
    offers the services its result says need authorization."""
    check_id = request.query_params.get("check") or None
    values: dict[str, str] = {"urgency": "standard", "place_of_service": "11"}
    rows = blank_rows(0, BLANK_START)
    note = None
    if check_id is not None:
        check = job_of(session, check_id, ELIGIBILITY)
        if check is None:
            check_id, note = None, "No such eligibility check: fill the patient in by hand."
        else:
            # the form shows the check's patient and result: a read of the check
            target = read_target(ELIGIBILITY.name)
            audit_read(session=session, actor=user, action=f"{target}.view",
                       target_type=target, target_id=check.id,
                       detail=f"prior-authorization form filled from it ({UI_BASE}/new)")
            filled, rows = prefill(repo.job_request(check),
                                   load_result(session=session, job_id=check.id))
            values.update(filled)
            if not serves_prior_auth(check.carrier):
                note = (f"{carrier_display_name(check.carrier)} does not take "
                        "prior-authorization requests through its portal.")
    return _form_page(request, templates, user, values, rows, {}, check_id, note=note)



async def posted_form(request: Request) -> FormData:
    """The multipart form, parsed before the (synchronous) route runs."""
    return await request.form(max_files=MAX_FORM_FILES, max_fields=400)


def _uploads(form: FormData) -> list[Upload]:
    """The files chosen (an empty file input sends an empty part without a name)."""
    uploads = []
    for part in form.getlist("files"):
        if not isinstance(part, UploadFile):
            continue
        data = part.file.read()
        if part.filename or data:
            uploads.append(Upload(filename=part.filename or "", data=data))
    return uploads


def _file_words(exc: FilesRefused) -> str:
    return " ".join(p.message.rstrip(".") + "." for p in exc.problems)


@router.post(UI_BASE + "/new", response_class=HTMLResponse)
def submit_form(request: Request, session: SessionDep, store: StoreDep,
                templates: TemplatesDep, user: StaffUser,
                form: Annotated[FormData, Depends(posted_form)]) -> Response:
    """Queue the request through the same service and validation as the API; errors
    beside the fields, nothing stored."""
    verify_csrf(request, str(form.get("csrf", "")))
    values = {name: str(form.get(name, "")) for name in FORM_FIELDS}
    rows = rows_from_form(form)
    check_id = values.get("check") if job_of(session, values.get("check", ""),
                                             ELIGIBILITY) else None
    uploads = _uploads(form)
    body, errors = parse_prior_auth_form(values, rows)
    if body is None:
        if "carrier" not in errors:
            _check_files_too(values["carrier"], uploads, errors)
        return _refused(request, templates, user, values, rows, errors, check_id, uploads)
    key = form_key_of(str(form.get("form_key", "")))
    try:
        # The page's one-time key makes a double click or a resubmission harmless.
        submitted = submit_prior_auth(session=session, store=store, body=body,
                                      uploads=uploads, actor=user,
                                      idempotency_key=f"ui-prior-auths:{key}" if key
                                      else None, origin="web")
    except FilesRefused as exc:
        errors = {"files": _file_words(exc)}
    except RequestInvalid as exc:
        errors = _invalid_words(exc, rows)
    except IdempotencyConflict:
        errors = {"form": "This form was already submitted with other values or files; "
                          "check the fields and submit again."}
    else:
        return redirect(f"{UI_BASE}/{submitted.prior_auth.id}")
    return _refused(request, templates, user, values, rows, errors, check_id, uploads)


def _invalid_words(exc: RequestInvalid, rows: list[ServiceRow]) -> dict[str, str]:
    """The request-wide errors the service found, beside the form's fields."""
    inside = [{**e, "loc": tuple(e["loc"])[2:]} for e in exc.errors
              if tuple(e["loc"])[:2] == ("body", "request")]
    errors = place_errors(inside, rows, [r.index for r in rows if r.wanted], {})
    files = [str(e["msg"]) for e in exc.errors if tuple(e["loc"])[:2] == ("body", "files")]
    if files:
        errors["files"] = " ".join(files)
    return errors


def _check_files_too(carrier: str, uploads: list[Upload], errors: dict[str, str]) -> None:
    """On a form with other errors, say what is wrong with the files too (at once)."""
    try:
        check_uploads(carrier, uploads)
    except FilesRefused as exc:
        errors["files"] = _file_words(exc)


def _refused(request: Request, templates: Any, user: str, values: dict[str, str],
             rows: list[ServiceRow], errors: dict[str, str], check_id: str | None,
             uploads: list[Upload]) -> Response:
    if uploads and "files" not in errors:
        errors["files_again"] = (f"The {len(uploads)} file(s) you chose were not kept: "
                                 "choose them again.")
    shown = [r for r in rows if r.offered] + [r for r in rows if not r.offered]
    return _form_page(request, templates, user, values, shown, errors, check_id,
                      status_code=422)


# -- one request ----------------------------------------------------------------------


def _request_of(session: Session, pa_id: str) -> PriorAuth | None:
    try:
        return get_request(session=session, pa_id=pa_id)
    except NotFoundError:
        return None


def _context(session: Session, pa: PriorAuth) -> dict[str, Any]:
    public = prior_auth_public(session=session, pa=pa, base=UI_BASE)
    pending = pending_jobs(session=session, pa=pa)
    return {
        "pa": public,
        "state": state_words(pa.state),
        "state_note": STATE_NOTES.get(PriorAuthState(pa.state)),
        "decision_class": decision_class(public.decision),
        "timeline": [timeline_line(e) for e in reversed(public.timeline)],
        "job_words": JOB_WORDS,
        "pending": pending,
        "waiting_code": next((j for j in pending
                              if j.status == JobStatus.NEEDS_MFA_CODE), None),
        "finished": not pending,
        "can_refresh": pa.state == PriorAuthState.SUBMITTED and not pending,
        "can_resolve": pa.state in (PriorAuthState.OUTCOME_UNKNOWN, PriorAuthState.FAILED),
        "carrier_name": carrier_display_name(pa.carrier),
        "place_names": dict(PLACES_OF_SERVICE),
    }


@router.get(UI_BASE + "/jobs/{job_id}")
def job_page(job_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
             user: StaffUser) -> Response:
    """A submission or status job's page is its request's (the kinds' ``ui_page``)."""
    job = job_of(session, job_id, PRIOR_AUTH_SUBMIT) or job_of(session, job_id,
                                                               PRIOR_AUTH_STATUS)
    pa = prior_auths.by_job(session=session, job=job) if job is not None else None
    if pa is None:
        return render(request, templates, "error.html", {"message": MISSING},
                      status_code=404, user=user)
    return redirect(f"{UI_BASE}/{pa.id}")


@router.get(UI_BASE + "/{pa_id}", response_class=HTMLResponse)
def request_page(pa_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
                 user: StaffUser) -> Response:
    pa = _request_of(session, pa_id)
    if pa is None:
        return render(request, templates, "error.html", {"message": MISSING},
                      status_code=404, user=user)
    audit_read(session=session, actor=user, action=VIEW_ACTION, target_type=TARGET,
               target_id=pa.id)
    return render(request, templates, "prior_auth_page.html", _context(session, pa),
                  user=user)


@router.get(UI_BASE + "/{pa_id}/fragment", response_class=HTMLResponse)
def request_fragment(pa_id: str, request: Request, session: SessionDep,
                     templates: TemplatesDep, user: StaffUser) -> Response:
    """The live part of the page; the page's script swaps it in while a job is pending.
    Audited at most once per ``FRAGMENT_DEDUPE`` after the actor's last view."""
    pa = _request_of(session, pa_id)
    if pa is None:
        return HTMLResponse(MISSING, status_code=404)
    audit_read(session=session, actor=user, action=VIEW_ACTION, target_type=TARGET,
               target_id=pa.id, dedupe=FRAGMENT_DEDUPE)
    found = _context(session, pa)
    response = render(request, templates, "_prior_auth_live.html", found, user=user)
    response.headers["X-Check-Finished"] = "true" if found["finished"] else "false"
    return response


@router.get(UI_BASE + "/{pa_id}/documents/{document_id}")
def document(pa_id: str, document_id: str, session: SessionDep, store: StoreDep,
             user: StaffUser) -> Response:
    """An attached document or a downloaded letter, for a logged-in staff member; audited."""
    pa = _request_of(session, pa_id)
    if pa is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, MISSING)
    try:
        found = read_document(session=session, store=store, pa=pa, document_id=document_id,
                              actor=user)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return file_response(found.filename, found.content_type, found.data)


@router.post(UI_BASE + "/{pa_id}/refresh")
def refresh(pa_id: str, request: Request, session: SessionDep, user: StaffUser,
            csrf: Annotated[str, Form()] = "") -> Response:
    verify_csrf(request, csrf)
    pa = _request_of(session, pa_id)
    if pa is None:
        return HTMLResponse(MISSING, status_code=404)
    try:
        _job, queued = refresh_status(session=session, pa=pa, actor=user, origin="web")
        flash(request, "A bot will read the status in the portal." if queued
              else "A status read is already waiting for a bot.")
    except PriorAuthConflict as exc:
        flash(request, f"Not refreshed: {exc}.")
    return redirect(f"{UI_BASE}/{pa_id}")


@router.post(UI_BASE + "/{pa_id}/resolve")
def resolve(pa_id: str, request: Request, session: SessionDep, user: StaffUser,
            csrf: Annotated[str, Form()] = "", resolution: Annotated[str, Form()] = "",
            note: Annotated[str, Form()] = "") -> Response:
    """A person's decision on an unknown outcome or a failure; audited."""
    verify_csrf(request, csrf)
    pa = _request_of(session, pa_id)
    if pa is None:
        return HTMLResponse(MISSING, status_code=404)
    note = " ".join(note.replace("\x00", "").split())[:400]
    try:
        chosen = Resolution(resolution)
    except ValueError:
        flash(request, "Not resolved: choose to resubmit or to close the request.")
        return redirect(f"{UI_BASE}/{pa_id}")
    if not note:
        flash(request, "Not resolved: write a short note on what you checked.")
        return redirect(f"{UI_BASE}/{pa_id}")
    try:
        resolve_request(session=session, pa=pa, resolution=chosen, actor=user, note=note)
        flash(request, "The request was sent to be submitted again." if chosen
              is Resolution.RESUBMIT else "The request is closed.")
    except PriorAuthConflict as exc:
        flash(request, f"Not resolved: {exc}.")
    return redirect(f"{UI_BASE}/{pa_id}")


@router.post(UI_BASE + "/jobs/{job_id}/mfa-code")
def mfa_code(job_id: str, request: Request, session: SessionDep, user: StaffUser,
             vault: VaultDep, settings: SettingsDep, csrf: Annotated[str, Form()] = "",
             code: Annotated[str, Form()] = "") -> Response:
    """A person types the code the portal sent; the waiting run picks it up."""
    verify_csrf(request, csrf)
    job = job_of(session, job_id, PRIOR_AUTH_SUBMIT) or job_of(session, job_id,
                                                               PRIOR_AUTH_STATUS)
    pa = prior_auths.by_job(session=session, job=job) if job is not None else None
    if job is None or pa is None:
        return HTMLResponse(MISSING, status_code=404)
    digits = code.strip().replace(" ", "")
    if not (digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 10):
        flash(request, "Enter the digits of the code only.")
        return redirect(f"{UI_BASE}/{pa.id}")
    try:
        enter_code(session=session, vault=vault, job_id=job.id, code=digits, actor=user,
                   ttl_seconds=settings.code_ttl_seconds, kind=job.kind)
        flash(request, "The code was handed to the bot.")
    except (NotFoundError, StateConflict) as exc:
        flash(request, f"Code not used: {exc}.")
    return redirect(f"{UI_BASE}/{pa.id}")

