"""Web UI for admins: the practice's schedules (create, change, enable or disable), each
one's ledger of slots, and recent batches with their progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.deps import SessionDep, StaffUser, TemplatesDep, verify_csrf
from api.routes.appointments import batch_public
from api.routes.schedules import (
    ScheduleCreate,
    ScheduleFields,
    apply_changes,
    new_schedule,
    schedule_public,
)
from api.ui import render
from storage.schedules import get_schedule, list_batches, list_schedules, list_slots
from workflows.schedule_kinds import KINDS, PARAMS

router = APIRouter(tags=["ui"])

BASE = "/admin/schedules"
FIELDS = ("name", "kind", "cron", "timezone", "grace_hours")
PARAM_FIELDS = sorted({name for params in PARAMS.values() for name in params})


async def posted(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=30)


def _body(form: FormData, kind: str) -> dict[str, Any]:
    """The form as the API's body: the kind's parameters typed, blank ones left out."""
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    body: dict[str, Any] = {k: v for k, v in values.items() if v and k != "grace_hours"}
    body["enabled"] = form.get("enabled") == "on"
    hours = values["grace_hours"]
    if hours:
        body["grace_seconds"] = int(float(hours) * 3600) if hours.replace(".", "", 1) \
            .isdigit() else -1
    params: dict[str, Any] = {}
    for name, (typ, _check, _words) in PARAMS.get(kind, {}).items():
        raw = str(form.get(name, "")).strip()
        if raw:
            params[name] = int(raw) if typ is int and raw.lstrip("-").isdigit() else raw
    body["params"] = params
    return body


def _errors(exc: ValidationError | HTTPException) -> dict[str, str]:
    found: dict[str, str] = {}
    items = exc.errors() if isinstance(exc, ValidationError) else \
        (exc.detail if isinstance(exc.detail, list) else [{"loc": ["form"],
                                                           "msg": str(exc.detail)}])
    for error in items:
        loc = [str(part) for part in error["loc"] if part != "body"]
        field = {"grace_seconds": "grace_hours"}.get(loc[0] if loc else "form",
                                                     loc[0] if loc else "form")
        found.setdefault(field, str(error["msg"]).removeprefix("Value error, "))
    return found


def _list_page(request: Request, session: SessionDep, templates: TemplatesDep,
               user: StaffUser, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, templates, "schedules.html", {
        "schedules": [schedule_public(s) for s in list_schedules(session=session)],
        "batches": [batch_public(session, b) for b in list_batches(session=session)],
        "kinds": KINDS, "param_fields": PARAM_FIELDS, "values": values or {},
        "errors": errors or {}}, status_code=status_code, user=user)


@router.get(BASE, response_class=HTMLResponse)
def schedules_page(request: Request, session: SessionDep, templates: TemplatesDep,
                   user: StaffUser) -> Response:
    return _list_page(request, session, templates, user)


@router.post(BASE, response_class=HTMLResponse)
def create(request: Request, session: SessionDep, templates: TemplatesDep, user: StaffUser,
           form: Annotated[FormData, Depends(posted)]) -> Response:
    verify_csrf(request, str(form.get("csrf", "")))
    values = {name: str(form.get(name, "")) for name in (*FIELDS, *PARAM_FIELDS)}
    try:
        body = ScheduleCreate.model_validate(_body(form, values["kind"]))
        made = new_schedule(body, session, user)
    except (ValidationError, HTTPException) as exc:
        return _list_page(request, session, templates, user, values, _errors(exc), 422)
    request.session["flash"] = f"Schedule “{made.name}” created."
    return RedirectResponse(f"{BASE}/{made.id}", status_code=303)


ScheduleId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _detail(request: Request, session: SessionDep, templates: TemplatesDep, user: StaffUser,
            schedule_id: int, errors: dict[str, str] | None = None,
            status_code: int = 200) -> Response:
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    if schedule is None:
        raise HTTPException(404, "no such schedule")
    return render(request, templates, "schedule.html", {
        "schedule": schedule_public(schedule), "kinds": KINDS,
        "slots": list_slots(session=session, schedule_id=schedule_id, limit=100),
        "param_fields": PARAM_FIELDS, "errors": errors or {}},
        status_code=status_code, user=user)


@router.get(BASE + "/{schedule_id}", response_class=HTMLResponse)
def schedule_page(schedule_id: ScheduleId, request: Request, session: SessionDep,
                  templates: TemplatesDep, user: StaffUser) -> Response:
    return _detail(request, session, templates, user, schedule_id)


@router.post(BASE + "/{schedule_id}", response_class=HTMLResponse)
def change(schedule_id: ScheduleId, request: Request, session: SessionDep,
           templates: TemplatesDep, user: StaffUser,
           form: Annotated[FormData, Depends(posted)]) -> Response:
    verify_csrf(request, str(form.get("csrf", "")))
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    if schedule is None:
        raise HTTPException(404, "no such schedule")
    try:
        body = ScheduleFields.model_validate(_body(form, str(form.get("kind") or
                                                             schedule.kind)))
        apply_changes(session, schedule, body, user)
    except (ValidationError, HTTPException) as exc:
        session.rollback()
        return _detail(request, session, templates, user, schedule_id, _errors(exc), 422)
    request.session["flash"] = "Schedule saved."
    return RedirectResponse(f"{BASE}/{schedule_id}", status_code=303)
