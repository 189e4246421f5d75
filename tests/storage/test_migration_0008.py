"""Revision 0008 (document libraries) on a database at 0007 with jobs of the other kinds:
they keep every value, the patient columns become nullable (a library job has none), the
new tables work through the models, and a downgrade gives 0007's schema back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlmodel import Session

from portals.library import LibraryRequest
from storage import migrations, repo
from storage.db import create_schema, make_engine
from storage.models import Job
from tests.storage.test_migrations import model_differences, rows, schema


def _job(job_id: str, kind: str, member_id: str) -> dict[str, object]:
    return {"id": job_id, "kind": kind, "carrier": "meridian", "member_id": member_id,
            "date_of_birth": dt.date(1990, 1, 2), "last_name": "Example",
            "first_name": None, "request": '{"carrier": "meridian"}', "account_id": None,
            "status": "succeeded", "idempotency_key": f"k-{job_id[:4]}",
            "request_fingerprint": "f" * 64, "attempts": 1, "lease_owner": None,
            "lease_expires_at": None, "next_attempt_at": None, "message": None,
            "origin": "api", "batch_id": None, "committed_at": None,
            "created_at": dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
            "updated_at": dt.datetime(2026, 11, 1, 9, 1, tzinfo=dt.UTC),
            "finished_at": dt.datetime(2026, 11, 1, 9, 1, tzinfo=dt.UTC)}


JOBS = [_job("a" * 32, "eligibility", "MER1"), _job("b" * 32, "claim_status", "MER2"),
        _job("c" * 32, "prior_auth_submit", "MER3")]


def test_a_database_at_0007_upgrades_and_downgrades(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        # given: a database at 0007 with jobs of the other kinds
        migrations.upgrade(engine, "0007")
        with engine.begin() as conn:
            for job in JOBS:
                conn.execute(text("INSERT INTO jobs (" + ", ".join(job) + ") VALUES ("
                                  + ", ".join(f":{k}" for k in job) + ")"), job)
            at = {"j": "a" * 32, "r": "d" * 32, "at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)}
            conn.execute(text("INSERT INTO runs (id, job_id, carrier, attempt, status, "
                              "worker, started_at) VALUES (:r, :j, 'meridian', 1, "
                              "'succeeded', 'w', :at)"), at)
            conn.execute(text("INSERT INTO job_results (job_id, kind, run_id, carrier, "
                              "member_id, data, created_at) VALUES (:j, 'eligibility', "
                              ":r, 'meridian', 'MER1', '{}', :at)"), at)
            before = schema(conn)
            jobs_before = rows(conn, "jobs")
        # when: the new release starts on it
        create_schema(engine)
        # then: it is at head, like a fresh database, and every job kept every value
        assert migrations.current(engine) == migrations.head()
        with engine.connect() as conn:
            assert model_differences(conn) == []
            assert rows(conn, "jobs") == jobs_before
            assert len(rows(conn, "job_results")) == 1
        # and a library job (no patient) is stored beside them
        with Session(engine) as session:
            library_job = repo.create_job(session=session, kind="library",
                                          request=LibraryRequest(carrier="meridian"))
            session.commit()
            loaded = session.get(Job, "a" * 32)
            assert loaded is not None and loaded.member_id == "MER1"
            assert session.get(Job, library_job.id) is not None
        # and a downgrade removes the library job and gives 0007's schema back
        migrations.downgrade(engine, "0007")
        with engine.connect() as conn:
            assert schema(conn) == before
            assert [r["id"] for r in rows(conn, "jobs")] == [j["id"] for j in JOBS]
    finally:
        engine.dispose()
