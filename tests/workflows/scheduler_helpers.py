"""Arranging schedules and visits for the scheduler's tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from storage.models import Appointment, Batch, Job, ScheduleSlot
from storage.schedules import create_schedule

CHICAGO = "America/Chicago"
_numbers = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, zone: str = CHICAGO) -> dt.datetime:
    """A UTC instant given as a wall-clock time of December 2026 in ``zone``."""
    from zoneinfo import ZoneInfo

    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def add_visits(engine: Engine, day: int, count: int, carrier: str = "meridian",
               codes: tuple[str, ...] = ("99213",)) -> list[str]:
    """``count`` visits of distinct patients on December ``day``; their member ids."""
    members = []
    with Session(engine) as session:
        for _ in range(count):
            n = next(_numbers)
            member = f"T{n:05d}"
            session.add(Appointment(
                visit_key=f"test:{carrier}:{member}:{day}", carrier=carrier, member_id=member,
                date_of_birth=dt.date(1980, 1, 1), last_name="Testperson", first_name="Ana",
                visit_date=dt.date(2026, 12, day), visit_time=dt.time(9, 0),
                provider="Dr. Zed Example", procedure_codes=list(codes), row_hash="x"))
            members.append(member)
        session.commit()
    return members


def nightly(engine: Engine, *, cron: str = "0 2 * * *", changed: dt.datetime | None = None,
            grace_hours: float = 6, name: str = "nightly", kind: str = "eligibility_upcoming",
            params: dict[str, Any] | None = None) -> int:
    with Session(engine) as session:
        schedule = create_schedule(session=session, name=name, kind=kind, cron=cron,
                                   timezone=CHICAGO, params=params or {"days_ahead": 1},
                                   grace_seconds=int(grace_hours * 3600))
        schedule.updated_at = changed or at(1, 12)
        session.add(schedule)
        session.commit()
        assert schedule.id is not None
        return schedule.id


def ledger(engine: Engine) -> list[tuple[dt.datetime, str, int]]:
    with Session(engine) as session:
        rows = session.exec(select(ScheduleSlot).order_by(col(ScheduleSlot.slot_at)))
        return [(r.slot_at if r.slot_at.tzinfo else r.slot_at.replace(tzinfo=dt.UTC),
                 r.state, r.jobs_created) for r in rows]


def job_keys(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(k for k in session.exec(select(Job.idempotency_key)) if k)


def counts(engine: Engine) -> tuple[int, int, int]:
    """(jobs, batches, ledger rows)."""
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(Job)).one(),
                session.exec(select(func.count()).select_from(Batch)).one(),
                session.exec(select(func.count()).select_from(ScheduleSlot)).one())
