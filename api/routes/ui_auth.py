"""Web UI login and logout (staff users from storage.users, a signed session cookie)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, TemplatesDep, csrf_token
from api.ui import redirect, render, safe_next
from storage.users import authenticate

log = logging.getLogger(__name__)

router = APIRouter(tags=["ui"])


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
    user = authenticate(session=session, username=username, password=password) \
        if username and password else None
    if user is None:
        log.info("web login refused")
        return render(request, templates, "login.html",
                      {"next": safe_next(next), "error": "Wrong username or password.",
                       "username": username[:80]}, status_code=401)
    request.session.clear()
    request.session["user"] = user.username
    csrf_token(request)
    log.info("web login: %s", user.username)
    return redirect(safe_next(next))


@router.api_route("/logout", methods=["GET", "POST"])
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect("/login")
