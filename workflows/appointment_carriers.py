"""The carriers a visit may name: those whose bot verifies eligibility."""

from __future__ import annotations

from bots.base import Capability
from bots.registry import registry


def appointment_carriers() -> frozenset[str]:
    return frozenset(bot.name for bot in registry.all()
                     if Capability.ELIGIBILITY in bot.capabilities)
