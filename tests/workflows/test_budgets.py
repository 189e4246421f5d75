"""Rate budgets against real Redis: M slots at once across threads, a dead holder's slot
lapsing, N lookups a minute on a controllable clock, a throttled portal's cool-down shared by
every caller of the account (and no other), settings that only lower, and Redis down as a
retryable error. Every test runs in well under two seconds."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bots.base import CarrierBot
from bots.errors import PortalUnavailable
from portals.settings import Settings
from workflows.budgets import (
    Budget,
    HeldSlot,
    Limits,
    cooldown_key,
    limits_for,
    rate_key,
    slots_key,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]


class FakeClock:
    """A clock the test moves; sleeping on it moves it (no real waiting)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def carrier(client: redis.Redis) -> Iterator[str]:
    name = f"test-{secrets.token_hex(4)}"
    yield name
    keys = list(client.scan_iter(match=f"portals:budget:{{{name}}}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def thread_errors() -> Iterator[list[Any]]:
    """Every exception that escapes a thread during the test fails it."""
    seen: list[Any] = []
    previous = threading.excepthook
    threading.excepthook = seen.append
    yield seen
    threading.excepthook = previous
    assert [(a.thread.name if a.thread else None, a.exc_type) for a in seen] == []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fake_budget(client: redis.Redis, clock: FakeClock, **kwargs: Any) -> Budget:
    return Budget(client, clock=clock, sleep=clock.sleep, **kwargs)


def test_m_slots_across_threads_the_next_waits_until_one_is_released(
    client: redis.Redis, carrier: str
) -> None:
    budget = Budget(client, lease_seconds=5, poll_seconds=0.02, max_wait_seconds=5)
    limits = Limits(concurrent=2, per_minute=100)
    entered = threading.Barrier(3)
    release = threading.Event()

    def hold() -> None:
        with budget.slot(carrier=carrier, account_id=1, limits=limits):
            entered.wait(timeout=2)
            release.wait(timeout=2)

    # given two threads hold the account's two slots
    holders = [threading.Thread(target=hold, name=f"holder-{i}") for i in range(2)]
    for thread in holders:
        thread.start()
    entered.wait(timeout=2)
    assert client.zcard(slots_key(carrier, 1)) == 2
    # when a third asks for a slot
    got: list[HeldSlot] = []

    def third() -> None:
        with budget.slot(carrier=carrier, account_id=1, limits=limits) as held:
            got.append(held)

    waiter = threading.Thread(target=third, name="third")
    waiter.start()
    time.sleep(0.2)
    # then it waits while both are held
    assert got == [] and waiter.is_alive()
    # and another account is not held up by them
    with budget.slot(carrier=carrier, account_id=2, limits=limits) as other:
        assert other.waited == 0
    # when the holders let go, it proceeds
    release.set()
    waiter.join(timeout=2)
    for thread in holders:
        thread.join(timeout=2)
    assert len(got) == 1 and got[0].waited > 0 and not got[0].lost.is_set()
    assert client.zcard(slots_key(carrier, 1)) == 0


def test_busy_past_the_bound_is_a_retryable_error(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, max_wait_seconds=1, poll_seconds=0.25)
    limits = Limits(concurrent=1, per_minute=100)
    with (budget.slot(carrier=carrier, account_id=1, limits=limits),
          pytest.raises(PortalUnavailable, match="busy") as caught):
        budget.acquire(carrier=carrier, account_id=1, limits=limits)
    assert caught.value.retryable and sum(clock.slept) <= 1


def test_a_busy_account_is_waited_for_longer_than_a_budget(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    # the account's jobs are a queue: a slot is waited for up to the busy bound (here 5 s),
    # past the 1 s a job waits for the minute's budget
    budget = fake_budget(client, clock, max_wait_seconds=1, poll_seconds=0.5,
                         max_busy_wait_seconds=5)
    limits = Limits(concurrent=1, per_minute=100)
    holder = budget.acquire(carrier=carrier, account_id=1, limits=limits)
    with pytest.raises(PortalUnavailable, match="busy"):
        budget.acquire(carrier=carrier, account_id=1, limits=limits)
    assert 4.5 <= sum(clock.slept) <= 5
    # a slot freed within the bound is taken
    clock.slept.clear()
    original_sleep = clock.sleep

    def sleep_then_free(seconds: float) -> None:
        original_sleep(seconds)
        if sum(clock.slept) >= 3:
            budget.release(holder)

    budget.sleep = sleep_then_free
    taken = budget.acquire(carrier=carrier, account_id=1, limits=limits)
    assert 3 <= taken.waited <= 3.5
    budget.release(taken)


def test_a_dead_holders_slot_lapses_after_two_leases(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, lease_seconds=10, max_wait_seconds=0)
    limits = Limits(concurrent=1, per_minute=100)
    # given a holder that never renews nor releases (its worker died)
    dead = budget.acquire(carrier=carrier, account_id=1, limits=limits)
    # then the slot stays taken within two leases
    clock.now += 19
    with pytest.raises(PortalUnavailable, match="busy"):
        budget.acquire(carrier=carrier, account_id=1, limits=limits)
    # and is free after two leases
    clock.now += 2
    alive = budget.acquire(carrier=carrier, account_id=1, limits=limits)
    budget.release(alive)
    assert not alive.lost.is_set()
    # and the dead holder, should it come back, learns its slot was lost
    assert budget.renew(dead) is False
    budget.release(dead)
    assert dead.lost.is_set()


def test_a_live_holders_keeper_keeps_its_slot_past_two_leases(
    client: redis.Redis, carrier: str
) -> None:
    budget = Budget(client, lease_seconds=0.3, max_wait_seconds=0)
    limits = Limits(concurrent=1, per_minute=100)
    with budget.slot(carrier=carrier, account_id=1, limits=limits) as held:
        time.sleep(0.9)  # three leases: it lapses unless the keeper renews it
        with pytest.raises(PortalUnavailable, match="busy"):
            budget.acquire(carrier=carrier, account_id=1, limits=limits)
    assert not held.lost.is_set()
    assert client.zcard(slots_key(carrier, 1)) == 0


def test_n_lookups_a_minute_then_the_next_waits_for_the_window(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, max_wait_seconds=120)
    limits = Limits(concurrent=10, per_minute=3)
    start = clock.now
    # given three lookups within a few seconds
    for _ in range(3):
        with budget.slot(carrier=carrier, account_id=1, limits=limits) as held:
            assert held.waited == 0
        clock.now += 1
    # when a fourth comes, it waits until the first is a minute old
    with budget.slot(carrier=carrier, account_id=1, limits=limits) as held:
        assert clock.now == pytest.approx(start + 60, abs=0.01)
        assert held.waited == pytest.approx(57, abs=0.01)
    # and the fifth until the second is
    with budget.slot(carrier=carrier, account_id=1, limits=limits):
        assert clock.now == pytest.approx(start + 61, abs=0.01)
    # and another account has its own minute
    with budget.slot(carrier=carrier, account_id=2, limits=limits) as other:
        assert other.waited == 0
    assert client.zcard(rate_key(carrier, 1)) == 3


def test_a_wait_beyond_the_bound_fails_at_once_with_retry_after(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, max_wait_seconds=10)
    limits = Limits(concurrent=10, per_minute=2)
    for _ in range(2):
        budget.release(budget.acquire(carrier=carrier, account_id=1, limits=limits))
    clock.now += 30
    with pytest.raises(PortalUnavailable, match="lookups for this minute") as caught:
        budget.acquire(carrier=carrier, account_id=1, limits=limits)
    assert caught.value.retryable
    assert caught.value.retry_after == pytest.approx(30, abs=0.01)
    assert clock.slept == []  # it did not wait for what it could not have


def test_a_carrier_total_caps_every_account_together(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, max_wait_seconds=0)
    limits = Limits(concurrent=10, per_minute=10, carrier_per_minute=3)
    for account in (1, 2, 3):
        budget.release(budget.acquire(carrier=carrier, account_id=account, limits=limits))
    with pytest.raises(PortalUnavailable, match="carrier's portal") as caught:
        budget.acquire(carrier=carrier, account_id=4, limits=limits)
    assert caught.value.retry_after == pytest.approx(60, abs=0.01)
    # a refused acquire spent nothing: account 4's own window is empty
    assert client.zcard(rate_key(carrier, 4)) == 0


def test_throttled_slows_down_every_caller_of_the_account_and_no_other(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, max_wait_seconds=30)
    limits = Limits(concurrent=4, per_minute=60)
    # given one job's portal answered 429 with Retry-After: 20
    with (pytest.raises(PortalUnavailable),
          budget.slot(carrier=carrier, account_id=1, limits=limits)):
        raise PortalUnavailable("429 Too Many Requests", retry_after=20)
    start = clock.now
    # then another caller of the account waits the cool-down out
    with budget.slot(carrier=carrier, account_id=1, limits=limits) as held:
        assert held.waited == pytest.approx(20, abs=0.01)
        assert clock.now == pytest.approx(start + 20, abs=0.01)
    # and a caller of another account of the carrier does not
    with budget.slot(carrier=carrier, account_id=2, limits=limits) as other:
        assert other.waited == 0


def test_a_cool_down_longer_than_the_bound_raises_with_the_time_left(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, max_wait_seconds=5)
    limits = Limits(concurrent=4, per_minute=60)
    with budget.slot(carrier=carrier, account_id=1, limits=limits) as held:
        assert held.throttled(120) == 120
    clock.now += 20
    with pytest.raises(PortalUnavailable, match="cooling down") as caught:
        budget.acquire(carrier=carrier, account_id=1, limits=limits)
    assert caught.value.retry_after == pytest.approx(100, abs=0.01)
    # a shorter Retry-After seen later never shortens the cool-down
    assert budget.throttled(carrier, 1, 5) == pytest.approx(100, abs=0.01)
    assert client.exists(cooldown_key(carrier, 1))


def test_a_carrier_wide_cool_down_holds_every_account(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, max_wait_seconds=0)
    limits = Limits(concurrent=4, per_minute=60)
    budget.throttled(carrier, 1, 30, carrier_wide=True)
    with pytest.raises(PortalUnavailable, match="cooling down"):
        budget.acquire(carrier=carrier, account_id=7, limits=limits)
    clock.now += 30.01
    budget.release(budget.acquire(carrier=carrier, account_id=7, limits=limits))


def test_a_missing_or_absurd_retry_after_gets_the_default_or_the_cap(
    client: redis.Redis, carrier: str, clock: FakeClock
) -> None:
    budget = fake_budget(client, clock, default_cooldown_seconds=15,
                         max_cooldown_seconds=600)
    assert budget.throttled(carrier, 1, None) == 15
    assert budget.throttled(carrier, 2, 86_400) == 600


def test_settings_lower_a_bots_limits_but_never_raise_them() -> None:
    class Bot(CarrierBot):
        name = "budget-test"
        display_name = "Budget test"
        max_concurrent_pages = 2
        lookups_per_minute = 30

        def check_eligibility(self, page: Any, ctx: Any, request: Any) -> Any:
            raise NotImplementedError

    assert limits_for(Bot, Settings()) == Limits(concurrent=2, per_minute=30)
    assert limits_for(Bot, Settings(max_concurrent_pages=1, lookups_per_minute=10)) == \
        Limits(concurrent=1, per_minute=10)
    assert limits_for(Bot, Settings(max_concurrent_pages=8, lookups_per_minute=600)) == \
        Limits(concurrent=2, per_minute=30)


def test_settings_refuse_a_cap_below_one() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(max_concurrent_pages=0)
    with pytest.raises(ValidationError):
        Settings(lookups_per_minute=0)


def test_redis_down_is_a_retryable_error_never_an_unlimited_pass(carrier: str) -> None:
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5,
                       retry=Retry(NoBackoff(), 0))  # fail at once, not after backoff
    budget = Budget(down)
    limits = Limits(concurrent=1, per_minute=1)
    with (pytest.raises(PortalUnavailable, match="Redis is unreachable") as caught,
          budget.slot(carrier=carrier, account_id=1, limits=limits)):
        pytest.fail("ran without a budget")
    assert caught.value.retryable
    with pytest.raises(PortalUnavailable, match="Redis is unreachable"):
        budget.throttled(carrier, 1, 10)
