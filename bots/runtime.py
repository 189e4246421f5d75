"""Runs one bot call in a browser context carrying the account's portal session: restores
the saved session, records a Playwright trace, and on failure keeps a full-page screenshot,
the page HTML and the trace (scrubbed of the account's secrets and of the portal session)
before re-raising a typed error.

With a :class:`WarmContexts` pool (the worker's), an account's logged-in context stays open
between its jobs: each job gets its page (left on ``about:blank`` by the job before) and
its own trace (discarded after a
success, kept after a failure; never a chunk of the context's trace, whose archive would
carry earlier jobs' pages), the session is re-saved only when the portal changed it,
and the context is rebuilt from storage whenever the saved session is not the one it
holds (another worker logged in, or a failure cleared it). Any failure closes the context:
the next job starts clean. Idle contexts are closed after the pool's idle time.

Failure artifacts never change a run's outcome: each is kept on its own, whatever goes
wrong while keeping one (the browser, a full disk, the database) is logged as a warning
naming only the artifact and the exception type, the browser context is always closed, and
the bot's own error is what propagates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots.base import BotContext
from bots.errors import BotError, LayoutChanged, PortalUnavailable, SessionRenewed
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


def fingerprint(state: dict[str, Any] | None) -> str | None:
    """A stable digest of a saved session (None for none)."""
    if state is None:
        return None
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(eq=False)
class _Warm:
    key: str
    context: BrowserContext
    browser: Browser
    session: str | None
    """The fingerprint of the saved session the context holds (restored or last saved)."""
    last_used: float
    busy: bool = True
    page: Page | None = None
    """The context's page, kept between jobs on ``about:blank`` (a new page costs the
    browser a renderer and more CPU than the lookup itself)."""
    """A job is using it now (jobs of one account at once each have their own context)."""


@dataclass
class WarmContexts:
    """Open, logged-in contexts by account, reused by the account's next jobs. Jobs of one
    account that run at once each get a context of their own (a Playwright trace covers a
    whole context: a shared one would put one patient's pages in another job's trace),
    all carrying the account's one saved session. Used from one thread (a worker's page
    host, or a worker thread). ``idle_seconds``: a context unused that long is closed at
    the next take."""

    idle_seconds: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _open: dict[str, list[_Warm]] = field(default_factory=dict)
    created: int = 0
    """Contexts built (the first job of an account, or after a discard): for the bench."""

    def take(self, browser: Browser, ctx: BotContext
             ) -> tuple[_Warm, bool, dict[str, Any] | None]:
        """An idle context of the account holding the saved session (else a new one),
        whether it was warm, and the saved session. The saved session is read every time:
        an idle context holding another one is closed."""
        self.close_idle()
        key = ctx.credentials.account_key
        state = ctx.sessions.load(key)
        print_ = fingerprint(state)
        for warm in list(self._open.get(key, [])):
            if warm.busy:
                continue
            if warm.browser is browser and browser.is_connected() and warm.session == print_:
                warm.busy = True
                return warm, True, state
            self.discard(warm)
        warm = _Warm(key, _new_context(browser, ctx, state), browser, print_, self.clock())
        self.created += 1
        self._open.setdefault(key, []).append(warm)
        return warm, False, state

    def saved(self, warm: _Warm, state: dict[str, Any]) -> bool:
        """``state`` is now the session of ``warm``'s context: True when it differs from
        what the context held (save it)."""
        print_ = fingerprint(state)
        changed = warm.session != print_
        warm.session = print_
        warm.last_used = self.clock()
        return changed

    def release(self, warm: _Warm) -> None:
        """The job is done with it: the account's next job may take it."""
        warm.busy = False
        warm.last_used = self.clock()

    def discard(self, warm: _Warm) -> None:
        contexts = self._open.get(warm.key, [])
        if warm in contexts:
            contexts.remove(warm)
            if not contexts:
                del self._open[warm.key]
            _close(warm.context)

    def close_idle(self) -> None:
        now = self.clock()
        for warm in [w for ws in self._open.values() for w in ws]:
            if not warm.busy and (now - warm.last_used >= self.idle_seconds
                                  or not warm.browser.is_connected()):
                self.discard(warm)

    def close_all(self) -> None:
        for warm in [w for ws in self._open.values() for w in ws]:
            self.discard(warm)

    def __len__(self) -> int:
        return sum(len(ws) for ws in self._open.values())


def _new_context(browser: Browser, ctx: BotContext,
                 state: dict[str, Any] | None) -> BrowserContext:
    context = browser.new_context(
        storage_state=state,  # type: ignore[arg-type]
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(ctx.timeout_ms)
    return context


def _close(context: BrowserContext) -> None:
    try:
        context.close()
    except Exception as err:  # never hides the run's own outcome
        log.warning("browser context did not close: %s", type(err).__name__)


RESTARTS = 2
"""How many times one call starts over on a session another job logged in with."""


def run_bot(browser: Browser, ctx: BotContext, call: Callable[[Page], T],
            pool: WarmContexts | None = None) -> T:
    """Call ``call(page)`` in a context carrying the account's saved session: a fresh one,
    or with ``pool`` the account's warm one.

    The caller binds the bot and its job, e.g.
    ``run_bot(browser, ctx, lambda page: bot.check_eligibility(page, ctx, request))``.
    Raises typed :mod:`bots.errors` only (a Playwright timeout is "layout changed", a
    network error "portal unavailable"; other exceptions, bugs, pass unchanged), with the
    failure artifacts kept and, unless the error is retryable, the saved session cleared.
    After a success the context's session is saved for the next run (when it changed).

    Several calls of one account may run at once (other threads, other workers) on its
    saved session; a login is exclusive (``ctx.login_guard``, :func:`_login_guard`). A
    call that waited while another logged in starts over on that session, in a context
    rebuilt from it, at most :data:`RESTARTS` times.
    """
    for _ in range(RESTARTS):
        try:
            return _run_once(browser, ctx, call, pool)
        except SessionRenewed:
            log.info("another job of the account logged in meanwhile; starting over on its "
                     "session")
    return _run_once(browser, ctx, call, pool)


def _run_once(browser: Browser, ctx: BotContext, call: Callable[[Page], T],
              pool: WarmContexts | None) -> T:
    key = ctx.credentials.account_key
    warm: _Warm | None = None
    if pool is None:
        state = ctx.sessions.load(key)
        context = _new_context(browser, ctx, state)
    else:
        warm, _, state = pool.take(browser, ctx)
        context = warm.context
    ctx.login_guard = partial(_login_guard, ctx, context, pool, warm, [fingerprint(state)])
    page: Page | None = None
    kept = False
    try:
        # a whole trace per job, never a chunk of a longer one: a chunk's archive still
        # carries the network log and resources of the context's earlier chunks (earlier
        # patients' pages), which a failed job's downloadable trace must not
        # (a kept page is on about:blank: the trace starts on an empty page)
        context.tracing.start(screenshots=False, snapshots=True, sources=False)
        if warm is not None and warm.page is not None and not warm.page.is_closed():
            page = warm.page
        else:
            page = context.new_page()
            if warm is not None:
                warm.page = page
        try:
            result = _typed(call, page)
        except SessionRenewed:
            _attempt("trace", context.tracing.stop)  # nothing failed: nothing to keep
            raise
        except BaseException as exc:
            _keep_failure_artifacts(context, page, ctx, exc, state)
            _forget_session(ctx, exc)
            raise
        current = context.storage_state()
        if warm is None or pool is None or pool.saved(warm, current):  # type: ignore[arg-type]
            ctx.sessions.save(key, current)  # type: ignore[arg-type]
        try:
            context.tracing.stop()  # a success keeps no trace
            kept = warm is not None
        except PlaywrightError as err:  # not fit to keep warm: closed below
            log.warning("tracing did not stop after a success: %s", type(err).__name__)
        return result
    finally:
        ctx.login_guard = nullcontext
        if kept and page is not None:
            try:  # nothing of this patient stays on screen for the next job's trace
                page.goto("about:blank")
            except Exception as err:
                log.warning("page did not clear: %s", type(err).__name__)
                kept = False
        if pool is not None and warm is not None:
            if kept:
                pool.release(warm)
            else:
                pool.discard(warm)
        else:
            _close(context)


@contextmanager
def _login_guard(ctx: BotContext, context: BrowserContext, pool: WarmContexts | None,
                 warm: _Warm | None, holds: list[str | None]) -> Iterator[None]:
    """Around one login of a call: hold the account's login lock; if the saved session is
    no longer the one this call's context started from, another job logged in meanwhile,
    so raise :class:`SessionRenewed` (start over on it) rather than log in a second time;
    after the login, save the new session before the lock is released, so a job waiting
    for the lock finds it. ``holds``: the fingerprint of the session the context holds."""
    key = ctx.credentials.account_key
    with ctx.login_lock():
        stored = fingerprint(ctx.sessions.load(key))
        if stored is not None and stored != holds[0]:
            raise SessionRenewed
        yield
        state = context.storage_state()
        ctx.sessions.save(key, state)  # type: ignore[arg-type]
        holds[0] = fingerprint(state)  # type: ignore[arg-type]
        if pool is not None and warm is not None:
            pool.saved(warm, state)  # type: ignore[arg-type]


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
