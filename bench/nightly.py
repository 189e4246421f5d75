"""``portals bench nightly``: a night's batch end to end. Visits of sandbox members are
imported as a CSV file through the API, a nightly schedule is created through the API, the
scheduler runs its slot (now), the real queue and workers verify every visit, and the
figures say: time, lookups, failures, checks per visit, results exact against the sandbox,
logins per account, and the most lookups any account started in one minute against its
budget (and whether any started before its planned time)."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

Progress = Callable[[int, int], None]
"""(finished, total) as the batch goes."""


@dataclass
class NightlyFigures:
    carriers: list[str]
    visits: int
    lookups_per_minute: int
    seconds: float = 0.0
    jobs: int = 0
    succeeded: int = 0
    failed: int = 0
    runs: int = 0
    exact: int = 0
    wrong: list[str] = field(default_factory=list)
    checks_per_visit_max: int = 0
    logins: dict[str, int] = field(default_factory=dict)
    busiest_minute: dict[str, int] = field(default_factory=dict)
    """Per account: the most runs started in any 60 seconds."""
    early_starts: int = 0
    """Runs that started before their job's planned time (must be 0)."""
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (not self.problems and not self.wrong and self.failed == 0
                and self.succeeded == self.visits and self.checks_per_visit_max == 1
                and all(n <= self.lookups_per_minute for n in self.busiest_minute.values())
                and self.early_starts == 0 and all(n == 1 for n in self.logins.values()))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def _csv(carriers: list[str], per_carrier: int, day: dt.date) -> tuple[bytes, dict[str, str]]:
    """The visits file, and member ID → carrier for every visit."""
    from fixtures.sandbox import carriers as sandbox

    lines = ["Patient Name,DOB,Carrier,Member ID,Visit Date,Visit Time,Provider,Procedure Codes"]
    who: dict[str, str] = {}
    for carrier in carriers:
        members = sandbox.get(carrier).members()
        if len(members) < per_carrier:
            raise ValueError(f"{carrier}'s sandbox has {len(members)} members, fewer than "
                             f"{per_carrier} visits")
        for n, member in enumerate(members[:per_carrier]):
            lines.append(f'"{member["last_name"]}, {member["first_name"]}",'
                         f'{member["date_of_birth"]},{carrier},{member["member_id"]},'
                         f"{day.isoformat()},{8 + n % 9}:{(n * 5) % 60:02d},Dr. Zed Example,")
            who[member["member_id"]] = carrier
    return ("\n".join(lines) + "\n").encode(), who


def _busiest_minute(starts: list[dt.datetime]) -> int:
    starts = sorted(starts)
    best, first = 0, 0
    for last, moment in enumerate(starts):
        while moment - starts[first] >= dt.timedelta(seconds=60):
            first += 1
        best = max(best, last - first + 1)
    return best


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def run_nightly(carriers: list[str], *, visits_per_carrier: int, lookups_per_minute: int,
                redis_url: str, threads: int = 8, timeout: float = 1800,
                progress: Progress | None = None) -> NightlyFigures:
    import redis as redis_lib
    from sqlmodel import Session, select

    from bench.prior_auth import stack
    from fixtures.sandbox import carriers as sandbox
    from portals.model import EligibilityResult, diff_results
    from portals.settings import Settings
    from storage.models import Job, JobResult, JobStatus, Run, Schedule
    from workflows.schedule_kinds import SlotContext
    from workflows.scheduler import Scheduler

    figures = NightlyFigures(carriers=carriers, visits=visits_per_carrier * len(carriers),
                             lookups_per_minute=lookups_per_minute)
    tell = progress or (lambda _done, _total: None)
    with ExitStack() as outer:
        folder = Path(outer.enter_context(tempfile.TemporaryDirectory(prefix="night-")))
        running = outer.enter_context(stack(
            carriers, data_dir=folder, redis_url=redis_url, kill_at=None, threads=threads,
            extra_env={"PORTALS_LOOKUPS_PER_MINUTE": str(lookups_per_minute)}))
        api = outer.enter_context(httpx.Client(
            base_url=running.api_url, timeout=60,
            headers={"Authorization": f"Bearer {running.token}"}))
        zone = "America/Chicago"
        made = api.post("/v1/schedules", json={
            "name": f"Nightly {secrets.token_hex(3)}", "kind": "eligibility_upcoming",
            "cron": "0 2 * * *", "timezone": zone, "params": {"days_ahead": 1}})
        made.raise_for_status()
        with Session(running.engine) as session:
            schedule = session.get(Schedule, made.json()["id"])
            assert schedule is not None
            session.expunge(schedule)
        slot = dt.datetime.now(dt.UTC).replace(microsecond=0)
        day = SlotContext(schedule=schedule, slot_at=slot).morning
        data, who = _csv(carriers, visits_per_carrier, day)
        imported = api.post("/v1/appointments/imports",
                            files={"file": ("visits.csv", io.BytesIO(data), "text/csv")})
        imported.raise_for_status()
        if imported.json()["rejected"]:
            figures.problems.append(f"import refused rows: {imported.json()['errors'][:3]}")
        settings = Settings(lookups_per_minute=lookups_per_minute)
        scheduler = Scheduler(running.engine, redis_lib.Redis.from_url(redis_url), settings,
                              owner="bench", lock_key=f"bench:scheduler:{secrets.token_hex(4)}")
        started = time.monotonic()
        from workflows.broker import setup_broker

        setup_broker(Settings(redis_url=redis_url))
        run = scheduler.run_slot(schedule, slot)
        scheduler.release()
        if run is None or run.batch_id is None:
            figures.problems.append("the slot created no batch")
            return figures
        figures.jobs = len(run.jobs)
        planned = dict(run.jobs)
        deadline = started + timeout
        while True:
            batch = api.get(f"/v1/batches/{run.batch_id}").json()
            tell(batch["done"] + batch["failed"], batch["total"])
            if batch["left"] == 0:
                break
            if time.monotonic() > deadline:
                figures.problems.append(f"timed out with {batch['left']} left")
                break
            time.sleep(1)
        figures.seconds = round(time.monotonic() - started, 1)
        with Session(running.engine) as session:
            jobs = list(session.exec(select(Job).where(Job.batch_id == run.batch_id)))
            per_patient: dict[tuple[str, str], int] = {}
            starts: dict[int, list[dt.datetime]] = {}
            for job in jobs:
                key = (job.carrier, str(job.member_id))
                per_patient[key] = per_patient.get(key, 0) + 1
                if job.status == JobStatus.SUCCEEDED:
                    figures.succeeded += 1
                    row = session.exec(select(JobResult).where(
                        JobResult.job_id == job.id)).one()
                    result = EligibilityResult.model_validate(row.data)
                    wrong = diff_results(sandbox.get(job.carrier).expected(str(job.member_id)),
                                         result)
                    if wrong:
                        figures.wrong.append(f"{job.member_id}: {', '.join(wrong[:3])}")
                    else:
                        figures.exact += 1
                else:
                    figures.failed += 1
                    figures.problems.append(f"{job.member_id}: {job.status} {job.message}")
                for attempt in session.exec(select(Run).where(Run.job_id == job.id)):
                    figures.runs += 1
                    began = _aware(attempt.started_at)
                    starts.setdefault(job.account_id or 0, []).append(began)
                    if began < planned[job.id] - dt.timedelta(seconds=1):
                        figures.early_starts += 1
        figures.checks_per_visit_max = max(per_patient.values(), default=0)
        if len(per_patient) != len(who):
            figures.problems.append(f"{len(per_patient)} patients checked of {len(who)}")
        figures.busiest_minute = {str(account): _busiest_minute(times)
                                  for account, times in starts.items()}
        for carrier, control in running.controls.items():
            for account, count in control.state()["successful_logins"].items():
                figures.logins[f"{carrier}:{account}"] = count
        if running.deaths():
            figures.problems.append(f"{running.deaths()} worker deaths")
    return figures
