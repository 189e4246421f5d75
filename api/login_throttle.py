"""Login throttling that slows guessing without letting a stranger lock a person out.

Two counters of failed logins, each in a window of ``WINDOW_SECONDS``:

- per (username, client address): after ``PAIR_FREE`` failures that pair must wait,
  twice as long after each further failure (up to ``MAX_DELAY_SECONDS``). Someone
  guessing a colleague's password from their own machine delays only themselves there;
  the colleague logs in from theirs as usual.
- per client address, across usernames: after ``ADDRESS_FREE`` failures the address
  waits the same growing delay for every name, so guessing across many usernames from
  one machine is slowed too.

There is no lock: a waiting client gets "try again in S seconds" and may log in after.
Counters live in Redis so that every API process shares them; when Redis cannot be
reached they live in this process instead (fewer shared, never none), and Redis is left
alone for ``REDIS_PAUSE_SECONDS`` so that a dead Redis does not slow every login.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

PAIR_FREE = 5
ADDRESS_FREE = 10
BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 300.0
WINDOW_SECONDS = 15 * 60
REDIS_PAUSE_SECONDS = 15.0
_PREFIX = "portals:login-throttle:"


def _delay(failures: int, free: int) -> float:
    if failures < free:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (failures - free)))


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "replace")).hexdigest()
    return f"{_PREFIX}{kind}:{digest}"


class _Memory:
    """The in-process fallback: counts and wait-until times with expiry."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.counts: dict[str, tuple[int, float]] = {}
        self.blocked: dict[str, float] = {}

    def incr(self, key: str) -> int:
        now = self.clock()
        with self.lock:
            count, until = self.counts.get(key, (0, 0.0))
            count = count + 1 if until > now else 1
            self.counts[key] = (count, until if until > now else now + WINDOW_SECONDS)
            return count

    def block(self, key: str, seconds: float) -> None:
        with self.lock:
            self.blocked[key] = self.clock() + seconds

    def wait(self, key: str) -> float:
        with self.lock:
            return max(0.0, self.blocked.get(key, 0.0) - self.clock())

    def clear(self, key: str) -> None:
        with self.lock:
            self.counts.pop(key, None)
            self.blocked.pop(key, None)


class LoginThrottle:
    """Asks and records per (username, address) and per address; see the module doc."""

    def __init__(self, redis: Callable[[], Any] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis
        self.clock = clock
        self.memory = _Memory(clock)
        self._paused_until = 0.0

    def _client(self) -> Any:
        if self._redis is None or self.clock() < self._paused_until:
            return None
        try:
            return self._redis()
        except Exception as exc:
            self._unavailable(exc)
            return None

    def _unavailable(self, exc: Exception) -> None:
        log.warning("login throttle on Redis unavailable (%s); counting in this process",
                    type(exc).__name__)
        self._paused_until = self.clock() + REDIS_PAUSE_SECONDS

    def _keys(self, username: str, address: str) -> tuple[str, str]:
        return (_key("pair", username.casefold(), address), _key("address", address))

    def wait_seconds(self, username: str, address: str) -> int:
        """How long this client must wait before trying this name again (0: go ahead)."""
        keys = self._keys(username, address)
        client = self._client()
        waits: list[float] = []
        if client is not None:
            try:
                for key in keys:
                    ttl = client.pttl(key + ":wait")
                    waits.append(max(0, int(ttl)) / 1000)
            except Exception as exc:  # Redis down: the process's own counters instead
                self._unavailable(exc)
                waits = []
        waits += [self.memory.wait(key + ":wait") for key in keys]
        return math.ceil(max(waits))

    def failed(self, username: str, address: str) -> int:
        """Count a failed login; the wait it now imposes on this client, in seconds."""
        pair, per_address = self._keys(username, address)
        counts = self._incr(pair), self._incr(per_address)
        delay = max(_delay(counts[0], PAIR_FREE), _delay(counts[1], ADDRESS_FREE))
        if delay:
            # the pair's wait also covers a client above its address budget
            for key, count, free in ((pair, counts[0], PAIR_FREE),
                                     (per_address, counts[1], ADDRESS_FREE)):
                if count >= free:
                    self._block(key + ":wait", _delay(count, free))
        return math.ceil(delay)

    def succeeded(self, username: str, address: str) -> None:
        """A right password clears that pair's count (not the address budget)."""
        pair, _ = self._keys(username, address)
        client = self._client()
        if client is not None:
            try:
                client.delete(pair, pair + ":wait")
            except Exception as exc:
                self._unavailable(exc)
        self.memory.clear(pair)
        self.memory.clear(pair + ":wait")

    def _incr(self, key: str) -> int:
        client = self._client()
        if client is not None:
            try:
                count = int(client.incr(key))
                if count == 1:
                    client.expire(key, WINDOW_SECONDS)
                return count
            except Exception as exc:
                self._unavailable(exc)
        return self.memory.incr(key)

    def _block(self, key: str, seconds: float) -> None:
        client = self._client()
        if client is not None:
            try:
                client.set(key, "1", px=max(1, int(seconds * 1000)))
                return
            except Exception as exc:
                self._unavailable(exc)
        self.memory.block(key, seconds)
