"""The small abstract bot every carrier implements, and the context it is handed.

Bots never import storage, the queue or the API: they receive a :class:`BotContext`
(credentials, an MFA code source, a saved-session store, an artifact sink) and a request,
and return the kind's typed result (:class:`~portals.model.EligibilityResult`,
:class:`~portals.claims.ClaimResult`) or :class:`~portals.model.NotFound`, or raise a
:mod:`bots.errors` type.

A bot declares the :class:`~portals.jobs.Capability` values it serves and implements the
method each one's job kind names (``check_eligibility``, ``search_claims``); a class that
declares a capability without its method, or a method without declaring it, is refused
when it is defined. Handlers of one bot share its sign-in (:mod:`bots.flow`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import SecretStr

from bots.maintenance import MaintenanceWindow
from portals.claims import ClaimResult, ClaimSearchRequest
from portals.jobs import Capability
from portals.library import LibraryRequest, LibraryResult
from portals.model import EligibilityRequest, EligibilityResult, NotFound
from portals.prior_auth import (
    PriorAuthCase,
    PriorAuthRequest,
    PriorAuthStatusRequest,
    RequestDocument,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["ArtifactSink", "BotContext", "Capability", "CarrierBot", "CodeSource",
           "Credentials", "DocumentSource", "MfaKind", "Outcome", "SessionStore",
           "UploadLimits"]


def handlers() -> dict[Capability, tuple[str, ...]]:
    """The methods that serve each capability, as the job kinds declare them (documents
    ride along with a result and have no kind of their own). Prior authorization has
    three: submit, find a submission again, and read its status."""
    from portals.jobs import all_kinds

    methods: dict[Capability, tuple[str, ...]] = {}
    for kind in all_kinds():
        names = (kind.bot_method,) + ((kind.recheck_method,) if kind.recheck_method else ())
        methods[kind.capability] = tuple(dict.fromkeys(methods.get(kind.capability, ())
                                                       + names))
    return methods


class MfaKind(StrEnum):
    TOTP = "totp"
    SMS = "sms"
    EMAIL = "email"
    SECURITY_QUESTIONS = "security_questions"


@dataclass(frozen=True)
class Credentials:
    """A portal account's secrets, decrypted only for the run that uses them."""

    account_key: str
    username: str
    password: SecretStr
    totp_secret: SecretStr | None = None
    extra: dict[str, SecretStr] = field(default_factory=dict)
    """Other secrets by name; security answers as ``security:<question text>``."""
    mfa_recipient: str | None = None
    """The phone number or e-mail address the portal sends one-time codes to."""

    def security_answer(self, question: str) -> str | None:
        """The stored answer to a security question (matched without case or spacing)."""
        wanted = " ".join(question.split()).casefold()
        for name, value in self.extra.items():
            if name.startswith("security:") and \
                    " ".join(name[9:].split()).casefold() == wanted:
                return value.get_secret_value()
        return None

    def secret_values(self) -> list[str]:
        """Every secret string, for redaction of artifacts."""
        values = [self.password.get_secret_value()]
        if self.totp_secret is not None:
            values.append(self.totp_secret.get_secret_value())
        values += [v.get_secret_value() for v in self.extra.values()]
        return [v for v in values if v]


class CodeSource(Protocol):
    """Where out-of-band one-time codes (SMS, e-mail, a person) come from."""

    def wait_for_code(self, channel: str, timeout: float) -> str | None:
        """Block until a code for this run arrives on ``channel``; None after ``timeout``."""
        ...


class SessionStore(Protocol):
    """Saved logged-in browser sessions (Playwright storage_state), encrypted by the store."""

    def load(self, account_key: str) -> dict[str, Any] | None: ...

    def save(self, account_key: str, state: dict[str, Any]) -> None: ...

    def clear(self, account_key: str) -> None: ...


class ArtifactSink(Protocol):
    """Keeps a run's files: failure screenshots, page HTML, traces, documents."""

    def put(self, kind: str, filename: str, content_type: str, data: bytes) -> None: ...


class DocumentSource(Protocol):
    """A request's clinical documents, decrypted for the run that uploads them."""

    def read(self, document: RequestDocument) -> bytes:
        """The file's bytes; raises if they no longer hash to ``document.sha256``."""
        ...


@dataclass(frozen=True)
class UploadLimits:
    """What a portal takes as clinical documents on a prior-authorization request.

    The API checks every file against them before anything is queued, so a file the
    portal would refuse is refused at once, naming the file and the rule."""

    content_types: frozenset[str]
    max_bytes: int
    max_files: int

    @property
    def type_names(self) -> str:
        from portals.prior_auth import DOCUMENT_TYPES

        return ", ".join(DOCUMENT_TYPES[t] for t in DOCUMENT_TYPES if t in self.content_types)


def _no_commit() -> None:
    """Outside a runner (unit tests) there is no ledger to write the commit into."""


@dataclass
class BotContext:
    """Everything a bot may touch besides the browser and the portal."""

    credentials: Credentials
    base_url: str
    sessions: SessionStore
    artifacts: ArtifactSink
    codes: CodeSource | None = None
    timeout_ms: int = 15_000
    mfa_wait_seconds: float = 120.0
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("portals.bot"))
    on_event: Callable[[str], None] = field(default=lambda _event: None)
    """Progress notes for the run's timeline ("login", "mfa", "needs_mfa_code", ...)."""
    documents: DocumentSource | None = None
    """The request's clinical documents (prior-authorization submissions only)."""
    commit: Callable[[], None] = field(default=_no_commit)
    """Called right before the click that cannot be taken back (a submission's submit
    button). The runner records it durably first, and raises (so the click never
    happens) when this run no longer holds its job; after it, the job is never submitted
    again by itself, only looked for (:meth:`CarrierBot.find_prior_auth`)."""
    login_lock: Callable[[], AbstractContextManager[object]] = field(default=nullcontext)
    """Held around every fresh login: one job of a portal account logs in at a time,
    across every worker (the runner's account lock in Redis). Jobs of one account may run
    at once on its saved session; only a login is exclusive."""
    login_guard: Callable[[], AbstractContextManager[object]] = field(default=nullcontext)
    """Set by :func:`bots.runtime.run_bot` for each call, used by :func:`bots.flow.
    signed_in` around a login: holds ``login_lock``, restarts the job on the session
    another job of the account logged in with meanwhile (``SessionRenewed``) instead of a
    second login, and saves the new session before the lock is released."""


Outcome = EligibilityResult | NotFound
ClaimsOutcome = ClaimResult | NotFound
PriorAuthOutcome = PriorAuthCase | NotFound


class CarrierBot(ABC):
    """One carrier's portal automation. Subclasses live in ``bots/carriers/<name>/``."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.ELIGIBILITY})
    mfa_kinds: ClassVar[frozenset[MfaKind]] = frozenset()
    prior_auth_limits: ClassVar[UploadLimits | None] = None
    """Declared by every bot that serves prior authorization."""
    max_concurrent_pages: ClassVar[int] = 4
    """How many jobs of one portal account may act at once, each in its own page of the
    account's one logged-in context. A portal that keeps "the current member" in its
    server session (a second tab changes what the first shows) declares 1. Settings can
    lower it, never raise it."""
    lookups_per_minute: ClassVar[int] = 240
    """The most lookups one portal account should make a minute (a budget shared by every
    worker); settings can lower it."""
    maintenance_windows: ClassVar[tuple[MaintenanceWindow, ...]] = ()
    """The portal's published nightly maintenance (its own time zone): scheduled jobs are
    planned outside it."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "__abstractmethods__", None):
            return
        for capability, methods in handlers().items():
            declared = capability in cls.capabilities
            for method in methods:
                served = getattr(cls, method) is not getattr(CarrierBot, method)
                if served != declared:
                    raise TypeError(
                        f"{cls.__name__}: capability {capability.value!r} is "
                        + ("declared without a " if declared else "not declared but has a ")
                        + f"{method}() method")
        if (Capability.PRIOR_AUTH in cls.capabilities) != (cls.prior_auth_limits is not None):
            raise TypeError(f"{cls.__name__}: a bot that serves prior authorization declares "
                            "its prior_auth_limits, and only such a bot")

    def serves(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def search_claims(self, page: Page, ctx: BotContext, request: ClaimSearchRequest
                      ) -> ClaimsOutcome:
        """Every claim the search asks for (paging and split date windows included), or
        NotFound when the portal knows no such member. No claims is an empty result."""
        raise NotImplementedError(f"{self.name} does not serve claims")

    def submit_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                          ) -> PriorAuthOutcome:
        """Submit the request once: look for it in the portal's list first (found: return
        it with ``found_existing``), else fill the form, upload every document, check the
        portal lists each with its size, ``ctx.commit()``, click submit, read the
        reference. Built on :func:`bots.prior_auth_flow.submit_once`."""
        raise NotImplementedError(f"{self.name} does not serve prior authorization")

    def find_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                        ) -> PriorAuthOutcome:
        """Only look: the request as the portal's list shows it (by the tracking reference
        in its note, or by patient, codes and dates), or NotFound. Never submits."""
        raise NotImplementedError(f"{self.name} does not serve prior authorization")

    def prior_auth_status(self, page: Page, ctx: BotContext,
                          request: PriorAuthStatusRequest) -> PriorAuthOutcome:
        """The request's current decision as the portal shows it, or NotFound."""
        raise NotImplementedError(f"{self.name} does not serve prior authorization")

    def collect_library(self, page: Page, ctx: BotContext, request: LibraryRequest
                        ) -> LibraryResult:
        """Every current document of the portal's library (every page, every category),
        downloaded and checked with :func:`portals.library.library_problems`, and the
        documents the portal marks as retired. Built on the bot's shared sign-in."""
        raise NotImplementedError(f"{self.name} does not serve the document library")

    @abstractmethod
    def check_eligibility(
        self, page: Page, ctx: BotContext, request: EligibilityRequest
    ) -> Outcome:
        """Look the patient up and return the normalized result, or NotFound.

        ``page`` belongs to a browser context that already carries the account's saved
        session, if any; the runtime saves the context's session after a success and
        keeps the failure artifacts when this raises.
        """
