"""The v1 Meridian bot in real Chromium against the v2 redesign: every lookup fails as
LayoutChanged with its artifacts kept, and never produces a result."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from bench.accuracy import credentials_for
from bots.base import BotContext, CarrierBot, Outcome
from bots.errors import LayoutChanged
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.expected import members
from fixtures.sandbox.server import PortalAccount
from portals.model import EligibilityRequest, EligibilityResult

pytestmark = pytest.mark.browser
TIMEOUT_MS = 3_000
"""Where v2 stops the bot, a wait times out: keep it short (the sandbox answers in ms)."""


def _request(index: int) -> EligibilityRequest:
    member = members("meridian")[index]
    return EligibilityRequest.model_validate({
        "carrier": "meridian", "member_id": member["member_id"],
        "date_of_birth": member["date_of_birth"], "last_name": member["last_name"]})


def _context(portal: PortalAccount, sessions: MemorySessionStore) -> BotContext:
    return BotContext(credentials=credentials_for("test:meridian", portal.account),
                      base_url=portal.url, sessions=sessions,
                      artifacts=MemoryArtifactSink(), timeout_ms=TIMEOUT_MS)


def _lookup(browser: Browser, bot: CarrierBot, ctx: BotContext,
            request: EligibilityRequest) -> Outcome:
    return run_bot(browser, ctx, lambda page: bot.check_eligibility(page, ctx, request))


def _artifact(ctx: BotContext, kind: str) -> bytes:
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    (kept,) = [a for a in ctx.artifacts.kept if a.kind == kind]
    return kept.data


def test_v2_lookup_fails_as_layout_changed_with_artifacts(
    browser: Browser, meridian: PortalAccount
) -> None:
    meridian.control.set_knobs(layout="v2")
    ctx = _context(meridian, MemorySessionStore())
    bot = registry.get("meridian")()
    with pytest.raises(LayoutChanged):
        _lookup(browser, bot, ctx, _request(0))
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    assert sorted(ctx.artifacts.kinds()) == ["html", "screenshot", "trace"]
    assert _artifact(ctx, "screenshot").startswith(b"\x89PNG")
    html = _artifact(ctx, "html").decode()
    assert 'data-layout="v2"' in html and 'id="signin-form"' in html
    assert _artifact(ctx, "trace").startswith(b"PK")
    assert meridian.password.encode() not in _artifact(ctx, "trace")
    # the bot stopped before typing anything into the redesigned sign-in form
    state = meridian.control.state()
    assert state["login_attempts"].get(meridian.username, 0) == 0
    assert ctx.sessions.load("test:meridian") is None


def test_redesign_going_live_mid_session_is_caught_before_searching(
    browser: Browser, meridian: PortalAccount
) -> None:
    """Signed in on v1, then v2 goes live: the saved session reaches a search page of a
    layout the bot does not know, and it stops there, without searching (the strict parser
    would refuse the result page anyway: test_parse_v2, test_v2_portal)."""
    meridian.control.set_knobs(announcement="none")
    sessions = MemorySessionStore()
    bot = registry.get("meridian")()
    assert isinstance(_lookup(browser, bot, _context(meridian, sessions), _request(0)),
                      EligibilityResult)
    meridian.control.set_knobs(layout="v2")
    ctx = _context(meridian, sessions)
    with pytest.raises(LayoutChanged, match="layout this bot does not know"):
        _lookup(browser, bot, ctx, _request(1))
    assert meridian.control.state()["searches"][meridian.username] == 1
    html = _artifact(ctx, "html").decode()
    assert 'data-layout="v2"' in html
