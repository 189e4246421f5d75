"""The morning worklist after two nights, end to end: visits imported from a CSV file, the
scheduler's nightly slot verifying them through the real runner and Chromium against the
Meridian sandbox, the sandbox's data moving to its second night, the next slot verifying
again; the worklist (in real Chromium) shows exactly the seeded changes (a coverage ended,
a deductible met, a service newly needing authorization) and nothing else."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import redis
from playwright.sync_api import Page, expect
from pydantic import SecretStr
from sqlmodel import Session, select

from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.meridian.nights import NEW_AUTH, changed_members
from portals.settings import Settings
from storage import repo
from storage.appointments import import_appointments
from storage.db import session_scope
from storage.models import Job, JobStatus
from storage.schedules import create_schedule
from tests.api.live_ui import LiveServer, login
from workflows.broker import setup_broker
from workflows.runner import JobRunner
from workflows.scheduler import Scheduler

CHICAGO = "America/Chicago"


def _visits_csv(members: list[Any], day: dt.date) -> bytes:
    lines = ["Patient Name,DOB,Carrier,Member ID,Visit Date,Visit Time,Provider,"
             "Procedure Codes"]
    for n, member in enumerate(members):
        lines.append(f'"{member.last_name}, {member.first_name}",'
                     f"{member.date_of_birth.isoformat()},meridian,{member.member_id},"
                     f"{day.isoformat()},{9 + n}:00,Dr. Zed Example,99213 {NEW_AUTH.code}")
    return ("\n".join(lines) + "\n").encode()


def _night(engine: Any, settings: Settings, runner: JobRunner, slot: dt.datetime,
           lock: str) -> list[str]:
    """One nightly slot at ``slot``, its jobs run by the runner; their ids."""
    scheduler = Scheduler(engine, redis.Redis.from_url(settings.redis_url or ""), settings,
                          clock=lambda: slot, send=lambda job, delay: None, lock_key=lock)
    tick = scheduler.tick()
    scheduler.release()
    assert len(tick.ran) == 1
    ids = [job for job, _start in tick.ran[0].jobs]
    for job_id in ids:
        assert runner.run_job(job_id) == JobStatus.SUCCEEDED, job_id
    return ids


def test_the_worklist_shows_exactly_the_seeded_changes_between_two_nights(
        live: LiveServer, page: Page, meridian: Any, api_settings: Settings) -> None:
    engine = live.engine
    data = carrier_data("meridian")
    changes = changed_members(data)
    changed = [data.member(mid) for mid in changes]
    steady = [m for m in data.members if m.relationship == "self" and m.member_id not in
              changes and m.coverage.status == "active"][:2]
    patients = [m for m in (*changed, *steady) if m is not None]
    # given: the day's visits (two days ago, so both nightly slots are in the past)
    today = dt.datetime.now(ZoneInfo(CHICAGO)).date()
    day = today - dt.timedelta(days=2)
    settings = api_settings.model_copy(update={"carrier_urls": {"meridian": meridian.url},
                                               "retry_backoff_seconds": 0.0})
    setup_broker(settings)
    runner = JobRunner(settings, engine=engine, worker_id="test-worker")
    try:
        with session_scope(engine) as session:
            repo.create_account(session=session, vault=runner.vault, carrier="meridian",
                                label="front desk", username=meridian.username,
                                password=SecretStr(meridian.password),
                                totp_secret=SecretStr(meridian.totp_secret))
            report = import_appointments(session=session, filename="visits.csv",
                                         data=_visits_csv(patients, day), actor="maria",
                                         known_carriers={"meridian"}, today=today)
            assert (report.added, report.rejected) == (5, 0)
            schedule = create_schedule(session=session, name="Nightly", kind=
                                       "eligibility_upcoming", cron="0 2 * * *",
                                       timezone=CHICAGO, params={"days_ahead": 2},
                                       grace_seconds=7 * 86400)
            schedule.updated_at = dt.datetime.combine(day - dt.timedelta(days=2),
                                                      dt.time(12), ZoneInfo(CHICAGO))
        lock = f"test:scheduler:{day.isoformat()}:{meridian.username}"
        # when: night one verifies, the portal's data moves on a night, night two verifies
        first = _night(engine, settings, runner, dt.datetime.combine(
            day - dt.timedelta(days=1), dt.time(2, 0, 5), ZoneInfo(CHICAGO)), lock)
        meridian.control.set_knobs(night=2)
        second = _night(engine, settings, runner, dt.datetime.combine(
            day, dt.time(2, 0, 5), ZoneInfo(CHICAGO)), lock)
    finally:
        runner.close_browser()
    assert len(first) == len(second) == 5
    with Session(engine) as session:
        assert len(session.exec(select(Job)).all()) == 10  # each visit verified once a night
    # then: the worklist, in Chromium, shows each seeded change and nothing else
    login(page, live, f"/worklist?date={day.isoformat()}")
    expect(page.get_by_test_id("worklist-row")).to_have_count(5)
    seen: dict[str, list[str]] = {}
    for member in patients:
        row = page.locator(f'[data-testid="worklist-row"][data-member-id="{member.member_id}"]')
        codes = row.get_by_test_id("change").evaluate_all(
            "els => els.map(e => e.dataset.code)")
        seen[member.member_id] = codes
    assert seen == {**{m.member_id: [changes[m.member_id]] for m in changed if m},
                    **{m.member_id: [] for m in steady}}
    ended = next(mid for mid, what in changes.items() if what == "coverage_ended")
    auth = next(mid for mid, what in changes.items() if what == "auth_newly_required")
    row = page.locator(f'[data-testid="worklist-row"][data-member-id="{ended}"]')
    expect(row.get_by_test_id("row-status")).to_have_text("terminated")
    row = page.locator(f'[data-testid="worklist-row"][data-member-id="{auth}"]')
    expect(row.locator(f'[data-testid="code"][data-code="{NEW_AUTH.code}"]')
           ).to_contain_text("authorization needed, none on file")
    # and: the same in the CSV export, downloaded with the page's login
    exported = page.request.get(f"{live.url}/worklist.csv?date={day.isoformat()}")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text())))
    assert {r["member_id"]: bool(r["changes"]) for r in rows} == {
        m.member_id: m.member_id in changes for m in patients}
    assert {r["member_id"]: r["status"] for r in rows}[ended] == "terminated"
