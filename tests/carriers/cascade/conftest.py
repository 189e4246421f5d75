"""Fixtures for Cascade Dental: a fresh portal and account, a local code inbox the
portal's e-mail gateway posts to, and a runner that calls the bot in real Chromium."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser

from bench.accuracy import credentials_for
from bench.inbox import LocalInbox
from bots.base import BotContext, ClaimsOutcome, CodeSource
from bots.base import Outcome as BotOutcome
from bots.carriers.cascade.bot import CascadeBot
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.runtime import run_bot
from fixtures.sandbox.server import PortalAccount
from portals.claims import ClaimSearchRequest
from portals.model import EligibilityRequest
from tests.carriers.cascade.helpers import member


@dataclass
class CascadeRun:
    """One test's portal, account, inbox and the bot's saved sessions."""

    portal: PortalAccount
    inbox: LocalInbox
    browser: Browser
    sessions: MemorySessionStore = field(default_factory=MemorySessionStore)
    artifacts: MemoryArtifactSink = field(default_factory=MemoryArtifactSink)
    events: list[str] = field(default_factory=list)

    @property
    def control(self):  # type: ignore[no-untyped-def]
        return self.portal.control

    def context(self, *, codes: CodeSource | None = None, no_inbox: bool = False,
                mfa_wait_seconds: float = 15, **account_changes: str) -> BotContext:
        credentials = credentials_for("test:cascade", {**self.portal.account,
                                                       **account_changes})
        self.artifacts = MemoryArtifactSink()
        return BotContext(
            credentials=credentials, base_url=self.portal.url, sessions=self.sessions,
            artifacts=self.artifacts,
            codes=None if no_inbox else codes if codes is not None else self.inbox.source(
                credentials.mfa_recipient or ""),
            timeout_ms=8_000, mfa_wait_seconds=mfa_wait_seconds,
            on_event=self.events.append)

    def lookup(self, member_id: str, ctx: BotContext | None = None,
               **request_changes: str) -> BotOutcome:
        m = member(member_id)
        request = EligibilityRequest.model_validate({
            "carrier": "cascade", "member_id": m.member_id,
            "date_of_birth": m.date_of_birth.isoformat(), "last_name": m.last_name,
            "first_name": m.first_name, **request_changes})
        bot, run_ctx = CascadeBot(), ctx or self.context()
        return run_bot(self.browser, run_ctx,
                       lambda page: bot.check_eligibility(page, run_ctx, request))

    def claims(self, member_id: str, ctx: BotContext | None = None, *,
               claim_number: str | None = None, service_from: dt.date | None = None,
               service_to: dt.date | None = None, **request_changes: str) -> ClaimsOutcome:
        """The bot's claim search for a member: by number, or by service dates."""
        m = member(member_id)
        request = ClaimSearchRequest.model_validate({
            "carrier": "cascade", "member_id": m.member_id,
            "date_of_birth": m.date_of_birth.isoformat(), "last_name": m.last_name,
            "first_name": m.first_name, "claim_number": claim_number,
            "service_from": service_from, "service_to": service_to, **request_changes})
        bot, run_ctx = CascadeBot(), ctx or self.context()
        return run_bot(self.browser, run_ctx,
                       lambda page: bot.search_claims(page, run_ctx, request))


@pytest.fixture
def inbox() -> Iterator[LocalInbox]:
    with LocalInbox() as running:
        yield running


@pytest.fixture
def cascade(sandbox_portal: Callable[[str], PortalAccount], inbox: LocalInbox,
            browser: Browser) -> CascadeRun:
    portal = sandbox_portal("cascade")
    portal.control.set_knobs(code_webhook_url=inbox.url, code_webhook_secret=inbox.secret)
    return CascadeRun(portal=portal, inbox=inbox, browser=browser)
