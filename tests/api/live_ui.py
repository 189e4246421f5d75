"""The staff web UI served for real Chromium: the app on uvicorn in a thread, a staff
login, and signing in through the login page (shared by the browser tests)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine

from portals.access import ALL_ROLES
from storage.db import session_scope
from storage.users import create_user
from tests.live import serve

USER, PASSWORD = "maria", "front-desk-pass"


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: FastAPI
    engine: Engine


@pytest.fixture
def live(app: FastAPI, db: Engine) -> Iterator[LiveServer]:
    """create_app(settings) served by uvicorn in a thread, on a free port, with a staff
    login (USER / PASSWORD)."""
    with session_scope(db) as session:
        create_user(session=session, username=USER, password=PASSWORD, roles=ALL_ROLES)
    with serve(app) as url:
        yield LiveServer(url, app, db)


def login(page: Page, live: LiveServer, path: str = "/", *, password: str = PASSWORD,
          signed_in: bool = True) -> None:
    """Sign in through the login page, to ``path``; with ``signed_in`` wait until the page
    names the staff member."""
    page.goto(f"{live.url}/login?next={path}")
    page.get_by_test_id("login-username").fill(USER)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    if signed_in:
        expect(page.get_by_test_id("current-user")).to_have_text(USER)
