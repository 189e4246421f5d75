"""422 answers that name the field, without echoing the (possibly huge, PHI) input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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
