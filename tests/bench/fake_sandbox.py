"""A sandbox carrier for browser-free tests of the bench: members and claims from the
shared claims generator (:mod:`fixtures.sandbox.core.claims`), eligibility from Meridian.
It serves no portal; the tests register it in the sandbox registry with monkeypatch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fixtures.sandbox.core.claims import ClaimStyle, claims_for, select
from fixtures.sandbox.expected import UnknownMemberError
from portals.claims import ClaimResult
from portals.model import EligibilityResult, Patient

CARRIER = "fakecare"
PATIENTS = tuple(
    Patient(member_id=f"FKC{n:06d}", first_name=f"Testa{chr(65 + n % 26)}",
            last_name="Fixture", date_of_birth=dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28))
    for n in range(40)
)


def members() -> list[dict[str, str]]:
    return [{"member_id": p.member_id, "date_of_birth": p.date_of_birth.isoformat(),
             "first_name": p.first_name, "last_name": p.last_name} for p in PATIENTS]


def expected(member_id: str) -> EligibilityResult:
    raise NotImplementedError("fakecare serves claims only")


def expected_claims(member_id: str, *, claim_number: str | None = None,
                    service_from: dt.date | None = None,
                    service_to: dt.date | None = None) -> ClaimResult:
    every = claims_for(CARRIER, PATIENTS, ClaimStyle(prefix="FK"))
    if member_id not in every:
        raise UnknownMemberError(member_id)
    return ClaimResult(carrier=CARRIER, claims=select(
        every[member_id], claim_number=claim_number, service_from=service_from,
        service_to=service_to))


def new_account(username: str, password: str) -> dict[str, Any]:
    return {"username": username, "password": password}
