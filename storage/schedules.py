"""Schedules, the ledger of their slots, and batches with their progress.

The ledger row (schedule, slot time) is unique: inserting it is how a scheduler takes a
slot, in the same transaction as the slot's batch and jobs. Two schedulers, a restart or
a crash mid-slot can therefore leave a slot only fully done (row, batch and jobs) or not
begun (nothing), never half done or done twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Batch, Job, JobStatus, Schedule, ScheduleSlot, SlotState, utcnow

MIN_INTERVAL = dt.timedelta(minutes=5)
"""The most often a schedule may run."""


def check_cron(expression: str) -> str:
    """A five-field cron expression that runs at most every :data:`MIN_INTERVAL`;
    ValueError naming the problem."""
    expression = " ".join(expression.split())
    if len(expression.split(" ")) != 5 or not croniter.is_valid(expression):
        raise ValueError(f"{expression!r} is not a cron expression (five fields: minute "
                         "hour day-of-month month day-of-week)")
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    times = croniter(expression, start)
    previous = times.get_next(dt.datetime)
    for _ in range(300):
        following = times.get_next(dt.datetime)
        if following - previous < MIN_INTERVAL:
            raise ValueError(f"{expression!r} runs more often than every "
                             f"{int(MIN_INTERVAL.total_seconds() // 60)} minutes")
        previous = following
    return expression


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone (e.g. America/Chicago)") from None
    return name


def slots_between(schedule: Schedule, after: dt.datetime, until: dt.datetime,
                  limit: int = 1000) -> list[dt.datetime]:
    """The schedule's slot times (UTC) in (``after``, ``until``], in its time zone's wall
    clock (daylight saving time included), at most ``limit`` of the earliest."""
    zone = ZoneInfo(schedule.timezone)
    times = croniter(schedule.cron, after.astimezone(zone))
    found: list[dt.datetime] = []
    while len(found) < limit:
        slot = times.get_next(dt.datetime).astimezone(dt.UTC)
        if slot > until:
            break
        found.append(slot)
    return found


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def last_slot(*, session: Session, schedule_id: int) -> dt.datetime | None:
    value = session.exec(select(func.max(ScheduleSlot.slot_at))
                         .where(ScheduleSlot.schedule_id == schedule_id)).one()
    return _aware(value) if value is not None else None


def anchor(*, session: Session, schedule: Schedule) -> dt.datetime:
    """Slots after this are the schedule's to run: its last ledger slot, or when it was
    last changed (a new, edited or re-enabled schedule never runs slots from before)."""
    changed = _aware(schedule.updated_at)
    last = last_slot(session=session, schedule_id=schedule.id or 0)
    return max(changed, last) if last is not None else changed


def enabled_schedules(*, session: Session) -> list[Schedule]:
    return list(session.exec(select(Schedule).where(col(Schedule.enabled).is_(True))
                             .order_by(col(Schedule.id))))


def list_schedules(*, session: Session) -> list[Schedule]:
    return list(session.exec(select(Schedule).order_by(col(Schedule.name))))


def get_schedule(*, session: Session, schedule_id: int) -> Schedule | None:
    return session.get(Schedule, schedule_id)


def list_slots(*, session: Session, schedule_id: int, limit: int = 50) -> list[ScheduleSlot]:
    return list(session.exec(select(ScheduleSlot).where(
        ScheduleSlot.schedule_id == schedule_id).order_by(col(ScheduleSlot.slot_at).desc())
        .limit(limit)))


def record_skipped(*, session: Session, schedule: Schedule, slot_at: dt.datetime,
                   owner: str) -> bool:
    """Note a slot missed for longer than the grace (False if already in the ledger)."""
    exists = session.exec(select(ScheduleSlot.id).where(
        ScheduleSlot.schedule_id == schedule.id, ScheduleSlot.slot_at == slot_at)).first()
    if exists is not None:
        return False
    session.add(ScheduleSlot(schedule_id=schedule.id or 0, slot_at=slot_at,
                             state=SlotState.SKIPPED, claimed_by=owner[:120],
                             finished_at=utcnow()))
    return True


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int
    left: int

    @property
    def finished(self) -> bool:
        return self.left == 0

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "done": self.done, "failed": self.failed,
                "left": self.left}


_DONE = (JobStatus.SUCCEEDED, JobStatus.NOT_FOUND)
_FAILED = (JobStatus.FAILED, JobStatus.OUTCOME_UNKNOWN)


def batch_progress(*, session: Session, batch_id: str) -> Progress:
    counts = dict(session.exec(select(Job.status, func.count()).where(
        Job.batch_id == batch_id).group_by(col(Job.status))).all())
    total = sum(counts.values())
    done = sum(counts.get(status, 0) for status in _DONE)
    failed = sum(counts.get(status, 0) for status in _FAILED)
    return Progress(total=total, done=done, failed=failed, left=total - done - failed)


def get_batch(*, session: Session, batch_id: str) -> Batch | None:
    return session.get(Batch, batch_id)


def list_batches(*, session: Session, limit: int = 20) -> list[Batch]:
    return list(session.exec(select(Batch).order_by(col(Batch.created_at).desc())
                             .limit(limit)))


def batch_jobs(*, session: Session, batch_id: str) -> list[Job]:
    return list(session.exec(select(Job).where(Job.batch_id == batch_id)
                             .order_by(col(Job.next_attempt_at), col(Job.created_at))))


def create_schedule(*, session: Session, name: str, kind: str, cron: str, timezone: str,
                    params: dict[str, Any], enabled: bool = True,
                    grace_seconds: int = 6 * 3600, actor: str = "system") -> Schedule:
    """Store a schedule whose fields the caller checked (``check_cron``,
    ``check_timezone``, ``workflows.schedule_kinds.check_params``)."""
    now = utcnow()
    schedule = Schedule(name=name, kind=kind, cron=cron, timezone=timezone, params=params,
                        enabled=enabled, grace_seconds=grace_seconds, created_at=now,
                        updated_at=now, updated_by=str(actor)[:80])
    session.add(schedule)
    session.flush()
    return schedule
