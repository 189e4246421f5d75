"""Runs one bot call in a fresh browser context: restores the saved session, records a
Playwright trace, and on failure keeps a full-page screenshot, the page HTML and the
trace (all redacted of the account's secrets) before re-raising a typed error."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots.base import BotContext, CarrierBot, Outcome
from bots.errors import BotError, LayoutChanged, PortalUnavailable
from bots.redact import redact
from portals.model import EligibilityRequest

log = logging.getLogger(__name__)

_NETWORK_ERRORS = ("net::ERR_", "NS_ERROR_", "Connection refused")


def run_bot(
    browser: Browser, bot: CarrierBot, ctx: BotContext, request: EligibilityRequest
) -> Outcome:
    """Call ``bot`` for ``request``; typed errors only, with artifacts kept on failure."""
    key = ctx.credentials.account_key
    state = ctx.sessions.load(key)
    context = browser.new_context(
        storage_state=state,  # type: ignore[arg-type]
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(ctx.timeout_ms)
    context.tracing.start(screenshots=False, snapshots=True, sources=False)
    page = context.new_page()
    try:
        try:
            outcome = bot.check_eligibility(page, ctx, request)
        except BotError:
            raise
        except PlaywrightTimeout as exc:
            raise LayoutChanged(
                f"the page never showed what the bot waits for: {_first_line(exc)}"
            ) from None
        except PlaywrightError as exc:
            if any(marker in str(exc) for marker in _NETWORK_ERRORS):
                raise PortalUnavailable(f"portal unreachable: {_first_line(exc)}") from None
            raise
    except BaseException as exc:
        _keep_failure_artifacts(context, page, ctx, exc)
        if isinstance(exc, BotError) and exc.account_flag:
            ctx.sessions.clear(key)
        context.close()
        raise
    ctx.sessions.save(key, context.storage_state())  # type: ignore[arg-type]
    context.tracing.stop()
    context.close()
    return outcome


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def _keep_failure_artifacts(
    context: BrowserContext, page: Page, ctx: BotContext, exc: BaseException
) -> None:
    """Screenshot, HTML and trace of the page as the failure left it, secrets removed."""
    secrets = ctx.credentials.secret_values()
    try:
        ctx.artifacts.put("screenshot", "failure.png", "image/png",
                          page.screenshot(full_page=True, timeout=10_000))
    except PlaywrightError as err:
        log.warning("no screenshot for the failed run: %s", _first_line(err))
    try:
        ctx.artifacts.put("html", "page.html", "text/html; charset=utf-8",
                          redact(page.content().encode(), secrets))
    except PlaywrightError as err:
        log.warning("no page HTML for the failed run: %s", _first_line(err))
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.zip"
        try:
            context.tracing.stop(path=trace)
            ctx.artifacts.put("trace", "trace.zip", "application/zip",
                              redact(trace.read_bytes(), secrets))
        except PlaywrightError as err:
            log.warning("no trace for the failed run: %s", _first_line(err))
    log.info("kept failure artifacts for %s", type(exc).__name__)
