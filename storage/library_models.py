"""The portals' document libraries (issue 10, item 4): tables registered through
:mod:`storage.models`; migration 0008.

- :class:`LibraryBlob`: the bytes of one content, once per SHA-256 (a content-addressed
  store in the database itself, so that a collection's documents and what it found are
  stored in one transaction, or not at all; never purged with run artifacts). Carrier
  library documents are published to every provider: no PHI, no secret.
- :class:`LibraryDocument`: a document of a carrier's library, known by its title (case and
  spacing aside) in its category; retired when the portal stops listing it or marks it.
- :class:`LibraryVersion`: each content a document ever had, with its effective date,
  when it was first collected, and by which collection.
- :class:`LibraryCollection` and :class:`LibraryCollectionItem`: what each collection
  found, document by document: new, changed (a new version), retired or unchanged.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class LibraryChange(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    """A new version of a document already known (same title and category)."""
    RETIRED = "retired"
    UNCHANGED = "unchanged"


class LibraryBlob(SQLModel, table=True):
    """One stored content: the same SHA-256 is stored once, whoever refers to it."""

    __tablename__ = "library_blobs"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content_type: str = Field(max_length=100)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class LibraryCollection(SQLModel, table=True):
    """One collection of a carrier's library (one library job's result)."""

    __tablename__ = "library_collections"

    id: int | None = Field(default=None, primary_key=True)
    carrier: str = Field(index=True, max_length=40)
    job_id: str = Field(foreign_key="jobs.id", unique=True, max_length=32)
    collected_at: dt.datetime = Field(default_factory=utcnow, index=True)
    documents: int = 0
    """Current documents the portal listed."""
    new: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0


class LibraryDocument(SQLModel, table=True):
    __tablename__ = "library_documents"
    __table_args__ = (UniqueConstraint("carrier", "title_key", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    carrier: str = Field(index=True, max_length=40)
    title: str = Field(max_length=200, description="As the portal last showed it.")
    title_key: str = Field(max_length=200, description="The title, case and spacing aside.")
    category: str = Field(max_length=20, description="portals.library.DocumentCategory")
    first_seen_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    retired_at: dt.datetime | None = Field(default=None, description="When a collection "
                                           "found it gone or marked retired; cleared if it "
                                           "comes back.")


class LibraryVersion(SQLModel, table=True):
    __tablename__ = "library_versions"
    __table_args__ = (UniqueConstraint("document_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="library_documents.id", index=True)
    sha256: str = Field(foreign_key="library_blobs.sha256", index=True, max_length=64)
    effective_date: dt.date
    size: int
    filename: str = Field(max_length=200)
    portal_id: str = Field(max_length=80)
    portal_url: str = Field(max_length=400)
    first_collected_at: dt.datetime = Field(default_factory=utcnow)
    collection_id: int = Field(foreign_key="library_collections.id",
                               description="The collection that first found it.")


class LibraryCollectionItem(SQLModel, table=True):
    """What one collection found of one document."""

    __tablename__ = "library_collection_items"

    id: int | None = Field(default=None, primary_key=True)
    collection_id: int = Field(foreign_key="library_collections.id", index=True)
    document_id: int = Field(foreign_key="library_documents.id", index=True)
    version_id: int | None = Field(default=None, foreign_key="library_versions.id",
                                   description="The version listed; None when retired.")
    change: str = Field(max_length=20, description="LibraryChange")
