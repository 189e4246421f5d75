"""Thin Dramatiq actors: load the job, hand it to the runner."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from workflows.dispatch import ACTOR, QUEUE


def run_job(job_id: str) -> None:
    from workflows.runner import current_runner

    current_runner().run_job(job_id)


def declare(broker: RedisBroker) -> None:
    """Declare the actors on ``broker`` (idempotent)."""
    if ACTOR in broker.get_declared_actors():
        return
    decorate = dramatiq.actor(actor_name=ACTOR, queue_name=QUEUE, broker=broker,
                              max_retries=0, time_limit=30 * 60 * 1000)
    decorate(run_job)
