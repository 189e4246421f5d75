"""Small helpers shared by the web UI routes: rendering, safe redirects, form parsing."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from api.deps import Actor, csrf_token
from api.schemas import CheckCreate
from portals.access import Permission

FIELD_HELP = {
    "carrier": "Choose a carrier from the list.",
    "member_id": "3 to 30 letters, digits or hyphens, as printed on the card.",
    "date_of_birth": "A real date, not in the future and not before 1900.",
    "last_name": "1 to 60 letters (spaces, apostrophes, hyphens and periods allowed).",
    "first_name": "Up to 60 letters (spaces, apostrophes, hyphens and periods allowed).",
    "service_date": "A real date, within two years from today.",
    "service_codes": "Up to 50 CPT/HCPCS/CDT codes, 4 to 7 letters or digits each, "
    "separated by commas.",
}
FORM_FIELDS = ("carrier", "member_id", "date_of_birth", "last_name", "first_name",
               "service_date", "service_codes")
_CODE_SPLIT = re.compile(r"[\s,;]+")
MAX_NEXT_LENGTH = 2000


def render(
    request: Request,
    templates: Jinja2Templates,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    user: str | None = None,
) -> HTMLResponse:
    ctx: dict[str, Any] = {"user": user, "csrf": csrf_token(request),
                           "flash": request.session.pop("flash", None)}
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


HOMES: tuple[tuple[Permission, str], ...] = (
    (Permission.ELIGIBILITY, "/"),
    (Permission.CLAIMS, "/claims"),
    (Permission.PRIOR_AUTH, "/prior-auths"),
    (Permission.REVIEW, "/runs/failed"),
    (Permission.PEOPLE, "/admin/people"),
    (Permission.AUDIT, "/admin/audit"),
)


def home_path(user: Actor) -> str:
    """The first page a person may use (the API tokens page for one without roles)."""
    return next((path for perm, path in HOMES if user.can(perm)), "/account/tokens")


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def safe_next(value: str | None, default: str = "/") -> str:
    """Only local paths: never another host (no open redirect), never a control character
    (no header injection, no NUL in the Location header) or an absurd length."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) \
            and len(value) <= MAX_NEXT_LENGTH and value.isprintable():
        return value
    return default


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def parse_check_form(values: dict[str, str]) -> tuple[CheckCreate | None, dict[str, str]]:
    """The form's fields as a :class:`CheckCreate`, or the error to show beside each field."""
    data: dict[str, Any] = {}
    for name in FORM_FIELDS:
        raw = values.get(name, "").strip()
        if name == "service_codes":
            data[name] = [code.upper() for code in _CODE_SPLIT.split(raw) if code]
        elif raw or name in ("carrier", "member_id", "date_of_birth", "last_name"):
            data[name] = raw
    try:
        return CheckCreate.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            if field in errors:
                continue
            if error.get("input") == "":
                errors[field] = "Required. " + FIELD_HELP.get(field, "")
            elif error["type"] == "value_error":
                msg = str(error["msg"]).removeprefix("Value error, ")
                errors[field] = msg[:1].upper() + msg[1:] + "."
            else:
                errors[field] = FIELD_HELP.get(field, str(error["msg"]))
        return None, errors
