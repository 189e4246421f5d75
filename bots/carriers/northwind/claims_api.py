"""Northwind's v1 claims JSON (the answers the SPA draws the claims list and the detail
drawer from), read strictly: every field present with its exact JSON type, no unknown
field, so any change of shape is LayoutChanged (the message names fields, never values).
The bot reads them from the SPA's own calls and requires them to say exactly what the
screen says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.parse_claims import (
    ClaimRow,
    ReadClaim,
    carc,
    claim_status,
    eob_filename,
    group,
    procedure,
)
from bots.errors import LayoutChanged
from portals.claims import (
    Adjustment,
    Claim,
    ClaimLine,
    Payment,
    PaymentMethod,
    Provider,
)
from portals.model import Patient

Cents = Annotated[int, Field(ge=0)]
Text = Annotated[str, Field(min_length=1)]
StatusKey = Literal["received", "accepted", "in_review", "needs_info", "paid",
                    "partially_paid", "denied", "adjusted", "no_payment"]
M = TypeVar("M", bound=BaseModel)
CENT = Decimal("0.01")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ApiClaimSummary(_Strict):
    ref: Text
    claim_number: Text
    service_from: dt.date
    service_to: dt.date
    billed_cents: Cents
    paid_cents: Cents
    status: StatusKey


class ApiClaimPage(_Strict):
    claims: list[ApiClaimSummary]
    next_cursor: Text | None
    total: Annotated[int, Field(ge=0)]


class ApiPatient(_Strict):
    member_id: Text
    first_name: Text
    last_name: Text
    birth_date: dt.date


class ApiProvider(_Strict):
    npi: Annotated[str, Field(pattern=r"^\d{10}$")]
    name: Text


class ApiAdjustment(_Strict):
    group: Text
    reason: Text
    amount_cents: Cents


class ApiLine(_Strict):
    line_number: Annotated[int, Field(ge=1)]
    procedure_code: Text
    modifiers: list[Annotated[str, Field(pattern=r"^[A-Z0-9]{2}$")]]
    units: Annotated[int, Field(ge=1)]
    service_date: dt.date
    billed_cents: Cents
    allowed_cents: Cents | None
    paid_cents: Cents
    adjustments: list[ApiAdjustment]


class ApiPayment(_Strict):
    method: Literal["check", "eft"]
    number: Text
    date: dt.date
    amount_cents: Cents


class ApiEob(_Strict):
    filename: Text
    url: Text


class ApiClaimDetail(_Strict):
    ref: Text
    claim_number: Text
    patient_account_number: Text | None
    patient: ApiPatient
    service_from: dt.date
    service_to: dt.date
    billing_provider: ApiProvider
    rendering_provider: ApiProvider | None
    place_of_service: Annotated[str, Field(pattern=r"^\d{2}$")]
    status: StatusKey
    status_date: dt.date
    billed_cents: Cents
    allowed_cents: Cents | None
    paid_cents: Cents
    patient_responsibility_cents: Cents
    lines: list[ApiLine]
    payments: list[ApiPayment]
    eob: ApiEob | None


def _load(model: type[M], body: bytes, what: str) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        places = sorted({".".join(str(part) for part in err["loc"]) or "(body)"
                         for err in exc.errors(include_input=False, include_url=False)})
        raise LayoutChanged(f"the portal's {what} data changed shape at {len(places)} "
                            f"place(s): {', '.join(places[:8])}") from None


def _amount(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def _words(key: str) -> str:
    return S.API_CLAIM_STATUSES[key]


def parse_claim_page(body: bytes) -> tuple[list[ClaimRow], str | None, int]:
    """One claims-list answer: its claims, the next cursor (None on the last page) and the
    search's total."""
    page = _load(ApiClaimPage, body, "claims list")
    rows = [ClaimRow(ref=c.ref, claim_number=c.claim_number, service_from=c.service_from,
                     service_to=c.service_to, billed=_amount(c.billed_cents),
                     paid=_amount(c.paid_cents), status=_words(c.status))
            for c in page.claims]
    return rows, page.next_cursor, page.total


def parse_claim_detail(body: bytes, ref: str) -> ReadClaim:
    """The detail answer of the claim ``ref`` -> the claim and its EOB file name."""
    d = _load(ApiClaimDetail, body, "claim detail")
    if d.ref != ref:
        raise LayoutChanged("the claim detail answer is for another claim than the one opened")
    words = _words(d.status)
    lines = []
    for line in d.lines:
        lines.append(ClaimLine(
            line_number=line.line_number,
            procedure_code=procedure(line.procedure_code, "procedure"),
            modifiers=list(line.modifiers), units=Decimal(line.units),
            service_date=line.service_date, billed=_amount(line.billed_cents),
            allowed=None if line.allowed_cents is None else _amount(line.allowed_cents),
            paid=_amount(line.paid_cents),
            adjustments=[Adjustment(group=group(a.group, "adjustment group"),
                                    reason=carc(a.reason, "adjustment reason"),
                                    amount=_amount(a.amount_cents))
                         for a in line.adjustments]))
    if [line.line_number for line in lines] != list(range(1, len(lines) + 1)):
        raise LayoutChanged("the claim's lines are not numbered 1, 2, ...")
    claim = Claim(
        claim_number=d.claim_number,
        patient_account_number=d.patient_account_number,
        patient=Patient(member_id=d.patient.member_id, first_name=d.patient.first_name,
                        last_name=d.patient.last_name, date_of_birth=d.patient.birth_date),
        service_from=d.service_from, service_to=d.service_to,
        billing_provider=Provider(npi=d.billing_provider.npi, name=d.billing_provider.name),
        rendering_provider=None if d.rendering_provider is None else Provider(
            npi=d.rendering_provider.npi, name=d.rendering_provider.name),
        place_of_service=d.place_of_service,
        status=claim_status(words, d.status_date, "claim status"),
        billed=_amount(d.billed_cents),
        allowed=None if d.allowed_cents is None else _amount(d.allowed_cents),
        paid=_amount(d.paid_cents),
        patient_responsibility=_amount(d.patient_responsibility_cents),
        lines=lines,
        payments=[Payment(method=PaymentMethod(S.API_PAYMENT_METHODS[pay.method]),
                          number=pay.number, date=pay.date, amount=_amount(pay.amount_cents))
                  for pay in d.payments],
    )
    if d.eob is None:
        return ReadClaim(claim, None)
    if d.eob.url != f"{S.CLAIM_API_PREFIX}{ref}{S.EOB_API_SUFFIX}":
        raise LayoutChanged("the EOB is offered at an unknown address")
    return ReadClaim(claim, eob_filename(d.eob.filename, "EOB file name"))
