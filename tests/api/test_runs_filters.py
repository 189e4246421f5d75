"""GET /v1/runs filtered by carrier, job kind, error type, account and start day, a page at
a time (a 422 naming the field on junk), and GET /v1/runs/groups: failed runs grouped by
failure signature (carrier, page, error type) as the web workspace groups them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from storage import repo
from storage.db import session_scope
from storage.models import Job, Run
from tests.api.factories import make_check, make_failed_run, succeed

BOTH_DATABASES = True
DAY = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)


def _set(db: Engine, run_id: str, *, job: dict[str, Any] | None = None, **run: Any) -> None:
    """Change a stored run (and its job) the way other carriers, kinds and days would."""
    with session_scope(db) as session:
        row = session.get(Run, run_id)
        assert row is not None
        for name, value in run.items():
            setattr(row, name, value)
        session.add(row)
        if job:
            owner = session.get(Job, row.job_id)
            assert owner is not None
            for name, value in job.items():
                setattr(owner, name, value)
            session.add(owner)


def _account(app: FastAPI) -> int:
    with session_scope(app.state.engine) as session:
        account = repo.create_account(session=session, vault=app.state.vault,
                                      carrier="meridian", label="front desk",
                                      username="desk", password=SecretStr("pw"))
        assert account.id is not None
        return account.id


def _failed(app: FastAPI, db: Engine, member: str, **changes: Any) -> str:
    run_id = make_failed_run(db, app.state.store, member_id=member).run_id
    _set(db, run_id, **changes)
    return run_id


@pytest.fixture
def runs(app: FastAPI, db: Engine) -> dict[str, str]:
    """Five failed runs, each different in one way, and one that succeeded."""
    account = _account(app)
    out = {
        "old": _failed(app, db, "MER1001", started_at=DAY - dt.timedelta(days=30)),
        "day": _failed(app, db, "MER1002", started_at=DAY),
        "northwind": _failed(app, db, "MER1003", carrier="northwind",
                             started_at=DAY + dt.timedelta(days=1)),
        "login": _failed(app, db, "MER1004", error_type="login_failed",
                         started_at=DAY + dt.timedelta(days=2)),
        "claims": _failed(app, db, "MER1005", job={"kind": "claim_status",
                                                   "account_id": account},
                          started_at=DAY + dt.timedelta(days=3)),
    }
    ok = make_check(db, member_id="MER1006")
    succeed(db, ok)
    with session_scope(db) as session:
        (run,) = repo.list_runs(session=session, job_id=ok)
    _set(db, run.id, started_at=DAY + dt.timedelta(days=4))
    out["ok"] = run.id
    out["account"] = str(account)
    return out


def _ids(client: TestClient, auth: dict[str, str], **params: Any) -> list[str]:
    response = client.get("/v1/runs", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return [run["id"] for run in response.json()]


def test_each_filter_narrows_the_list(client: TestClient, auth: dict[str, str],
                                      runs: dict[str, str]) -> None:
    r = runs
    newest_first = [r["ok"], r["claims"], r["login"], r["northwind"], r["day"], r["old"]]
    assert _ids(client, auth) == newest_first
    assert _ids(client, auth, carrier="northwind") == [r["northwind"]]
    assert _ids(client, auth, carrier="meridian", status="failed") == [
        r["claims"], r["login"], r["day"], r["old"]]
    assert _ids(client, auth, kind="claim_status") == [r["claims"]]
    assert _ids(client, auth, kind="eligibility", status="succeeded") == [r["ok"]]
    assert _ids(client, auth, error_type="login_failed") == [r["login"]]
    assert _ids(client, auth, account_id=r["account"]) == [r["claims"]]
    assert _ids(client, auth, date_from="2026-03-10", date_to="2026-03-11") == [
        r["northwind"], r["day"]]  # whole days, both included
    assert _ids(client, auth, date_to="2026-03-09") == [r["old"]]
    assert _ids(client, auth, date_from="2026-03-13") == [r["ok"], r["claims"]]
    assert _ids(client, auth, carrier="meridian", error_type="layout_changed",
                date_from="2026-03-01") == [r["claims"], r["day"]]
    assert _ids(client, auth, carrier="summit") == []


def test_pages_of_the_list(client: TestClient, auth: dict[str, str],
                           runs: dict[str, str]) -> None:
    every = _ids(client, auth)
    assert _ids(client, auth, limit=2) == every[:2]
    assert _ids(client, auth, limit=2, offset=2) == every[2:4]
    assert _ids(client, auth, limit=2, offset=4) == every[4:]
    assert _ids(client, auth, offset=6) == []


JUNK = [
    ("date_from", "yesterday"), ("date_from", "2026-02-30"), ("date_to", "1700000000"),
    ("date_to", "2026-03-10T00:00:00"), ("account_id", "abc"), ("account_id", "0"),
    ("account_id", str(2**31)), ("kind", "nope"), ("carrier", "Meridian Health!"),
    ("carrier", "x" * 41), ("error_type", "layout changed"), ("limit", "0"),
    ("limit", "501"), ("offset", "-1"), ("status", "nope"),
]


@pytest.mark.parametrize(("field", "value"), JUNK)
def test_junk_is_a_422_naming_the_field(client: TestClient, auth: dict[str, str],
                                        field: str, value: str) -> None:
    for path in ("/v1/runs", "/v1/runs/groups"):
        if path.endswith("groups") and field == "status":
            continue
        response = client.get(path, headers=auth, params={field: value})
        assert response.status_code == 422, (path, field, value)
        assert [e["field"] for e in response.json()["detail"]] == [field]
        assert value not in response.text or len(value) < 3  # the input is not echoed


def test_a_range_that_ends_before_it_starts_names_date_to(
    client: TestClient, auth: dict[str, str]
) -> None:
    for path in ("/v1/runs", "/v1/runs/groups"):
        response = client.get(path, headers=auth,
                              params={"date_from": "2026-03-10", "date_to": "2026-03-09"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["detail"]] == ["date_to"]


def test_groups_by_failure_signature(app: FastAPI, client: TestClient, auth: dict[str, str],
                                     db: Engine, runs: dict[str, str]) -> None:
    resolved = _failed(app, db, "MER1007", started_at=DAY + dt.timedelta(hours=1))
    assert client.post(f"/v1/runs/{resolved}/resolve", headers=auth,
                       json={"note": "handled"}).status_code == 200

    response = client.get("/v1/runs/groups", headers=auth)

    assert response.status_code == 200
    body = response.json()
    page = "the eligibility table was not found"
    assert (body["total_groups"], body["total_runs"]) == (3, 6)
    assert body["scanned_limit_reached"] is False
    groups = {g["signature"]: g for g in body["items"]}
    layout = groups[f"meridian|{page}|layout_changed"]
    assert (layout["carrier"], layout["page"], layout["error_type"]) == (
        "meridian", page, "layout_changed")
    assert (layout["count"], layout["open_count"], layout["failed_jobs"]) == (4, 3, 4)
    assert layout["first_seen"].startswith("2026-02-08T15:30:00")
    assert layout["last_seen"].startswith("2026-03-13T15:30:00")
    assert layout["sample_run_id"] == runs["claims"]  # the latest
    assert groups[f"meridian|{page}|login_failed"]["count"] == 1
    assert groups[f"northwind|{page}|layout_changed"]["sample_run_id"] == runs["northwind"]
    # the most recently failing group first
    assert [g["sample_run_id"] for g in body["items"]] == [
        runs["claims"], runs["login"], runs["northwind"]]


def test_groups_take_the_filters_and_pages(client: TestClient, auth: dict[str, str],
                                           runs: dict[str, str]) -> None:
    def groups(**params: Any) -> dict[str, Any]:
        response = client.get("/v1/runs/groups", headers=auth, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    assert [g["sample_run_id"] for g in groups(carrier="northwind")["items"]] == [
        runs["northwind"]]
    only_day = groups(date_from="2026-03-10", date_to="2026-03-10", kind="eligibility")
    assert (only_day["total_runs"], only_day["items"][0]["sample_run_id"]) == (1, runs["day"])
    assert groups(account_id=runs["account"])["items"][0]["count"] == 1
    assert groups(error_type="timeout") == {"items": [], "total_groups": 0, "total_runs": 0,
                                            "limit": 50, "offset": 0,
                                            "scanned_limit_reached": False}
    second = groups(limit=1, offset=1)
    assert (second["total_groups"], len(second["items"])) == (3, 1)
    assert second["items"][0]["sample_run_id"] == runs["login"]


def test_groups_name_no_patient_and_are_not_a_phi_read(
    client: TestClient, auth: dict[str, str], runs: dict[str, str], db: Engine
) -> None:
    with session_scope(db) as session:
        before = len(repo.list_audit(session=session, limit=1000))
    response = client.get("/v1/runs/groups", headers=auth)
    assert "MER100" not in response.text and "Rivera" not in response.text
    with session_scope(db) as session:
        assert len(repo.list_audit(session=session, limit=1000)) == before


def test_the_routes_are_described(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    listing = spec["paths"]["/v1/runs"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"status", "job_id", "carrier", "kind", "error_type", "account_id", "date_from",
            "date_to", "limit", "offset"} <= names
    assert all(p.get("description") for p in listing["parameters"]
               if p["name"] in {"carrier", "kind", "error_type", "account_id", "date_from",
                                "date_to"})
    grouped = spec["paths"]["/v1/runs/groups"]["get"]
    assert grouped["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RunGroupList"}
    assert {"401", "403", "422"} <= set(grouped["responses"])
    assert grouped["summary"] and grouped["description"]
    group = spec["components"]["schemas"]["RunGroup"]["properties"]
    assert {"signature", "count", "first_seen", "last_seen", "sample_run_id"} <= set(group)
