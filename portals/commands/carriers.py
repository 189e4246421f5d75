"""``portals carriers``: every registered carrier with its capabilities and MFA kinds."""

from __future__ import annotations

import json

import click


@click.command("carriers")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def carriers(as_json: bool) -> None:
    """List the carriers the bots know."""
    from bots.registry import registry

    rows = [
        {
            "name": bot.name,
            "display_name": bot.display_name,
            "capabilities": sorted(bot.capabilities),
            "mfa_kinds": sorted(bot.mfa_kinds),
        }
        for bot in registry.all()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'carrier':<12} {'name':<32} {'capabilities':<28} mfa")
    for row in rows:
        click.echo(
            f"{row['name']:<12} {row['display_name']:<32} "
            f"{','.join(row['capabilities']):<28} {','.join(row['mfa_kinds'])}"
        )
