"""Dead web logins are deleted a day after they ended or expired (or, given the idle
timeout, a day after they went idle); a live one, however old, stays and still works."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portals.settings import Settings
from storage.db import session_scope
from storage.models import User, WebSession
from storage.users import create_user
from storage.web_sessions import active_session, purge_web_sessions, start_session
from workflows.recovery import purge_dead_web_sessions

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
IDLE = dt.timedelta(minutes=30)


def _login(engine: Engine, user_id: int, *, created: dt.timedelta,
           lifetime: dt.timedelta = dt.timedelta(hours=12),
           ended: dt.timedelta | None = None, seen: dt.timedelta | None = None) -> str:
    """A login made ``created`` before NOW (ended, last seen that long before NOW)."""
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        token = start_session(session=session, user=user, lifetime=lifetime)
        row = session.get(WebSession, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None
        row.created_at = NOW - created
        row.expires_at = NOW - created + lifetime
        row.last_seen_at = NOW - (seen if seen is not None else created)
        row.ended_at = NOW - ended if ended is not None else None
        session.add(row)
    return token


def _left(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(WebSession)).all())


def test_dead_logins_go_a_day_later_live_ones_stay(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        user_id = create_user(session=session, username="maria",
                              password="front-desk-pass").id
    assert user_id is not None
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    live = _login(any_engine, user_id, created=hour, seen=dt.timedelta(minutes=5))
    _login(any_engine, user_id, created=3 * day, ended=2 * day)  # logged out 2 days ago
    recent_logout = _login(any_engine, user_id, created=5 * hour, ended=4 * hour)
    _login(any_engine, user_id, created=3 * day, lifetime=12 * hour,  # expired 2.5 days ago
           seen=2 * day + 13 * hour)
    _login(any_engine, user_id, created=day + 11 * hour, lifetime=12 * hour,
           seen=day)  # expired 23 hours ago: kept until tomorrow
    idle_long_ago = _login(any_engine, user_id, created=2 * day, lifetime=72 * hour,
                           seen=2 * day)  # never used again, never ended, not expired
    assert _left(any_engine) == 6

    with session_scope(any_engine) as session:
        assert purge_web_sessions(session=session, now=NOW, keep_days=1) == 2
    assert _left(any_engine) == 4

    with session_scope(any_engine) as session:  # the idle timeout known: the idle one too
        assert purge_web_sessions(session=session, now=NOW, keep_days=1, idle=IDLE) == 1
    assert _left(any_engine) == 3

    with session_scope(any_engine) as session:  # the live login still works
        assert active_session(session=session, token=live, idle=IDLE, now=NOW) is not None
        assert active_session(session=session, token=recent_logout, idle=IDLE,
                              now=NOW) is None
        assert active_session(session=session, token=idle_long_ago, idle=IDLE,
                              now=NOW) is None

    with session_scope(any_engine) as session:  # a week on, only the live one was used
        later = NOW + dt.timedelta(days=7)
        assert purge_web_sessions(session=session, now=later, keep_days=1, idle=IDLE) == 3
        assert purge_web_sessions(session=session, now=later, keep_days=1, idle=IDLE) == 0
    assert _left(any_engine) == 0


def test_keep_days_is_how_long_dead_logins_are_kept(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        user_id = create_user(session=session, username="lee", password="front-desk-pass").id
    assert user_id is not None
    _login(any_engine, user_id, created=dt.timedelta(days=6), ended=dt.timedelta(days=5))
    with session_scope(any_engine) as session:
        assert purge_web_sessions(session=session, now=NOW, keep_days=7) == 0
        assert purge_web_sessions(session=session, now=NOW, keep_days=4) == 1


def test_the_recovery_loop_purges_with_the_idle_timeout(engine: Engine,
                                                         settings: Settings) -> None:
    """What the worker's recovery loop calls, beside the artifact purge."""
    with session_scope(engine) as session:
        user_id = create_user(session=session, username="kim", password="front-desk-pass").id
    assert user_id is not None
    now = dt.datetime.now(dt.UTC)
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        for seen in (dt.timedelta(minutes=1), dt.timedelta(days=1) + 2 * idle):
            token = start_session(session=session, user=user,
                                  lifetime=dt.timedelta(days=30))
            row = session.get(WebSession, hashlib.sha256(token.encode()).hexdigest())
            assert row is not None
            row.last_seen_at = now - seen
            session.add(row)
    assert purge_dead_web_sessions(engine, settings) == 1
    assert _left(engine) == 1
