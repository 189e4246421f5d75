"""Which worker process serves a portal account: the one holding its warm session.

A worker process that runs an account's job becomes the account's *holder*: a Redis key
naming the process, living two leases and renewed by a keeper thread while the process
uses the account (a job in flight, or its last job less than the warm idle time ago).
Jobs of the account that reach another process are forwarded to the holder's own queue
(every worker process also consumes a queue named after itself), so the account's jobs
run where its logged-in contexts are, and the session moves only when:

- the holder lets go (the account idle for ``PORTALS_WARM_IDLE_SECONDS``, or the worker
  stops): the key is deleted, and the next process to get a job takes the account;
- the holder dies: nothing renews the key, which lapses two leases after its last
  renewal; only then can another process take the account. A message forwarded to a dead
  holder's queue is lost with it, and the recovery sweep sends its job again (a job
  queued longer than ``PORTALS_STALE_QUEUED_SECONDS``).

Taking and renewing are atomic in Redis (``SET NX``, and a compare-and-renew script), so
two processes never both hold an account.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
"""Renew our holding; take it back if it lapsed meanwhile (nobody else took it)."""
_LET_GO = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def holder_key(account_id: int) -> str:
    return f"portals:account:{account_id}:holder"


def worker_queue(worker_id: str) -> str:
    """The queue only this worker process consumes (jobs forwarded to it)."""
    return "portal_jobs.w." + re.sub(r"[^A-Za-z0-9_.-]", "-", worker_id)


class Holdings:
    """The portal accounts this worker process holds, kept in Redis; see the module doc."""

    def __init__(self, client: redis.Redis, worker_id: str, *, lease_seconds: float,
                 idle_seconds: float) -> None:
        self.client = client
        self.worker_id = worker_id
        self.ttl_ms = int(lease_seconds * 2 * 1000)
        self.lease_seconds = lease_seconds
        self.idle_seconds = idle_seconds
        self._last_used: dict[int, float] = {}
        self._busy: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name="account-holdings",
                                        daemon=True)
        self._keeper.start()

    def route(self, account_id: int) -> str | None:
        """None when this process holds the account (now, or from before); else the
        holder's worker id (forward the job to it). Redis down: None (the job runs here;
        its account lock and budget still guard the portal)."""
        try:
            if self.client.set(holder_key(account_id), self.worker_id, nx=True,
                               px=self.ttl_ms):
                self._took(account_id)
                return None
            current = self.client.get(holder_key(account_id))
        except RedisError as exc:
            log.warning("account %s holder unknown: %s", account_id, type(exc).__name__)
            return None
        holder = current.decode() if isinstance(current, bytes) else current
        if holder == self.worker_id:
            self._took(account_id)
            return None
        if holder is None:  # let go between the two calls: try once more
            return self.route(account_id)
        return str(holder)

    @contextmanager
    def using(self, account_id: int) -> Iterator[None]:
        """Around a job of the account: the holding is renewed while it runs."""
        with self._lock:
            self._busy[account_id] += 1
            self._last_used[account_id] = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._busy[account_id] -= 1
                self._last_used[account_id] = time.monotonic()

    def held(self) -> set[int]:
        with self._lock:
            return set(self._last_used)

    def let_go_all(self) -> None:
        """The worker stops: every account it holds is free for another at once."""
        self._stop.set()
        for account_id in self.held():
            self._let_go(account_id)

    def _took(self, account_id: int) -> None:
        with self._lock:
            self._last_used.setdefault(account_id, time.monotonic())

    def _keep(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            now = time.monotonic()
            with self._lock:
                accounts = [(a, self._busy[a] > 0 or now - t < self.idle_seconds)
                            for a, t in self._last_used.items()]
            for account_id, in_use in accounts:
                try:
                    if not in_use:
                        self._let_go(account_id)
                    elif not self.client.eval(_RENEW, 1, holder_key(account_id),
                                              self.worker_id, self.ttl_ms):
                        log.warning("account %s: holding lapsed before renewal", account_id)
                        self._forget(account_id)
                except RedisError as exc:  # retried at the next tick; lapses by itself
                    log.warning("account %s holding not renewed: %s", account_id,
                                type(exc).__name__)

    def _let_go(self, account_id: int) -> None:
        try:
            self.client.eval(_LET_GO, 1, holder_key(account_id), self.worker_id)
        except RedisError as exc:
            log.warning("account %s not let go: %s", account_id, type(exc).__name__)
        self._forget(account_id)

    def _forget(self, account_id: int) -> None:
        with self._lock:
            if self._busy[account_id] <= 0:
                self._last_used.pop(account_id, None)
