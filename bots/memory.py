"""In-memory session store, artifact sink and document source: for the benches, tests
and one-off runs that keep nothing in the database."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from portals.prior_auth import RequestDocument


@dataclass
class MemorySessionStore:
    states: dict[str, dict[str, Any]] = field(default_factory=dict)

    def load(self, account_key: str) -> dict[str, Any] | None:
        return self.states.get(account_key)

    def save(self, account_key: str, state: dict[str, Any]) -> None:
        self.states[account_key] = state

    def clear(self, account_key: str) -> None:
        self.states.pop(account_key, None)


@dataclass
class KeptArtifact:
    kind: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class MemoryArtifactSink:
    kept: list[KeptArtifact] = field(default_factory=list)

    def put(self, kind: str, filename: str, content_type: str, data: bytes) -> None:
        self.kept.append(KeptArtifact(kind, filename, content_type, data))

    def kinds(self) -> list[str]:
        return [a.kind for a in self.kept]


@dataclass
class MemoryDocumentSource:
    """A request's documents held in memory, by document ID (tests, the bench)."""

    files: dict[str, bytes] = field(default_factory=dict)

    def read(self, document: RequestDocument) -> bytes:
        data = self.files[document.document_id]
        if hashlib.sha256(data).hexdigest() != document.sha256:
            raise ValueError(f"{document.filename} changed since it was attached")
        return data

    def attach(self, filename: str, data: bytes) -> RequestDocument:
        """Keep ``data`` and describe it as a request document (type from its content)."""
        from portals.documents import detect_type

        document = RequestDocument.model_validate({
            "document_id": uuid.uuid4().hex, "filename": filename,
            "content_type": detect_type(data) or "application/pdf", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()})
        self.files[document.document_id] = data
        return document
