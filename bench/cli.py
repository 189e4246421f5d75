"""``portals bench``: benchmarks that need the sandbox and a real browser."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

KIND_NAMES = ("eligibility", "claim_status")
"""The kinds ``--kind`` accepts (:func:`bench.kinds.kind_names`; a test keeps them equal)."""


@contextmanager
def bench_redis(redis_url: str | None) -> Iterator[str]:
    """``redis_url``, or an embedded Redis started for the run and stopped after it."""
    if redis_url is not None:
        yield redis_url
        return
    import tempfile

    from portals.redis_local import embedded_redis_url, stop_embedded_redis

    with tempfile.TemporaryDirectory(prefix="bench-redis-") as folder:
        try:
            yield embedded_redis_url(Path(folder))
        finally:
            stop_embedded_redis(Path(folder))


@click.group("bench")
def bench() -> None:
    """Benchmarks against the sandbox portals."""


@bench.command("accuracy")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KIND_NAMES),
              help="Job kind to score (repeatable). Default: every kind.")
@click.option("--carrier", "carriers", multiple=True,
              help="Carrier to score (repeatable). Default: every registered carrier.")
@click.option("--layout", default="v1", show_default=True, type=click.Choice(["v1", "v2"]),
              help="Sandbox layout version; on v2 every lookup must fail loudly.")
@click.option("--limit", type=click.IntRange(1), help="At most this many members a carrier.")
@click.option("--report", "report_path", default="bench/reports/accuracy.json",
              show_default=True, type=click.Path(path_type=Path),
              help="Where to write the JSON report.")
def accuracy(kinds: tuple[str, ...], carriers: tuple[str, ...], layout: str,
             limit: int | None, report_path: Path) -> None:
    """Sandbox members through their bots, compared with `portals sandbox expected`.

    Exits with status 1 unless every member is exact (v1) or every lookup failed loudly
    and produced nothing (v2). Carriers whose bot or sandbox does not serve a kind yet
    are skipped with a note.
    """
    from rich.console import Console
    from rich.progress import Progress

    from bench.accuracy import plan, run_accuracy
    from bots.registry import UnknownCarrier, registry
    from portals.settings import get_settings

    names = list(dict.fromkeys(carriers)) or registry.names()
    for name in names:
        try:
            registry.get(name)
        except UnknownCarrier as exc:
            raise click.BadParameter(str(exc), param_hint="--carrier") from None
    wanted = list(kinds) or None
    tasks, _ = plan(names, wanted, limit=limit)
    console = Console(stderr=True)
    with Progress(console=console) as bar:
        task = bar.add_task(f"accuracy ({layout})", total=sum(len(t.members) for t in tasks))
        report = run_accuracy(
            names, browser_path=get_settings().browser_path, layout=layout, kinds=wanted,
            limit=limit,
            progress=lambda carrier, kind, member: bar.update(
                task, advance=1, description=f"{carrier} {kind} {member}"),
        )
    from bench.table import print_report

    # a pipe or log file gets the whole table; a terminal gets its own width
    print_report(report, Console(width=None if sys.stdout.isatty() else 120))
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report.as_dict(), indent=2))
    click.echo(f"report: {report_path}")
    if not report.passed:
        failing = ", ".join(f"{s.carrier}/{s.kind}" for s in report.scores if not s.passed)
        bar_text = "every member exact" if layout == "v1" else \
            "every lookup failing loudly with no result"
        raise click.ClickException(f"not {bar_text}: {failing}")


@bench.command("prior-auth")
@click.option("--carrier", "carriers", multiple=True,
              help="Carrier to run (repeatable). Default: every carrier whose bot serves "
              "prior authorization.")
@click.option("--requests", "count", default=4, show_default=True, type=click.IntRange(1, 200),
              help="Requests per carrier and scenario.")
@click.option("--kill-at", "kill_at", default="none", show_default=True,
              type=click.Choice(["none", "all", "before_upload", "during_upload",
                                 "after_upload", "after_submit_click", "after_reference"]),
              help="SIGKILL the worker at this step of every submission's first run; 'all' "
              "runs one scenario per step, one after another.")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 8),
              help="Worker threads (sharing the process's one Chromium).")
@click.option("--redis-url", default=None,
              help="Redis for the queue (a database nothing else uses). Default: an "
              "embedded Redis started for the run.")
@click.option("--report", "report_path", default="bench/reports/prior-auth.json",
              show_default=True, type=click.Path(path_type=Path),
              help="Where to write the JSON report.")
def prior_auth(carriers: tuple[str, ...], count: int, kill_at: str, threads: int,
               redis_url: str | None, report_path: Path) -> None:
    """Prior-authorization requests through the API, the queue and workers, judged by each
    sandbox portal's ledger: submissions, duplicates (must be 0), requests waiting for a
    person, documents verified, decisions read correctly. Exits 1 unless all hold."""
    import tempfile

    from rich.console import Console

    from bench.prior_auth import STEPS, print_report, prior_auth_carriers, run_bench

    serving = prior_auth_carriers()
    names = list(dict.fromkeys(carriers)) or serving
    for name in names:
        if name not in serving:
            raise click.BadParameter(f"{name} does not serve prior authorization "
                                     f"(these do: {', '.join(serving)})",
                                     param_hint="--carrier")
    steps: list[str | None] = list(STEPS) if kill_at == "all" else \
        [None if kill_at == "none" else kill_at]
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="pa-bench-redis-") as folder:
        embedded = redis_url is None
        if redis_url is None:
            from portals.redis_local import embedded_redis_url

            redis_url = embedded_redis_url(Path(folder))
        try:
            with console.status("prior-auth bench") as status:
                report = run_bench(names, count, steps, redis_url=redis_url, threads=threads,
                                   progress=lambda text: status.update(text))
        finally:
            if embedded:
                from portals.redis_local import stop_embedded_redis

                stop_embedded_redis(Path(folder))
    print_report(report, Console(width=None if sys.stdout.isatty() else 140))
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report.as_dict(), indent=2))
    click.echo(f"report: {report_path}")
    if not report.passed:
        raise click.ClickException("prior authorization was not exactly once, or documents "
                                   "or decisions were wrong (see the table)")


@bench.command("throughput")
@click.option("--carrier", "carriers", multiple=True,
              help="Carrier to run (repeatable). Default: every carrier whose bot serves "
              "eligibility.")
@click.option("--lookups", default=40, show_default=True, type=click.IntRange(1, 500),
              help="Eligibility lookups of distinct sandbox members per carrier and latency.")
@click.option("--latency-ms", "latencies", multiple=True, type=click.IntRange(0, 60_000),
              help="The sandbox's added latency per request (repeatable). Default: 0 and 250.")
@click.option("--naive-lookups", type=click.IntRange(1, 500),
              help="Lookups on the naive path alone. Default: --lookups. (On a TOTP carrier "
              "each naive login waits for a fresh 30-second code step.)")
@click.option("--in-flight", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Product path: requests outstanding at once.")
@click.option("--worker-threads", default=8, show_default=True, type=click.IntRange(1, 32),
              help="Product path: worker threads (`portals worker`'s default).")
@click.option("--redis-url", default=None,
              help="Redis for the queue (a database nothing else uses: the bench empties "
              "it). Default: an embedded Redis started for the run.")
@click.option("--report", "report_path", default="bench/reports/throughput.json",
              show_default=True, type=click.Path(path_type=Path),
              help="Where to write the JSON report.")
def throughput(carriers: tuple[str, ...], lookups: int, latencies: tuple[int, ...],
               naive_lookups: int | None, in_flight: int, worker_threads: int,
               redis_url: str | None, report_path: Path) -> None:
    """Lookups per minute on one portal account: a naive bot (a new browser and a full
    login per lookup), the product (API, queue, workers) and the portal's own floor.
    Prints throughput, p50/p95, ratios, peak memory, CPU per lookup, logins per account
    and accuracy; timing goals are printed, never enforced. Exits 1 only if a result is
    wrong or missing, or the product logged in to an account more than once."""

    from rich.console import Console
    from rich.progress import Progress

    from bench.throughput import (
        LATENCIES,
        eligibility_carriers,
        print_report,
        run_bench,
        total_lookups,
    )
    from portals.settings import get_settings

    serving = eligibility_carriers()
    names = list(dict.fromkeys(carriers)) or serving
    for name in names:
        if name not in serving:
            raise click.BadParameter(f"{name} does not serve eligibility (these do: "
                                     f"{', '.join(serving)})", param_hint="--carrier")
    chosen = tuple(dict.fromkeys(latencies)) or LATENCIES
    console = Console(stderr=True)
    with bench_redis(redis_url) as url, Progress(console=console) as bar:
        task = bar.add_task("throughput", total=total_lookups(
            names, lookups, chosen, naive_lookups))
        report = run_bench(
            names, lookups=lookups, latencies=chosen, naive_lookups=naive_lookups,
            in_flight=in_flight, worker_threads=worker_threads, redis_url=url,
            browser_path=get_settings().browser_path,
            progress=lambda text, n: bar.update(task, advance=n, description=text))
    print_report(report, Console(width=None if sys.stdout.isatty() else 200))
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report.as_dict(), indent=2))
    click.echo(f"report: {report_path}")
    if not report.passed:
        raise click.ClickException("a lookup's result was wrong or missing, or the product "
                                   "logged in to one account more than once (see the table)")


@bench.command("nightly")
@click.option("--carrier", "carriers", multiple=True,
              help="Carrier (repeatable). Default: every carrier whose bot serves eligibility.")
@click.option("--visits", default=200, show_default=True, type=click.IntRange(1, 2000),
              help="Visits in all, shared equally among the carriers.")
@click.option("--lookups-per-minute", default=30, show_default=True,
              type=click.IntRange(1, 600), help="Each portal account's budget for the night.")
@click.option("--worker-threads", default=8, show_default=True, type=click.IntRange(1, 32))
@click.option("--redis-url", default=None,
              help="Redis for the queue (a database nothing else uses). Default: an "
              "embedded Redis started for the run.")
@click.option("--report", "report_path", default="bench/reports/nightly.json",
              show_default=True, type=click.Path(path_type=Path))
def nightly(carriers: tuple[str, ...], visits: int, lookups_per_minute: int,
            worker_threads: int, redis_url: str | None, report_path: Path) -> None:
    """A night's batch end to end: visits imported as CSV through the API, a nightly
    schedule's slot run by the scheduler, every visit verified by the real queue and
    workers. Prints time, lookups, failures, checks per visit, exact results, logins per
    account and each account's busiest minute against its budget. Exits 1 unless every
    visit was verified once, exactly, within budget, with one login per account."""

    from rich.console import Console
    from rich.progress import Progress

    from bench.nightly import run_nightly
    from bench.throughput import eligibility_carriers

    serving = eligibility_carriers()
    names = list(dict.fromkeys(carriers)) or serving
    for name in names:
        if name not in serving:
            raise click.BadParameter(f"{name} does not serve eligibility (these do: "
                                     f"{', '.join(serving)})", param_hint="--carrier")
    if visits % len(names):
        raise click.BadParameter(f"{visits} visits do not share equally among "
                                 f"{len(names)} carriers", param_hint="--visits")
    console = Console(stderr=True)
    with bench_redis(redis_url) as url, Progress(console=console) as bar:
        task = bar.add_task("nightly batch", total=visits)
        figures = run_nightly(
            names, visits_per_carrier=visits // len(names),
            lookups_per_minute=lookups_per_minute, redis_url=url, threads=worker_threads,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    data = figures.as_dict()
    for name in ("seconds", "jobs", "succeeded", "failed", "runs", "exact",
                 "checks_per_visit_max", "early_starts"):
        click.echo(f"{name:>22}: {data[name]}")
    click.echo(f"{'busiest minute':>22}: {data['busiest_minute']} (budget "
               f"{lookups_per_minute} a minute per account)")
    click.echo(f"{'logins':>22}: {data['logins']}")
    for problem in [*figures.wrong, *figures.problems][:20]:
        click.echo(f"  problem: {problem}")
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(data, indent=2, default=str))
    click.echo(f"report: {report_path}")
    if not figures.passed:
        raise click.ClickException("the batch was not every visit verified once, exactly, "
                                   "within budget, with one login per account")
