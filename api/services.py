"""What the API and the web UI do, once: submit, retry, resolve, read an artifact.

Routes translate these functions' exceptions into HTTP answers; the functions own the
order of side effects (store and commit first, then enqueue; audit before bytes leave).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.schemas import CheckCreate
from portals.jobs import get_kind
from storage import codes, hooks, repo
from storage.artifacts import ArtifactStore
from storage.crypto import Vault, VaultError
from storage.models import (
    Artifact,
    AuditEvent,
    Job,
    JobStatus,
    Run,
    RunStatus,
    utcnow,
)
from workflows.dispatch import send_job

log = logging.getLogger(__name__)

RESOLVE_ACTION = "run.resolve"
RETRY_ACTION = "check.retry"
ARTIFACT_VIEW_ACTION = "artifact.view"
CLEAR_FLAG_ACTION = "account.clear_flag"


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before for a different request."""


class NotFoundError(Exception):
    """No such check, run, artifact or account (or not the one the path names)."""


class StateConflict(Exception):
    """The action does not apply to the object in its current state."""


@dataclass(frozen=True)
class Submitted:
    check: Job
    created: bool


def submit_check(
    *,
    session: Session,
    body: CheckCreate,
    idempotency_key: str | None = None,
    origin: str = "api",
) -> Submitted:
    """Store an eligibility check and queue it (see :func:`submit_job`)."""
    return submit_job(session=session, kind="eligibility", request=body.to_request(),
                      idempotency_key=idempotency_key, origin=origin)


def submit_job(
    *,
    session: Session,
    kind: str,
    request: BaseModel,
    idempotency_key: str | None = None,
    origin: str = "api",
) -> Submitted:
    """Store a job, commit, then enqueue it; a repeated Idempotency-Key returns the first.

    A reused key with another body raises :class:`IdempotencyConflict` and stores nothing.
    Should the enqueue fail after the commit, the job stays queued and the workers'
    recovery sweep sends it again, so the caller still gets its id.
    """
    if idempotency_key is not None:
        existing = _replay(session, idempotency_key, repo.fingerprint(request))
        if existing is not None:
            return Submitted(existing, created=False)
    try:
        check = repo.create_job(session=session, kind=kind, request=request,
                                idempotency_key=idempotency_key, origin=origin)
        session.commit()
    except IntegrityError:
        # Another request with the same key won the race: answer with its check.
        session.rollback()
        if idempotency_key is None:
            raise
        existing = _replay(session, idempotency_key, repo.fingerprint(request))
        if existing is None:
            raise
        return Submitted(existing, created=False)
    _enqueue(check.id)
    return Submitted(check, created=True)


def _replay(session: Session, key: str, fingerprint: str) -> Job | None:
    existing = repo.find_by_idempotency_key(session=session, key=key)
    if existing is not None and existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            "this Idempotency-Key was already used for a different request"
        )
    return existing


def _enqueue(job_id: str) -> None:
    try:
        send_job(job_id)
    except Exception:
        log.exception("check %s stored but not enqueued; the recovery sweep will send it",
                      job_id)


def job_of_kind(*, session: Session, job_id: str, kind: str) -> Job:
    """The job with this id and kind (a job of another kind is not found under this one's
    resource)."""
    job = repo.get_job(session=session, job_id=job_id)
    if job is None or job.kind != kind:
        raise NotFoundError(f"no {get_kind(kind).title} {job_id}")
    return job


def retry_check(*, session: Session, job_id: str, actor: str, kind: str = "eligibility"
                ) -> Job:
    """A failed job goes back to queued (after staff review) and is enqueued again."""
    job_of_kind(session=session, job_id=job_id, kind=kind)
    now = utcnow()
    moved = session.connection().execute(
        update(Job)
        .where(col(Job.id) == job_id,
               col(Job.status) == JobStatus.FAILED)
        .values(status=JobStatus.QUEUED, message=None, finished_at=None,
                next_attempt_at=None, lease_owner=None, lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        session.rollback()
        raise StateConflict("only a failed check can be retried")
    repo.audit(session=session, actor=actor, action=RETRY_ACTION, target_type="check",
               target_id=job_id)
    retried = repo.get_job(session=session, job_id=job_id)
    assert retried is not None
    session.refresh(retried)
    hooks.job_requeued(session, retried)
    session.commit()
    _enqueue(job_id)
    check = repo.get_job(session=session, job_id=job_id)
    assert check is not None
    session.refresh(check)
    return check


def resolutions(*, session: Session, run_ids: list[str]) -> dict[str, AuditEvent]:
    """The resolve audit event of each run that has one (the first, if several)."""
    if not run_ids:
        return {}
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == RESOLVE_ACTION, AuditEvent.target_type == "run",
               col(AuditEvent.target_id).in_(run_ids))
        .order_by(col(AuditEvent.at))
    )
    found: dict[str, AuditEvent] = {}
    for event in events:
        found.setdefault(event.target_id, event)
    return found


def resolve_run(*, session: Session, run_id: str, actor: str, note: str) -> Run:
    """Mark a failed run reviewed, as an audit event (the tables keep no such column)."""
    run = repo.get_run(session=session, run_id=run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id}")
    if run.status != RunStatus.FAILED:
        raise StateConflict("only a failed run can be resolved")
    if run_id in resolutions(session=session, run_ids=[run_id]):
        raise StateConflict("this run is already resolved")
    repo.audit(session=session, actor=actor, action=RESOLVE_ACTION, target_type="run",
               target_id=run_id, detail=note[:500])
    session.commit()
    return run


def clear_account_flag(*, session: Session, account_id: int, actor: str) -> None:
    if not repo.clear_account_flag(session=session, account_id=account_id):
        raise NotFoundError(f"no account {account_id}")
    repo.audit(session=session, actor=actor, action=CLEAR_FLAG_ACTION, target_type="account",
               target_id=str(account_id))
    session.commit()


def read_artifact(
    *, session: Session, store: ArtifactStore, run_id: str, artifact_id: str, actor: str
) -> tuple[Artifact, bytes]:
    """An artifact's plain bytes, after recording who viewed it."""
    artifact = repo.get_artifact(session=session, artifact_id=artifact_id)
    if artifact is None or artifact.run_id != run_id:
        raise NotFoundError("no such artifact for this run")
    try:
        data = store.read(artifact.path)
    except (OSError, ValueError, VaultError) as exc:
        log.warning("artifact %s unreadable: %s", artifact_id, type(exc).__name__)
        raise NotFoundError("the artifact's file is gone (retention) or unreadable") from None
    repo.audit(session=session, actor=actor, action=ARTIFACT_VIEW_ACTION,
               target_type="artifact", target_id=artifact_id,
               detail=f"run {run_id}, {artifact.kind} {artifact.filename}"[:500])
    session.commit()
    return artifact, data


CODE_ENTERED_ACTION = "mfa.code_entered"


def enter_code(*, session: Session, vault: Vault, job_id: str, code: str, actor: str,
               ttl_seconds: float, kind: str = "eligibility") -> None:
    """Staff type the one-time code a waiting run asked for (the last resort)."""
    check = job_of_kind(session=session, job_id=job_id, kind=kind)
    if check.status != JobStatus.NEEDS_MFA_CODE:
        raise StateConflict("the check is not waiting for a code")
    codes.store_code(session=session, vault=vault, carrier=check.carrier, channel="staff",
                    source="staff", code=code, ttl_seconds=ttl_seconds, job_id=job_id,
                    entered_by=actor)
    repo.audit(session=session, actor=actor, action=CODE_ENTERED_ACTION, target_type="check",
               target_id=job_id)
    session.commit()
