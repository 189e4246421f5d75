"""``portals worker``: Dramatiq workers for the eligibility queue."""

from __future__ import annotations

import os
import sys

import click


@click.command("worker")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 32))
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Worker threads per process; each keeps its own Chromium.")
def worker(processes: int, threads: int) -> None:
    """Run workers until Ctrl-C."""
    from portals.settings import get_settings
    from workflows.dispatch import QUEUE

    settings = get_settings()
    if settings.secret_key is None:
        raise click.UsageError("PORTALS_SECRET_KEY is not set (make one: portals keys generate)")
    args = [sys.executable, "-m", "dramatiq", "workflows.worker_entry",
            "--processes", str(processes), "--threads", str(threads),
            "--queues", QUEUE, "--skip-logging",
            "--worker-shutdown-timeout", "30000"]
    os.execv(sys.executable, args)  # noqa: S606  (replace this process with Dramatiq's CLI)
