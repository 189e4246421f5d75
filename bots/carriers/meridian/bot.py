"""Meridian Health: a classic server-rendered provider portal with TOTP."""

from __future__ import annotations

from bots.base import BotContext, CarrierBot, MfaKind, Outcome
from bots.registry import register
from portals.model import EligibilityRequest


@register
class MeridianBot(CarrierBot):
    name = "meridian"
    display_name = "Meridian Health"
    mfa_kinds = frozenset({MfaKind.TOTP})

    def check_eligibility(self, ctx: BotContext, request: EligibilityRequest) -> Outcome:
        raise NotImplementedError("being written")
