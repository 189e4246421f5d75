"""storage.users: scrypt hashes, create, authenticate; storage.web_sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import select

from storage.db import session_scope
from storage.models import WebSession, utcnow
from storage.users import (
    UserError,
    authenticate,
    create_user,
    delete_user,
    hash_password,
    list_users,
    set_password,
    verify_password,
)
from storage.web_sessions import active_session, end_session, start_session


def test_hash_is_salted_scrypt_and_verifies() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$") and first != second
    assert "correct horse" not in first
    assert verify_password("correct horse", first)
    assert verify_password(SecretStr("correct horse"), second)
    assert not verify_password("correct hors", first)


@pytest.mark.parametrize("stored", ["", "bcrypt$x", "scrypt$1$2$3$!!$??", "scrypt$16384$8$1$AA"])
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_create_and_authenticate(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = create_user(session=session, username="maria", password="s3cret-pass")
        assert user.id is not None and user.password_hash != "s3cret-pass"
    with session_scope(engine) as session:
        found = authenticate(session=session, username="maria", password="s3cret-pass")
        assert found is not None and found.username == "maria"
        assert authenticate(session=session, username="maria", password="wrong-pass") is None
        assert authenticate(session=session, username="nobody", password="s3cret-pass") is None
        assert authenticate(session=session, username="maria", password="") is None
        assert [u.username for u in list_users(session=session)] == ["maria"]


def test_refused_users(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_user(session=session, username="maria", password="s3cret-pass")
    for username, password in [("maria", "another-pass"), ("", "long-enough"),
                               ("two words", "long-enough"), ("x" * 81, "long-enough"),
                               ("joe", "short")]:
        with session_scope(engine) as session, pytest.raises(UserError):
            create_user(session=session, username=username, password=password)


def test_set_password_and_delete(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_user(session=session, username="maria", password="s3cret-pass")
    with session_scope(engine) as session:
        assert set_password(session=session, username="maria", password="new-pass-123")
        assert not set_password(session=session, username="ghost", password="new-pass-123")
    with session_scope(engine) as session:
        assert authenticate(session=session, username="maria", password="s3cret-pass") is None
        assert authenticate(session=session, username="maria", password="new-pass-123")
        assert delete_user(session=session, username="maria")
    with session_scope(engine) as session:
        assert authenticate(session=session, username="maria", password="new-pass-123") is None


def test_web_sessions_end_at_logout_idle_expiry_and_password_change(engine: Engine) -> None:
    idle = dt.timedelta(minutes=15)
    with session_scope(engine) as session:
        user = create_user(session=session, username="maria", password="s3cret-pass")
        tokens = [start_session(session=session, user=user, lifetime=dt.timedelta(hours=8))
                  for _ in range(4)]
    now = utcnow()
    with session_scope(engine) as session:
        assert active_session(session=session, token=tokens[0], idle=idle) is not None
        assert active_session(session=session, token="not-a-token", idle=idle) is None
        assert end_session(session=session, token=tokens[0])
        assert not end_session(session=session, token=tokens[0])
        assert active_session(session=session, token=tokens[0], idle=idle) is None
        # idle: 16 minutes later, unused
        later = now + dt.timedelta(minutes=16)
        assert active_session(session=session, token=tokens[1], idle=idle, now=later) is None
        # absolute: used every 10 minutes, but 8 hours on
        assert active_session(session=session, token=tokens[2], idle=idle,
                              now=now + dt.timedelta(hours=8, seconds=1)) is None
    with session_scope(engine) as session:  # ended rows stay ended
        assert active_session(session=session, token=tokens[1], idle=idle) is None
        assert active_session(session=session, token=tokens[3], idle=idle) is not None
        assert set_password(session=session, username="maria", password="new-pass-123")
    with session_scope(engine) as session:
        assert active_session(session=session, token=tokens[3], idle=idle) is None
        assert all(web.ended_at is not None for web in session.exec(select(WebSession)))
        assert delete_user(session=session, username="maria")
    with session_scope(engine) as session:  # a removed user's sessions go with them
        assert list(session.exec(select(WebSession))) == []
