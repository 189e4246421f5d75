"""/v1: the portals' document libraries (issue 10, item 4).

- ``/v1/library-collections``: queue a collection of one carrier's library (the job kind's
  routes: Idempotency-Key, list, read with runs and what it found, a waiting run's code,
  retry);
- ``/v1/library/documents``: documents per carrier with what the carrier's last
  collection found of each (new, changed, unchanged, retired), searched by title,
  category and a text query;
- ``/v1/library/documents/{id}``: a document and every version;
- ``/v1/library/documents/{id}/versions/{version_id}/file``: any version's PDF, audited.

Every route needs :attr:`~portals.access.Permission.LIBRARY` (set where the router is
included, and again by the kind's routes).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlmodel import Session

from api.artifacts import file_response
from api.audit_reads import audit_read
from api.deps import ApiActor, SessionDep
from api.errors import NOT_FOUND
from api.routes.jobs import job_router
from api.schemas import CheckSummary, RunPublic, carrier_serving
from api.views import check_summary, runs_public
from portals.jobs import Capability
from portals.kinds import LIBRARY
from portals.library import DocumentCategory, LibraryRequest
from storage import library, repo
from storage.library_models import LibraryCollection
from storage.models import Job

DOWNLOAD_TARGET = "library_document"
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A library document's id.")]
VersionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A version's id.")]


class LibraryCollectionCreate(BaseModel):
    """The body of POST /v1/library-collections: which carrier's library to collect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="A registered carrier whose portal publishes a document library.")

    @field_validator("carrier")
    @classmethod
    def _serves_library(cls, value: str) -> str:
        return carrier_serving(value, Capability.LIBRARY)

    def to_request(self) -> LibraryRequest:
        return LibraryRequest(carrier=self.carrier)


class CollectionSummary(BaseModel):
    id: int
    carrier: str
    job_id: str
    collected_at: dt.datetime
    documents: int
    new: int
    changed: int
    retired: int
    unchanged: int


class CollectionFinding(BaseModel):
    document_id: int
    title: str
    category: str
    change: str


class LibraryCollectionPublic(CheckSummary):
    attempts: int
    collection: CollectionSummary | None = Field(
        description="What the collection found (None until it succeeded).")
    found: list[CollectionFinding] = Field(default_factory=list)
    runs: list[RunPublic]


class VersionPublic(BaseModel):
    id: int
    document_id: int
    sha256: str
    effective_date: dt.date
    size: int
    filename: str
    portal_id: str
    portal_url: str
    first_collected_at: dt.datetime
    collection_id: int
    download_url: str


class DocumentPublic(BaseModel):
    id: int
    carrier: str
    title: str
    category: str
    retired: bool
    retired_at: dt.datetime | None
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    change: str | None = Field(description="What the carrier's last collection found of "
                               "it: new, changed, unchanged, retired; None: not seen by it.")
    versions: int
    current_version: VersionPublic | None


class DocumentList(BaseModel):
    last_collection: CollectionSummary | None = Field(
        description="With ?carrier=: that carrier's last collection.")
    items: list[DocumentPublic]


class DocumentDetail(DocumentPublic):
    all_versions: list[VersionPublic]


def collection_summary(collection: LibraryCollection | None) -> CollectionSummary | None:
    if collection is None or collection.id is None:
        return None
    return CollectionSummary.model_validate(collection, from_attributes=True)


def collection_public(session: Session, job: Job) -> LibraryCollectionPublic:
    collection = library.collection_for_job(session=session, job_id=job.id)
    found: list[CollectionFinding] = []
    if collection is not None and collection.id is not None:
        changes = library.collection_changes(session=session, collection_id=collection.id)
        for document_id, change in sorted(changes.items()):
            document = library.get_document(session=session, document_id=document_id)
            if document is not None:
                found.append(CollectionFinding(document_id=document_id, title=document.title,
                                               category=document.category, change=change))
    runs = sorted(repo.list_runs(session=session, job_id=job.id),
                  key=lambda r: (r.attempt, r.started_at))
    return LibraryCollectionPublic(**check_summary(job).model_dump(), attempts=job.attempts,
                                   collection=collection_summary(collection), found=found,
                                   runs=runs_public(session=session, runs=runs))


def download_url(document_id: int, version_id: int) -> str:
    return f"/v1/library/documents/{document_id}/versions/{version_id}/file"


def _version(data: dict[str, Any]) -> VersionPublic:
    return VersionPublic(**data, download_url=download_url(data["document_id"], data["id"]))


def _document(row: library.DocumentRow) -> DocumentPublic:
    data = library.document_public(row)
    current = data.pop("current_version")
    return DocumentPublic(**data, current_version=_version(current) if current else None)


router = APIRouter()
router.include_router(job_router(LIBRARY, create_model=LibraryCollectionCreate,
                                 public_model=LibraryCollectionPublic,
                                 public=collection_public))

documents = APIRouter(prefix="/library/documents", tags=["document libraries"])


@documents.get("", response_model=DocumentList, summary="Documents, searched")
def list_documents(
    session: SessionDep,
    carrier: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z][a-z0-9_]*$")] = None,
    title: Annotated[str | None, Query(max_length=200)] = None,
    category: DocumentCategory | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Words of the title, the "
                                   "category or a version's file name")] = None,
    include_retired: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> DocumentList:
    """Documents per carrier with what the carrier's last collection found of each (the
    new and changed ones since the collection before it)."""
    rows = library.search_documents(session=session, carrier=carrier, title=title,
                                    category=category.value if category else None, q=q,
                                    include_retired=include_retired, limit=limit)
    last = library.last_collection(session=session, carrier=carrier) if carrier else None
    return DocumentList(last_collection=collection_summary(last),
                        items=[_document(row) for row in rows])


def _document_or_404(session: Session, document_id: int) -> library.DocumentRow:
    document = library.get_document(session=session, document_id=document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    rows = library.search_documents(session=session, carrier=document.carrier)
    return next(row for row in rows if row.document.id == document_id)


@documents.get("/{document_id}", response_model=DocumentDetail, responses=NOT_FOUND,
               summary="A document and every version")
def read_document(document_id: DocumentId, session: SessionDep) -> DocumentDetail:
    row = _document_or_404(session, document_id)
    versions = library.document_versions(session=session, document_id=document_id)
    return DocumentDetail(**_document(row).model_dump(), all_versions=[
        _version(library.version_public(v)) for v in versions])


@documents.get("/{document_id}/versions/{version_id}/file", response_class=Response,
               responses={200: {"description": "The version's PDF."}, **NOT_FOUND},
               summary="Download a version")
def download_version(document_id: DocumentId, version_id: VersionId, session: SessionDep,
                     actor: ApiActor) -> Response:
    """Any version's file (a PDF, as an attachment). Audited like every document read."""
    return version_file(session, document_id, version_id, actor)


def version_file(session: Session, document_id: int, version_id: int, actor: str
                 ) -> Response:
    """A version's bytes for the API and the pages, each download audited."""
    version = library.get_version(session=session, document_id=document_id,
                                  version_id=version_id)
    if version is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such version of this document")
    try:
        data = library.version_bytes(session=session, version=version)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    audit_read(session=session, actor=actor, action=f"{DOWNLOAD_TARGET}.download",
               target_type=DOWNLOAD_TARGET, target_id=str(version.id),
               detail=f"document {document_id}, sha256 {version.sha256[:16]}")
    return file_response(version.filename, "application/pdf", data)


router.include_router(documents)
