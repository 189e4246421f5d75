"""/v1/runs: filter, detail, artifact downloads (audited), resolve."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from storage import repo
from storage.db import session_scope
from tests.api.factories import make_check, make_failed_run, succeed

BOTH_DATABASES = True


def _audit(db: Engine) -> list[tuple[str, str, str, str]]:
    with session_scope(db) as session:
        return [(e.actor, e.action, e.target_type, e.target_id)
                for e in repo.list_audit(session=session)]


def test_runs_filter_by_status(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    ok_check = make_check(db)
    succeed(db, ok_check)

    failed_runs = client.get("/v1/runs", headers=auth, params={"status": "failed"}).json()
    ok_runs = client.get("/v1/runs", headers=auth, params={"status": "succeeded"}).json()
    every = client.get("/v1/runs", headers=auth).json()

    assert [r["id"] for r in failed_runs] == [failed.run_id]
    assert failed_runs[0]["error_type"] == "layout_changed"
    assert len(failed_runs[0]["artifacts"]) == 3
    assert [r["job_id"] for r in ok_runs] == [ok_check]
    assert len(every) == 2
    assert client.get("/v1/runs", headers=auth, params={"status": "nope"}).status_code == 422


def test_run_detail(app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine) -> None:
    failed = make_failed_run(db, app.state.store)
    body = client.get(f"/v1/runs/{failed.run_id}", headers=auth).json()
    assert body["id"] == failed.run_id and body["job_id"] == failed.job_id
    assert body["status"] == "failed" and body["resolved"] is False
    assert {a["id"] for a in body["artifacts"]} == {failed.screenshot_id, failed.html_id,
                                                    failed.trace_id}
    assert client.get(f"/v1/runs/{'0' * 32}", headers=auth).status_code == 404


def test_screenshot_download_is_the_png_and_is_audited(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)

    response = client.get(f"/v1/runs/{failed.run_id}/artifacts/{failed.screenshot_id}",
                          headers=auth)

    assert response.status_code == 200
    assert response.content == failed.png
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    assert ("admin-token", "artifact.view", "artifact", failed.screenshot_id) in _audit(db)


def test_html_is_a_download_that_cannot_run_in_our_origin(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)

    response = client.get(f"/v1/runs/{failed.run_id}/artifacts/{failed.html_id}", headers=auth)

    assert response.status_code == 200
    assert b"<script>" in response.content
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_trace_is_a_zip_download(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    response = client.get(f"/v1/runs/{failed.run_id}/artifacts/{failed.trace_id}",
                          headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.content.startswith(b"PK")


def test_an_artifact_of_another_run_is_404_and_not_audited(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    one = make_failed_run(db, app.state.store)
    other = make_failed_run(db, app.state.store, member_id="MER999")

    response = client.get(f"/v1/runs/{one.run_id}/artifacts/{other.screenshot_id}",
                          headers=auth)
    missing = client.get(f"/v1/runs/{one.run_id}/artifacts/{'0' * 32}", headers=auth)

    assert response.status_code == 404 and missing.status_code == 404
    assert not [row for row in _audit(db) if row[1] == "artifact.view"]


def test_an_artifact_whose_file_is_gone_is_404(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    with session_scope(db) as session:
        artifact = repo.get_artifact(session=session, artifact_id=failed.screenshot_id)
        assert artifact is not None
        app.state.store.delete(artifact.path)
    response = client.get(f"/v1/runs/{failed.run_id}/artifacts/{failed.screenshot_id}",
                          headers=auth)
    assert response.status_code == 404


def test_resolve_a_failed_run(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)

    response = client.post(f"/v1/runs/{failed.run_id}/resolve", headers=auth,
                           json={"note": "Portal changed its layout; bot fix scheduled."})

    assert response.status_code == 200
    body = response.json()
    assert body["resolved"] is True and body["resolved_by"] == "admin-token"
    assert body["resolution_note"] == "Portal changed its layout; bot fix scheduled."
    assert ("admin-token", "run.resolve", "run", failed.run_id) in _audit(db)
    again = client.get(f"/v1/runs/{failed.run_id}", headers=auth).json()
    assert again["resolved"] is True
    in_check = client.get(f"/v1/eligibility-checks/{failed.job_id}", headers=auth).json()
    assert in_check["runs"][0]["resolved"] is True
    # resolving twice is refused; the first note stays
    twice = client.post(f"/v1/runs/{failed.run_id}/resolve", headers=auth, json={"note": "x"})
    assert twice.status_code == 409


def test_resolve_refuses_what_is_not_a_failed_run(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    ok_check = make_check(db)
    succeed(db, ok_check)
    with session_scope(db) as session:
        (run,) = repo.list_runs(session=session, job_id=ok_check)
    failed = make_failed_run(db, app.state.store, member_id="MER555")

    assert client.post(f"/v1/runs/{run.id}/resolve", headers=auth,
                       json={"note": "n"}).status_code == 409
    assert client.post(f"/v1/runs/{'0' * 32}/resolve", headers=auth,
                       json={"note": "n"}).status_code == 404
    for bad in ({}, {"note": ""}, {"note": "x" * 401}, {"note": "n", "extra": 1}):
        response = client.post(f"/v1/runs/{failed.run_id}/resolve", headers=auth, json=bad)
        assert response.status_code == 422, bad
    assert not [row for row in _audit(db) if row[1] == "run.resolve"]
