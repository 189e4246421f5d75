"""Plain keyword-only CRUD over the tables. Every function takes the ``session``.

The job row is the source of truth for the queue: :func:`claim_job` moves it to
running under a lease in one conditional UPDATE, so two workers can never run it at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import BaseModel, SecretStr
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from portals.jobs import get_kind
from storage import hooks
from storage.crypto import Vault
from storage.models import (
    AccountStatus,
    Artifact,
    AuditEvent,
    CarrierAccount,
    Job,
    JobResult,
    JobStatus,
    Run,
    RunStatus,
    utcnow,
)

# -- accounts -------------------------------------------------------------------------


def create_account(
    *,
    session: Session,
    vault: Vault,
    carrier: str,
    label: str,
    username: str,
    password: SecretStr,
    totp_secret: SecretStr | None = None,
    extra: dict[str, SecretStr] | None = None,
    mfa_recipient: str | None = None,
) -> CarrierAccount:
    account = CarrierAccount(
        carrier=carrier,
        label=label,
        mfa_recipient=mfa_recipient.strip().lower() if mfa_recipient else None,
        username_enc=vault.encrypt_str(username),
        password_enc=vault.encrypt_str(password.get_secret_value()),
        totp_secret_enc=(
            vault.encrypt_str(totp_secret.get_secret_value()) if totp_secret else None
        ),
        extra_enc=(
            vault.encrypt_json({k: v.get_secret_value() for k, v in extra.items()})
            if extra
            else None
        ),
    )
    session.add(account)
    session.flush()
    return account


def get_account(*, session: Session, account_id: int) -> CarrierAccount | None:
    return session.get(CarrierAccount, account_id)


def list_accounts(*, session: Session, carrier: str | None = None) -> list[CarrierAccount]:
    query = select(CarrierAccount).order_by(col(CarrierAccount.id))
    if carrier:
        query = query.where(CarrierAccount.carrier == carrier)
    return list(session.exec(query))


def usable_account(*, session: Session, carrier: str) -> CarrierAccount | None:
    """The first active (unflagged) account for a carrier."""
    query = (
        select(CarrierAccount)
        .where(CarrierAccount.carrier == carrier, CarrierAccount.status == AccountStatus.ACTIVE)
        .order_by(col(CarrierAccount.id))
    )
    return session.exec(query).first()


def flag_account(*, session: Session, account_id: int, reason: str) -> None:
    account = session.get(CarrierAccount, account_id)
    if account is not None:
        account.status = AccountStatus.FLAGGED
        account.flag_reason = reason
        account.flagged_at = utcnow()
        account.session_state_enc = None
        session.add(account)


def clear_account_flag(*, session: Session, account_id: int) -> bool:
    account = session.get(CarrierAccount, account_id)
    if account is None:
        return False
    account.status = AccountStatus.ACTIVE
    account.flag_reason = None
    account.flagged_at = None
    session.add(account)
    return True


# -- checks ---------------------------------------------------------------------------


def fingerprint(request: BaseModel) -> str:
    """Hash of a request's content, to tell a true repeat from a reused Idempotency-Key."""
    body = json.dumps(request.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def find_by_idempotency_key(*, session: Session, key: str) -> Job | None:
    return session.exec(select(Job).where(Job.idempotency_key == key)).first()


def create_job(
    *,
    session: Session,
    request: BaseModel,
    kind: str = "eligibility",
    idempotency_key: str | None = None,
    origin: str = "api",
) -> Job:
    """Store a job of ``kind`` for ``request`` (the kind's request model), queued."""
    job_kind = get_kind(kind)
    if not isinstance(request, job_kind.request_model):
        raise TypeError(f"a {kind} job takes a {job_kind.request_model.__name__}")
    data = request.model_dump(mode="json")
    job = Job(  # a kind with no patient (a library collection) leaves its columns empty
        kind=kind,
        carrier=data["carrier"],
        member_id=data.get("member_id"),
        date_of_birth=getattr(request, "date_of_birth", None),
        last_name=data.get("last_name"),
        first_name=data.get("first_name"),
        request=data,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint(request),
        origin=origin,
    )
    session.add(job)
    session.flush()
    return job


def job_request(job: Job) -> Any:
    """The job's typed request (its kind's request model)."""
    return get_kind(job.kind).parse_request(job.request)


def get_job(*, session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def list_jobs(*, session: Session, limit: int = 50, kind: str | None = None) -> list[Job]:
    """The newest jobs (of one kind, if given) first."""
    query = select(Job).order_by(col(Job.created_at).desc()).limit(limit)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return list(session.exec(query))


def claim_job(
    *, session: Session, job_id: str, worker: str, lease_seconds: float
) -> bool:
    """Move a queued check (or one whose lease ran out) to running, atomically.

    True when this worker now holds the lease; False when the check is finished, held by
    a live worker, or not due yet.
    """
    now = utcnow()
    statement = (
        update(Job)
        .where(
            col(Job.id) == job_id,
            or_(
                (col(Job.status) == JobStatus.QUEUED)
                & or_(
                    col(Job.next_attempt_at).is_(None),
                    col(Job.next_attempt_at) <= now,
                ),
                col(Job.status).in_([JobStatus.RUNNING,
                                                  JobStatus.NEEDS_MFA_CODE])
                & (col(Job.lease_expires_at) < now),
            ),
        )
        .values(
            status=JobStatus.RUNNING,
            lease_owner=worker,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = session.connection().execute(statement).rowcount == 1
    session.commit()
    return claimed


def renew_lease(*, session: Session, job_id: str, worker: str, lease_seconds: float) -> bool:
    """Extend the lease; False when this worker no longer holds it."""
    now = utcnow()
    statement = (
        update(Job)
        .where(col(Job.id) == job_id, col(Job.lease_owner) == worker,
               col(Job.status).in_([JobStatus.RUNNING,
                                                 JobStatus.NEEDS_MFA_CODE]))
        .values(lease_expires_at=now + dt.timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    renewed = session.connection().execute(statement).rowcount == 1
    session.commit()
    return renewed


def set_job_status(
    *, session: Session, job_id: str, worker: str, status: JobStatus
) -> bool:
    """Change the status of a check this worker holds (running <-> needs_mfa_code)."""
    statement = (
        update(Job)
        .where(col(Job.id) == job_id, col(Job.lease_owner) == worker)
        .values(status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    changed = session.connection().execute(statement).rowcount == 1
    session.commit()
    return changed


def release_job(
    *,
    session: Session,
    job: Job,
    status: JobStatus,
    message: str | None = None,
    retry_at: dt.datetime | None = None,
) -> None:
    """End this worker's hold: finished with ``status``, or back to queued for ``retry_at``."""
    now = utcnow()
    job.status = status
    job.message = message
    job.lease_owner = None
    job.lease_expires_at = None
    job.next_attempt_at = retry_at
    job.updated_at = now
    if status.finished:
        job.finished_at = now
    session.add(job)
    if status.finished:
        hooks.job_finished(session, job)


def commit_job(*, session: Session, job_id: str, worker: str) -> bool:
    """Record that this worker's run passed the job's point of no return (a submission's
    submit click), in one conditional UPDATE committed at once: only while this worker
    holds a live lease, and only the first time. False: the click must not happen."""
    now = utcnow()
    statement = (
        update(Job)
        .where(col(Job.id) == job_id, col(Job.lease_owner) == worker,
               col(Job.lease_expires_at) > now, col(Job.committed_at).is_(None),
               col(Job.status).in_([JobStatus.RUNNING, JobStatus.NEEDS_MFA_CODE]))
        .values(committed_at=now)
        .execution_options(synchronize_session=False)
    )
    committed = session.connection().execute(statement).rowcount == 1
    session.commit()
    return committed


def stale_jobs(
    *, session: Session, queued_before: dt.datetime, now: dt.datetime | None = None,
    lapsed_touched_before: dt.datetime | None = None,
) -> list[Job]:
    """Jobs a dead worker left behind: running with a lapsed lease, or queued too long.

    A queued job must also be untouched since ``queued_before``; a lapsed one since
    ``lapsed_touched_before`` (default: the same), so that a sweep re-sends a job once per
    period, not on every sweep. (A running job's heartbeat renews its lease, not its
    ``updated_at``: a lapsed lease alone says its worker is gone.)
    """
    now = now or utcnow()
    lapsed_before = lapsed_touched_before or queued_before
    query = select(Job).where(
        or_(
            col(Job.status).in_([JobStatus.RUNNING, JobStatus.NEEDS_MFA_CODE])
            & (col(Job.lease_expires_at) < now)
            & (col(Job.updated_at) < lapsed_before),
            (col(Job.status) == JobStatus.QUEUED)
            & (col(Job.updated_at) < queued_before)
            & or_(col(Job.next_attempt_at).is_(None),
                  col(Job.next_attempt_at) <= now),
        ),
    )
    return list(session.exec(query))


def touch_job(*, session: Session, job_id: str) -> None:
    job = session.get(Job, job_id)
    if job is not None:
        job.updated_at = utcnow()
        session.add(job)


# -- runs, artifacts, results ---------------------------------------------------------


def start_run(*, session: Session, job: Job, worker: str) -> Run:
    run = Run(job_id=job.id, carrier=job.carrier, attempt=job.attempts, worker=worker)
    session.add(run)
    session.flush()
    return run


def abandon_runs(*, session: Session, job_id: str) -> int:
    """Mark runs left 'running' by a dead worker as abandoned."""
    runs = session.exec(
        select(Run).where(Run.job_id == job_id, Run.status == RunStatus.RUNNING)
    ).all()
    for run in runs:
        run.status = RunStatus.ABANDONED
        run.finished_at = utcnow()
        run.error_type = "worker_lost"
        run.error_message = "The worker running this attempt stopped; the job was run again."
        session.add(run)
    return len(runs)


def crashed_runs(*, session: Session, job_id: str) -> int:
    """How many of the job's runs ended because their worker died."""
    runs = session.exec(select(Run).where(Run.job_id == job_id,
                                          Run.status == RunStatus.ABANDONED,
                                          Run.error_type == "worker_lost")).all()
    return len(runs)


def finish_run(
    *,
    session: Session,
    run: Run,
    status: RunStatus,
    error_type: str | None = None,
    error_message: str | None = None,
) -> None:
    run.status = status
    run.finished_at = utcnow()
    run.error_type = error_type
    run.error_message = error_message
    session.add(run)


def add_run_event(*, session: Session, run_id: str, event: str) -> None:
    run = session.get(Run, run_id)
    if run is not None:
        run.events = [*(run.events or []), {"at": utcnow().isoformat(), "event": event}]
        session.add(run)


def get_run(*, session: Session, run_id: str) -> Run | None:
    return session.get(Run, run_id)


def list_runs(
    *, session: Session, status: str | None = None, job_id: str | None = None, limit: int = 100
) -> list[Run]:
    query = select(Run).order_by(col(Run.started_at).desc()).limit(limit)
    if status:
        query = query.where(Run.status == status)
    if job_id:
        query = query.where(Run.job_id == job_id)
    return list(session.exec(query))


def add_artifact(
    *,
    session: Session,
    run_id: str,
    kind: str,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    path: str,
) -> Artifact:
    artifact = Artifact(run_id=run_id, kind=kind, filename=filename, content_type=content_type,
                        size=size, sha256=sha256, path=path)
    session.add(artifact)
    session.flush()
    return artifact


def list_artifacts(*, session: Session, run_id: str) -> list[Artifact]:
    query = select(Artifact).where(Artifact.run_id == run_id).order_by(col(Artifact.created_at))
    return list(session.exec(query))


def get_artifact(*, session: Session, artifact_id: str) -> Artifact | None:
    return session.get(Artifact, artifact_id)


def save_result(*, session: Session, job: Job, run: Run, result: BaseModel) -> JobResult:
    """Keep a result that passed its kind's guard (the runner checks, then stores)."""
    record = JobResult(
        job_id=job.id,
        run_id=run.id,
        kind=job.kind,
        carrier=job.carrier,
        member_id=job.member_id or "",  # a kind with no patient (a library) names none
        data=result.model_dump(mode="json"),
    )
    session.add(record)
    session.flush()
    if job.kind == "library":  # its files, stored once per content, in this transaction
        from portals.library import LibraryResult
        from storage.library import record_collection

        assert isinstance(result, LibraryResult)
        record_collection(session=session, job=job, result=result)
    return record


def get_result(*, session: Session, job_id: str) -> Any:
    """The job's stored result as its kind's result model, or None."""
    record = session.exec(select(JobResult).where(JobResult.job_id == job_id)).first()
    return get_kind(record.kind).parse_result(record.data) if record else None


# -- audit ----------------------------------------------------------------------------


def audit(
    *,
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    detail: str | None = None,
    actor_type: str | None = None,
    client_address: str | None = None,
) -> AuditEvent:
    """Add one audit event. An ``actor`` from the API or UI (``api.deps.Actor``) brings
    its own type and address; a plain string is the system (the worker, the CLI, the
    retention purge), or ``anonymous`` for a login attempt."""
    kind = actor_type or getattr(actor, "kind", None) \
        or ("anonymous" if actor == "anonymous" else "system")
    address = client_address or getattr(actor, "address", None)
    event = AuditEvent(actor=str(actor)[:80], actor_type=kind, client_address=address,
                       action=action, target_type=target_type, target_id=target_id[:64],
                       detail=detail[:500] if detail else detail)
    session.add(event)
    return event


def list_audit(*, session: Session, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc()).limit(limit)
    return list(session.exec(query))


def dumps_safe(value: Any) -> str:
    return json.dumps(value, default=str)


def artifacts_created_before(*, session: Session, before: dt.datetime,
                             limit: int = 500) -> list[Artifact]:
    query = (select(Artifact).where(col(Artifact.created_at) < before)
             .order_by(col(Artifact.created_at)).limit(limit))
    return list(session.exec(query))


def result_documents(*, session: Session, job_id: str) -> list[Artifact]:
    """The documents (benefit summaries, ...) kept with a check's stored result: artifacts of
    kind "document" of the run that produced it, named in the result by their sha256."""
    record = session.exec(
        select(JobResult).where(JobResult.job_id == job_id)
    ).first()
    if record is None:
        return []
    wanted = {d.get("sha256") for d in record.data.get("documents", [])}
    return [a for a in list_artifacts(session=session, run_id=record.run_id)
            if a.kind == "document" and a.sha256 in wanted]
