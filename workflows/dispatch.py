"""Putting work on the queue. Messages carry only ids: never patient data or secrets."""

from __future__ import annotations

QUEUE = "portal_jobs"
ACTOR = "run_job"


def send_job(job_id: str, *, delay_ms: int | None = None, queue_name: str | None = None
             ) -> None:
    """Queue a job of any kind for a worker (the broker must have been set up with
    setup_broker); the worker reads the kind from the job row. ``queue_name``: one worker
    process's own queue (:func:`workflows.affinity.worker_queue`) instead of the shared
    one."""
    import dramatiq

    broker = dramatiq.get_broker()
    actor = broker.get_actor(ACTOR)
    if queue_name is None:
        actor.send_with_options(args=(job_id,), delay=delay_ms)
        return
    message = actor.message_with_options(args=(job_id,)).copy(queue_name=queue_name)
    broker.enqueue(message, delay=delay_ms)
