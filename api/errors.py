"""422 answers that name the field, without echoing the (possibly huge, PHI) input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

_LOCATIONS = ("body", "query", "path", "header", "cookie")
_NAMING_KEYS = ("filename", "rule")
"""Kept from an error raised by a route: which uploaded file, and which rule it broke."""


def field_name(loc: Sequence[Any]) -> str:
    """``("body", "service_codes", 3)`` -> ``"service_codes"``; headers keep their name."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if parts and parts[0] in _LOCATIONS and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) if parts else "body"


def clean_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        loc = list(error.get("loc", ()))
        msg = str(error.get("msg", "invalid value"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        cleaned = {"loc": loc, "field": field_name(loc), "msg": msg,
                   "type": error.get("type", "value_error")}
        for key in _NAMING_KEYS:
            if key in error:
                cleaned[key] = error[key]
        out.append(cleaned)
    return out


def field_error(loc: tuple[str, ...], msg: str, kind: str = "value_error") -> \
        RequestValidationError:
    """A 422 naming one field, raised from a route."""
    return RequestValidationError([{"loc": loc, "msg": msg, "type": kind}])


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": clean_errors(exc.errors())})


class Problem(BaseModel):
    """Every error other than a 422: what went wrong, in words."""

    detail: str


class FieldProblem(BaseModel):
    loc: list[str | int]
    field: str | None = None
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """A 422: each refused field, named."""

    detail: list[FieldProblem]


Responses = dict[int | str, dict[str, Any]]
"""FastAPI's ``responses=``: a status's model and description."""


def problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


BAD_REQUEST: Responses = {400: problem(
    "A malformed request: a control character in a header, a header too large, a body that "
    "is not what its content type says.")}
TOO_LARGE: Responses = {413: problem("The body is larger than the route takes.")}
INVALID: Responses = {422: {
    "model": ValidationProblem,
    "description": "A field is refused (named in `field`); nothing is stored."}}
UNAUTHORIZED: Responses = {401: problem("No bearer token, or not a valid one.")}
FORBIDDEN: Responses = {403: problem(
    "The token is valid but its roles do not allow this route (the permission it needs is "
    "named).")}
NOT_FOUND: Responses = {404: problem("No such resource.")}
CONFLICT: Responses = {409: problem("The resource is not in a state that allows this.")}
API_RESPONSES: Responses = {**BAD_REQUEST, **UNAUTHORIZED, **TOO_LARGE, **INVALID}
"""What any /v1 route may answer besides its own statuses."""
