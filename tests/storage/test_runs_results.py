"""Runs, their events and artifacts, results and the audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from portals.model import BenefitKind, CoverageLevel, Network
from storage import repo
from storage.models import Artifact, Run, RunStatus, utcnow
from tests.storage.conftest import Clock, create_job, new_session, sample_result


def _start(engine: Engine, job_id: str, worker: str = "worker-a") -> Run:
    with new_session(engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker=worker,
                                lease_seconds=60)
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        session.refresh(check)
        run = repo.start_run(session=session, job=check, worker=worker)
        session.commit()
        return run


def test_start_and_finish_run(any_engine: Engine) -> None:
    job_id = create_job(any_engine)
    run = _start(any_engine, job_id)
    assert run.attempt == 1
    assert run.status == RunStatus.RUNNING
    assert run.carrier == "meridian"
    with new_session(any_engine) as session:
        loaded = repo.get_run(session=session, run_id=run.id)
        assert loaded is not None
        repo.finish_run(session=session, run=loaded, status=RunStatus.FAILED,
                        error_type="layout_changed", error_message="no #benefits table")
        session.commit()
    with new_session(any_engine) as session:
        done = repo.get_run(session=session, run_id=run.id)
        assert done is not None
        assert done.status == RunStatus.FAILED
        assert done.finished_at is not None and done.finished_at >= done.started_at
        assert done.error_type == "layout_changed"
        assert done.error_message == "no #benefits table"
        assert repo.get_run(session=session, run_id="0" * 32) is None


def test_run_events_append_in_order(any_engine: Engine) -> None:
    run = _start(any_engine, create_job(any_engine))
    for event in ("login", "mfa code accepted", "member found"):
        with new_session(any_engine) as session:
            repo.add_run_event(session=session, run_id=run.id, event=event)
            session.commit()
    with new_session(any_engine) as session:
        repo.add_run_event(session=session, run_id="0" * 32, event="ignored")
        loaded = repo.get_run(session=session, run_id=run.id)
        assert loaded is not None
        assert [e["event"] for e in loaded.events] == ["login", "mfa code accepted",
                                                        "member found"]
        assert all("at" in e for e in loaded.events)


def test_abandon_runs_of_a_dead_worker(any_engine: Engine, clock: Clock) -> None:
    job_id = create_job(any_engine)
    first = _start(any_engine, job_id, "dead-worker")
    clock.advance(120)
    second = _start(any_engine, job_id, "new-worker")
    assert second.attempt == 2
    with new_session(any_engine) as session:
        # the new run is 'running' too: abandon_runs is called before starting it
        assert repo.abandon_runs(session=session, job_id=job_id) == 2
        session.commit()
    with new_session(any_engine) as session:
        for run_id in (first.id, second.id):
            run = repo.get_run(session=session, run_id=run_id)
            assert run is not None
            assert run.status == RunStatus.ABANDONED
            assert run.error_type == "worker_lost"
        assert repo.abandon_runs(session=session, job_id=job_id) == 0


def test_list_runs_filters(any_engine: Engine, clock: Clock) -> None:
    check_a = create_job(any_engine, member_id="MER000001")
    check_b = create_job(any_engine, member_id="MER000002")
    run_a = _start(any_engine, check_a)
    clock.advance(1)
    run_b = _start(any_engine, check_b)
    with new_session(any_engine) as session:
        loaded = repo.get_run(session=session, run_id=run_a.id)
        assert loaded is not None
        repo.finish_run(session=session, run=loaded, status=RunStatus.SUCCEEDED)
        session.commit()
    with new_session(any_engine) as session:
        assert {r.id for r in repo.list_runs(session=session)} == {run_a.id, run_b.id}
        assert [r.id for r in repo.list_runs(session=session, job_id=check_b)] == [run_b.id]
        assert [r.id for r in repo.list_runs(session=session, status="succeeded")] == [run_a.id]
        assert [r.id for r in repo.list_runs(session=session, status="running")] == [run_b.id]
        assert len(repo.list_runs(session=session, limit=1)) == 1


def test_artifacts(any_engine: Engine) -> None:
    run = _start(any_engine, create_job(any_engine))
    with new_session(any_engine) as session:
        shot = repo.add_artifact(session=session, run_id=run.id, kind="screenshot",
                                 filename="failure.png", content_type="image/png", size=1234,
                                 sha256="a" * 64, path=f"{run.id}/failure.png")
        html = repo.add_artifact(session=session, run_id=run.id, kind="html",
                                 filename="page.html", content_type="text/html", size=99,
                                 sha256="b" * 64, path=f"{run.id}/page.html")
        session.commit()
    with new_session(any_engine) as session:
        listed = repo.list_artifacts(session=session, run_id=run.id)
        assert {a.id for a in listed} == {shot.id, html.id}
        loaded = repo.get_artifact(session=session, artifact_id=shot.id)
        assert loaded is not None
        assert (loaded.kind, loaded.filename, loaded.size, loaded.sha256, loaded.path) == (
            "screenshot", "failure.png", 1234, "a" * 64, f"{run.id}/failure.png")
        assert repo.get_artifact(session=session, artifact_id="0" * 32) is None
        assert repo.list_artifacts(session=session, run_id="0" * 32) == []


def test_artifact_needs_an_existing_run(any_engine: Engine) -> None:
    with pytest.raises(IntegrityError), new_session(any_engine) as session:
        repo.add_artifact(session=session, run_id="0" * 32, kind="html", filename="x.html",
                          content_type="text/html", size=1, sha256="c" * 64, path="x")
        session.commit()


def test_result_round_trip_is_exact(any_engine: Engine) -> None:
    job_id = create_job(any_engine)
    run = _start(any_engine, job_id)
    result = sample_result()
    with new_session(any_engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        record = repo.save_result(session=session, job=check, run=run, result=result)
        assert record.member_id == "MER100200"
        session.commit()
    with new_session(any_engine) as session:
        loaded = repo.get_result(session=session, job_id=job_id)
        assert repo.get_result(session=session, job_id="0" * 32) is None
    assert loaded == result
    deductible = loaded.accumulator(BenefitKind.DEDUCTIBLE, CoverageLevel.INDIVIDUAL, Network.IN)
    assert deductible["amount"] == Decimal("1500.00")
    assert str(deductible["amount"]) == "1500.00"
    assert str(deductible["remaining"]) == "1234.56"
    copay = loaded.lines(BenefitKind.COPAYMENT)[0]
    assert copay.amount is not None
    assert isinstance(copay.amount, Decimal) and str(copay.amount) == "0.10"
    assert str(loaded.lines(BenefitKind.COINSURANCE)[0].percent) == "0.3"


def test_one_result_per_check(any_engine: Engine) -> None:
    job_id = create_job(any_engine)
    run = _start(any_engine, job_id)
    with new_session(any_engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        repo.save_result(session=session, job=check, run=run, result=sample_result())
        session.commit()
    with pytest.raises(IntegrityError), new_session(any_engine) as session:
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        repo.save_result(session=session, job=check, run=run, result=sample_result())
        session.commit()


def test_audit_trail_newest_first(any_engine: Engine) -> None:
    with new_session(any_engine) as session:
        repo.audit(session=session, actor="alice", action="artifact.view",
                   target_type="artifact", target_id="abc", detail="screenshot")
        session.commit()
    with new_session(any_engine) as session:
        repo.audit(session=session, actor="bob", action="check.retry", target_type="check",
                   target_id="def")
        session.commit()
    with new_session(any_engine) as session:
        events = repo.list_audit(session=session)
        assert [(e.actor, e.action, e.target_id) for e in events] == [
            ("bob", "check.retry", "def"), ("alice", "artifact.view", "abc")]
        assert events[1].detail == "screenshot"
        assert events[0].at >= events[1].at
        assert len(repo.list_audit(session=session, limit=1)) == 1


def test_dumps_safe() -> None:
    assert repo.dumps_safe({"amount": Decimal("1.50")}) == '{"amount": "1.50"}'


def test_artifacts_created_before_oldest_first(any_engine: Engine) -> None:
    run = _start(any_engine, create_job(any_engine))
    now = utcnow()
    ages = {"old.html": 40, "older.html": 50, "new.html": 1}
    with new_session(any_engine) as session:
        for name, days in ages.items():
            session.add(Artifact(run_id=run.id, kind="html", filename=name,
                                 content_type="text/html", size=1, sha256="d" * 64,
                                 path=f"{run.id}/{name}",
                                 created_at=now - dt.timedelta(days=days)))
        session.commit()
    with new_session(any_engine) as session:
        cutoff = now - dt.timedelta(days=30)
        expired = repo.artifacts_created_before(session=session, before=cutoff)
        assert [a.filename for a in expired] == ["older.html", "old.html"]
        assert [a.filename for a in repo.artifacts_created_before(
            session=session, before=cutoff, limit=1)] == ["older.html"]
        assert repo.artifacts_created_before(session=session,
                                             before=now - dt.timedelta(days=60)) == []
