"""Events from real jobs: an eligibility job run by the real runner against the Meridian
sandbox (real Chromium, SQLite, Redis) emits job.succeeded, delivered to a real receiver
with the normalized result and no secret of the portal account; coverage.changed fires
only when the result differs from the member's previous one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from fixtures.sandbox.expected import members
from portals.model import EligibilityRequest
from storage import repo, webhooks
from storage.db import session_scope
from storage.models import CarrierAccount, JobResult, JobStatus, utcnow
from tests.workflows.webhook_receiver import LOOPBACK, Receiver
from workflows.runner import JobRunner
from workflows.webhook_dispatch import WebhookDispatcher

pytestmark = pytest.mark.browser

SECRET = "receiver-shared-secret-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET).start()
    yield receiver
    receiver.stop()


def _queue(runner: JobRunner, member: dict[str, Any]) -> str:
    request = EligibilityRequest(carrier="meridian", member_id=member["member_id"],
                                 date_of_birth=member["date_of_birth"],
                                 last_name=member["last_name"])
    with session_scope(runner.engine) as session:
        return repo.create_job(session=session, request=request).id


def _send(runner: JobRunner, dispatcher: WebhookDispatcher) -> dict[str, str | None]:
    return dispatcher.run_once(utcnow() + dt.timedelta(seconds=1))


def test_a_finished_job_is_told_and_coverage_changed_only_when_it_changed(
        runner: JobRunner, account_id: int, meridian: Any, receiver: Receiver) -> None:
    with session_scope(runner.engine) as session:
        webhooks.create_subscription(session=session, vault=runner.vault, url=receiver.url,
                                     events=["job.succeeded", "job.failed",
                                             "coverage.changed"],
                                     created_by="admin", secret=SECRET,
                                     allowed_networks=[LOOPBACK])
    dispatcher = WebhookDispatcher(
        runner.engine, runner.settings.model_copy(
            update={"webhook_allowed_networks": [LOOPBACK]}), worker_id="dispatch")
    member = members("meridian")[0]

    # when: the runner finishes a check
    first = _queue(runner, member)
    assert runner.run_job(first) == JobStatus.SUCCEEDED
    assert set(_send(runner, dispatcher).values()) == {"delivered"}
    # then: the receiver got job.succeeded, signed, with the normalized result
    (got,) = receiver.accepted()
    assert got["json"]["event"] == "job.succeeded"
    data = got["json"]["data"]
    assert (data["job_id"], data["kind"], data["status"]) == (first, "eligibility",
                                                              "succeeded")
    assert data["result"]["member"]["member_id"] == member["member_id"]
    with Session(runner.engine) as session:
        stored = repo.get_result(session=session, job_id=first)
    assert data["result"] == json.loads(stored.model_dump_json())

    # when: the same member is checked again and nothing changed
    second = _queue(runner, member)
    assert runner.run_job(second) == JobStatus.SUCCEEDED
    _send(runner, dispatcher)
    assert [r["json"]["event"] for r in receiver.accepted()] == ["job.succeeded"] * 2

    # given: the previous result had another group and copay (as if last night's did)
    with session_scope(runner.engine) as session:
        row = session.exec(select(JobResult).where(JobResult.job_id == second)).one()
        data_before = json.loads(json.dumps(row.data))
        data_before["plan"]["group_number"] = "OLD-GROUP"
        row.data = data_before
        session.add(row)
    third = _queue(runner, member)
    assert runner.run_job(third) == JobStatus.SUCCEEDED
    _send(runner, dispatcher)
    events = [r["json"] for r in receiver.accepted()]
    assert [e["event"] for e in events] == ["job.succeeded"] * 3 + ["coverage.changed"]
    changed = events[-1]["data"]
    assert (changed["job_id"], changed["previous_job_id"]) == (third, second)
    assert [(c["code"], c["before"]) for c in changed["changes"]] == \
        [("group_changed", "OLD-GROUP")]

    # and no delivery carries a secret of the portal account or the subscription
    with Session(runner.engine) as session:
        account = session.get(CarrierAccount, account_id)
        assert account is not None and account.session_state_enc
        session_state = runner.vault.decrypt_json(account.session_state_enc)
    cookies = [c["value"] for c in session_state.get("cookies", []) if len(c["value"]) > 6]
    assert cookies, "the saved session has cookies to look for"
    bodies = b"".join(r["body"] for r in receiver.received).decode()
    for secret in (meridian.username, meridian.password, meridian.totp_secret, SECRET,
                   account.session_state_enc, *cookies):
        assert secret not in bodies
    assert all(r["valid"] for r in receiver.received)
    dispatcher.close()
