"""The prior-authorization web form: its fields (patient, providers, diagnoses, service rows,
dates, place of service, urgency, note) parsed through :class:`PriorAuthCreate` (the API's
own validation), or the error to show beside each field; and the form pre-filled from an
eligibility check, offering first the services its result says need authorization.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.presenters import present
from api.prior_auth_schemas import (
    FUTURE_SERVICE_DAYS,
    MAX_SERVICES,
    PAST_SERVICE_DAYS,
    PriorAuthCreate,
)
from api.ui import FIELD_HELP
from portals.model import EligibilityRequest, EligibilityResult

PATIENT_FIELDS = ("carrier", "member_id", "date_of_birth", "last_name", "first_name")
FORM_FIELDS = (*PATIENT_FIELDS, "requesting_npi", "requesting_name", "servicing_npi",
               "servicing_name", "diagnosis_codes", "service_from", "service_to",
               "place_of_service", "urgency", "note", "check")
ROW_FIELDS = ("code", "modifiers", "units")
BLANK_ROWS = 3
"""Empty service rows under the offered ones (up to :data:`MAX_SERVICES` rows in all)."""

PLACES_OF_SERVICE = [
    ("11", "11 Office"), ("12", "12 Home"), ("19", "19 Off-campus outpatient hospital"),
    ("21", "21 Inpatient hospital"), ("22", "22 On-campus outpatient hospital"),
    ("23", "23 Emergency room"), ("24", "24 Ambulatory surgical center"),
    ("31", "31 Skilled nursing facility"), ("49", "49 Independent clinic"),
    ("81", "81 Independent laboratory"),
]

HELP = {
    **{name: FIELD_HELP[name] for name in ("carrier", "member_id", "date_of_birth",
                                           "last_name")},
    "first_name": "1 to 60 letters (spaces, apostrophes, hyphens and periods allowed).",
    "requesting_npi": "The 10-digit NPI of the provider asking.",
    "requesting_name": "The requesting provider's name, up to 80 characters.",
    "servicing_npi": "The 10-digit NPI of the provider or facility doing the service.",
    "servicing_name": "The servicing provider's name, up to 80 characters.",
    "diagnosis_codes": "1 to 12 ICD-10-CM codes (e.g. M54.50), separated by commas.",
    "services": "Request at least one service: tick an offered one or fill a row.",
    "service_from": "A date within a year before today and two years after.",
    "service_to": "On or after the From date, at most a year after it.",
    "place_of_service": "Choose where the service is given.",
    "urgency": "Standard (7 days) or expedited (72 hours).",
    "note": "Up to 800 characters.",
    "code": "A 5-character CPT or HCPCS code.",
    "modifiers": "Up to 4 two-character modifiers, separated by commas.",
    "units": "A whole number from 1 to 999.",
}
_PROVIDER_FIELDS = {("requesting_provider", "npi"): "requesting_npi",
                    ("requesting_provider", "name"): "requesting_name",
                    ("servicing_provider", "npi"): "servicing_npi",
                    ("servicing_provider", "name"): "servicing_name"}
_ROW_OF_MODEL = {"procedure_code": "code", "modifiers": "modifiers", "units": "units"}
_API_WORDS = {"service_from": "the From date", "service_to": "the To date"}
_SPLIT = re.compile(r"[\s,;]+")


@dataclass
class ServiceRow:
    """One service row of the form: offered from an eligibility result (ticked to request
    it, one click) or typed in."""

    index: int
    code: str = ""
    modifiers: str = ""
    units: str = "1"
    offered: bool = False
    use: bool = False
    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def wanted(self) -> bool:
        return self.use if self.offered else bool(self.code.strip())


def blank_rows(start: int, count: int = BLANK_ROWS) -> list[ServiceRow]:
    return [ServiceRow(index=i, units="") for i in range(start, min(start + count,
                                                                    MAX_SERVICES))]


def rows_from_form(form: Mapping[str, Any]) -> list[ServiceRow]:
    """The service rows as posted (``svc-<i>-code`` ...), in their order."""
    raw = str(form.get("rows", ""))
    count = min(int(raw), MAX_SERVICES) if raw.isdigit() else MAX_SERVICES
    rows = []
    for index in range(count):
        def value(name: str, i: int = index) -> str:
            return str(form.get(f"svc-{i}-{name}", "")).strip()
        rows.append(ServiceRow(index=index, code=value("code"), modifiers=value("modifiers"),
                               units=value("units"), offered=value("offered") == "1",
                               use=value("use") == "1", description=value("description")[:200]))
    return rows


def _worded(message: str) -> str:
    message = message.removeprefix("Value error, ")
    for api_name, words in _API_WORDS.items():
        message = message.replace(api_name, words)
    return message[:1].upper() + message[1:] + "."


def form_data(values: Mapping[str, str], rows: Sequence[ServiceRow]
              ) -> tuple[dict[str, Any], list[int]]:
    """The form as the API's JSON request, and the form row of each service in it."""
    wanted = [row for row in rows if row.wanted]
    data: dict[str, Any] = {name: values.get(name, "").strip() for name in PATIENT_FIELDS}
    data["requesting_provider"] = {"npi": values.get("requesting_npi", "").strip(),
                                   "name": values.get("requesting_name", "").strip()}
    data["servicing_provider"] = {"npi": values.get("servicing_npi", "").strip(),
                                  "name": values.get("servicing_name", "").strip()}
    data["diagnosis_codes"] = [code for code in _SPLIT.split(
        values.get("diagnosis_codes", "").upper()) if code]
    data["services"] = [{"procedure_code": row.code.upper(),
                         "modifiers": [m for m in _SPLIT.split(row.modifiers.upper()) if m],
                         "units": row.units or "1"} for row in wanted]
    for name in ("service_from", "service_to", "place_of_service"):
        data[name] = values.get(name, "").strip()
    data["urgency"] = values.get("urgency", "") or "standard"
    data["note"] = values.get("note", "")
    return data, [row.index for row in wanted]


def place_errors(errors: list[dict[str, Any]], rows: Sequence[ServiceRow],
                 row_of: Sequence[int], data: Mapping[str, Any]) -> dict[str, str]:
    """Pydantic errors (``loc`` inside the request) as words beside the form's fields;
    a service row's errors go on the row."""
    shown: dict[str, str] = {}
    by_index = {row.index: row for row in rows}
    for error in errors:
        loc = tuple(error.get("loc", ()))
        msg = str(error.get("msg", "invalid value"))
        empty = error.get("input") in ("", [])
        if not loc:
            shown.setdefault("form", _worded(msg))
        elif loc[0] == "services" and len(loc) >= 3 and isinstance(loc[1], int) \
                and loc[1] < len(row_of):
            row = by_index[row_of[loc[1]]]
            name = _ROW_OF_MODEL.get(str(loc[2]), "code")
            row.errors.setdefault(name, HELP[name] if error["type"] != "value_error"
                                  else _worded(msg))
            shown.setdefault("services", "Correct the service rows marked below.")
        elif loc[0] == "diagnosis_codes" and len(loc) > 1 and isinstance(loc[1], int):
            codes = data.get("diagnosis_codes") or []
            code = codes[loc[1]] if loc[1] < len(codes) else ""
            shown.setdefault("diagnosis_codes", f"{code!s} is not an ICD-10-CM code. "
                             + HELP["diagnosis_codes"])
        else:
            name = str(loc[0])
            if name in ("requesting_provider", "servicing_provider"):
                part = str(loc[1]) if len(loc) > 1 else "npi"
                name = _PROVIDER_FIELDS.get((name, part), f"{name.split('_')[0]}_npi")
            if name not in HELP:
                shown.setdefault("form", _worded(msg))
            elif name in shown:
                continue
            elif empty:
                shown[name] = "Required. " + HELP[name]
            elif error["type"] == "value_error":
                shown[name] = _worded(msg)
            else:
                shown[name] = HELP[name]
    return shown


def parse_prior_auth_form(values: Mapping[str, str], rows: Sequence[ServiceRow]
                          ) -> tuple[PriorAuthCreate | None, dict[str, str]]:
    """The form as a :class:`PriorAuthCreate`, or the error to show beside each field."""
    data, row_of = form_data(values, rows)
    try:
        return PriorAuthCreate.model_validate(data), {}
    except ValidationError as exc:
        errors = [dict(e) for e in exc.errors()]
        return None, place_errors(errors, rows, row_of, data)


# -- pre-filled from an eligibility check -------------------------------------------------


def _service_date_ok(day: dt.date) -> bool:
    """Whether the check's service date is one a request may carry (else not offered)."""
    today = dt.date.today()
    return today - dt.timedelta(days=PAST_SERVICE_DAYS) <= day <= \
        today + dt.timedelta(days=FUTURE_SERVICE_DAYS)


def prefill(request: EligibilityRequest, result: EligibilityResult | None
            ) -> tuple[dict[str, str], list[ServiceRow]]:
    """The patient as the portal named them (else as the check asked), and the services
    the result says need authorization, those the check asked about first and ticked."""
    member = result.member if result is not None else None
    day = request.service_date.isoformat() if request.service_date and \
        _service_date_ok(request.service_date) else ""
    values = {
        "carrier": request.carrier,
        "member_id": member.member_id if member else request.member_id,
        "date_of_birth": (member.date_of_birth if member else request.date_of_birth)
        .isoformat(),
        "last_name": member.last_name if member else request.last_name,
        "first_name": member.first_name if member else (request.first_name or ""),
        "service_from": day,
        "service_to": day,
    }
    offered: list[ServiceRow] = []
    if result is not None:
        for row in present(result, list(request.service_codes)).prior_auth:
            if len(offered) == MAX_SERVICES - 1:
                break
            offered.append(ServiceRow(index=len(offered), code=row.code, units="1",
                                      offered=True, use=row.requested,
                                      description=row.description or row.code_system))
    return values, offered + blank_rows(len(offered))
