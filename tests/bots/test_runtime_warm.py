"""Warm contexts: an account's logged-in context serves its next jobs in real Chromium
against the sandbox, with one login; each job's trace is its own chunk (a failed job's
trace holds no earlier patient); any failure, a changed saved session or idleness closes
the context and the next job starts clean."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from bots.errors import PatientMismatch
from bots.memory import MemorySessionStore
from bots.registry import registry
from bots.runtime import WarmContexts, run_bot
from fixtures.sandbox.expected import members
from fixtures.sandbox.server import PortalAccount
from portals.model import EligibilityResult
from tests.bots.test_runtime_trace import KEY, _artifact, _context, _request

pytestmark = pytest.mark.browser
CARRIER = "summit"
"""A carrier whose second factor (security questions) answers at once: a TOTP login waits
for a time step no earlier login used, up to 30 s each."""
OTHER_FAMILY = 4
"""A member of another family than member 0 (whose id and name a failed job's trace of
this member must not hold)."""


@pytest.fixture
def summit(sandbox_portal: Callable[[str], PortalAccount]) -> PortalAccount:
    return sandbox_portal(CARRIER)


@pytest.fixture
def pools() -> Iterator[list[WarmContexts]]:
    """Every pool a test makes is closed after it (the session's browser outlives it)."""
    made: list[WarmContexts] = []
    yield made
    for pool in made:
        pool.close_all()


def _pool(pools: list[WarmContexts], **options: Any) -> WarmContexts:
    pools.append(WarmContexts(**options))
    return pools[-1]


class CountingSessions(MemorySessionStore):
    """A session store that remembers every state saved."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[dict[str, Any]] = []

    def save(self, account_key: str, state: dict[str, Any]) -> None:
        self.saved.append(state)
        super().save(account_key, state)


def _lookup(browser: Browser, portal: PortalAccount, sessions: MemorySessionStore,
            pool: WarmContexts, index: int) -> Any:
    ctx = _context(portal, sessions)
    request = _request(CARRIER, index)
    bot = registry.get(CARRIER)()
    return ctx, run_bot(browser, ctx, lambda page: bot.check_eligibility(page, ctx, request),
                        pool=pool)


def _logins(portal: PortalAccount) -> int:
    return int(portal.control.state()["successful_logins"].get(portal.username, 0))


def test_one_login_serves_several_jobs_in_one_context(
    browser: Browser, summit: PortalAccount, pools: list[WarmContexts]
) -> None:
    summit.control.set_knobs(announcement="none")
    sessions, pool = CountingSessions(), _pool(pools)
    for index in range(3):
        _, result = _lookup(browser, summit, sessions, pool, index)
        assert isinstance(result, EligibilityResult)
        assert result.member.member_id == members(CARRIER)[index]["member_id"]
    assert (pool.created, len(pool), _logins(summit)) == (1, 1, 1)
    # the session is saved after the login, and again only when the portal changed it
    assert sessions.saved
    assert all(a != b for a, b in zip(sessions.saved, sessions.saved[1:], strict=False))
    pool.close_all()
    assert len(pool) == 0


def test_a_failure_closes_the_context_and_its_trace_holds_only_its_own_job(
    browser: Browser, summit: PortalAccount, pools: list[WarmContexts]
) -> None:
    summit.control.set_knobs(announcement="none")
    sessions, pool = CountingSessions(), _pool(pools)
    first = members(CARRIER)[0]
    _lookup(browser, summit, sessions, pool, 0)
    # when the next job on the warm context fails (the portal shows another member)
    summit.control.set_knobs(swap_member=True)
    with pytest.raises(PatientMismatch):
        ctx, _ = _lookup(browser, summit, sessions, pool, OTHER_FAMILY)
    # then the context is gone and the saved session cleared
    assert len(pool) == 0 and sessions.load(KEY) is None
    # and the failed job's trace is its own: the earlier patient's page is not in it
    ctx = _failed_ctx(browser, summit, sessions, pool)
    trace = _artifact(ctx, "trace")
    with zipfile.ZipFile(io.BytesIO(trace)) as archive:
        text = b"".join(archive.read(name) for name in archive.namelist())
    shown = members(CARRIER)[OTHER_FAMILY + 1]  # the page the swapping portal showed
    assert shown["member_id"].encode() in text  # the trace holds this job's pages
    assert first["member_id"].encode() not in text  # and none of the earlier job's
    # and the next job starts clean: a new context and a new login
    summit.control.set_knobs(swap_member=False)
    _, result = _lookup(browser, summit, sessions, pool, 2)
    assert isinstance(result, EligibilityResult)
    assert pool.created == 3 and _logins(summit) == 3


def _failed_ctx(browser: Browser, portal: PortalAccount, sessions: MemorySessionStore,
                pool: WarmContexts) -> Any:
    """Warm up again on a fresh session, then fail one job; returns the failed job's
    context (its kept artifacts)."""
    portal.control.set_knobs(swap_member=False)
    _lookup(browser, portal, sessions, pool, 0)
    portal.control.set_knobs(swap_member=True)
    ctx = _context(portal, sessions)
    request = _request(CARRIER, OTHER_FAMILY)
    bot = registry.get(CARRIER)()
    with pytest.raises(PatientMismatch):
        run_bot(browser, ctx, lambda page: bot.check_eligibility(page, ctx, request),
                pool=pool)
    return ctx


def test_a_context_holding_another_session_than_the_stored_one_is_rebuilt(
    browser: Browser, summit: PortalAccount, pools: list[WarmContexts]
) -> None:
    summit.control.set_knobs(announcement="none")
    sessions, pool = CountingSessions(), _pool(pools)
    _lookup(browser, summit, sessions, pool, 0)
    # another worker's failure cleared the saved session meanwhile
    sessions.clear(KEY)
    _lookup(browser, summit, sessions, pool, 1)
    assert pool.created == 2 and _logins(summit) == 2
    pool.close_all()


def test_an_idle_context_is_closed(
    browser: Browser, summit: PortalAccount, pools: list[WarmContexts]
) -> None:
    summit.control.set_knobs(announcement="none")
    now = [0.0]
    sessions, pool = CountingSessions(), _pool(pools, idle_seconds=60,
                                                clock=lambda: now[0])
    _lookup(browser, summit, sessions, pool, 0)
    now[0] = 59.0
    pool.close_idle()
    assert len(pool) == 1
    now[0] = 120.0
    pool.close_idle()
    assert len(pool) == 0
    # the next job restores the saved session: no new login
    _lookup(browser, summit, sessions, pool, 1)
    assert pool.created == 2 and _logins(summit) == 1
    pool.close_all()
