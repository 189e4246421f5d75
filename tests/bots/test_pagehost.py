"""The page host: one real Chromium serving calls from many threads at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from bots.browser import launch_browser
from bots.pagehost import PageHost, PageHostClosed, pause
from tests.conftest import BROWSER_PATH

pytestmark = pytest.mark.browser


@pytest.fixture
def host() -> Iterator[PageHost]:
    running = PageHost(lambda: launch_browser(Path(BROWSER_PATH)))
    yield running
    running.close()


def _slow_page(browser: Browser, _pool: Any, text: str) -> str:
    """A page that takes 600 ms (the page waits in the browser, not in Python)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(f"<p id='t'>{text}</p>")
        page.wait_for_timeout(600)
        return page.text_content("#t") or ""
    finally:
        context.close()


def test_calls_from_several_threads_run_at_once_in_one_browser(host: PageHost) -> None:
    texts = [f"call {n}" for n in range(4)]
    with ThreadPoolExecutor(4) as threads:
        results = list(threads.map(lambda t: host.run(lambda b, p: _slow_page(b, p, t)),
                                   texts))
    assert results == texts  # each call got its own page's answer
    # all four were in flight at once (counted by the host, not timed: no timing in tests)
    assert host.peak_active == 4 and host.served == 4


def test_a_pause_lets_the_other_calls_run(host: PageHost) -> None:
    order: list[str] = []

    def sleeper(_browser: Browser, _pool: Any) -> None:
        # pauses until the other call has run: with a blocking sleep it never would
        deadline = time.monotonic() + 30
        while "quick" not in order:
            assert time.monotonic() < deadline, "the other call never ran"
            pause(0.05)
        order.append("sleeper")

    def quick(browser: Browser, _pool: Any) -> None:
        browser.new_context().close()
        order.append("quick")

    with ThreadPoolExecutor(2) as threads:
        first = threads.submit(host.run, sleeper)
        time.sleep(0.1)
        second = threads.submit(host.run, quick)
        first.result(timeout=10)
        second.result(timeout=10)
    assert order == ["quick", "sleeper"]


def test_a_failing_call_fails_its_caller_only(host: PageHost) -> None:
    def broken(_browser: Browser, _pool: Any) -> None:
        raise ValueError("broken call")

    with pytest.raises(ValueError, match="broken call"):
        host.run(broken)
    assert host.run(lambda browser, _pool: browser.is_connected()) is True


def test_a_closed_host_refuses_calls(host: PageHost) -> None:
    host.close()
    assert not host.alive
    with pytest.raises(PageHostClosed):
        host.run(lambda _browser, _pool: None)


def test_pause_outside_a_host_sleeps() -> None:
    started = time.monotonic()
    pause(0.2)
    assert time.monotonic() - started >= 0.2
    assert threading.current_thread() is threading.main_thread()


def test_no_bot_code_blocks_its_thread() -> None:
    """Bots and what they call run in a page host's greenlets: a sleep would stop every
    job of the worker. They wait on pages, or with pause()."""
    root = Path(__file__).resolve().parents[2]
    blocking = ("time.sleep(", "Event().wait(", "from time import sleep")
    offenders = [
        f"{path.relative_to(root)}: {needle}"
        for path in [*(root / "bots").rglob("*.py"), root / "workflows" / "context.py"]
        if path.name != "pagehost.py"
        for needle in blocking if needle in path.read_text()
    ]
    assert offenders == []
