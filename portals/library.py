"""A carrier portal's document library: plan documents, forms and bulletins (policy updates
with an effective date), each a PDF, as a library job collects them.

A library job names a carrier and no patient. The bot reads the portal's library list
(every page, every category), downloads each current document and returns a
:class:`LibraryResult`: per document its title, category, effective date, SHA-256, size
and where the portal keeps it, with the bytes themselves riding along in memory
(``content``, never serialized: the stored result holds the hash, the bytes go to the
document store). :func:`library_problems` is the kind's guard: every document's bytes are
a PDF whose SHA-256 and size are the ones stated, no title is listed twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPE = "application/pdf"

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                         max_length=200)]


class DocumentCategory(StrEnum):
    """What kind of document a portal publishes (each portal words it its own way)."""

    PLAN = "plan_document"
    """Plan documents: benefit summaries, provider manuals, fee schedules."""
    FORM = "form"
    """Forms a practice fills in (claim reconsideration, authorization request, ...)."""
    BULLETIN = "bulletin"
    """Policy updates and provider bulletins, each effective from a date."""


CATEGORY_LABELS: dict[DocumentCategory, str] = {
    DocumentCategory.PLAN: "Plan document",
    DocumentCategory.FORM: "Form",
    DocumentCategory.BULLETIN: "Bulletin",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LibraryRequest(_Frozen):
    """Collect one carrier's document library (no patient)."""

    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class LibraryDocument(_Frozen):
    """One current document as the portal lists it, and the file it downloads."""

    title: Title
    category: DocumentCategory
    effective_date: dt.date
    sha256: Sha256
    size: int = Field(gt=0)
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = PDF_CONTENT_TYPE
    portal_id: str = Field(min_length=1, max_length=80,
                           description="The portal's own identifier of the document.")
    url: str = Field(min_length=1, max_length=400,
                     description="Where the portal serves the file (path on the portal).")
    content: bytes | None = Field(default=None, exclude=True, repr=False)
    """The file's bytes, from the bot to the guard and the document store; never part of
    the stored result (it is stored once per SHA-256, beside it)."""


class RetiredDocument(_Frozen):
    """A document the portal still lists, marked as retired (no longer in use)."""

    title: Title
    category: DocumentCategory
    portal_id: str | None = None


class LibraryResult(_Frozen):
    carrier: str
    documents: list[LibraryDocument] = Field(default_factory=list)
    retired: list[RetiredDocument] = Field(default_factory=list)


def document_key(title: str, category: DocumentCategory | str) -> tuple[str, str]:
    """How a document is known across versions: its title (case and spacing aside) in its
    category."""
    return " ".join(title.split()).casefold(), str(category)


def library_problems(request: LibraryRequest, result: LibraryResult) -> list[str]:
    """Why ``result`` cannot be stored for ``request`` (empty: it can)."""
    problems: list[str] = []
    if result.carrier != request.carrier:
        problems.append(f"collected from {result.carrier!r}, asked for {request.carrier!r}")
    seen: set[tuple[str, str]] = set()
    for doc in result.documents:
        key = document_key(doc.title, doc.category)
        if key in seen:
            problems.append(f"{doc.title!r} ({doc.category}) is listed twice")
        seen.add(key)
        data = doc.content
        if data is None:
            problems.append(f"{doc.title!r}: the file was not downloaded")
            continue
        if not data.startswith(PDF_MAGIC) or doc.content_type != PDF_CONTENT_TYPE:
            problems.append(f"{doc.title!r}: the file is not a PDF")
        if hashlib.sha256(data).hexdigest() != doc.sha256:
            problems.append(f"{doc.title!r}: the file does not match its SHA-256")
        if len(data) != doc.size:
            problems.append(f"{doc.title!r}: the file is {len(data)} bytes, not {doc.size}")
    for retired in result.retired:
        if document_key(retired.title, retired.category) in seen:
            problems.append(f"{retired.title!r} is listed as current and as retired")
    return problems


def library_document(*, title: str, category: DocumentCategory, effective_date: dt.date,
                     filename: str, portal_id: str, url: str, content: bytes,
                     content_type: str = PDF_CONTENT_TYPE) -> LibraryDocument:
    """A collected document with its hash and size computed from ``content``."""
    return LibraryDocument(title=title, category=category, effective_date=effective_date,
                           sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                           filename=filename, content_type=content_type,
                           portal_id=portal_id, url=url, content=content)
