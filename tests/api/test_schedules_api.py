"""Schedules through the API and the admin pages: every field checked and named when
wrong, changes audited, a disabled schedule has no next slot; batches with progress."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portals.access import Role
from storage.db import session_scope
from storage.models import AuditEvent, Batch, Job, JobStatus
from storage.users import create_user
from tests.api.web_login import login, page_csrf

BOTH_DATABASES = True
PASSWORD = "a long enough password"
GOOD = {"name": "Nightly eligibility", "kind": "eligibility_upcoming", "cron": "0 2 * * *",
        "timezone": "America/Chicago", "params": {"days_ahead": 2}}


def test_a_schedule_is_created_read_changed_and_disabled(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    made = client.post("/v1/schedules", headers=auth, json=GOOD)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["params"] == {"days_ahead": 2} and body["enabled"] is True
    first = dt.datetime.fromisoformat(body["next_slots"][0])
    assert first.astimezone(dt.timezone(dt.timedelta(hours=-6))).hour == 2  # 02:00 CST
    sid = body["id"]
    assert client.get(f"/v1/schedules/{sid}", headers=auth).json()["name"] == GOOD["name"]
    changed = client.patch(f"/v1/schedules/{sid}", headers=auth,
                           json={"enabled": False, "cron": "30 1 * * *"}).json()
    assert (changed["enabled"], changed["cron"], changed["next_slots"]) == (False,
                                                                            "30 1 * * *", [])
    assert changed["updated_at"] > body["updated_at"]
    assert client.get(f"/v1/schedules/{sid}/slots", headers=auth).json() == []
    with Session(db) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(
            AuditEvent.target_type == "schedule"))]
    assert actions == ["schedule.create", "schedule.update"]


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"cron": "0 2 * *"}, "cron", "not a cron expression"),
    ({"cron": "* * * * *"}, "cron", "more often than every 5 minutes"),
    ({"cron": "0 25 * * *"}, "cron", "not a cron expression"),
    ({"timezone": "Mars/Olympus"}, "timezone", "not a time zone"),
    ({"kind": "launch_rockets"}, "kind", "unknown kind"),
    ({"params": {"days_ahead": 99}}, "params", "'days_ahead' must be 1 to 14"),
    ({"params": {"colour": "red"}}, "params", "unknown parameter 'colour'"),
    ({"name": "\x00"}, "name", ""),
    ({"grace_seconds": -1}, "grace_seconds", ""),
])
def test_a_bad_field_is_a_422_naming_it_and_nothing_is_stored(
        client: TestClient, auth: dict[str, str], change: dict[str, object], field: str,
        words: str) -> None:
    response = client.post("/v1/schedules", headers=auth, json={**GOOD, **change})
    assert response.status_code in (400, 422), response.text
    assert field in response.text and words in response.text
    assert client.get("/v1/schedules", headers=auth).json() == []


def test_names_are_unique_and_unknown_ids_are_404(
        client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/v1/schedules", headers=auth, json=GOOD).status_code == 201
    assert client.post("/v1/schedules", headers=auth, json=GOOD).status_code == 409
    assert client.get("/v1/schedules/999999", headers=auth).status_code == 404
    assert client.patch("/v1/schedules/999999", headers=auth, json={}).status_code == 404
    assert client.get(f"/v1/schedules/{2**40}", headers=auth).status_code == 422
    assert client.get("/v1/batches/" + "0" * 32, headers=auth).status_code == 404
    assert client.get("/v1/batches/nothex", headers=auth).status_code == 422


def test_a_batch_shows_done_failed_and_left(client: TestClient, auth: dict[str, str],
                                            db: Engine) -> None:
    with Session(db) as session:
        batch = Batch(label="tonight", kind="eligibility_upcoming", total=4)
        session.add(batch)
        session.flush()
        for n, status in enumerate((JobStatus.SUCCEEDED, JobStatus.NOT_FOUND,
                                    JobStatus.FAILED, JobStatus.QUEUED)):
            session.add(Job(carrier="meridian", member_id=f"M{n}",
                            date_of_birth=dt.date(1980, 1, 1), last_name="Testperson",
                            request={}, request_fingerprint="x", status=status,
                            batch_id=batch.id))
        session.commit()
        batch_id = batch.id
    got = client.get(f"/v1/batches/{batch_id}", headers=auth).json()
    assert (got["total"], got["done"], got["failed"], got["left"]) == (4, 2, 1, 1)
    assert [b["id"] for b in client.get("/v1/batches", headers=auth).json()] == [batch_id]


def test_the_admin_page_creates_a_schedule_and_shows_errors_beside_fields(
        client: TestClient, db: Engine) -> None:
    with session_scope(db) as session:
        create_user(session=session, username="boss", password=PASSWORD, roles=(Role.ADMIN,))
    assert login(client, "boss", PASSWORD).status_code == 303
    page = client.get("/admin/schedules")
    assert page.status_code == 200 and 'data-testid="nav-schedules"' in page.text
    csrf = page_csrf(page.text)
    bad = client.post("/admin/schedules", data={
        "csrf": csrf, "name": "Claims", "kind": "claims_refresh", "cron": "every night",
        "timezone": "America/Chicago", "grace_hours": "6", "enabled": "on"})
    assert bad.status_code == 422
    assert 'data-testid="error-cron"' in bad.text
    made = client.post("/admin/schedules", data={
        "csrf": csrf, "name": "Claims", "kind": "claims_refresh", "cron": "30 2 * * *",
        "timezone": "America/Chicago", "grace_hours": "12", "lookback_days": "90",
        "enabled": "on"}, follow_redirects=False)
    assert made.status_code == 303
    detail = client.get(made.headers["location"])
    assert "Refresh claims not yet finalized" in detail.text
    saved = client.post(made.headers["location"], data={
        "csrf": csrf, "name": "Claims", "kind": "claims_refresh", "cron": "30 2 * * *",
        "timezone": "America/Chicago", "grace_hours": "12", "lookback_days": "9999"})
    assert saved.status_code == 422 and 'data-testid="error-params"' in saved.text
