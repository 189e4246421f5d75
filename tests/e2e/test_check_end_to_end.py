"""A check from the API and from the web form in real Chromium, through a real Dramatiq
worker on the real Redis, against the sandbox portal; and the portal secrets nowhere."""

from __future__ import annotations

import io
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from pydantic import SecretStr

from api.app import create_app
from bots.redact import contains_secret
from fixtures.sandbox.expected import expected_result, members
from portals.access import ALL_ROLES
from portals.model import EligibilityResult, diff_results
from portals.settings import Settings
from storage import repo
from storage.crypto import Vault
from storage.db import make_engine, session_scope
from storage.users import create_user
from tests.live import serve
from tests.worker_fixtures import wait_until

pytestmark = pytest.mark.browser
STAFF, STAFF_PASSWORD = "frontdesk-e2e", "correct horse battery"


@pytest.fixture
def stack(settings: Settings, meridian: Any, redis_url: str) -> Iterator[tuple[str, FastAPI]]:
    """The API and web UI served for real, with the sandbox's account and a staff user."""
    app_settings = settings.model_copy(update={"redis_url": redis_url})
    app = create_app(app_settings)
    engine = make_engine(app_settings.resolved_database_url)
    assert app_settings.secret_key is not None
    with session_scope(engine) as session:
        repo.create_account(session=session, vault=Vault(app_settings.secret_key),
                            carrier="meridian", label="front desk",
                            username=meridian.username, password=SecretStr(meridian.password),
                            totp_secret=SecretStr(meridian.totp_secret))
        create_user(session=session, username=STAFF, password=STAFF_PASSWORD, roles=ALL_ROLES)
    engine.dispose()
    with serve(app) as url:
        yield url, app


def _auth(settings: Settings) -> dict[str, str]:
    assert settings.admin_token is not None
    return {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}


def _member(index: int) -> dict[str, Any]:
    member = members("meridian")[index]
    return {"carrier": "meridian", "member_id": member["member_id"],
            "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
            "first_name": member["first_name"]}


def _poll_statuses(client: httpx.Client, job_id: str) -> list[str]:
    seen: list[str] = []

    def finished() -> bool:
        status = client.get(f"/v1/eligibility-checks/{job_id}").json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        return status in ("succeeded", "not_found", "failed")

    wait_until(finished, 120, "the check to finish")
    return seen


def test_api_check_goes_queued_running_succeeded(
    stack: tuple[str, FastAPI], settings: Settings, meridian: Any,
    start_worker: Callable[..., subprocess.Popen[bytes]],
) -> None:
    url, _app = stack
    meridian.control.set_knobs(latency_ms=300)  # long enough to see it running
    with httpx.Client(base_url=url, headers=_auth(settings), timeout=10) as client:
        created = client.post("/v1/eligibility-checks", json=_member(7))
        assert created.status_code == 202
        job_id = created.json()["id"]
        assert created.json()["status"] == "queued"
        assert client.get(f"/v1/eligibility-checks/{job_id}").json()["status"] == "queued"
        start_worker()
        seen = _poll_statuses(client, job_id)
        body = client.get(f"/v1/eligibility-checks/{job_id}").json()
    assert seen == ["queued", "running", "succeeded"]
    result = EligibilityResult.model_validate(body["result"])
    assert diff_results(expected_result("meridian", _member(7)["member_id"]), result) == []
    assert [run["status"] for run in body["runs"]] == ["succeeded"]


def test_web_form_check_refreshes_until_the_result(
    stack: tuple[str, FastAPI], meridian: Any, page: Page,
    start_worker: Callable[..., subprocess.Popen[bytes]],
) -> None:
    url, _app = stack
    meridian.control.set_knobs(latency_ms=300)
    member = _member(11)
    page.goto(f"{url}/login")
    page.get_by_test_id("login-username").fill(STAFF)
    page.get_by_test_id("login-password").fill(STAFF_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.locator("[name=carrier]").select_option("meridian")
    page.locator("[name=member_id]").fill(member["member_id"])
    page.locator("[name=date_of_birth]").fill(member["date_of_birth"])
    page.locator("[name=last_name]").fill(member["last_name"])
    page.get_by_test_id("submit-check").click()
    status = page.get_by_test_id("check-status")
    expect(status).to_have_text("queued")
    start_worker()
    expect(status).to_have_text("running", timeout=60_000)
    expect(status).to_have_text("succeeded", timeout=60_000)
    expected = expected_result("meridian", member["member_id"])
    body = page.locator("body")
    expect(body).to_contain_text(expected.plan.name)
    for auth in expected.prior_authorizations:
        expect(body).to_contain_text(auth.code)


def test_portal_secrets_appear_nowhere(
    stack: tuple[str, FastAPI], settings: Settings, meridian: Any, redis_url: str,
    start_worker: Callable[..., subprocess.Popen[bytes]], worker_log: Path,
) -> None:
    url, _app = stack
    secrets = [meridian.password, meridian.totp_secret]
    seen_bytes: list[tuple[str, bytes]] = []
    # given a failing lookup (the portal shows another patient after a fresh login, so the
    # trace covers the password being typed) and then a successful one
    meridian.control.set_knobs(swap_member=True)
    with httpx.Client(base_url=url, headers=_auth(settings), timeout=10) as client:
        failing = client.post("/v1/eligibility-checks", json=_member(3)).json()["id"]
        queued = redis.Redis.from_url(redis_url).hvals("dramatiq:portal_jobs.msgs")
        seen_bytes += [("queue message", raw) for raw in queued]
        start_worker(PORTALS_LOG_LEVEL="DEBUG")
        _poll_statuses(client, failing)
        meridian.control.set_knobs(swap_member=False)
        ok = client.post("/v1/eligibility-checks", json=_member(4)).json()["id"]
        _poll_statuses(client, ok)
        # when everything the API can show is read
        for path in ("/v1/health", "/v1/accounts", "/v1/runs", "/v1/runs?status=failed",
                     "/v1/audit", f"/v1/eligibility-checks/{failing}",
                     f"/v1/eligibility-checks/{ok}", "/openapi.json"):
            response = client.get(path)
            assert response.status_code == 200, path
            seen_bytes.append((path, response.content))
        failed = client.get(f"/v1/eligibility-checks/{failing}").json()
        assert failed["status"] == "failed"
        artifacts = failed["runs"][0]["artifacts"]
        assert {a["kind"] for a in artifacts} == {"screenshot", "html", "trace"}
        for artifact in artifacts:
            content = client.get(artifact["url"]).content
            seen_bytes.append((artifact["kind"], content))
            if artifact["kind"] == "trace":
                names = zipfile.ZipFile(io.BytesIO(content)).namelist()
                assert any(n.endswith(".trace") for n in names)
    seen_bytes.append(("worker log", worker_log.read_bytes()))
    db_file = Path(settings.resolved_database_url.split("///", 1)[1])
    seen_bytes.append(("database file", db_file.read_bytes()))
    for stored in settings.resolved_artifacts_dir.rglob("*"):
        if stored.is_file():
            seen_bytes.append((f"stored {stored.name}", stored.read_bytes()))
    # then neither the password nor the TOTP secret is anywhere
    assert b"DEBUG" in worker_log.read_bytes()  # the worker really logged at DEBUG
    leaks = [where for where, data in seen_bytes if contains_secret(data, secrets)]
    assert leaks == []
    assert len(seen_bytes) > 12
