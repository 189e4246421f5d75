"""/admin/people: administrators add people, change their roles, reset their passwords,
revoke their API tokens and remove them; every change audited (never a password); an
administrator cannot lock themself out; non-admins get a 403; bad ids are 404 pages and
bad form values a 422 with the error beside the field."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from portals.access import Role
from storage.api_tokens import create_token
from storage.db import session_scope
from storage.models import ApiToken, AuditEvent, User, UserRole, WebSession
from storage.users import authenticate, create_user, get_user, roles_of
from tests.api.web_login import login, page_csrf

BOTH_DATABASES = True

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"


def _person(db: Engine, username: str, *roles: Role) -> int:
    with session_scope(db) as session:
        user = create_user(session=session, username=username, password=PASSWORD,
                           roles=roles)
        assert user.id is not None
        return user.id


def _roles(db: Engine, username: str) -> set[str]:
    with session_scope(db) as session:
        user = get_user(session=session, username=username)
        assert user is not None and user.id is not None
        return {r.value for r in roles_of(session=session, user_id=user.id)}


def _audits(db: Engine, action: str) -> list[AuditEvent]:
    with session_scope(db) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _all_audit_text(db: Engine) -> str:
    with session_scope(db) as session:
        return repr([e.model_dump() for e in session.exec(select(AuditEvent))])


@pytest.fixture
def admin_id(db: Engine) -> int:
    return _person(db, "ada", Role.ADMIN)


@pytest.fixture
def admin(admin_id: int, client: TestClient) -> TestClient:
    """``ada`` (admin only) logged in on ``client``."""
    assert login(client, "ada", PASSWORD).status_code == 303
    return client


def _post(client: TestClient, path: str, data: dict[str, str | list[str]] | None = None,
          csrf: str | None = None) -> tuple[int, str, str]:
    """POST a form with the page's CSRF token; (status, location, body)."""
    token = csrf if csrf is not None else page_csrf(client.get("/admin/people").text)
    response = client.post(path, data={"csrf": token, **(data or {})},
                           follow_redirects=False)
    return response.status_code, response.headers.get("location", ""), response.text


def test_a_non_admin_gets_403_and_a_guest_the_login(client: TestClient, db: Engine,
                                                    admin_id: int) -> None:
    assert client.get("/admin/people", follow_redirects=False).status_code == 303
    _person(db, "maria", Role.BILLING, Role.REVIEWER, Role.FRONT_DESK)
    assert login(client, "maria", PASSWORD).status_code == 303
    csrf = page_csrf(client.get("/account/tokens").text)
    assert client.get("/admin/people").status_code == 403
    assert client.get(f"/admin/people/{admin_id}").status_code == 403
    response = client.post("/admin/people", data={"csrf": csrf, "username": "mallory",
                                                  "password": PASSWORD, "role": "admin"})
    assert response.status_code == 403
    response = client.post(f"/admin/people/{admin_id}/remove",
                           data={"csrf": csrf, "confirm": "yes"})
    assert response.status_code == 403
    with session_scope(db) as session:
        assert get_user(session=session, username="mallory") is None
        assert get_user(session=session, username="ada") is not None


def test_the_list_shows_roles_and_live_tokens(admin: TestClient, db: Engine) -> None:
    maria = _person(db, "maria", Role.BILLING, Role.REVIEWER)
    with session_scope(db) as session:
        user = session.get(User, maria)
        assert user is not None
        create_token(session=session, user=user, name="one", days=5)
        create_token(session=session, user=user, name="two", days=5)
    page = admin.get("/admin/people").text
    row = re.search(rf'data-testid="person-{maria}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "billing, reviewer" in row.group(1)
    assert re.search(r'data-testid="person-tokens">2<', row.group(1))
    for role in ("Front desk", "Billing", "Reviewer", "Admin"):  # with what each allows
        assert role in page
    assert "failed runs, their screenshots" in page


def test_add_a_person(admin: TestClient, db: Engine, app: FastAPI) -> None:
    status, location, _ = _post(admin, "/admin/people", {
        "username": "maria", "password": PASSWORD, "role": ["billing", "reviewer"]})
    assert status == 303
    assert _roles(db, "maria") == {"billing", "reviewer"}
    with session_scope(db) as session:
        maria = get_user(session=session, username="maria")
        assert maria is not None
    assert location == f"/admin/people/{maria.id}"
    page = admin.get(location).text
    assert "maria is added with the roles: billing, reviewer" in page
    (event,) = _audits(db, "person.create")
    assert event.actor == "ada" and event.actor_type == "person"
    assert event.target_id == str(maria.id) and event.detail is not None
    assert "billing,reviewer" in event.detail
    assert PASSWORD not in _all_audit_text(db)
    with TestClient(app) as browser:  # the new person can log in
        assert login(browser, "maria", PASSWORD).status_code == 303


@pytest.mark.parametrize(("data", "field"), [
    ({"username": "", "password": PASSWORD}, "username"),
    ({"username": "two words", "password": PASSWORD}, "username"),
    ({"username": "x" * 81, "password": PASSWORD}, "username"),
    ({"username": "ada", "password": PASSWORD}, "username"),  # taken
    ({"username": "maria", "password": "short"}, "password"),
    ({"username": "maria", "password": ""}, "password"),
    ({"username": "maria", "password": "p" * 1025}, "password"),
    ({"username": "maria", "password": PASSWORD, "role": "root"}, "roles"),
])
def test_bad_new_person_is_the_form_again(admin: TestClient, db: Engine,
                                          data: dict[str, str], field: str) -> None:
    status, _, page = _post(admin, "/admin/people", data)
    assert status == 422
    assert f'data-testid="error-{field}"' in page and "Nobody was added" in page
    if "password" in data and data["password"]:
        assert data["password"] not in page  # never echoed
    with session_scope(db) as session:
        assert len(list(session.exec(select(User)))) == 1
    assert _audits(db, "person.create") == []


def test_change_roles_audited_before_and_after(admin: TestClient, db: Engine) -> None:
    maria = _person(db, "maria", Role.BILLING, Role.REVIEWER)
    status, location, _ = _post(admin, f"/admin/people/{maria}/roles",
                                {"role": ["front_desk", "reviewer"]})
    assert status == 303 and location == f"/admin/people/{maria}"
    assert _roles(db, "maria") == {"front_desk", "reviewer"}
    (event,) = _audits(db, "person.roles")
    assert event.detail == "maria: billing,reviewer → front_desk,reviewer"
    assert event.target_id == str(maria)
    # all taken away: "none"; the same again: no change, nothing audited
    _post(admin, f"/admin/people/{maria}/roles", {})
    _post(admin, f"/admin/people/{maria}/roles", {})
    assert _roles(db, "maria") == set()
    events = _audits(db, "person.roles")
    assert len(events) == 2 and events[1].detail == "maria: front_desk,reviewer → none"


def test_a_role_taken_away_is_taken_from_their_tokens(admin: TestClient, db: Engine) -> None:
    maria = _person(db, "maria", Role.BILLING, Role.REVIEWER)
    with session_scope(db) as session:
        user = session.get(User, maria)
        assert user is not None
        _, plain = create_token(session=session, user=user, name="sync", days=5)
    bearer = {"Authorization": f"Bearer {plain}"}
    assert admin.get("/v1/runs", headers=bearer).status_code == 200
    _post(admin, f"/admin/people/{maria}/roles", {"role": "billing"})
    assert admin.get("/v1/runs", headers=bearer).status_code == 403
    assert admin.get("/v1/eligibility-checks", headers=bearer).status_code == 200


def test_an_admin_cannot_lock_themself_out(admin: TestClient, db: Engine,
                                           admin_id: int) -> None:
    page = admin.get(f"/admin/people/{admin_id}").text
    assert 'data-testid="self-note"' in page and 'data-testid="remove-form"' not in page
    status, _, page = _post(admin, f"/admin/people/{admin_id}/roles",
                            {"role": ["billing", "reviewer"]})
    assert status == 422 and "cannot take the admin role from yourself" in page
    assert _roles(db, "ada") == {"admin"}
    status, _, page = _post(admin, f"/admin/people/{admin_id}/remove", {"confirm": "yes"})
    assert status == 422 and "You cannot remove yourself" in page
    with session_scope(db) as session:
        assert get_user(session=session, username="ada") is not None
    # adding roles to oneself, keeping admin, is fine
    assert _post(admin, f"/admin/people/{admin_id}/roles",
                 {"role": ["admin", "billing"]})[0] == 303
    assert _roles(db, "ada") == {"admin", "billing"}
    assert _audits(db, "person.remove") == []
    # another administrator can take it
    other = _person(db, "grace", Role.ADMIN)
    assert _post(admin, f"/admin/people/{other}/roles", {"role": "reviewer"})[0] == 303
    assert _roles(db, "grace") == {"reviewer"}


def test_reset_a_password_ends_their_web_sessions(admin: TestClient, db: Engine,
                                                  app: FastAPI) -> None:
    maria = _person(db, "maria", Role.BILLING)
    with TestClient(app) as browser:
        assert login(browser, "maria", PASSWORD).status_code == 303
        assert browser.get("/", follow_redirects=False).status_code == 200
        status, _, page = _post(admin, f"/admin/people/{maria}/password",
                                {"password": NEW_PASSWORD, "confirm": "different one!"})
        assert status == 422 and 'data-testid="error-password"' in page
        status, _, _ = _post(admin, f"/admin/people/{maria}/password",
                             {"password": "short", "confirm": "short"})
        assert status == 422
        status, location, _ = _post(admin, f"/admin/people/{maria}/password",
                                    {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert status == 303 and location == f"/admin/people/{maria}"
        assert browser.get("/", follow_redirects=False).status_code == 303  # logged out
    with session_scope(db) as session:
        assert authenticate(session=session, username="maria", password=NEW_PASSWORD)
        assert not authenticate(session=session, username="maria", password=PASSWORD)
        live = session.exec(select(WebSession).where(WebSession.user_id == maria)).all()
        assert all(w.ended_at is not None for w in live)
    (event,) = _audits(db, "person.password_reset")
    assert event.target_id == str(maria) and event.actor == "ada"
    text = _all_audit_text(db)
    assert NEW_PASSWORD not in text and PASSWORD not in text


def test_revoke_a_persons_token(admin: TestClient, db: Engine) -> None:
    maria = _person(db, "maria", Role.BILLING)
    joe = _person(db, "joe", Role.FRONT_DESK)
    with session_scope(db) as session:
        user, other = session.get(User, maria), session.get(User, joe)
        assert user is not None and other is not None
        token, plain = create_token(session=session, user=user, name="sync", days=5)
        joes, _ = create_token(session=session, user=other, name="joes", days=5)
    page = admin.get(f"/admin/people/{maria}").text
    assert "sync" in page and f'revoke-token-{token.id}"' in page and "joes" not in page
    assert f'action="/admin/people/{maria}/tokens/{token.id}/revoke"' in page
    # the token of another person under this person's address: not found
    assert _post(admin, f"/admin/people/{maria}/tokens/{joes.id}/revoke")[0] == 404
    status, location, _ = _post(admin, f"/admin/people/{maria}/tokens/{token.id}/revoke")
    assert status == 303 and location == f"/admin/people/{maria}"
    assert admin.get("/v1/health", headers={"Authorization": f"Bearer {plain}"}
                     ).status_code == 401
    (event,) = _audits(db, "token.revoke")
    assert event.actor == "ada" and event.target_id == str(token.id)
    with session_scope(db) as session:
        assert session.get(ApiToken, joes.id).revoked_at is None  # type: ignore[union-attr]


def test_remove_a_person(admin: TestClient, db: Engine, app: FastAPI) -> None:
    maria = _person(db, "maria", Role.BILLING)
    with session_scope(db) as session:
        user = session.get(User, maria)
        assert user is not None
        _, plain = create_token(session=session, user=user, name="sync", days=5)
    status, _, page = _post(admin, f"/admin/people/{maria}/remove", {})
    assert status == 422 and "Tick the box" in page  # not confirmed: nothing done
    with TestClient(app) as browser:
        assert login(browser, "maria", PASSWORD).status_code == 303
        status, location, _ = _post(admin, f"/admin/people/{maria}/remove",
                                    {"confirm": "yes"})
        assert status == 303 and location == "/admin/people"
        assert browser.get("/", follow_redirects=False).status_code == 303
    assert admin.get("/v1/health", headers={"Authorization": f"Bearer {plain}"}
                     ).status_code == 401
    with session_scope(db) as session:
        assert get_user(session=session, username="maria") is None
        assert session.exec(select(ApiToken)).all() == []
        assert session.exec(select(UserRole).where(UserRole.user_id == maria)).all() == []
    (event,) = _audits(db, "person.remove")
    assert event.target_id == str(maria) and event.detail and "maria" in event.detail
    assert "maria is removed" in admin.get("/admin/people").text
    assert admin.get(f"/admin/people/{maria}").status_code == 404


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", str(2**31), "9" * 30, "999999",
                                 "%C2%B2", "1%20"])
def test_bad_ids_are_404_pages(admin: TestClient, db: Engine, bad: str) -> None:
    maria = _person(db, "maria", Role.BILLING)
    assert admin.get(f"/admin/people/{bad}").status_code == 404
    for action, data in (("roles", {"role": "billing"}), ("remove", {"confirm": "yes"}),
                         ("password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})):
        assert _post(admin, f"/admin/people/{bad}/{action}", data)[0] == 404
    assert _post(admin, f"/admin/people/{maria}/tokens/{bad}/revoke")[0] == 404
    assert _post(admin, f"/admin/people/{bad}/tokens/1/revoke")[0] == 404
    assert _roles(db, "maria") == {"billing"}


def test_every_form_needs_its_csrf_token(admin: TestClient, db: Engine) -> None:
    maria = _person(db, "maria", Role.BILLING)
    for path, data in (
        ("/admin/people", {"username": "joe", "password": PASSWORD}),
        (f"/admin/people/{maria}/roles", {"role": "admin"}),
        (f"/admin/people/{maria}/password", {"password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD}),
        (f"/admin/people/{maria}/remove", {"confirm": "yes"}),
    ):
        assert _post(admin, path, data, csrf="forged")[0] == 403, path
        assert _post(admin, path, data, csrf="")[0] == 403, path
    assert _roles(db, "maria") == {"billing"}
    with session_scope(db) as session:
        assert get_user(session=session, username="joe") is None
        assert authenticate(session=session, username="maria", password=PASSWORD)
    assert _audits(db, "person.create") == [] and _audits(db, "person.roles") == []
