"""Web UI: a person's own API tokens (``/account/tokens``), for any logged-in person.

A new token is shown once, in the answer to the form that made it (``Cache-Control:
no-store``): only its hash is stored, and it never goes into the flash (a signed, not
encrypted, cookie), the session, a URL or a log. A token holds the roles chosen here, at
most the person's own; revoking one ends it at once. Both are audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import Actor, SessionDep, StaffUser, TemplatesDep, verify_csrf
from api.ui import flash, redirect, render
from portals.access import ROLE_HELP, ROLE_LABELS, Role, UnknownRole, parse_roles, roles_text
from storage import repo
from storage.api_tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_NAME_LENGTH,
    TokenError,
    create_token,
    get_token,
    is_live,
    list_tokens,
    revoke_token,
    token_roles,
)
from storage.models import ApiToken, utcnow
from storage.users import get_user_by_id, roles_of

router = APIRouter(tags=["ui"])

PAGE = "/account/tokens"
MAX_ID = 2**31 - 1
"""The largest id a row can have (PostgreSQL ``integer``); a larger one is not found."""


def parse_id(value: str) -> int | None:
    """A row id from a URL, or None when it cannot be one (never a query for junk)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


@dataclass(frozen=True)
class TokenRow:
    """A token as the pages list it: its roles (those its person still holds do work) and
    whether it is live, expired or revoked."""

    token: ApiToken
    roles: list[Role]
    lapsed_roles: list[Role]
    state: str


def token_rows(tokens: list[ApiToken], held: frozenset[Role],
               now: dt.datetime | None = None) -> list[TokenRow]:
    moment = now or utcnow()
    rows = []
    for token in tokens:
        roles = token_roles(token)
        state = "revoked" if token.revoked_at is not None else \
            "live" if is_live(token, moment) else "expired"
        rows.append(TokenRow(token=token, roles=sorted(roles & held),
                             lapsed_roles=sorted(roles - held), state=state))
    return rows


def role_choices(roles: frozenset[Role] | None = None) -> list[tuple[str, str, str]]:
    """(value, label, help) of each role offered (all of them, or the ones given)."""
    return [(role.value, ROLE_LABELS[role], ROLE_HELP[role]) for role in Role
            if roles is None or role in roles]


def _page(request: Request, session: Session, templates: TemplatesDep, user: Actor, *,
          values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          new_token: str | None = None, created: ApiToken | None = None,
          status_code: int = 200) -> Response:
    assert user.user_id is not None
    held = roles_of(session=session, user_id=user.user_id)
    tokens = list_tokens(session=session, user_id=user.user_id)
    response = render(request, templates, "tokens.html", {
        "rows": token_rows(tokens, held), "choices": role_choices(held),
        "values": values or {"name": "", "days": str(DEFAULT_DAYS),
                             "roles": [role.value for role in held]},
        "errors": errors or {}, "new_token": new_token, "created": created,
        "max_days": MAX_DAYS, "max_name": MAX_NAME_LENGTH,
    }, status_code=status_code, user=user)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PAGE, response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    """The person's tokens, newest first, and the form to make one."""
    return _page(request, session, templates, user)


def parse_days(raw: str) -> int | None:
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        return None
    days = int(value)
    return days if 1 <= days <= MAX_DAYS else None


@router.post(PAGE, response_class=HTMLResponse)
def create(
    request: Request, session: SessionDep, templates: TemplatesDep, user: StaffUser,
    csrf: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    role: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Make a token; the answer shows it once (never stored, flashed or logged)."""
    verify_csrf(request, csrf)
    assert user.user_id is not None
    values = {"name": name.strip()[:MAX_NAME_LENGTH], "days": days.strip()[:8],
              "roles": [r[:40] for r in role[:10]]}
    errors: dict[str, str] = {}
    label = name.strip()
    if not label or len(label) > MAX_NAME_LENGTH or not label.isprintable():
        errors["name"] = (f"Required: 1 to {MAX_NAME_LENGTH} printable characters, "
                          "to recognize the token later (where it is used).")
    lifetime = parse_days(days)
    if lifetime is None:
        errors["days"] = f"A whole number of days from 1 to {MAX_DAYS}."
    held = roles_of(session=session, user_id=user.user_id)
    wanted: frozenset[Role] = frozenset()
    try:
        wanted = parse_roles(role[:10])
    except UnknownRole as exc:
        errors["roles"] = str(exc)[:1].upper() + str(exc)[1:200] + "."
    if "roles" not in errors:
        if not wanted:
            errors["roles"] = "Choose at least one role for the token."
        elif not wanted <= held:
            missing = ", ".join(ROLE_LABELS[r] for r in sorted(wanted - held))
            errors["roles"] = f"A token cannot hold roles you do not hold ({missing})."
    person = get_user_by_id(session=session, user_id=user.user_id)
    if errors or lifetime is None or person is None:
        return _page(request, session, templates, user, values=values, errors=errors,
                     status_code=422)
    try:
        token, plain = create_token(session=session, user=person, name=label, days=lifetime,
                                    roles=wanted)
    except TokenError as exc:  # a rule the checks above do not know yet
        session.rollback()
        return _page(request, session, templates, user, values=values,
                     errors={"form": str(exc)}, status_code=422)
    assert token.id is not None
    repo.audit(session=session, actor=user, action="token.create", target_type="api_token",
               target_id=str(token.id),
               detail=repo.dumps_safe({"name": token.name, "roles": roles_text(wanted),
                                       "days": lifetime, "prefix": token.prefix}))
    session.commit()
    return _page(request, session, templates, user, new_token=plain, created=token)


def revoke_one(session: Session, actor: Actor, token: ApiToken) -> bool:
    """End ``token`` and audit it; False (nothing audited) when it had already ended."""
    if not revoke_token(session=session, token=token):
        return False
    assert token.id is not None
    repo.audit(session=session, actor=actor, action="token.revoke", target_type="api_token",
               target_id=str(token.id),
               detail=repo.dumps_safe({"name": token.name, "prefix": token.prefix,
                                       "user_id": token.user_id}))
    session.commit()
    return True


@router.post(PAGE + "/{token_id}/revoke", response_class=HTMLResponse)
def revoke(token_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
           user: StaffUser, csrf: Annotated[str, Form()] = "") -> Response:
    """End one of one's own tokens now (another person's token is not found)."""
    verify_csrf(request, csrf)
    number = parse_id(token_id)
    token = get_token(session=session, token_id=number) if number is not None else None
    if token is None or token.user_id != user.user_id:
        return render(request, templates, "error.html", {"message": "No such token."},
                      status_code=404, user=user)
    if revoke_one(session, user, token):
        flash(request, f"Token “{token.name}” is revoked.")
    else:
        flash(request, f"Token “{token.name}” had already ended.")
    return redirect(PAGE)
