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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import SecretStr

from portals.claims import ClaimResult, ClaimSearchRequest
from portals.jobs import Capability
from portals.model import EligibilityRequest, EligibilityResult, NotFound

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["ArtifactSink", "BotContext", "Capability", "CarrierBot", "CodeSource",
           "Credentials", "MfaKind", "Outcome", "SessionStore"]


def handlers() -> dict[Capability, str]:
    """The method that serves each capability, as the job kinds declare it (documents ride
    along with a result and have no kind of their own)."""
    from portals.jobs import all_kinds

    return {kind.capability: kind.bot_method for kind in all_kinds()}


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


Outcome = EligibilityResult | NotFound
ClaimsOutcome = ClaimResult | NotFound


class CarrierBot(ABC):
    """One carrier's portal automation. Subclasses live in ``bots/carriers/<name>/``."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.ELIGIBILITY})
    mfa_kinds: ClassVar[frozenset[MfaKind]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "__abstractmethods__", None):
            return
        for capability, method in handlers().items():
            served = getattr(cls, method) is not getattr(CarrierBot, method)
            declared = capability in cls.capabilities
            if served != declared:
                raise TypeError(
                    f"{cls.__name__}: capability {capability.value!r} is "
                    + ("declared without a " if declared else "not declared but has a ")
                    + f"{method}() method")

    def serves(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def search_claims(self, page: Page, ctx: BotContext, request: ClaimSearchRequest
                      ) -> ClaimsOutcome:
        """Every claim the search asks for (paging and split date windows included), or
        NotFound when the portal knows no such member. No claims is an empty result."""
        raise NotImplementedError(f"{self.name} does not serve claims")

    @abstractmethod
    def check_eligibility(
        self, page: Page, ctx: BotContext, request: EligibilityRequest
    ) -> Outcome:
        """Look the patient up and return the normalized result, or NotFound.

        ``page`` belongs to a browser context that already carries the account's saved
        session, if any; the runtime saves the context's session after a success and
        keeps the failure artifacts when this raises.
        """
