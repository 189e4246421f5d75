"""Northwind's v1 prior-authorization JSON (the answers the SPA draws "My requests", the
request detail and the confirmation from), read strictly: every field present with its
exact JSON type, no unknown field, so any change of shape is LayoutChanged (the message
names fields, never values). The bot reads them from the SPA's own calls and requires them
to say exactly what the screen says."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.prior_auth_parse import (
    PaService,
    RequestRecord,
    RequestRow,
    decision,
    letter_filename,
    procedure,
    reference,
)
from bots.errors import LayoutChanged
from portals.claims import Provider
from portals.model import Patient
from portals.prior_auth import PortalFile, Urgency

Text = Annotated[str, Field(min_length=1)]
StatusKey = Literal["pended", "approved", "approved_with_changes", "partially_approved",
                    "denied", "more_info", "cancelled"]
M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ApiPatient(_Strict):
    member_id: Text
    first_name: Text
    last_name: Text
    birth_date: dt.date


class ApiService(_Strict):
    code: Text
    modifiers: list[Annotated[str, Field(pattern=r"^[A-Z0-9]{2}$")]]
    units: Annotated[int, Field(ge=1, le=999)]


class ApiFile(_Strict):
    name: Text
    size: Annotated[int, Field(ge=0)]


class ApiSummary(_Strict):
    reference: Text
    received_at: dt.datetime
    patient: ApiPatient
    services: list[ApiService]
    service_from: dt.date
    service_to: dt.date
    urgency: Literal["standard", "urgent"]
    note: str
    status: StatusKey
    files: list[ApiFile]


class ApiSearch(_Strict):
    requests: list[ApiSummary]
    total: Annotated[int, Field(ge=0)]


class ApiProvider(_Strict):
    npi: Annotated[str, Field(pattern=r"^\d{10}$")]
    name: Text


class ApiApproved(_Strict):
    code: Text
    units: Annotated[int, Field(ge=0)]


class ApiDecision(_Strict):
    status: StatusKey
    authorization_number: Text | None
    approved_from: dt.date | None
    approved_to: dt.date | None
    approved_services: list[ApiApproved]
    reason: Text | None
    decided_on: dt.date | None


class ApiLink(_Strict):
    filename: Text
    url: Text


class ApiDetail(ApiSummary):
    requesting_provider: ApiProvider
    servicing_provider: ApiProvider
    diagnoses: list[Text]
    place_of_service: Annotated[str, Field(pattern=r"^\d{2}$")]
    decision: ApiDecision
    letter: ApiLink | None
    confirmation: ApiLink


class ApiSubmitted(_Strict):
    reference: Text
    received_at: dt.datetime
    request: ApiDetail


def _load(model: type[M], body: bytes, what: str) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        places = sorted({".".join(str(part) for part in err["loc"]) or "(body)"
                         for err in exc.errors(include_input=False, include_url=False)})
        raise LayoutChanged(f"the portal's {what} data changed shape at {len(places)} "
                            f"place(s): {', '.join(places[:8])}") from None


def _aware(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None:
        raise LayoutChanged(f"the portal's {what} has no time zone")
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _row(s: ApiSummary) -> RequestRow:
    return RequestRow(
        reference=reference(s.reference, "reference"),
        received_at=_aware(s.received_at, "received time"),
        patient=Patient(member_id=s.patient.member_id, first_name=s.patient.first_name,
                        last_name=s.patient.last_name, date_of_birth=s.patient.birth_date),
        services=tuple(PaService(procedure(v.code, "procedure"), tuple(v.modifiers), v.units)
                       for v in s.services),
        service_from=s.service_from, service_to=s.service_to,
        urgency=Urgency(S.API_PA_URGENCIES[s.urgency]),
        status=S.API_PA_STATUSES[s.status],
        files=tuple(PortalFile(name=f.name, size=f.size) for f in s.files),
        note=s.note.strip())


def parse_search(body: bytes) -> tuple[list[RequestRow], int]:
    """A search answer: its requests (newest first) and how many matched."""
    data = _load(ApiSearch, body, "requests list")
    return [_row(s) for s in data.requests], data.total


def _record(d: ApiDetail) -> RequestRecord:
    words = S.API_PA_STATUSES[d.status]
    if S.API_PA_STATUSES[d.decision.status] != words:
        raise LayoutChanged("the request's status and its decision's disagree")
    c = d.decision
    read = decision(words, authorization_number=c.authorization_number,
                    approved_from=c.approved_from, approved_to=c.approved_to,
                    approved=[(procedure(a.code, "approved procedure"), a.units)
                              for a in c.approved_services],
                    reason=c.reason, decided_on=c.decided_on, what="decision data")
    letter = None
    if d.letter is not None:
        if d.letter.url != f"{S.PA_REQUEST_API_PREFIX}{d.reference}{S.PA_LETTER_API_SUFFIX}":
            raise LayoutChanged("the decision letter is offered at an unknown address")
        letter = letter_filename(d.letter.filename, d.reference, "letter data")
    return RequestRecord(
        row=_row(d),
        requesting=Provider(npi=d.requesting_provider.npi, name=d.requesting_provider.name),
        servicing=Provider(npi=d.servicing_provider.npi, name=d.servicing_provider.name),
        diagnoses=tuple(d.diagnoses), place_of_service=d.place_of_service, decision=read,
        letter_filename=letter)


def parse_detail(body: bytes, wanted: str) -> RequestRecord:
    """The detail answer of the request ``wanted``."""
    record = _record(_load(ApiDetail, body, "request detail"))
    if record.row.reference != wanted:
        raise LayoutChanged("the detail answer is for another request than the one opened")
    return record


def parse_submitted(body: bytes) -> tuple[str, dt.datetime, RequestRecord]:
    """The submit answer: the reference, the time received and the request as recorded."""
    data = _load(ApiSubmitted, body, "submission")
    record = _record(data.request)
    received = _aware(data.received_at, "received time")
    if (record.row.reference, record.row.received_at) != (data.reference, received):
        raise LayoutChanged("the submission answer names two different requests")
    return data.reference, received, record
