"""The per-account lock against real Redis, with a short lease: renewed while held (by a
keeper thread that never dies), exclusive across threads, and loud when it is lost."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from bots.errors import PortalUnavailable
from workflows.locks import account_lock, account_lock_key

pytestmark = [
    pytest.mark.redis,
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]
LEASE = 1.0


@pytest.fixture
def account_id(client: redis.Redis) -> Iterator[int]:
    account = 10_000_000 + secrets.randbelow(10_000_000)
    yield account
    client.delete(account_lock_key(account))


@pytest.fixture(autouse=True)
def thread_errors() -> Iterator[list[Any]]:
    """Every exception that escapes a thread during the test fails it."""
    seen: list[Any] = []
    previous = threading.excepthook
    threading.excepthook = seen.append
    yield seen
    threading.excepthook = previous
    assert [(a.thread.name if a.thread else None, a.exc_type) for a in seen] == []


def test_held_longer_than_two_leases_the_lock_is_kept_and_still_ours(
    client: redis.Redis, account_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    key = account_lock_key(account_id)
    # given the lock is taken
    with account_lock(client, account_id, lease_seconds=LEASE) as held:
        token = client.get(key)
        assert token is not None
        # when the run outlives the lock's own life (two leases) by half a lease
        time.sleep(LEASE * 2.5)
        # then the keeper renewed it: same owner, a live TTL, nothing lost
        assert client.get(key) == token
        assert 0 < client.pttl(key) <= LEASE * 2 * 1000
        assert not held.lost.is_set()
    assert client.exists(key) == 0
    assert not held.lost.is_set()
    assert "account lock" not in caplog.text


def test_a_second_run_waits_and_gets_the_lock_only_after_release(
    client: redis.Redis, account_id: int
) -> None:
    acquired_at: list[float] = []
    started = threading.Event()

    def second() -> None:
        started.set()
        with account_lock(client, account_id, lease_seconds=LEASE):
            acquired_at.append(time.monotonic())

    with account_lock(client, account_id, lease_seconds=LEASE):
        other = threading.Thread(target=second, name="second-run")
        other.start()
        started.wait(5)
        time.sleep(LEASE * 1.5)  # the second run keeps waiting as long as we hold it
        assert acquired_at == []
        released_at = time.monotonic()
    other.join(LEASE * 4)
    assert not other.is_alive()
    assert len(acquired_at) == 1 and acquired_at[0] >= released_at


def test_a_run_that_cannot_get_the_lock_in_three_leases_gives_up_as_busy(
    client: redis.Redis, account_id: int
) -> None:
    lease = 0.4
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with account_lock(client, account_id, lease_seconds=lease):
                pass
        except BaseException as exc:
            errors.append(exc)

    with account_lock(client, account_id, lease_seconds=lease) as held:
        begun = time.monotonic()
        other = threading.Thread(target=second, name="second-run")
        other.start()
        other.join(lease * 6)
        waited = time.monotonic() - begun
        assert not held.lost.is_set()
    assert len(errors) == 1 and isinstance(errors[0], PortalUnavailable)
    assert "busy with another run" in errors[0].message
    assert waited >= lease * 3 * 0.9


def test_a_lost_lock_is_visible_and_logged(
    client: redis.Redis, account_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="workflows.locks")
    key = account_lock_key(account_id)
    with account_lock(client, account_id, lease_seconds=LEASE) as held:
        # when another run takes the account over (the key expired and was re-taken)
        client.set(key, b"someone-else", px=int(LEASE * 2000))
        # then the next renewal notices
        assert held.lost.wait(LEASE)
    assert client.get(key) == b"someone-else"  # their lock is left alone at release
    assert f"account lock {account_id} lost" in caplog.text
