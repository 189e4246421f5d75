"""Finds checks a dead worker left behind and puts them back on the queue.

A check running under a lapsed lease, or queued for longer than it should take a worker
to pick it up (its message was lost), is sent again. Sending twice is harmless: only the
worker that wins :func:`storage.repo.claim_job` runs it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy.engine import Engine

from portals.settings import Settings
from storage import repo
from storage.db import session_scope
from storage.models import utcnow
from storage.web_sessions import purge_web_sessions
from workflows.dispatch import send_job

log = logging.getLogger(__name__)


def sweep(engine: Engine, settings: Settings) -> list[str]:
    """Re-send every stale check once; returns their ids."""
    now = utcnow()
    queued_before = now - dt.timedelta(seconds=settings.stale_queued_seconds)
    lapsed_before = now - dt.timedelta(seconds=settings.lease_seconds)
    with session_scope(engine) as session:
        stale = repo.stale_jobs(session=session, queued_before=queued_before, now=now,
                                lapsed_touched_before=lapsed_before)
        ids = [check.id for check in stale]
        for job_id in ids:
            repo.touch_job(session=session, job_id=job_id)
    for job_id in ids:
        log.warning("job %s was left behind; sending it again", job_id)
        send_job(job_id)
    return ids


def purge_dead_web_sessions(engine: Engine, settings: Settings) -> int:
    """Delete the web logins dead (ended, expired or idle) for over a day; how many went."""
    with session_scope(engine) as session:
        purged = purge_web_sessions(
            session=session, keep_days=1,
            idle=dt.timedelta(minutes=settings.session_idle_minutes))
    if purged:
        log.info("purged %d dead web sessions", purged)
    return purged


class RecoveryLoop:
    """A daemon thread that sweeps (and purges expired artifacts, audit events and dead web
    sessions) every ``recovery_interval_seconds``."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        from storage.artifacts import ArtifactStore
        from storage.crypto import Vault
        from workflows.retention import purge_expired_artifacts, purge_expired_audit

        assert self.settings.secret_key is not None
        store = ArtifactStore(self.settings.resolved_artifacts_dir,
                              Vault(self.settings.secret_key))
        while True:
            try:
                sweep(self.engine, self.settings)
                purge_expired_artifacts(self.engine, store,
                                        self.settings.artifact_retention_days)
                purge_expired_audit(self.engine, self.settings.audit_retention_days)
                purge_dead_web_sessions(self.engine, self.settings)
            except Exception:
                log.exception("recovery sweep failed; trying again next interval")
            if self._stop.wait(self.settings.recovery_interval_seconds):
                return
