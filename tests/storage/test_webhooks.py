"""Webhook storage on SQLite and PostgreSQL: subscriptions (secret encrypted, fields
checked), the outbox (deliveries in the caller's transaction, one event id), atomic
claims that lapse, backoff and giving up, redelivery, and the events job ends emit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portals.claims import ClaimResult
from portals.model import EligibilityRequest
from storage import hooks, repo, webhooks
from storage.crypto import Vault
from storage.db import session_scope
from storage.models import Job, JobStatus, utcnow
from storage.webhook_models import WebhookDelivery

WINDOW = dt.timedelta(hours=24)


def _subscribe(engine: Engine, vault: Vault, events: list[str], *, enabled: bool = True,
               url: str = "https://receiver.example/hook") -> int:
    with session_scope(engine) as session:
        sub, _ = webhooks.create_subscription(session=session, vault=vault, url=url,
                                              events=events, created_by="admin",
                                              enabled=enabled)
        assert sub.id is not None
        return sub.id


def _deliveries(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.created_at,
                                                                  WebhookDelivery.id)))


# -- subscriptions ------------------------------------------------------------------------


def test_the_secret_is_stored_only_encrypted_and_generated_when_not_given(
        any_engine: Engine, vault: Vault) -> None:
    with session_scope(any_engine) as session:
        given, plain = webhooks.create_subscription(
            session=session, vault=vault, url="https://a.example/h", events=["job.failed"],
            created_by="admin", secret="a-receiver-chosen-secret-1234")
        generated, generated_plain = webhooks.create_subscription(
            session=session, vault=vault, url="http://b.example/h", events=["job.failed"],
            created_by="admin")
    assert plain == "a-receiver-chosen-secret-1234"
    assert generated_plain.startswith("whsec_") and len(generated_plain) > 40
    with any_engine.connect() as conn:
        stored = " ".join(str(r) for r in conn.execute(text("SELECT * FROM "
                                                            "webhook_subscriptions")))
    assert plain not in stored and generated_plain not in stored
    assert webhooks.subscription_secret(vault=vault, subscription=given) == plain
    assert webhooks.subscription_secret(vault=vault, subscription=generated) == \
        generated_plain


@pytest.mark.parametrize(("field", "change", "message"), [
    ("url", {"url": "ftp://a.example/h"}, "http:// or https://"),
    ("url", {"url": "https:///nohost"}, "with a host"),
    ("url", {"url": "https://user:pw@a.example/h"}, "user name or password"),
    ("events", {"events": ["job.succeeded", "job.exploded"]}, "unknown event 'job.exploded'"),
    ("events", {"events": []}, "at least one event"),
    ("secret", {"secret": "short"}, "16 to 200"),
])
def test_fields_are_checked_and_named(any_engine: Engine, vault: Vault, field: str,
                                      change: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"url": "https://a.example/h", "events": ["job.failed"], **change}
    with Session(any_engine) as session, pytest.raises(webhooks.WebhookError) as caught:
        webhooks.create_subscription(session=session, vault=vault, created_by="admin", **args)
    assert caught.value.field == field
    assert message in str(caught.value)


def test_update_says_what_changed(any_engine: Engine, vault: Vault) -> None:
    sub_id = _subscribe(any_engine, vault, ["job.failed"])
    with session_scope(any_engine) as session:
        sub = webhooks.get_subscription(session=session, subscription_id=sub_id)
        assert sub is not None
        changed = webhooks.update_subscription(
            session=session, subscription=sub, enabled=False,
            events=["coverage.changed", "job.failed"], url="https://a.example/h2")
    assert changed == {"url": ["https://receiver.example/hook", "https://a.example/h2"],
                       "events": [["job.failed"], ["job.failed", "coverage.changed"]],
                       "enabled": [True, False]}


# -- the outbox -----------------------------------------------------------------------------


def test_an_event_goes_to_each_enabled_subscriber_with_one_event_id(
        any_engine: Engine, vault: Vault) -> None:
    first = _subscribe(any_engine, vault, ["job.succeeded", "job.failed"])
    second = _subscribe(any_engine, vault, ["job.succeeded"])
    _subscribe(any_engine, vault, ["job.succeeded"], enabled=False)
    _subscribe(any_engine, vault, ["coverage.changed"])
    with session_scope(any_engine) as session:
        webhooks.emit_event(session, "job.succeeded", {"job_id": "j1", "at": utcnow()})
    deliveries = _deliveries(any_engine)
    assert sorted(d.subscription_id for d in deliveries) == sorted([first, second])
    assert len({d.event_id for d in deliveries}) == 1
    (payload,) = {json.dumps(d.payload, sort_keys=True) for d in deliveries}
    envelope = json.loads(payload)
    assert envelope["event"] == "job.succeeded"
    assert envelope["id"] == deliveries[0].event_id
    assert envelope["data"]["job_id"] == "j1"
    assert {d.status for d in deliveries} == {"pending"}


def test_an_event_is_stored_with_its_cause_or_not_at_all(
        any_engine: Engine, vault: Vault) -> None:
    _subscribe(any_engine, vault, ["job.failed"])
    with pytest.raises(RuntimeError), session_scope(any_engine) as session:
        webhooks.emit_event(session, "job.failed", {"job_id": "j1"})
        raise RuntimeError("the caller's transaction fails after the event")
    assert _deliveries(any_engine) == []


def test_an_unknown_event_or_a_secret_in_the_data_is_refused(
        any_engine: Engine, vault: Vault) -> None:
    _subscribe(any_engine, vault, ["job.failed"])
    with Session(any_engine) as session:
        with pytest.raises(ValueError, match="unknown webhook event"):
            webhooks.emit_event(session, "job.exploded", {})
        for data in ({"password": "x"}, {"result": {"session_state": {}}},
                     {"items": [{"api_token": "x"}]}, {"account": {"totp_secret": "x"}}):
            with pytest.raises(ValueError, match="never carries"):
                webhooks.emit_event(session, "job.failed", data)


# -- claims, attempts, redelivery -----------------------------------------------------------


def _one_pending(engine: Engine, vault: Vault) -> str:
    _subscribe(engine, vault, ["job.failed"])
    with session_scope(engine) as session:
        webhooks.emit_event(session, "job.failed", {"job_id": "j1"})
    (delivery,) = _deliveries(engine)
    return delivery.id


def test_a_claim_is_one_dispatchers_until_it_lapses(any_engine: Engine, vault: Vault) -> None:
    delivery_id = _one_pending(any_engine, vault)
    now = utcnow() + dt.timedelta(seconds=1)
    with Session(any_engine) as a, Session(any_engine) as b:
        got_a = webhooks.claim_due(session=a, worker="a", now=now, claim_seconds=60)
        got_b = webhooks.claim_due(session=b, worker="b", now=now, claim_seconds=60)
        assert [d.id for d in got_a] == [delivery_id]
        assert got_b == []
        # a crashed dispatcher's claim lapses: another takes it after claim_seconds
        later = now + dt.timedelta(seconds=61)
        assert [d.id for d in webhooks.claim_due(session=b, worker="b", now=later,
                                                 claim_seconds=60)] == [delivery_id]
        # and the first one's late outcome is not recorded over the new holder's claim
        assert webhooks.record_attempt(
            session=a, delivery_id=delivery_id, worker="a", now=later, http_status=200,
            error=None, retry_window=WINDOW, max_attempts=5, base_backoff_seconds=10) is None


def _fail(engine: Engine, delivery_id: str, now: dt.datetime, *, max_attempts: int = 100,
          rand: float = 0.5) -> WebhookDelivery:
    with Session(engine, expire_on_commit=False) as session:
        assert [d.id for d in webhooks.claim_due(session=session, worker="w", now=now,
                                                 claim_seconds=60)] == [delivery_id]
        webhooks.record_attempt(session=session, delivery_id=delivery_id, worker="w",
                                now=now, http_status=500, error=None, retry_window=WINDOW,
                                max_attempts=max_attempts, base_backoff_seconds=10,
                                rand=lambda: rand)
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        return delivery


def _aware(value: dt.datetime | None) -> dt.datetime:
    assert value is not None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_failures_back_off_exponentially_then_give_up_after_the_window(
        any_engine: Engine, vault: Vault) -> None:
    delivery_id = _one_pending(any_engine, vault)
    now = utcnow() + dt.timedelta(seconds=1)
    delays = []
    while True:
        delivery = _fail(any_engine, delivery_id, now)
        if delivery.status != "pending":
            break
        delays.append((_aware(delivery.next_attempt_at) - now).total_seconds())
        now = _aware(delivery.next_attempt_at)
    # then: 7.5 s, 15 s, 30 s, ... (half fixed, half jitter at 0.5), capped at 45 min
    assert delays[:4] == [7.5, 15.0, 30.0, 60.0]
    assert max(delays) == 2700.0
    assert delivery.status == "failed"
    assert delivery.last_status == 500 and delivery.last_error == "HTTP 500"
    assert delivery.gave_up_at is not None
    total = sum(delays)
    assert 23 * 3600 < total <= 24 * 3600
    # and a failed delivery is not claimed again
    with Session(any_engine) as session:
        assert webhooks.claim_due(session=session, worker="w", now=now + WINDOW,
                                  claim_seconds=60) == []


def test_the_attempt_limit_gives_up_too_and_redeliver_starts_over(
        any_engine: Engine, vault: Vault) -> None:
    delivery_id = _one_pending(any_engine, vault)
    now = utcnow() + dt.timedelta(seconds=1)
    first = _fail(any_engine, delivery_id, now, max_attempts=2)
    second = _fail(any_engine, delivery_id, _aware(first.next_attempt_at), max_attempts=2)
    assert (first.status, second.status, second.attempts) == ("pending", "failed", 2)
    with session_scope(any_engine) as session:
        delivery = webhooks.get_delivery(session=session, delivery_id=delivery_id)
        assert delivery is not None
        webhooks.redeliver(session=session, delivery=delivery, now=now)
    again = _fail(any_engine, delivery_id, now, max_attempts=2)
    assert (again.status, again.attempts) == ("pending", 1)


# -- what job ends emit ---------------------------------------------------------------------


def _job(session: Session, kind: str = "eligibility", member_id: str = "MER100200") -> Job:
    request: Any
    if kind == "eligibility":
        request = EligibilityRequest(carrier="meridian", member_id=member_id,
                                     date_of_birth=dt.date(1980, 4, 2), last_name="Rivera")
    else:
        from portals.claims import ClaimSearchRequest
        request = ClaimSearchRequest(carrier="meridian", member_id=member_id,
                                     date_of_birth=dt.date(1980, 4, 2), last_name="Rivera",
                                     service_from=dt.date(2026, 1, 1),
                                     service_to=dt.date(2026, 6, 30))
    return repo.create_job(session=session, request=request, kind=kind)


def _finish(engine: Engine, kind: str, result: Any, status: JobStatus = JobStatus.SUCCEEDED
            ) -> str:
    with session_scope(engine) as session:
        job = _job(session, kind)
        if result is not None:
            run = repo.start_run(session=session, job=job, worker="t")
            repo.save_result(session=session, job=job, run=run, result=result)
        repo.release_job(session=session, job=job, status=status,
                         message=None if result is not None else "portal unavailable")
        return job.id


def _events(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    return [(d.event, d.payload["data"]) for d in _deliveries(engine)]


def test_job_ends_emit_succeeded_failed_and_coverage_changed_only_on_a_change(
        any_engine: Engine, vault: Vault) -> None:
    from tests.portals.test_changes import benefits, result

    _subscribe(any_engine, vault, list(webhooks.EVENTS))
    first = _finish(any_engine, "eligibility", result())
    same = _finish(any_engine, "eligibility", result(benefits=list(reversed(benefits()))))
    changed = _finish(any_engine, "eligibility", result(benefits=benefits(copay="40.00")))
    failed = _finish(any_engine, "eligibility", None, JobStatus.FAILED)
    events = _events(any_engine)
    assert [(e, d["job_id"]) for e, d in events] == [
        ("job.succeeded", first), ("job.succeeded", same), ("job.succeeded", changed),
        ("coverage.changed", changed), ("job.failed", failed)]
    succeeded = events[0][1]
    assert succeeded["result"]["plan"]["name"] == "Sandbox Gold PPO"
    assert (succeeded["kind"], succeeded["carrier"], succeeded["member_id"]) == \
        ("eligibility", "meridian", "MER100200")
    coverage = events[3][1]
    assert coverage["previous_job_id"] == same
    assert [c["code"] for c in coverage["changes"]] == ["copay_changed"]
    assert events[4][1]["message"] == "portal unavailable"


def _claims(category: str, code: str | None = "1") -> ClaimResult:
    claim = {
        "claim_number": "CLM-1001", "patient": {"member_id": "MER100200", "first_name": "Ana",
                                                "last_name": "Rivera",
                                                "date_of_birth": "1980-04-02"},
        "service_from": "2026-03-01", "service_to": "2026-03-01",
        "billing_provider": {"npi": "1234567893"}, "place_of_service": "11",
        "status": {"category": category, "code": code, "portal_text": category,
                   "date": "2026-03-20"},
        "billed": "100.00",
        "lines": [{"line_number": 1, "procedure_code": "99213", "units": "1",
                   "service_date": "2026-03-01", "billed": "100.00"}],
    }
    return ClaimResult.model_validate({"carrier": "meridian", "claims": [claim]})


def test_a_claim_is_announced_finalized_once(any_engine: Engine, vault: Vault) -> None:
    _subscribe(any_engine, vault, ["claim.finalized"])
    _finish(any_engine, "claim_status", _claims("P1"))
    assert _events(any_engine) == []
    finalized = _claims("F4")
    final_job = _finish(any_engine, "claim_status", finalized)
    _finish(any_engine, "claim_status", finalized)  # read again: already announced
    events = _events(any_engine)
    assert [(e, d["job_id"], d["claim"]["claim_number"]) for e, d in events] == [
        ("claim.finalized", final_job, "CLM-1001")]


def test_several_modules_listen_to_one_kind(any_engine: Engine) -> None:
    seen: list[str] = []

    @hooks.on_job_finished("claim_status")
    def first(session: Session, job: Job) -> None:
        seen.append("first")

    @hooks.on_job_finished("claim_status")
    def second(session: Session, job: Job) -> None:
        seen.append("second")

    try:
        _finish(any_engine, "claim_status", None, JobStatus.FAILED)
        assert seen == ["first", "second"]
    finally:
        hooks._FINISHED["claim_status"].remove(first)
        hooks._FINISHED["claim_status"].remove(second)
