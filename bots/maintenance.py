"""A portal's published maintenance window: nightly hours when it is down on purpose.

Bots declare theirs (``CarrierBot.maintenance_windows``) in the portal's own time zone;
the scheduler plans no job inside one (:mod:`workflows.scheduler`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MaintenanceWindow:
    """Every day from ``start`` to ``end`` (wall clock in ``timezone``; an ``end`` before
    ``start`` runs past midnight)."""

    start: dt.time
    end: dt.time
    timezone: str

    def _bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        zone = ZoneInfo(self.timezone)
        begins = dt.datetime.combine(day, self.start, zone)
        ends = dt.datetime.combine(day, self.end, zone)
        if ends <= begins:
            ends += dt.timedelta(days=1)
        return begins.astimezone(dt.UTC), ends.astimezone(dt.UTC)

    def end_if_inside(self, at: dt.datetime) -> dt.datetime | None:
        """When the window holding ``at`` ends (UTC), or None when ``at`` is outside."""
        local_day = at.astimezone(ZoneInfo(self.timezone)).date()
        for day in (local_day - dt.timedelta(days=1), local_day):
            begins, ends = self._bounds(day)
            if begins <= at < ends:
                return ends
        return None


def outside(windows: tuple[MaintenanceWindow, ...], at: dt.datetime) -> dt.datetime:
    """``at``, or the end of the maintenance window(s) it falls in."""
    moved = True
    while moved:
        moved = False
        for window in windows:
            ends = window.end_if_inside(at)
            if ends is not None:
                at, moved = ends, True
    return at
