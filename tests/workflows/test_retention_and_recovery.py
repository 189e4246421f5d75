from __future__ import annotations

import datetime as dt
from pathlib import Path

import redis
from sqlalchemy.engine import Engine
from sqlmodel import select

from portals.model import EligibilityRequest
from portals.settings import Settings
from storage import repo
from storage.artifacts import ArtifactStore
from storage.crypto import Vault
from storage.db import session_scope
from storage.models import Artifact, AuditEvent, Job, JobStatus, utcnow
from workflows.broker import setup_broker
from workflows.recovery import sweep
from workflows.retention import purge_expired_artifacts

REQUEST = EligibilityRequest(carrier="meridian", member_id="MRD900000100",
                             date_of_birth=dt.date(1980, 1, 2), last_name="Testwell")


def _run(engine: Engine) -> str:
    with session_scope(engine) as session:
        check = repo.create_job(session=session, request=REQUEST)
        return repo.start_run(session=session, job=check, worker="w").id


def test_artifacts_past_retention_are_deleted_and_audited(
    engine: Engine, vault: Vault, tmp_path: Path
) -> None:
    store = ArtifactStore(tmp_path / "artifacts", vault)
    run_id = _run(engine)
    ids = {}
    for name, age_days in (("old.png", 40), ("new.png", 2)):
        path, digest = store.write(run_id, name, b"\x89PNG fake " + name.encode())
        with session_scope(engine) as session:
            artifact = repo.add_artifact(session=session, run_id=run_id, kind="screenshot",
                                         filename=name, content_type="image/png", size=10,
                                         sha256=digest, path=path)
            artifact.created_at = utcnow() - dt.timedelta(days=age_days)
            ids[name] = (artifact.id, path)
    assert purge_expired_artifacts(engine, store, days=30) == 1
    with session_scope(engine) as session:
        left = [a.filename for a in session.exec(select(Artifact)).all()]
        audits = session.exec(select(AuditEvent).where(AuditEvent.action == "artifact.purge"))
        assert [a.target_id for a in audits] == [ids["old.png"][0]]
    assert left == ["new.png"]
    assert not (store.root / ids["old.png"][1]).exists()
    assert (store.root / ids["new.png"][1]).exists()


def test_sweep_resends_checks_a_dead_worker_left(
    engine: Engine, settings: Settings, redis_url: str
) -> None:
    settings = settings.model_copy(update={"redis_url": redis_url})
    setup_broker(settings)
    with session_scope(engine) as session:
        lapsed = repo.create_job(session=session, request=REQUEST)
        fresh = repo.create_job(session=session, request=REQUEST)
        done = repo.create_job(session=session, request=REQUEST)
    with session_scope(engine) as session:
        assert repo.claim_job(session=session, job_id=lapsed.id, worker="dead",
                                lease_seconds=60)
        row = session.get(Job, lapsed.id)
        assert row is not None
        row.lease_expires_at = utcnow() - dt.timedelta(seconds=1)
        row.updated_at = utcnow() - dt.timedelta(hours=1)
        finished = session.get(Job, done.id)
        assert finished is not None
        finished.status = JobStatus.SUCCEEDED
        finished.updated_at = utcnow() - dt.timedelta(hours=1)
    assert sweep(engine, settings) == [lapsed.id]
    queued = redis.Redis.from_url(redis_url).hvals("dramatiq:portal_jobs.msgs")
    assert len(queued) == 1 and lapsed.id.encode() in queued[0]
    # the queued check is fresh, and the lapsed one was just re-sent: nothing to do now
    assert sweep(engine, settings) == []
    assert fresh.id
