"""Web UI: import upcoming visits from a CSV file (the report lists each refused row),
and the morning worklist (:mod:`api.routes.ui_worklist`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from api.deps import SessionDep, StaffUser, TemplatesDep, verify_csrf
from api.routes.appointments import run_import
from api.ui import render
from portals.appointments import ALIASES
from storage.appointments import list_imports

router = APIRouter(tags=["ui"])

PAGE = "/appointments/import"


async def posted_file(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=5)


def _page(request: Request, templates: TemplatesDep, user: StaffUser, session: SessionDep,
          report: object = None, error: str | None = None, status_code: int = 200
          ) -> Response:
    return render(request, templates, "appointments_import.html", {
        "report": report, "error": error, "aliases": ALIASES,
        "imports": list_imports(session=session, limit=10),
    }, status_code=status_code, user=user)


@router.get(PAGE, response_class=HTMLResponse)
def import_page(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    return _page(request, templates, user, session)


@router.post(PAGE, response_class=HTMLResponse)
def import_file(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser, form: Annotated[FormData, Depends(posted_file)]) -> Response:
    """Import the chosen file and show its report: counts, then each refused row."""
    verify_csrf(request, str(form.get("csrf", "")))
    part = form.get("file")
    if not isinstance(part, UploadFile) or not part.filename:
        return _page(request, templates, user, session, error="Choose a CSV file to import.",
                     status_code=422)
    data = part.file.read()
    try:
        report = run_import(session=session, actor=user, filename=part.filename, data=data)
    except HTTPException as exc:
        detail = exc.detail[0]["msg"] if isinstance(exc.detail, list) else str(exc.detail)
        return _page(request, templates, user, session,
                     error=f"Nothing was imported: {detail}.", status_code=exc.status_code)
    return _page(request, templates, user, session, report=report)
