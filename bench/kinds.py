"""How each job kind is scored: the lookups made for a member and how a result is
compared with the sandbox's truth.

A carrier is scored for a kind when its bot declares the kind's capability and its
sandbox portal can say what the truth is; otherwise it is skipped with the reason.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from playwright.sync_api import Page

from bench import claims
from bench.claims_diff import diff_claims
from bench.score import Comparison
from bots.base import BotContext, CarrierBot
from fixtures.sandbox.carriers import SandboxCarrier
from portals.claims import ClaimSearchRequest
from portals.jobs import get_kind
from portals.model import EligibilityRequest, count_fields, diff_results


@dataclass(frozen=True)
class Lookup:
    key: str
    """The member ID, plus ``#<claim number>`` for a search by number."""
    request: Any
    call: Callable[[CarrierBot, Page, BotContext], Any]
    """The bot's handler for the kind, bound to the request."""
    compare: Callable[[Any], Comparison]
    """A produced result compared with the truth."""


LookupPlan = Callable[[SandboxCarrier, dict[str, str], int], Iterator[Lookup]]


def _eligibility(truth: SandboxCarrier, member: dict[str, str], _number_every: int
                 ) -> Iterator[Lookup]:
    request = EligibilityRequest.model_validate({
        "carrier": truth.name, "member_id": member["member_id"],
        "date_of_birth": member["date_of_birth"],
        "last_name": member["last_name"], "first_name": member["first_name"],
    })
    expected = truth.expected(member["member_id"])
    yield Lookup(
        key=member["member_id"], request=request,
        call=lambda bot, page, ctx: bot.check_eligibility(page, ctx, request),
        compare=lambda result: Comparison(fields_compared=count_fields(expected),
                                          mismatches=diff_results(expected, result)))


def _claim_status(truth: SandboxCarrier, member: dict[str, str], number_every: int
                  ) -> Iterator[Lookup]:
    for lookup in claims.lookups(truth, member, number_every=number_every):
        yield Lookup(key=lookup.key, request=lookup.request,
                     call=partial(_search_claims, lookup.request),
                     compare=partial(diff_claims, lookup.expected))


def _search_claims(request: ClaimSearchRequest, bot: CarrierBot, page: Page,
                   ctx: BotContext) -> Any:
    return bot.search_claims(page, ctx, request)


SCORED: dict[str, LookupPlan] = {"eligibility": _eligibility, "claim_status": _claim_status}
"""Every job kind the bench can score, by kind name."""


def kind_names() -> list[str]:
    """The kinds the bench scores, in the order it runs them."""
    return [name for name in ("eligibility", "claim_status") if name in SCORED]


def skip_reason(kind: str, bot: type[CarrierBot], truth: SandboxCarrier) -> str | None:
    """Why a carrier cannot be scored for a kind yet (None: it can)."""
    capability = get_kind(kind).capability
    if capability not in bot.capabilities:
        return f"the {bot.name} bot does not declare {capability.value!r} yet"
    if kind == "claim_status" and \
            not hasattr(importlib.import_module(truth.module), "expected_claims"):
        return f"the {truth.name} sandbox portal has no claims yet"
    return None


def guard(kind: str) -> Callable[[Any, Any], None]:
    """``guard(request, result)``: the check the runner makes before it stores a result
    of the kind (its declaration in :mod:`portals.kinds`)."""
    return get_kind(kind).guard
