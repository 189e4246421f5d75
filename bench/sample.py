"""A small, varied, stable sample of a carrier's members for one job kind: what the test
suite runs through the bots, while ``make bench`` runs everyone.

Varied on purpose. For eligibility: the first and the last member, the first whose
coverage is not active and the first dependant. For claims, where one
member's search walks 18 months (then one claim again by its number), the two that
differ most: the member with the most claims (list paging, split windows) and the first
with none; the carriers' own claims tests cover every status and page.

Stable: the same members in every run, so a failure reproduces. On the v2 redesign every
lookup stops at the first page whoever it is for, so a spot check of three members
(:func:`spot_members`) stands for the population there.
"""

from __future__ import annotations

from functools import lru_cache

from fixtures.sandbox.carriers import SandboxCarrier
from portals.model import Relationship


def sample_members(truth: SandboxCarrier, kind: str) -> list[dict[str, str]]:
    return [dict(m) for m in _sample(truth, kind)]


def spot_members(truth: SandboxCarrier) -> list[dict[str, str]]:
    """First, middle and last member: enough to show a redesign (v2) stops every lookup
    at its first page, where who the member is does not matter."""
    everyone = truth.members()
    picked = {m["member_id"]: m for m in (everyone[:1] + everyone[len(everyone) // 2:][:1]
                                          + everyone[-1:])}
    return list(picked.values())


@lru_cache(maxsize=32)
def _sample(truth: SandboxCarrier, kind: str) -> tuple[dict[str, str], ...]:
    """Computed once per process: finding the unusual members reads the truth of many."""
    everyone = truth.members()
    if not everyone:
        return ()
    chosen = [] if kind == "claim_status" else [everyone[0], everyone[-1]]
    chosen += _unusual(truth, kind, everyone)
    unique = {m["member_id"]: m for m in chosen}
    return tuple(m for m in everyone if m["member_id"] in unique)


def _unusual(truth: SandboxCarrier, kind: str, everyone: list[dict[str, str]]
             ) -> list[dict[str, str]]:
    if kind == "claim_status":
        from bench.claims import FULL_FROM, FULL_TO

        counts = [(len(truth.expected_claims(m["member_id"], service_from=FULL_FROM,
                                             service_to=FULL_TO).claims), m)
                  for m in everyone]
        most = max(counts, key=lambda cm: cm[0])[1]
        none = [m for count, m in counts if count == 0][:1]
        return [most, *none]
    inactive: list[dict[str, str]] = []
    dependant: list[dict[str, str]] = []
    for member in everyone:  # in order, until one of each is found
        result = truth.expected(member["member_id"])
        if not inactive and not result.is_active:
            inactive.append(member)
        if not dependant and result.member.relationship is not Relationship.SELF:
            dependant.append(member)
        if inactive and dependant:
            break
    return [*inactive, *dependant]
