"""The practice's schedules on a new installation: one of each kind, in the practice's
time zone (``PORTALS_PRACTICE_TIMEZONE``), for an admin to adjust."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Schedule
from storage.schedules import create_schedule
from workflows.schedule_kinds import KINDS

EXPEDITED_POLL = "*/30 * * * *"
"""Expedited prior authorizations are decided within 72 hours: polled every 30 minutes."""


def ensure_default_schedules(*, session: Session, timezone: str) -> list[Schedule]:
    """Create the default schedules when there are none at all (an admin who deleted
    them all keeps it that way only by disabling them instead); returns those created."""
    if session.exec(select(Schedule.id)).first() is not None:
        return []
    made = [create_schedule(session=session, name=kind.title, kind=kind.name,
                            cron=kind.default_cron, timezone=timezone,
                            params=dict(kind.default_params))
            for kind in KINDS.values()]
    made.append(create_schedule(session=session, name="Poll expedited prior authorizations",
                                kind="prior_auth_poll", cron=EXPEDITED_POLL,
                                timezone=timezone, params={"urgency": "expedited"}))
    return made
