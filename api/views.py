"""Rows to "Public" models: the one place that decides what a response may show."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from api.schemas import (
    AccountPublic,
    ArtifactPublic,
    CheckPublic,
    CheckSummary,
    ClaimCheckPublic,
    DocumentLink,
    RunPublic,
)
from api.services import resolutions
from portals.jobs import get_kind
from storage import repo
from storage.models import Artifact, CarrierAccount, Job, Run

log = logging.getLogger(__name__)

ArtifactUrl = Callable[[Artifact], str]


def api_artifact_url(artifact: Artifact) -> str:
    return f"/v1/runs/{artifact.run_id}/artifacts/{artifact.id}"


def ui_artifact_url(artifact: Artifact) -> str:
    return f"/ui/runs/{artifact.run_id}/artifacts/{artifact.id}"


def artifact_public(artifact: Artifact, url: ArtifactUrl = api_artifact_url) -> ArtifactPublic:
    return ArtifactPublic(id=artifact.id, kind=artifact.kind, filename=artifact.filename,
                          content_type=artifact.content_type, size=artifact.size,
                          created_at=artifact.created_at, url=url(artifact))


def runs_public(
    *, session: Session, runs: list[Run], url: ArtifactUrl = api_artifact_url
) -> list[RunPublic]:
    resolved = resolutions(session=session, run_ids=[run.id for run in runs])
    out = []
    for run in runs:
        event = resolved.get(run.id)
        artifacts = repo.list_artifacts(session=session, run_id=run.id)
        out.append(RunPublic(
            id=run.id, job_id=run.job_id, check_id=run.job_id, carrier=run.carrier,
            attempt=run.attempt,
            status=run.status, started_at=run.started_at, finished_at=run.finished_at,
            error_type=run.error_type, error_message=run.error_message,
            resolved=event is not None,
            resolved_by=event.actor if event else None,
            resolved_at=event.at if event else None,
            resolution_note=event.detail if event else None,
            artifacts=[artifact_public(a, url) for a in artifacts],
        ))
    return out


def check_summary(check: Job) -> CheckSummary:
    return CheckSummary(id=check.id, status=check.status, carrier=check.carrier,
                        member_id=check.member_id, created_at=check.created_at,
                        updated_at=check.updated_at, finished_at=check.finished_at,
                        message=check.message)


def load_result(*, session: Session, job_id: str) -> Any:
    """The job's stored result as its kind's model (None if none, or if it no longer fits
    the model: logged without its content, which is PHI)."""
    try:
        return repo.get_result(session=session, job_id=job_id)
    except ValidationError:
        log.error("stored result of job %s no longer fits the model", job_id)
        return None


def _documents(session: Session, job: Job, url: ArtifactUrl) -> list[DocumentLink]:
    """A result's documents, linked under the job itself (the kind's permission opens
    them), never under the run's artifacts (the failed-run workspace's)."""
    kind = get_kind(job.kind)
    if url is api_artifact_url:
        base = f"/v1/{kind.resource}/{job.id}/documents"
    elif url is ui_artifact_url:
        base = f"{kind.ui_page}/{job.id}/documents"
    else:
        base = ""
    return [
        DocumentLink(id=a.id, kind=a.kind, filename=a.filename,
                     content_type=a.content_type, size=a.size, sha256=a.sha256,
                     url=f"{base}/{a.id}" if base else url(a))
        for a in repo.result_documents(session=session, job_id=job.id)
    ]


def _runs(session: Session, job: Job, url: ArtifactUrl) -> list[RunPublic]:
    runs = sorted(repo.list_runs(session=session, job_id=job.id),
                  key=lambda r: (r.attempt, r.started_at))
    return runs_public(session=session, runs=runs, url=url)


def _patient(job: Job) -> tuple[str, dt.date]:
    """The last name and date of birth of a patient kind's job (only a kind with no
    patient, a library collection, leaves them empty)."""
    if job.last_name is None or job.date_of_birth is None:
        raise ValueError(f"a {job.kind} job names no patient")
    return job.last_name, job.date_of_birth


def check_public(
    *, session: Session, check: Job, url: ArtifactUrl = api_artifact_url
) -> CheckPublic:
    last_name, born = _patient(check)
    return CheckPublic(
        **check_summary(check).model_dump(),
        last_name=last_name, first_name=check.first_name,
        date_of_birth=born, service_date=check.request.get("service_date"),
        service_codes=list(check.request.get("service_codes") or []), attempts=check.attempts,
        result=load_result(session=session, job_id=check.id),
        documents=_documents(session, check, url),
        runs=_runs(session, check, url),
    )


def claim_check_public(
    *, session: Session, job: Job, url: ArtifactUrl = api_artifact_url
) -> ClaimCheckPublic:
    request = job.request
    last_name, born = _patient(job)
    return ClaimCheckPublic(
        **check_summary(job).model_dump(),
        last_name=last_name, first_name=job.first_name, date_of_birth=born,
        claim_number=request.get("claim_number"), service_from=request.get("service_from"),
        service_to=request.get("service_to"), attempts=job.attempts,
        result=load_result(session=session, job_id=job.id),
        documents=_documents(session, job, url),
        runs=_runs(session, job, url),
    )


def account_public(account: CarrierAccount) -> AccountPublic:
    assert account.id is not None
    return AccountPublic(id=account.id, carrier=account.carrier, label=account.label,
                         status=account.status, flag_reason=account.flag_reason,
                         flagged_at=account.flagged_at,
                         has_saved_session=bool(account.session_state_enc),
                         session_saved_at=account.session_saved_at,
                         created_at=account.created_at)

