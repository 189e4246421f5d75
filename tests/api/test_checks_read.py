"""GET /v1/eligibility-checks[/{id}] and POST .../retry."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from portals.model import EligibilityResult, diff_results
from storage import repo
from storage.db import session_scope
from tests.api.conftest import QueueProbe
from tests.api.factories import make_check, make_failed_run, rich_result, succeed

BOTH_DATABASES = True

URL = "/v1/eligibility-checks"


def test_a_check_with_its_result_reads_back_equal(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    # given a check a worker ran to success, through storage.repo
    job_id = make_check(db)
    stored = succeed(db, job_id, rich_result())

    # when
    response = client.get(f"{URL}/{job_id}", headers=auth)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == job_id
    assert body["status"] == "succeeded"
    assert (body["carrier"], body["member_id"]) == ("meridian", "MER100200")
    assert body["finished_at"] is not None and body["created_at"].endswith("Z")
    result = EligibilityResult.model_validate(body["result"])
    assert result == stored
    assert diff_results(stored, result) == []
    (run,) = body["runs"]
    assert run["status"] == "succeeded" and run["attempt"] == 1 and run["artifacts"] == []
    assert set(run) >= {"id", "attempt", "status", "started_at", "finished_at", "error_type",
                        "error_message", "artifacts", "resolved"}


def test_a_queued_check_has_no_result_and_no_runs(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    job_id = make_check(db)
    body = client.get(f"{URL}/{job_id}", headers=auth).json()
    assert body["status"] == "queued"
    assert body["result"] is None and body["runs"] == [] and body["finished_at"] is None


def test_an_unknown_check_is_404(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get(f"{URL}/0123456789abcdef0123456789abcdef", headers=auth).status_code \
        == 404


def test_a_failed_check_lists_its_runs_artifacts(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    body = client.get(f"{URL}/{failed.job_id}", headers=auth).json()
    assert body["status"] == "failed"
    (run,) = body["runs"]
    assert run["error_type"] == "layout_changed"
    assert run["resolved"] is False
    kinds = {a["kind"]: a for a in run["artifacts"]}
    assert set(kinds) == {"screenshot", "html", "trace"}
    shot = kinds["screenshot"]
    assert shot["url"] == f"/v1/runs/{failed.run_id}/artifacts/{failed.screenshot_id}"
    assert shot["content_type"] == "image/png" and shot["size"] == len(failed.png)
    assert not any(key.endswith(("_enc", "path", "sha256")) for key in shot)


def test_recent_checks_newest_first_limited(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    ids = [make_check(db, member_id=f"MER{i:03d}") for i in range(5)]

    first = client.get(URL, headers=auth, params={"limit": 2}).json()
    rest = client.get(URL, headers=auth, params={"limit": 10, "offset": 2}).json()

    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    assert [c["id"] for c in rest["items"]] == ids[::-1][2:]
    assert first["limit"] == 2 and rest["offset"] == 2
    assert client.get(URL, headers=auth, params={"limit": 0}).status_code == 422
    assert client.get(URL, headers=auth, params={"limit": 100000}).status_code == 422


def test_recent_checks_by_status(client: TestClient, auth: dict[str, str], db: Engine) -> None:
    queued = make_check(db)
    done = make_check(db)
    succeed(db, done)
    body = client.get(URL, headers=auth, params={"status": "succeeded"}).json()
    assert [c["id"] for c in body["items"]] == [done]
    body = client.get(URL, headers=auth, params={"status": "queued"}).json()
    assert [c["id"] for c in body["items"]] == [queued]
    assert client.get(URL, headers=auth, params={"status": "bogus"}).status_code == 422


def test_retry_sends_a_failed_check_back_to_the_queue(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe
) -> None:
    failed = make_failed_run(db, app.state.store)

    response = client.post(f"{URL}/{failed.job_id}/retry", headers=auth)

    assert response.status_code == 202
    assert response.json() == {"id": failed.job_id, "status": "queued"}
    with session_scope(db) as session:
        check = repo.get_job(session=session, job_id=failed.job_id)
        assert check is not None
        assert check.status == "queued" and check.finished_at is None and check.message is None
        actions = [(e.actor, e.action, e.target_id) for e in repo.list_audit(session=session)]
    assert ("admin-token", "check.retry", failed.job_id) in actions
    assert queue.check_ids() == [failed.job_id]
    # and the worker can claim it again
    with session_scope(db) as session:
        assert repo.claim_job(session=session, job_id=failed.job_id, worker="w2",
                                lease_seconds=60)


def test_retry_refuses_a_check_that_is_not_failed(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe
) -> None:
    queued = make_check(db)
    done = make_check(db)
    succeed(db, done)
    for job_id in (queued, done):
        response = client.post(f"{URL}/{job_id}/retry", headers=auth)
        assert response.status_code == 409
    assert client.post(f"{URL}/{'f' * 32}/retry", headers=auth).status_code == 404
    assert queue.check_ids() == []
