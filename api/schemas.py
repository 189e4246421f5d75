"""Request bodies and the explicit "Public" response models of the API.

Responses are always built from these models, never from table rows, so no ``*_enc``
column (portal passwords, TOTP seeds, saved sessions) can reach a response.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from portals.model import EligibilityRequest, EligibilityResult

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
        from bots.registry import registry

        if value not in registry:
            raise ValueError(
                f"unknown carrier {value!r}; known carriers: {', '.join(registry.names())}"
            )
        return value

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
    member_id: str
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


class AuditPublic(BaseModel):
    id: int
    at: UtcDatetime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: str | None


class HealthPublic(BaseModel):
    status: str
    database: str
    redis: str
    carriers: list[str]
