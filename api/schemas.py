"""Request bodies and the explicit "Public" response models of the API.

Responses are always built from these models, never from table rows, so no ``*_enc``
column (portal passwords, TOTP seeds, saved sessions) can reach a response.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from portals.claims import MAX_SEARCH_DAYS, ClaimResult, ClaimSearchRequest
from portals.jobs import Capability
from portals.model import EligibilityRequest, EligibilityResult

ResourceId = Annotated[str, Path(description="A resource's id (32 hex digits); anything "
                                "else is a 404.")]
"""A string id in a path. Not refused with a 422: an id that cannot be one names nothing
(404, as clients were told)."""
AccountId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A portal account's id.")]
"""An INTEGER column: ids past 2^31-1 cannot exist, and PostgreSQL refuses to compare."""

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME_PUNCTUATION = frozenset(" '-.,")
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
MAX_SERVICE_CODES = 50


def _iso_date_only(value: Any) -> Any:
    """Dates as ``YYYY-MM-DD`` strings only: no timestamps, no numbers."""
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError("must be a date written YYYY-MM-DD")


def _person_name(value: str) -> str:
    if not all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in value):
        raise ValueError("may hold letters, spaces, apostrophes, hyphens and periods only")
    if not any(ch.isalpha() for ch in value):
        raise ValueError("must hold at least one letter")
    return value


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Stored times are naive UTC; say so in responses."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    AfterValidator(_person_name),
]
ServiceCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4,7}$")]
UtcDatetime = Annotated[dt.datetime, AfterValidator(_as_utc)]


class CheckCreate(BaseModel):
    """The body of POST /v1/eligibility-checks (and of the web form, once parsed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="A registered carrier's name (GET /v1/health lists them)."
    )
    member_id: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=30,
                          pattern=r"^[A-Za-z0-9-]+$"),
    ] = Field(description="Subscriber or member ID as printed on the card.")
    date_of_birth: IsoDate
    last_name: PersonName
    first_name: PersonName | None = None
    service_date: IsoDate | None = None
    service_codes: list[ServiceCode] = Field(
        default_factory=list, max_length=MAX_SERVICE_CODES,
        description="CPT/HCPCS/CDT codes to check for prior authorization.",
    )

    @field_validator("carrier")
    @classmethod
    def _known_carrier(cls, value: str) -> str:
        return carrier_serving(value, Capability.ELIGIBILITY)

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: dt.date) -> dt.date:
        if value < EARLIEST_BIRTH_DATE:
            raise ValueError("must be on or after 1900-01-01")
        if value > dt.date.today():
            raise ValueError("must not be in the future")
        return value

    @field_validator("service_date")
    @classmethod
    def _plausible_service_date(cls, value: dt.date | None) -> dt.date | None:
        if value is None:
            return value
        if value < EARLIEST_BIRTH_DATE:
            raise ValueError("must be on or after 1900-01-01")
        if value > dt.date.today() + dt.timedelta(days=2 * 366):
            raise ValueError("must be within two years from today")
        return value

    def to_request(self) -> EligibilityRequest:
        return EligibilityRequest(**self.model_dump())


def carrier_serving(value: str, capability: Capability) -> str:
    """A registered carrier whose bot serves ``capability``, or a ValueError naming both."""
    from bots.registry import registry

    if value not in registry:
        raise ValueError(
            f"unknown carrier {value!r}; known carriers: {', '.join(registry.names())}")
    bot = registry.get(value)
    if capability not in bot.capabilities:
        serving = [name for name in registry.names()
                   if capability in registry.get(name).capabilities]
        raise ValueError(
            f"carrier {value!r} ({bot.display_name}) does not offer {capability.value!r} on "
            f"its portal; carriers that do: {', '.join(serving) or 'none'}")
    return value


def _valid_birth_date(value: dt.date) -> dt.date:
    if value < EARLIEST_BIRTH_DATE:
        raise ValueError("must be on or after 1900-01-01")
    if value > dt.date.today():
        raise ValueError("must not be in the future")
    return value


def _past_service_date(value: dt.date | None) -> dt.date | None:
    if value is None:
        return value
    if value < EARLIEST_BIRTH_DATE:
        raise ValueError("must be on or after 1900-01-01")
    if value > dt.date.today() + dt.timedelta(days=1):
        raise ValueError("must not be in the future (claims are for services given)")
    return value


class ClaimCheckCreate(BaseModel):
    """The body of POST /v1/claim-status-checks: whose claims, and which ones — one payer
    claim number, or a date-of-service range (the bot splits a range its portal cannot
    search in one go)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="A registered carrier whose portal offers claims.")
    member_id: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=30,
                          pattern=r"^[A-Za-z0-9-]+$"),
    ] = Field(description="Subscriber or member ID as printed on the card.")
    date_of_birth: Annotated[IsoDate, AfterValidator(_valid_birth_date)]
    last_name: PersonName
    first_name: PersonName | None = None
    claim_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=4, max_length=30,
                               pattern=r"^[A-Za-z0-9-]+$")
    ] | None = Field(default=None, description="The payer's claim number.")
    service_from: Annotated[IsoDate, AfterValidator(_past_service_date)] | None = Field(
        default=None, validate_default=True,
        description="First date of service to search (with service_to, without claim_number).")
    service_to: Annotated[IsoDate, AfterValidator(_past_service_date)] | None = Field(
        default=None, validate_default=True,
        description=f"Last date of service to search; at most {MAX_SEARCH_DAYS} days after "
        "service_from.")

    @field_validator("carrier")
    @classmethod
    def _serves_claims(cls, value: str) -> str:
        return carrier_serving(value, Capability.CLAIMS)

    @field_validator("service_from", "service_to")
    @classmethod
    def _one_way_to_search(cls, value: dt.date | None, info: ValidationInfo
                           ) -> dt.date | None:
        by_number = info.data.get("claim_number") is not None
        if by_number and value is not None:
            raise ValueError("give claim_number or a date-of-service range, not both")
        if not by_number and value is None:
            raise ValueError("required when no claim_number is given")
        start = info.data.get("service_from")
        if info.field_name == "service_to" and value is not None and start is not None:
            if value < start:
                raise ValueError("is before service_from")
            if (value - start).days > MAX_SEARCH_DAYS:
                raise ValueError(f"a date-of-service range spans at most {MAX_SEARCH_DAYS} "
                                 "days")
        return value

    def to_request(self) -> ClaimSearchRequest:
        return ClaimSearchRequest(**self.model_dump())


class CheckAccepted(BaseModel):
    id: str
    status: str


class ArtifactPublic(BaseModel):
    id: str
    kind: str
    filename: str
    content_type: str
    size: int
    created_at: UtcDatetime
    url: str


class RunPublic(BaseModel):
    id: str
    job_id: str
    check_id: str = Field(description="The job's id (kept for clients of the first API).")
    carrier: str
    attempt: int
    status: str
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    error_type: str | None
    error_message: str | None
    resolved: bool = False
    resolved_by: str | None = None
    resolved_at: UtcDatetime | None = None
    resolution_note: str | None = None
    artifacts: list[ArtifactPublic] = Field(default_factory=list)


class CheckSummary(BaseModel):
    id: str
    status: str
    carrier: str
    member_id: str | None = Field(description="None for a kind with no patient (a "
                                  "library collection).")
    created_at: UtcDatetime
    updated_at: UtcDatetime
    finished_at: UtcDatetime | None
    message: str | None


class DocumentLink(BaseModel):
    """A document kept with the result (e.g. a benefit summary PDF) and where to fetch it."""

    id: str
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class CheckPublic(CheckSummary):
    last_name: str
    first_name: str | None
    date_of_birth: dt.date
    service_date: dt.date | None
    service_codes: list[str]
    attempts: int
    result: EligibilityResult | None
    documents: list[DocumentLink] = []
    runs: list[RunPublic]


class ClaimCheckPublic(CheckSummary):
    """A claim-status check with its claims (empty: no claims found), runs and documents."""

    kind: str = "claim_status"
    last_name: str
    first_name: str | None
    date_of_birth: dt.date
    claim_number: str | None
    service_from: dt.date | None
    service_to: dt.date | None
    attempts: int
    result: ClaimResult | None
    documents: list[DocumentLink] = []
    runs: list[RunPublic]


class CheckList(BaseModel):
    items: list[CheckSummary]
    limit: int
    offset: int


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=400)]


class AccountPublic(BaseModel):
    """A carrier portal account as staff may see it: never a username or a secret."""

    id: int
    carrier: str
    label: str
    status: str
    flag_reason: str | None
    flagged_at: UtcDatetime | None
    has_saved_session: bool
    session_saved_at: UtcDatetime | None
    created_at: UtcDatetime


class HealthPublic(BaseModel):
    status: str
    database: str
    redis: str
    carriers: list[str]
