"""The failed-run review workspace: which failed runs a filter selects, their failure
signature, groups of runs that share one, and retrying many jobs in one action.

One portal redesign fails every run that reaches the changed page the same way; grouping
by signature (carrier, the page the bot was on, error type) turns fifty cards into one
line with a count, and one retry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from api.services import NotFoundError, StateConflict, resolutions, retry_check
from storage import repo
from storage.models import Job, JobStatus, Run, RunStatus

PAGE_SIZE = 50
"""Groups per page of the failed-runs page."""
MAX_SCANNED = 5000
"""The most recent failed runs a filter groups; older ones need a narrower filter."""

RESOLVE_REASONS: dict[str, str] = {
    "portal_changed": "Portal changed",
    "account_attention": "Account needs attention",
    "patient_data": "Patient data wrong",
    "duplicate": "Duplicate / already handled",
    "other": "Other",
}

_IDS_AND_NUMBERS = re.compile(r"\b[0-9a-f]{8,}\b|\d+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RunFilter:
    """What the staff member narrowed the failed runs to (every field optional)."""

    carrier: str = ""
    kind: str = ""
    error_type: str = ""
    account_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def parse(cls, values: Mapping[str, str]) -> RunFilter:
        """From query or form fields; a value that does not parse is ignored, not a 500
        (a stale bookmark still opens the page)."""
        def text(name: str) -> str:
            value = values.get(name, "").strip()[:40]
            return "" if "\x00" in value else value

        account = text("account")
        number = account.isascii() and account.isdigit() and int(account) < 2**31
        return cls(
            carrier=text("carrier"), kind=text("kind"), error_type=text("error_type"),
            account_id=int(account) if number else None,
            since=_date(text("since")), until=_date(text("until")),
        )

    def fields(self) -> dict[str, str]:
        """The filter as the form fields it came from (for links and hidden inputs)."""
        out = {"carrier": self.carrier, "kind": self.kind, "error_type": self.error_type,
               "account": "" if self.account_id is None else str(self.account_id),
               "since": self.since.isoformat() if self.since else "",
               "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in out.items() if v}

    def query(self, **extra: str | int) -> str:
        return urlencode({**self.fields(), **{k: str(v) for k, v in extra.items()}})


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@dataclass(frozen=True)
class FailedRow:
    run: Run
    job: Job
    resolved: bool = False


def _conditions(filters: RunFilter) -> list[Any]:
    """What ``filters`` ask of a run joined to its job; the dates are whole UTC days, both
    included."""
    where: list[Any] = []
    if filters.carrier:
        where.append(Run.carrier == filters.carrier)
    if filters.kind:
        where.append(Job.kind == filters.kind)
    if filters.error_type:
        where.append(Run.error_type == filters.error_type)
    if filters.account_id is not None:
        where.append(Job.account_id == filters.account_id)
    if filters.since:
        where.append(col(Run.started_at) >= _midnight(filters.since))
    if filters.until:
        where.append(col(Run.started_at) < _midnight(filters.until) + dt.timedelta(days=1))
    return where


def failed_rows(*, session: Session, filters: RunFilter) -> list[FailedRow]:
    """Failed runs of every job kind with their jobs, newest first."""
    query = (select(Run, Job).join(Job, col(Job.id) == col(Run.job_id))
             .where(Run.status == RunStatus.FAILED, *_conditions(filters))
             .order_by(col(Run.started_at).desc(), col(Run.id)).limit(MAX_SCANNED))
    found = list(session.exec(query))
    resolved = resolutions(session=session, run_ids=[run.id for run, _ in found])
    return [FailedRow(run, job, run.id in resolved) for run, job in found]


def filtered_runs(*, session: Session, filters: RunFilter, status: str | None = None,
                  job_id: str | None = None, limit: int = 100, offset: int = 0) -> list[Run]:
    """Runs of any status (or ``status``) that ``filters`` select, newest first, a page of
    ``limit`` from ``offset`` (the API's run list)."""
    query = (select(Run).join(Job, col(Job.id) == col(Run.job_id))
             .where(*_conditions(filters))
             .order_by(col(Run.started_at).desc(), col(Run.id)))
    if status:
        query = query.where(Run.status == status)
    if job_id:
        query = query.where(Run.job_id == job_id)
    return list(session.exec(query.offset(offset).limit(limit)))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def normalised_message(message: str | None) -> str:
    """The message's first line with ids and numbers blanked (they differ per patient)."""
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    return _SPACES.sub(" ", _IDS_AND_NUMBERS.sub("#", first)).strip()[:120]


def page_of(run: Run) -> str:
    """The page the bot was on: its last reported step, else the normalised message."""
    for event in reversed(run.events or []):
        name = event.get("event") if isinstance(event, dict) else None
        if isinstance(name, str) and name and name != "commit":
            return name
    return normalised_message(run.error_message) or "unknown page"


def signature(run: Run) -> str:
    return f"{run.carrier}|{page_of(run)}|{run.error_type or 'error'}"


@dataclass
class Group:
    key: str
    carrier: str
    page: str
    error_type: str
    rows: list[FailedRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def open_count(self) -> int:
        return sum(not row.resolved for row in self.rows)

    @property
    def latest(self) -> dt.datetime:
        return self.rows[0].run.started_at

    @property
    def earliest(self) -> dt.datetime:
        return self.rows[-1].run.started_at

    @property
    def failed_job_ids(self) -> list[str]:
        return _unique(row.job.id for row in self.rows if row.job.status == JobStatus.FAILED)


def group_rows(rows: Iterable[FailedRow]) -> list[Group]:
    """Groups by signature, the most recently failing first (rows keep their order)."""
    groups: dict[str, Group] = {}
    for row in rows:
        key = signature(row.run)
        if key not in groups:
            groups[key] = Group(key, row.run.carrier, page_of(row.run),
                                row.run.error_type or "error")
        groups[key].rows.append(row)
    return sorted(groups.values(), key=lambda g: g.latest, reverse=True)


@dataclass(frozen=True)
class GroupPage:
    groups: list[Group]
    number: int
    has_prev: bool
    has_next: bool
    total_groups: int
    total_runs: int


def paginate(groups: list[Group], number: int, size: int = PAGE_SIZE) -> GroupPage:
    last = max(1, -(-len(groups) // size))
    number = min(max(1, number), last)
    shown = groups[(number - 1) * size:number * size]
    return GroupPage(shown, number, number > 1, number < last, len(groups),
                     sum(g.count for g in groups))


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


@dataclass(frozen=True)
class Retried:
    queued: list[str]
    skipped: list[str]


def retry_jobs(*, session: Session, job_ids: Iterable[str], actor: str) -> Retried:
    """Each distinct failed job back to the queue once, through ``retry_check`` (its
    audit event and enqueue); a job that is not failed (any more) is skipped."""
    queued, skipped = [], []
    for job_id in _unique(job_ids):
        job = repo.get_job(session=session, job_id=job_id[:32])
        if job is None or job.status != JobStatus.FAILED:
            skipped.append(job_id)
            continue
        try:
            retry_check(session=session, job_id=job.id, actor=actor, kind=job.kind)
        except (NotFoundError, StateConflict):
            skipped.append(job_id)
            continue
        queued.append(job.id)
    return Retried(queued, skipped)
