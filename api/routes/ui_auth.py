"""Web UI login and logout: server-side sessions (storage.web_sessions), CSRF, throttling.

The login form carries a CSRF token bound to the pre-login cookie (the signed Starlette
session), so another site cannot log a browser into an account of its choosing; logout is
a POST with the session's CSRF token. A right login starts a row in ``web_sessions`` and
sets a cookie holding only its random token; logout ends the row.

Failed logins are slowed per (username, client address) and per address, never locked
(api.login_throttle): a stranger's guesses do not keep a person out.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Annotated, Any

import redis
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from redis.backoff import NoBackoff
from redis.retry import Retry

from api.deps import SESSION_COOKIE, SessionDep, SettingsDep, TemplatesDep, csrf_token
from api.login_throttle import LoginThrottle
from api.ui import redirect, render, safe_next
from portals.settings import Settings
from storage import repo
from storage.users import MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, authenticate
from storage.web_sessions import active_session, end_session, start_session
from workflows.broker import redis_url_for

log = logging.getLogger(__name__)

router = APIRouter(tags=["ui"])

ANONYMOUS = "anonymous"
"""Audit actor of login attempts: the attempted name is data, never the actor."""


def login_throttle(request: Request) -> LoginThrottle:
    """The app's throttle, made on first use, with its own Redis client that gives up
    at once (the broker's retries with backoff for seconds: every login would wait)."""
    state = request.app.state
    throttle: LoginThrottle | None = getattr(state, "login_throttle", None)
    if throttle is None:
        settings: Settings = state.settings
        client = redis.Redis.from_url(redis_url_for(settings), socket_timeout=0.5,
                                      socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
        throttle = state.login_throttle = LoginThrottle(redis=lambda: client)
    return throttle


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _usable(username: str, password: str) -> bool:
    """Within the lengths a user can have, and no NUL (PostgreSQL refuses it in text)."""
    return bool(username) and bool(password) and len(username) <= MAX_USERNAME_LENGTH \
        and len(password) <= MAX_PASSWORD_LENGTH and "\x00" not in username + password


def _shown(username: str) -> str:
    """The attempted name as safe data: printable, bounded."""
    return "".join(ch if ch.isprintable() else "?" for ch in username[:MAX_USERNAME_LENGTH])


def _csrf_ok(request: Request, given: str) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and hmac.compare_digest(
        given.encode("utf-8", "replace"), expected.encode())


def _set_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=settings.secure_cookies,
                        max_age=int(settings.session_max_hours * 3600))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, templates: TemplatesDep, next: str = "/") -> Response:
    return render(request, templates, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse, responses={
    401: {"description": "Wrong username or password"},
    403: {"description": "The form's CSRF token is missing or wrong"},
    429: {"description": "Too many failed logins from this client; try again later"},
})
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    username = username.strip()
    shown = _shown(username)
    context: dict[str, Any] = {"next": safe_next(next), "username": shown}
    if not _csrf_ok(request, csrf):
        return render(request, templates, "login.html",
                      {**context, "error": "The form expired; please log in again."},
                      status_code=403)
    throttle = login_throttle(request)
    address = client_address(request)
    wait = throttle.wait_seconds(username, address)
    if wait:
        return _too_many(request, templates, context, wait)
    user = authenticate(session=session, username=username, password=password) \
        if _usable(username, password) else None
    if user is None:
        wait = throttle.failed(username, address) if username else 0
        repo.audit(session=session, actor=ANONYMOUS, client_address=address,
                   action="user.login_failed", target_type="user", target_id=shown[:64],
                   detail=repo.dumps_safe({"username": shown, "address": address}))
        session.commit()
        log.info("web login refused")
        if wait:
            return _too_many(request, templates, context, wait)
        return render(request, templates, "login.html",
                      {**context, "error": "Wrong username or password."}, status_code=401)
    throttle.succeeded(username, address)
    # a browser that logs in again leaves no earlier session of its own alive
    end_session(session=session, token=request.cookies.get(SESSION_COOKIE, ""))
    token = start_session(session=session, user=user,
                          lifetime=dt.timedelta(hours=settings.session_max_hours),
                          client_address=address,
                          user_agent=_shown(request.headers.get("user-agent", ""))[:300])
    repo.audit(session=session, actor=user.username, actor_type="person",
               client_address=address, action="user.login", target_type="user",
               target_id=user.username[:64])
    session.commit()
    request.session.clear()  # a fresh CSRF token for the logged-in session
    csrf_token(request)
    log.info("web login: %s", user.username)
    response = redirect(safe_next(next))
    _set_cookie(response, token, settings)
    return response


def _too_many(request: Request, templates: TemplatesDep, context: dict[str, Any],
              wait: int) -> Response:
    response = render(request, templates, "login.html",
                      {**context, "error": f"Too many failed logins; try again in {wait} "
                                           "seconds."}, status_code=429)
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/logout", responses={403: {"description": "The CSRF token is missing or wrong"}})
def logout(request: Request, session: SessionDep, settings: SettingsDep,
           csrf: Annotated[str, Form()] = "") -> Response:
    """End the server-side session (a copy of the cookie stops working too)."""
    if not _csrf_ok(request, csrf):
        return Response("the form expired; reload the page and try again", status_code=403,
                        media_type="text/plain")
    token = request.cookies.get(SESSION_COOKIE, "")
    found = active_session(session=session, token=token,
                           idle=dt.timedelta(minutes=settings.session_idle_minutes))
    if found is not None:
        repo.audit(session=session, actor=found[1].username, actor_type="person",
                   client_address=client_address(request), action="user.logout",
                   target_type="user", target_id=found[1].username[:64])
    end_session(session=session, token=token)
    session.commit()
    request.session.clear()
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings.secure_cookies)
    return response
