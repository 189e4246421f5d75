"""/v1/schedules: the practice's schedules (admins), their ledger of slots and what the
next slots are. A schedule is disabled, never deleted: its ledger and batches stay."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import IntegrityError

from api.deps import ApiActor, SessionDep
from api.errors import NOT_FOUND
from storage import repo
from storage.models import Schedule, ScheduleSlot, utcnow
from storage.schedules import (
    check_cron,
    check_timezone,
    create_schedule,
    get_schedule,
    list_schedules,
    list_slots,
    slots_between,
)
from workflows.schedule_kinds import KINDS, check_params

router = APIRouter(prefix="/schedules", tags=["schedules"])

ScheduleId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A schedule's id.")]
GRACE = Field(default=6 * 3600, ge=0, le=7 * 24 * 3600,
              description="Seconds a missed slot may still run after its time.")


class ScheduleFields(BaseModel):
    """What an admin sets; each field checked, a bad one named in the 422."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    kind: str | None = None
    cron: str | None = Field(default=None, max_length=120)
    timezone: str | None = Field(default=None, max_length=64)
    params: dict[str, Any] | None = None
    enabled: bool | None = None
    grace_seconds: int | None = Field(default=None, ge=0, le=7 * 24 * 3600)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is not None and value not in KINDS:
            raise ValueError(f"unknown kind (known: {', '.join(KINDS)})")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or not value.isprintable()):
            raise ValueError("a name is printable text")
        return None if value is None else " ".join(value.split())


class ScheduleCreate(ScheduleFields):
    name: str = Field(min_length=1, max_length=80)
    kind: str
    cron: str = Field(max_length=120)
    timezone: str = Field(max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    grace_seconds: int = GRACE


class SchedulePublic(BaseModel):
    id: int
    name: str
    kind: str
    title: str
    cron: str
    timezone: str
    params: dict[str, Any]
    enabled: bool
    grace_seconds: int
    updated_at: dt.datetime
    updated_by: str
    next_slots: list[dt.datetime]


class SlotPublic(BaseModel):
    slot_at: dt.datetime
    state: str
    claimed_by: str
    claimed_at: dt.datetime
    finished_at: dt.datetime | None
    batch_id: str | None
    jobs_created: int


def schedule_public(schedule: Schedule) -> SchedulePublic:
    now = utcnow()
    upcoming = slots_between(schedule, now, now + dt.timedelta(days=31), limit=3) \
        if schedule.enabled else []
    return SchedulePublic(**schedule.model_dump(exclude={"created_at"}),
                          title=KINDS[schedule.kind].title if schedule.kind in KINDS
                          else schedule.kind, next_slots=upcoming)


def _found(session: SessionDep, schedule_id: int) -> Schedule:
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    if schedule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such schedule")
    return schedule


def _params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return check_params(kind, params)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["body", "params"], "msg": str(exc),
                              "type": "value_error"}]) from None


def _conflict() -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, "another schedule has this name")


@router.get("", response_model=list[SchedulePublic])
def schedules(session: SessionDep) -> list[SchedulePublic]:
    return [schedule_public(s) for s in list_schedules(session=session)]


@router.post("", response_model=SchedulePublic, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "Another schedule has this name"}})
def new_schedule(body: ScheduleCreate, session: SessionDep, actor: ApiActor
                 ) -> SchedulePublic:
    fields = body.model_dump()
    fields["params"] = _params(body.kind, body.params)
    try:
        schedule = create_schedule(session=session, actor=actor, **fields)
        repo.audit(session=session, actor=actor, action="schedule.create",
                   target_type="schedule", target_id=str(schedule.id),
                   detail=f"{schedule.kind} {schedule.cron} {schedule.timezone}")
        session.commit()
    except IntegrityError:
        session.rollback()
        raise _conflict() from None
    return schedule_public(schedule)


@router.get("/{schedule_id}", response_model=SchedulePublic, responses=NOT_FOUND)
def read_schedule(schedule_id: ScheduleId, session: SessionDep) -> SchedulePublic:
    return schedule_public(_found(session, schedule_id))


def apply_changes(session: SessionDep, schedule: Schedule, body: ScheduleFields,
                  actor: str) -> Schedule:
    """Change the fields given; a changed schedule runs only slots after the change."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    kind = changes.get("kind", schedule.kind)
    if "params" in changes or "kind" in changes:
        given = changes.get("params", {} if "kind" in changes else schedule.params or {})
        changes["params"] = _params(kind, given)  # a new kind starts from its defaults
    for name, value in changes.items():
        setattr(schedule, name, value)
    schedule.updated_at = utcnow()
    schedule.updated_by = str(actor)[:80]
    session.add(schedule)
    repo.audit(session=session, actor=actor, action="schedule.update",
               target_type="schedule", target_id=str(schedule.id),
               detail=", ".join(f"{k}={v}" for k, v in sorted(changes.items()))[:500])
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise _conflict() from None
    return schedule


@router.patch("/{schedule_id}", response_model=SchedulePublic,
              responses={**NOT_FOUND, 409: {"description": "Another schedule has this name"}})
def change_schedule(schedule_id: ScheduleId, body: ScheduleFields, session: SessionDep,
                    actor: ApiActor) -> SchedulePublic:
    """Change some fields (``enabled: false`` to stop it). Slots before the change are
    never run afterwards."""
    return schedule_public(apply_changes(session, _found(session, schedule_id), body, actor))


@router.get("/{schedule_id}/slots", response_model=list[SlotPublic], responses=NOT_FOUND)
def slots(schedule_id: ScheduleId, session: SessionDep,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[SlotPublic]:
    """The ledger, newest first: each slot run (with its batch) or skipped."""
    _found(session, schedule_id)
    rows: list[ScheduleSlot] = list_slots(session=session, schedule_id=schedule_id,
                                          limit=limit)
    return [SlotPublic.model_validate(row.model_dump()) for row in rows]
