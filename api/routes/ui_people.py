"""Web UI for administrators (the people permission): staff logins, their roles, password
resets, their API tokens, removal. Every change is audited (never a password).

An administrator can neither remove themself nor take the admin role from themself, so
no one locks the practice out of its own people page by a slip; another administrator
(or ``portals users roles`` on the server) can.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.deps import Actor, SessionDep, StaffUser, TemplatesDep, verify_csrf
from api.routes.ui_tokens import parse_id, revoke_one, role_choices, token_rows
from api.ui import flash, redirect, render
from portals.access import Role, UnknownRole, parse_roles, roles_text
from storage import repo
from storage.api_tokens import get_token, is_live, list_tokens
from storage.models import User, utcnow
from storage.users import (
    MAX_PASSWORD_LENGTH,
    MAX_USERNAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    UserError,
    create_user,
    delete_user,
    get_user_by_id,
    list_users,
    roles_of,
    set_password,
    set_roles,
)

router = APIRouter(tags=["ui"])

PEOPLE = "/admin/people"
NO_SELF_ADMIN = ("You cannot take the admin role from yourself (nobody could then manage "
                 "people); another administrator can.")
NO_SELF_REMOVE = "You cannot remove yourself; another administrator can."


def _roles_field(values: list[str], errors: dict[str, str]) -> frozenset[Role]:
    """The checked roles; an unknown one is an error beside the roles field."""
    try:
        return parse_roles(values[:10])
    except UnknownRole as exc:
        errors["roles"] = str(exc)[:1].upper() + str(exc)[1:200] + "."
        return frozenset()


def _password_error(password: str, confirm: str | None = None) -> str | None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters."
    if confirm is not None and confirm != password:
        return "The two passwords differ; type the same one twice."
    return None


def _shown_roles(roles: frozenset[Role]) -> str:
    return roles_text(roles).replace(",", ", ") or "none"


# -- the list and a new person ------------------------------------------------------------


def _list_page(request: Request, session: Session, templates: TemplatesDep, user: Actor, *,
               values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    now = utcnow()
    live = Counter(t.user_id for t in list_tokens(session=session) if is_live(t, now))
    people = [{"user": person, "roles": sorted(roles_of(session=session, user_id=person.id)),
               "live_tokens": live.get(person.id, 0)}
              for person in list_users(session=session) if person.id is not None]
    return render(request, templates, "people.html", {
        "people": people, "choices": role_choices(),
        "values": values or {"username": "", "roles": []}, "errors": errors or {},
        "min_password": MIN_PASSWORD_LENGTH, "max_username": MAX_USERNAME_LENGTH,
    }, status_code=status_code, user=user)


@router.get(PEOPLE, response_class=HTMLResponse)
def people_page(request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    """Everyone who can log in, their roles and live API tokens; the form to add one."""
    return _list_page(request, session, templates, user)


@router.post(PEOPLE, response_class=HTMLResponse)
def add_person(
    request: Request, session: SessionDep, templates: TemplatesDep, user: StaffUser,
    csrf: Annotated[str, Form()] = "", username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Add a person with an initial password and the checked roles (none: they can log in
    and see only their own API tokens page)."""
    verify_csrf(request, csrf)
    errors: dict[str, str] = {}
    roles = _roles_field(role, errors)
    values = {"username": username.strip()[:MAX_USERNAME_LENGTH],
              "roles": [r.value for r in roles]}
    if not username.strip():
        errors["username"] = (f"Required: 1 to {MAX_USERNAME_LENGTH} printable characters "
                              "without spaces.")
    problem = _password_error(password)
    if problem:
        errors["password"] = problem
    person: User | None = None
    if not errors:
        try:  # the password is checked above: what is left is the username
            person = create_user(session=session, username=username, password=password,
                                 roles=roles)
        except UserError as exc:
            session.rollback()
            errors["username"] = str(exc)[:1].upper() + str(exc)[1:200] + "."
        except IntegrityError:  # the same name added at the same moment elsewhere
            session.rollback()
            errors["username"] = f"User {username.strip()[:MAX_USERNAME_LENGTH]!r} already exists."
    if person is None or person.id is None:
        return _list_page(request, session, templates, user, values=values, errors=errors,
                          status_code=422)
    repo.audit(session=session, actor=user, action="person.create", target_type="user",
               target_id=str(person.id),
               detail=repo.dumps_safe({"username": person.username,
                                       "roles": roles_text(roles)}))
    session.commit()
    flash(request, f"{person.username} is added with the roles: {_shown_roles(roles)}.")
    return redirect(f"{PEOPLE}/{person.id}")


# -- one person -----------------------------------------------------------------------------


def _not_found(request: Request, templates: TemplatesDep, user: Actor) -> Response:
    return render(request, templates, "error.html", {"message": "No such person."},
                  status_code=404, user=user)


def _find(session: Session, user_id: str) -> User | None:
    number = parse_id(user_id)
    return get_user_by_id(session=session, user_id=number) if number is not None else None


def _person_page(request: Request, session: Session, templates: TemplatesDep, user: Actor,
                 person: User, *, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    assert person.id is not None
    held = roles_of(session=session, user_id=person.id)
    return render(request, templates, "person.html", {
        "person": person, "held": sorted(held),
        "checked": [r.value for r in held],
        "choices": role_choices(), "errors": errors or {},
        "rows": token_rows(list_tokens(session=session, user_id=person.id), held),
        "is_self": person.id == user.user_id, "min_password": MIN_PASSWORD_LENGTH,
    }, status_code=status_code, user=user)


@router.get(PEOPLE + "/{user_id}", response_class=HTMLResponse)
def person_page(user_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
                user: StaffUser) -> Response:
    person = _find(session, user_id)
    if person is None:
        return _not_found(request, templates, user)
    return _person_page(request, session, templates, user, person)


@router.post(PEOPLE + "/{user_id}/roles", response_class=HTMLResponse)
def change_roles(
    user_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
    user: StaffUser, csrf: Annotated[str, Form()] = "",
    role: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Replace the person's roles (their tokens lose a role taken from them at once)."""
    verify_csrf(request, csrf)
    person = _find(session, user_id)
    if person is None or person.id is None:
        return _not_found(request, templates, user)
    errors: dict[str, str] = {}
    wanted = _roles_field(role, errors)
    if not errors and person.id == user.user_id and Role.ADMIN not in wanted:
        errors["roles"] = NO_SELF_ADMIN
    if errors:
        return _person_page(request, session, templates, user, person, errors=errors,
                            status_code=422)
    before = set_roles(session=session, user=person, roles=wanted)
    if before == wanted:
        session.rollback()
        flash(request, f"{person.username}'s roles are unchanged.")
        return redirect(f"{PEOPLE}/{person.id}")
    repo.audit(session=session, actor=user, action="person.roles", target_type="user",
               target_id=str(person.id),
               detail=f"{person.username}: {roles_text(before) or 'none'} → "
                      f"{roles_text(wanted) or 'none'}")
    session.commit()
    flash(request, f"{person.username}'s roles are now: {_shown_roles(wanted)}.")
    return redirect(f"{PEOPLE}/{person.id}")


@router.post(PEOPLE + "/{user_id}/password", response_class=HTMLResponse)
def reset_password(
    user_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
    user: StaffUser, csrf: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "",
) -> Response:
    """Give the person a new password; every web session of theirs ends (their API tokens
    stay: revoke them below if they may have leaked too)."""
    verify_csrf(request, csrf)
    person = _find(session, user_id)
    if person is None or person.id is None:
        return _not_found(request, templates, user)
    problem = _password_error(password, confirm)
    if problem:
        return _person_page(request, session, templates, user, person,
                            errors={"password": problem}, status_code=422)
    set_password(session=session, username=person.username, password=password)
    repo.audit(session=session, actor=user, action="person.password_reset",
               target_type="user", target_id=str(person.id), detail=person.username)
    session.commit()
    flash(request, f"{person.username} has a new password and is logged out everywhere.")
    return redirect(f"{PEOPLE}/{person.id}")


@router.post(PEOPLE + "/{user_id}/remove", response_class=HTMLResponse)
def remove_person(
    user_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
    user: StaffUser, csrf: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Remove the person: their logins end and their API tokens with them."""
    verify_csrf(request, csrf)
    person = _find(session, user_id)
    if person is None or person.id is None:
        return _not_found(request, templates, user)
    if person.id == user.user_id:
        return _person_page(request, session, templates, user, person,
                            errors={"remove": NO_SELF_REMOVE}, status_code=422)
    if confirm != "yes":
        return _person_page(request, session, templates, user, person, status_code=422,
                            errors={"remove": "Tick the box to confirm the removal."})
    person_id, name, roles = person.id, person.username, roles_of(session=session,
                                                                  user_id=person.id)
    delete_user(session=session, username=name)
    repo.audit(session=session, actor=user, action="person.remove", target_type="user",
               target_id=str(person_id),
               detail=repo.dumps_safe({"username": name, "roles": roles_text(roles)}))
    session.commit()
    flash(request, f"{name} is removed; their logins and API tokens no longer work.")
    return redirect(PEOPLE)


@router.post(PEOPLE + "/{user_id}/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token_of(
    user_id: str, token_id: str, request: Request, session: SessionDep,
    templates: TemplatesDep, user: StaffUser, csrf: Annotated[str, Form()] = "",
) -> Response:
    """End one of the person's API tokens now."""
    verify_csrf(request, csrf)
    person = _find(session, user_id)
    number = parse_id(token_id)
    token = get_token(session=session, token_id=number) if number is not None else None
    if person is None or token is None or token.user_id != person.id:
        return render(request, templates, "error.html", {"message": "No such token."},
                      status_code=404, user=user)
    if revoke_one(session, user, token):
        flash(request, f"{person.username}'s token “{token.name}” is revoked.")
    else:
        flash(request, f"{person.username}'s token “{token.name}” had already ended.")
    return redirect(f"{PEOPLE}/{person.id}")

