"""One route pattern for every job kind: ``/v1/<kind.resource>``.

Submit (202, Idempotency-Key, 422 naming the field, nothing stored on a 422), list, read
(with runs, result and documents), download a result's document (audited), hand a waiting
run its one-time code, and retry a failed job. A kind brings its create body (with a
``to_request()``) and its public view; everything else is shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from api.artifacts import artifact_response
from api.audit_reads import audit_list, audit_read, read_target
from api.deps import ApiActor, SessionDep, SettingsDep, StoreDep, VaultDep, allow_api
from api.errors import CONFLICT, NOT_FOUND, field_error
from api.schemas import CheckAccepted, CheckList, CheckSummary, ResourceId
from api.services import (
    IdempotencyConflict,
    NotFoundError,
    StateConflict,
    enter_code,
    job_of_kind,
    read_artifact,
    retry_check,
    submit_job,
)
from api.views import check_summary
from portals.access import kind_permission
from portals.fhir import FHIR_JSON
from portals.jobs import JobKind
from storage import repo
from storage.models import Job, JobStatus

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Repeat a request safely: the same key and body return the same job."),
]


class CreateBody(Protocol):
    def to_request(self) -> BaseModel: ...


class CodeEntry(BaseModel):
    """A one-time code a person read from the phone or mailbox the portal sent it to."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^\d{4,10}$", description="The digits only.")


def job_router(kind: JobKind, *, create_model: type[BaseModel],
               public_model: type[BaseModel],
               public: Callable[[Session, Job], BaseModel],
               fhir: Callable[[Any, str, dt.datetime], BaseModel] | None = None,
               fhir_name: str = "") -> APIRouter:
    """The routes of one kind under ``/<kind.resource>``, each needing the kind's
    permission (``portals.access.kind_permission``). ``fhir``: the result's FHIR R4 view
    (:mod:`portals.fhir`), served on read to ``Accept: application/fhir+json``."""
    router = APIRouter(prefix=f"/{kind.resource}", tags=[f"{kind.title}s"],
                       dependencies=[allow_api(kind_permission(kind.name))])
    missing = f"no such {kind.title}"
    target = read_target(kind.name)

    def _one(session: Session, job_id: str) -> Job:
        try:
            return job_of_kind(session=session, job_id=job_id, kind=kind.name)
        except NotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing) from None

    def create(body: Any, session: SessionDep, response: Response,
               idempotency_key: IdempotencyKey = None) -> CheckAccepted:
        try:
            submitted = submit_job(session=session, kind=kind.name,
                                   request=body.to_request(),
                                   idempotency_key=idempotency_key, origin="api")
        except IdempotencyConflict as exc:
            raise field_error(("header", "Idempotency-Key"), str(exc),
                              "idempotency_key_reused") from None
        if not submitted.created:
            response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"/v1/{kind.resource}/{submitted.check.id}"
        return CheckAccepted(id=submitted.check.id, status=submitted.check.status)

    create.__annotations__["body"] = create_model
    router.add_api_route(
        "", create, methods=["POST"], status_code=status.HTTP_202_ACCEPTED,
        response_model=CheckAccepted,
        summary=f"Queue one {kind.title}",
        description=f"Store a {kind.title} and queue it for a worker. Nothing is stored on "
        "a 422.")

    @router.get("", response_model=CheckList, summary=f"List {kind.title}s")
    def list_jobs(
        session: SessionDep,
        actor: ApiActor,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    ) -> CheckList:
        """Most recent first. Audited (the list shows member ids): one event naming the
        filters and the ids returned."""
        query = select(Job).where(Job.kind == kind.name).order_by(
            col(Job.created_at).desc(), col(Job.id))
        if status_ is not None:
            query = query.where(Job.status == status_)
        jobs = session.exec(query.offset(offset).limit(limit)).all()
        items: list[CheckSummary] = [check_summary(job) for job in jobs]
        audit_list(session=session, actor=actor, target=target, resource=kind.resource,
                   filters={"status": status_.value if status_ else None, "limit": limit,
                            "offset": offset}, ids=[job.id for job in jobs])
        return CheckList(items=items, limit=limit, offset=offset)

    def read(job_id: ResourceId, session: SessionDep, actor: ApiActor,
             accept: Annotated[str | None, Header(max_length=1000)] = None) -> Any:
        """The request, its runs, its result and documents. Audited (it is PHI).
        With ``Accept: application/fhir+json``, the stored result as FHIR R4 instead (409
        while there is none)."""
        job = _one(session, job_id)
        wants_fhir = fhir is not None and FHIR_JSON in (accept or "").lower()
        if wants_fhir:
            result = repo.get_result(session=session, job_id=job.id)
            if result is None:
                raise HTTPException(status.HTTP_409_CONFLICT,
                                    f"this {kind.title} has no result yet ({job.status})")
        audit_read(session=session, actor=actor, action=f"{target}.view", target_type=target,
                   target_id=job.id)
        if wants_fhir:
            assert fhir is not None
            resource = fhir(result, job.id, job.finished_at or job.updated_at)
            return Response(resource.model_dump_json(), media_type=FHIR_JSON)
        return public(session, job)

    fhir_doc = {} if fhir is None else {200: {"content": {FHIR_JSON: {"schema": {
        "type": "object", "description": f"FHIR R4 {fhir_name}"}}},
        "description": f"The {kind.title}; with Accept: {FHIR_JSON}, its result as FHIR R4 "
                       f"{fhir_name}."}, **CONFLICT}
    router.add_api_route("/{job_id}", read, methods=["GET"], response_model=public_model,
                         summary=f"Read one {kind.title}",
                         responses={**NOT_FOUND, **fhir_doc})

    @router.get("/{job_id}/documents/{document_id}", response_class=Response,
                responses={200: {"description": "The document's bytes (e.g. a PDF)."},
                           **NOT_FOUND})
    def download_document(job_id: ResourceId, document_id: ResourceId, session: SessionDep,
                          store: StoreDep, actor: ApiActor) -> Response:
        """A document kept with the result (a benefit summary or remittance PDF). Audited."""
        _one(session, job_id)
        document = next((a for a in repo.result_documents(session=session, job_id=job_id)
                         if a.id == document_id), None)
        if document is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document for this "
                                f"{kind.title}")
        try:
            artifact, data = read_artifact(session=session, store=store,
                                           run_id=document.run_id, artifact_id=document.id,
                                           actor=actor)
        except NotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        return artifact_response(artifact, data)

    @router.post("/{job_id}/mfa-code", status_code=status.HTTP_202_ACCEPTED,
                 responses={**NOT_FOUND, **CONFLICT})
    def mfa_code(job_id: ResourceId, entry: CodeEntry, session: SessionDep, vault: VaultDep,
                 settings: SettingsDep, actor: ApiActor) -> dict[str, str]:
        """Hand a waiting run the code it asked for (only while the job needs one: 409)."""
        try:
            enter_code(session=session, vault=vault, job_id=job_id, code=entry.code,
                       actor=actor, ttl_seconds=settings.code_ttl_seconds, kind=kind.name)
        except NotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing) from None
        except StateConflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return {"id": job_id, "status": "code_received"}

    @router.post("/{job_id}/retry", status_code=status.HTTP_202_ACCEPTED,
                 response_model=CheckAccepted, responses={**NOT_FOUND, **CONFLICT})
    def retry(job_id: ResourceId, session: SessionDep, actor: ApiActor) -> CheckAccepted:
        """Send a failed job back to the queue after staff reviewed it (409 otherwise)."""
        try:
            job = retry_check(session=session, job_id=job_id, actor=actor, kind=kind.name)
        except NotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing) from None
        except StateConflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return CheckAccepted(id=job.id, status=job.status)

    return router
