from typing import Any

import pytest

from bots.base import CarrierBot
from bots.registry import Registry, UnknownCarrier, registry
from portals.jobs import Capability


def test_every_carrier_folder_registers_a_bot() -> None:
    assert "meridian" in registry.names()
    assert registry.get("meridian").name == "meridian"


def test_unknown_carrier_names_the_known_ones() -> None:
    with pytest.raises(UnknownCarrier) as info:
        registry.get("nope")
    assert "meridian" in str(info.value)


def test_a_name_cannot_be_registered_twice() -> None:
    local = Registry()
    meridian = registry.get("meridian")
    local.register(meridian)
    other = type("Other", (meridian,), {})
    with pytest.raises(ValueError, match="already registered"):
        local.register(other)
    assert issubclass(meridian, CarrierBot)


def test_a_bot_must_serve_exactly_the_capabilities_it_declares() -> None:
    with pytest.raises(TypeError, match="declared without a search_claims"):
        class Claims(CarrierBot):  # declares claims, has no search_claims
            name = "claimsless"
            display_name = "Claimsless"
            capabilities = frozenset({Capability.ELIGIBILITY, Capability.CLAIMS})

            def check_eligibility(self, page: Any, ctx: Any, request: Any) -> Any:
                raise NotImplementedError

    with pytest.raises(TypeError, match="not declared but has a search_claims"):
        class Undeclared(CarrierBot):  # has search_claims, does not declare it
            name = "undeclared"
            display_name = "Undeclared"

            def check_eligibility(self, page: Any, ctx: Any, request: Any) -> Any:
                raise NotImplementedError

            def search_claims(self, page: Any, ctx: Any, request: Any) -> Any:
                raise NotImplementedError
