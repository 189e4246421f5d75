"""Web UI for the portals' document libraries: per carrier what its last collection found
(new, changed, retired), a search over every carrier's library, a document's versions with
a download of each (audited), and a collection's page that refreshes itself until it is
done. Every page needs :attr:`~portals.access.Permission.LIBRARY` (set where the router
is included)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep, StaffUser, TemplatesDep, verify_csrf
from api.routes.library import DocumentId, VersionId, collection_public, version_file
from api.routes.ui_jobs import carrier_display_name, ui_job_router
from api.services import IdempotencyConflict, submit_job
from api.ui import flash, redirect, render
from bots.registry import registry
from portals.jobs import Capability
from portals.kinds import LIBRARY
from portals.library import CATEGORY_LABELS, DocumentCategory, LibraryRequest
from storage import library
from storage.models import Job, JobStatus

router = APIRouter(tags=["ui"])
CATEGORIES = [(c.value, label) for c, label in CATEGORY_LABELS.items()]


def library_carriers() -> list[tuple[str, str]]:
    """(name, display name) of the carriers whose bot collects a library."""
    return [(bot.name, bot.display_name) for bot in registry.all()
            if Capability.LIBRARY in bot.capabilities]


@router.get("/library", response_class=HTMLResponse)
def library_page(request: Request, session: SessionDep, templates: TemplatesDep,
                 user: StaffUser, carrier: str = "", title: str = "", category: str = "",
                 q: str = "") -> Response:
    """Each carrier's last collection and what it found; the documents, searched."""
    carriers = library_carriers()
    names = dict(carriers)
    wanted = category if category in {c for c, _label in CATEGORIES} else ""
    rows = library.search_documents(
        session=session, carrier=carrier if carrier in names else None,
        title=title[:200] or None, category=wanted or None, q=q[:200] or None)
    overview = []
    for name, display in carriers:
        last = library.last_collection(session=session, carrier=name)
        overview.append({"name": name, "display": display, "last": last})
    return render(request, templates, "library.html", {
        "carriers": carriers, "carrier_names": names, "overview": overview, "rows": rows,
        "categories": CATEGORIES, "category_labels": dict(CATEGORIES),
        "values": {"carrier": carrier, "title": title, "category": wanted, "q": q},
        "searched": bool(carrier or title or wanted or q), "form_key": uuid.uuid4().hex,
    }, user=user)


@router.post("/library/collections", response_class=HTMLResponse)
def collect(request: Request, session: SessionDep, user: StaffUser,
            csrf: Annotated[str, Form()] = "", carrier: Annotated[str, Form()] = "",
            form_key: Annotated[str, Form()] = "") -> Response:
    """Queue a collection of one carrier's library, then show its page."""
    verify_csrf(request, csrf)
    if carrier not in dict(library_carriers()):
        flash(request, "Choose a carrier whose portal publishes a document library.")
        return redirect("/library")
    try:
        request_model = LibraryRequest(carrier=carrier)
    except ValidationError:  # pragma: no cover - every registered name is valid
        return redirect("/library")
    key = form_key.strip()[:64]
    try:
        # the page's one-time key makes a double click harmless
        submitted = submit_job(session=session, kind=LIBRARY.name, request=request_model,
                               idempotency_key=f"ui-library:{key}" if key else None,
                               origin="web")
    except IdempotencyConflict:
        flash(request, "This form was already used for another carrier; try again.")
        return redirect("/library")
    return redirect(f"{LIBRARY.ui_page}/{submitted.check.id}")


@router.get("/library/documents/{document_id}", response_class=HTMLResponse)
def document_page(document_id: DocumentId, request: Request, session: SessionDep,
                  templates: TemplatesDep, user: StaffUser) -> Response:
    document = library.get_document(session=session, document_id=document_id)
    if document is None:
        return render(request, templates, "error.html", {"message": "No such document."},
                      status_code=404, user=user)
    versions = library.document_versions(session=session, document_id=document_id)
    return render(request, templates, "library_document.html", {
        "document": document, "versions": versions,
        "carrier_name": carrier_display_name(document.carrier),
        "category_labels": dict(CATEGORIES),
    }, user=user)


@router.get("/library/documents/{document_id}/versions/{version_id}/file",
            response_class=Response)
def download(document_id: DocumentId, version_id: VersionId, session: SessionDep,
             user: StaffUser) -> Response:
    """A version's PDF; every download audited."""
    try:
        return version_file(session, document_id, version_id, user)
    except HTTPException as exc:
        return HTMLResponse(str(exc.detail), status_code=exc.status_code)


def _context(session: Session, job: Job) -> dict[str, Any]:
    public = collection_public(session, job)
    failed = [run for run in public.runs if run.status == "failed"]
    return {"check": public, "finished": JobStatus(job.status).finished,
            "failed_run": failed[-1] if failed else None,
            "carrier_name": carrier_display_name(job.carrier),
            "category_labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
            "categories": DocumentCategory}


router.include_router(ui_job_router(
    LIBRARY, noun="library collection", missing="No such library collection.",
    page_template="library_collection.html", live_template="library_collection_live.html",
    context=_context))
