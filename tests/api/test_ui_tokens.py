"""/account/tokens: a person's own API tokens. Shown once (never in the flash cookie or on a
later page), stored only hashed, usable as a bearer on /v1 with the roles chosen (never
more than the person's, and less when a role is taken from them), ended by revocation or
expiry; another person's token is not found; bad input is the form again, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from portals.access import Role
from portals.settings import Settings
from storage.db import session_scope
from storage.models import ApiToken, AuditEvent
from storage.users import create_user, get_user, set_roles
from tests.api.web_login import login, page_csrf

BOTH_DATABASES = True

PASSWORD = "a long enough password"


def _person(db: Engine, username: str, *roles: Role) -> str:
    with session_scope(db) as session:
        create_user(session=session, username=username, password=PASSWORD, roles=roles)
    return username


@pytest.fixture
def billing(db: Engine, client: TestClient) -> TestClient:
    """``maria`` (billing and reviewer) logged in on ``client``."""
    _person(db, "maria", Role.BILLING, Role.REVIEWER)
    assert login(client, "maria", PASSWORD).status_code == 303
    return client


def _make(client: TestClient, *, name: str = "billing sync", days: str = "30",
          roles: tuple[str, ...] = ("billing",), csrf: str | None = None) -> tuple[int, str]:
    """POST the form; (status, the page)."""
    token = csrf if csrf is not None else page_csrf(client.get("/account/tokens").text)
    data: dict[str, str | list[str]] = {"csrf": token, "name": name, "days": days,
                                        "role": list(roles)}
    response = client.post("/account/tokens", data=data, follow_redirects=False)
    return response.status_code, response.text


def _shown_token(html: str) -> str:
    found = re.search(r'value="(pt_[A-Za-z0-9_-]+)"[^>]*data-testid="new-token-value"', html)
    assert found, "no new token on the page"
    return found.group(1)


def _bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def _tokens(db: Engine) -> list[ApiToken]:
    with session_scope(db) as session:
        return list(session.exec(select(ApiToken)))


def _audits(db: Engine, action: str) -> list[AuditEvent]:
    with session_scope(db) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_page_needs_a_login(client: TestClient) -> None:
    response = client.get("/account/tokens", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_form_offers_only_the_persons_roles_all_checked(billing: TestClient) -> None:
    page = billing.get("/account/tokens").text
    assert 'data-testid="no-tokens"' in page
    for role in ("billing", "reviewer"):
        assert re.search(rf'value="{role}" checked', page)
    assert 'value="admin"' not in page and 'value="front_desk"' not in page
    assert 'name="days"' in page and 'value="90"' in page


def test_a_token_is_shown_once_and_acts_with_its_roles(billing: TestClient,
                                                       db: Engine) -> None:
    response = billing.post("/account/tokens", data={
        "csrf": page_csrf(billing.get("/account/tokens").text), "name": "billing sync",
        "days": "30", "role": ["billing"]}, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "will not be shown again" in response.text
    plain = _shown_token(response.text)
    # never in a cookie (the flash), a header, or a later page
    assert all(plain not in value for value in billing.cookies.values())
    assert all(plain not in value for value in response.headers.values())
    later = billing.get("/account/tokens").text
    assert plain not in later and "billing sync" in later and plain[:10] in later
    # a bearer on /v1, with billing's permissions only
    assert billing.get("/v1/health", headers=_bearer(plain)).status_code == 200
    assert billing.get("/v1/eligibility-checks", headers=_bearer(plain)).status_code == 200
    assert billing.get("/v1/runs", headers=_bearer(plain)).status_code == 403  # reviewer
    assert billing.get("/v1/accounts", headers=_bearer(plain)).status_code == 403
    (token,) = _tokens(db)
    assert token.roles == "billing" and token.last_used_at is not None
    (event,) = _audits(db, "token.create")
    assert event.actor == "maria" and event.actor_type == "person"
    assert event.target_id == str(token.id)
    assert event.detail and "billing sync" in event.detail and '"days": 30' in event.detail
    assert plain not in event.detail


def test_the_token_is_stored_only_hashed(billing: TestClient, db: Engine,
                                         api_settings: Settings, backend: str) -> None:
    status, page = _make(billing)
    plain = _shown_token(page)
    assert status == 200
    (token,) = _tokens(db)
    assert token.token_hash != plain and len(token.token_hash) == 64
    assert plain not in repr(token.model_dump())
    if backend == "sqlite":  # the database's files hold no trace of it
        path = Path(api_settings.database_url.removeprefix("sqlite:///"))
        db.dispose()
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert files and all(plain.encode() not in p.read_bytes() for p in files)


def test_a_revoked_token_is_refused(billing: TestClient, db: Engine) -> None:
    plain = _shown_token(_make(billing)[1])
    (token,) = _tokens(db)
    page = billing.get("/account/tokens").text
    assert f'action="/account/tokens/{token.id}/revoke"' in page  # the button posts here
    response = billing.post(f"/account/tokens/{token.id}/revoke",
                            data={"csrf": page_csrf(page)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/account/tokens"
    assert billing.get("/v1/health", headers=_bearer(plain)).status_code == 401
    page = billing.get("/account/tokens").text
    assert "is revoked" in page and ">revoked<" in page
    (event,) = _audits(db, "token.revoke")
    assert event.actor == "maria" and event.target_id == str(token.id)
    # revoking again changes nothing and audits nothing more
    billing.post(f"/account/tokens/{token.id}/revoke", data={"csrf": page_csrf(page)})
    assert len(_audits(db, "token.revoke")) == 1


def test_an_expired_token_is_refused(billing: TestClient, db: Engine) -> None:
    plain = _shown_token(_make(billing, days="1")[1])
    assert billing.get("/v1/health", headers=_bearer(plain)).status_code == 200
    with session_scope(db) as session:
        token = session.exec(select(ApiToken)).one()
        token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.add(token)
    assert billing.get("/v1/health", headers=_bearer(plain)).status_code == 401
    assert ">expired<" in billing.get("/account/tokens").text


def test_a_role_taken_from_the_person_is_taken_from_their_token(billing: TestClient,
                                                                db: Engine) -> None:
    plain = _shown_token(_make(billing, roles=("billing", "reviewer"))[1])
    assert billing.get("/v1/runs", headers=_bearer(plain)).status_code == 200
    with session_scope(db) as session:
        maria = get_user(session=session, username="maria")
        assert maria is not None
        set_roles(session=session, user=maria, roles={Role.BILLING})
    assert billing.get("/v1/runs", headers=_bearer(plain)).status_code == 403
    assert billing.get("/v1/eligibility-checks", headers=_bearer(plain)).status_code == 200
    assert "no longer: reviewer" in billing.get("/account/tokens").text
    # given back, it works again (the token kept what it was made with)
    with session_scope(db) as session:
        maria = get_user(session=session, username="maria")
        assert maria is not None
        set_roles(session=session, user=maria, roles={Role.BILLING, Role.REVIEWER})
    assert billing.get("/v1/runs", headers=_bearer(plain)).status_code == 200


@pytest.mark.parametrize(("name", "days", "roles", "field"), [
    ("", "30", ("billing",), "name"),
    ("   ", "30", ("billing",), "name"),
    ("x" * 81, "30", ("billing",), "name"),
    ("tab\tname", "30", ("billing",), "name"),
    ("sync", "0", ("billing",), "days"),
    ("sync", "367", ("billing",), "days"),
    ("sync", "", ("billing",), "days"),
    ("sync", "ten", ("billing",), "days"),
    ("sync", "-5", ("billing",), "days"),
    ("sync", "1e3", ("billing",), "days"),
    ("sync", "٣", ("billing",), "days"),
    ("sync", "30", (), "roles"),
    ("sync", "30", ("admin",), "roles"),
    ("sync", "30", ("front_desk",), "roles"),
    ("sync", "30", ("root",), "roles"),
])
def test_bad_input_is_the_form_again(billing: TestClient, db: Engine, name: str, days: str,
                                     roles: tuple[str, ...], field: str) -> None:
    status, page = _make(billing, name=name, days=days, roles=roles)
    assert status == 422
    assert f'data-testid="error-{field}"' in page and "No token was made" in page
    assert 'data-testid="new-token"' not in page
    assert _tokens(db) == [] and _audits(db, "token.create") == []


def test_token_roles_cannot_exceed_the_persons(billing: TestClient, db: Engine) -> None:
    status, page = _make(billing, roles=("billing", "admin"))
    assert status == 422 and "cannot hold roles you do not hold (Admin)" in page
    assert _tokens(db) == []


def test_days_at_the_limits_are_taken(billing: TestClient, db: Engine) -> None:
    assert _make(billing, days="1")[0] == 200
    assert _make(billing, days="366")[0] == 200
    lifetimes = sorted((t.expires_at - t.created_at).days for t in _tokens(db))
    assert lifetimes == [1, 366]


def test_the_form_needs_its_csrf_token(billing: TestClient, db: Engine) -> None:
    status, _ = _make(billing, csrf="forged")
    assert status == 403 and _tokens(db) == []
    _make(billing)
    (token,) = _tokens(db)
    response = billing.post(f"/account/tokens/{token.id}/revoke", data={"csrf": "forged"})
    assert response.status_code == 403
    assert _tokens(db)[0].revoked_at is None


def test_another_persons_token_is_not_found(billing: TestClient, db: Engine,
                                            app: FastAPI) -> None:
    _person(db, "joe", Role.FRONT_DESK)
    with TestClient(app) as joe:
        assert login(joe, "joe", PASSWORD).status_code == 303
        plain = _shown_token(_make(joe, roles=("front_desk",))[1])
    (token,) = _tokens(db)
    csrf = page_csrf(billing.get("/account/tokens").text)
    for token_id in (str(token.id), "abc", "0", "-1", str(2**31), "9" * 40, "1.0", "999"):
        response = billing.post(f"/account/tokens/{token_id}/revoke", data={"csrf": csrf})
        assert response.status_code == 404, token_id
    assert _tokens(db)[0].revoked_at is None
    assert billing.get("/v1/health", headers=_bearer(plain)).status_code == 200
    assert "joe" not in billing.get("/account/tokens").text


def test_a_person_without_roles_is_told_a_token_could_do_nothing(
    client: TestClient, db: Engine
) -> None:
    _person(db, "newcomer")
    assert login(client, "newcomer", PASSWORD).status_code == 303
    page = client.get("/account/tokens").text
    assert 'data-testid="no-roles"' in page and 'data-testid="token-form"' not in page
    status, _ = _make(client, roles=("billing",))
    assert status == 422
