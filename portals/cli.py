"""The ``portals`` command. Subcommands live next to what they drive and load lazily,
so ``portals --help`` starts fast and imports no browser, engine or broker."""

from __future__ import annotations

import importlib
from typing import Any

import click

SUBCOMMANDS: dict[str, str] = {
    "sandbox": "fixtures.sandbox.cli:sandbox",
    "accounts": "portals.commands.accounts:accounts",
    "users": "portals.commands.users:users",
    "keys": "portals.commands.keys:keys",
    "worker": "workflows.cli:worker",
    "scheduler": "workflows.scheduler_cli:scheduler",
    "api": "api.cli:api",
    "demo": "portals.commands.demo:demo",
    "carriers": "portals.commands.carriers:carriers",
    "bench": "bench.cli:bench",
    "db": "portals.commands.db:db",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: Any = getattr(importlib.import_module(module_name), attr)
        return command  # type: ignore[no-any-return]


@click.group(cls=LazyGroup)
@click.version_option(package_name="portals")
def main() -> None:
    """Insurance carrier portal aggregator."""


if __name__ == "__main__":
    main()
