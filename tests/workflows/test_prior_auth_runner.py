"""The runner's exactly-once rules for prior-authorization submissions, with a bot whose
portal is a list in memory (so every crash and error can be placed exactly) and the real
database, artifact store, Redis lock and Chromium page.

What is proven: a submission is recorded once; an error after the submit click leads to
a search, never a second click; a run that no longer holds its job never clicks; a
committed job whose worker died is only looked for; not found waits for a person, whose
decision is audited; a file the portal did not take fails the run before the click.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from playwright.sync_api import Page
from pydantic import SecretStr
from sqlalchemy import update
from sqlmodel import col, select

from bots.base import BotContext, Capability, CarrierBot, UploadLimits
from bots.errors import PortalUnavailable
from bots.prior_auth_flow import submit_once
from portals.model import EligibilityRequest, NotFound, Patient
from portals.prior_auth import (
    CertificationAction,
    PortalFile,
    PriorAuthCase,
    PriorAuthDecision,
    PriorAuthRequest,
    PriorAuthStatusRequest,
)
from portals.settings import Settings
from storage import prior_auths, repo
from storage.db import session_scope
from storage.models import AuditEvent, Job, JobStatus, PriorAuthState, RunStatus, utcnow
from storage.prior_auths import NewFile, Resolution
from workflows.broker import setup_broker
from workflows.runner import JobRunner

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 40


@dataclass
class FakePortal:
    """A portal's list of received requests, and the faults a test places."""

    ledger: list[PriorAuthRequest] = field(default_factory=list)
    uploaded: list[bytes] = field(default_factory=list)
    drop_last_file: bool = False
    error_after_submit: bool = False
    error_before_receipt: bool = False
    during_fill: Callable[[], None] | None = None
    hidden_from_search: int = 0
    """The next this many searches miss what the portal has (a list that lags)."""
    submit_calls: int = 0

    def case(self, request: PriorAuthRequest) -> PriorAuthCase:
        return PriorAuthCase(
            carrier=request.carrier,
            patient=Patient(member_id=request.member_id, first_name=request.first_name,
                            last_name=request.last_name, date_of_birth=request.date_of_birth),
            reference_number=f"FK{self.ledger.index(request) + 1:06d}",
            tracking_ref=request.tracking_ref, submitted_at=utcnow(),
            urgency=request.urgency, procedure_codes=request.procedure_codes,
            service_from=request.service_from, service_to=request.service_to,
            files=[PortalFile(name=d.filename, size=d.size) for d in request.documents],
            decision=PriorAuthDecision(action=CertificationAction.PENDED,
                                       portal_status="In review"))


PORTAL = FakePortal()


class FakeBot(CarrierBot):
    name = "meridian"
    display_name = "Fake Meridian"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.ELIGIBILITY, Capability.PRIOR_AUTH})
    prior_auth_limits = UploadLimits(frozenset({"application/pdf", "image/png"}),
                                     1_000_000, 5)

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Any:
        raise NotImplementedError

    def _find(self, request: PriorAuthRequest) -> PriorAuthCase | None:
        if PORTAL.hidden_from_search:
            PORTAL.hidden_from_search -= 1
            return None
        for sent in PORTAL.ledger:
            if sent.tracking_ref == request.tracking_ref:
                return PORTAL.case(sent)
        return None

    def submit_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                          ) -> Any:
        def fill() -> None:
            if PORTAL.during_fill:
                PORTAL.during_fill()

        def upload(uploaded: Callable[[], None]) -> None:
            assert ctx.documents is not None
            for document in request.documents:
                PORTAL.uploaded.append(ctx.documents.read(document))
                uploaded()

        def listed() -> list[PortalFile]:
            files = [PortalFile(name=d.filename, size=d.size) for d in request.documents]
            return files[:-1] if PORTAL.drop_last_file else files

        def click() -> None:
            PORTAL.submit_calls += 1
            if PORTAL.error_before_receipt:
                raise PortalUnavailable("connection reset")
            PORTAL.ledger.append(request)
            if PORTAL.error_after_submit:
                raise PortalUnavailable("the portal answered 503")

        def confirmation() -> PriorAuthCase:
            return PORTAL.case(request)

        return submit_once(ctx, request, find=lambda: self._find(request), fill=fill,
                           upload=upload, listed_files=listed, click_submit=click,
                           confirmation=confirmation)

    def find_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                        ) -> Any:
        return self._find(request) or NotFound(carrier=self.name, message="not listed")

    def prior_auth_status(self, page: Page, ctx: BotContext,
                          request: PriorAuthStatusRequest) -> Any:
        raise NotImplementedError


@pytest.fixture
def pa_runner(settings: Settings, engine: Any, redis_url: str,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[JobRunner]:
    global PORTAL
    PORTAL = FakePortal()
    monkeypatch.setattr("workflows.runner.registry.get", lambda carrier: FakeBot)
    config = settings.model_copy(update={
        "carrier_urls": {"meridian": "http://127.0.0.1:9"}, "redis_url": redis_url,
        "retry_backoff_seconds": 0.0})
    setup_broker(config)
    monkeypatch.setattr("workflows.runner.send_job", lambda job_id, delay_ms=0: None)
    runner = JobRunner(config, engine=engine, worker_id="pa-worker")
    with session_scope(engine) as session:
        repo.create_account(session=session, vault=runner.vault, carrier="meridian",
                            label="t", username="someone", password=SecretStr("pw"))
    yield runner
    runner.close_browser()


FIELDS: dict[str, Any] = {
    "carrier": "meridian", "member_id": "MRD-TEST-1", "date_of_birth": dt.date(1980, 2, 3),
    "last_name": "Testperson", "first_name": "Ada",
    "requesting_provider": {"npi": "1234567893", "name": "Sandbox Clinic"},
    "servicing_provider": {"npi": "1234567893", "name": "Sandbox Imaging"},
    "diagnosis_codes": ["M54.50"], "services": [{"procedure_code": "72148", "units": 1}],
    "service_from": dt.date(2026, 12, 1), "service_to": dt.date(2026, 12, 31),
    "place_of_service": "11", "urgency": "standard", "note": "MRI lumbar spine",
}


def _create(runner: JobRunner) -> tuple[str, str]:
    with session_scope(runner.engine) as session:
        pa, job = prior_auths.create(
            session=session, store=runner.store, fields=dict(FIELDS),
            files=[NewFile("notes.pdf", "application/pdf", PDF),
                   NewFile("xray.png", "image/png", PNG)], created_by="tester")
        return pa.id, job.id


def _pa(runner: JobRunner, pa_id: str) -> Any:
    with session_scope(runner.engine) as session:
        pa = prior_auths.get(session=session, pa_id=pa_id)
        assert pa is not None
        session.expunge(pa)
        return pa


def _run_until_done(runner: JobRunner, job_id: str) -> str | None:
    status = None
    for _ in range(5):
        status = runner.run_job(job_id)
        if status != JobStatus.QUEUED:
            return status
    return status


def test_a_submission_is_recorded_once_with_its_documents_uploaded_as_stored(
        pa_runner: JobRunner) -> None:
    pa_id, job_id = _create(pa_runner)
    assert pa_runner.run_job(job_id) == JobStatus.SUCCEEDED
    assert pa_runner.run_job(job_id) is None  # a redelivered message finds it finished
    assert len(PORTAL.ledger) == 1 and PORTAL.submit_calls == 1
    assert [hashlib.sha256(d).hexdigest() for d in PORTAL.uploaded] == \
        [hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PNG).hexdigest()]
    pa = _pa(pa_runner, pa_id)
    assert pa.state == PriorAuthState.SUBMITTED and pa.reference_number == "FK000001"
    assert pa.decision_action == "A4"
    with session_scope(pa_runner.engine) as session:
        events = [e.event for e in prior_auths.events(session=session, pa_id=pa_id)]
        runs = repo.list_runs(session=session, job_id=job_id)
    assert events == ["created", "submitted", "status"]
    assert "commit" in [e["event"] for e in runs[0].events]


def test_an_error_after_the_click_leads_to_a_search_never_a_second_click(
        pa_runner: JobRunner) -> None:
    PORTAL.error_after_submit = True
    pa_id, job_id = _create(pa_runner)
    assert pa_runner.run_job(job_id) == JobStatus.QUEUED  # retried: only to look
    assert pa_runner.run_job(job_id) == JobStatus.SUCCEEDED
    assert PORTAL.submit_calls == 1 and len(PORTAL.ledger) == 1
    with session_scope(pa_runner.engine) as session:
        events = [e.event for e in prior_auths.events(session=session, pa_id=pa_id)]
    assert "found_existing" in events and "submitted" not in events


def test_a_submission_the_portal_never_got_waits_for_a_person_then_resubmits_once(
        pa_runner: JobRunner) -> None:
    PORTAL.error_before_receipt = True
    pa_id, job_id = _create(pa_runner)
    assert _run_until_done(pa_runner, job_id) == JobStatus.OUTCOME_UNKNOWN
    assert PORTAL.submit_calls == 1 and PORTAL.ledger == []
    assert _pa(pa_runner, pa_id).state == PriorAuthState.OUTCOME_UNKNOWN
    # a person checked the portal and resubmits
    PORTAL.error_before_receipt = False
    with session_scope(pa_runner.engine) as session:
        pa = prior_auths.get(session=session, pa_id=pa_id)
        assert pa is not None
        job = prior_auths.resolve(session=session, pa=pa, resolution=Resolution.RESUBMIT,
                                  actor="reviewer", note="not in the portal's list")
        assert job is not None
        new_job = job.id
        audit = session.exec(select(AuditEvent).where(
            AuditEvent.action == prior_auths.RESOLVE_ACTION)).all()
    assert [(a.actor, a.target_id) for a in audit] == [("reviewer", pa_id)]
    assert pa_runner.run_job(new_job) == JobStatus.SUCCEEDED
    assert len(PORTAL.ledger) == 1 and PORTAL.submit_calls == 2
    assert _pa(pa_runner, pa_id).state == PriorAuthState.SUBMITTED
    with session_scope(pa_runner.engine) as session, pytest.raises(
            prior_auths.PriorAuthConflict):
        pa = prior_auths.get(session=session, pa_id=pa_id)
        assert pa is not None
        prior_auths.resolve(session=session, pa=pa, resolution=Resolution.RESUBMIT,
                            actor="reviewer")


def test_a_run_that_lost_its_job_never_clicks(pa_runner: JobRunner) -> None:
    pa_id, job_id = _create(pa_runner)

    def another_worker_takes_over() -> None:
        with session_scope(pa_runner.engine) as session:
            session.connection().execute(update(Job).where(col(Job.id) == job_id)
                                         .values(lease_owner="another-worker"))

    PORTAL.during_fill = another_worker_takes_over
    pa_runner.run_job(job_id)
    assert PORTAL.submit_calls == 0 and PORTAL.ledger == []
    with session_scope(pa_runner.engine) as session:
        runs = repo.list_runs(session=session, job_id=job_id)
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None and job.committed_at is None
    assert [r.status for r in runs] == [RunStatus.ABANDONED]


def test_a_committed_job_whose_worker_died_is_only_looked_for(pa_runner: JobRunner) -> None:
    pa_id, job_id = _create(pa_runner)
    # a worker claimed it, passed the point of no return, and died (lease lapsed)
    with session_scope(pa_runner.engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="dead",
                              lease_seconds=30)
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        repo.start_run(session=session, job=job, worker="dead")
        assert repo.commit_job(session=session, job_id=job_id, worker="dead")
        # a second commit is refused: the point of no return is passed once
        assert not repo.commit_job(session=session, job_id=job_id, worker="dead")
        session.connection().execute(update(Job).where(col(Job.id) == job_id).values(
            lease_expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert pa_runner.run_job(job_id) == JobStatus.OUTCOME_UNKNOWN
    assert PORTAL.submit_calls == 0
    assert _pa(pa_runner, pa_id).state == PriorAuthState.OUTCOME_UNKNOWN


def test_a_file_the_portal_did_not_take_fails_before_the_click(pa_runner: JobRunner
                                                                ) -> None:
    PORTAL.drop_last_file = True
    pa_id, job_id = _create(pa_runner)
    assert pa_runner.run_job(job_id) == JobStatus.FAILED
    assert PORTAL.submit_calls == 0
    pa = _pa(pa_runner, pa_id)
    assert pa.state == PriorAuthState.FAILED and "xray.png" in (pa.message or "")
    with session_scope(pa_runner.engine) as session:
        runs = repo.list_runs(session=session, job_id=job_id)
    assert [r.error_type for r in runs] == ["upload_not_accepted"]


def test_a_forced_resubmission_of_a_request_the_portal_has_records_it_once(
        pa_runner: JobRunner) -> None:
    # the click reached the portal, the answer was an error, and the portal's list lagged
    PORTAL.error_after_submit = True
    PORTAL.hidden_from_search = 2  # the first run's look, and the recheck after the error
    pa_id, job_id = _create(pa_runner)
    assert _run_until_done(pa_runner, job_id) == JobStatus.OUTCOME_UNKNOWN
    assert len(PORTAL.ledger) == 1
    # a person forces a resubmission: the new job looks first and finds it
    PORTAL.error_after_submit = False
    with session_scope(pa_runner.engine) as session:
        pa = prior_auths.get(session=session, pa_id=pa_id)
        assert pa is not None
        job = prior_auths.resolve(session=session, pa=pa, resolution=Resolution.RESUBMIT,
                                  actor="reviewer")
        assert job is not None
        new_job = job.id
    assert pa_runner.run_job(new_job) == JobStatus.SUCCEEDED
    assert len(PORTAL.ledger) == 1 and PORTAL.submit_calls == 1
    assert _pa(pa_runner, pa_id).state == PriorAuthState.SUBMITTED


def test_a_staff_retry_of_a_failed_submission_submits_once(pa_runner: JobRunner) -> None:
    from api.services import retry_check

    PORTAL.drop_last_file = True
    pa_id, job_id = _create(pa_runner)
    assert pa_runner.run_job(job_id) == JobStatus.FAILED
    PORTAL.drop_last_file = False
    with session_scope(pa_runner.engine) as session:
        retry_check(session=session, job_id=job_id, actor="reviewer",
                    kind=prior_auths.SUBMIT_KIND)
    assert _pa(pa_runner, pa_id).state == PriorAuthState.QUEUED
    assert pa_runner.run_job(job_id) == JobStatus.SUCCEEDED
    assert pa_runner.run_job(job_id) is None
    assert len(PORTAL.ledger) == 1 and PORTAL.submit_calls == 1
    assert _pa(pa_runner, pa_id).state == PriorAuthState.SUBMITTED
