"""Prior-authorization requests in the database: create with documents, follow the jobs
that submit and re-read them, keep the timeline, and let a person decide an unknown
outcome. Keyword-only functions over a ``session``, like :mod:`storage.repo`.

A request (:class:`~storage.models.PriorAuth`) owns one submission job at a time
(``submit_job_id``, kind ``prior_auth_submit``) and any number of status jobs. The job
runner reports every finished job to :func:`job_finished` (through :mod:`storage.hooks`),
in the transaction that records the job's end, so a request's state never disagrees with
its jobs':

* submit job succeeded -> ``submitted`` with the portal's reference and first status
  (``found_existing`` results say the portal already had it: recorded, not resubmitted);
* submit job ended ``outcome_unknown`` -> ``outcome_unknown``: a person decides
  (:func:`resolve`: resubmit, which queues a new submission job that still looks first,
  or close); the decision is audited;
* submit job failed before its point of no return -> ``failed`` (nothing reached the
  portal): a person may retry or close;
* status job succeeded -> the decision is updated, and a timeline line is added when it
  changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from portals.prior_auth import (
    CertificationAction,
    PriorAuthCase,
    PriorAuthRequest,
    PriorAuthStatusRequest,
    RequestDocument,
    Urgency,
    overdue,
)
from storage import repo
from storage.artifacts import ArtifactStore
from storage.hooks import on_job_finished, on_job_requeued
from storage.models import (
    Job,
    JobResult,
    JobStatus,
    PriorAuth,
    PriorAuthDocument,
    PriorAuthEvent,
    PriorAuthState,
    utcnow,
)

SUBMIT_KIND = "prior_auth_submit"
STATUS_KIND = "prior_auth_status"
RESOLVE_ACTION = "prior_auth.resolve"
CREATE_ACTION = "prior_auth.create"
DOCUMENT_VIEW_ACTION = "prior_auth.document_view"

_OPEN_ACTIONS = [a.value for a in CertificationAction if not a.decided]
_DECIDED_ACTIONS = [a.value for a in CertificationAction if a.decided]
_REF_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class Listing(StrEnum):
    """The lists staff ask for."""

    ALL = "all"
    OPEN = "open"
    """Submitted, no final decision yet."""
    DECIDED = "decided"
    OVERDUE = "overdue"
    """Submitted, undecided, past the payer's 72 h / 7 day deadline."""
    OUTCOME_UNKNOWN = "outcome_unknown"
    QUEUED = "queued"
    FAILED = "failed"
    CLOSED = "closed"


class Resolution(StrEnum):
    RESUBMIT = "resubmit"
    CLOSE = "close"


class PriorAuthConflict(Exception):
    """The action does not apply to the request in its current state."""


@dataclass(frozen=True)
class NewFile:
    filename: str
    content_type: str
    data: bytes


def new_tracking_ref() -> str:
    """Our own reference for a request: ``PA-`` and ten unambiguous characters."""
    return "PA-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(10))


def fingerprint(fields: dict[str, Any], files: Sequence[NewFile]) -> str:
    """Hash of a request's content and its files, to tell a true repeat (same
    Idempotency-Key, same request) from a reused key."""
    body = json.dumps({"request": fields,
                       "files": [(f.filename, hashlib.sha256(f.data).hexdigest())
                                 for f in files]}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def find_by_idempotency_key(*, session: Session, key: str) -> PriorAuth | None:
    return session.exec(select(PriorAuth).where(PriorAuth.idempotency_key == key)).first()


def create(*, session: Session, store: ArtifactStore, fields: dict[str, Any],
           files: Sequence[NewFile], created_by: str, idempotency_key: str | None = None,
           origin: str = "api") -> tuple[PriorAuth, Job]:
    """Store a request, its documents (encrypted, with their SHA-256) and its submission
    job, queued; the caller commits, then sends the job. ``fields`` are a
    :class:`PriorAuthRequest`'s without ``tracking_ref`` and ``documents``; they are
    validated here (``pydantic.ValidationError``) before anything is written."""
    tracking_ref = new_tracking_ref()
    pa = PriorAuth(tracking_ref=tracking_ref, carrier=fields["carrier"],
                   member_id=str(fields["member_id"]),
                   date_of_birth=fields["date_of_birth"], last_name="", first_name="",
                   urgency=str(fields.get("urgency") or Urgency.STANDARD), request={},
                   idempotency_key=idempotency_key,
                   request_fingerprint=fingerprint(fields, files), created_by=created_by)
    pa_id = pa.id
    documents: list[RequestDocument] = []
    rows: list[PriorAuthDocument] = []
    for position, file in enumerate(files):
        document_id = uuid_hex()
        rel, sha = store.write(f"prior-auths/{pa_id}", f"{document_id}-{file.filename}",
                               file.data)
        rows.append(PriorAuthDocument(id=document_id, prior_auth_id=pa_id, position=position,
                                      filename=file.filename, content_type=file.content_type,
                                      size=len(file.data), sha256=sha, path=rel))
        documents.append(RequestDocument.model_validate({
            "document_id": document_id, "filename": file.filename,
            "content_type": file.content_type, "size": len(file.data), "sha256": sha}))
    try:
        request = PriorAuthRequest.model_validate(
            {**fields, "tracking_ref": tracking_ref, "documents": documents})
    except Exception:
        for row in rows:
            store.delete(row.path)
        raise
    pa.member_id = request.member_id
    pa.date_of_birth = request.date_of_birth
    pa.last_name = request.last_name
    pa.first_name = request.first_name
    pa.urgency = request.urgency
    pa.request = request.model_dump(mode="json")
    session.add(pa)
    session.flush()
    for row in rows:
        session.add(row)
    job = repo.create_job(session=session, request=request, kind=SUBMIT_KIND, origin=origin)
    pa.submit_job_id = job.id
    session.add(pa)
    add_event(session=session, pa=pa, event="created", job_id=job.id, actor=created_by,
              detail=f"{len(files)} document(s)")
    repo.audit(session=session, actor=created_by, action=CREATE_ACTION,
               target_type="prior_auth", target_id=pa.id)
    session.flush()
    return pa, job


def uuid_hex() -> str:
    return secrets.token_hex(16)


def get(*, session: Session, pa_id: str) -> PriorAuth | None:
    return session.get(PriorAuth, pa_id)


def by_job(*, session: Session, job: Job) -> PriorAuth | None:
    """The request a submission or status job belongs to."""
    if job.kind == SUBMIT_KIND:
        found = session.exec(select(PriorAuth).where(PriorAuth.submit_job_id == job.id)).first()
        if found is not None:
            return found
    ref = (job.request or {}).get("tracking_ref")
    if not ref:
        return None
    return session.exec(select(PriorAuth).where(PriorAuth.tracking_ref == ref)).first()


def request_of(pa: PriorAuth) -> PriorAuthRequest:
    return PriorAuthRequest.model_validate(pa.request)


def documents(*, session: Session, pa_id: str) -> list[PriorAuthDocument]:
    return list(session.exec(select(PriorAuthDocument)
                             .where(PriorAuthDocument.prior_auth_id == pa_id)
                             .order_by(col(PriorAuthDocument.position))))


def events(*, session: Session, pa_id: str) -> list[PriorAuthEvent]:
    return list(session.exec(select(PriorAuthEvent)
                             .where(PriorAuthEvent.prior_auth_id == pa_id)
                             .order_by(col(PriorAuthEvent.at), col(PriorAuthEvent.id))))


def jobs(*, session: Session, pa: PriorAuth) -> list[Job]:
    """Every job of the request (submissions and status reads), oldest first."""
    query = select(Job).where(col(Job.kind).in_([SUBMIT_KIND, STATUS_KIND]),
                              col(Job.member_id) == pa.member_id,
                              col(Job.carrier) == pa.carrier).order_by(col(Job.created_at))
    return [job for job in session.exec(query)
            if (job.request or {}).get("tracking_ref") == pa.tracking_ref]


def add_event(*, session: Session, pa: PriorAuth, event: str, action: str | None = None,
              portal_status: str | None = None, detail: str | None = None,
              job_id: str | None = None, actor: str | None = None,
              at: dt.datetime | None = None) -> PriorAuthEvent:
    line = PriorAuthEvent(prior_auth_id=pa.id, event=event, action=action,
                          portal_status=portal_status,
                          detail=detail[:500] if detail else None, job_id=job_id,
                          actor=actor, at=at or utcnow())
    session.add(line)
    return line


def is_overdue(pa: PriorAuth, now: dt.datetime | None = None) -> bool:
    if pa.state != PriorAuthState.SUBMITTED or pa.submitted_at is None:
        return False
    decided = pa.decision_action is not None and CertificationAction(pa.decision_action).decided
    submitted = pa.submitted_at if pa.submitted_at.tzinfo else \
        pa.submitted_at.replace(tzinfo=dt.UTC)
    return overdue(Urgency(pa.urgency), submitted, decided, now or utcnow())


def due_at(pa: PriorAuth) -> dt.datetime | None:
    if pa.submitted_at is None:
        return None
    submitted = pa.submitted_at if pa.submitted_at.tzinfo else \
        pa.submitted_at.replace(tzinfo=dt.UTC)
    return submitted + Urgency(pa.urgency).decision_due


def listing(*, session: Session, which: Listing = Listing.ALL, carrier: str | None = None,
            limit: int = 50, offset: int = 0, now: dt.datetime | None = None
            ) -> list[PriorAuth]:
    """Requests in one of the lists staff ask for, newest first."""
    now = now or utcnow()
    query = select(PriorAuth)
    undecided = or_(col(PriorAuth.decision_action).is_(None),
                    col(PriorAuth.decision_action).in_(_OPEN_ACTIONS))
    submitted = col(PriorAuth.state) == PriorAuthState.SUBMITTED
    if which is Listing.OPEN:
        query = query.where(submitted, undecided)
    elif which is Listing.DECIDED:
        query = query.where(submitted, col(PriorAuth.decision_action).in_(_DECIDED_ACTIONS))
    elif which is Listing.OVERDUE:
        query = query.where(submitted, undecided, or_(
            and_(col(PriorAuth.urgency) == Urgency.EXPEDITED,
                 col(PriorAuth.submitted_at) < now - Urgency.EXPEDITED.decision_due),
            and_(col(PriorAuth.urgency) == Urgency.STANDARD,
                 col(PriorAuth.submitted_at) < now - Urgency.STANDARD.decision_due)))
    elif which is not Listing.ALL:
        query = query.where(col(PriorAuth.state) == which.value)
    if carrier:
        query = query.where(col(PriorAuth.carrier) == carrier)
    query = query.order_by(col(PriorAuth.created_at).desc(), col(PriorAuth.id))
    return list(session.exec(query.offset(offset).limit(limit)))


def status_request(pa: PriorAuth) -> PriorAuthStatusRequest:
    if pa.reference_number is None:
        raise PriorAuthConflict("the request has no reference number yet: it was not "
                                "submitted")
    return PriorAuthStatusRequest(
        carrier=pa.carrier, tracking_ref=pa.tracking_ref,
        reference_number=pa.reference_number, member_id=pa.member_id,
        date_of_birth=pa.date_of_birth, last_name=pa.last_name, first_name=pa.first_name)


def queue_status_check(*, session: Session, pa: PriorAuth, origin: str = "api") -> Job:
    """A status job for a submitted request (safe to repeat); the caller commits and
    sends it."""
    if pa.state != PriorAuthState.SUBMITTED:
        raise PriorAuthConflict(f"only a submitted request's status can be read (this one "
                                f"is {pa.state.replace('_', ' ')})")
    return repo.create_job(session=session, request=status_request(pa), kind=STATUS_KIND,
                           origin=origin)


def resolve(*, session: Session, pa: PriorAuth, resolution: Resolution, actor: str,
            note: str | None = None) -> Job | None:
    """A person's decision on a request whose outcome is unknown (or that failed before
    reaching the portal): resubmit (a new submission job, which still looks in the
    portal first) or close. Audited; returns the new job to send, if any."""
    allowed = (PriorAuthState.OUTCOME_UNKNOWN, PriorAuthState.FAILED)
    if pa.state not in allowed:
        raise PriorAuthConflict(f"only a request whose outcome is unknown or that failed "
                                f"can be resolved (this one is "
                                f"{pa.state.replace('_', ' ')})")
    now = utcnow()
    pa.resolution = resolution.value
    pa.resolved_by = actor
    pa.resolved_at = now
    pa.updated_at = now
    job: Job | None = None
    if resolution is Resolution.RESUBMIT:
        job = repo.create_job(session=session, request=request_of(pa), kind=SUBMIT_KIND,
                              origin="resubmit")
        pa.submit_job_id = job.id
        pa.state = PriorAuthState.QUEUED
        pa.message = None
    else:
        pa.state = PriorAuthState.CLOSED
    session.add(pa)
    add_event(session=session, pa=pa, event=f"resolved_{resolution.value}", actor=actor,
              detail=note, job_id=job.id if job else None)
    repo.audit(session=session, actor=actor, action=RESOLVE_ACTION, target_type="prior_auth",
               target_id=pa.id, detail=f"{resolution.value}: {note or ''}"[:500])
    session.flush()
    return job


# -- what finished jobs mean for their request ------------------------------------------


def _case(session: Session, job: Job) -> PriorAuthCase | None:
    row = session.exec(select(JobResult).where(JobResult.job_id == job.id)).first()
    return PriorAuthCase.model_validate(row.data) if row is not None else None


def _apply_case(session: Session, pa: PriorAuth, case: PriorAuthCase, job: Job) -> None:
    decision = case.decision
    changed = pa.decision_action != decision.action.value or \
        pa.decision_status != decision.portal_status
    now = utcnow()
    pa.reference_number = case.reference_number
    pa.submitted_at = case.submitted_at
    pa.decision_action = decision.action.value
    pa.decision_status = decision.portal_status
    pa.authorization_number = decision.authorization_number
    pa.decision = decision.model_dump(mode="json")
    pa.last_checked_at = now
    if decision.action.decided and pa.decided_at is None:
        pa.decided_at = now
    pa.updated_at = now
    session.add(pa)
    if changed:
        add_event(session=session, pa=pa, event="status", action=decision.action.value,
                  portal_status=decision.portal_status, job_id=job.id,
                  detail=decision.reason)
        if decision.action.decided:
            from storage.webhooks import prior_auth_decided

            prior_auth_decided(session, pa, job)


@on_job_finished(SUBMIT_KIND)
def _submission_finished(session: Session, job: Job) -> None:
    pa = by_job(session=session, job=job)
    if pa is None or pa.submit_job_id != job.id:
        return
    status = JobStatus(job.status)
    now = utcnow()
    if status is JobStatus.SUCCEEDED:
        case = _case(session, job)
        if case is None:
            return
        pa.state = PriorAuthState.SUBMITTED
        pa.message = None
        runs = repo.list_runs(session=session, job_id=job.id)  # newest first
        clicked = bool(runs) and any(e.get("event") == "commit" for e in runs[0].events)
        found = case.found_existing or not clicked
        add_event(session=session, pa=pa, event="found_existing" if found else "submitted",
                  job_id=job.id, at=None if found else case.submitted_at,
                  detail=f"reference {case.reference_number}"
                  + (" (already in the portal: recorded, not submitted again)"
                     if found else ""))
        _apply_case(session, pa, case, job)
        return
    if status is JobStatus.OUTCOME_UNKNOWN or (job.committed_at is not None
                                               and status.finished):
        pa.state = PriorAuthState.OUTCOME_UNKNOWN
        event = "outcome_unknown"
    elif status in (JobStatus.FAILED, JobStatus.NOT_FOUND):
        pa.state = PriorAuthState.FAILED
        event = "failed"
    else:
        return
    pa.message = job.message
    pa.updated_at = now
    session.add(pa)
    add_event(session=session, pa=pa, event=event, job_id=job.id, detail=job.message)


@on_job_finished(STATUS_KIND)
def _status_finished(session: Session, job: Job) -> None:
    pa = by_job(session=session, job=job)
    if pa is None:
        return
    if job.status == JobStatus.SUCCEEDED:
        case = _case(session, job)
        if case is not None:
            _apply_case(session, pa, case, job)
    else:
        add_event(session=session, pa=pa, event="status_failed", job_id=job.id,
                  detail=job.message)


@on_job_requeued(SUBMIT_KIND)
def _submission_requeued(session: Session, job: Job) -> None:
    pa = by_job(session=session, job=job)
    if pa is None or pa.submit_job_id != job.id:
        return
    pa.state = PriorAuthState.QUEUED
    pa.message = None
    pa.updated_at = utcnow()
    session.add(pa)
    add_event(session=session, pa=pa, event="retried", job_id=job.id)
