"""One browser per worker process, serving many jobs at once.

Playwright's sync API is bound to the thread that started it, and a Chromium per worker
thread costs hundreds of megabytes each. A :class:`PageHost` owns one Playwright, one
browser and the process's warm account contexts (:class:`bots.runtime.WarmContexts`) in
a thread of its own, and runs every call handed to it (:meth:`PageHost.run`, from any
thread) in a greenlet of that thread. The sync API already runs on greenlets: a call waits
for its answer by switching to Playwright's dispatcher, which runs the event loop, so while
one job waits for its page another job's greenlet goes on. Jobs run concurrently in one
thread without sharing anything but the browser.

Inside a job, nothing may block the thread: waiting is :func:`pause` (a sleep that lets the
other jobs run; a plain ``time.sleep`` outside a host). Database writes are short and are
made between page calls, never across one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from functools import partial
from typing import Any, TypeVar

from greenlet import greenlet
from playwright._impl._greenlets import wait_for_future
from playwright.sync_api import Browser

log = logging.getLogger(__name__)

T = TypeVar("T")
BrowserFactory = Callable[[], AbstractContextManager[Browser]]

_local = threading.local()


def pause(seconds: float) -> None:
    """Sleep ``seconds``; in a page host's job, let the host's other jobs run meanwhile."""
    host: PageHost | None = getattr(_local, "host", None)
    if host is None or greenlet.getcurrent() is host._root or seconds <= 0:
        time.sleep(max(seconds, 0))
        return
    host._sleep(seconds)


class PageHostClosed(RuntimeError):
    """The host stopped (or its browser could not start) before the call ran."""


class PageHost:
    """A thread with one browser running calls concurrently; see the module doc.

    ``make_pool`` builds the state every call gets besides the browser (the warm
    contexts): it lives in the host thread, so its Playwright objects are used there only.
    """

    def __init__(self, browser_factory: BrowserFactory,
                 make_pool: Callable[[], Any] = lambda: None, *, name: str = "page-host"
                 ) -> None:
        self._factory = browser_factory
        self._make_pool = make_pool
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._closed = False
        self._active = 0
        self.served = 0
        """Calls run (for tests and the bench)."""
        self.peak_active = 0
        """The most calls that ran at once."""
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise PageHostClosed(f"the browser did not start: {type(self._error).__name__}"
                                 ) from self._error

    # -- from any thread ------------------------------------------------------------------

    def run(self, call: Callable[[Browser, Any], T]) -> T:
        """Run ``call(browser, pool)`` in the host's thread, beside the other calls; its
        result or exception comes back here."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, (call, future))
        except RuntimeError:  # the loop is closed: the host has stopped
            raise PageHostClosed("the page host has stopped") from None
        return future.result()

    def close(self) -> None:
        """Stop taking calls, close the pool and the browser; waits for running calls."""
        if self._closed:
            return
        self._closed = True
        with suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._queue.put_nowait, None)
        self._thread.join(timeout=60)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._closed

    # -- in the host thread ---------------------------------------------------------------

    def _main(self) -> None:
        try:
            with self._factory() as browser:
                self._start(browser)
                try:
                    self._serve()
                finally:
                    self._drain()
        except BaseException as exc:
            self._error = exc
            if not self._ready.is_set():
                self._ready.set()
            else:
                log.error("page host stopped: %s", type(exc).__name__)
        finally:
            self._closed = True
            self._refuse_waiting()

    def _refuse_waiting(self) -> None:
        """Calls still queued when the host stops fail at once, never wait forever."""
        queue = getattr(self, "_queue", None)
        while queue is not None and not queue.empty():
            item = queue.get_nowait()
            if item is not None and item[1].set_running_or_notify_cancel():
                item[1].set_exception(PageHostClosed("the page host stopped"))

    def _start(self, browser: Browser) -> None:
        self.browser = browser
        self._loop: asyncio.AbstractEventLoop = browser._loop  # type: ignore[attr-defined]
        self._fiber: greenlet = browser._dispatcher_fiber  # type: ignore[attr-defined]
        self._root = greenlet.getcurrent()
        self._queue: asyncio.Queue[tuple[Callable[[Browser, Any], Any],
                                         concurrent.futures.Future[Any]] | None] = \
            asyncio.Queue()
        self.pool = self._make_pool()
        _local.host = self
        self._ready.set()

    def _serve(self) -> None:
        while True:
            item = self._await(self._queue.get())
            if item is None:
                return
            call, future = item
            if not future.set_running_or_notify_cancel():
                continue
            job = greenlet(partial(self._job, call, future), parent=self._fiber)
            self._loop.call_soon(job.switch)

    def _job(self, call: Callable[[Browser, Any], Any],
             future: concurrent.futures.Future[Any]) -> None:
        """One call, in its own greenlet; nothing escapes it (an exception would land in
        Playwright's dispatcher)."""
        self._active += 1
        self.peak_active = max(self.peak_active, self._active)
        try:
            future.set_result(call(self.browser, self.pool))
        except BaseException as exc:
            future.set_exception(exc)
        finally:
            self._active -= 1
            self.served += 1

    def _drain(self) -> None:
        """Let running calls finish (up to a minute), then close the pool."""
        deadline = time.monotonic() + 60
        while self._active and time.monotonic() < deadline:
            self._sleep(0.05)
        close = getattr(self.pool, "close_all", None)
        if close is not None:
            try:
                close()
            except Exception as err:
                log.warning("warm contexts did not close: %s", type(err).__name__)

    def _sleep(self, seconds: float) -> None:
        self._await(asyncio.sleep(seconds))

    def _await(self, awaitable: Any) -> Any:
        task = self._loop.create_task(awaitable)
        wait_for_future(self._loop, self._fiber, task)
        return task.result()
