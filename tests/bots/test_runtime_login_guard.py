"""Jobs of one portal account run at once on its saved session, and only a login is
exclusive: two jobs that both find no session log in once between them (the second starts
over on the first one's session), each gets its own member, in real Chromium against the
sandbox. Each thread drives its own browser, as a worker thread does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.accuracy import credentials_for
from bench.inbox import LocalInbox
from bots.browser import launch_browser
from bots.memory import MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.expected import members
from fixtures.sandbox.server import PortalAccount
from portals.model import EligibilityResult
from tests.bots.test_runtime_trace import KEY, _context, _request
from tests.conftest import BROWSER_PATH

pytestmark = pytest.mark.browser


@pytest.fixture
def inbox() -> Iterator[LocalInbox]:
    with LocalInbox() as running:
        yield running


class CountingLock:
    """A lock that counts how often it was taken (each login takes it once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.taken = 0

    def __enter__(self) -> None:
        self._lock.acquire()
        self.taken += 1

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def _quiet(portal: PortalAccount, inbox: LocalInbox) -> None:
    knobs: dict[str, Any] = {"code_webhook_url": inbox.url,
                             "code_webhook_secret": inbox.secret}
    for quiet in ("survey_rate", "announcement"):
        if quiet in portal.control.knobs():
            knobs[quiet] = 0.0 if quiet == "survey_rate" else "none"
    portal.control.set_knobs(**knobs)


def _logins(portal: PortalAccount) -> int:
    return int(portal.control.state()["successful_logins"].get(portal.username, 0))


@pytest.mark.parametrize("carrier", ["cascade", "northwind"])
def test_two_jobs_without_a_session_log_in_once_between_them(
    sandbox_portal: Callable[[str], PortalAccount], inbox: LocalInbox, carrier: str
) -> None:
    portal = sandbox_portal(carrier)
    _quiet(portal, inbox)
    sessions, lock = MemorySessionStore(), CountingLock()
    recipient = credentials_for(KEY, portal.account).mfa_recipient or ""
    start = threading.Barrier(2, timeout=60)
    results: dict[int, Any] = {}

    def job(index: int) -> None:
        try:
            with launch_browser(Path(BROWSER_PATH)) as browser:
                ctx = _context(portal, sessions, inbox.source(recipient))
                ctx.timeout_ms = 8_000
                ctx.login_lock = lambda: lock
                request = _request(carrier, index)
                bot = registry.get(carrier)()
                start.wait()
                results[index] = run_bot(
                    browser, ctx, lambda page: bot.check_eligibility(page, ctx, request))
        except BaseException as exc:  # reported below, with the other job's outcome
            results[index] = exc

    threads = [threading.Thread(target=job, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # each job has its own member's result
    for index in (0, 1):
        result = results.get(index)
        assert isinstance(result, EligibilityResult), result
        assert result.member.member_id == members(carrier)[index]["member_id"]
    # and the portal saw one login: the second job waited for the lock, then started over
    # on the first one's session instead of logging in again
    assert _logins(portal) == 1
    assert lock.taken in (1, 2)  # the second job takes it only if it reached a login
    assert sessions.load(KEY) is not None
