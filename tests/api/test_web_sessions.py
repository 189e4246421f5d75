"""Web sessions and logins: server-side sessions that logout and timeouts end, Secure
cookies, CSRF on login and logout, throttling that slows guessing without locking a
person out (also with Redis down), and bad input that never crashes the login."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.engine import Engine
from sqlmodel import select

from api.login_throttle import ADDRESS_FREE, PAIR_FREE, LoginThrottle
from portals.access import ALL_ROLES
from storage.db import session_scope
from storage.models import WebSession
from storage.users import create_user, set_password
from tests.api.web_login import login, logout, page_csrf

USER, PASSWORD = "maria", "front-desk-pass"


@pytest.fixture
def staff(db: Engine) -> str:
    with session_scope(db) as session:
        create_user(session=session, username=USER, password=PASSWORD, roles=ALL_ROLES)
    return USER


@pytest.fixture
def from_address(app: FastAPI) -> Callable[[str], TestClient]:
    """Another browser, on another machine (its own cookies and client address)."""
    return lambda address: TestClient(app, client=(address, 50000))


def _logged_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def _copy_cookies(source: TestClient, target: TestClient) -> None:
    for name, value in source.cookies.items():
        target.cookies.set(name, value)


def _age_sessions(db: Engine, **delta: float) -> None:
    """Travel in time: every session began and was last used ``delta`` earlier."""
    with session_scope(db) as session:
        for web in session.exec(select(WebSession)):
            web.created_at -= dt.timedelta(**delta)
            web.last_seen_at -= dt.timedelta(**delta)
            web.expires_at -= dt.timedelta(**delta)
            session.add(web)


# -- sessions -------------------------------------------------------------------------


def test_the_cookie_holds_only_a_token_the_database_only_its_hash(
    client: TestClient, staff: str, db: Engine
) -> None:
    response = login(client, staff, PASSWORD)
    assert response.status_code == 303
    token = client.cookies["portals_sid"]
    assert 40 <= len(token) <= 50 and staff not in token
    with session_scope(db) as session:
        rows = list(session.exec(select(WebSession)))
    assert len(rows) == 1 and rows[0].id != token and len(rows[0].id) == 64
    assert rows[0].ended_at is None and rows[0].client_address == "testclient"


def test_a_copied_cookie_stops_working_at_logout(
    client: TestClient, staff: str, from_address: Callable[[str], TestClient]
) -> None:
    # given a session cookie an attacker copied while the user was logged in
    assert login(client, staff, PASSWORD).status_code == 303
    thief = from_address("203.0.113.9")
    _copy_cookies(client, thief)
    assert _logged_in(thief)
    # when the user logs out
    assert logout(client).status_code == 303
    # then the copy is dead as well
    assert not _logged_in(client)
    assert not _logged_in(thief)


def test_logging_in_again_ends_the_browsers_earlier_session(
    client: TestClient, staff: str, from_address: Callable[[str], TestClient]
) -> None:
    assert login(client, staff, PASSWORD).status_code == 303
    earlier = from_address("203.0.113.9")
    _copy_cookies(client, earlier)
    assert login(client, staff, PASSWORD).status_code == 303
    assert _logged_in(client)
    assert not _logged_in(earlier)


def test_a_session_ends_after_the_idle_timeout(
    client: TestClient, staff: str, db: Engine, from_address: Callable[[str], TestClient]
) -> None:
    assert login(client, staff, PASSWORD).status_code == 303
    copy = from_address("203.0.113.9")
    _copy_cookies(client, copy)
    _age_sessions(db, minutes=10)
    assert _logged_in(client)  # used within 15 minutes: still live, and touched
    _age_sessions(db, minutes=16)
    assert not _logged_in(client)
    assert not _logged_in(copy)
    _age_sessions(db, minutes=-16)  # even "back in time" an ended session stays ended
    assert not _logged_in(copy)


def test_a_session_ends_at_its_absolute_expiry_however_busy(
    client: TestClient, staff: str, db: Engine
) -> None:
    assert login(client, staff, PASSWORD).status_code == 303
    for _ in range(3):  # used every 10 minutes (never idle), for 7.5 hours
        with session_scope(db) as session:
            for web in session.exec(select(WebSession)):
                web.expires_at -= dt.timedelta(hours=2.5)
                session.add(web)
        assert _logged_in(client)
    with session_scope(db) as session:
        for web in session.exec(select(WebSession)):
            web.expires_at -= dt.timedelta(hours=0.6)
            session.add(web)
    assert not _logged_in(client)


def test_a_tiny_idle_setting_is_honoured(
    app: FastAPI, client: TestClient, staff: str
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"session_idle_minutes": 1e-9})
    assert login(client, staff, PASSWORD).status_code == 303
    assert not _logged_in(client)


def test_a_password_change_ends_the_users_sessions(
    client: TestClient, staff: str, db: Engine
) -> None:
    assert login(client, staff, PASSWORD).status_code == 303
    with session_scope(db) as session:
        assert set_password(session=session, username=staff, password="a-new-password")
    assert not _logged_in(client)


# -- cookies and CSRF -----------------------------------------------------------------


def test_cookies_are_secure_when_the_setting_is_on(
    app: FastAPI, client: TestClient, staff: str
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"secure_cookies": True})
    response = login(client, staff, PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("portals_sid="))
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= attributes


def test_cookies_are_not_secure_by_default(client: TestClient, staff: str) -> None:
    cookie = login(client, staff, PASSWORD).headers["set-cookie"].lower()
    assert "secure" not in cookie and "httponly" in cookie


def test_login_needs_the_login_pages_csrf_token(
    client: TestClient, staff: str, from_address: Callable[[str], TestClient]
) -> None:
    no_token = client.post("/login", data={"username": staff, "password": PASSWORD},
                           follow_redirects=False)
    assert no_token.status_code == 403
    # a token from another browser's login page (a forging site's own) does not do
    other = from_address("198.51.100.7")
    foreign = page_csrf(other.get("/login").text)
    forged = client.post("/login", data={"username": staff, "password": PASSWORD,
                                         "csrf": foreign}, follow_redirects=False)
    assert forged.status_code == 403
    assert not _logged_in(client)
    assert login(client, staff, PASSWORD).status_code == 303


def test_logout_needs_a_post_with_the_sessions_csrf_token(
    client: TestClient, staff: str
) -> None:
    assert login(client, staff, PASSWORD).status_code == 303
    assert client.get("/logout", follow_redirects=False).status_code == 405
    assert client.post("/logout", data={"csrf": "forged"},
                       follow_redirects=False).status_code == 403
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert _logged_in(client)
    assert logout(client).status_code == 303
    assert not _logged_in(client)


# -- throttling -----------------------------------------------------------------------


def test_the_right_password_works_after_someone_elses_failed_attempts(
    client: TestClient, staff: str, from_address: Callable[[str], TestClient]
) -> None:
    # given a stranger who tried many passwords for this user until slowed
    stranger = from_address("203.0.113.9")
    answers = [login(stranger, staff, f"guess-{n}").status_code for n in range(PAIR_FREE + 3)]
    assert answers[:PAIR_FREE - 1] == [401] * (PAIR_FREE - 1) and answers[-1] == 429
    # then the user, on their own machine, logs in at once
    assert login(client, staff, PASSWORD).status_code == 303


def test_guessing_one_name_is_slowed_with_a_growing_delay_not_locked(
    client: TestClient, staff: str
) -> None:
    for n in range(PAIR_FREE - 1):
        assert login(client, staff, f"guess-{n}").status_code == 401
    slowed = login(client, staff, "guess-last")
    assert slowed.status_code == 429 and "try again in" in slowed.text
    first_wait = int(slowed.headers["retry-after"])
    # even the right password waits out the delay from this client...
    assert login(client, staff, PASSWORD).status_code == 429
    assert 1 <= first_wait <= 5


def test_guessing_across_20_usernames_from_one_address_is_slowed(
    client: TestClient, db: Engine
) -> None:
    with session_scope(db) as session:  # some of the names are real, most are not
        for n in range(0, 20, 5):
            create_user(session=session, username=f"user{n:02}", password=PASSWORD + "x")
    answers = [login(client, f"user{n:02}", "guess-guess") for n in range(20)]
    codes = [a.status_code for a in answers]
    # one guess per name: no name is near its own limit, the address budget slows it
    assert codes[:ADDRESS_FREE - 1] == [401] * (ADDRESS_FREE - 1)
    assert codes[ADDRESS_FREE:] == [429] * (20 - ADDRESS_FREE)
    assert all("try again in" in a.text and int(a.headers["retry-after"]) >= 1
               for a in answers[ADDRESS_FREE:])


def test_throttling_works_with_redis_unreachable(
    app: FastAPI, client: TestClient, staff: str,
    from_address: Callable[[str], TestClient]
) -> None:
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5,
                       retry=Retry(NoBackoff(), 0))
    app.state.login_throttle = LoginThrottle(redis=lambda: down)
    codes = [login(client, staff, f"guess-{n}").status_code for n in range(PAIR_FREE + 1)]
    assert codes[-1] == 429
    assert login(from_address("198.51.100.7"), staff, PASSWORD).status_code == 303


def test_the_in_process_counters_expire_and_delays_grow() -> None:
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    waits = [throttle.failed("maria", "10.0.0.1") for _ in range(PAIR_FREE + 2)]
    assert waits[:PAIR_FREE - 1] == [0] * (PAIR_FREE - 1)
    assert waits[PAIR_FREE - 1] < waits[PAIR_FREE] < waits[PAIR_FREE + 1]
    assert throttle.wait_seconds("MARIA", "10.0.0.1") == waits[-1]
    assert throttle.wait_seconds("maria", "10.0.0.2") == 0
    now[0] += 3600
    assert throttle.wait_seconds("maria", "10.0.0.1") == 0
    assert throttle.failed("maria", "10.0.0.1") == 0  # the window has passed


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "password"), [
    ("mar\x00ia", PASSWORD),
    (USER, "front\x00desk"),
    ("\x00", "\x00"),
    ("x" * 5000, PASSWORD),
    (USER, "p" * 20_000),
    ("\u00fc" * 81, PASSWORD),
    ("\u202e\x1b[2J", PASSWORD),
])
def test_bad_login_input_is_a_clean_refusal(
    client: TestClient, staff: str, username: str, password: str
) -> None:
    response = login(client, username, password)
    assert 400 <= response.status_code < 500
    if response.status_code == 401:
        assert 'data-testid="login-error"' in response.text
    assert not _logged_in(client)


def test_garbage_session_cookies_are_not_logged_in(client: TestClient, staff: str) -> None:
    for value in ("", "x", "a" * 5000, "%00", "%C3%A9t%C3%A9"):
        client.cookies.set("portals_sid", value)
        assert not _logged_in(client)


@pytest.mark.parametrize("next_path", ["/x\r\nSet-Cookie: evil=1", "/\x00", "/" + "a" * 5000])
def test_a_bad_next_path_never_reaches_the_location_header(
    client: TestClient, staff: str, next_path: str
) -> None:
    response = login(client, staff, PASSWORD, next=next_path)
    assert "evil" not in " ".join(response.headers.get_list("set-cookie"))
    assert 400 <= response.status_code < 500 or response.headers["location"] == "/"
