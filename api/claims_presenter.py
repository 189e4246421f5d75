"""A ClaimResult as a billing person reads it: status in words with its date, amounts as
money, each line's procedure, each adjustment's reason in words (group + CARC + RARC),
payments, the remittance documents of each claim, and what the patient owes in total.

Codes the lists in :mod:`portals.x12codes` don't know are shown as the code alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from api.presenters import money
from api.schemas import DocumentLink
from portals import x12codes
from portals.claims import (
    ZERO,
    Adjustment,
    AdjustmentGroup,
    Claim,
    ClaimLine,
    ClaimResult,
    ClaimStatusCategory,
    Payment,
    Provider,
)

DASH = " — "


@dataclass(frozen=True)
class AdjustmentView:
    testid: str
    group: str
    reason: str
    remark: str
    amount: str
    words: str
    """Group meaning — CARC: meaning — RARC: meaning."""
    patient: bool
    """Patient responsibility (the patient owes it)."""


@dataclass(frozen=True)
class LineView:
    testid: str
    number: int
    procedure: str
    modifiers: str
    tooth: str
    surfaces: str
    units: str
    service_date: str
    billed: str
    allowed: str
    paid: str
    adjustments: list[AdjustmentView]


@dataclass(frozen=True)
class PaymentView:
    testid: str
    method: str
    number: str
    date: str
    amount: str


@dataclass(frozen=True)
class ClaimView:
    testid: str
    number: str
    account_number: str
    patient: str
    dates: str
    billing_provider: str
    rendering_provider: str
    place_of_service: str
    status_text: str
    status_meaning: str
    status_date: str
    status_class: str
    finalized: bool
    denied: bool
    billed: str
    allowed: str
    paid: str
    patient_owes: str
    lines: list[LineView]
    payments: list[PaymentView]
    dental: bool
    documents: list[DocumentLink] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimsView:
    claims: list[ClaimView]
    count: int
    total_billed: str
    total_paid: str
    total_patient_owes: str
    pending: int
    """Claims not yet adjudicated: what the patient owes for them is not known yet."""
    documents: list[DocumentLink]


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _dates(claim: Claim) -> str:
    if claim.service_from == claim.service_to:
        return _date(claim.service_from)
    return f"{_date(claim.service_from)} to {_date(claim.service_to)}"


def _provider(provider: Provider | None) -> str:
    if provider is None:
        return ""
    return f"{provider.name} (NPI {provider.npi})" if provider.name else f"NPI {provider.npi}"


def _coded(table: dict[str, str], code: str) -> str:
    found = x12codes.meaning(table, code)
    return f"{code}: {found}" if found else code


def reason_words(adjustment: Adjustment) -> str:
    """E.g. "Contractual obligation (the provider writes it off) — 45: Charge exceeds fee
    schedule/maximum allowable — N130: Consult plan benefit documents ..."."""
    group = adjustment.group.value
    parts = [x12codes.meaning(x12codes.ADJUSTMENT_GROUPS, group) or f"Group {group}",
             _coded(x12codes.CARC, adjustment.reason)]
    if adjustment.remark:
        parts.append(_coded(x12codes.RARC, adjustment.remark))
    return DASH.join(parts)


def status_meaning(category: ClaimStatusCategory, code: str | None) -> str:
    parts = [_coded(x12codes.CLAIM_STATUS_CATEGORIES, category.value)]
    if code:
        parts.append(_coded(x12codes.CLAIM_STATUS_CODES, code))
    return DASH.join(parts)


def _status_class(category: ClaimStatusCategory) -> str:
    letter = category.value[0]
    if category is ClaimStatusCategory.DENIED:
        return "denied"
    if letter == "F":
        return "finalized"
    if letter in ("A", "E") and category not in (ClaimStatusCategory.RECEIVED,
                                                 ClaimStatusCategory.ACCEPTED,
                                                 ClaimStatusCategory.FORWARDED):
        return "rejected"
    if letter == "R":
        return "requested"
    return "pending"


def _adjustments(prefix: str, adjustments: Sequence[Adjustment]) -> list[AdjustmentView]:
    return [AdjustmentView(
        testid=f"{prefix}-adj-{index}", group=adj.group.value, reason=adj.reason,
        remark=adj.remark or "", amount=money(adj.amount), words=reason_words(adj),
        patient=adj.group is AdjustmentGroup.PATIENT_RESPONSIBILITY,
    ) for index, adj in enumerate(adjustments, start=1)]


def _line(prefix: str, line: ClaimLine) -> LineView:
    testid = f"{prefix}-line-{line.line_number}"
    return LineView(
        testid=testid, number=line.line_number, procedure=line.procedure_code,
        modifiers=", ".join(line.modifiers), tooth=line.tooth or "",
        surfaces=line.surfaces or "", units=f"{line.units.normalize():f}",
        service_date=_date(line.service_date), billed=money(line.billed),
        allowed=money(line.allowed), paid=money(line.paid),
        adjustments=_adjustments(testid, line.adjustments),
    )


def _payment(prefix: str, index: int, payment: Payment) -> PaymentView:
    method = payment.method.value
    return PaymentView(
        testid=f"{prefix}-payment-{index}",
        method=x12codes.meaning(x12codes.PAYMENT_METHODS, method) or method,
        number=payment.number, date=_date(payment.date), amount=money(payment.amount))


def _claim_documents(claim: Claim, documents: Sequence[DocumentLink]) -> list[DocumentLink]:
    """The documents whose file name carries this claim's number or one of its payments'
    (portals name remittances after one or the other)."""
    keys = [claim.claim_number.upper()] + [p.number.upper() for p in claim.payments]
    return [d for d in documents if any(key in d.filename.upper() for key in keys)]


def _claim(prefix: str, claim: Claim, documents: Sequence[DocumentLink]) -> ClaimView:
    category = claim.status.category
    return ClaimView(
        testid=prefix, number=claim.claim_number,
        account_number=claim.patient_account_number or "",
        patient=f"{claim.patient.first_name} {claim.patient.last_name}",
        dates=_dates(claim),
        billing_provider=_provider(claim.billing_provider),
        rendering_provider=_provider(claim.rendering_provider),
        place_of_service=_coded(x12codes.PLACES_OF_SERVICE, claim.place_of_service),
        status_text=claim.status.portal_text,
        status_meaning=status_meaning(category, claim.status.code),
        status_date=_date(claim.status.date), status_class=_status_class(category),
        finalized=category.finalized, denied=category is ClaimStatusCategory.DENIED,
        billed=money(claim.billed), allowed=money(claim.allowed), paid=money(claim.paid),
        patient_owes=money(claim.patient_responsibility) if category.finalized else "—",
        lines=[_line(prefix, line) for line in claim.lines],
        payments=[_payment(prefix, i, p) for i, p in enumerate(claim.payments, start=1)],
        dental=any(line.tooth or line.surfaces for line in claim.lines),
        documents=_claim_documents(claim, documents),
    )


def _total(values: Sequence[Decimal]) -> Decimal:
    return sum(values, ZERO)


def present_claims(result: ClaimResult, documents: Sequence[DocumentLink] = ()) -> ClaimsView:
    """Claims newest service first, as a billing person works through them."""
    claims = sorted(result.claims, key=lambda c: (c.service_from, c.claim_number),
                    reverse=True)
    seen: dict[str, int] = {}
    views = []
    for claim in claims:
        seen[claim.claim_number] = seen.get(claim.claim_number, 0) + 1
        prefix = f"claim-{claim.claim_number}"
        views.append(_claim(prefix if seen[claim.claim_number] == 1
                            else f"{prefix}-{seen[claim.claim_number]}", claim, documents))
    return ClaimsView(
        claims=views,
        count=len(claims),
        total_billed=money(_total([c.billed for c in claims])),
        total_paid=money(_total([c.paid for c in claims])),
        total_patient_owes=money(_total([c.patient_responsibility for c in claims
                                         if c.status.category.finalized])),
        pending=sum(1 for c in claims if not c.status.category.finalized),
        documents=list(documents),
    )
