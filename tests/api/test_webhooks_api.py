"""/v1/webhooks and the /admin/webhooks pages on SQLite and PostgreSQL: subscriptions made,
read, changed and deleted (the secret shown once, every change audited without it),
fields checked by name, and a receiver that never recovers leaving a failed delivery
visible through the API and on the page, redelivered from both."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portals.prior_auth import CertificationAction
from portals.settings import Settings
from storage import webhooks
from storage.db import session_scope
from storage.models import AuditEvent, utcnow
from tests.api.prior_auth_builders import decision, finish_job, make_pa
from tests.api.web_login import page_csrf
from tests.workflows.webhook_receiver import LOOPBACK, Receiver
from workflows.webhook_dispatch import WebhookDispatcher

BOTH_DATABASES = True
SECRET = "receiver-shared-secret-0123456789"


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    """The test receiver listens on this machine: its address is allowed here."""
    return api_settings.model_copy(update={"webhook_allowed_networks": [LOOPBACK]})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET).start()
    yield receiver
    receiver.stop()


def _audit(db: Engine, prefix: str = "webhook.") -> list[AuditEvent]:
    with Session(db) as session:
        return list(session.exec(select(AuditEvent).where(
            col(AuditEvent.action).startswith(prefix)).order_by(col(AuditEvent.id))))


def _create(client: TestClient, auth: dict[str, str], **body: Any) -> Any:
    return client.post("/v1/webhooks", headers=auth,
                       json={"url": "https://receiver.example/hook",
                             "events": ["job.succeeded"], **body})


def test_a_subscription_is_made_read_changed_and_deleted(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    made = _create(client, auth, secret=SECRET, description="billing system")
    assert made.status_code == 201, made.text
    sub = made.json()
    assert sub["secret"] == SECRET
    assert (sub["events"], sub["enabled"], sub["created_by"]) == \
        (["job.succeeded"], True, "admin-token")
    generated = _create(client, auth).json()["secret"]
    assert generated.startswith("whsec_") and generated != SECRET
    # the secret is never shown again
    listed = client.get("/v1/webhooks", headers=auth)
    read = client.get(f"/v1/webhooks/{sub['id']}", headers=auth)
    assert listed.status_code == read.status_code == 200
    assert SECRET not in listed.text + read.text and generated not in listed.text
    assert "secret" not in read.json()
    # changed: disabled, other events, another URL
    changed = client.patch(f"/v1/webhooks/{sub['id']}", headers=auth, json={
        "enabled": False, "events": ["coverage.changed", "claim.finalized"],
        "url": "http://receiver.example/v2"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["enabled"], changed.json()["events"], changed.json()["url"]) == \
        (False, ["coverage.changed", "claim.finalized"], "http://receiver.example/v2")
    # deleted
    assert client.delete(f"/v1/webhooks/{sub['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/webhooks/{sub['id']}", headers=auth).status_code == 404
    assert client.delete(f"/v1/webhooks/{sub['id']}", headers=auth).status_code == 404
    # every change is audited, never with the secret
    events = _audit(db)
    assert [(e.action, e.actor) for e in events] == [
        ("webhook.create", "admin-token"), ("webhook.create", "admin-token"),
        ("webhook.update", "admin-token"), ("webhook.delete", "admin-token")]
    assert events[2].detail is not None and '"enabled": [true, false]' in events[2].detail
    assert all(SECRET not in (e.detail or "") and generated not in (e.detail or "")
               for e in events)


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"url": "ftp://receiver.example/hook"}, "url", "http:// or https://"),
    ({"url": "receiver.example/hook"}, "url", "http:// or https://"),
    ({"events": ["job.succeeded", "job.exploded"]}, "events", "unknown event"),
    ({"events": []}, "events", "at least one event"),
    ({"secret": "short"}, "secret", "16 to 200"),
    ({"colour": "red"}, "colour", "Extra inputs"),
    # receivers inside the network: not unless an administrator allowed the network
    # (this module allows 127.0.0.1 only, for its test receiver)
    ({"url": "http://169.254.169.254/latest/meta-data/"}, "url", "link-local"),
    ({"url": "https://10.0.0.8/hook"}, "url", "PORTALS_WEBHOOK_ALLOWED_NETWORKS"),
    ({"url": "http://[::1]:8000/hook"}, "url", "this machine"),
    ({"url": "http://[::ffff:192.168.0.2]/hook"}, "url", "private network"),
])
def test_bad_fields_are_refused_by_name(client: TestClient, auth: dict[str, str],
                                        db: Engine, body: dict[str, Any], field: str,
                                        words: str) -> None:
    answer = _create(client, auth, **body)
    assert answer.status_code == 422
    (problem,) = answer.json()["detail"]
    assert problem["field"] == field and words in problem["msg"]
    assert client.get("/v1/webhooks", headers=auth).json() == []
    assert _audit(db) == []


def test_a_receiver_url_cannot_be_changed_to_a_refused_address(
        client: TestClient, auth: dict[str, str]) -> None:
    made = _create(client, auth).json()
    answer = client.patch(f"/v1/webhooks/{made['id']}", headers=auth,
                          json={"url": "http://[::1]:6379/"})
    assert answer.status_code == 422
    (problem,) = answer.json()["detail"]
    assert problem["field"] == "url" and "this machine" in problem["msg"]
    assert client.get(f"/v1/webhooks/{made['id']}", headers=auth).json()["url"] == made["url"]


def test_an_update_with_a_bad_field_changes_nothing(client: TestClient,
                                                    auth: dict[str, str]) -> None:
    sub = _create(client, auth).json()
    answer = client.patch(f"/v1/webhooks/{sub['id']}", headers=auth,
                          json={"enabled": False, "events": ["nope"]})
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "events"
    assert client.get(f"/v1/webhooks/{sub['id']}", headers=auth).json()["enabled"] is True


def _dispatch_until_given_up(db: Engine, settings: Settings, receiver: Receiver) -> None:
    clock = {"now": utcnow() + dt.timedelta(seconds=1)}

    def now() -> dt.datetime:
        receiver.now = clock["now"].timestamp()
        return clock["now"]

    dispatcher = WebhookDispatcher(db, settings.model_copy(update={
        "webhook_retry_hours": 0.05, "webhook_backoff_seconds": 10.0}),
        worker_id="api-test", clock=now, rand=lambda: 0.5)
    for _ in range(20):
        if not dispatcher.run_once():
            break
        clock["now"] += dt.timedelta(minutes=5)
    dispatcher.close()


def _send_once(db: Engine, settings: Settings, receiver: Receiver) -> dict[str, Any]:
    receiver.now = None
    dispatcher = WebhookDispatcher(db, settings, worker_id="api-test-2")
    try:
        return dispatcher.run_once()
    finally:
        dispatcher.close()


def test_a_receiver_that_never_recovers_shows_a_failed_delivery_that_can_be_redelivered(
        client: TestClient, auth: dict[str, str], db: Engine, api_settings: Settings,
        receiver: Receiver, ui: TestClient) -> None:
    sub = _create(client, auth, url=receiver.url, secret=SECRET,
                  events=["job.succeeded", "library.document_new"]).json()
    with session_scope(db) as session:
        webhooks.emit_event(session, "library.document_new",
                            {"carrier": "meridian", "title": "Formulary 2027"})
    receiver.mode = "error"
    _dispatch_until_given_up(db, api_settings, receiver)
    # then: the API shows it failed, with what went wrong, and no payload
    answer = client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=auth)
    assert answer.status_code == 200
    (delivery,) = answer.json()
    assert (delivery["status"], delivery["last_status"], delivery["last_error"]) == \
        ("failed", 500, "HTTP 500")
    assert delivery["attempts"] == len(receiver.received) >= 2
    assert delivery["gave_up_at"] is not None and "payload" not in delivery
    assert "Formulary" not in answer.text
    failed_only = client.get(f"/v1/webhooks/{sub['id']}/deliveries?status=failed",
                             headers=auth).json()
    assert [d["id"] for d in failed_only] == [delivery["id"]]
    # and the page shows it, with a redeliver button
    page = ui.get(f"/admin/webhooks/{sub['id']}")
    assert page.status_code == 200
    row = re.search(rf'data-testid="delivery-{delivery["id"]}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert '<td data-testid="delivery-status">failed</td>' in row.group(1)
    assert "HTTP 500" in row.group(1) and 'data-testid="redeliver"' in row.group(1)
    listing = ui.get("/admin/webhooks")
    assert re.search(r'data-testid="webhook-failed">1<', listing.text)

    # when: the receiver is fixed and the page's redeliver button is pressed
    receiver.mode = "ok"
    pressed = ui.post(f"/admin/webhooks/{sub['id']}/deliveries/{delivery['id']}/redeliver",
                      data={"csrf": page_csrf(page.text)}, follow_redirects=False)
    assert pressed.status_code == 303
    assert client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=auth
                      ).json()[0]["status"] == "pending"
    assert _send_once(db, api_settings, receiver) == {delivery["id"]: "delivered"}
    (got,) = receiver.accepted()
    assert got["json"]["data"] == {"carrier": "meridian", "title": "Formulary 2027"}

    # and the API's redeliver sends a delivered one again, same event id
    again = client.post(f"/v1/webhooks/{sub['id']}/deliveries/{delivery['id']}/redeliver",
                        headers=auth)
    assert again.status_code == 200 and again.json()["status"] == "pending"
    assert _send_once(db, api_settings, receiver) == {delivery["id"]: "delivered"}
    first, second = receiver.accepted()
    assert first["json"]["id"] == second["json"]["id"]
    assert [e.action for e in _audit(db)] == ["webhook.create", "webhook.redeliver",
                                              "webhook.redeliver"]
    assert client.post(f"/v1/webhooks/{sub['id']}/deliveries/{'0' * 32}/redeliver",
                       headers=auth).status_code == 404


def test_the_pages_add_a_webhook_showing_its_secret_once(ui: TestClient, db: Engine) -> None:
    page = ui.get("/admin/webhooks")
    assert page.status_code == 200 and 'data-testid="nav-webhooks"' in page.text
    csrf = page_csrf(page.text)
    bad = ui.post("/admin/webhooks", data={"csrf": csrf, "url": "gopher://x",
                                           "event": ["job.failed"]})
    assert bad.status_code == 422 and 'data-testid="error-url"' in bad.text
    made = ui.post("/admin/webhooks", data={"csrf": csrf, "url": "https://r.example/h",
                                            "event": ["job.failed", "coverage.changed"]})
    assert made.status_code == 201
    secret = re.search(r'data-testid="secret-value">([^<]+)<', made.text)
    assert secret is not None and secret.group(1).startswith("whsec_")
    (sub,) = webhooks.list_subscriptions(session=Session(db))
    shown = ui.get(f"/admin/webhooks/{sub.id}")
    assert secret.group(1) not in shown.text and 'data-testid="new-secret"' not in shown.text
    assert secret.group(1) not in str(ui.cookies)
    # disable it from its page
    saved = ui.post(f"/admin/webhooks/{sub.id}", data={
        "csrf": csrf, "url": "https://r.example/h", "event": ["job.failed"]},
        follow_redirects=False)
    assert saved.status_code == 303
    with Session(db) as session:
        found = webhooks.get_subscription(session=session, subscription_id=sub.id or 0)
        assert found is not None and (found.enabled, found.events) == (False, ["job.failed"])
    assert [e.action for e in _audit(db)] == ["webhook.create", "webhook.update"]
    assert all(secret.group(1) not in (e.detail or "") for e in _audit(db))
    gone = ui.post(f"/admin/webhooks/{sub.id}/delete", data={"csrf": csrf},
                   follow_redirects=False)
    assert gone.status_code == 303
    assert ui.get(f"/admin/webhooks/{sub.id}").status_code == 404


def test_a_prior_authorization_decision_is_an_event(
        client: TestClient, auth: dict[str, str], db: Engine, app: FastAPI) -> None:
    _create(client, auth, events=["prior_auth.decided", "job.succeeded"])
    pa_id, job_id = make_pa(db, app.state.store)
    finish_job(db, job_id, found=decision(CertificationAction.PENDED))
    finish_job_status = [d.event for d in _all_deliveries(db)]
    assert finish_job_status == ["job.succeeded"]  # pended: no decision yet
    with session_scope(db) as session:
        from storage import prior_auths

        pa = prior_auths.get(session=session, pa_id=pa_id)
        assert pa is not None
        status_job = prior_auths.queue_status_check(session=session, pa=pa)
    finish_job(db, status_job.id, found=decision(CertificationAction.CERTIFIED))
    events = _all_deliveries(db)
    assert sorted(d.event for d in events) == ["job.succeeded", "job.succeeded",
                                               "prior_auth.decided"]
    (decided,) = [d for d in events if d.event == "prior_auth.decided"]
    data = decided.payload["data"]
    assert (data["prior_auth_id"], data["decision_action"], data["authorization_number"]) \
        == (pa_id, "A1", "AUTH-55120")


def _all_deliveries(db: Engine) -> list[Any]:
    from storage.webhook_models import WebhookDelivery

    with Session(db) as session:
        return list(session.exec(select(WebhookDelivery).order_by(
            col(WebhookDelivery.created_at), col(WebhookDelivery.id))))
