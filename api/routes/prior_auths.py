"""/v1/prior-auths: submit a prior-authorization request with its clinical documents, follow
it to the payer's decision, and decide an unknown outcome.

POST takes multipart/form-data: a ``request`` part (JSON, :class:`PriorAuthCreate`) and
zero or more ``files`` parts. A 422 names the field (``["body", "request", "services", 0,
"units"]``), or the file and the rule the carrier's portal would refuse it by; nothing is
stored or queued on a 422. Same Idempotency-Key and same request and files: the same
request again; another request under a used key: 422 naming the header.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.artifacts import file_response
from api.audit_reads import audit_list, audit_read
from api.deps import ApiActor, SessionDep, SettingsDep, StoreDep, VaultDep
from api.errors import CONFLICT, NOT_FOUND, field_error
from api.middleware import nul_at
from api.prior_auth_schemas import (
    JobAccepted,
    PriorAuthAccepted,
    PriorAuthCreate,
    PriorAuthList,
    PriorAuthPublic,
    ResolveRequest,
)
from api.prior_auth_services import (
    FilesRefused,
    RequestInvalid,
    Upload,
    carrier_body_cap,
    get_request,
    pending_jobs,
    read_document,
    refresh_status,
    resolve_request,
    submit_prior_auth,
)
from api.prior_auth_views import API_BASE, prior_auth_public, summary
from api.routes.jobs import CodeEntry, IdempotencyKey
from api.schemas import ResourceId
from api.services import IdempotencyConflict, NotFoundError, StateConflict, enter_code
from portals.fhir import FHIR_JSON, prior_auth_response
from portals.prior_auth import PriorAuthDecision, PriorAuthRequest
from storage import prior_auths
from storage.models import JobStatus, PriorAuth
from storage.prior_auths import Listing, PriorAuthConflict

router = APIRouter(prefix="/prior-auths", tags=["prior authorizations"])

MISSING = "no such prior-authorization request"
VIEW_ACTION = "prior_auth.view"
TARGET = "prior_auth"


def parse_request_part(raw: str) -> PriorAuthCreate:
    """The ``request`` part as a :class:`PriorAuthCreate`, or a 422 naming the field."""
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise field_error(("body", "request"), f"is not valid JSON ({exc.msg} at "
                          f"character {exc.pos})", "json_invalid") from None
    except (ValueError, RecursionError):
        raise field_error(("body", "request"), "is not valid JSON", "json_invalid") from None
    if not isinstance(data, dict):
        raise field_error(("body", "request"), "must be a JSON object", "dict_type")
    where = nul_at(data)
    if where is not None:  # PostgreSQL can store neither
        raise RequestValidationError([{"loc": ("body", "request", *where),
                                       "msg": "NUL character or lone surrogate in a string",
                                       "type": "nul_byte"}])
    try:
        return PriorAuthCreate.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([
            {"loc": ("body", "request", *error["loc"]), "msg": error["msg"],
             "type": error["type"]} for error in exc.errors()]) from None


def file_errors(problems: FilesRefused) -> RequestValidationError:
    """A 422 naming each refused file and the rule (type, size, count, empty, name,
    duplicate)."""
    return RequestValidationError([
        {"loc": ("body", "files"), "msg": p.message, "type": f"file_{p.rule}",
         "filename": p.filename, "rule": p.rule} for p in problems.problems])


def _uploads(files: list[UploadFile] | None) -> list[Upload]:
    return [Upload(filename=upload.filename or "", data=upload.file.read())
            for upload in files or []]


def _one(session: SessionDep, pa_id: str) -> PriorAuth:
    try:
        return get_request(session=session, pa_id=pa_id)
    except NotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, MISSING) from None


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=PriorAuthAccepted,
             summary="Submit one prior-authorization request",
             responses={413: {"description": "The body is larger than the carrier's portal "
                                             "could take (all its files at their limit)."}})
def create(
    http: Request,
    session: SessionDep,
    store: StoreDep,
    actor: ApiActor,
    response: Response,
    request: Annotated[str, Form(description="The request as JSON (PriorAuthCreate).")],
    files: Annotated[list[UploadFile] | None, File(
        description="Clinical documents: PDF, TIFF, PNG or JPEG as the carrier takes "
        "them.")] = None,
    idempotency_key: IdempotencyKey = None,
) -> PriorAuthAccepted:
    """Store the request and its documents (encrypted) and queue its submission. Every
    file is checked against the carrier's portal limits first; nothing is stored on a
    422."""
    body = parse_request_part(request)
    cap = carrier_body_cap(body.carrier)
    length = http.headers.get("content-length", "")
    if cap is not None and length.isdigit() and int(length) > cap:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"the body is larger than {body.carrier}'s portal takes "
                            f"({cap:,} bytes with every file at its limit)")
    try:
        submitted = submit_prior_auth(session=session, store=store, body=body,
                                      uploads=_uploads(files), actor=actor,
                                      idempotency_key=idempotency_key, origin="api")
    except FilesRefused as exc:
        raise file_errors(exc) from None
    except RequestInvalid as exc:
        raise RequestValidationError(exc.errors) from None
    except IdempotencyConflict as exc:
        raise field_error(("header", "Idempotency-Key"), str(exc),
                          "idempotency_key_reused") from None
    pa = submitted.prior_auth
    if not submitted.created:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"{API_BASE}/{pa.id}"
    return PriorAuthAccepted(id=pa.id, tracking_ref=pa.tracking_ref, state=pa.state,
                             job_id=submitted.job.id if submitted.job else None)


@router.get("", response_model=PriorAuthList, summary="List prior-authorization requests")
def list_requests(
    session: SessionDep,
    actor: ApiActor,
    status_: Annotated[Listing, Query(alias="status", description="open: submitted and "
                                      "not decided; overdue: open past the payer's "
                                      "deadline (72 h expedited, 7 days standard).")
                       ] = Listing.ALL,
    carrier: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PriorAuthList:
    """Newest first, with the decision (code, meaning, the portal's words) and whether
    each is overdue. Audited (the list names patients): one event naming the filters and
    the ids returned."""
    rows = prior_auths.listing(session=session, which=status_, carrier=carrier, limit=limit,
                               offset=offset)
    audit_list(session=session, actor=actor, target=TARGET, resource="prior-auths",
               filters={"status": status_.value, "carrier": carrier, "limit": limit,
                        "offset": offset}, ids=[pa.id for pa in rows])
    return PriorAuthList(items=[summary(pa) for pa in rows], status=status_, limit=limit,
                         offset=offset)


@router.get("/{pa_id}", response_model=PriorAuthPublic,
            summary="Read one prior-authorization request",
            responses={**NOT_FOUND, **CONFLICT, 200: {
                "content": {FHIR_JSON: {"schema": {
                    "type": "object", "description": "FHIR R4 ClaimResponse"}}},
                "description": "The request; with Accept: application/fhir+json, once it "
                               "is submitted, a FHIR R4 ClaimResponse (preauthorization)."}})
def read(pa_id: ResourceId, session: SessionDep, actor: ApiActor,
         accept: Annotated[str | None, Header(max_length=1000)] = None) -> Any:
    """The request, its documents and letters, its decision, timeline and jobs. Audited
    (it is PHI). With ``Accept: application/fhir+json``, the submitted request and its
    decision as a FHIR R4 ``ClaimResponse`` (409 before the portal gave it a reference)."""
    pa = _one(session, pa_id)
    fhir = FHIR_JSON in (accept or "").lower()
    if fhir and pa.reference_number is None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            "this request has no payer reference yet (not submitted)")
    audit_read(session=session, actor=actor, action=VIEW_ACTION, target_type=TARGET,
               target_id=pa.id)
    if fhir:
        assert pa.reference_number is not None
        decision = PriorAuthDecision.model_validate(pa.decision) if pa.decision else None
        resource = prior_auth_response(
            PriorAuthRequest.model_validate(pa.request), pa_id=pa.id,
            reference_number=pa.reference_number, decision=decision,
            created=pa.decided_at or pa.submitted_at or pa.created_at)
        return Response(resource.model_dump_json(), media_type=FHIR_JSON)
    return prior_auth_public(session=session, pa=pa)


@router.get("/{pa_id}/documents/{document_id}", response_class=Response,
            responses={200: {"description": "The file's bytes (PDF, TIFF, PNG, JPEG)."},
                       **NOT_FOUND})
def download_document(pa_id: ResourceId, document_id: ResourceId, session: SessionDep,
                      store: StoreDep, actor: ApiActor) -> Response:
    """An attached clinical document, or a letter downloaded from the portal. Audited."""
    pa = _one(session, pa_id)
    try:
        found = read_document(session=session, store=store, pa=pa, document_id=document_id,
                              actor=actor)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return file_response(found.filename, found.content_type, found.data)


@router.post("/{pa_id}/refresh", status_code=status.HTTP_202_ACCEPTED,
             response_model=JobAccepted, summary="Read the payer's decision again",
             responses={**NOT_FOUND, **CONFLICT})
def refresh(pa_id: ResourceId, session: SessionDep, actor: ApiActor) -> JobAccepted:
    """Queue a status read of a submitted request (409 otherwise). While one is waiting,
    that one is returned."""
    pa = _one(session, pa_id)
    try:
        job, _queued = refresh_status(session=session, pa=pa, actor=actor, origin="api")
    except PriorAuthConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return JobAccepted(prior_auth_id=pa.id, state=pa.state, job_id=job.id,
                       job_status=job.status)


@router.post("/{pa_id}/resolve", response_model=JobAccepted,
             summary="Decide an unknown outcome or a failure",
             responses={**NOT_FOUND, **CONFLICT})
def resolve(pa_id: ResourceId, body: ResolveRequest, session: SessionDep, actor: ApiActor
            ) -> JobAccepted:
    """Resubmit (a new submission job, which looks in the portal first) or close. Only a
    request whose outcome is unknown or that failed (409 otherwise). Audited."""
    pa = _one(session, pa_id)
    try:
        job = resolve_request(session=session, pa=pa, resolution=body.resolution,
                              actor=actor, note=body.note)
    except PriorAuthConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return JobAccepted(prior_auth_id=pa.id, state=pa.state,
                       job_id=job.id if job else None, job_status=job.status if job else None)


@router.post("/{pa_id}/mfa-code", status_code=status.HTTP_202_ACCEPTED,
             summary="Hand a waiting run its one-time code",
             responses={**NOT_FOUND, **CONFLICT})
def mfa_code(pa_id: ResourceId, entry: CodeEntry, session: SessionDep, vault: VaultDep,
             settings: SettingsDep, actor: ApiActor) -> dict[str, str]:
    """The code the portal sent, for the request's job that waits for one (409 when
    none does)."""
    pa = _one(session, pa_id)
    waiting = next((job for job in pending_jobs(session=session, pa=pa)
                    if job.status == JobStatus.NEEDS_MFA_CODE), None)
    if waiting is None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            "no job of this request is waiting for a code")
    try:
        enter_code(session=session, vault=vault, job_id=waiting.id, code=entry.code,
                   actor=actor, ttl_seconds=settings.code_ttl_seconds, kind=waiting.kind)
    except (NotFoundError, StateConflict) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return {"id": waiting.id, "status": "code_received"}
