"""Codes sent by SMS or e-mail reach the waiting run through the signed inbox; with no
code delivered, a person types it in the web UI (real Chromium) and the run finishes.
A real worker, the real API, the sandbox portals and their SMS/e-mail gateway."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from pydantic import SecretStr
from sqlmodel import select

from api.app import create_app
from bots.base import MfaKind
from bots.registry import registry
from fixtures.sandbox.expected import expected_result, members
from fixtures.sandbox.server import PortalAccount
from portals.access import ALL_ROLES
from portals.model import EligibilityResult, diff_results
from portals.settings import Settings
from storage import repo
from storage.crypto import Vault
from storage.db import make_engine, session_scope
from storage.models import OneTimeCode
from storage.users import create_user
from tests.live import serve
from tests.worker_fixtures import wait_until

pytestmark = pytest.mark.browser
CODE_CARRIERS = [bot.name for bot in registry.all()
                 if bot.mfa_kinds & {MfaKind.SMS, MfaKind.EMAIL}]
STAFF, STAFF_PASSWORD = "frontdesk-mfa", "correct horse battery"


@dataclass
class Stack:
    url: str
    settings: Settings
    portal: PortalAccount
    carrier: str
    start_worker: Callable[..., subprocess.Popen[bytes]]

    def auth(self) -> dict[str, str]:
        assert self.settings.admin_token is not None
        return {"Authorization": f"Bearer {self.settings.admin_token.get_secret_value()}"}

    def request(self, index: int = 0) -> dict[str, Any]:
        member = members(self.carrier)[index]
        return {"carrier": self.carrier, **{k: member[k] for k in (
            "member_id", "date_of_birth", "last_name", "first_name")}}


@pytest.fixture(params=CODE_CARRIERS)
def stack(request: pytest.FixtureRequest, settings: Settings, redis_url: str,
          sandbox_portal: Callable[[str], PortalAccount],
          start_worker: Callable[..., subprocess.Popen[bytes]]) -> Iterator[Stack]:
    carrier: str = request.param
    inbox_secret = secrets.token_urlsafe(24)
    app_settings = settings.model_copy(update={"redis_url": redis_url,
                                               "inbox_secret": SecretStr(inbox_secret)})
    portal = sandbox_portal(carrier)
    engine = make_engine(app_settings.resolved_database_url)
    app = create_app(app_settings)
    assert app_settings.secret_key is not None
    with session_scope(engine) as session:
        repo.create_account(
            session=session, vault=Vault(app_settings.secret_key), carrier=carrier,
            label="front desk", username=portal.username,
            password=SecretStr(portal.password),
            mfa_recipient=portal.account.get("phone") or portal.account.get("email"))
        create_user(session=session, username=STAFF, password=STAFF_PASSWORD, roles=ALL_ROLES)
    engine.dispose()
    with serve(app) as url:
        portal.control.set_knobs(code_webhook_url=f"{url}/v1/inbox/codes",
                                 code_webhook_secret=inbox_secret)

        def worker(**env: str) -> subprocess.Popen[bytes]:
            return start_worker(PORTALS_CARRIER_URLS=f'{{"{carrier}": "{portal.url}"}}',
                                PORTALS_MFA_INBOX_WAIT_SECONDS="1", **env)

        yield Stack(url, app_settings, portal, carrier, worker)


def _finish(client: httpx.Client, job_id: str) -> dict[str, Any]:
    def done() -> bool:
        status = client.get(f"/v1/eligibility-checks/{job_id}").json()["status"]
        return status in ("succeeded", "not_found", "failed")

    wait_until(done, 120, "the check to finish")
    body: dict[str, Any] = client.get(f"/v1/eligibility-checks/{job_id}").json()
    return body


def test_the_gateways_code_reaches_the_waiting_run(stack: Stack) -> None:
    stack.start_worker()
    with httpx.Client(base_url=stack.url, headers=stack.auth(), timeout=10) as client:
        job_id = client.post("/v1/eligibility-checks", json=stack.request()).json()["id"]
        body = _finish(client, job_id)
        assert body["status"] == "succeeded", body["runs"]
        result = EligibilityResult.model_validate(body["result"])
        expected = expected_result(stack.carrier, stack.request()["member_id"])
        assert diff_results(expected, result) == []
        # documents the portal offered (a benefit summary PDF) are kept and downloadable
        assert len(body["documents"]) == len(expected.documents)
        for document, link in zip(expected.documents, body["documents"], strict=True):
            download = client.get(link["url"])
            assert download.status_code == 200
            assert download.headers["content-type"] == document.content_type
            assert hashlib.sha256(download.content).hexdigest() == document.sha256
            assert len(download.content) == document.size
    engine = make_engine(stack.settings.resolved_database_url)
    with session_scope(engine) as session:
        codes = session.exec(select(OneTimeCode)).all()
    engine.dispose()
    (sent,) = [m for m in stack.portal.control.outbox() if m["username"] == stack.portal.username]
    assert sent["delivered"] is True
    assert [(c.source, c.used_by_run) for c in codes] == [("gateway", body["runs"][0]["id"])]


def test_a_person_types_the_code_in_the_web_ui(stack: Stack, page: Page) -> None:
    stack.portal.control.set_knobs(code_delivery="drop")  # the text never reaches the inbox
    stack.start_worker()
    with httpx.Client(base_url=stack.url, headers=stack.auth(), timeout=10) as client:
        job_id = client.post("/v1/eligibility-checks", json=stack.request(1)).json()["id"]
    page.goto(f"{stack.url}/login?next=/checks/{job_id}")
    page.get_by_test_id("login-username").fill(STAFF)
    page.get_by_test_id("login-password").fill(STAFF_PASSWORD)
    page.get_by_test_id("login-submit").click()
    status = page.get_by_test_id("check-status")
    expect(status).to_have_text("needs_mfa_code", timeout=60_000)
    sent = stack.portal.control.outbox()[-1]
    assert sent["delivered"] is False
    page.get_by_test_id("mfa-code-input").fill(sent["code"])
    page.get_by_test_id("mfa-code-submit").click()
    expect(status).to_have_text("succeeded", timeout=60_000)
    expected = expected_result(stack.carrier, stack.request(1)["member_id"])
    expect(page.locator("body")).to_contain_text(expected.plan.name)


def test_a_run_nobody_helps_ends_as_mfa_timeout(stack: Stack) -> None:
    stack.portal.control.set_knobs(code_delivery="drop")
    stack.start_worker(PORTALS_MFA_WAIT_SECONDS="4")
    with httpx.Client(base_url=stack.url, headers=stack.auth(), timeout=10) as client:
        job_id = client.post("/v1/eligibility-checks", json=stack.request(2)).json()["id"]
        body = _finish(client, job_id)
    assert body["status"] == "failed" and body["result"] is None
    (run,) = body["runs"]
    assert run["error_type"] == "mfa_timeout"
    assert {a["kind"] for a in run["artifacts"]} == {"screenshot", "html", "trace"}
