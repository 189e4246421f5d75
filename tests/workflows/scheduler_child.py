"""A scheduler process that is killed (SIGKILL, by itself) in the middle of a slot: after
creating ``N`` of the slot's jobs, inside the slot's transaction.

``python -m tests.workflows.scheduler_child DB_URL REDIS_URL LOCK_KEY NOW_ISO N``
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys

import redis

from portals.settings import Settings
from storage import repo
from storage.db import make_engine
from workflows.scheduler import Scheduler


def main() -> None:
    db_url, redis_url, lock_key, now, after = sys.argv[1:6]
    created = 0
    real_create = repo.create_job

    def create_then_die(**kwargs: object) -> object:
        nonlocal created
        job = real_create(**kwargs)  # type: ignore[arg-type]
        created += 1
        if created == int(after):
            os.kill(os.getpid(), signal.SIGKILL)
        return job

    repo.create_job = create_then_die  # type: ignore[assignment]
    engine = make_engine(db_url)
    scheduler = Scheduler(engine, redis.Redis.from_url(redis_url), Settings(),
                          clock=lambda: dt.datetime.fromisoformat(now),
                          send=lambda job, delay: None, owner="victim", lock_seconds=60,
                          lock_key=lock_key)
    scheduler.tick()
    raise SystemExit("the slot finished: the kill did not happen")


if __name__ == "__main__":
    main()
