"""Web UI for administrators: the audit trail, filtered and paged, and its CSV download
(the download is itself audited; viewing the page is not, it shows no patient data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.audit_views import ACTOR_TYPES, AuditForm, export_csv
from api.deps import SessionDep, StaffUser, TemplatesDep
from api.ui import render
from storage.audit import count_events, find_events
from storage.models import AuditEvent

router = APIRouter(tags=["ui"])

PAGE_SIZE = 50
MAX_PAGE = 10**6


def _page_number(value: str) -> int:
    """A page number that does not parse is the first page (a stale bookmark still opens)."""
    if value.isascii() and value.isdigit() and len(value) <= 7 and 0 < int(value) <= MAX_PAGE:
        return int(value)
    return 1


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, templates: TemplatesDep,
               user: StaffUser) -> Response:
    """A page of events, newest first: ``PAGE_SIZE`` from page ``page``, with the filter
    form; a filter that does not parse is shown beside its field (422), nothing listed."""
    form = AuditForm.parse(request.query_params)
    number = _page_number(request.query_params.get("page", "1"))
    found: list[AuditEvent] = []
    total = 0
    if not form.errors:
        found = find_events(session=session, filters=form.filters, limit=PAGE_SIZE + 1,
                            offset=(number - 1) * PAGE_SIZE)
        total = count_events(session=session, filters=form.filters)
    return render(request, templates, "audit.html", {
        "form": form, "values": form.values, "errors": form.errors, "events": found[:PAGE_SIZE],
        "total": total, "number": number, "has_prev": number > 1,
        "has_next": len(found) > PAGE_SIZE,
        "actor_types": ACTOR_TYPES, "page_size": PAGE_SIZE,
    }, status_code=422 if form.errors else 200, user=user)


@router.get("/admin/audit.csv", response_class=Response)
def audit_csv(request: Request, session: SessionDep, templates: TemplatesDep,
              user: StaffUser) -> Response:
    """Every event the page's filter matches, as CSV (recorded as audit.export)."""
    form = AuditForm.parse(request.query_params)
    if form.errors:
        return audit_page(request, session, templates, user)
    return export_csv(engine=request.app.state.engine, session=session, actor=user,
                      filters=form.filters)
