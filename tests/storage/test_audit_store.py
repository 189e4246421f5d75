"""Reading the audit trail (filters, order, pages, the export's batches) and its retention
purge, on SQLite and PostgreSQL; and that nothing else in the code removes or changes an
audit row."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portals.settings import Settings
from storage import repo
from storage.audit import (
    PURGE_ACTION,
    PURGE_ACTOR,
    AuditFilter,
    count_events,
    find_events,
    iter_events,
    purge_audit,
)
from storage.models import AuditEvent
from tests.storage.conftest import new_session
from workflows.retention import purge_expired_audit

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


def _add(engine: Engine, at: dt.datetime, actor: str = "ana", action: str = "run.view",
         actor_type: str = "person", target_type: str = "run", target_id: str = "r1",
         detail: str | None = None) -> int:
    with new_session(engine) as session:
        event = repo.audit(session=session, actor=actor, action=action,
                           actor_type=actor_type, target_type=target_type,
                           target_id=target_id, detail=detail, client_address="10.0.0.7")
        event.at = at
        session.commit()
        assert event.id is not None
        return event.id


def _ids(engine: Engine, filters: AuditFilter, **page: int) -> list[int]:
    with new_session(engine) as session:
        return [e.id or 0 for e in find_events(session=session, filters=filters, **page)]


def _count(engine: Engine, filters: AuditFilter) -> int:
    with new_session(engine) as session:
        return count_events(session=session, filters=filters)


def _all(engine: Engine) -> list[AuditEvent]:
    with new_session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))


def test_each_filter_narrows(any_engine: Engine) -> None:
    hour = dt.timedelta(hours=1)
    login = _add(any_engine, NOW - 3 * hour, actor="ana", action="user.login",
                 target_type="user", target_id="ana")
    failed = _add(any_engine, NOW - 2 * hour, actor="anonymous", actor_type="anonymous",
                  action="user.login_failed", target_type="user", target_id="mallory")
    view = _add(any_engine, NOW - hour, actor="ben", action="run.view", target_id="r9")
    token = _add(any_engine, NOW, actor="admin-token", actor_type="admin_token",
                 action="check.retry", target_type="check", target_id="c1")

    assert _ids(any_engine, AuditFilter()) == [token, view, failed, login]
    assert _ids(any_engine, AuditFilter(actor="ana")) == [login]
    assert _ids(any_engine, AuditFilter(actor="an")) == []  # exact, not a prefix
    assert _ids(any_engine, AuditFilter(actor_type="admin_token")) == [token]
    assert _ids(any_engine, AuditFilter(action="user.")) == [failed, login]
    assert _ids(any_engine, AuditFilter(action="user.login")) == [login]
    assert _ids(any_engine, AuditFilter(action="user")) == []
    assert _ids(any_engine, AuditFilter(target_type="user")) == [failed, login]
    assert _ids(any_engine, AuditFilter(target_id="r9")) == [view]
    assert _ids(any_engine, AuditFilter(target_type="user", actor="anonymous")) == [failed]
    # since is inclusive, until exclusive
    assert _ids(any_engine, AuditFilter(since=NOW - 2 * hour)) == [token, view, failed]
    assert _ids(any_engine, AuditFilter(until=NOW - hour)) == [failed, login]
    assert _ids(any_engine, AuditFilter(since=NOW - 2 * hour, until=NOW)) == [view, failed]
    assert _count(any_engine, AuditFilter()) == 4
    assert _count(any_engine, AuditFilter(action="user.")) == 2
    assert _count(any_engine, AuditFilter(actor="nobody")) == 0


def test_action_prefix_is_literal(any_engine: Engine) -> None:
    """LIKE's wildcards in a prefix match only themselves."""
    plain = _add(any_engine, NOW, action="user.login")
    odd = _add(any_engine, NOW, action="us%r.login")
    assert _ids(any_engine, AuditFilter(action="us%r.")) == [odd]
    assert _ids(any_engine, AuditFilter(action="_ser.")) == []
    assert _ids(any_engine, AuditFilter(action="%.")) == []
    assert _ids(any_engine, AuditFilter(action="user.")) == [plain]


def test_pages_are_stable_when_times_tie(any_engine: Engine) -> None:
    """Newest first, then by id: pages neither repeat nor skip events of the same instant."""
    ids = [_add(any_engine, NOW if i % 2 else NOW - dt.timedelta(seconds=1),
                target_id=f"r{i}") for i in range(7)]
    expected = sorted(ids[1::2], reverse=True) + sorted(ids[0::2], reverse=True)
    assert _ids(any_engine, AuditFilter()) == expected
    pages = [_ids(any_engine, AuditFilter(), limit=3, offset=o) for o in (0, 3, 6, 9)]
    assert pages == [expected[:3], expected[3:6], expected[6:], []]


def test_export_batches_cover_every_event_once(any_engine: Engine) -> None:
    ids = [_add(any_engine, NOW - dt.timedelta(seconds=i // 3), target_id=f"r{i}")
           for i in range(11)]
    _add(any_engine, NOW, action="user.login")  # filtered out
    with new_session(any_engine) as session:
        for size in (1, 2, 3, 4, 11, 50):
            got = [e.id for e in iter_events(session=session,
                                             filters=AuditFilter(action="run.view"),
                                             batch_size=size)]
            assert got == _ids(any_engine, AuditFilter(action="run.view"), limit=100)
            assert sorted(got) == sorted(ids)  # type: ignore[type-var]


def test_purge_removes_only_old_events_and_says_so_once(any_engine: Engine) -> None:
    days = 400
    cutoff = NOW - dt.timedelta(days=days)
    old = [_add(any_engine, cutoff - dt.timedelta(days=d), target_id=f"old{d}")
           for d in (1, 30, 3000)]
    edge = _add(any_engine, cutoff, target_id="edge")  # exactly at the cutoff: kept
    recent = _add(any_engine, NOW - dt.timedelta(days=1), target_id="recent")
    before = {e.id: e.model_dump() for e in _all(any_engine)}

    assert purge_audit(db=any_engine, older_than_days=days, now=NOW) == 3

    after = _all(any_engine)
    kept = [e for e in after if e.action != PURGE_ACTION]
    assert [e.id for e in kept] == [edge, recent]
    assert all(e.model_dump() == before[e.id] for e in kept)
    assert not {e.id for e in after} & set(old)
    (summary,) = [e for e in after if e.action == PURGE_ACTION]
    assert summary.actor == PURGE_ACTOR and summary.actor_type == "system"
    detail = json.loads(summary.detail or "")
    assert detail["deleted"] == 3 and detail["older_than_days"] == days
    assert dt.datetime.fromisoformat(detail["cutoff"]) == cutoff

    # nothing more to purge: nothing deleted, nothing recorded
    assert purge_audit(db=any_engine, older_than_days=days, now=NOW) == 0
    assert len(_all(any_engine)) == len(after)


def test_purge_in_a_session_is_the_callers_transaction(any_engine: Engine) -> None:
    _add(any_engine, NOW - dt.timedelta(days=800))
    with Session(any_engine) as session:
        assert purge_audit(db=session, older_than_days=365, now=NOW) == 1
        session.rollback()
    assert [e.action for e in _all(any_engine)] == ["run.view"]
    assert purge_expired_audit(any_engine, 365, now=NOW) == 1
    assert [e.action for e in _all(any_engine)] == [PURGE_ACTION]


def test_audit_retention_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTALS_AUDIT_RETENTION_DAYS", raising=False)
    assert Settings().audit_retention_days == 2192
    monkeypatch.setenv("PORTALS_AUDIT_RETENTION_DAYS", "3000")
    assert Settings().audit_retention_days == 3000
    monkeypatch.setenv("PORTALS_AUDIT_RETENTION_DAYS", "364")
    with pytest.raises(ValidationError, match="audit_retention_days"):
        Settings()


def test_the_recovery_loop_purges_the_audit_trail() -> None:
    source = (ROOT / "workflows" / "recovery.py").read_text()
    assert re.search(r"purge_expired_audit\(self\.engine,\s*"
                     r"self\.settings\.audit_retention_days\)", source)


_WRITES = re.compile(r"(delete|update)\(\s*AuditEvent|session\.delete\(\s*(event|audit)"
                     r"|(DELETE\s+FROM|UPDATE)\s+\"?audit_events", re.IGNORECASE)


def test_only_the_purge_removes_or_changes_audit_rows() -> None:
    """The trail is append-only: no statement in the application deletes or updates
    audit_events except :func:`storage.audit.purge_audit` (migrations aside)."""
    offenders = []
    for package in ("api", "storage", "workflows", "portals", "bots"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "storage" / "audit.py":
                continue
            if _WRITES.search(path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    assert _WRITES.search((ROOT / "storage" / "audit.py").read_text())
