"""Failure artifacts of real runs against sandbox portals in real Chromium carry no portal
session: the trace and the page HTML hold no cookie, storage or auth-header value of the
context, no password or TOTP seed, and the failed run's saved session is cleared."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page

from bench.accuracy import credentials_for
from bench.inbox import LocalInbox
from bots.base import BotContext, CodeSource
from bots.errors import BotError, LayoutChanged, PatientMismatch
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox import carriers as sandbox_carriers
from fixtures.sandbox.expected import members
from fixtures.sandbox.server import PortalAccount
from portals.claims import ClaimSearchRequest
from portals.model import EligibilityRequest, EligibilityResult

pytestmark = pytest.mark.browser
KEY = "test:trace"
SESSION_HEADERS = {"cookie", "set-cookie", "authorization", "proxy-authorization",
                   "x-nw-csrf", "x-csrf-token"}
_STORAGE_JS = """() => [sessionStorage, localStorage].flatMap(
    s => Array.from({length: s.length}, (_, i) => s.getItem(s.key(i))))"""


@pytest.fixture
def inbox() -> Iterator[LocalInbox]:
    with LocalInbox() as running:
        yield running


def _request(carrier: str, index: int = 0) -> EligibilityRequest:
    member = members(carrier)[index]
    return EligibilityRequest.model_validate({
        "carrier": carrier, "member_id": member["member_id"],
        "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
        "first_name": member["first_name"]})


def _context(portal: PortalAccount, sessions: MemorySessionStore,
             codes: CodeSource | None = None) -> BotContext:
    return BotContext(credentials=credentials_for(KEY, portal.account), base_url=portal.url,
                      sessions=sessions, artifacts=MemoryArtifactSink(), codes=codes,
                      timeout_ms=4_000, mfa_wait_seconds=10)


def _run(browser: Browser, ctx: BotContext, request: EligibilityRequest,
         seen: list[str] | None = None) -> Any:
    """One lookup; ``seen`` gets every cookie and storage value the context held when the
    bot returned or failed."""
    bot = registry.get(request.carrier)()

    def call(page: Page) -> Any:
        try:
            return bot.check_eligibility(page, ctx, request)
        finally:
            if seen is not None:
                seen.extend(c["value"] for c in page.context.cookies())
                for frame in page.frames:
                    seen.extend(v for v in frame.evaluate(_STORAGE_JS) if v)

    return run_bot(browser, ctx, call)


def _artifact(ctx: BotContext, kind: str) -> bytes:
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    (kept,) = [a for a in ctx.artifacts.kept if a.kind == kind]
    return kept.data


def _assert_no_session(ctx: BotContext, values: list[str], portal: PortalAccount) -> None:
    """No file of the trace, nor the HTML, holds a session value or a secret; every
    session header and cookie array the trace recorded is blanked."""
    needles = {v for v in values if len(v) >= 8}
    assert needles, "the run held no session value: the test proves nothing"
    needles |= {portal.password, *([portal.totp_secret] if portal.totp_secret else [])}
    files = {"page.html": _artifact(ctx, "html")}
    with zipfile.ZipFile(io.BytesIO(_artifact(ctx, "trace"))) as archive:
        files |= {name: archive.read(name) for name in archive.namelist()}
    leaks = [(name, needle[:6]) for name, data in files.items() for needle in needles
             if needle.encode() in data or quote(needle, safe="").encode() in data]
    assert leaks == []
    headers = cookies = 0
    for name, data in files.items():
        if not name.endswith((".trace", ".network")):
            continue
        for line in data.decode().splitlines():
            for node in _walk(json.loads(line)):
                for header in node.get("headers") or []:
                    if isinstance(header, dict) and header.get("name", "").lower() \
                            in SESSION_HEADERS:
                        headers += 1
                        assert header["value"] == "[REDACTED]", header["name"]
                for cookie in node.get("cookies") or []:
                    cookies += 1
                    assert cookie["value"] == "[REDACTED]", cookie["name"]
    assert headers and cookies  # the trace did record them: blanked, not missing


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_a_run_that_fails_after_login_keeps_no_session_in_its_artifacts(
    browser: Browser, meridian: PortalAccount
) -> None:
    # given a portal that shows another member's page (a portal bug) after a fresh login
    meridian.control.set_knobs(swap_member=True)
    sessions = MemorySessionStore()
    ctx = _context(meridian, sessions)
    seen: list[str] = []
    # when the run fails after signing in (password, TOTP, CSRF, session cookie)
    with pytest.raises(PatientMismatch):
        _run(browser, ctx, _request("meridian"), seen)
    assert meridian.control.state()["successful_logins"][meridian.username] == 1
    # then nothing downloadable carries the session, and the session is not stored
    _assert_no_session(ctx, seen, meridian)
    assert sessions.load(KEY) is None


def test_a_saved_session_is_scrubbed_from_the_trace_and_cleared_after_layout_changed(
    browser: Browser, meridian: PortalAccount
) -> None:
    # given a session saved by a successful run
    meridian.control.set_knobs(announcement="none")
    sessions = MemorySessionStore()
    assert isinstance(_run(browser, _context(meridian, sessions), _request("meridian")),
                      EligibilityResult)
    saved = sessions.load(KEY)
    assert saved is not None
    # when the redesign goes live and the next run, on that session, fails
    meridian.control.set_knobs(layout="v2")
    ctx = _context(meridian, sessions)
    seen = [c["value"] for c in saved["cookies"]]
    with pytest.raises(LayoutChanged):
        _run(browser, ctx, _request("meridian", 1), seen)
    # then the trace and HTML carry none of it, and it is gone from the store
    _assert_no_session(ctx, seen, meridian)
    assert sessions.load(KEY) is None


def test_a_single_page_app_session_in_storage_and_headers_is_scrubbed(
    browser: Browser, sandbox_portal: Callable[[str], PortalAccount], inbox: LocalInbox
) -> None:
    """Northwind keeps its CSRF token in localStorage and sends it as ``X-NW-CSRF``."""
    northwind = sandbox_portal("northwind")
    northwind.control.set_knobs(code_webhook_url=inbox.url, code_webhook_secret=inbox.secret,
                                survey_rate=0.0, swap_member=True)
    sessions = MemorySessionStore()
    credentials = credentials_for(KEY, northwind.account)
    ctx = _context(northwind, sessions, inbox.source(credentials.mfa_recipient or ""))
    seen: list[str] = []
    with pytest.raises(BotError) as caught:
        _run(browser, ctx, _request("northwind"), seen)
    assert not caught.value.retryable, caught.value
    _assert_no_session(ctx, seen, northwind)
    assert sessions.load(KEY) is None


def _claims_request(carrier: str) -> ClaimSearchRequest:
    """A search of a member with claims (so the faulty claim page is shown)."""
    for member in members(carrier):
        request = ClaimSearchRequest.model_validate({
            "carrier": carrier, "member_id": member["member_id"],
            "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
            "service_from": "2025-04-30", "service_to": "2026-10-31"})
        if sandbox_carriers.get(carrier).expected_claims(
                member["member_id"], service_from=request.service_from,
                service_to=request.service_to).claims:
            return request
    raise AssertionError(f"no {carrier} member with claims")


@pytest.mark.parametrize("carrier", registry.names())
def test_every_carriers_failed_run_keeps_no_session_in_its_artifacts(
    browser: Browser, sandbox_portal: Callable[[str], PortalAccount], inbox: LocalInbox,
    carrier: str,
) -> None:
    # given a portal whose claims page shows another member (after a fresh login, with
    # whatever second factor the carrier asks for)
    portal = sandbox_portal(carrier)
    knobs = {"claim_other_member": True, "code_webhook_url": inbox.url,
             "code_webhook_secret": inbox.secret}
    for quiet in ("survey_rate", "announcement"):
        if quiet in portal.control.knobs():
            knobs[quiet] = 0.0 if quiet == "survey_rate" else "none"
    portal.control.set_knobs(**knobs)
    sessions = MemorySessionStore()
    credentials = credentials_for(KEY, portal.account)
    ctx = _context(portal, sessions, inbox.source(credentials.mfa_recipient or ""))
    ctx.timeout_ms = 8_000
    request = _claims_request(carrier)
    bot = registry.get(carrier)()
    seen: list[str] = []

    def call(page: Page) -> Any:
        try:
            return bot.search_claims(page, ctx, request)
        finally:
            seen.extend(c["value"] for c in page.context.cookies())
            for frame in page.frames:
                seen.extend(v for v in frame.evaluate(_STORAGE_JS) if v)

    # when the run fails after signing in
    with pytest.raises(PatientMismatch):
        run_bot(browser, ctx, call)
    # then neither trace nor HTML carries the session, and the session is not stored
    _assert_no_session(ctx, seen, portal)
    assert sessions.load(KEY) is None
