import pytest

from bots.base import CarrierBot
from bots.registry import Registry, UnknownCarrier, registry


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
