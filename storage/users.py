"""Staff users of the web UI: scrypt password hashes and keyword-only CRUD.

A hash is stored as ``scrypt$<n>$<r>$<p>$<salt b64>$<key b64>`` so its cost can be raised
later without breaking existing users: :func:`authenticate` reads the parameters back
from the stored value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from pydantic import SecretStr
from sqlmodel import Session, col, delete, select

from portals.access import Role, parse_roles
from storage.models import User, UserRole
from storage.web_sessions import end_user_sessions

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
KEY_BYTES = 32
SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 80

# Hashed when a username is unknown, so a wrong username costs as much as a wrong password.
_DUMMY_SALT = b"\x00" * SALT_BYTES


class UserError(ValueError):
    """A username or password that cannot be used (taken, empty, too short...)."""


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=128 * r * n * 2)


def _plain(password: SecretStr | str) -> str:
    return password.get_secret_value() if isinstance(password, SecretStr) else password


def hash_password(password: SecretStr | str) -> str:
    """A salted scrypt hash of ``password`` in the self-describing stored format."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(_plain(password), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: SecretStr | str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for any malformed hash."""
    try:
        scheme, n, r, p, salt_b64, key_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(key_b64, validate=True)
        actual = _scrypt(_plain(password), salt, int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > MAX_USERNAME_LENGTH or not name.isprintable() \
            or any(ch.isspace() for ch in name):
        raise UserError(f"a username is 1 to {MAX_USERNAME_LENGTH} printable characters "
                        "without spaces")
    return name


def _check_password(password: SecretStr | str) -> None:
    plain = _plain(password)
    if not MIN_PASSWORD_LENGTH <= len(plain) <= MAX_PASSWORD_LENGTH:
        raise UserError(f"a password is {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
                        "characters long")


def get_user(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.strip())).first()


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


def get_user_by_id(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def create_user(*, session: Session, username: str, password: SecretStr | str,
                roles: Iterable[Role] = ()) -> User:
    """Add a staff user holding ``roles``; :class:`UserError` when the name is taken or a
    value is unusable. A user without roles can log in and manage their own tokens only."""
    name = _check_username(username)
    _check_password(password)
    if get_user(session=session, username=name) is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(username=name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    set_roles(session=session, user=user, roles=roles)
    return user


def roles_of(*, session: Session, user_id: int) -> frozenset[Role]:
    """The roles a person holds now (names no longer known are ignored, never granted)."""
    names = session.exec(select(UserRole.role).where(UserRole.user_id == user_id)).all()
    held: set[Role] = set()
    for name in names:
        try:
            held |= parse_roles([name])
        except ValueError:
            continue
    return frozenset(held)


def set_roles(*, session: Session, user: User, roles: Iterable[Role]) -> frozenset[Role]:
    """Replace the person's roles; returns the roles they held before."""
    assert user.id is not None
    before = roles_of(session=session, user_id=user.id)
    wanted = frozenset(roles)
    session.exec(delete(UserRole).where(col(UserRole.user_id) == user.id))  # type: ignore[call-overload]
    for role in sorted(wanted):
        session.add(UserRole(user_id=user.id, role=role.value))
    session.flush()
    return before


def set_password(*, session: Session, username: str, password: SecretStr | str) -> bool:
    """Replace a user's password; False when there is no such user."""
    _check_password(password)
    user = get_user(session=session, username=username)
    if user is None:
        return False
    user.password_hash = hash_password(password)
    session.add(user)
    if user.id is not None:  # whoever knew the old password is logged out everywhere
        end_user_sessions(session=session, user_id=user.id)
    return True


def delete_user(*, session: Session, username: str) -> bool:
    user = get_user(session=session, username=username)
    if user is None:
        return False
    session.delete(user)
    return True


def authenticate(*, session: Session, username: str, password: SecretStr | str) -> User | None:
    """The user when ``password`` is theirs, else None (same cost for an unknown name)."""
    plain = _plain(password)
    if len(plain) > MAX_PASSWORD_LENGTH or len(username) > MAX_USERNAME_LENGTH:
        return None
    user = get_user(session=session, username=username)
    if user is None:
        _scrypt(plain, _DUMMY_SALT, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        return None
    return user if verify_password(plain, user.password_hash) else None
