"""Claim status & payments on the scoreboard: which searches are made for a member, and
what each must return.

Every member gets a search over the sandbox's whole claims history (:data:`FULL_FROM` to
:data:`FULL_TO`, 18 months); a stable sample of members with claims also gets a search
by the number of one of their claims (:func:`by_number`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from fixtures.sandbox.carriers import SandboxCarrier
from fixtures.sandbox.core.claims import CLAIMS_AS_OF, HISTORY_DAYS
from portals.claims import ClaimResult, ClaimSearchRequest

FULL_TO = CLAIMS_AS_OF
FULL_FROM = CLAIMS_AS_OF - dt.timedelta(days=HISTORY_DAYS + 1)
"""2025-04-30: the day before the oldest claim any sandbox member can have."""

NUMBER_SAMPLE_EVERY = 4
"""About one member in this many (by a stable hash) also searches by claim number."""


@dataclass(frozen=True)
class ClaimLookup:
    key: str
    """How the scoreboard names it: the member ID, plus ``#<claim number>``."""
    request: ClaimSearchRequest
    expected: ClaimResult


def stable_hash(*parts: str) -> int:
    """The same number for the same parts, in every process (unlike ``hash``)."""
    return int(hashlib.sha256(":".join(parts).encode()).hexdigest()[:12], 16)


def by_number(carrier: str, member_id: str, every: int = NUMBER_SAMPLE_EVERY) -> bool:
    """Whether the member is in the claim-number sample (``every=1``: everyone)."""
    return stable_hash(carrier, member_id) % every == 0


def lookups(truth: SandboxCarrier, member: dict[str, str], *, number_every: int
            = NUMBER_SAMPLE_EVERY) -> Iterator[ClaimLookup]:
    """The searches made for ``member`` and the truth each must equal."""
    carrier, member_id = truth.name, member["member_id"]
    who = {"carrier": carrier, "member_id": member_id,
           "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
           "first_name": member["first_name"]}
    everything = truth.expected_claims(member_id, service_from=FULL_FROM, service_to=FULL_TO)
    yield ClaimLookup(
        key=member_id,
        request=ClaimSearchRequest.model_validate(
            {**who, "service_from": FULL_FROM, "service_to": FULL_TO}),
        expected=everything)
    if everything.claims and by_number(carrier, member_id, number_every):
        pick = everything.claims[stable_hash(carrier, member_id, "claim")
                                 % len(everything.claims)]
        number = pick.claim_number
        yield ClaimLookup(
            key=f"{member_id}#{number}",
            request=ClaimSearchRequest.model_validate({**who, "claim_number": number}),
            expected=truth.expected_claims(member_id, claim_number=number))
