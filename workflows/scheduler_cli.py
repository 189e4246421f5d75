"""``portals scheduler``: run the scheduler (any number may run; one acts at a time)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click


@click.command("scheduler")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.5, 60),
              help="Seconds between ticks (a standby takes over within the lock's 30 s).")
@click.option("--once", is_flag=True, help="Run one tick and exit (cron-driven setups).")
def scheduler(interval: float, once: bool) -> None:
    """Turn the practice's schedules into batches of jobs, each slot exactly once.

    Start one on each of two machines for a standby: only the one holding the lock acts.
    A new installation gets one schedule of each kind in PORTALS_PRACTICE_TIMEZONE."""
    import redis

    from portals.logging_setup import configure_logging
    from portals.settings import get_settings
    from storage.db import create_schema, make_engine, session_scope
    from storage.schedules import check_timezone
    from workflows.broker import redis_url_for, setup_broker
    from workflows.default_schedules import ensure_default_schedules
    from workflows.scheduler import Scheduler

    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        check_timezone(settings.practice_timezone)
    except ValueError as exc:
        raise click.UsageError(f"PORTALS_PRACTICE_TIMEZONE: {exc}") from None
    engine = make_engine(settings.resolved_database_url)
    create_schema(engine)
    with session_scope(engine) as session:
        made = ensure_default_schedules(session=session, timezone=settings.practice_timezone)
    if made:
        click.echo(f"created {len(made)} default schedules ({settings.practice_timezone})")
    setup_broker(settings)
    client = redis.Redis.from_url(redis_url_for(settings))
    runner = Scheduler(engine, client, settings)
    if once:
        tick = runner.tick()
        runner.release()
        click.echo("acted" if tick.leading else "another scheduler is active")
        for run in tick.ran:
            click.echo(f"schedule {run.schedule_id} slot {run.slot_at.isoformat()}: "
                       f"{len(run.jobs)} job(s), batch {run.batch_id}")
        return
    stop = threading.Event()

    def finish(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    runner.run(stop, interval=interval)
