"""storage.api_tokens on SQLite and PostgreSQL: only a hash is stored, a token holds at most
its person's roles (and loses one taken from them), it ends at expiry, at revocation and
with its person, and ``last_used_at`` is written at most once a minute."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from portals.access import Role
from storage.api_tokens import (
    MAX_DAYS,
    PREFIX,
    TokenError,
    authenticate_token,
    create_token,
    get_token,
    is_live,
    list_tokens,
    revoke_token,
    token_hash,
    token_roles,
)
from storage.db import session_scope
from storage.models import ApiToken, User
from storage.users import create_user, delete_user, set_roles

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _user(engine: Engine, name: str = "maria", *roles: Role) -> int:
    with session_scope(engine) as session:
        user = create_user(session=session, username=name, password="a long password",
                           roles=roles or (Role.BILLING, Role.REVIEWER))
        assert user.id is not None
        return user.id


def _make(engine: Engine, user_id: int, **kwargs: object) -> tuple[int, str]:
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        args: dict[str, object] = {"name": "sync", "days": 30, "now": NOW, **kwargs}
        token, plain = create_token(session=session, user=user, **args)  # type: ignore[arg-type]
        assert token.id is not None
        return token.id, plain


def test_only_the_hash_is_stored(any_engine: Engine) -> None:
    token_id, plain = _make(any_engine, _user(any_engine))
    assert plain.startswith(PREFIX) and len(plain) == len(PREFIX) + 43
    with session_scope(any_engine) as session:
        token = get_token(session=session, token_id=token_id)
        assert token is not None
        assert token.token_hash == token_hash(plain) and plain not in token.model_dump_json()
        assert token.prefix == plain[:10] and token.name == "sync"
        assert token.roles == "billing,reviewer"  # all the person's roles by default
        assert token.expires_at.replace(tzinfo=dt.UTC) == NOW + dt.timedelta(days=30)
    assert _make(any_engine, _user(any_engine, "joe"))[1] != plain


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": ""}, "name"), ({"name": "  "}, "name"), ({"name": "x" * 81}, "name"),
    ({"name": "a\nb"}, "name"), ({"days": 0}, "days"), ({"days": MAX_DAYS + 1}, "days"),
    ({"days": -1}, "days"), ({"roles": []}, "at least one role"),
    ({"roles": [Role.ADMIN]}, "roles its person lacks (admin)"),
    ({"roles": [Role.BILLING, Role.FRONT_DESK]}, "(front_desk)"),
])
def test_refused_tokens(engine: Engine, kwargs: dict[str, object], message: str) -> None:
    user_id = _user(engine)
    with pytest.raises(TokenError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _make(engine, user_id, **kwargs)
    with session_scope(engine) as session:
        assert list_tokens(session=session) == []


def test_a_person_without_roles_gets_no_token(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = create_user(session=session, username="newcomer", password="a long password")
        with pytest.raises(TokenError, match="at least one role"):
            create_token(session=session, user=user, name="x", days=1)


def test_authenticate_with_the_roles_held_now(any_engine: Engine) -> None:
    user_id = _user(any_engine)
    _, plain = _make(any_engine, user_id, roles=[Role.BILLING, Role.REVIEWER])
    with session_scope(any_engine) as session:
        bearer = authenticate_token(session=session, plain=plain, now=NOW)
        assert bearer is not None and bearer.user.username == "maria"
        assert bearer.roles == {Role.BILLING, Role.REVIEWER}
        user = session.get(User, user_id)
        assert user is not None
        set_roles(session=session, user=user, roles={Role.BILLING, Role.ADMIN})
    with session_scope(any_engine) as session:
        bearer = authenticate_token(session=session, plain=plain, now=NOW)
        # reviewer taken from the person is gone; admin given later is not the token's
        assert bearer is not None and bearer.roles == {Role.BILLING}
        assert token_roles(bearer.token) == {Role.BILLING, Role.REVIEWER}


@pytest.mark.parametrize("plain", ["", "pt_", "pt_nothing-like-it", "not-a-token",
                                   "pt_" + "x" * 300, "pt_\udcff"])
def test_unknown_tokens_are_refused(engine: Engine, plain: str) -> None:
    _make(engine, _user(engine))
    with session_scope(engine) as session:
        assert authenticate_token(session=session, plain=plain, now=NOW) is None


def test_expiry_and_revocation_end_a_token(any_engine: Engine) -> None:
    token_id, plain = _make(any_engine, _user(any_engine), days=1)
    later = NOW + dt.timedelta(days=1)
    with session_scope(any_engine) as session:
        token = get_token(session=session, token_id=token_id)
        assert token is not None
        assert is_live(token, later - dt.timedelta(seconds=1)) and not is_live(token, later)
        assert authenticate_token(session=session, plain=plain, now=later) is None
        assert authenticate_token(session=session, plain=plain, now=NOW) is not None
        assert revoke_token(session=session, token=token, now=NOW)
        assert not revoke_token(session=session, token=token, now=NOW)  # already ended
    with session_scope(any_engine) as session:
        assert authenticate_token(session=session, plain=plain, now=NOW) is None
        token = get_token(session=session, token_id=token_id)
        assert token is not None and not is_live(token, NOW)


def test_last_used_is_written_at_most_once_a_minute(engine: Engine) -> None:
    token_id, plain = _make(engine, _user(engine))
    for seconds in (0, 30, 59, 61):
        with session_scope(engine) as session:
            authenticate_token(session=session, plain=plain,
                               now=NOW + dt.timedelta(seconds=seconds))
    with session_scope(engine) as session:
        token = get_token(session=session, token_id=token_id)
        assert token is not None and token.last_used_at is not None
        assert token.last_used_at.replace(tzinfo=dt.UTC) == NOW + dt.timedelta(seconds=61)


def test_tokens_are_listed_newest_first_per_person(engine: Engine) -> None:
    maria, joe = _user(engine), _user(engine, "joe", Role.FRONT_DESK)
    first, _ = _make(engine, maria, now=NOW)
    second, _ = _make(engine, maria, now=NOW + dt.timedelta(hours=1))
    other, _ = _make(engine, joe)
    with session_scope(engine) as session:
        assert [t.id for t in list_tokens(session=session, user_id=maria)] == [second, first]
        assert [t.id for t in list_tokens(session=session, user_id=joe)] == [other]
        assert len(list_tokens(session=session)) == 3


def test_a_removed_persons_tokens_go_with_them(any_engine: Engine) -> None:
    _, plain = _make(any_engine, _user(any_engine))
    kept, _ = _make(any_engine, _user(any_engine, "joe", Role.FRONT_DESK))
    with session_scope(any_engine) as session:
        assert delete_user(session=session, username="maria")
    with session_scope(any_engine) as session:
        assert authenticate_token(session=session, plain=plain, now=NOW) is None
        assert [t.id for t in session.exec(select(ApiToken))] == [kept]
