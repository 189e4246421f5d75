"""The claim search form: its fields parsed through :class:`ClaimCheckCreate` (the API's own
validation), or the error to show beside each field, worded for the person at the desk."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from api.schemas import ClaimCheckCreate
from api.ui import FIELD_HELP
from portals.claims import MAX_SEARCH_DAYS

CLAIM_FORM_FIELDS = ("carrier", "member_id", "date_of_birth", "last_name", "first_name",
                     "claim_number", "service_from", "service_to")
REQUIRED = ("carrier", "member_id", "date_of_birth", "last_name")

CLAIM_FIELD_HELP = {
    **{name: FIELD_HELP[name] for name in ("carrier", "member_id", "date_of_birth",
                                           "last_name", "first_name")},
    "claim_number": "4 to 30 letters, digits or hyphens, as the payer printed it.",
    "service_from": "A real date, not in the future.",
    "service_to": f"A real date, not in the future, at most {MAX_SEARCH_DAYS} days after "
    "the From date.",
}
_API_WORDS = {
    "no claim_number": "no claim number",
    "claim_number": "a claim number",
    "service_from": "the From date",
    "service_to": "the To date",
}
_DATE_OR_NUMBER = ("service_from", "service_to")
_FORM_KEY = re.compile(r"^[0-9a-f]{32}$")


def _worded(message: str) -> str:
    for api_name, words in _API_WORDS.items():
        message = message.replace(api_name, words)
    return message[:1].upper() + message[1:] + "."


def form_key_of(raw: str) -> str | None:
    """The page's one-time key, when it is one the page could have made (else none)."""
    return raw if _FORM_KEY.match(raw) else None


def parse_claim_form(values: dict[str, str]
                     ) -> tuple[ClaimCheckCreate | None, dict[str, str]]:
    """The form as a :class:`ClaimCheckCreate`, or the error to show beside each field."""
    data: dict[str, Any] = {}
    for name in CLAIM_FORM_FIELDS:
        raw = values.get(name, "").strip()
        if raw or name in REQUIRED:
            data[name] = raw
    try:
        return ClaimCheckCreate.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            if field in errors:
                continue
            if field not in CLAIM_FIELD_HELP:
                errors.setdefault("form", _worded(str(error["msg"])))
                continue
            if error.get("input") == "":
                errors[field] = "Required. " + CLAIM_FIELD_HELP[field]
            elif error["type"] == "value_error":
                errors[field] = _worded(str(error["msg"]).removeprefix("Value error, "))
            else:
                errors[field] = CLAIM_FIELD_HELP[field]
        if "claim_number" in errors and data.get("claim_number"):
            # A claim number was meant: "the dates are required" only distracts from it.
            for name in _DATE_OR_NUMBER:
                if name in errors and name not in data:
                    del errors[name]
        return None, errors
