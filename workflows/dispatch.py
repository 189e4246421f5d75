"""Putting work on the queue. Messages carry only ids: never patient data or secrets."""

from __future__ import annotations

QUEUE = "eligibility"
ACTOR = "run_eligibility_check"


def send_check(check_id: str, *, delay_ms: int | None = None) -> None:
    """Queue a check for a worker (the broker must have been set up with setup_broker)."""
    import dramatiq

    broker = dramatiq.get_broker()
    actor = broker.get_actor(ACTOR)
    actor.send_with_options(args=(check_id,), delay=delay_ms)
