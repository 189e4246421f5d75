"""Job kinds: each portal job a bot can do, declared once.

A :class:`JobKind` names its request and result models, the bot capability it needs, the
bot method that serves it, its API resource, whether running it twice is harmless, and
the guard every result must pass before it is stored. The runner, the job table, the
queue and the API serve every kind through this declaration; adding a kind touches none
of the lease, lock, retry or artifact code.

Like a router that refuses a handler label twice, :func:`register_kind` refuses a name or
a resource that is taken, and :func:`get_kind` names the known kinds when asked for an
unknown one. The declarations themselves are in :mod:`portals.kinds`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class Capability(StrEnum):
    """What a carrier's bot can do on its portal."""

    ELIGIBILITY = "eligibility"
    CLAIMS = "claims"
    PRIOR_AUTH = "prior_auth"
    DOCUMENTS = "documents"
    LIBRARY = "library"
    """Collect the portal's document library (plan documents, forms, bulletins)."""


@dataclass(frozen=True)
class JobKind:
    name: str
    """Stored in ``jobs.kind``; also the queue's and the logs' word for it."""
    title: str
    """How staff call one job of this kind ("eligibility check")."""
    capability: Capability
    bot_method: str
    """The :class:`bots.base.CarrierBot` method that serves it: (page, ctx, request)."""
    request_model: type[BaseModel]
    result_model: type[BaseModel]
    resource: str
    """The API collection, ``/v1/<resource>``."""
    ui_page: str
    """Where the web UI shows one job: ``<ui_page>/<id>``."""
    repeat_harmless: bool
    """Whether running a job of this kind a second time can hurt nobody (a lookup);
    a submission is not, and is never run again by itself after an unknown outcome."""
    guard: Callable[[Any, Any], None]
    """``guard(request, result)`` raises a typed bot error when the result is not
    provably the requested patient's and internally consistent; then it is not stored."""
    recheck_method: str | None = None
    """For a kind whose repeat is not harmless: the bot method that only looks for what an
    earlier run may have done. Once a run has passed its point of no return
    (``BotContext.commit``), every later attempt calls this instead of ``bot_method``;
    NotFound then leaves the job's outcome unknown, for a person to decide."""

    def parse_request(self, data: dict[str, Any]) -> Any:
        return self.request_model.model_validate(data)

    def parse_result(self, data: dict[str, Any]) -> Any:
        return self.result_model.model_validate(data)


class UnknownKind(KeyError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown job kind {self.name!r}; known kinds: {', '.join(self.known)}"


_KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> JobKind:
    """Declare a kind; a name or resource already taken by another kind is refused."""
    for other in _KINDS.values():
        if other is kind:
            return kind
        if other.name == kind.name:
            raise ValueError(f"job kind {kind.name!r} is already registered")
        if other.resource == kind.resource:
            raise ValueError(f"resource {kind.resource!r} already serves {other.name!r}")
    _KINDS[kind.name] = kind
    return kind


def _load() -> None:
    importlib.import_module("portals.kinds")


def get_kind(name: str) -> JobKind:
    _load()
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name, sorted(_KINDS)) from None


def all_kinds() -> list[JobKind]:
    _load()
    return [_KINDS[name] for name in sorted(_KINDS)]

