"""FastAPI dependencies: a database session, the artifact store, the bearer token, the
logged-in staff user, and the permission checks every route declares. Everything comes
from ``app.state``, built by the factory."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from portals.access import ALL_PERMISSIONS, ALL_ROLES, Permission, Role, permissions_of
from portals.settings import Settings
from storage import api_tokens
from storage.artifacts import ArtifactStore
from storage.crypto import Vault
from storage.users import roles_of
from storage.web_sessions import active_session

API_ACTOR = "admin-token"
"""Audit actor for calls made with the admin token (never a person)."""
PERSON = "person"
ADMIN_TOKEN = "admin_token"

_bearer = HTTPBearer(auto_error=False, description="PORTALS_ADMIN_TOKEN")


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> ArtifactStore:
    store: ArtifactStore = request.app.state.store
    return store


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[ArtifactStore, Depends(get_store)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


def get_vault(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    return vault


VaultDep = Annotated[Vault, Depends(get_vault)]


class Actor(str):
    """Who is making this request, as the audit trail names them: the string is the
    actor (a person's username, or ``admin-token``); it also carries how they came in
    (``kind``: person or admin_token), from where (``address``), the person's id and
    token id, and what they may do (``roles``, ``permissions``)."""

    kind: str
    address: str | None
    user_id: int | None
    token_id: int | None
    roles: frozenset[Role]
    permissions: frozenset[Permission]

    def __new__(cls, name: str, *, kind: str, address: str | None,
                roles: frozenset[Role], permissions: frozenset[Permission] | None = None,
                user_id: int | None = None, token_id: int | None = None) -> Actor:
        actor = super().__new__(cls, name)
        actor.kind = kind
        actor.address = address
        actor.user_id = user_id
        actor.token_id = token_id
        actor.roles = roles
        actor.permissions = permissions_of(roles) if permissions is None else permissions
        return actor

    def can(self, *needed: Permission) -> bool:
        """True when any one of ``needed`` is granted (no argument: any logged-in actor)."""
        return not needed or any(perm in self.permissions for perm in needed)


def client_address(request: Request) -> str | None:
    return request.client.host[:64] if request.client else None


def _unauthorized() -> HTTPException:
    return HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                         detail="missing or wrong bearer token",
                         headers={"WWW-Authenticate": "Bearer"})


def require_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """Every /v1 route: ``Authorization: Bearer <token>``, either the admin token
    (compared in constant time; every permission, audited as the admin token) or a
    person's own API token (their roles, audited as them). Returns the actor."""
    given = credentials.credentials if credentials else ""
    address = client_address(request)
    if given.startswith(api_tokens.PREFIX):
        bearer = api_tokens.authenticate_token(session=session, plain=given)
        session.commit()  # last_used_at
        if bearer is None:
            raise _unauthorized()
        assert bearer.user.id is not None and bearer.token.id is not None
        return Actor(bearer.user.username, kind=PERSON, address=address, roles=bearer.roles,
                     user_id=bearer.user.id, token_id=bearer.token.id)
    expected = settings.admin_token.get_secret_value() if settings.admin_token else ""
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise _unauthorized()
    return Actor(API_ACTOR, kind=ADMIN_TOKEN, address=address, roles=ALL_ROLES,
                 permissions=ALL_PERMISSIONS)


ApiActor = Annotated[Actor, Depends(require_token)]


def allow_api(*needed: Permission) -> Any:
    """A route dependency: the bearer holds one of ``needed``, else 403 naming it."""

    def check(actor: ApiActor) -> None:
        if not actor.can(*needed):
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN,
                                detail=forbidden_text(needed))

    return Depends(check)


def forbidden_text(needed: tuple[Permission, ...]) -> str:
    return ("your roles do not allow this (it needs the "
            + " or ".join(perm.value for perm in needed) + " permission)")


# -- web UI ---------------------------------------------------------------------------


class LoginRequired(Exception):
    """Raised by UI dependencies; the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """Raised by UI dependencies for a logged-in person whose roles do not allow the
    page; the app answers with a 403 page."""

    def __init__(self, actor: Actor, needed: tuple[Permission, ...]) -> None:
        super().__init__(forbidden_text(needed))
        self.actor = actor
        self.needed = needed


SESSION_COOKIE = "portals_sid"
"""The web login cookie: only a random token, looked up in ``web_sessions``."""


def current_user(request: Request, session: SessionDep, settings: SettingsDep) -> Actor:
    """The logged-in person: a live server-side web session (not logged out, not idle past
    PORTALS_SESSION_IDLE_MINUTES, not past its absolute expiry) of a user who still
    exists, with the roles they hold now. The session is kept on
    ``request.state.web_session``."""
    found = active_session(session=session, token=request.cookies.get(SESSION_COOKIE, ""),
                           idle=dt.timedelta(minutes=settings.session_idle_minutes))
    session.commit()  # a touched or ended row
    if found is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path)
    web_session, user = found
    request.state.web_session = web_session
    assert user.id is not None
    return Actor(user.username, kind=PERSON, address=client_address(request),
                 roles=roles_of(session=session, user_id=user.id), user_id=user.id)


StaffUser = Annotated[Actor, Depends(current_user)]


def allow_ui(*needed: Permission) -> Any:
    """A page dependency: a logged-in person (else the login page) holding one of
    ``needed`` (else a 403 page)."""

    def check(user: StaffUser) -> None:
        if not user.can(*needed):
            raise Forbidden(user, needed)

    return Depends(check)


def csrf_token(request: Request) -> str:
    """The session's anti-forgery token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def verify_csrf(request: Request, given: str) -> None:
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(given.encode(),
                                                                expected.encode()):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN,
                            detail="the form expired; reload the page and try again")
