"""Account affinity on real Redis: one holder per account; the holding is renewed while
the holder uses the account, let go when it is idle or stops, and lapses after a crash."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest
import redis

from workflows.affinity import Holdings, holder_key

pytestmark = [pytest.mark.redis, pytest.mark.filterwarnings(
    "error::pytest.PytestUnhandledThreadExceptionWarning")]
LEASE = 0.3
"""The holding lives two leases (0.6 s) and is renewed every third of one."""


@pytest.fixture
def account_id(client: redis.Redis) -> Iterator[int]:
    account = 20_000_000 + secrets.randbelow(10_000_000)
    yield account
    client.delete(holder_key(account))


def _holdings(client: redis.Redis, name: str, idle: float = 60.0) -> Holdings:
    return Holdings(client, name, lease_seconds=LEASE, idle_seconds=idle)


def test_the_first_worker_holds_the_account_and_others_are_sent_to_it(
    client: redis.Redis, account_id: int
) -> None:
    a, b = _holdings(client, "host:1"), _holdings(client, "host:2")
    try:
        assert a.route(account_id) is None
        assert b.route(account_id) == "host:1"
        assert a.route(account_id) is None  # still A's, however often asked
        # A keeps it well past two leases while it uses the account
        with a.using(account_id):
            time.sleep(LEASE * 4)
        assert b.route(account_id) == "host:1"
    finally:
        a.let_go_all()
        b.let_go_all()
    # a worker that stops lets go at once
    assert client.get(holder_key(account_id)) is None


def test_an_idle_holder_lets_go_and_the_next_worker_takes_the_account(
    client: redis.Redis, account_id: int
) -> None:
    a, b = _holdings(client, "host:1", idle=LEASE), _holdings(client, "host:2")
    try:
        assert a.route(account_id) is None
        deadline = time.monotonic() + 5
        while client.get(holder_key(account_id)) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b.route(account_id) is None
        assert client.get(holder_key(account_id)) == b"host:2"
        assert a.route(account_id) == "host:2"
    finally:
        a.let_go_all()
        b.let_go_all()


def test_a_dead_holders_account_is_free_only_after_two_leases(
    client: redis.Redis, account_id: int
) -> None:
    a, b = _holdings(client, "host:1"), _holdings(client, "host:2")
    try:
        with a.using(account_id):
            assert a.route(account_id) is None
            a._stop.set()  # the holder dies: nothing renews its holding any more
            a._keeper.join(timeout=5)
            died = time.monotonic()
            left = client.pttl(holder_key(account_id)) / 1000  # of its last renewal's life
            assert 0 < left <= LEASE * 2
            while b.route(account_id) == "host:1":
                assert time.monotonic() - died < 10
                time.sleep(0.02)
            # not before the holding lapsed (two leases after its last renewal)
            assert time.monotonic() - died >= left - 0.05
            assert client.get(holder_key(account_id)) == b"host:2"
    finally:
        b.let_go_all()
