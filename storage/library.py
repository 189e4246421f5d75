"""The portals' document libraries: what each collection found, every version of every
document, and each content's bytes stored once.

:func:`record_collection` is called with a library job's result in the transaction that
stores it (:func:`storage.repo.save_result`): the documents' bytes (one
:class:`~storage.library_models.LibraryBlob` per SHA-256, whatever the number of documents,
versions or collections that carry it), the documents by carrier, title and category, a
new version for a content a document never had, the documents retired (no longer listed,
or marked retired by the portal), what the collection found of each, and for each new or
changed document a ``library.document_new`` webhook event, all at once or not at all.
The rest are keyword-only reads for the API and the pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from portals.library import (
    LibraryRequest,
    LibraryResult,
    RetiredDocument,
    document_key,
    library_problems,
)
from storage.library_models import (
    LibraryBlob,
    LibraryChange,
    LibraryCollection,
    LibraryCollectionItem,
    LibraryDocument,
    LibraryVersion,
)
from storage.models import Job, utcnow
from storage.webhooks import emit_event

EVENT_DOCUMENT_NEW = "library.document_new"


class LibraryResultRefused(ValueError):
    """A result whose files do not hold together: nothing of it is stored."""


def record_collection(*, session: Session, job: Job, result: LibraryResult
                      ) -> LibraryCollection:
    """Store what a library job collected (its result, with each document's bytes)."""
    problems = library_problems(LibraryRequest(carrier=job.carrier), result)
    if problems:  # the runner's guard said the same; never store a file that lies
        raise LibraryResultRefused("; ".join(problems[:3]))
    now = utcnow()
    collection = LibraryCollection(carrier=job.carrier, job_id=job.id, collected_at=now,
                                   documents=len(result.documents))
    session.add(collection)
    session.flush()
    assert collection.id is not None
    known = {(d.title_key, d.category): d for d in session.exec(
        select(LibraryDocument).where(LibraryDocument.carrier == job.carrier))}
    counts = {change: 0 for change in LibraryChange}
    listed: set[int] = set()
    for shown in result.documents:
        assert shown.content is not None  # library_problems checked
        _blob(session, shown.sha256, shown.content, shown.content_type)
        key = document_key(shown.title, shown.category)
        document = known.get(key)
        if document is None:
            document = LibraryDocument(carrier=job.carrier, title=shown.title,
                                       title_key=key[0], category=key[1],
                                       first_seen_at=now, last_seen_at=now)
            session.add(document)
            session.flush()
            known[key] = document
            change = LibraryChange.NEW
            version = None
        else:
            version = session.exec(select(LibraryVersion).where(
                LibraryVersion.document_id == document.id,
                LibraryVersion.sha256 == shown.sha256)).first()
            latest = _latest_version(session, document)
            if document.retired_at is not None:
                change = LibraryChange.NEW  # back in the library
            elif latest is not None and latest.sha256 == shown.sha256:
                change = LibraryChange.UNCHANGED
            else:
                change = LibraryChange.CHANGED
        if version is None:
            assert document.id is not None
            version = LibraryVersion(
                document_id=document.id, sha256=shown.sha256,
                effective_date=shown.effective_date, size=shown.size,
                filename=shown.filename[:200], portal_id=shown.portal_id,
                portal_url=shown.url, first_collected_at=now, collection_id=collection.id)
            session.add(version)
            session.flush()
        elif change is LibraryChange.CHANGED:  # an earlier content is current again
            version.first_collected_at = now
            version.collection_id = collection.id
            session.add(version)
        document.title = shown.title
        document.last_seen_at = now
        document.retired_at = None
        session.add(document)
        assert document.id is not None
        listed.add(document.id)
        counts[change] += 1
        session.add(LibraryCollectionItem(collection_id=collection.id,
                                          document_id=document.id, version_id=version.id,
                                          change=change))
        if change in (LibraryChange.NEW, LibraryChange.CHANGED):
            emit_event(session, EVENT_DOCUMENT_NEW, {
                "carrier": job.carrier, "collection_id": collection.id, "job_id": job.id,
                "document_id": document.id, "version_id": version.id,
                "change": change.value, "title": shown.title,
                "category": shown.category.value,
                "effective_date": shown.effective_date.isoformat(),
                "sha256": shown.sha256, "size": shown.size})
    marked = {document_key(r.title, r.category): r for r in result.retired}
    for document in known.values():
        assert document.id is not None
        if document.id in listed or document.retired_at is not None:
            continue
        document.retired_at = now  # no longer listed, or listed as retired
        session.add(document)
        counts[LibraryChange.RETIRED] += 1
        session.add(LibraryCollectionItem(collection_id=collection.id,
                                          document_id=document.id,
                                          change=LibraryChange.RETIRED))
    for key, retired in marked.items():
        if key not in known:  # retired before we ever saw it current
            _first_seen_retired(session, job.carrier, retired, collection.id, now)
            counts[LibraryChange.RETIRED] += 1
    collection.new = counts[LibraryChange.NEW]
    collection.changed = counts[LibraryChange.CHANGED]
    collection.retired = counts[LibraryChange.RETIRED]
    collection.unchanged = counts[LibraryChange.UNCHANGED]
    session.add(collection)
    session.flush()
    return collection


def _blob(session: Session, sha256: str, data: bytes, content_type: str) -> LibraryBlob:
    """The stored content of ``sha256``, stored now if it was not yet."""
    blob = session.get(LibraryBlob, sha256)
    if blob is None:
        if hashlib.sha256(data).hexdigest() != sha256:  # pragma: no cover - checked above
            raise LibraryResultRefused("a file does not match its SHA-256")
        blob = LibraryBlob(sha256=sha256, size=len(data), content_type=content_type,
                           data=data)
        session.add(blob)
        session.flush()
    return blob


def _first_seen_retired(session: Session, carrier: str, retired: RetiredDocument,
                        collection_id: int, now: dt.datetime) -> None:
    title_key, category = document_key(retired.title, retired.category)
    document = LibraryDocument(carrier=carrier, title=retired.title, title_key=title_key,
                               category=category, first_seen_at=now, last_seen_at=now,
                               retired_at=now)
    session.add(document)
    session.flush()
    assert document.id is not None
    session.add(LibraryCollectionItem(collection_id=collection_id, document_id=document.id,
                                      change=LibraryChange.RETIRED))


def _latest_version(session: Session, document: LibraryDocument) -> LibraryVersion | None:
    return session.exec(select(LibraryVersion)
                        .where(LibraryVersion.document_id == document.id)
                        .order_by(col(LibraryVersion.first_collected_at).desc(),
                                  col(LibraryVersion.id).desc())).first()


# -- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    """A document with its current (latest) version and what the carrier's last
    collection found of it (None: not seen by it)."""

    document: LibraryDocument
    version: LibraryVersion | None
    change: str | None
    versions: int


def last_collection(*, session: Session, carrier: str) -> LibraryCollection | None:
    return session.exec(select(LibraryCollection)
                        .where(LibraryCollection.carrier == carrier)
                        .order_by(col(LibraryCollection.collected_at).desc(),
                                  col(LibraryCollection.id).desc())).first()


def collection_for_job(*, session: Session, job_id: str) -> LibraryCollection | None:
    return session.exec(select(LibraryCollection)
                        .where(LibraryCollection.job_id == job_id)).first()


def list_collections(*, session: Session, carrier: str | None = None, limit: int = 20
                     ) -> list[LibraryCollection]:
    query = select(LibraryCollection).order_by(col(LibraryCollection.collected_at).desc(),
                                               col(LibraryCollection.id).desc()).limit(limit)
    if carrier:
        query = query.where(LibraryCollection.carrier == carrier)
    return list(session.exec(query))


def collection_changes(*, session: Session, collection_id: int) -> dict[int, str]:
    """document id → what the collection found of it."""
    items = session.exec(select(LibraryCollectionItem).where(
        LibraryCollectionItem.collection_id == collection_id))
    return {item.document_id: item.change for item in items}


def carriers_with_documents(*, session: Session) -> list[str]:
    return sorted(set(session.exec(select(LibraryDocument.carrier).distinct())))


def search_documents(*, session: Session, carrier: str | None = None,
                     title: str | None = None, category: str | None = None,
                     q: str | None = None, include_retired: bool = True,
                     limit: int = 200) -> list[DocumentRow]:
    """Documents by carrier, a title (contains, any case), a category, and a text query
    (every word in the title, category or a version's file name); carrier, then title."""
    query = select(LibraryDocument)
    if carrier:
        query = query.where(LibraryDocument.carrier == carrier)
    if category:
        query = query.where(LibraryDocument.category == category)
    if title:
        query = query.where(col(LibraryDocument.title_key).contains(_key(title)))
    if not include_retired:
        query = query.where(col(LibraryDocument.retired_at).is_(None))
    for word in (q or "").split()[:8]:
        word = _key(word)
        named = select(LibraryVersion.document_id).where(
            func.lower(LibraryVersion.filename).contains(word))
        query = query.where(or_(col(LibraryDocument.title_key).contains(word),
                                col(LibraryDocument.category).contains(word),
                                col(LibraryDocument.id).in_(named)))
    query = query.order_by(col(LibraryDocument.carrier), col(LibraryDocument.title_key),
                           col(LibraryDocument.id)).limit(limit)
    documents = list(session.exec(query))
    last: dict[str, dict[int, str]] = {}
    rows = []
    for document in documents:
        if document.carrier not in last:
            latest = last_collection(session=session, carrier=document.carrier)
            last[document.carrier] = collection_changes(
                session=session, collection_id=latest.id) if latest and latest.id else {}
        assert document.id is not None
        count = session.exec(select(func.count()).select_from(LibraryVersion).where(
            LibraryVersion.document_id == document.id)).one()
        rows.append(DocumentRow(document=document, version=_latest_version(session, document),
                                change=last[document.carrier].get(document.id),
                                versions=int(count)))
    return rows


def get_document(*, session: Session, document_id: int) -> LibraryDocument | None:
    return session.get(LibraryDocument, document_id)


def document_versions(*, session: Session, document_id: int) -> list[LibraryVersion]:
    """Every version of a document, the newest first."""
    return list(session.exec(select(LibraryVersion)
                             .where(LibraryVersion.document_id == document_id)
                             .order_by(col(LibraryVersion.first_collected_at).desc(),
                                       col(LibraryVersion.id).desc())))


def get_version(*, session: Session, document_id: int, version_id: int
                ) -> LibraryVersion | None:
    version = session.get(LibraryVersion, version_id)
    return version if version is not None and version.document_id == document_id else None


def version_bytes(*, session: Session, version: LibraryVersion) -> bytes:
    """A version's file, checked against its SHA-256 on the way out."""
    blob = session.get(LibraryBlob, version.sha256)
    if blob is None or hashlib.sha256(blob.data).hexdigest() != version.sha256:
        raise LookupError(f"the stored file of version {version.id} is missing or damaged")
    return blob.data


def stored_copies(*, session: Session, sha256: str) -> int:
    """How many stored copies of a content there are (one, once stored)."""
    return int(session.exec(select(func.count()).select_from(LibraryBlob).where(
        LibraryBlob.sha256 == sha256)).one())


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def document_public(row: DocumentRow) -> dict[str, Any]:
    """A document row as the API shows it."""
    document, version = row.document, row.version
    return {
        "id": document.id, "carrier": document.carrier, "title": document.title,
        "category": document.category, "retired": document.retired_at is not None,
        "retired_at": document.retired_at, "first_seen_at": document.first_seen_at,
        "last_seen_at": document.last_seen_at, "change": row.change,
        "versions": row.versions,
        "current_version": version_public(version) if version is not None else None,
    }


def version_public(version: LibraryVersion) -> dict[str, Any]:
    return {
        "id": version.id, "document_id": version.document_id, "sha256": version.sha256,
        "effective_date": version.effective_date, "size": version.size,
        "filename": version.filename, "portal_id": version.portal_id,
        "portal_url": version.portal_url, "first_collected_at": version.first_collected_at,
        "collection_id": version.collection_id,
    }
