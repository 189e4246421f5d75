"""Revision 0007 (webhooks) on a database at revision 0006 with rows in it: the rows stay,
the new tables match the models and work through them (a subscription's deliveries go
with it), and a downgrade gives 0006's schema back with the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from storage import migrations
from storage.db import create_schema, make_engine
from storage.webhook_models import WebhookDelivery, WebhookSubscription
from tests.storage.test_migration_0003 import JOB
from tests.storage.test_migrations import model_differences, rows, schema

JOB_0006 = {**JOB, "committed_at": None, "batch_id": None}
SCHEDULE = {"id": 3, "name": "nightly", "kind": "eligibility", "cron": "0 2 * * *",
            "timezone": "America/Chicago", "params": '{"days": 2}', "enabled": True,
            "grace_seconds": 3600, "created_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            "updated_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC), "updated_by": "admin"}
NEW_TABLES = {"webhook_subscriptions", "webhook_deliveries"}


def _insert(conn: Any, table: str, row: dict[str, Any]) -> None:
    conn.execute(text(f"INSERT INTO {table} (" + ", ".join(row) + ") VALUES ("
                      + ", ".join(f":{k}" for k in row) + ")"), row)


def _ours(differences: list[Any]) -> list[Any]:
    """Differences that concern the webhook tables (other revisions have their own tests)."""
    return [d for d in differences if any(name in repr(d) for name in NEW_TABLES)]


def test_a_database_at_0006_upgrades_and_downgrades(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        # given: a database at revision 0006 with a job and a schedule
        migrations.upgrade(engine, "0006")
        with engine.begin() as conn:
            _insert(conn, "jobs", JOB_0006)
            _insert(conn, "schedules", SCHEDULE)
            before = schema(conn)
        # when: the new release starts on it
        create_schema(engine)
        # then: it is at head, the new tables are the models' and the rows are intact
        assert migrations.current(engine) == migrations.head()
        with engine.connect() as conn:
            assert _ours(model_differences(conn)) == []
            assert set(schema(conn)) >= NEW_TABLES
            (job,) = rows(conn, "jobs")
            (schedule,) = rows(conn, "schedules")
        assert (job["id"], job["status"], job["idempotency_key"]) == \
            (JOB["id"], "succeeded", "k-1")
        assert (schedule["name"], schedule["cron"]) == ("nightly", "0 2 * * *")
        # and a subscription with a delivery works through the models
        with Session(engine) as session:
            sub = WebhookSubscription(url="https://receiver.example/hook",
                                      events=["job.succeeded"], secret_enc="token",
                                      created_by="admin")
            session.add(sub)
            session.flush()
            assert sub.id is not None
            session.add(WebhookDelivery(subscription_id=sub.id, event="job.succeeded",
                                        event_id="e" * 32, payload={"job_id": JOB["id"]}))
            session.commit()
            (delivery,) = session.exec(select(WebhookDelivery)).all()
            assert (delivery.status, delivery.attempts, delivery.payload) == \
                ("pending", 0, {"job_id": JOB["id"]})
            # deleting the subscription deletes its deliveries (the database's cascade)
            session.delete(session.get(WebhookSubscription, sub.id))
            session.commit()
            session.expunge_all()
            assert session.exec(select(WebhookDelivery)).all() == []
        # and a downgrade gives 0006's schema back with its rows
        migrations.downgrade(engine, "0006")
        with engine.connect() as conn:
            assert schema(conn) == before
            assert [r["id"] for r in rows(conn, "jobs")] == [JOB["id"]]
            assert [r["id"] for r in rows(conn, "schedules")] == [3]
    finally:
        engine.dispose()
