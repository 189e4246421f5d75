"""Fixtures for Northwind tests: the sandbox portal with a fresh account whose SMS codes
reach a local signed-webhook inbox, and a runner that looks members up with the bot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser

from bench.accuracy import credentials_for
from bench.inbox import LocalInbox
from bots.base import BotContext, CodeSource, Outcome
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.expected import expected_result, members
from fixtures.sandbox.server import PortalAccount
from portals.model import EligibilityRequest, EligibilityResult

ACCOUNT_KEY = "test:northwind"
_INBOX = object()


@pytest.fixture(scope="session")
def code_inbox() -> Iterator[LocalInbox]:
    with LocalInbox() as inbox:
        yield inbox


@pytest.fixture
def northwind(sandbox_portal: Callable[[str], PortalAccount], code_inbox: LocalInbox
              ) -> PortalAccount:
    """A reset Northwind portal, a fresh account, codes posted to the local inbox; the
    survey is off unless a test turns it on, so each test shows one quirk at a time."""
    portal = sandbox_portal("northwind")
    portal.control.set_knobs(code_webhook_url=code_inbox.url,
                             code_webhook_secret=code_inbox.secret, survey_rate=0.0,
                             api_delay_ms=50)
    return portal


def request_for(index: int) -> EligibilityRequest:
    member = members("northwind")[index]
    return EligibilityRequest.model_validate({
        "carrier": "northwind", "member_id": member["member_id"],
        "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
        "first_name": member["first_name"]})


def expected_for(index: int) -> EligibilityResult:
    return expected_result("northwind", members("northwind")[index]["member_id"])


@dataclass
class Runner:
    """Runs the Northwind bot as the worker does (run_bot: fresh context, saved session)."""

    portal: PortalAccount
    browser: Browser
    inbox: LocalInbox
    sessions: MemorySessionStore = field(default_factory=MemorySessionStore)
    events: list[str] = field(default_factory=list)
    last: BotContext | None = None

    def context(self, *, codes: Any = _INBOX, on_event: Callable[[str], None] | None = None,
                timeout_ms: int = 8_000, mfa_wait_seconds: float = 10.0,
                account: dict[str, Any] | None = None) -> BotContext:
        credentials = credentials_for(ACCOUNT_KEY, account or self.portal.account)
        source: CodeSource | None = (self.inbox.source(credentials.mfa_recipient or "")
                                     if codes is _INBOX else codes)

        def note(event: str) -> None:
            self.events.append(event)
            if on_event is not None:
                on_event(event)

        self.last = BotContext(credentials=credentials, base_url=self.portal.url,
                               sessions=self.sessions, artifacts=MemoryArtifactSink(),
                               codes=source, timeout_ms=timeout_ms,
                               mfa_wait_seconds=mfa_wait_seconds, on_event=note)
        return self.last

    def lookup(self, index: int = 0, *, request: EligibilityRequest | None = None,
               **context: Any) -> Outcome:
        self.events.clear()
        bot = registry.get("northwind")()
        ctx = self.context(**context)
        wanted = request or request_for(index)
        return run_bot(self.browser, ctx,
                       lambda page: bot.check_eligibility(page, ctx, wanted))

    def artifacts(self) -> list[str]:
        assert self.last is not None and isinstance(self.last.artifacts, MemoryArtifactSink)
        return sorted(self.last.artifacts.kinds())

    def counters(self) -> dict[str, Any]:
        """The core counters of the portal, for this test's account."""
        state = self.portal.control.state()
        return {key: state[key].get(self.portal.username, 0)
                for key in ("login_attempts", "successful_logins", "mfa_attempts", "searches")}

    def northwind_counters(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(self.portal.url + "/_sandbox/northwind",
                                         timeout=5).json()
        return data

    def texts(self) -> int:
        return len(self.portal.control.outbox())


@pytest.fixture
def runner(northwind: PortalAccount, browser: Browser, code_inbox: LocalInbox) -> Runner:
    return Runner(northwind, browser, code_inbox)
