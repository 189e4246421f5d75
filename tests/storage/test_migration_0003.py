"""Revision 0003 (prior authorization) on a database the previous release (revision 0002,
the job core) made: its jobs, runs and results stay as they were, jobs gain an empty
``committed_at``, the new tables work through the models, and a downgrade gives 0002's
schema back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlmodel import Session

from storage import migrations
from storage.db import create_schema, make_engine
from storage.models import Job, PriorAuth, PriorAuthEvent
from tests.storage.test_migrations import model_differences, rows, schema

JOB = {"id": "a" * 32, "kind": "claim_status", "carrier": "meridian", "member_id": "MER1",
       "date_of_birth": dt.date(1990, 1, 2), "last_name": "Example", "first_name": None,
       "request": '{"carrier": "meridian", "member_id": "MER1"}', "account_id": None,
       "status": "succeeded", "idempotency_key": "k-1", "request_fingerprint": "f" * 64,
       "attempts": 1, "lease_owner": None, "lease_expires_at": None,
       "next_attempt_at": None, "message": None, "origin": "api",
       "created_at": dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
       "updated_at": dt.datetime(2026, 11, 1, 9, 1, tzinfo=dt.UTC),
       "finished_at": dt.datetime(2026, 11, 1, 9, 1, tzinfo=dt.UTC)}


def test_the_previous_release_database_upgrades_and_downgrades(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        # given: a database at the previous release's revision with one of its jobs
        migrations.upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO jobs (" + ", ".join(JOB) + ") VALUES ("
                + ", ".join(f":{k}" for k in JOB) + ")"), JOB)
            before = schema(conn)
        # when: the new release starts on it
        create_schema(engine)
        # then: it is at head, like a fresh database, and the job kept every value
        assert migrations.current(engine) == migrations.head()
        with engine.connect() as conn:
            assert model_differences(conn) == []
            (job,) = rows(conn, "jobs")
        assert job["committed_at"] is None
        assert (job["kind"], job["status"], job["idempotency_key"]) == \
            ("claim_status", "succeeded", "k-1")
        # and the new tables take a request and its timeline through the models
        with Session(engine) as session:
            pa = PriorAuth(tracking_ref="PA-ABCDEFGHJK", carrier="meridian",
                           member_id="MER1", date_of_birth=dt.date(1990, 1, 2),
                           last_name="Example", first_name="Ann", urgency="standard",
                           request={}, request_fingerprint="f" * 64, created_by="t")
            session.add(pa)
            session.flush()
            session.add(PriorAuthEvent(prior_auth_id=pa.id, event="created"))
            loaded = session.get(Job, JOB["id"])
            assert loaded is not None and loaded.committed_at is None
            session.commit()
        # and a downgrade to the previous release gives its schema back
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM prior_auth_events"))
            conn.execute(text("DELETE FROM prior_auths"))
        migrations.downgrade(engine, "0002")
        with engine.connect() as conn:
            assert schema(conn) == before
            assert [r["id"] for r in rows(conn, "jobs")] == [JOB["id"]]
    finally:
        engine.dispose()
