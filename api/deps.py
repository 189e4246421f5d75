"""FastAPI dependencies: a database session, the artifact store, the bearer token, the
logged-in staff user. Everything comes from ``app.state``, built by the factory."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from portals.settings import Settings
from storage.artifacts import ArtifactStore
from storage.crypto import Vault
from storage.web_sessions import active_session

API_ACTOR = "api"
"""Audit actor for calls made with the admin token."""

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


def require_token(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Every /v1 route: ``Authorization: Bearer <PORTALS_ADMIN_TOKEN>``, compared in
    constant time. Returns the audit actor."""
    expected = settings.admin_token.get_secret_value() if settings.admin_token else ""
    given = credentials.credentials if credentials else ""
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail="missing or wrong bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return API_ACTOR


ApiActor = Annotated[str, Depends(require_token)]


# -- web UI ---------------------------------------------------------------------------


class LoginRequired(Exception):
    """Raised by UI dependencies; the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


SESSION_COOKIE = "portals_sid"
"""The web login cookie: only a random token, looked up in ``web_sessions``."""


def current_user(request: Request, session: SessionDep, settings: SettingsDep) -> str:
    """The logged-in staff username: a live server-side web session (not logged out, not
    idle past PORTALS_SESSION_IDLE_MINUTES, not past its absolute expiry) of a user who
    still exists. The session is kept on ``request.state.web_session``."""
    found = active_session(session=session, token=request.cookies.get(SESSION_COOKIE, ""),
                           idle=dt.timedelta(minutes=settings.session_idle_minutes))
    session.commit()  # a touched or ended row
    if found is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path)
    request.state.web_session = found[0]
    return found[1].username


StaffUser = Annotated[str, Depends(current_user)]


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
