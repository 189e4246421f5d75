"""Revision 0006 (appointments, schedules, their slot ledger, batches, jobs.batch_id) on a
database the previous release (revision 0005) made, with rows in it: the rows stay, a job
is in no batch, and the new tables work through the product's own code (an import, a
schedule's slot)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import redis
from sqlalchemy import text
from sqlmodel import Session, select

from portals.settings import Settings
from storage import migrations
from storage.appointments import import_appointments
from storage.db import create_schema, make_engine
from storage.models import Job
from storage.schedules import create_schedule
from tests.conftest import REDIS_URL
from tests.storage.test_migration_0003 import JOB
from tests.storage.test_migrations import rows
from workflows.scheduler import Scheduler

JOB_0005 = {**JOB, "kind": "eligibility", "committed_at": None,
            "request": '{"carrier": "meridian", "member_id": "MER1", '
                       '"date_of_birth": "1990-01-02", "last_name": "Example"}'}
CSV = (b"Patient Name,DOB,Carrier,Member ID,Visit Date,Visit Time,Provider\n"
       b'"Example, Ann",1990-01-02,meridian,MER1,2026-12-02,09:00,Dr. Zed Example\n')


def _insert(conn: Any, table: str, row: dict[str, Any]) -> None:
    conn.execute(text(f"INSERT INTO {table} (" + ", ".join(row) + ") VALUES ("
                      + ", ".join(f":{k}" for k in row) + ")"), row)


def test_a_database_of_the_previous_release_upgrades_and_schedules_work(
        any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        # given: the previous release's database (revision 0005) with a job in it
        migrations.upgrade(engine, "0005")
        with engine.begin() as conn:
            _insert(conn, "jobs", JOB_0005)
        # when: this release starts on it
        create_schema(engine)
        # then: the job is there, in no batch
        assert migrations.current(engine) == migrations.head()
        with engine.connect() as conn:
            (job,) = rows(conn, "jobs")
        assert (job["id"], job["status"], job["batch_id"]) == (JOB["id"], "succeeded", None)
        # and: visits import, and a schedule's slot makes its batch, through the product
        with Session(engine) as session:
            report = import_appointments(session=session, filename="v.csv", data=CSV,
                                         actor="t", known_carriers={"meridian"},
                                         today=dt.date(2026, 11, 27))
            schedule = create_schedule(session=session, name="nightly",
                                       kind="eligibility_upcoming", cron="0 2 * * *",
                                       timezone="America/Chicago", params={"days_ahead": 1})
            session.commit()
            assert report.added == 1
            session.refresh(schedule)
            session.expunge(schedule)
        slot = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)  # 02:00 in Chicago
        run = Scheduler(engine, client, Settings(), clock=lambda: slot,
                        send=lambda job, delay: None,
                        lock_key="test:migration-0006").run_slot(schedule, slot)
        assert run is not None and len(run.jobs) == 1
        with Session(engine) as session:
            batch_jobs = session.exec(select(Job).where(Job.batch_id == run.batch_id)).all()
        assert [j.member_id for j in batch_jobs] == ["MER1"]
    finally:
        client.close()
        engine.dispose()
