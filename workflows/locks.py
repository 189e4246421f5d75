"""At most one live login per portal account, across every worker: a Redis lock per account.

The lock lives two leases and a keeper thread renews it every third of a lease while it is
held, so the lock of a worker that died lapses about when its run's lease does, and a run
that waits minutes (for an SMS code, say) keeps it. The lock's token is shared between the
holder and its keeper thread (``thread_local=False``): redis-py's default keeps the token in
a thread-local, which the keeper thread cannot see.

If renewal fails (the key expired or was taken over, Redis stayed unreachable for longer
than the lock lives), :attr:`HeldAccountLock.lost` is set and a warning is logged: another
run may have logged in on the same account meanwhile, so the holder must not trust (store)
what its run produced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import redis
from redis.exceptions import LockError, RedisError

from bots.errors import PortalUnavailable
from bots.pagehost import pause

log = logging.getLogger(__name__)


def account_lock_key(account_id: int) -> str:
    return f"portals:account:{account_id}"


@dataclass
class HeldAccountLock:
    """What :func:`account_lock` yields while the account's lock is held."""

    account_id: int
    key: str
    lost: threading.Event = field(default_factory=threading.Event)
    """Set when the lock could not be renewed (or was gone at release): from then on another
    run may hold the account, so the run's result must not be stored."""


@contextmanager
def account_lock(
    client: redis.Redis, account_id: int, *, lease_seconds: float
) -> Iterator[HeldAccountLock]:
    """Hold the account's lock for the ``with`` block.

    Waits up to three leases for it, then raises
    :class:`~bots.errors.PortalUnavailable` (retryable: the account is busy with another
    run). The lock lives two leases and is renewed every third of a lease while held.
    """
    key = account_lock_key(account_id)
    lock = client.lock(key, timeout=lease_seconds * 2, thread_local=False)
    # polled with pause(), not a blocking acquire: in a page host the jobs share a thread,
    # and one waiting for the lock must not stop the others
    deadline = time.monotonic() + lease_seconds * 3
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise PortalUnavailable("the portal account is busy with another run")
        pause(min(0.1, lease_seconds / 10))
    held = HeldAccountLock(account_id=account_id, key=key)
    stop = threading.Event()
    keeper = threading.Thread(target=_keep, args=(lock, held, stop, lease_seconds),
                              name=f"account-lock-{account_id}", daemon=True)
    keeper.start()
    try:
        yield held
    finally:
        stop.set()
        keeper.join()
        try:
            lock.release()
        except LockError:
            held.lost.set()
            log.warning("account lock %s expired or was taken over before release",
                        account_id)
        except RedisError as exc:  # it lapses by itself within two leases
            log.warning("account lock %s not released: %s", account_id, type(exc).__name__)


def _keep(lock: redis.lock.Lock, held: HeldAccountLock, stop: threading.Event,
          lease_seconds: float) -> None:
    """Renew ``lock`` every third of a lease until ``stop``; set ``held.lost`` on failure.

    A Redis error is retried at the next tick as long as the lock can still be alive (two
    leases since the last renewal); a lock no longer owned is lost at once. Nothing escapes
    this thread: every failure becomes ``lost`` and a warning.
    """
    last_renewed = time.monotonic()
    while not stop.wait(lease_seconds / 3):
        try:
            lock.reacquire()
        except LockError:  # not owned any more: expired, or another run has it
            held.lost.set()
            log.warning("account lock %s lost: it expired or another run took it over",
                        held.account_id)
            return
        except RedisError as exc:
            if time.monotonic() - last_renewed >= lease_seconds * 2:
                held.lost.set()
                log.warning("account lock %s lost: not renewed for two leases (%s)",
                            held.account_id, type(exc).__name__)
                return
            log.warning("account lock %s not renewed, will retry: %s", held.account_id,
                        type(exc).__name__)
            continue
        except Exception as exc:  # a bug must not pass silently as a held lock
            held.lost.set()
            log.warning("account lock %s renewal failed: %s", held.account_id,
                        type(exc).__name__)
            return
        last_renewed = time.monotonic()
