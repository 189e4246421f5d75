"""A claim-status check from the API through a real Dramatiq worker on the real Redis,
against the Meridian sandbox portal in real Chromium: the stored claims equal the
sandbox's truth, and every remittance PDF downloads byte for byte, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from fixtures.sandbox import carriers
from fixtures.sandbox.expected import members
from portals.claims import ClaimResult
from portals.settings import Settings
from storage import repo
from storage.crypto import Vault
from storage.db import make_engine, session_scope
from tests.live import serve
from tests.worker_fixtures import wait_until

pytestmark = pytest.mark.browser
FROM, TO = dt.date(2025, 4, 30), dt.date(2026, 10, 31)


@pytest.fixture
def stack(settings: Settings, meridian: Any, redis_url: str) -> Iterator[str]:
    app_settings = settings.model_copy(update={"redis_url": redis_url})
    app: FastAPI = create_app(app_settings)
    engine = make_engine(app_settings.resolved_database_url)
    assert app_settings.secret_key is not None
    with session_scope(engine) as session:
        repo.create_account(session=session, vault=Vault(app_settings.secret_key),
                            carrier="meridian", label="billing",
                            username=meridian.username, password=SecretStr(meridian.password),
                            totp_secret=SecretStr(meridian.totp_secret))
    engine.dispose()
    with serve(app) as url:
        yield url


def _member_with_remittances() -> tuple[dict[str, Any], ClaimResult]:
    for member in members("meridian"):
        expected = carriers.get("meridian").expected_claims(
            member["member_id"], service_from=FROM, service_to=TO)
        if len(expected.documents) >= 2:
            return member, expected
    raise AssertionError("no Meridian member with two remittances")


def test_claims_and_remittances_end_to_end(
    stack: str, settings: Settings, start_worker: Callable[..., subprocess.Popen[bytes]],
) -> None:
    member, expected = _member_with_remittances()
    assert settings.admin_token is not None
    auth = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}
    with httpx.Client(base_url=stack, headers=auth, timeout=20) as client:
        created = client.post("/v1/claim-status-checks", json={
            "carrier": "meridian", "member_id": member["member_id"],
            "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
            "service_from": FROM.isoformat(), "service_to": TO.isoformat()})
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        start_worker()

        def done() -> bool:
            status = client.get(f"/v1/claim-status-checks/{job_id}").json()["status"]
            return status in ("succeeded", "failed", "not_found")

        wait_until(done, 180, "the claim check to finish")
        body = client.get(f"/v1/claim-status-checks/{job_id}").json()
        assert body["status"] == "succeeded", body["message"]
        result = ClaimResult.model_validate(body["result"])
        assert result.canonical() == expected.canonical()
        # every remittance the result names is downloadable, byte for byte
        wanted = {d.sha256: d for d in expected.documents}
        assert sorted(d["sha256"] for d in body["documents"]) == sorted(wanted)
        for link in body["documents"]:
            download = client.get(link["url"])
            assert download.status_code == 200
            assert download.headers["content-type"].startswith("application/pdf")
            assert hashlib.sha256(download.content).hexdigest() == link["sha256"]
            assert len(download.content) == wanted[link["sha256"]].size
        views = [e for e in client.get("/v1/audit").json()
                 if e["action"] == "artifact.view"]
        assert len(views) == len(body["documents"])
