"""/v1/eligibility-checks: submit, read, list and retry eligibility checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from api.artifacts import artifact_response
from api.deps import ApiActor, SessionDep, SettingsDep, StoreDep, VaultDep
from api.errors import field_error
from api.schemas import CheckAccepted, CheckCreate, CheckList, CheckPublic, CheckSummary
from api.services import (
    IdempotencyConflict,
    NotFoundError,
    StateConflict,
    enter_code,
    read_artifact,
    retry_check,
    submit_check,
)
from api.views import check_public, check_summary
from storage import repo
from storage.models import Job, JobStatus

router = APIRouter(prefix="/eligibility-checks", tags=["eligibility checks"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Repeat a request safely: the same key and body return the same check."),
]


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=CheckAccepted)
def create_job(
    body: CheckCreate, session: SessionDep, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CheckAccepted:
    """Store a check and queue it for a worker. Nothing is stored on a 422."""
    try:
        submitted = submit_check(session=session, body=body, idempotency_key=idempotency_key,
                                 origin="api")
    except IdempotencyConflict as exc:
        raise field_error(("header", "Idempotency-Key"), str(exc),
                          "idempotency_key_reused") from None
    if not submitted.created:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/eligibility-checks/{submitted.check.id}"
    return CheckAccepted(id=submitted.check.id, status=submitted.check.status)


@router.get("", response_model=CheckList)
def list_checks(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
) -> CheckList:
    """Most recent first."""
    query = select(Job).order_by(col(Job.created_at).desc(),
                                              col(Job.id))
    if status_ is not None:
        query = query.where(Job.status == status_)
    checks = session.exec(query.offset(offset).limit(limit)).all()
    items: list[CheckSummary] = [check_summary(check) for check in checks]
    return CheckList(items=items, limit=limit, offset=offset)


@router.get("/{job_id}", response_model=CheckPublic)
def get_job(job_id: str, session: SessionDep) -> CheckPublic:
    check = repo.get_job(session=session, job_id=job_id)
    if check is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such eligibility check")
    return check_public(session=session, check=check)


@router.get("/{job_id}/documents/{document_id}", response_class=Response,
            responses={200: {"description": "The document's bytes (e.g. a PDF)."}})
def download_document(job_id: str, document_id: str, session: SessionDep,
                      store: StoreDep, actor: ApiActor) -> Response:
    """A document kept with the check's result (a benefit summary PDF). Audited."""
    document = next((a for a in repo.result_documents(session=session, job_id=job_id)
                     if a.id == document_id), None)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document for this check")
    try:
        artifact, data = read_artifact(session=session, store=store, run_id=document.run_id,
                                       artifact_id=document.id, actor=actor)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return artifact_response(artifact, data)


class CodeEntry(BaseModel):
    """A one-time code a person read from the phone or mailbox the portal sent it to."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^\d{4,10}$", description="The digits only.")


@router.post("/{job_id}/mfa-code", status_code=status.HTTP_202_ACCEPTED)
def mfa_code(job_id: str, entry: CodeEntry, session: SessionDep, vault: VaultDep,
             settings: SettingsDep, actor: ApiActor) -> dict[str, str]:
    """Hand a waiting run the code it asked for (only while the check needs one: 409)."""
    try:
        enter_code(session=session, vault=vault, job_id=job_id, code=entry.code,
                   actor=actor, ttl_seconds=settings.code_ttl_seconds)
    except NotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such eligibility check") from None
    except StateConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return {"id": job_id, "status": "code_received"}


@router.post("/{job_id}/retry", status_code=status.HTTP_202_ACCEPTED,
             response_model=CheckAccepted)
def retry(job_id: str, session: SessionDep, actor: ApiActor) -> CheckAccepted:
    """Send a failed check back to the queue after staff reviewed it (409 otherwise)."""
    try:
        check = retry_check(session=session, job_id=job_id, actor=actor)
    except NotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such eligibility check") from None
    except StateConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return CheckAccepted(id=check.id, status=check.status)
