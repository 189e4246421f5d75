"""``portals worker``: Dramatiq workers for the portal-job queue, kept alive.

Dramatiq's own main process shuts every worker down when one of them dies. The command
therefore supervises it: when the Dramatiq process group ends without being asked to
(a worker process was killed, ran out of memory, crashed), it is started again after a
short pause that grows while it keeps dying at once. Ctrl-C and SIGTERM stop it for good.
A job the dead worker held runs again once its lease lapses (see workflows.recovery).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

import click

log = logging.getLogger("workflows.supervisor")

RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Seconds before each further restart while the workers keep dying within a minute."""
STABLE_AFTER_SECONDS = 60.0


def dramatiq_command(processes: int, threads: int) -> list[str]:
    from workflows.dispatch import QUEUE

    return [sys.executable, "-m", "dramatiq", "workflows.worker_entry",
            "--processes", str(processes), "--threads", str(threads),
            "--queues", QUEUE, "--skip-logging", "--worker-shutdown-timeout", "30000"]


def supervise(command: list[str], *, stop: threading.Event | None = None,
              pauses: tuple[float, ...] = RESTART_PAUSES) -> int:
    """Run ``command`` until ``stop`` is set (or a signal asks), restarting it whenever it
    ends on its own; returns its last exit code."""
    stop = stop or threading.Event()
    child: subprocess.Popen[bytes] | None = None

    def ask_to_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, ask_to_stop)
        signal.signal(signal.SIGTERM, ask_to_stop)
    quick_deaths = 0
    code: int | None = 0
    while not stop.is_set():
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603
        code = None
        while code is None:
            code = _wait(child, stop)
        if stop.is_set():
            break
        lived = time.monotonic() - started
        quick_deaths = 0 if lived >= STABLE_AFTER_SECONDS else quick_deaths + 1
        pause = pauses[min(max(quick_deaths - 1, 0), len(pauses) - 1)]
        log.error("the workers stopped unexpectedly (exit code %s after %.0f s); "
                  "restarting in %.0f s", code, lived, pause)
        stop.wait(pause)
    return code or 0


def _wait(child: subprocess.Popen[bytes], stop: threading.Event) -> int | None:
    try:
        return child.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        if stop.is_set():
            try:
                return child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                return child.wait()
        return None


@click.command("worker")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 32))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 32),
              help="Jobs a process runs at once (its threads share one Chromium).")
def worker(processes: int, threads: int) -> None:
    """Run workers until Ctrl-C; restart them if they die."""
    from portals.logging_setup import configure_logging
    from portals.settings import get_settings

    settings = get_settings()
    if settings.secret_key is None:
        raise click.UsageError("PORTALS_SECRET_KEY is not set (make one: portals keys generate)")
    configure_logging(settings.log_level)
    sys.exit(supervise(dramatiq_command(processes, threads)))
