"""Runs one bot call in a fresh browser context: restores the saved session, records a
Playwright trace, and on failure keeps a full-page screenshot, the page HTML and the trace
(scrubbed of the account's secrets and of the portal session) before re-raising a typed
error.

Failure artifacts never change a run's outcome: each is kept on its own, whatever goes
wrong while keeping one (the browser, a full disk, the database) is logged as a warning
naming only the artifact and the exception type, the browser context is always closed, and
the bot's own error is what propagates.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots.base import BotContext
from bots.errors import BotError, LayoutChanged, PortalUnavailable
from bots.redact import Scrubber, storage_state_values

log = logging.getLogger(__name__)

T = TypeVar("T")

_NETWORK_ERRORS = ("net::ERR_", "NS_ERROR_", "Connection refused")
_STORAGE_VALUES_JS = """() => {
  const out = [];
  for (const name of ["sessionStorage", "localStorage"]) {
    try {
      const store = window[name];
      for (let i = 0; i < store.length; i++) out.push(String(store.getItem(store.key(i))));
    } catch (e) { /* storage denied to this frame */ }
  }
  return out;
}"""


def run_bot(browser: Browser, ctx: BotContext, call: Callable[[Page], T]) -> T:
    """Call ``call(page)`` in a fresh context carrying the account's saved session.

    The caller binds the bot and its job, e.g.
    ``run_bot(browser, ctx, lambda page: bot.check_eligibility(page, ctx, request))``.
    Raises typed :mod:`bots.errors` only (a Playwright timeout is "layout changed", a
    network error "portal unavailable"; other exceptions, bugs, pass unchanged), with the
    failure artifacts kept and, unless the error is retryable, the saved session cleared.
    After a success the context's session is saved for the next run.
    """
    key = ctx.credentials.account_key
    state = ctx.sessions.load(key)
    context = browser.new_context(
        storage_state=state,  # type: ignore[arg-type]
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    try:
        context.set_default_timeout(ctx.timeout_ms)
        context.tracing.start(screenshots=False, snapshots=True, sources=False)
        page = context.new_page()
        try:
            result = _typed(call, page)
        except BaseException as exc:
            _keep_failure_artifacts(context, page, ctx, exc, state)
            _forget_session(ctx, exc)
            raise
        ctx.sessions.save(key, context.storage_state())  # type: ignore[arg-type]
        try:
            context.tracing.stop()  # a success keeps no trace
        except PlaywrightError as err:
            log.warning("tracing did not stop after a success: %s", type(err).__name__)
        return result
    finally:
        try:
            context.close()
        except Exception as err:  # never hides the run's own outcome
            log.warning("browser context did not close: %s", type(err).__name__)


def _typed(call: Callable[[Page], T], page: Page) -> T:
    """``call(page)`` with Playwright's timeouts and network errors made typed."""
    try:
        return call(page)
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


def _forget_session(ctx: BotContext, exc: BaseException) -> None:
    """Clear the saved session after every failure but a retryable one.

    A failed run's session must not stay usable from storage: after "layout changed",
    a patient mismatch, a rejected or locked login, an MFA failure or a bug, nobody
    knows what state the portal session is in, and its trace and page were just kept
    for people to look at. A retryable error (portal unavailable: down, maintenance,
    throttling, the account busy) says nothing against the session, and keeping it
    spares the retry a fresh login and second factor. A store that cannot clear is
    logged, and the run's own error still propagates.
    """
    if isinstance(exc, BotError) and exc.retryable:
        return
    try:
        ctx.sessions.clear(ctx.credentials.account_key)
    except Exception as err:
        log.warning("saved session not cleared after the failed run: %s", type(err).__name__)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def _keep_failure_artifacts(
    context: BrowserContext, page: Page, ctx: BotContext, exc: BaseException,
    initial_state: dict[str, Any] | None,
) -> None:
    """Screenshot, HTML and trace of the page as the failure left it, scrubbed of the
    account's secrets and of every value of the portal session. Each is kept on its
    own; none can raise."""
    screenshot = _attempt("screenshot", lambda: page.screenshot(full_page=True,
                                                                timeout=10_000))
    content = _attempt("html", page.content)
    scrubber = Scrubber(ctx.credentials.secret_values(),
                        _session_values(context, page, initial_state))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trace.zip"

        def stop_tracing() -> bytes:
            context.tracing.stop(path=path)
            return path.read_bytes()

        raw_trace = _attempt("trace", stop_tracing)
        # the trace first: the scrubber learns the session values it holds (a CSRF header,
        # a token in a URL) and removes them from the HTML as well
        trace = _attempt("trace", lambda: scrubber.trace(raw_trace)) \
            if raw_trace is not None else None
    html = _attempt("html", lambda: scrubber.html(content.encode())) \
        if content is not None else None
    if screenshot is not None:
        _attempt("screenshot", lambda: ctx.artifacts.put(
            "screenshot", "failure.png", "image/png", screenshot))
    if html is not None:
        _attempt("html", lambda: ctx.artifacts.put(
            "html", "page.html", "text/html; charset=utf-8", html))
    if trace is not None:
        _attempt("trace", lambda: ctx.artifacts.put(
            "trace", "trace.zip", "application/zip", trace))
    log.info("kept failure artifacts for %s", type(exc).__name__)


def _attempt(kind: str, step: Callable[[], T]) -> T | None:
    """``step()``, or None with a warning naming only ``kind`` and the exception type (an
    exception's text could carry PHI or a secret)."""
    try:
        return step()
    except Exception as err:
        log.warning("failure artifact %s: a step failed: %s", kind, type(err).__name__)
        return None


def _session_values(
    context: BrowserContext, page: Page, initial_state: dict[str, Any] | None
) -> list[str]:
    """Every value of the portal session the context holds or was created with: cookies,
    localStorage and sessionStorage (of every frame of the page)."""
    values = storage_state_values(initial_state)
    cookies = _attempt("session values", context.cookies)
    values += [str(c.get("value", "")) for c in cookies or []]
    state = _attempt("session values", context.storage_state)
    values += storage_state_values(state)  # type: ignore[arg-type]
    for frame in page.frames:
        try:
            found = frame.evaluate(_STORAGE_VALUES_JS)
        except Exception:  # noqa: S112  (a detached or crashed frame holds no storage)
            continue
        values += [str(v) for v in found or []]
    return [v for v in values if v]
