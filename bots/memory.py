"""In-memory session store and artifact sink: for the accuracy bench and one-off runs
that keep nothing in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
