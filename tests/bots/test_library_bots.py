"""Each carrier's bot collects its portal's document library in real Chromium: every
current document (all pages, all categories) with its title, category, effective date and
the exact bytes the portal serves (SHA-256), and the retired ones as the portal shows them.
One collection per carrier; the change between two collections is tested through the
runner (tests/workflows/test_library_runner.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser

from bench.accuracy import credentials_for
from bots.base import BotContext
from bots.errors import LayoutChanged
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.server import PortalAccount
from portals.jobs import Capability
from portals.library import LibraryRequest, LibraryResult, library_problems

pytestmark = pytest.mark.browser
LIBRARY_CARRIERS = [name for name in registry.names()
                    if registry.get(name)().serves(Capability.LIBRARY)]
RETIRED_MARKED = {"meridian", "summit"}
"""Portals that keep a retired document listed, marked; the others drop it."""


class OutboxCodes:
    """The codes the sandbox sent by text or e-mail, read from its outbox (a test's inbox)."""

    def __init__(self, portal: PortalAccount) -> None:
        self.portal = portal

    def wait_for_code(self, channel: str, timeout: float) -> str | None:
        deadline = time.monotonic() + min(timeout, 10)
        while time.monotonic() < deadline:
            sent = [m for m in self.portal.control.outbox()
                    if m["username"] == self.portal.username and not m["used"]]
            if sent:
                return str(sent[-1]["code"])
            time.sleep(0.1)
        return None


def _collect(browser: Browser, portal: PortalAccount) -> LibraryResult:
    ctx = BotContext(credentials=credentials_for(f"test:{portal.carrier}", portal.account),
                     base_url=portal.url, sessions=MemorySessionStore(),
                     artifacts=MemoryArtifactSink(), timeout_ms=8_000,
                     codes=OutboxCodes(portal), mfa_wait_seconds=10)
    bot = registry.get(portal.carrier)()
    request = LibraryRequest(carrier=portal.carrier)
    result = run_bot(browser, ctx, lambda page: bot.collect_library(page, ctx, request))
    assert isinstance(result, LibraryResult)
    return result


def test_every_carrier_serves_the_library() -> None:
    assert LIBRARY_CARRIERS == ["cascade", "meridian", "northwind", "summit"]


@pytest.mark.parametrize("carrier", LIBRARY_CARRIERS)
def test_the_bot_collects_exactly_what_the_portal_publishes(
        carrier: str, browser: Browser,
        sandbox_portal: Callable[[str], PortalAccount]) -> None:
    portal = sandbox_portal(carrier)
    expected = portal.control.library()
    result = _collect(browser, portal)
    # then: every current document, with its exact bytes, and nothing else
    got = sorted((d.title, d.category.value, d.effective_date.isoformat(), d.sha256, d.size)
                 for d in result.documents)
    want = sorted((d["title"], d["category"], d["effective_date"], d["sha256"], d["size"])
                  for d in expected["documents"])
    assert got == want
    assert len(got) == 7  # 8 published, one retired; one form in its second edition
    for document in result.documents:
        assert document.content is not None and document.content.startswith(b"%PDF-")
        assert hashlib.sha256(document.content).hexdigest() == document.sha256
    assert library_problems(LibraryRequest(carrier=carrier), result) == []
    retired = sorted((r.title, r.category.value) for r in result.retired)
    if carrier in RETIRED_MARKED:
        assert retired == sorted((r["title"], r["category"]) for r in expected["retired"])
    else:
        assert retired == []
    # the stored result carries the hashes, never the bytes
    assert "content" not in result.model_dump(mode="json")["documents"][0]
    assert all(d.effective_date <= dt.date(2027, 1, 1) for d in result.documents)


def test_a_redesigned_library_fails_loudly(
        browser: Browser, sandbox_portal: Callable[[str], PortalAccount]) -> None:
    portal = sandbox_portal("meridian")
    portal.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged):
        _collect(browser, portal)
