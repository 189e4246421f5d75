"""The runner with Meridian on v2: the check fails as layout_changed with its three
artifacts, stores no result, and is not retried."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from fixtures.sandbox.expected import members
from fixtures.sandbox.server import PortalAccount
from portals.model import EligibilityRequest
from portals.settings import Settings
from storage import repo
from storage.db import session_scope
from storage.models import AccountStatus, CarrierAccount, JobStatus
from workflows.broker import setup_broker
from workflows.runner import JobRunner

pytestmark = pytest.mark.browser


@pytest.fixture
def runner(settings: Settings, engine: Engine, meridian: PortalAccount,
           redis_url: str) -> Iterator[JobRunner]:
    """As in tests/workflows/conftest.py, with a short bot timeout (v2 ends in a wait)."""
    portal_settings = settings.model_copy(update={
        "carrier_urls": {"meridian": meridian.url}, "redis_url": redis_url,
        "retry_backoff_seconds": 0.0, "bot_timeout_ms": 2_000})
    setup_broker(portal_settings)
    runner = JobRunner(portal_settings, engine=engine, worker_id="test-worker")
    yield runner
    runner.close_browser()


@pytest.fixture
def account_id(runner: JobRunner, meridian: PortalAccount) -> int:
    assert meridian.totp_secret is not None
    with session_scope(runner.engine) as session:
        account = repo.create_account(
            session=session, vault=runner.vault, carrier="meridian", label="test",
            username=meridian.username, password=SecretStr(meridian.password),
            totp_secret=SecretStr(meridian.totp_secret))
        assert account.id is not None
        return account.id


def test_v2_check_fails_as_layout_changed_once_with_artifacts_and_no_result(
    runner: JobRunner, account_id: int, meridian: PortalAccount
) -> None:
    # given the portal's redesign is live
    meridian.control.set_knobs(layout="v2")
    member = members("meridian")[0]
    request = EligibilityRequest.model_validate({
        "carrier": "meridian", "member_id": member["member_id"],
        "date_of_birth": member["date_of_birth"], "last_name": member["last_name"]})
    with session_scope(runner.engine) as session:
        job_id = repo.create_job(session=session, request=request).id
    # when the check runs
    assert runner.run_job(job_id) == JobStatus.FAILED
    # then it failed once, typed, with its artifacts, and nothing was stored as a result
    with session_scope(runner.engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        assert check.status == JobStatus.FAILED
        assert check.attempts == 1 and check.next_attempt_at is None
        (run,) = repo.list_runs(session=session, job_id=job_id)
        assert run.error_type == "layout_changed"
        kinds = sorted(a.kind for a in repo.list_artifacts(session=session, run_id=run.id))
        assert kinds == ["html", "screenshot", "trace"]
        assert repo.get_result(session=session, job_id=job_id) is None
        account = session.get(CarrierAccount, account_id)
        assert account is not None and account.status != AccountStatus.FLAGGED
    # sending it again changes nothing: it is finished, not waiting for a retry
    assert runner.run_job(job_id) is None
    assert meridian.control.state()["login_attempts"].get(meridian.username, 0) == 0
