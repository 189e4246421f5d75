"""Carrier bots keyed by name. Registering a name twice is refused; an unknown name
fails with the list of known carriers."""

from __future__ import annotations

import importlib
import pkgutil

from bots.base import CarrierBot


class UnknownCarrier(KeyError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown carrier {self.name!r}; known carriers: {', '.join(self.known)}"


class Registry:
    def __init__(self) -> None:
        self._bots: dict[str, type[CarrierBot]] = {}

    def register(self, bot: type[CarrierBot]) -> type[CarrierBot]:
        """Class decorator: add a bot under its ``name``."""
        if bot.name in self._bots and self._bots[bot.name] is not bot:
            raise ValueError(f"carrier {bot.name!r} is already registered")
        self._bots[bot.name] = bot
        return bot

    def get(self, name: str) -> type[CarrierBot]:
        self.load()
        try:
            return self._bots[name]
        except KeyError:
            raise UnknownCarrier(name, self.names()) from None

    def names(self) -> list[str]:
        self.load()
        return sorted(self._bots)

    def all(self) -> list[type[CarrierBot]]:
        return [self._bots[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._bots

    def load(self) -> None:
        """Import every package under ``bots.carriers`` so their bots register."""
        import bots.carriers as carriers

        for module in pkgutil.iter_modules(carriers.__path__):
            if module.ispkg:
                importlib.import_module(f"bots.carriers.{module.name}.bot")


registry = Registry()
register = registry.register
