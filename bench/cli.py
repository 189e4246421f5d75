"""``portals bench``: benchmarks that need the sandbox and a real browser."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("bench")
def bench() -> None:
    """Benchmarks against the sandbox portals."""


@bench.command("accuracy")
@click.option("--carrier", "carriers", multiple=True,
              help="Carrier to score (repeatable). Default: every registered carrier.")
@click.option("--layout", default="v1", show_default=True, type=click.Choice(["v1", "v2"]),
              help="Sandbox layout version; on v2 every lookup must fail loudly.")
@click.option("--limit", type=click.IntRange(1), help="At most this many members a carrier.")
@click.option("--report", "report_path", default="bench/reports/accuracy.json",
              show_default=True, type=click.Path(path_type=Path),
              help="Where to write the JSON report.")
def accuracy(carriers: tuple[str, ...], layout: str, limit: int | None,
             report_path: Path) -> None:
    """Every sandbox member through its bot, compared with `portals sandbox expected`."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from bench.accuracy import run_accuracy
    from bots.registry import UnknownCarrier, registry
    from fixtures.sandbox.expected import members
    from portals.settings import get_settings

    names = list(carriers) or registry.names()
    for name in names:
        try:
            registry.get(name)
        except UnknownCarrier as exc:
            raise click.BadParameter(str(exc), param_hint="--carrier") from None
    total = sum(len(members(name)[:limit]) for name in names)
    console = Console(stderr=True)
    with Progress(console=console) as bar:
        task = bar.add_task(f"accuracy ({layout})", total=total)
        report = run_accuracy(
            names, browser_path=get_settings().browser_path, layout=layout, limit=limit,
            progress=lambda carrier, member: bar.update(
                task, advance=1, description=f"{carrier} {member}"),
        )
    table = Table(title=f"Accuracy on layout {layout}")
    for column in ("carrier", "members", "exact", "fields", "field mismatches", "failed",
                   "silently wrong"):
        table.add_column(column, justify="right" if column != "carrier" else "left")
    for s in report.carriers:
        table.add_row(s.carrier, str(s.members), str(s.exact_matches), str(s.fields_compared),
                      str(s.field_mismatches), str(s.failed_lookups), str(s.silently_wrong))
    Console().print(table)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report.as_dict(), indent=2))
    click.echo(f"report: {report_path}")
