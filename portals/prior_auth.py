"""The normalized prior-authorization model every carrier bot speaks, on X12 278 concepts.

A :class:`PriorAuthRequest` is what staff ask for (278 request: patient, requesting and
servicing provider, ICD-10 diagnoses, procedures with units and modifiers, service dates,
place of service, urgency, a note and the clinical documents). It carries our own
``tracking_ref``, which the bot writes into the portal's note field: with it a submission
the portal already has is found again instead of being made twice.

A :class:`PriorAuthCase` is what a portal shows of one submitted request: its reference
number, when it was received, the files the portal lists, and its
:class:`PriorAuthDecision` (278 response: the certification action HCR01 beside the
portal's own words, authorization number, approved units and dates, the reason).

:func:`case_problems` checks a case against the request it answers; bots call it and the
runner calls it again before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from portals.claims import Npi, ProcedureCode
from portals.model import Document, MemberId, Patient, PersonName

TRACKING_REF = re.compile(r"PA-[0-9A-Z]{10}")
"""Our own reference for a request, as written into the portal's note field."""

TrackingRef = Annotated[str, StringConstraints(pattern=rf"^{TRACKING_REF.pattern}$")]
Icd10Code = Annotated[str, StringConstraints(
    strip_whitespace=True, to_upper=True,
    pattern=r"^[A-TV-Z][0-9][0-9AB](\.?[0-9A-TV-Z]{1,4})?$")]
"""An ICD-10-CM code, with or without its dot (``M54.50``, ``E119``)."""
Modifier = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Z0-9]{2}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
FileName = Annotated[str, StringConstraints(
    min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$")]
"""A file name as portals take it: no path, no control characters, no quotes."""

DOCUMENT_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/tiff": "TIFF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}
"""The clinical document types any carrier takes (each carrier takes a subset)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Urgency(StrEnum):
    """278 UM06 level of service: standard, or expedited (urgent care)."""

    STANDARD = "standard"
    EXPEDITED = "expedited"

    @property
    def decision_due(self) -> dt.timedelta:
        """How long the payer has to decide (CMS-0057-F: 72 hours expedited, 7 days)."""
        return dt.timedelta(hours=72) if self is Urgency.EXPEDITED else dt.timedelta(days=7)


class CertificationAction(StrEnum):
    """278 HCR01: the payer's action on the request."""

    CERTIFIED = "A1"
    PARTIAL = "A2"
    NOT_CERTIFIED = "A3"
    PENDED = "A4"
    MODIFIED = "A6"
    CANCELLED = "C"
    CONTACT_PAYER = "CT"

    @property
    def decided(self) -> bool:
        """A final decision; pended and "contact payer" (more information wanted) are open."""
        return self not in (CertificationAction.PENDED, CertificationAction.CONTACT_PAYER)

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    CertificationAction.CERTIFIED: "Certified in total",
    CertificationAction.PARTIAL: "Certified, partial",
    CertificationAction.NOT_CERTIFIED: "Not certified",
    CertificationAction.PENDED: "Pended",
    CertificationAction.MODIFIED: "Modified",
    CertificationAction.CANCELLED: "Cancelled",
    CertificationAction.CONTACT_PAYER: "Contact payer (more information requested)",
}


class Provider(_Frozen):
    """A requesting or servicing provider (278 loop 2010B / 2010F)."""

    npi: Npi
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=80)]


class ServiceRequest(_Frozen):
    """One requested service (278 SV1/SV2): procedure, modifiers and units."""

    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    units: int = Field(ge=1, le=999)


class RequestDocument(_Frozen):
    """A clinical document attached to a request, as we stored it (type from content)."""

    document_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    filename: FileName
    content_type: Literal["application/pdf", "image/tiff", "image/png", "image/jpeg"]
    size: int = Field(gt=0)
    sha256: Sha256


class PriorAuthRequest(_Frozen):
    """A request for prior authorization (what the submit job sends to the portal)."""

    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    tracking_ref: TrackingRef
    member_id: MemberId
    date_of_birth: dt.date
    last_name: PersonName
    first_name: PersonName
    requesting_provider: Provider
    servicing_provider: Provider
    diagnosis_codes: list[Icd10Code] = Field(min_length=1, max_length=12)
    services: list[ServiceRequest] = Field(min_length=1, max_length=10)
    service_from: dt.date
    service_to: dt.date
    place_of_service: Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
    urgency: Urgency = Urgency.STANDARD
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=800)] = ""
    documents: list[RequestDocument] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> PriorAuthRequest:
        if self.service_to < self.service_from:
            raise ValueError("service_to is before service_from")
        if (self.service_to - self.service_from).days > 366:
            raise ValueError("a service date range spans at most a year")
        names = [d.filename.casefold() for d in self.documents]
        if len(set(names)) != len(names):
            raise ValueError("two documents have the same file name")
        if len({d.sha256 for d in self.documents}) != len(self.documents):
            raise ValueError("the same file is attached twice")
        return self

    def portal_note(self) -> str:
        """The note as the bot types it: the tracking reference first, then staff's note."""
        return f"Ref {self.tracking_ref}" + (f" - {self.note}" if self.note else "")

    @property
    def procedure_codes(self) -> list[str]:
        return [s.procedure_code for s in self.services]


class PriorAuthStatusRequest(_Frozen):
    """Read the current decision of a request the portal has (the status job)."""

    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    tracking_ref: TrackingRef
    reference_number: Annotated[str, StringConstraints(min_length=3, max_length=40,
                                                       pattern=r"^[A-Za-z0-9-]+$")]
    member_id: MemberId
    date_of_birth: dt.date
    last_name: PersonName
    first_name: PersonName


class ApprovedService(_Frozen):
    procedure_code: ProcedureCode
    units: int = Field(ge=0)


class PriorAuthDecision(_Frozen):
    """Where a request stands: 278 HCR with the portal's own words beside the code."""

    action: CertificationAction
    portal_status: str = Field(min_length=1, max_length=120,
                               description="The status as the portal words it.")
    authorization_number: str | None = Field(default=None, max_length=40)
    approved_from: dt.date | None = None
    approved_to: dt.date | None = None
    approved_services: list[ApprovedService] = Field(default_factory=list)
    reason: str | None = Field(default=None, max_length=500,
                               description="Why denied, changed or pended, as the portal "
                               "words it.")
    decided_on: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PriorAuthDecision:
        approving = self.action in (CertificationAction.CERTIFIED, CertificationAction.PARTIAL,
                                    CertificationAction.MODIFIED)
        if approving and not self.authorization_number:
            raise ValueError(f"an {self.action.meaning.lower()} decision has an "
                             "authorization number")
        if (self.approved_from is None) != (self.approved_to is None):
            raise ValueError("approved dates come as a pair")
        if self.approved_from and self.approved_to and self.approved_to < self.approved_from:
            raise ValueError("approved_to is before approved_from")
        return self


class PortalFile(_Frozen):
    """A file as the portal lists it on the request."""

    name: str
    size: int = Field(ge=0)


class PriorAuthCase(_Frozen):
    """One request as the portal shows it (after submitting it, or reading it again)."""

    carrier: str
    patient: Patient
    reference_number: str = Field(min_length=3, max_length=40)
    tracking_ref: TrackingRef | None = Field(
        default=None, description="Our reference, read back from the portal's note.")
    submitted_at: dt.datetime = Field(description="When the portal received it (aware).")
    urgency: Urgency
    procedure_codes: list[str] = Field(min_length=1)
    service_from: dt.date
    service_to: dt.date
    files: list[PortalFile] = Field(default_factory=list)
    decision: PriorAuthDecision
    found_existing: bool = Field(
        default=False, description="Found in the portal's list of submitted requests (an "
        "earlier run had submitted it), not submitted by this run.")
    documents: list[Document] = Field(default_factory=list,
                                      description="Confirmation or decision letter PDFs.")

    @model_validator(mode="after")
    def _aware(self) -> PriorAuthCase:
        if self.submitted_at.tzinfo is None:
            raise ValueError("submitted_at has no time zone")
        return self


def missing_files(documents: list[RequestDocument], listed: list[PortalFile]
                  ) -> list[str]:
    """What is wrong with the portal's file list for these documents: one line per file
    missing or listed with another size (empty: every file is there, as sent)."""
    problems: list[str] = []
    shown: dict[str, list[int]] = {}
    for file in listed:
        shown.setdefault(file.name.casefold(), []).append(file.size)
    for document in documents:
        sizes = shown.get(document.filename.casefold())
        if not sizes:
            problems.append(f"{document.filename}: not listed by the portal")
        elif document.size not in sizes:
            problems.append(f"{document.filename}: listed with {sizes[0]} bytes, sent "
                            f"{document.size}")
    return problems


def case_problems(request: PriorAuthRequest | PriorAuthStatusRequest, case: PriorAuthCase
                  ) -> list[str]:
    """Why ``case`` cannot be the answer to ``request`` (empty: it can).

    The patient is checked by :func:`bots.parsing.verify_patient` beforehand; here: the
    request's own reference, its reference number, its services and dates, and (for a
    submission) every document listed with its size.
    """
    problems: list[str] = []
    if case.carrier != request.carrier:
        problems.append(f"a {case.carrier} case answers a {request.carrier} request")
    if case.tracking_ref is not None and case.tracking_ref != request.tracking_ref:
        problems.append(f"the portal's request carries reference {case.tracking_ref}, not "
                        f"{request.tracking_ref}")
    if isinstance(request, PriorAuthStatusRequest):
        if case.reference_number.upper() != request.reference_number.upper():
            problems.append(f"the portal shows request {case.reference_number}, not "
                            f"{request.reference_number}")
        return problems
    if sorted(case.procedure_codes) != sorted(request.procedure_codes):
        problems.append("the portal's request has other procedure codes")
    if (case.service_from, case.service_to) != (request.service_from, request.service_to):
        problems.append("the portal's request has other service dates")
    problems += missing_files(request.documents, case.files)
    return problems


def overdue(urgency: Urgency, submitted_at: dt.datetime, decided: bool,
            now: dt.datetime) -> bool:
    """Whether a request still undecided is past the payer's deadline (72 h / 7 days)."""
    return not decided and now - submitted_at > urgency.decision_due


__all__ = [
    "DOCUMENT_TYPES", "TRACKING_REF", "ApprovedService", "CertificationAction", "FileName",
    "Icd10Code", "PortalFile", "PriorAuthCase", "PriorAuthDecision", "PriorAuthRequest",
    "PriorAuthStatusRequest", "Provider", "RequestDocument", "ServiceRequest", "Urgency",
    "case_problems", "missing_files", "overdue",
]
