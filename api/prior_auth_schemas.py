"""Request bodies and "Public" models of /v1/prior-auths.

:class:`PriorAuthCreate` is the ``request`` part of the multipart POST (the clinical
documents come as ``files`` parts beside it) and what the web form is parsed into; both
go through :func:`api.prior_auth_services.submit_prior_auth`. The "Public" models are the
only shapes a request leaves the server in (built by :mod:`api.prior_auth_views`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from api.schemas import (
    EARLIEST_BIRTH_DATE,
    DocumentLink,
    IsoDate,
    PersonName,
    UtcDatetime,
    carrier_serving,
)
from portals.jobs import Capability
from portals.prior_auth import (
    ApprovedService,
    Icd10Code,
    Modifier,
    Provider,
    ServiceRequest,
    Urgency,
)
from storage.prior_auths import Listing, Resolution

MAX_DIAGNOSES = 12
MAX_SERVICES = 10
PAST_SERVICE_DAYS = 366
"""A retrospective request reaches back a year at most."""
FUTURE_SERVICE_DAYS = 2 * 366
MAX_RANGE_DAYS = 366
"""As :class:`portals.prior_auth.PriorAuthRequest` takes it."""

MemberId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3,
                                            max_length=30, pattern=r"^[A-Za-z0-9-]+$")]
def _npi_check_digit(value: str) -> str:
    """The CMS rule every NPI keeps: its last digit is the Luhn check digit over the
    prefix 80840 and the first nine."""
    total = 0
    for position, digit in enumerate(reversed("80840" + value[:9])):
        doubled = int(digit) * (2 if position % 2 == 0 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    if (10 - total % 10) % 10 != int(value[9]):
        raise ValueError("is not a valid NPI (its check digit is wrong)")
    return value


Npi = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{10}$"),
                AfterValidator(_npi_check_digit)]
ProcedureCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                                 pattern=r"^[A-Z0-9]{5}$")]
PlaceOfService = Annotated[str, StringConstraints(strip_whitespace=True,
                                                  pattern=r"^\d{2}$")]


def _birth_date(value: dt.date) -> dt.date:
    if value < EARLIEST_BIRTH_DATE:
        raise ValueError("must be on or after 1900-01-01")
    if value > dt.date.today():
        raise ValueError("must not be in the future")
    return value


def _service_date(value: dt.date) -> dt.date:
    today = dt.date.today()
    if value < today - dt.timedelta(days=PAST_SERVICE_DAYS):
        raise ValueError("must be within a year before today")
    if value > today + dt.timedelta(days=FUTURE_SERVICE_DAYS):
        raise ValueError("must be within two years from today")
    return value


class ProviderIn(BaseModel):
    """A requesting or servicing provider: NPI and name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    npi: Npi = Field(description="The 10-digit National Provider Identifier.")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=80)]


class ServiceIn(BaseModel):
    """One requested service: CPT/HCPCS code, up to four modifiers, units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    units: int = Field(ge=1, le=999)


class PriorAuthCreate(BaseModel):
    """The ``request`` part of POST /v1/prior-auths (JSON), and the web form once parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="A registered carrier whose portal takes prior-authorization requests.")
    member_id: MemberId = Field(description="Subscriber or member ID as printed on the card.")
    date_of_birth: Annotated[IsoDate, AfterValidator(_birth_date)]
    last_name: PersonName
    first_name: PersonName
    requesting_provider: ProviderIn
    servicing_provider: ProviderIn
    diagnosis_codes: list[Icd10Code] = Field(min_length=1, max_length=MAX_DIAGNOSES,
                                             description="ICD-10-CM codes.")
    services: list[ServiceIn] = Field(min_length=1, max_length=MAX_SERVICES)
    service_from: Annotated[IsoDate, AfterValidator(_service_date)]
    service_to: Annotated[IsoDate, AfterValidator(_service_date)]
    place_of_service: PlaceOfService = Field(description="CMS place of service code, "
                                             "two digits (11 office, 22 outpatient).")
    urgency: Urgency = Urgency.STANDARD
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=800)] = ""

    @field_validator("carrier")
    @classmethod
    def _serves_prior_auth(cls, value: str) -> str:
        return carrier_serving(value, Capability.PRIOR_AUTH)

    @field_validator("diagnosis_codes")
    @classmethod
    def _distinct_diagnoses(cls, value: list[str]) -> list[str]:
        if len({code.replace(".", "") for code in value}) != len(value):
            raise ValueError("a diagnosis code is listed twice")
        return value

    @field_validator("service_to")
    @classmethod
    def _range(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("service_from")
        if start is not None and value < start:
            raise ValueError("is before service_from")
        if start is not None and (value - start).days > MAX_RANGE_DAYS:
            raise ValueError(f"a service date range spans at most {MAX_RANGE_DAYS} days")
        return value

    def to_fields(self) -> dict[str, Any]:
        """The fields :func:`storage.prior_auths.create` takes (JSON-ready, so that the
        same request always gives the same fingerprint)."""
        return self.model_dump(mode="json")


class PriorAuthAccepted(BaseModel):
    id: str
    tracking_ref: str
    state: str
    job_id: str | None


class DecisionPublic(BaseModel):
    """The payer's answer: the 278 HCR01 code, its meaning, and the portal's own words."""

    action: str
    meaning: str
    decided: bool
    portal_status: str
    authorization_number: str | None = None
    approved_from: dt.date | None = None
    approved_to: dt.date | None = None
    approved_services: list[ApprovedService] = Field(default_factory=list)
    reason: str | None = None
    decided_on: dt.date | None = None


class PriorAuthSummary(BaseModel):
    id: str
    tracking_ref: str
    carrier: str
    member_id: str
    last_name: str
    first_name: str
    urgency: str
    state: str
    procedure_codes: list[str]
    reference_number: str | None
    decision: DecisionPublic | None
    submitted_at: UtcDatetime | None
    due_at: UtcDatetime | None
    overdue: bool
    message: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class PriorAuthList(BaseModel):
    items: list[PriorAuthSummary]
    status: Listing
    limit: int
    offset: int


class PriorAuthFields(BaseModel):
    """The request as it was stored (and submitted)."""

    date_of_birth: dt.date
    requesting_provider: Provider
    servicing_provider: Provider
    diagnosis_codes: list[str]
    services: list[ServiceRequest]
    service_from: dt.date
    service_to: dt.date
    place_of_service: str
    urgency: Urgency
    note: str


class AttachedDocument(BaseModel):
    """A clinical document staff attached (its type read from its content)."""

    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class TimelineEntry(BaseModel):
    at: UtcDatetime
    event: str
    action: str | None
    meaning: str | None
    portal_status: str | None
    actor: str | None
    detail: str | None
    job_id: str | None


class PriorAuthJobPublic(BaseModel):
    id: str
    kind: str
    status: str
    message: str | None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None


class PriorAuthPublic(PriorAuthSummary):
    request: PriorAuthFields
    documents: list[AttachedDocument]
    letters: list[DocumentLink] = Field(
        description="Confirmation and decision letters the bots downloaded from the portal.")
    timeline: list[TimelineEntry]
    jobs: list[PriorAuthJobPublic]
    created_by: str
    resolution: str | None
    resolved_by: str | None
    resolved_at: UtcDatetime | None
    last_checked_at: UtcDatetime | None


class ResolveRequest(BaseModel):
    """A person's decision on a request whose outcome is unknown, or that failed."""

    model_config = ConfigDict(extra="forbid")

    resolution: Resolution = Field(description="resubmit (a new submission, which still "
                                   "looks in the portal first) or close.")
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=400)]


class JobAccepted(BaseModel):
    """A job queued for a request (a status read, or a resubmission)."""

    prior_auth_id: str
    state: str
    job_id: str | None
    job_status: str | None
