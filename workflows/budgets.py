"""Rate budgets per portal account (and optionally per carrier), shared by every worker.

A portal account may serve at most ``M`` lookups at once and ``N`` a minute, whichever
worker runs them, so the budgets live in Redis:

- **Slots** (``M`` at once): a sorted set of holder tokens scored by the time each lapses.
  A holder's keeper thread pushes its expiry forward every third of a lease (as
  :mod:`workflows.locks` does for the account lock); a holder whose worker died stops being
  renewed and lapses after two leases, so a crash never leaks a slot for good.
- **Lookups a minute** (``N``): a sliding-window log, a sorted set of the last minute's
  lookups. It enforces "at most N in any 60 seconds" exactly, which a fixed window does
  not (2N across a minute boundary), and N is small (tens), so the log stays tiny.
  An optional per-carrier total has its own log, checked in the same step.
- **Cool-down**: when a portal throttles (429, or 503 with Retry-After), :meth:`HeldSlot.
  throttled` records "cool down until" for the account (or the whole carrier). Every later
  acquire on that account honours it, so one job's 429 slows everyone on the account down,
  not just the job that saw it.

One Lua script checks the cool-down, the slots and the windows and takes a slot and a
lookup together, atomically: a job never holds a slot while it waits for the minute's budget
(blocking jobs that could run) and never spends a lookup while it waits for a slot.

Times come from the Redis server (``TIME``) unless a clock is passed in (tests): every
worker then agrees on "now" whatever its own clock says. Waits are computed by the script
as durations, so the client's clock never matters.

If Redis cannot be reached, acquiring raises :class:`~bots.errors.PortalUnavailable`
(retryable): never an unlimited pass, which could hammer a portal from every worker at once
and get the account throttled or locked; the runner retries the job with backoff instead
(it cannot run without Redis anyway: the account lock lives there too).
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import redis
from redis.exceptions import RedisError

from bots.errors import PortalUnavailable

if TYPE_CHECKING:
    from bots.base import CarrierBot
    from portals.settings import Settings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
"""The span "lookups a minute" counts over."""

_EPSILON = 0.001
"""Slept on top of a computed wait, so a waiter never wakes a hair before its turn."""


@dataclass(frozen=True)
class Limits:
    """What one account may do: ``concurrent`` lookups at once, ``per_minute`` in any 60 s,
    and, if set, ``carrier_per_minute`` across every account of the carrier."""

    concurrent: int
    per_minute: int
    carrier_per_minute: int | None = None

    def __post_init__(self) -> None:
        if self.concurrent < 1 or self.per_minute < 1 or (
                self.carrier_per_minute is not None and self.carrier_per_minute < 1):
            raise ValueError(f"limits must be at least 1: {self}")


def limits_for(bot_cls: type[CarrierBot], settings: Settings) -> Limits:
    """The bot's declared limits, lowered by the settings' global caps where they are lower.

    A setting never raises a bot's value: the bot declares what its portal tolerates (1 page
    at once for a portal that keeps "the current member" in its server session), and more
    would break it, whatever the operator wants.
    """
    def lowered(declared: int, cap: int | None) -> int:
        return declared if cap is None else min(declared, cap)

    return Limits(concurrent=lowered(bot_cls.max_concurrent_pages, settings.max_concurrent_pages),
                  per_minute=lowered(bot_cls.lookups_per_minute, settings.lookups_per_minute))


def _prefix(carrier: str) -> str:
    # the carrier in a hash tag: every key one script touches lands on one Redis Cluster slot
    return f"portals:budget:{{{carrier}}}"


def slots_key(carrier: str, account_id: int) -> str:
    return f"{_prefix(carrier)}:account:{account_id}:slots"


def rate_key(carrier: str, account_id: int | None = None) -> str:
    """The account's window of the last minute's lookups, or the carrier's (no account)."""
    if account_id is None:
        return f"{_prefix(carrier)}:rate"
    return f"{_prefix(carrier)}:account:{account_id}:rate"


def cooldown_key(carrier: str, account_id: int | None = None) -> str:
    """The account's "cool down until" time, or the whole carrier's (no account)."""
    if account_id is None:
        return f"{_prefix(carrier)}:cooldown"
    return f"{_prefix(carrier)}:account:{account_id}:cooldown"


_NOW = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

_ACQUIRE = _NOW + """
-- KEYS: account cooldown, carrier cooldown, slots, account rate, carrier rate
-- ARGV: now ('' = server time), token, concurrent, per_minute, carrier_per_minute (0: none),
--       slot ttl (s), window (s)
local token = ARGV[2]
local concurrent = tonumber(ARGV[3])
local per_minute = tonumber(ARGV[4])
local carrier_per_minute = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local window = tonumber(ARGV[7])

local until_at = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') or 0,
                          tonumber(redis.call('GET', KEYS[2]) or '0') or 0)
if until_at > now then
  return {'cooldown', tostring(until_at - now)}
end

redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[3]) >= concurrent then
  return {'busy', '0'}
end

local function wait_for(key, limit)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count < limit then return nil end
  -- the (count - limit + 1)th oldest lookup must leave the window first
  local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return tonumber(entry[2]) + window - now
end

local wait = wait_for(KEYS[4], per_minute)
if wait then return {'rate', tostring(wait)} end
if carrier_per_minute > 0 then
  wait = wait_for(KEYS[5], carrier_per_minute)
  if wait then return {'carrier_rate', tostring(wait)} end
end

local gc = math.ceil((window + 1) * 1000)
redis.call('ZADD', KEYS[3], now + ttl, token)
redis.call('PEXPIRE', KEYS[3], math.ceil((ttl + 1) * 1000))
redis.call('ZADD', KEYS[4], now, token)
redis.call('PEXPIRE', KEYS[4], gc)
if carrier_per_minute > 0 then
  redis.call('ZADD', KEYS[5], now, token)
  redis.call('PEXPIRE', KEYS[5], gc)
end
return {'ok', '0'}
"""

_RENEW = _NOW + """
-- KEYS: slots; ARGV: now, token, slot ttl (s). 1 if renewed, 0 if the token lapsed.
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.ceil((ttl + 1) * 1000))
return 1
"""

_COOL_DOWN = _NOW + """
-- KEYS: cooldown; ARGV: now, seconds. Extends, never shortens, the cool-down.
local until_at = now + tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if current >= until_at then return tostring(current - now) end
redis.call('SET', KEYS[1], tostring(until_at), 'PX', math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
return ARGV[2]
"""

_MESSAGES = {
    "cooldown": "the portal throttled this account (or carrier) and it is cooling down",
    "rate": "the portal account has used its lookups for this minute",
    "carrier_rate": "the carrier's portal has had its lookups for this minute",
}


@dataclass
class HeldSlot:
    """What :meth:`Budget.slot` yields while a slot of the account is held."""

    carrier: str
    account_id: int
    limits: Limits
    token: str
    waited: float
    """Seconds spent waiting for the slot, the minute's budget or a cool-down."""
    lost: threading.Event = field(default_factory=threading.Event)
    """Set when the slot could not be renewed: it lapsed, and more than ``concurrent``
    lookups may be acting on the account. Worth a warning, not a failed result: the page
    this run read is still its own."""
    _budget: Budget | None = field(default=None, repr=False)

    def throttled(self, retry_after_seconds: float | None = None, *,
                  carrier_wide: bool = False) -> float:
        """The portal throttled this run: every acquire on the account (or, with
        ``carrier_wide``, on the carrier) waits out the cool-down. Returns its seconds."""
        assert self._budget is not None
        return self._budget.throttled(self.carrier, self.account_id, retry_after_seconds,
                                      carrier_wide=carrier_wide)


class Budget:
    """Slots, lookups a minute and cool-downs of portal accounts, in one Redis.

    ``max_wait_seconds`` bounds how long an acquire waits (for a slot, the minute's budget
    or a cool-down) before it gives up with a retryable
    :class:`~bots.errors.PortalUnavailable`; a wait known to be longer fails at once, with
    ``retry_after`` set, rather than tie up a worker. ``clock`` and ``sleep`` are for tests
    (a controllable clock); unset, "now" is the Redis server's time.
    """

    def __init__(self, client: redis.Redis, *, lease_seconds: float = 30.0,
                 max_wait_seconds: float = 30.0, poll_seconds: float = 0.1,
                 max_busy_wait_seconds: float | None = None,
                 default_cooldown_seconds: float = 30.0,
                 max_cooldown_seconds: float = 3600.0,
                 clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.lease_seconds = lease_seconds
        self.max_wait_seconds = max_wait_seconds
        self.max_busy_wait_seconds = max_wait_seconds if max_busy_wait_seconds is None \
            else max_busy_wait_seconds
        """How long a job waits while the account's slots are all taken: its jobs are a
        queue, and a busy account must not fail them (a longer wait than for the minute's
        budget or a cool-down, whose length is known and is retried at its time)."""
        self.poll_seconds = poll_seconds
        self.default_cooldown_seconds = default_cooldown_seconds
        self.max_cooldown_seconds = max_cooldown_seconds
        """A Retry-After longer than this (an hour) is cut to it: a garbled header must not
        park an account for days; the portal will say so again if it means it."""
        self.clock = clock
        self.sleep = sleep
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._cool_down = client.register_script(_COOL_DOWN)

    def _now(self) -> str:
        return "" if self.clock is None else repr(float(self.clock()))

    @contextmanager
    def slot(self, *, carrier: str, account_id: int, limits: Limits,
             throttle_on_retry_after: bool = True) -> Iterator[HeldSlot]:
        """Hold one of the account's slots, and one lookup of its minute, for the block.

        Waits (up to ``max_wait_seconds``) for a free slot, the minute's budget and any
        cool-down, else raises retryable :class:`~bots.errors.PortalUnavailable`. With
        ``throttle_on_retry_after``, a :class:`~bots.errors.PortalUnavailable` carrying
        ``retry_after`` that leaves the block (the bot saw 429 or 503 with Retry-After)
        starts the account's cool-down before it goes on up, so the runner need not.
        """
        held = self.acquire(carrier=carrier, account_id=account_id, limits=limits)
        stop = threading.Event()
        keeper = threading.Thread(target=self._keep, args=(held, stop),
                                  name=f"budget-slot-{carrier}-{account_id}", daemon=True)
        keeper.start()
        try:
            yield held
        except PortalUnavailable as exc:
            if throttle_on_retry_after and exc.retry_after is not None:
                try:
                    held.throttled(exc.retry_after)
                except PortalUnavailable as cause:  # Redis went away: the job still retries
                    log.warning("cool-down of %s account %s not recorded: %s", carrier,
                                account_id, cause.message)
            raise
        finally:
            stop.set()
            keeper.join()
            self.release(held)

    def acquire(self, *, carrier: str, account_id: int, limits: Limits) -> HeldSlot:
        """Take a slot and a lookup, waiting as :meth:`slot` does; no keeper thread.

        The caller must :meth:`release` it, and renew it within two leases if it holds it
        longer (:meth:`slot` does both); a holder that does neither lapses, as a dead
        worker's does.
        """
        token = secrets.token_hex(8)
        keys = [cooldown_key(carrier, account_id), cooldown_key(carrier),
                slots_key(carrier, account_id), rate_key(carrier, account_id),
                rate_key(carrier)]
        waited = 0.0
        while True:
            try:
                status_raw, wait_raw = self._acquire(keys=keys, args=[
                    self._now(), token, limits.concurrent, limits.per_minute,
                    limits.carrier_per_minute or 0, self.lease_seconds * 2, WINDOW_SECONDS])
            except RedisError as exc:
                raise PortalUnavailable(
                    f"the rate budget of {carrier} account {account_id} cannot be checked: "
                    f"Redis is unreachable ({type(exc).__name__})") from None
            status = status_raw.decode() if isinstance(status_raw, bytes) else str(status_raw)
            if status == "ok":
                return HeldSlot(carrier=carrier, account_id=account_id, limits=limits,
                                token=token, waited=waited, _budget=self)
            if status == "busy":
                wait = self.poll_seconds
                if waited + wait > self.max_busy_wait_seconds:
                    raise PortalUnavailable(
                        f"the {carrier} portal account {account_id} is busy: "
                        f"{limits.concurrent} lookup(s) at once already run on it")
            else:
                wait = float(wait_raw) + _EPSILON
                if waited + wait > self.max_wait_seconds:
                    raise PortalUnavailable(
                        f"{_MESSAGES.get(status, status)}: {math.ceil(wait)} s to wait",
                        retry_after=wait)
            self.sleep(wait)
            waited += wait

    def release(self, held: HeldSlot) -> None:
        """Give the slot back; one already lapsed sets ``held.lost``. Never raises: a slot
        not released lapses by itself within two leases."""
        try:
            removed = self.client.zrem(slots_key(held.carrier, held.account_id), held.token)
        except RedisError as exc:
            log.warning("budget slot of %s account %s not released: %s", held.carrier,
                        held.account_id, type(exc).__name__)
            return
        if not removed and not held.lost.is_set():
            held.lost.set()
            log.warning("budget slot of %s account %s had lapsed before release",
                        held.carrier, held.account_id)

    def renew(self, held: HeldSlot) -> bool:
        """Push the slot's expiry two leases on; False if it had already lapsed."""
        return bool(self._renew(keys=[slots_key(held.carrier, held.account_id)],
                                args=[self._now(), held.token, self.lease_seconds * 2]))

    def throttled(self, carrier: str, account_id: int, retry_after_seconds: float | None,
                  *, carrier_wide: bool = False) -> float:
        """Start (or extend) the account's cool-down: every acquire on it waits it out.

        ``retry_after_seconds`` is what the portal asked (Retry-After); unset or not
        positive, the default cool-down; capped at ``max_cooldown_seconds``. With
        ``carrier_wide`` the whole carrier cools down (a portal that throttles by address,
        not by account). Returns the seconds of cool-down now in force. Raises retryable
        :class:`~bots.errors.PortalUnavailable` if Redis is unreachable.
        """
        seconds = retry_after_seconds if retry_after_seconds and retry_after_seconds > 0 \
            else self.default_cooldown_seconds
        seconds = min(float(seconds), self.max_cooldown_seconds)
        key = cooldown_key(carrier, None if carrier_wide else account_id)
        try:
            left = self._cool_down(keys=[key], args=[self._now(), seconds])
        except RedisError as exc:
            raise PortalUnavailable(
                f"the cool-down of {carrier} account {account_id} cannot be recorded: "
                f"Redis is unreachable ({type(exc).__name__})") from None
        log.info("%s %s cools down for %.1f s after the portal throttled it", carrier,
                 "(every account)" if carrier_wide else f"account {account_id}", float(left))
        return float(left)

    def _keep(self, held: HeldSlot, stop: threading.Event) -> None:
        """Renew ``held`` every third of a lease until ``stop``; set ``held.lost`` on failure.

        A Redis error is retried at the next tick while the slot can still be alive (two
        leases since the last renewal). Nothing escapes this thread.
        """
        last_renewed = time.monotonic()
        while not stop.wait(self.lease_seconds / 3):
            try:
                if not self.renew(held):
                    held.lost.set()
                    log.warning("budget slot of %s account %s lapsed before it was renewed",
                                held.carrier, held.account_id)
                    return
            except RedisError as exc:
                if time.monotonic() - last_renewed >= self.lease_seconds * 2:
                    held.lost.set()
                    log.warning("budget slot of %s account %s lost: not renewed for two "
                                "leases (%s)", held.carrier, held.account_id,
                                type(exc).__name__)
                    return
                log.warning("budget slot of %s account %s not renewed, will retry: %s",
                            held.carrier, held.account_id, type(exc).__name__)
                continue
            except Exception as exc:  # a bug must not pass silently as a held slot
                held.lost.set()
                log.warning("budget slot of %s account %s renewal failed: %s", held.carrier,
                            held.account_id, type(exc).__name__)
                return
            last_renewed = time.monotonic()


def throttled(client: redis.Redis, carrier: str, account_id: int,
              retry_after_seconds: float | None, *, carrier_wide: bool = False) -> float:
    """Start the account's (or carrier's) cool-down outside a held slot: see
    :meth:`Budget.throttled`."""
    return Budget(client).throttled(carrier, account_id, retry_after_seconds,
                                    carrier_wide=carrier_wide)
