"""SQLModel tables, split by role in the template's shape (Base / Create / Public / table).

Times are timezone-aware UTC. Secrets are stored only as Fernet tokens (``*_enc`` columns).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC (SQLModel stores aware datetimes as UTC)."""
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    NEEDS_MFA_CODE = "needs_mfa_code"
    SUCCEEDED = "succeeded"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    """A submission passed its point of no return and the portal does not show it: never
    run again by itself; a person decides (resubmit or close)."""

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.NOT_FOUND, JobStatus.FAILED,
                        JobStatus.OUTCOME_UNKNOWN)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    ABANDONED = "abandoned"
    """Its worker died; the check was run again."""


class AccountStatus(StrEnum):
    ACTIVE = "active"
    FLAGGED = "flagged"
    """Needs a person (rejected login, lock, expired password). Never used until cleared."""


class CarrierAccount(SQLModel, table=True):
    __tablename__ = "carrier_accounts"

    id: int | None = Field(default=None, primary_key=True)
    carrier: str = Field(index=True, max_length=40)
    label: str = Field(max_length=120)
    username_enc: str = Field(sa_column=Column(Text, nullable=False))
    password_enc: str = Field(sa_column=Column(Text, nullable=False))
    totp_secret_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    extra_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    mfa_recipient: str | None = Field(
        default=None, max_length=200,
        description="Phone or e-mail the portal sends codes to; the inbox routes by it.")
    status: str = Field(default=AccountStatus.ACTIVE, max_length=20)
    flag_reason: str | None = Field(default=None, max_length=60)
    flagged_at: dt.datetime | None = None
    session_state_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    session_saved_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class Job(SQLModel, table=True):
    """A portal job of one kind (eligibility check, claim status, ...) for one patient.

    The job row is the source of truth for the queue. ``request`` is the kind's typed
    request (see :mod:`portals.kinds`); the patient's columns are copied out of it so
    lists and searches need not parse JSON.
    """

    __tablename__ = "jobs"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kind: str = Field(default="eligibility", index=True, max_length=40)
    carrier: str = Field(index=True, max_length=40)
    member_id: str | None = Field(default=None, index=True, max_length=30)
    """The patient's columns are empty for a kind with no patient (a library collection)."""
    date_of_birth: dt.date | None = None
    last_name: str | None = Field(default=None, max_length=60)
    first_name: str | None = Field(default=None, max_length=60)
    request: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    account_id: int | None = Field(default=None, foreign_key="carrier_accounts.id")
    status: str = Field(default=JobStatus.QUEUED, index=True, max_length=20)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    request_fingerprint: str = Field(max_length=64)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    origin: str = Field(default="api", max_length=20)
    batch_id: str | None = Field(default=None, index=True, max_length=32,
                                 description="The batch (``batches.id``) that created it, "
                                 "if any: its progress counts this job.")
    committed_at: dt.datetime | None = Field(
        default=None, description="When a run passed the job's point of no return (a "
        "submission's submit click). From then on the job is only looked for, never run "
        "again by itself.")
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None


class Run(SQLModel, table=True):
    """One attempt at a job by one worker."""

    __tablename__ = "runs"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    job_id: str = Field(foreign_key="jobs.id", index=True, max_length=32)
    carrier: str = Field(max_length=40)
    attempt: int
    status: str = Field(default=RunStatus.RUNNING, index=True, max_length=20)
    worker: str = Field(max_length=120)
    started_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    error_type: str | None = Field(default=None, max_length=40)
    error_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    events: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))


class Artifact(SQLModel, table=True):
    """A file kept for a run: screenshot, page HTML, trace, or a downloaded document.

    The bytes live encrypted in the artifact store; this row says where.
    """

    __tablename__ = "artifacts"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    run_id: str = Field(foreign_key="runs.id", index=True, max_length=32)
    kind: str = Field(max_length=20)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    path: str = Field(max_length=400)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class JobResult(SQLModel, table=True):
    """A normalized result, stored only once the page was proven to be the patient's."""

    __tablename__ = "job_results"
    __table_args__ = (UniqueConstraint("job_id"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(foreign_key="jobs.id", max_length=32)
    kind: str = Field(default="eligibility", max_length=40)
    run_id: str = Field(foreign_key="runs.id", max_length=32)
    carrier: str = Field(max_length=40)
    member_id: str = Field(max_length=30)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A staff member who logs into the web UI."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    password_hash: str = Field(max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)


class UserRole(SQLModel, table=True):
    """One role a staff member holds (``portals.access.Role``); a person may hold several."""

    __tablename__ = "user_roles"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=20)


class ApiToken(SQLModel, table=True):
    """A person's API token: only its SHA-256 is kept (the token is shown once). It acts
    with the roles chosen at creation that the person still holds, until it expires or is
    revoked."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    token_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=16, description="The token's first characters, to tell "
                        "tokens apart in lists")
    roles: str = Field(max_length=100, description="Comma-separated role names")
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class WebSession(SQLModel, table=True):
    """A staff member's web login, kept on the server so that logout and timeouts end it.

    The browser's cookie holds only a random token; ``id`` is that token's SHA-256, so a
    copy of this table lets nobody log in.
    """

    __tablename__ = "web_sessions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    ended_at: dt.datetime | None = None
    client_address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class AuditEvent(SQLModel, table=True):
    """Who saw or did what, when and from where: every read of a result, artifact or
    document, every job created, retried or resolved, every login and failed login, every
    account, person and role change. The application only ever adds rows; the retention
    purge (``PORTALS_AUDIT_RETENTION_DAYS``) is the one thing that removes them."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=80, index=True)
    actor_type: str = Field(default="system", max_length=20, description="person, "
                            "admin_token, anonymous or system")
    client_address: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=60)
    target_type: str = Field(max_length=40)
    target_id: str = Field(max_length=64)
    detail: str | None = Field(default=None, max_length=500)


class OneTimeCode(SQLModel, table=True):
    """A code for a portal's second factor: posted by the SMS/e-mail gateway into the
    inbox (routed by recipient), or typed by staff for one waiting check. Used once."""

    __tablename__ = "one_time_codes"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str | None = Field(default=None, unique=True, max_length=100)
    carrier: str = Field(max_length=40)
    channel: str = Field(max_length=10)
    source: str = Field(max_length=10, description="gateway or staff")
    recipient: str | None = Field(default=None, index=True, max_length=200)
    job_id: str | None = Field(default=None, foreign_key="jobs.id",
                                 index=True, max_length=32)
    code_enc: str = Field(sa_column=Column(Text, nullable=False))
    received_at: dt.datetime = Field(default_factory=utcnow, index=True)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    used_by_run: str | None = Field(default=None, max_length=32)
    entered_by: str | None = Field(default=None, max_length=80)


class PriorAuthState(StrEnum):
    """Where a prior-authorization request stands on our side (the payer's decision is
    kept beside it)."""

    QUEUED = "queued"
    """Its submission job is queued or running."""
    SUBMITTED = "submitted"
    """The portal has it: reference number known."""
    OUTCOME_UNKNOWN = "outcome_unknown"
    """A run may have submitted it and the portal does not show it: a person decides."""
    FAILED = "failed"
    """Nothing reached the portal (a file refused, the account flagged...): retry or close."""
    CLOSED = "closed"
    """A person closed it without (re)submitting."""


class PriorAuth(SQLModel, table=True):
    """A prior-authorization request: submitted once, then followed to a decision."""

    __tablename__ = "prior_auths"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    tracking_ref: str = Field(unique=True, max_length=13,
                              description="Our reference, written into the portal's note.")
    carrier: str = Field(index=True, max_length=40)
    member_id: str = Field(index=True, max_length=30)
    date_of_birth: dt.date
    last_name: str = Field(max_length=60)
    first_name: str = Field(max_length=60)
    urgency: str = Field(max_length=10)
    request: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    state: str = Field(default=PriorAuthState.QUEUED, index=True, max_length=20)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    request_fingerprint: str = Field(max_length=64)
    submit_job_id: str | None = Field(default=None, foreign_key="jobs.id", max_length=32)
    reference_number: str | None = Field(default=None, index=True, max_length=40)
    submitted_at: dt.datetime | None = None
    decision_action: str | None = Field(default=None, max_length=4)
    decision_status: str | None = Field(default=None, max_length=120)
    authorization_number: str | None = Field(default=None, max_length=40)
    decision: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    decided_at: dt.datetime | None = None
    last_checked_at: dt.datetime | None = None
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by: str = Field(max_length=80)
    resolution: str | None = Field(default=None, max_length=20)
    resolved_by: str | None = Field(default=None, max_length=80)
    resolved_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class PriorAuthDocument(SQLModel, table=True):
    """A clinical document attached to a request; the bytes are encrypted on disk."""

    __tablename__ = "prior_auth_documents"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    prior_auth_id: str = Field(foreign_key="prior_auths.id", index=True, max_length=32)
    position: int
    filename: str = Field(max_length=120)
    content_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    path: str = Field(max_length=400)
    created_at: dt.datetime = Field(default_factory=utcnow)


class PriorAuthEvent(SQLModel, table=True):
    """One line of a request's timeline: created, submitted, each status seen, a person's
    decision."""

    __tablename__ = "prior_auth_events"

    id: int | None = Field(default=None, primary_key=True)
    prior_auth_id: str = Field(foreign_key="prior_auths.id", index=True, max_length=32)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    event: str = Field(max_length=30)
    action: str | None = Field(default=None, max_length=4)
    portal_status: str | None = Field(default=None, max_length=120)
    detail: str | None = Field(default=None, max_length=500)
    job_id: str | None = Field(default=None, max_length=32)
    actor: str | None = Field(default=None, max_length=80)


# -- issue 10: appointments, schedules and batches ------------------------------------------


class Batch(SQLModel, table=True):
    """A set of jobs created together (by a schedule's slot, or by staff), shown with its
    progress: done / failed / left, counted from its jobs."""

    __tablename__ = "batches"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    label: str = Field(max_length=160)
    kind: str = Field(max_length=40, description="The schedule kind that made it")
    schedule_id: int | None = Field(default=None, foreign_key="schedules.id", index=True)
    total: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class AppointmentImport(SQLModel, table=True):
    """One CSV file of upcoming visits, as imported: what it did and each refused row."""

    __tablename__ = "appointment_imports"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=200)
    sha256: str = Field(max_length=64, index=True)
    size: int
    imported_by: str = Field(max_length=80)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    """``{"line": n, "reason": "..."}`` for each refused row (the first 1000)."""


class Appointment(SQLModel, table=True):
    """An upcoming visit from the practice management system. ``visit_key`` names the visit
    across imports (the system's appointment ID, else carrier, member, day and provider):
    an updated visit replaces the earlier row; ``row_hash`` makes a re-import a no-op."""

    __tablename__ = "appointments"

    id: int | None = Field(default=None, primary_key=True)
    visit_key: str = Field(unique=True, max_length=200)
    external_id: str | None = Field(default=None, max_length=80)
    carrier: str = Field(index=True, max_length=40)
    member_id: str = Field(index=True, max_length=30)
    date_of_birth: dt.date
    last_name: str = Field(max_length=60)
    first_name: str | None = Field(default=None, max_length=60)
    visit_date: dt.date = Field(index=True)
    visit_time: dt.time | None = None
    provider: str = Field(max_length=120)
    procedure_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    row_hash: str = Field(max_length=64)
    import_id: int | None = Field(default=None, foreign_key="appointment_imports.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Schedule(SQLModel, table=True):
    """A recurring job of the practice: a cron expression in its time zone, a kind
    (``workflows.schedules.KINDS``) and the kind's parameters. Edited by an admin."""

    __tablename__ = "schedules"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=80)
    kind: str = Field(max_length=40)
    cron: str = Field(max_length=120)
    timezone: str = Field(max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    enabled: bool = True
    grace_seconds: int = Field(default=6 * 3600, description="A slot missed while "
                               "everything was down runs when the scheduler is back within "
                               "this long; older ones are recorded as skipped.")
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="system", max_length=80)


class SlotState(StrEnum):
    CLAIMED = "claimed"
    """A scheduler took it and is creating its jobs (a crash leaves it here: the next
    scheduler finishes it, never starts it again)."""
    DONE = "done"
    SKIPPED = "skipped"
    """Missed for longer than the schedule's grace: recorded, not run."""


class ScheduleSlot(SQLModel, table=True):
    """The ledger: one row per (schedule, slot time) ever acted on. The unique pair is what
    makes a slot run at most once, whatever the number of schedulers or restarts."""

    __tablename__ = "schedule_slots"
    __table_args__ = (UniqueConstraint("schedule_id", "slot_at"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="schedules.id", index=True, ondelete="CASCADE")
    slot_at: dt.datetime = Field(description="The slot's time, UTC")
    state: str = Field(default=SlotState.CLAIMED, max_length=20)
    claimed_by: str = Field(max_length=120)
    claimed_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    batch_id: str | None = Field(default=None, foreign_key="batches.id", max_length=32)
    jobs_created: int = 0


from storage import library_models, webhook_models  # noqa: E402,F401  (their tables)
