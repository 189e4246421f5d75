"""The browser engine: Debian's Chromium launched through Playwright's executable_path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from portals.settings import DEFAULT_BROWSER_ARGS


class BrowserMissing(RuntimeError):
    pass


@contextmanager
def launch_browser(executable: Path, *, headless: bool = True) -> Iterator[Browser]:
    """Start Chromium for the life of the block (one per thread: sync Playwright is
    thread-bound)."""
    if not executable.exists():
        raise BrowserMissing(
            f"no browser at {executable}; install Debian's chromium (apt-get install -y "
            "chromium) or set PORTALS_BROWSER_PATH"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), headless=headless, args=list(DEFAULT_BROWSER_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()
