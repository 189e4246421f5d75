"""The web UI over HTTP (no browser): login, the form's validation and side effects,
CSRF, what each check state renders, artifacts behind login."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from portals.access import ALL_ROLES
from storage import repo
from storage.db import session_scope
from storage.models import JobStatus, RunStatus
from storage.users import create_user, delete_user
from tests.api.conftest import QueueProbe, count_checks
from tests.api.factories import make_check, make_failed_run, succeed
from tests.api.web_login import login, logout

BOTH_DATABASES = True

USER, PASSWORD = "maria", "front-desk-pass"
FORM = {"carrier": "meridian", "member_id": "MER100200", "date_of_birth": "1980-04-02",
        "last_name": "Rivera", "first_name": "Ana", "service_date": "",
        "service_codes": "99213, 70551"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no csrf field on the page"
    return found.group(1)


def _form_key(html: str) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', html)
    assert found
    return found.group(1)


@pytest.fixture
def staff(db: Engine) -> str:
    with session_scope(db) as session:
        create_user(session=session, username=USER, password=PASSWORD, roles=ALL_ROLES)
    return USER


@pytest.fixture
def ui(client: TestClient, staff: str) -> TestClient:
    response = login(client, staff, PASSWORD)
    assert response.status_code == 303
    return client


@pytest.mark.parametrize("path", ["/", "/runs/failed", "/checks/abc", "/checks/abc/fragment",
                                  "/ui/runs/r1/artifacts/a1"])
def test_pages_need_a_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_login_refuses_a_wrong_password(client: TestClient, staff: str) -> None:
    response = login(client, staff, "nope-nope")
    assert response.status_code == 401
    assert 'data-testid="login-error"' in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_sets_a_lax_http_only_cookie_and_goes_to_next(
    client: TestClient, staff: str
) -> None:
    response = login(client, staff, PASSWORD, next="/runs/failed")
    assert response.status_code == 303 and response.headers["location"] == "/runs/failed"
    cookie = response.headers["set-cookie"].lower()
    assert "portals_sid=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert PASSWORD not in cookie
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="check-form"' in page.text


def test_login_never_redirects_off_site(client: TestClient, staff: str) -> None:
    response = login(client, staff, PASSWORD, next="//evil.example/x")
    assert response.headers["location"] == "/"


def test_a_deleted_user_is_logged_out(ui: TestClient, db: Engine) -> None:
    with session_scope(db) as session:
        delete_user(session=session, username=USER)
    assert ui.get("/", follow_redirects=False).status_code == 303


def test_logout(ui: TestClient) -> None:
    assert logout(ui).status_code == 303
    assert ui.get("/", follow_redirects=False).status_code == 303


def test_form_creates_and_enqueues_a_check(ui: TestClient, db: Engine,
                                           queue: QueueProbe) -> None:
    page = ui.get("/").text
    form = {**FORM, "csrf": _csrf(page), "form_key": _form_key(page)}

    response = ui.post("/checks", data=form, follow_redirects=False)

    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/checks/")
    with session_scope(db) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None and check.origin == "web"
        assert repo.job_request(check).service_codes == ["99213", "70551"]
    assert queue.check_ids() == [job_id]
    # a double submission of the same form is the same check
    again = ui.post("/checks", data=form, follow_redirects=False)
    assert again.headers["location"] == f"/checks/{job_id}"
    assert count_checks(db) == 1 and queue.check_ids() == [job_id]


@pytest.mark.parametrize(("field", "value"), [
    ("member_id", "AB"), ("member_id", "MER<100>"), ("date_of_birth", "2999-01-01"),
    ("date_of_birth", "1980-02-30"), ("date_of_birth", ""), ("last_name", ""),
    ("last_name", "X" * 61), ("first_name", "Ana;"), ("service_codes", "99213, nope!"),
    ("carrier", "acme"), ("service_date", "2025-02-30"),
])
def test_form_errors_show_beside_the_field_and_store_nothing(
    ui: TestClient, db: Engine, queue: QueueProbe, field: str, value: str
) -> None:
    page = ui.get("/").text
    form = {**FORM, field: value, "csrf": _csrf(page), "form_key": _form_key(page)}

    response = ui.post("/checks", data=form, follow_redirects=False)

    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in response.text
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_form_without_csrf_is_refused(ui: TestClient, db: Engine) -> None:
    response = ui.post("/checks", data={**FORM, "csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert count_checks(db) == 0


def test_fragment_says_when_the_check_is_finished(ui: TestClient, db: Engine) -> None:
    job_id = make_check(db)
    live = ui.get(f"/checks/{job_id}/fragment")
    assert live.headers["x-check-finished"] == "false"
    assert 'data-testid="check-status">queued<' in live.text
    succeed(db, job_id)
    done = ui.get(f"/checks/{job_id}/fragment")
    assert done.headers["x-check-finished"] == "true"
    assert 'data-testid="coverage-status">Active<' in done.text
    assert ui.get(f"/checks/{'0' * 32}").status_code == 404


def test_not_found_is_said_plainly(ui: TestClient, db: Engine) -> None:
    job_id = make_check(db)
    with session_scope(db) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w",
                                lease_seconds=60)
    with session_scope(db) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        run = repo.start_run(session=session, job=check, worker="w")
        repo.finish_run(session=session, run=run, status=RunStatus.NOT_FOUND)
        repo.release_job(session=session, job=check, status=JobStatus.NOT_FOUND,
                           message="No records found")
    page = ui.get(f"/checks/{job_id}").text
    assert re.search(r'data-testid="not-found-message">No records found at Meridian Health '
                     r"for Ana Rivera \(member ID MER100200", page)


def test_failed_check_shows_the_error_and_screenshot_link(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    page = ui.get(f"/checks/{failed.job_id}").text
    assert 'data-testid="failure-type">layout_changed<' in page
    assert "the eligibility table was not found" in page
    assert f'href="/ui/runs/{failed.run_id}/artifacts/{failed.screenshot_id}"' in page


def test_ui_artifact_is_audited_with_the_staff_username(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    response = ui.get(f"/ui/runs/{failed.run_id}/artifacts/{failed.screenshot_id}")
    assert response.status_code == 200 and response.content == failed.png
    html = ui.get(f"/ui/runs/{failed.run_id}/artifacts/{failed.html_id}")
    assert html.headers["content-disposition"].startswith("attachment")
    with session_scope(db) as session:
        events = {(e.actor, e.action, e.target_id) for e in repo.list_audit(session=session)}
    assert (USER, "artifact.view", failed.screenshot_id) in events
    assert (USER, "artifact.view", failed.html_id) in events


def test_resolve_and_retry_from_the_failed_runs_page(
    app: FastAPI, ui: TestClient, db: Engine, queue: QueueProbe
) -> None:
    failed = make_failed_run(db, app.state.store)
    page = ui.get("/runs/failed").text
    assert f'data-testid="failed-run-{failed.run_id}"' in page

    ui.post(f"/runs/{failed.run_id}/resolve", data={"csrf": _csrf(page), "note": "Reviewed"})
    ui.post(f"/checks/{failed.job_id}/retry", data={"csrf": _csrf(page),
                                                      "next": "/runs/failed"})

    with session_scope(db) as session:
        events = {(e.actor, e.action, e.target_id) for e in repo.list_audit(session=session)}
        check = repo.get_job(session=session, job_id=failed.job_id)
    assert (USER, "run.resolve", failed.run_id) in events
    assert (USER, "check.retry", failed.job_id) in events
    assert check is not None and check.status == "queued"
    assert queue.check_ids() == [failed.job_id]
    assert 'data-testid="resolved"' in ui.get("/runs/failed").text


def test_failed_logins_are_audited_with_the_name_as_data_not_the_actor(
    client: TestClient, staff: str, db: Engine
) -> None:
    for _ in range(3):
        assert login(client, staff, "guess-guess").status_code == 401
    assert login(client, staff, PASSWORD).status_code == 303
    with session_scope(db) as session:
        events = [e for e in repo.list_audit(session=session)
                  if e.action in ("user.login_failed", "user.login")]
    assert [e.action for e in events].count("user.login_failed") == 3
    assert [e.action for e in events].count("user.login") == 1
    failed = [e for e in events if e.action == "user.login_failed"]
    assert {(e.actor, e.actor_type) for e in failed} == {("anonymous", "anonymous")}
    assert all(e.target_id == staff and staff in (e.detail or "") for e in failed)
    # the login that succeeded is the person's own act, from the client's address
    [good] = [e for e in events if e.action == "user.login"]
    assert (good.actor, good.actor_type, good.target_id) == (staff, "person", staff)
    assert all(e.client_address == "testclient" for e in events)


def test_a_good_login_clears_earlier_failures(client: TestClient, staff: str,
                                             db: Engine) -> None:
    for _ in range(4):
        login(client, staff, "guess-guess")
    assert login(client, staff, PASSWORD).status_code == 303
    logout(client)
    for _ in range(4):
        login(client, staff, "guess-guess")
    again = login(client, staff, PASSWORD)
    assert again.status_code == 303
    with session_scope(db) as session:
        actions = [e.action for e in repo.list_audit(session=session)]
    assert actions.count("user.login") == 2
