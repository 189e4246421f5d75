"""The one-time-code inbox: signed messages only, each once; staff-typed codes; and the
waiting run's code source."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import select

from portals.inbox import signed_headers
from portals.model import EligibilityRequest
from portals.settings import Settings
from storage import repo
from storage.crypto import Vault
from storage.db import session_scope
from storage.models import AuditEvent, Job, JobStatus, OneTimeCode
from workflows.context import DbCodeSource

BOTH_DATABASES = True
SECRET = "inbox-secret-for-tests-" + "x" * 8
PHONE = "+1-555-0142-0000"


@pytest.fixture
def api_settings(settings: Settings, backend_url: str, redis_url: str) -> Settings:
    return settings.model_copy(update={"database_url": backend_url, "redis_url": redis_url,
                                       "inbox_secret": SecretStr(SECRET)})


@pytest.fixture(autouse=True)
def northwind_account(db: Engine, api_settings: Settings) -> None:
    """The portal account whose codes the gateway sends to PHONE."""
    assert api_settings.secret_key is not None
    with session_scope(db) as session:
        repo.create_account(session=session, vault=Vault(api_settings.secret_key),
                            carrier="northwind", label="front desk", username="nw-user",
                            password=SecretStr("pw"), mfa_recipient=PHONE)


def _message(**changes: Any) -> dict[str, Any]:
    return {"message_id": uuid.uuid4().hex, "carrier": "northwind", "channel": "sms",
            "recipient": PHONE, "text": "Northwind Mutual: your verification code is 482913.",
            "sent_at": dt.datetime.now(dt.UTC).isoformat(), **changes}


def _post(client: TestClient, message: dict[str, Any], secret: str = SECRET,
          at: float | None = None) -> int:
    body = json.dumps(message).encode()
    headers = signed_headers(body, secret, int(at if at is not None else time.time()))
    return client.post("/v1/inbox/codes", content=body, headers=headers).status_code


def _codes(db: Engine) -> list[OneTimeCode]:
    with session_scope(db) as session:
        return list(session.exec(select(OneTimeCode)).all())


def test_a_signed_code_is_stored_encrypted(client: TestClient, db: Engine) -> None:
    assert _post(client, _message()) == 202
    (row,) = _codes(db)
    assert row.recipient == PHONE.lower() and row.channel == "sms" and row.used_at is None
    assert "482913" not in row.code_enc


@pytest.mark.parametrize("how", ["unsigned", "other secret", "stale", "altered"])
def test_unsigned_or_forged_codes_are_refused(client: TestClient, db: Engine, how: str) -> None:
    message = _message()
    body = json.dumps(message).encode()
    headers = signed_headers(body, SECRET, int(time.time()))
    if how == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif how == "other secret":
        headers = signed_headers(body, "not-the-secret", int(time.time()))
    elif how == "stale":
        headers = signed_headers(body, SECRET, int(time.time()) - 3600)
    else:
        body = body.replace(b"482913", b"000000")
    assert client.post("/v1/inbox/codes", content=body, headers=headers).status_code == 401
    assert _codes(db) == []


def test_a_replayed_message_is_refused(client: TestClient, db: Engine) -> None:
    message = _message()
    assert _post(client, message) == 202
    assert _post(client, message) == 409
    assert len(_codes(db)) == 1


@pytest.mark.parametrize("change", [{"recipient": ""}, {"channel": "fax"},
                                    {"text": "no digits here"}, {"extra": 1}])
def test_malformed_messages_get_422(client: TestClient, db: Engine,
                                    change: dict[str, Any]) -> None:
    assert _post(client, _message(**change)) == 422
    assert _codes(db) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"recipient": "+1-555-0199-9999"}, "recipient"),
    ({"carrier": "meridian"}, "recipient"),  # a carrier we serve, but not at this phone
    ({"carrier": "nosuchcarrier"}, "carrier"),
])
def test_codes_nobody_here_waits_for_are_refused_and_kept_nowhere(
        client: TestClient, db: Engine, change: dict[str, Any], field: str) -> None:
    message = _message(**change)
    body = json.dumps(message).encode()
    response = client.post("/v1/inbox/codes", content=body,
                           headers=signed_headers(body, SECRET, int(time.time())))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert _codes(db) == []


@pytest.mark.parametrize("header", ["X-Portals-Signature", "X-Portals-Timestamp"])
def test_non_ascii_signature_headers_are_refused_not_crashed_on(
        client: TestClient, db: Engine, header: str) -> None:
    body = json.dumps(_message()).encode()
    headers = signed_headers(body, SECRET, int(time.time()))
    headers[header] = headers[header][:-1] + "\xe9"
    response = client.post("/v1/inbox/codes", content=body,
                           headers={k: v.encode("latin-1") for k, v in headers.items()})
    assert response.status_code == 401
    assert _codes(db) == []


def _waiting_check(db: Engine, vault: Vault, status: JobStatus) -> str:
    request = EligibilityRequest(carrier="meridian", member_id="MRD900000100",
                                 date_of_birth=dt.date(1980, 1, 2), last_name="Testwell")
    with session_scope(db) as session:
        check = repo.create_job(session=session, request=request)
        check.status = status
        check.lease_owner = "w1"
        return check.id


def test_staff_enter_a_code_only_for_a_waiting_check(
    client: TestClient, db: Engine, auth: dict[str, str], api_settings: Settings
) -> None:
    assert api_settings.secret_key is not None
    vault = Vault(api_settings.secret_key)
    running = _waiting_check(db, vault, JobStatus.RUNNING)
    waiting = _waiting_check(db, vault, JobStatus.NEEDS_MFA_CODE)
    url = "/v1/eligibility-checks/{}/mfa-code"
    assert client.post(url.format(waiting), json={"code": "123456"}).status_code == 401
    assert client.post(url.format(running), json={"code": "123456"},
                       headers=auth).status_code == 409
    response = client.post(url.format(waiting), json={"code": "12ab"}, headers=auth)
    assert response.status_code == 422 and "code" in response.text
    assert client.post(url.format(waiting), json={"code": "123456"},
                       headers=auth).status_code == 202
    (row,) = _codes(db)
    assert row.job_id == waiting and row.source == "staff"
    with session_scope(db) as session:
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert "mfa.code_entered" in actions


def _source(db: Engine, vault: Vault, job_id: str, **kw: Any) -> DbCodeSource:
    events: list[str] = []
    source = DbCodeSource(db, vault, job_id=job_id, run_id="r1", worker="w1",
                          recipient=kw.pop("recipient", PHONE), ask_after=kw.pop("ask", 0.6),
                          on_event=events.append, poll_seconds=0.05)
    source.events = events  # type: ignore[attr-defined]
    return source


def _status(db: Engine, job_id: str) -> str:
    with session_scope(db) as session:
        check = session.get(Job, job_id)
        assert check is not None
        return check.status


def test_a_gateway_code_reaches_the_waiting_run_once(
    client: TestClient, db: Engine, api_settings: Settings
) -> None:
    assert api_settings.secret_key is not None
    vault = Vault(api_settings.secret_key)
    job_id = _waiting_check(db, vault, JobStatus.RUNNING)
    source = _source(db, vault, job_id)
    got: list[str | None] = []
    waiter = threading.Thread(target=lambda: got.append(source.wait_for_code("sms", 10)))
    waiter.start()
    with session_scope(db) as session:  # another of our accounts, with its own phone
        repo.create_account(session=session, vault=vault, carrier="northwind", label="billing",
                            username="nw-billing", password=SecretStr("pw"),
                            mfa_recipient="+1-555-0199-0000")
    assert _post(client, _message(recipient="+1-555-0199-0000")) == 202  # someone else's
    assert _post(client, _message()) == 202
    waiter.join(timeout=10)
    assert got == ["482913"]
    assert _status(db, job_id) == JobStatus.RUNNING  # nobody was asked
    # used once: a second wait finds nothing
    assert source.wait_for_code("sms", 0.2) is None


def test_nobody_helps_then_a_person_types_the_code(
    client: TestClient, db: Engine, api_settings: Settings, auth: dict[str, str]
) -> None:
    assert api_settings.secret_key is not None
    vault = Vault(api_settings.secret_key)
    job_id = _waiting_check(db, vault, JobStatus.RUNNING)
    source = _source(db, vault, job_id)
    got: list[str | None] = []
    waiter = threading.Thread(target=lambda: got.append(source.wait_for_code("sms", 20)))
    waiter.start()
    deadline = time.monotonic() + 10
    while _status(db, job_id) != JobStatus.NEEDS_MFA_CODE:
        assert time.monotonic() < deadline, "the run never asked a person"
        time.sleep(0.05)
    assert client.post(f"/v1/eligibility-checks/{job_id}/mfa-code", json={"code": "777123"},
                       headers=auth).status_code == 202
    waiter.join(timeout=10)
    assert got == ["777123"]
    assert _status(db, job_id) == JobStatus.RUNNING
    assert "needs_mfa_code" in source.events  # type: ignore[attr-defined]


def test_a_run_nobody_helps_gives_up(db: Engine, api_settings: Settings) -> None:
    assert api_settings.secret_key is not None
    vault = Vault(api_settings.secret_key)
    job_id = _waiting_check(db, vault, JobStatus.RUNNING)
    source = _source(db, vault, job_id, ask=0.1)
    assert source.wait_for_code("sms", 0.5) is None
    assert "mfa_code_timeout" in source.events  # type: ignore[attr-defined]
    assert _status(db, job_id) == JobStatus.RUNNING  # the bot then fails the run
