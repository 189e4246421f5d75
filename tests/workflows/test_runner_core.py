"""The job core's promises, through the runner on the real Meridian sandbox, Chromium,
SQLite and Redis: a claim-status job end to end; a failing artifact store never changes a
run's outcome; a claim result that does not balance or names another member is never
stored. (The account lock held past two leases is tested in tests/workflows/test_locks.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.sandbox import carriers
from fixtures.sandbox.expected import members
from portals.claims import ClaimSearchRequest
from portals.model import EligibilityRequest
from storage import repo
from storage.artifacts import ArtifactStore
from storage.db import session_scope
from storage.models import AccountStatus, CarrierAccount, JobStatus, Run
from workflows.runner import JobRunner

pytestmark = pytest.mark.browser

RANGE = {"service_from": "2025-04-30", "service_to": "2026-10-31"}


def _member_with_claims(finalized: bool = True) -> dict[str, Any]:
    for member in members("meridian"):
        claims = carriers.get("meridian").expected_claims(
            member["member_id"], service_from=ClaimSearchRequest.model_validate(
                {"carrier": "meridian", **_who(member), **RANGE}).service_from,
            service_to=ClaimSearchRequest.model_validate(
                {"carrier": "meridian", **_who(member), **RANGE}).service_to).claims
        if claims and (not finalized or any(c.status.category.finalized for c in claims)):
            return member
    raise AssertionError("no Meridian member with claims")


def _who(member: dict[str, Any]) -> dict[str, Any]:
    return {"member_id": member["member_id"], "date_of_birth": member["date_of_birth"],
            "last_name": member["last_name"]}


def _queue_claims(runner: JobRunner, member: dict[str, Any]) -> str:
    request = ClaimSearchRequest.model_validate({"carrier": "meridian", **_who(member),
                                                 **RANGE})
    with session_scope(runner.engine) as session:
        return repo.create_job(session=session, kind="claim_status", request=request).id


def _runs(runner: JobRunner, job_id: str) -> list[Run]:
    with session_scope(runner.engine) as session:
        return repo.list_runs(session=session, job_id=job_id)


def test_a_claim_status_job_stores_the_expected_claims(runner: JobRunner,
                                                       account_id: int) -> None:
    member = _member_with_claims()
    job_id = _queue_claims(runner, member)
    assert runner.run_job(job_id) == JobStatus.SUCCEEDED
    with session_scope(runner.engine) as session:
        result = repo.get_result(session=session, job_id=job_id)
        documents = repo.result_documents(session=session, job_id=job_id)
    request = ClaimSearchRequest.model_validate({"carrier": "meridian", **_who(member),
                                                 **RANGE})
    expected = carriers.get("meridian").expected_claims(
        member["member_id"], service_from=request.service_from,
        service_to=request.service_to)
    assert result is not None and result.canonical() == expected.canonical()
    assert sorted(d.sha256 for d in documents) == sorted(d.sha256 for d in expected.documents)


@pytest.mark.parametrize(("knob", "error"), [("claim_other_member", "patient_mismatch"),
                                             ("claim_unbalanced", "inconsistent_result")])
def test_a_claim_page_that_is_wrong_is_never_stored(
    runner: JobRunner, account_id: int, meridian: Any, knob: str, error: str
) -> None:
    meridian.control.set_knobs(**{knob: True})
    job_id = _queue_claims(runner, _member_with_claims())
    assert runner.run_job(job_id) == JobStatus.FAILED
    with session_scope(runner.engine) as session:
        assert repo.get_result(session=session, job_id=job_id) is None
    assert [r.error_type for r in _runs(runner, job_id)] == [error]


def test_a_failing_artifact_store_keeps_the_typed_error_and_the_account_flag(
    runner: JobRunner, meridian: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an account whose password the portal refuses, and a full disk
    with session_scope(runner.engine) as session:
        account = repo.create_account(
            session=session, vault=runner.vault, carrier="meridian", label="bad",
            username=meridian.username, password=SecretStr("not-the-password"),
            totp_secret=SecretStr(meridian.totp_secret))
        account_id = account.id

    def full_disk(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ArtifactStore, "write", full_disk)
    member = members("meridian")[0]
    with session_scope(runner.engine) as session:
        job_id = repo.create_job(session=session, request=EligibilityRequest.model_validate(
            {"carrier": "meridian", **_who(member)})).id
    # when the run fails and no failure artifact can be kept
    assert runner.run_job(job_id) == JobStatus.FAILED
    # then the run still says why (login rejected), and the account is flagged for a person
    assert [r.error_type for r in _runs(runner, job_id)] == ["login_rejected"]
    with session_scope(runner.engine) as session:
        stored = session.get(CarrierAccount, account_id)
        assert stored is not None and stored.status == AccountStatus.FLAGGED
        assert stored.flag_reason == "login_rejected"


def test_a_carrier_with_no_portal_url_fails_and_never_reaches_a_sandbox(
    runner: JobRunner, account_id: int, meridian: Any
) -> None:
    # given a runner whose settings name no portal URL for the carrier
    runner.settings = runner.settings.model_copy(update={"carrier_urls": {}})
    member = members("meridian")[0]
    with session_scope(runner.engine) as session:
        job_id = repo.create_job(session=session, request=EligibilityRequest.model_validate(
            {"carrier": "meridian", **_who(member)})).id
    # then the job fails saying what to configure, and no portal was asked anything
    assert runner.run_job(job_id) == JobStatus.FAILED
    [run] = _runs(runner, job_id)
    assert run.error_type == "account_unavailable"
    assert run.error_message is not None and "PORTALS_CARRIER_URLS" in run.error_message
    assert meridian.control.state()["login_attempts"].get(meridian.username, 0) == 0
