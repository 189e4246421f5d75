"""The webhook dispatcher against a real local receiver, on SQLite and PostgreSQL, with a
controlled clock: signatures a receiver can verify, a receiver down for a while gets the
event once it is back, one that never recovers leaves a failed delivery that can be
redelivered, redirects are not followed, and two dispatchers never send one delivery
twice."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portals.settings import Settings
from storage import webhooks
from storage.crypto import Vault
from storage.db import session_scope
from storage.models import utcnow
from storage.webhook_models import WebhookDelivery
from tests.workflows.webhook_receiver import LOOPBACK, Receiver
from workflows.webhook_dispatch import WebhookDispatcher, signature, verify_signature

SECRET = "receiver-shared-secret-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_backoff_seconds": 10.0,
                                       "webhook_retry_hours": 1.0,
                                       "webhook_timeout_seconds": 2.0,
                                       "webhook_allowed_networks": [LOOPBACK]})


class Clock:
    def __init__(self) -> None:
        self.now = utcnow() + dt.timedelta(seconds=1)

    def __call__(self) -> dt.datetime:
        return self.now


def _dispatcher(engine: Engine, settings: Settings, clock: Clock, receiver: Receiver,
                name: str = "dispatcher-1") -> WebhookDispatcher:
    def now() -> dt.datetime:
        receiver.now = clock.now.timestamp()
        return clock.now

    return WebhookDispatcher(engine, settings, worker_id=name, clock=now, rand=lambda: 0.5)


def _subscribe_and_emit(engine: Engine, settings: Settings, url: str, count: int = 1
                        ) -> list[str]:
    assert settings.secret_key is not None
    vault = Vault(settings.secret_key)
    with session_scope(engine) as session:
        webhooks.create_subscription(session=session, vault=vault, url=url,
                                     events=["job.succeeded"], created_by="admin",
                                     secret=SECRET,
                                     allowed_networks=settings.webhook_allowed_networks)
        for n in range(count):
            webhooks.emit_event(session, "job.succeeded", {"job_id": f"job-{n}"})
    with Session(engine) as session:
        return sorted(d.id for d in session.exec(select(WebhookDelivery)))


def _delivery(engine: Engine, delivery_id: str) -> WebhookDelivery:
    with Session(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        return delivery


def _next(delivery: WebhookDelivery) -> dt.datetime:
    due = delivery.next_attempt_at
    assert due is not None
    return due if due.tzinfo else due.replace(tzinfo=dt.UTC)


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(
        any_engine: Engine, hook_settings: Settings, receiver: Receiver) -> None:
    (delivery_id,) = _subscribe_and_emit(any_engine, hook_settings, receiver.url)
    clock = Clock()
    dispatcher = _dispatcher(any_engine, hook_settings, clock, receiver)
    assert dispatcher.run_once() == {delivery_id: "delivered"}
    (got,) = receiver.received
    assert got["valid"] and got["answered"] == 204
    delivery = _delivery(any_engine, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 204)
    assert got["headers"]["X-Portals-Event"] == "job.succeeded"
    assert got["headers"]["X-Portals-Event-Id"] == delivery.event_id == got["json"]["id"]
    assert got["headers"]["X-Portals-Delivery"] == delivery_id
    assert got["json"]["data"] == {"job_id": "job-0"}
    # the signature holds only for this body, this secret and a recent time
    header, body, at = got["headers"]["X-Portals-Signature"], got["body"], clock.now.timestamp()
    assert verify_signature(SECRET, header, body, now=at)
    assert not verify_signature("another-secret-of-enough-length", header, body, now=at)
    assert not verify_signature(SECRET, header, body.replace(b"job-0", b"job-1"), now=at)
    assert not verify_signature(SECRET, header, body, tolerance=300, now=at + 301)
    assert not verify_signature(SECRET, "v1=" + header.split("v1=")[1], body, now=at)
    # nothing is due any more
    assert dispatcher.run_once() == {}
    dispatcher.close()


def test_a_receiver_whose_address_is_no_longer_allowed_gets_nothing(
        any_engine: Engine, hook_settings: Settings, receiver: Receiver) -> None:
    # saved while 127.0.0.1 was allowed; the allowance is gone at delivery (the same holds
    # for a name that resolves elsewhere by then): refused before connecting, and said so
    (delivery_id,) = _subscribe_and_emit(any_engine, hook_settings, receiver.url)
    closed = hook_settings.model_copy(update={"webhook_allowed_networks": []})
    dispatcher = _dispatcher(any_engine, closed, Clock(), receiver)
    assert dispatcher.run_once() == {delivery_id: "pending"}  # retried later, as refused
    dispatcher.close()
    assert receiver.received == []
    delivery = _delivery(any_engine, delivery_id)
    assert delivery.last_status is None and delivery.last_error is not None
    assert "refused" in delivery.last_error and "this machine" in delivery.last_error
    assert receiver.url not in delivery.last_error


def test_verify_signature_accepts_any_listed_v1_for_a_secret_change() -> None:
    body = b'{"id":"x"}'
    mine = signature(SECRET, body, 1_800_000_000)
    rotated = mine.replace("v1=", "v1=" + "0" * 64 + ",v1=")
    assert verify_signature(SECRET, rotated, body, now=1_800_000_010)
    assert not verify_signature(SECRET, "t=abc,v1=00", body, now=1_800_000_010)
    assert not verify_signature(SECRET, "", body)


def test_a_receiver_down_for_a_while_gets_the_event_once_it_is_back(
        any_engine: Engine, hook_settings: Settings, receiver: Receiver) -> None:
    (delivery_id,) = _subscribe_and_emit(any_engine, hook_settings, receiver.url)
    clock = Clock()
    dispatcher = _dispatcher(any_engine, hook_settings, clock, receiver)
    # given: the receiver is down (its port refuses connections)
    receiver.stop()
    assert dispatcher.run_once() == {delivery_id: "pending"}
    refused = _delivery(any_engine, delivery_id)
    assert refused.last_error == "could not connect (refused or unreachable)"
    assert refused.last_status is None
    # nothing is sent before the backoff is over
    clock.now = _next(refused) - dt.timedelta(seconds=1)
    assert dispatcher.run_once() == {}
    # then it is up but failing
    receiver.start()
    receiver.mode = "error"
    clock.now = _next(refused)
    assert dispatcher.run_once() == {delivery_id: "pending"}
    erroring = _delivery(any_engine, delivery_id)
    assert (erroring.last_status, erroring.last_error, erroring.attempts) == \
        (500, "HTTP 500", 2)
    # the second failure waits 10 s doubled: half of it fixed, half jitter (0.5 here)
    assert (_next(erroring) - clock.now).total_seconds() == 15.0
    # when: it recovers
    receiver.mode = "ok"
    clock.now = _next(erroring)
    assert dispatcher.run_once() == {delivery_id: "delivered"}
    # then: it got the event once, signed
    assert [r["json"]["data"] for r in receiver.accepted()] == [{"job_id": "job-0"}]
    assert _delivery(any_engine, delivery_id).attempts == 3
    dispatcher.close()


def test_a_receiver_that_never_recovers_leaves_a_failed_delivery_that_can_be_redelivered(
        any_engine: Engine, hook_settings: Settings, receiver: Receiver) -> None:
    (delivery_id,) = _subscribe_and_emit(any_engine, hook_settings, receiver.url)
    clock = Clock()
    dispatcher = _dispatcher(any_engine, hook_settings, clock, receiver)
    receiver.mode = "error"
    passes = 0
    while _delivery(any_engine, delivery_id).status == "pending":
        passes += 1
        assert passes < 30, "never gave up"
        dispatcher.run_once()
        delivery = _delivery(any_engine, delivery_id)
        if delivery.next_attempt_at is not None:
            clock.now = _next(delivery)
    failed = _delivery(any_engine, delivery_id)
    # then: failed within the one-hour window, kept with what went wrong
    assert failed.status == "failed"
    assert (failed.last_status, failed.last_error) == (500, "HTTP 500")
    assert failed.gave_up_at is not None
    given_up = failed.gave_up_at if failed.gave_up_at.tzinfo else \
        failed.gave_up_at.replace(tzinfo=dt.UTC)
    assert given_up - failed.created_at.replace(tzinfo=dt.UTC) < dt.timedelta(hours=1)
    assert len(receiver.received) == failed.attempts == passes
    assert dispatcher.run_once(clock.now + dt.timedelta(days=2)) == {}
    # when: the receiver is fixed and a person redelivers
    receiver.mode = "ok"
    with session_scope(any_engine) as session:
        delivery = webhooks.get_delivery(session=session, delivery_id=delivery_id)
        assert delivery is not None
        webhooks.redeliver(session=session, delivery=delivery, now=clock.now)
    assert dispatcher.run_once() == {delivery_id: "delivered"}
    assert len(receiver.accepted()) == 1
    dispatcher.close()


def test_redirects_are_not_followed(any_engine: Engine, hook_settings: Settings,
                                    receiver: Receiver) -> None:
    (delivery_id,) = _subscribe_and_emit(any_engine, hook_settings, receiver.url)
    receiver.mode = "redirect"
    dispatcher = _dispatcher(any_engine, hook_settings, Clock(), receiver)
    assert dispatcher.run_once() == {delivery_id: "pending"}
    assert [r["path"] for r in receiver.received] == ["/hooks/portals"]
    delivery = _delivery(any_engine, delivery_id)
    assert delivery.last_status == 302
    assert delivery.last_error is not None and "redirects are not followed" in \
        delivery.last_error
    dispatcher.close()


def test_two_dispatchers_at_once_send_each_delivery_once(
        any_engine: Engine, hook_settings: Settings, receiver: Receiver) -> None:
    ids = _subscribe_and_emit(any_engine, hook_settings, receiver.url, count=12)
    receiver.delay = 0.05
    clock = Clock()
    dispatchers = [_dispatcher(any_engine, hook_settings, clock, receiver, f"d{n}")
                   for n in range(2)]
    outcomes: list[dict[str, str | None]] = []
    start = threading.Barrier(2)

    def run(dispatcher: WebhookDispatcher) -> None:
        start.wait()
        outcomes.append(dispatcher.run_once())

    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = [r["headers"]["X-Portals-Delivery"] for r in receiver.accepted()]
    assert sorted(sent) == ids  # every delivery once
    first, second = outcomes
    assert not set(first) & set(second)
    assert sorted([*first, *second]) == ids
    assert all(v == "delivered" for v in [*first.values(), *second.values()])
    for dispatcher in dispatchers:
        dispatcher.close()


def test_a_disabled_subscription_waits(any_engine: Engine, hook_settings: Settings,
                                       receiver: Receiver) -> None:
    (delivery_id,) = _subscribe_and_emit(any_engine, hook_settings, receiver.url)
    with session_scope(any_engine) as session:
        (sub,) = webhooks.list_subscriptions(session=session)
        webhooks.update_subscription(session=session, subscription=sub, enabled=False)
    dispatcher = _dispatcher(any_engine, hook_settings, Clock(), receiver)
    assert dispatcher.run_once() == {}
    assert receiver.received == []
    with session_scope(any_engine) as session:
        (sub,) = webhooks.list_subscriptions(session=session)
        webhooks.update_subscription(session=session, subscription=sub, enabled=True)
    assert dispatcher.run_once() == {delivery_id: "delivered"}
    dispatcher.close()


def test_the_worker_loop_sends_without_being_asked(
        any_engine: Engine, hook_settings: Settings, receiver: Receiver) -> None:
    from workflows.webhook_dispatch import WebhookDispatchLoop

    (delivery_id,) = _subscribe_and_emit(any_engine, hook_settings, receiver.url)
    loop = WebhookDispatchLoop(any_engine, hook_settings.model_copy(
        update={"webhook_dispatch_interval_seconds": 0.1}), "loop-worker")
    loop.start()
    try:
        deadline = time.monotonic() + 20
        while not receiver.accepted() and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the test's receiver, bounded
    finally:
        loop.stop()
    assert [r["headers"]["X-Portals-Delivery"] for r in receiver.accepted()] == [delivery_id]
    assert _delivery(any_engine, delivery_id).status == "delivered"
    assert json.loads(receiver.accepted()[0]["body"])["event"] == "job.succeeded"
