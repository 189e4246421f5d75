"""Server-side web logins: the cookie holds a random token, this table its SHA-256.

Logout ends the row, so a cookie copied before logout stops working; a row also ends
when it has not been used for the idle timeout or when its absolute expiry passes.
``last_seen_at`` is written at most every ``TOUCH_EVERY`` so that every page view does
not write to the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlmodel import Session, col, delete, select, update

from storage.models import User, WebSession, utcnow

TOUCH_EVERY = dt.timedelta(seconds=30)
MAX_TOKEN_LENGTH = 100
"""A real token is 43 characters; anything far longer is not worth hashing."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def start_session(*, session: Session, user: User, lifetime: dt.timedelta,
                  client_address: str = "", user_agent: str = "") -> str:
    """A new web login for ``user``; returns the token for the cookie (shown only here)."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(WebSession(id=_hash(token), user_id=user.id, created_at=now,
                           last_seen_at=now, expires_at=now + lifetime,
                           client_address=client_address[:64], user_agent=user_agent[:300]))
    session.flush()
    return token


def active_session(*, session: Session, token: str, idle: dt.timedelta,
                   now: dt.datetime | None = None) -> tuple[WebSession, User] | None:
    """The live web login and its user for ``token``; None when unknown, ended, idle for
    ``idle`` or past its absolute expiry (the row is then ended, so it stays dead)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = session.exec(select(WebSession, User).join(User).where(
        WebSession.id == _hash(token), col(WebSession.ended_at).is_(None))).first()
    if found is None:
        return None
    web, user = found
    now = now or utcnow()
    if now >= _aware(web.expires_at) or now - _aware(web.last_seen_at) >= idle:
        web.ended_at = now
        session.add(web)
        return None
    if now - _aware(web.last_seen_at) >= TOUCH_EVERY:
        web.last_seen_at = now
        session.add(web)
    return web, user


def end_session(*, session: Session, token: str) -> bool:
    """End the web login of ``token`` (logout); False when it was not live."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    result = session.exec(update(WebSession)  # type: ignore[call-overload]
                          .where(col(WebSession.id) == _hash(token),
                                 col(WebSession.ended_at).is_(None))
                          .values(ended_at=utcnow()))
    return bool(result.rowcount)


def end_user_sessions(*, session: Session, user_id: int) -> int:
    """End every live web login of a user (password change, removal); how many ended."""
    result = session.exec(update(WebSession)  # type: ignore[call-overload]
                          .where(col(WebSession.user_id) == user_id,
                                 col(WebSession.ended_at).is_(None))
                          .values(ended_at=utcnow()))
    return int(result.rowcount)


def purge_web_sessions(*, session: Session, now: dt.datetime | None = None,
                       keep_days: float = 1, idle: dt.timedelta | None = None) -> int:
    """Delete the web logins that ended (logout, a password change, a timeout noticed) or
    passed their absolute expiry more than ``keep_days`` ago, and, given the ``idle``
    timeout, those left unused that long and more (a browser that never came back: no
    request ever ended the row). A live login is never touched. Returns how many went.

    The rows name who was logged in from where; once dead they serve nobody (the audit
    trail keeps the logins), so they are not kept for ever."""
    cutoff = (now or utcnow()) - dt.timedelta(days=keep_days)
    dead = (col(WebSession.ended_at) < cutoff) | (col(WebSession.expires_at) < cutoff)
    if idle is not None:
        dead = dead | (col(WebSession.last_seen_at) < cutoff - idle)
    result = session.exec(delete(WebSession).where(dead))  # type: ignore[call-overload]
    return int(result.rowcount)
