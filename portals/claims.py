"""The normalized claim-status and payment model every carrier bot returns for claims.

It speaks X12 277 (claim status: STC category and status codes) and 835 (remittance:
CLP amounts, CAS adjustments as group code + CARC, LQ remark codes, BPR payment) and keeps
their codes, with the portal's own words beside them. The code lists and their meanings
are in :mod:`portals.x12codes`.

Money is ``Decimal``; dates are dates. :func:`balance_problems` is the 835 balancing rule
(billed minus all adjustments equals paid, for every line and for the claim), applied to
every claim before it is stored: a misread column shows up there, never in the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from portals.model import Document, MemberId, Patient, PersonName

ZERO = Decimal("0.00")

ClaimNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4,
                                               max_length=30, pattern=r"^[A-Za-z0-9-]+$")]
Npi = Annotated[str, StringConstraints(pattern=r"^\d{10}$")]
CarcCode = Annotated[str, StringConstraints(pattern=r"^(\d{1,3}|[A-Z]\d{1,2})$")]
RarcCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}\d{1,4}$")]
ProcedureCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{5}$")]

MAX_SEARCH_DAYS = 731
"""A date-of-service search covers at most two years (the bot splits it as the portal
needs)."""


class ClaimStatusCategory(StrEnum):
    """277 STC01-1 (code source 507): the first letter says where the claim stands."""

    FORWARDED = "A0"
    RECEIVED = "A1"
    ACCEPTED = "A2"
    RETURNED_UNPROCESSABLE = "A3"
    NOT_FOUND = "A4"
    REJECTED_MISSING = "A6"
    REJECTED_INVALID = "A7"
    REJECTED_RELATIONAL = "A8"
    PENDING = "P0"
    IN_PROCESS = "P1"
    PAYER_REVIEW = "P2"
    PENDING_PROVIDER_INFO = "P3"
    PENDING_PATIENT_INFO = "P4"
    ADMINISTRATIVE_HOLD = "P5"
    FINALIZED = "F0"
    PAID = "F1"
    DENIED = "F2"
    REVISED = "F3"
    NO_PAYMENT = "F4"
    INFO_REQUESTED = "R0"
    DOCUMENTATION_REQUESTED = "R4"
    ERROR = "E0"

    @property
    def finalized(self) -> bool:
        """Adjudicated: amounts, adjustments and payments are final (F*)."""
        return self.value.startswith("F")


class AdjustmentGroup(StrEnum):
    """835 CAS01."""

    CONTRACTUAL = "CO"
    PATIENT_RESPONSIBILITY = "PR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    CORRECTION = "CR"


class PaymentMethod(StrEnum):
    """835 BPR04."""

    CHECK = "CHK"
    EFT = "ACH"
    NONE = "NON"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provider(_Frozen):
    npi: Npi
    name: str | None = None


class Adjustment(_Frozen):
    """One 835 CAS amount: who bears it (group), why (CARC) and, where shown, a RARC."""

    group: AdjustmentGroup
    reason: CarcCode
    amount: Decimal
    remark: RarcCode | None = None


class ClaimStatus(_Frozen):
    """277 STC: category and status code, the portal's own words, and the status date."""

    category: ClaimStatusCategory
    code: str | None = Field(default=None, description="STC01-2 (code source 508).")
    portal_text: str = Field(description="The status as the portal words it.")
    date: dt.date


class ClaimLine(_Frozen):
    """One service line (835 SVC): procedure, amounts and the adjustments between them."""

    line_number: int = Field(ge=1)
    procedure_code: ProcedureCode
    modifiers: list[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2}$")]] = Field(
        default_factory=list, max_length=4)
    units: Decimal = Field(gt=0)
    service_date: dt.date
    billed: Decimal
    allowed: Decimal | None = None
    paid: Decimal = ZERO
    adjustments: list[Adjustment] = Field(default_factory=list)
    tooth: str | None = Field(default=None, description="Dental: tooth number or letter.")
    surfaces: str | None = Field(default=None, description="Dental: surfaces, e.g. 'MO'.")


class Payment(_Frozen):
    """A payment on the claim (835 BPR/TRN): check or EFT number, date and amount."""

    method: PaymentMethod
    number: str = Field(min_length=1, max_length=40)
    date: dt.date
    amount: Decimal


class Claim(_Frozen):
    claim_number: ClaimNumber
    patient_account_number: str | None = None
    patient: Patient
    service_from: dt.date
    service_to: dt.date
    billing_provider: Provider
    rendering_provider: Provider | None = None
    place_of_service: Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
    status: ClaimStatus
    billed: Decimal
    allowed: Decimal | None = None
    paid: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    lines: list[ClaimLine] = Field(min_length=1)
    payments: list[Payment] = Field(default_factory=list)

    @property
    def adjustments(self) -> list[Adjustment]:
        return [adj for line in self.lines for adj in line.adjustments]


class ClaimSearchRequest(_Frozen):
    """Whose claims, and which: one payer claim number, or a date-of-service range.

    The patient is always given, so every claim read can be proven to be theirs.
    """

    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    member_id: MemberId
    date_of_birth: dt.date
    last_name: PersonName
    first_name: PersonName | None = None
    claim_number: ClaimNumber | None = None
    service_from: dt.date | None = None
    service_to: dt.date | None = None

    @model_validator(mode="after")
    def _one_way_to_search(self) -> ClaimSearchRequest:
        ranged = self.service_from is not None or self.service_to is not None
        if self.claim_number is not None and ranged:
            raise ValueError("give a claim number or a date-of-service range, not both")
        if self.claim_number is None:
            if self.service_from is None or self.service_to is None:
                raise ValueError("give a claim number, or both service_from and service_to")
            if self.service_to < self.service_from:
                raise ValueError("service_to is before service_from")
            if (self.service_to - self.service_from).days > MAX_SEARCH_DAYS:
                raise ValueError(f"a date-of-service range spans at most {MAX_SEARCH_DAYS} "
                                 "days")
        return self

    def covers(self, claim: Claim) -> bool:
        """Whether ``claim`` is one this search asked for."""
        if self.claim_number is not None:
            return claim.claim_number.upper() == self.claim_number.upper()
        assert self.service_from is not None and self.service_to is not None
        return claim.service_from <= self.service_to and claim.service_to >= self.service_from


class ClaimResult(_Frozen):
    """The claims a portal shows for one search; an empty list is "no claims found"."""

    carrier: str
    claims: list[Claim] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)

    def canonical(self) -> dict[str, object]:
        """A comparable form: claims by number, their lists in a stable order."""
        data = self.model_dump(mode="json")
        data["claims"] = sorted(data["claims"], key=lambda c: str(c["claim_number"]))
        data["documents"] = sorted(data["documents"], key=lambda d: str(d["filename"]))
        return data


def balance_problems(claim: Claim) -> list[str]:
    """Everywhere ``claim`` breaks the 835 balancing rules (empty when it balances).

    * billed (and, when shown, allowed) of the claim is the sum of its lines';
    * a finalized (adjudicated) claim: every line's billed minus its adjustments equals its
      paid; the claim's paid is the lines' sum and equals billed minus all adjustments;
      patient responsibility is the sum of PR adjustments; payments add up to paid;
    * a claim not yet finalized has paid nothing and carries no adjustments, patient
      responsibility or payments.
    """
    problems: list[str] = []
    billed = sum((line.billed for line in claim.lines), ZERO)
    if billed != claim.billed:
        problems.append(f"claim billed {claim.billed} is not the lines' {billed}")
    if claim.allowed is not None:
        lines_allowed = [line.allowed for line in claim.lines]
        if any(a is None for a in lines_allowed) or \
                sum((a for a in lines_allowed if a is not None), ZERO) != claim.allowed:
            problems.append(f"claim allowed {claim.allowed} is not the lines' allowed")
    if not claim.status.category.finalized:
        if claim.paid or claim.patient_responsibility or claim.adjustments or claim.payments \
                or any(line.paid for line in claim.lines):
            problems.append(f"a claim in status {claim.status.category} shows payments or "
                            "adjustments")
        return problems
    for line in claim.lines:
        adjusted = sum((a.amount for a in line.adjustments), ZERO)
        if line.billed - adjusted != line.paid:
            problems.append(f"line {line.line_number}: billed {line.billed} minus adjustments "
                            f"{adjusted} is not paid {line.paid}")
    paid = sum((line.paid for line in claim.lines), ZERO)
    adjusted = sum((a.amount for a in claim.adjustments), ZERO)
    patient = sum((a.amount for a in claim.adjustments
                   if a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY), ZERO)
    if paid != claim.paid:
        problems.append(f"claim paid {claim.paid} is not the lines' {paid}")
    if claim.billed - adjusted != claim.paid:
        problems.append(f"claim billed {claim.billed} minus adjustments {adjusted} is not "
                        f"paid {claim.paid}")
    if patient != claim.patient_responsibility:
        problems.append(f"patient responsibility {claim.patient_responsibility} is not the "
                        f"PR adjustments' {patient}")
    paid_out = sum((p.amount for p in claim.payments), ZERO)
    if paid_out != claim.paid:
        problems.append(f"payments {paid_out} are not claim paid {claim.paid}")
    return problems
