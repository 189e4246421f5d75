"""Web UI login and logout (staff users from storage.users, a signed session cookie).

Failed logins are counted per username in Redis: after ``MAX_FAILURES`` within
``FAILURE_WINDOW_SECONDS`` the name is refused until the window ends.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, TemplatesDep, csrf_token
from api.ui import redirect, render, safe_next
from storage import repo
from storage.users import authenticate

log = logging.getLogger(__name__)

router = APIRouter(tags=["ui"])

MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60


def _failure_key(username: str) -> str:
    return "portals:login-failures:" + hashlib.sha256(username.casefold().encode()).hexdigest()


def _redis(request: Request) -> Any:
    return request.app.state.broker.client


def _locked_out(request: Request, username: str) -> bool:
    try:
        count = _redis(request).get(_failure_key(username))
    except Exception as exc:  # Redis down: logins still work, without the throttle
        log.warning("login throttle unavailable (%s)", type(exc).__name__)
        return False
    return count is not None and int(count) >= MAX_FAILURES


def _count_failure(request: Request, username: str) -> None:
    try:
        client = _redis(request)
        if client.incr(_failure_key(username)) == 1:
            client.expire(_failure_key(username), FAILURE_WINDOW_SECONDS)
    except Exception as exc:
        log.warning("login throttle unavailable (%s)", type(exc).__name__)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, templates: TemplatesDep, next: str = "/") -> Response:
    return render(request, templates, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    username = username.strip()[:80]
    context = {"next": safe_next(next), "username": username}
    if username and _locked_out(request, username):
        return render(request, templates, "login.html",
                      {**context, "error": "Too many failed logins for this user; try again "
                                           "in 15 minutes."}, status_code=429)
    user = authenticate(session=session, username=username, password=password) \
        if username and password else None
    if user is None:
        if username:
            _count_failure(request, username)
            repo.audit(session=session, actor=username, action="user.login_failed",
                       target_type="user", target_id=username[:64])
            session.commit()
        log.info("web login refused")
        return render(request, templates, "login.html",
                      {**context, "error": "Wrong username or password."}, status_code=401)
    _redis_clear(request, username)
    request.session.clear()
    request.session["user"] = user.username
    csrf_token(request)
    repo.audit(session=session, actor=user.username, action="user.login", target_type="user",
               target_id=user.username[:64])
    session.commit()
    log.info("web login: %s", user.username)
    return redirect(safe_next(next))


def _redis_clear(request: Request, username: str) -> None:
    try:
        _redis(request).delete(_failure_key(username))
    except Exception as exc:
        log.warning("login throttle unavailable (%s)", type(exc).__name__)


@router.api_route("/logout", methods=["GET", "POST"])
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect("/login")
