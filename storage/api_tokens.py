"""Personal API tokens: a person's own bearer token for API clients.

The token (``pt_`` and 43 random URL-safe characters) is shown once, when it is made; only
its SHA-256 is stored (it is random enough that a plain hash cannot be reversed), with its
first characters to tell tokens apart. A token acts with the roles chosen when it was
made that its person still holds, so taking a role from a person takes it from their
tokens too; it ends at its expiry, at revocation, or when the person is removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portals.access import Role, parse_roles, roles_text
from storage.models import ApiToken, User, utcnow
from storage.users import roles_of

PREFIX = "pt_"
MAX_NAME_LENGTH = 80
MAX_DAYS = 366
"""No token lives longer than a year; a new one is a click away."""
DEFAULT_DAYS = 90
TOUCH_EVERY = dt.timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token (a busy client stays cheap)."""


class TokenError(ValueError):
    """A token that cannot be made as asked (no name, roles the person lacks, ...)."""


@dataclass(frozen=True)
class Bearer:
    """Whom a presented token stands for: the token, its person and what it may do now."""

    token: ApiToken
    user: User
    roles: frozenset[Role]


def token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()


def token_roles(token: ApiToken) -> frozenset[Role]:
    try:
        return parse_roles(token.roles.split(","))
    except ValueError:
        return frozenset()


def create_token(*, session: Session, user: User, name: str, days: int,
                 roles: Iterable[Role] | None = None,
                 now: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the plain token (shown once)."""
    assert user.id is not None
    label = name.strip()
    if not label or len(label) > MAX_NAME_LENGTH or not label.isprintable():
        raise TokenError(f"a token's name is 1 to {MAX_NAME_LENGTH} printable characters")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"a token expires in 1 to {MAX_DAYS} days")
    held = roles_of(session=session, user_id=user.id)
    wanted = held if roles is None else frozenset(roles)
    if not wanted:
        raise TokenError("choose at least one role for the token")
    if not wanted <= held:
        missing = ", ".join(sorted(role.value for role in wanted - held))
        raise TokenError(f"a token cannot hold roles its person lacks ({missing})")
    plain = PREFIX + secrets.token_urlsafe(32)
    start = now or utcnow()
    token = ApiToken(user_id=user.id, name=label, token_hash=token_hash(plain),
                     prefix=plain[:10], roles=roles_text(wanted), created_at=start,
                     expires_at=start + dt.timedelta(days=days))
    session.add(token)
    session.flush()
    return token, plain


def list_tokens(*, session: Session, user_id: int | None = None) -> list[ApiToken]:
    """Tokens, newest first: one person's, or everyone's."""
    query = select(ApiToken).order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.exec(query))


def get_token(*, session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def revoke_token(*, session: Session, token: ApiToken,
                 now: dt.datetime | None = None) -> bool:
    """End a token now; False when it had already ended."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    session.add(token)
    return True


def is_live(token: ApiToken, now: dt.datetime) -> bool:
    expires = token.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive UTC
        expires = expires.replace(tzinfo=dt.UTC)
    return token.revoked_at is None and now < expires


def authenticate_token(*, session: Session, plain: str,
                       now: dt.datetime | None = None) -> Bearer | None:
    """The live token ``plain`` is, with its person and its roles now; else None."""
    if not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(plain))
                         ).first()
    moment = now or utcnow()
    if token is None or not is_live(token, moment):
        return None
    user = session.get(User, token.user_id)
    if user is None:
        return None
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    if last is None or moment - last >= TOUCH_EVERY:
        token.last_used_at = moment
        session.add(token)
    roles = token_roles(token) & roles_of(session=session, user_id=token.user_id)
    return Bearer(token=token, user=user, roles=roles)
