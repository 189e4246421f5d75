"""Putting work on the queue. Messages carry only ids: never patient data or secrets."""

from __future__ import annotations

QUEUE = "portal_jobs"
ACTOR = "run_job"


def send_job(job_id: str, *, delay_ms: int | None = None) -> None:
    """Queue a job of any kind for a worker (the broker must have been set up with
    setup_broker); the worker reads the kind from the job row."""
    import dramatiq

    broker = dramatiq.get_broker()
    actor = broker.get_actor(ACTOR)
    actor.send_with_options(args=(job_id,), delay=delay_ms)
