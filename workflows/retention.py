"""Failure artifacts hold PHI: they are deleted, files and rows, after the retention
period (``PORTALS_ARTIFACT_RETENTION_DAYS``), and each purge is audited. The audit trail
itself is kept ``PORTALS_AUDIT_RETENTION_DAYS`` (six years by default), then purged with
one summary event."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.engine import Engine

from storage import repo
from storage.artifacts import ArtifactStore
from storage.audit import purge_audit
from storage.db import session_scope
from storage.models import utcnow

log = logging.getLogger(__name__)


def purge_expired_artifacts(engine: Engine, store: ArtifactStore, days: int,
                            now: dt.datetime | None = None) -> int:
    """Delete every artifact older than ``days``; returns how many went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    purged = 0
    while True:
        with session_scope(engine) as session:
            batch = repo.artifacts_created_before(session=session, before=cutoff)
            for artifact in batch:
                store.delete(artifact.path)
                session.delete(artifact)
                repo.audit(session=session, actor="retention", action="artifact.purge",
                           target_type="artifact", target_id=artifact.id,
                           detail=f"run {artifact.run_id}, {artifact.kind}, older than "
                                  f"{days} days")
        purged += len(batch)
        if not batch:
            break
    if purged:
        log.info("purged %d artifacts older than %d days", purged, days)
    return purged


def purge_expired_audit(engine: Engine, days: int, now: dt.datetime | None = None) -> int:
    """Delete audit events older than ``days`` (one summary event says how many); returns
    how many went."""
    purged = purge_audit(db=engine, older_than_days=days, now=now)
    if purged:
        log.info("purged %d audit events older than %d days", purged, days)
    return purged
