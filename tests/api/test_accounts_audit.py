"""/v1/accounts never shows a username, password, TOTP seed or any *_enc value;
/v1/audit lists what staff did."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from storage import repo
from storage.db import session_scope
from storage.models import CarrierAccount

BOTH_DATABASES = True

USERNAME = "frontdesk.rivera-clinic"
PASSWORD = "Pw-7f3b9c1e-do-not-leak"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DP"
EXTRA = "security-answer-Fluffy"


def _make_account(app: FastAPI, db: Engine, flagged: bool = False) -> CarrierAccount:
    with session_scope(db) as session:
        account = repo.create_account(
            session=session, vault=app.state.vault, carrier="meridian", label="Front desk",
            username=USERNAME, password=SecretStr(PASSWORD), totp_secret=SecretStr(TOTP),
            extra={"pet": SecretStr(EXTRA)},
        )
        account.session_state_enc = app.state.vault.encrypt_json({"cookies": ["sid=abc"]})
        session.add(account)
        session.flush()
        if flagged:
            repo.flag_account(session=session, account_id=account.id or 0,
                              reason="login_rejected")
    with session_scope(db) as session:
        loaded = repo.get_account(session=session, account_id=account.id or 0)
        assert loaded is not None
        return loaded


def _secrets(account: CarrierAccount) -> list[str]:
    values = [USERNAME, PASSWORD, TOTP, EXTRA, "sid=abc"]
    values += [v for k, v in account.model_dump().items() if k.endswith("_enc") and v]
    return values


def test_accounts_listing_holds_no_secret(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    account = _make_account(app, db)

    response = client.get("/v1/accounts", headers=auth)

    assert response.status_code == 200
    (listed,) = response.json()
    assert listed["id"] == account.id and listed["carrier"] == "meridian"
    assert listed["label"] == "Front desk" and listed["status"] == "active"
    assert listed["has_saved_session"] is True
    assert not any("_enc" in key or key in ("username", "password", "totp_secret")
                   for key in listed)
    for secret in _secrets(account):
        assert secret not in response.text


def test_clear_flag(app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine) -> None:
    account = _make_account(app, db, flagged=True)
    listed = client.get("/v1/accounts", headers=auth).json()[0]
    assert listed["status"] == "flagged" and listed["flag_reason"] == "login_rejected"
    assert listed["flagged_at"] is not None

    response = client.post(f"/v1/accounts/{account.id}/clear-flag", headers=auth)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active" and body["flag_reason"] is None
    audit = client.get("/v1/audit", headers=auth).json()
    assert [(e["actor"], e["action"], e["target_id"]) for e in audit] == [
        ("admin-token", "account.clear_flag", str(account.id))]
    assert client.post("/v1/accounts/999999/clear-flag", headers=auth).status_code == 404
    for secret in _secrets(account):
        assert secret not in response.text


def test_no_response_anywhere_carries_an_account_secret(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    account = _make_account(app, db, flagged=True)
    client.post(f"/v1/accounts/{account.id}/clear-flag", headers=auth)
    check = client.post("/v1/eligibility-checks", headers=auth, json={
        "carrier": "meridian", "member_id": "MER100", "date_of_birth": "1970-01-01",
        "last_name": "Doe"}).json()
    bodies = [client.get(path, headers=auth).text for path in (
        "/v1/health", "/v1/accounts", "/v1/audit", "/v1/runs", "/v1/eligibility-checks",
        f"/v1/eligibility-checks/{check['id']}", "/openapi.json")]
    for secret in _secrets(account):
        for body in bodies:
            assert secret not in body


def test_audit_lists_recent_events_first(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    with session_scope(db) as session:
        for i in range(3):
            repo.audit(session=session, actor=f"user{i}", action="artifact.view",
                       target_type="artifact", target_id=f"a{i}")
            session.flush()
    body = client.get("/v1/audit", headers=auth, params={"limit": 2}).json()
    assert len(body) == 2
    assert {"id", "at", "actor", "action", "target_type", "target_id", "detail"} <= set(body[0])
    assert client.get("/v1/audit", headers=auth, params={"limit": 0}).status_code == 422
