"""/v1/appointments: upcoming visits imported from the practice management system's CSV
export, each import's report, and the visits of a day range."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Path, Query, UploadFile, status
from pydantic import BaseModel

from api.audit_reads import audit_list
from api.deps import ApiActor, SessionDep
from api.errors import NOT_FOUND
from portals.appointments import FileRefused
from storage import repo
from storage.appointments import get_import, import_appointments, list_imports, visits_between
from storage.models import Appointment, AppointmentImport, Batch
from storage.schedules import batch_progress, get_batch, list_batches
from workflows.appointment_carriers import appointment_carriers

router = APIRouter(tags=["appointments"])

MAX_DAYS = 31
"""The longest day range one list call returns."""


class RowErrorPublic(BaseModel):
    line: int
    reason: str


class ImportPublic(BaseModel):
    id: int
    filename: str
    sha256: str
    size: int
    imported_by: str
    created_at: dt.datetime
    rows: int
    added: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowErrorPublic]


class AppointmentPublic(BaseModel):
    id: int
    external_id: str | None
    carrier: str
    member_id: str
    date_of_birth: dt.date
    last_name: str
    first_name: str | None
    visit_date: dt.date
    visit_time: dt.time | None
    provider: str
    procedure_codes: list[str]
    updated_at: dt.datetime


def import_public(row: AppointmentImport) -> ImportPublic:
    data: dict[str, Any] = row.model_dump()
    return ImportPublic.model_validate(data)


def appointment_public(row: Appointment) -> AppointmentPublic:
    return AppointmentPublic.model_validate(row.model_dump())


def run_import(*, session: SessionDep, actor: str, filename: str, data: bytes
               ) -> AppointmentImport:
    """Import and commit, audited; a file that cannot be read is a 422 naming why (and
    nothing stored)."""
    try:
        report = import_appointments(session=session, filename=filename, data=data,
                                     actor=actor, known_carriers=appointment_carriers())
    except FileRefused as exc:
        session.rollback()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["body", "file"], "msg": str(exc),
                              "type": "value_error"}]) from None
    repo.audit(session=session, actor=actor, action="appointments.import",
               target_type="appointment_import", target_id=str(report.id),
               detail=f"{report.added} added, {report.updated} updated, "
                      f"{report.unchanged} unchanged, {report.rejected} refused")
    session.commit()
    session.refresh(report)
    return report


@router.post("/appointments/imports", response_model=ImportPublic,
             status_code=status.HTTP_201_CREATED)
def create_import(session: SessionDep, actor: ApiActor,
                  file: Annotated[UploadFile, File(description="The CSV export")]
                  ) -> ImportPublic:
    """Import a CSV file of visits: every good row is stored (a new visit added, a known
    one replaced when its row changed), every bad row reported with its line and reason.
    The same file again changes nothing."""
    data = file.file.read()
    report = run_import(session=session, actor=actor, filename=file.filename or "upload.csv",
                        data=data)
    return import_public(report)


@router.get("/appointments/imports", response_model=list[ImportPublic])
def imports(session: SessionDep,
            limit: Annotated[int, Query(ge=1, le=200)] = 50,
            offset: Annotated[int, Query(ge=0, le=10**6)] = 0) -> list[ImportPublic]:
    return [import_public(row) for row in list_imports(session=session, limit=limit,
                                                       offset=offset)]


ImportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="An import's id.")]


@router.get("/appointments/imports/{import_id}", response_model=ImportPublic, responses=NOT_FOUND)
def read_import(import_id: ImportId, session: SessionDep) -> ImportPublic:
    row = get_import(session=session, import_id=import_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such import")
    return import_public(row)


@router.get("/appointments", response_model=list[AppointmentPublic])
def list_appointments(session: SessionDep, actor: ApiActor,
                      first: Annotated[dt.date, Query(alias="from")],
                      last: Annotated[dt.date | None, Query(alias="to")] = None,
                      carrier: Annotated[str | None, Query(max_length=40)] = None
                      ) -> list[AppointmentPublic]:
    """Visits from ``from`` to ``to`` (default: the same day), at most 31 days."""
    last = last or first
    if last < first or (last - first).days >= MAX_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["query", "to"], "msg": f"must be from 'from' to at "
                              f"most {MAX_DAYS - 1} days after it", "type": "value_error"}])
    rows = visits_between(session=session, first=first, last=last, carrier=carrier)
    audit_list(session=session, actor=actor, target="appointment",
               resource="/v1/appointments",
               filters={"from": first.isoformat(), "to": last.isoformat(), "carrier": carrier},
               ids=[str(row.id) for row in rows])
    return [appointment_public(row) for row in rows]


# -- batches ------------------------------------------------------------------------------


class BatchPublic(BaseModel):
    id: str
    label: str
    kind: str
    schedule_id: int | None
    created_at: dt.datetime
    total: int
    done: int
    failed: int
    left: int


BatchId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="A batch's id.")]


def batch_public(session: SessionDep, batch: Batch) -> BatchPublic:
    progress = batch_progress(session=session, batch_id=batch.id)
    return BatchPublic(id=batch.id, label=batch.label, kind=batch.kind,
                       schedule_id=batch.schedule_id, created_at=batch.created_at,
                       **progress.as_dict())


@router.get("/batches", response_model=list[BatchPublic], tags=["batches"])
def batches(session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
            ) -> list[BatchPublic]:
    """Recent batches (a schedule's slot each) with their progress: done, failed, left."""
    return [batch_public(session, b) for b in list_batches(session=session, limit=limit)]


@router.get("/batches/{batch_id}", response_model=BatchPublic, responses=NOT_FOUND,
            tags=["batches"])
def read_batch(batch_id: BatchId, session: SessionDep) -> BatchPublic:
    batch = get_batch(session=session, batch_id=batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such batch")
    return batch_public(session, batch)
