"""Waiting on page state, shared by every bot: never on time."""

from __future__ import annotations

from playwright.sync_api import Page


def wait_for_any(page: Page, states: dict[str, str], timeout_ms: float | None = None) -> str:
    """Wait until one of ``states`` (name -> selector) is visible; return its name.

    A Playwright timeout propagates (the runtime turns it into "layout changed").
    """
    locators = [page.locator(selector) for selector in states.values()]
    combined = locators[0]
    for locator in locators[1:]:
        combined = combined.or_(locator)
    combined.first.wait_for(state="visible", timeout=timeout_ms)
    for name, locator in zip(states, locators, strict=True):
        if locator.first.is_visible():
            return name
    # it vanished between the two checks (a navigation): look again
    return wait_for_any(page, states, timeout_ms)
