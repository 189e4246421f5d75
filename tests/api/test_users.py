"""storage.users: scrypt hashes, create, authenticate."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from storage.db import session_scope
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
