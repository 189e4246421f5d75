"""A database made by the release before the job core upgrades in place when the API
starts, and every check it held is still readable through /v1/eligibility-checks, on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from portals.settings import Settings
from tests.storage.previous_release import REQUESTS, make_previous_release_db

BOTH_DATABASES = True


@pytest.fixture
def old_ids(backend_url: str) -> dict[str, Any]:
    return make_previous_release_db(backend_url)


@pytest.fixture
def upgraded(api_settings: Settings, old_ids: dict[str, Any]) -> Iterator[TestClient]:
    app = create_app(api_settings)  # upgrades the database at start-up
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_every_old_check_reads_as_before(upgraded: TestClient, auth: dict[str, str],
                                         old_ids: dict[str, Any]) -> None:
    listed = upgraded.get("/v1/eligibility-checks?limit=200", headers=auth)
    assert listed.status_code == 200
    ids = {item["id"] for item in listed.json()["items"]}
    assert set(old_ids["checks"].values()) <= ids
    for status, job_id in old_ids["checks"].items():
        body = upgraded.get(f"/v1/eligibility-checks/{job_id}", headers=auth)
        assert body.status_code == 200, body.text
        check = body.json()
        assert check["status"] == status
        old = REQUESTS[job_id]
        assert check["member_id"] == old["member_id"]
        assert check["date_of_birth"] == old["date_of_birth"]
        assert check["service_date"] == old["service_date"]
        assert check["service_codes"] == (old["service_codes"] or [])
        for run in check["runs"]:
            assert run["check_id"] == run["job_id"] == job_id


def test_the_old_result_and_its_document_survive(upgraded: TestClient, auth: dict[str, str],
                                                  old_ids: dict[str, Any]) -> None:
    job_id = old_ids["checks"]["succeeded"]
    check = upgraded.get(f"/v1/eligibility-checks/{job_id}", headers=auth).json()
    assert check["result"] is not None
    assert check["result"]["member"]["member_id"] == check["member_id"]
    assert [d["id"] for d in check["documents"]] == [old_ids["artifacts"]["document"]]
    assert [r["status"] for r in sorted(check["runs"], key=lambda r: r["attempt"])] == \
        ["abandoned", "succeeded"]
    # and the old check is not visible as a job of another kind
    assert upgraded.get(f"/v1/claim-status-checks/{job_id}", headers=auth).status_code == 404
