"""bots.runtime.run_bot in real Chromium, without a portal: what a failure keeps, what it
raises and what becomes of the saved session, whatever the artifact sink does."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError

from bots.base import BotContext, Credentials
from bots.errors import (
    BotError,
    LayoutChanged,
    LoginRejected,
    PatientMismatch,
    PortalUnavailable,
)
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.runtime import run_bot

pytestmark = pytest.mark.browser
KEY = "test:runtime"
PHI = "PHI-ZZ-12345 Testwellphi"
PASSWORD = "hunter2-runtime-secret"
SAVED = {"cookies": [{"name": "SID", "value": "saved-session-cookie-value",
                      "domain": "example.test", "path": "/", "expires": -1, "httpOnly": True,
                      "secure": False, "sameSite": "Lax"}], "origins": []}


@dataclass
class FailingSink:
    """An artifact sink whose ``put`` raises ``error`` (for the kinds in ``failing``)."""

    error: Exception
    failing: frozenset[str] = frozenset({"screenshot", "html", "trace"})
    kept: list[str] = field(default_factory=list)

    def put(self, kind: str, filename: str, content_type: str, data: bytes) -> None:
        if kind in self.failing:
            raise self.error
        self.kept.append(kind)


@dataclass
class FailingSessions(MemorySessionStore):
    def clear(self, account_key: str) -> None:
        raise OperationalError("DELETE FROM sessions", {"member": PHI}, RuntimeError(PHI))


def _ctx(artifacts: Any = None, sessions: MemorySessionStore | None = None) -> BotContext:
    sessions = sessions if sessions is not None else MemorySessionStore()
    sessions.save(KEY, dict(SAVED))
    return BotContext(
        credentials=Credentials(account_key=KEY, username="frontdesk",
                                password=SecretStr(PASSWORD)),
        base_url="http://127.0.0.1:1", sessions=sessions,
        artifacts=artifacts if artifacts is not None else MemoryArtifactSink(),
        timeout_ms=2_000)


def _failing(error: BaseException, seen: list[Page]) -> Callable[[Page], Any]:
    def call(page: Page) -> Any:
        seen.append(page)
        page.set_content(f"<html><body><h1>Member {PHI}</h1></body></html>")
        raise error

    return call


SINK_ERRORS = [
    OSError(28, f"No space left on device: /artifacts/{PHI}"),
    OperationalError("INSERT INTO artifacts (note) VALUES (?)", {"note": PHI},
                     RuntimeError(f"database is locked {PHI}")),
    RuntimeError(f"an unexpected sink bug {PHI}"),
]


@pytest.mark.parametrize("sink_error", SINK_ERRORS, ids=lambda e: type(e).__name__)
def test_a_failing_artifact_sink_never_changes_the_outcome(
    browser: Browser, sink_error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    # given a sink that cannot keep anything (full disk, database down, a bug)
    caplog.set_level(logging.DEBUG)
    pages: list[Page] = []
    ctx = _ctx(FailingSink(sink_error))
    # when the bot's login is rejected
    with pytest.raises(LoginRejected) as caught:
        run_bot(browser, ctx, _failing(LoginRejected("the portal rejected the login"), pages))
    # then the bot's own typed error propagates, the context is closed, the session cleared
    assert caught.value.account_flag == "login_rejected"
    assert pages and pages[0].is_closed()
    assert browser.contexts == []
    assert ctx.sessions.load(KEY) is None
    # and the warnings name the artifact kind and the exception type, never its text
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for kind in ("screenshot", "html", "trace"):
        assert any(kind in w and type(sink_error).__name__ in w for w in warnings), warnings
    assert "PHI-ZZ-12345" not in caplog.text
    assert "Testwellphi" not in caplog.text


def test_each_artifact_is_kept_on_its_own(browser: Browser) -> None:
    sink = FailingSink(OSError(28, "No space left on device"), failing=frozenset({"html"}))
    with pytest.raises(PatientMismatch):
        run_bot(browser, _ctx(sink), _failing(PatientMismatch(), []))
    assert sink.kept == ["screenshot", "trace"]


def test_a_session_store_that_cannot_clear_does_not_hide_the_error(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = _ctx(sessions=FailingSessions())
    with pytest.raises(LoginRejected):
        run_bot(browser, ctx, _failing(LoginRejected(), []))
    assert "saved session not cleared" in caplog.text and "OperationalError" in caplog.text
    assert "PHI-ZZ-12345" not in caplog.text
    assert browser.contexts == []


def test_a_bug_in_the_bot_propagates_unchanged_with_its_artifacts(browser: Browser) -> None:
    ctx = _ctx()
    with pytest.raises(KeyError):
        run_bot(browser, ctx, _failing(KeyError("bug"), []))
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    assert sorted(ctx.artifacts.kinds()) == ["html", "screenshot", "trace"]
    assert ctx.sessions.load(KEY) is None
    assert browser.contexts == []


@pytest.mark.parametrize(("error", "cleared"), [
    (LayoutChanged(), True), (PatientMismatch(), True), (LoginRejected(), True),
    (BotError("internal"), True), (PortalUnavailable("maintenance"), False),
])
def test_the_saved_session_is_cleared_unless_the_error_is_retryable(
    browser: Browser, error: BotError, cleared: bool
) -> None:
    ctx = _ctx()
    with pytest.raises(type(error)):
        run_bot(browser, ctx, _failing(error, []))
    assert (ctx.sessions.load(KEY) is None) is cleared


def test_a_playwright_timeout_is_layout_changed(browser: Browser) -> None:
    ctx = _ctx()

    def call(page: Page) -> None:
        page.set_content("<p>a page the bot does not know</p>")
        page.locator("#member-search").wait_for(timeout=200)

    with pytest.raises(LayoutChanged, match="never showed what the bot waits for"):
        run_bot(browser, ctx, call)
    assert ctx.sessions.load(KEY) is None


def test_an_unreachable_portal_is_portal_unavailable_and_keeps_the_session(
    browser: Browser,
) -> None:
    ctx = _ctx()
    with pytest.raises(PortalUnavailable, match="portal unreachable"):
        run_bot(browser, ctx, lambda page: page.goto("http://127.0.0.1:1/login"))
    assert ctx.sessions.load(KEY) is not None
    assert browser.contexts == []


def test_a_success_returns_what_the_call_returns_and_saves_the_session(
    browser: Browser,
) -> None:
    ctx = _ctx()

    def call(page: Page) -> tuple[str, list[str]]:
        cookies = [c["value"] for c in page.context.cookies()]
        page.context.add_cookies([{"name": "SID", "value": "fresh-session-value",
                                   "domain": "example.test", "path": "/"}])
        return "any job kind's result", cookies

    assert run_bot(browser, ctx, call) == ("any job kind's result",
                                           ["saved-session-cookie-value"])
    saved = ctx.sessions.load(KEY)
    assert saved is not None
    assert [c["value"] for c in saved["cookies"]] == ["fresh-session-value"]
    assert isinstance(ctx.artifacts, MemoryArtifactSink) and ctx.artifacts.kept == []
    assert browser.contexts == []
