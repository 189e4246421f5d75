"""Fixtures for the API and web UI tests: the app on a real database (SQLite, and
PostgreSQL where a module asks for both), real Redis, and a probe of the Dramatiq queue."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api.app import create_app
from portals.settings import Settings
from storage.models import Job
from tests.api.claims_ui import ui  # noqa: F401  (the logged-in staff client fixture)
from tests.api.live_ui import live  # noqa: F401  (the app served for Chromium)
from workflows.dispatch import QUEUE

REDIS_SERVER = os.environ.get("PORTALS_TEST_API_REDIS_SERVER", "redis://127.0.0.1:6379")
CANDIDATE_DBS = range(10, 16)
"""Redis databases these tests may take; db 9 is the shared suites' (tests/conftest.py)."""


@pytest.fixture(scope="session")
def api_redis_db() -> Iterator[int]:
    """A Redis database this test process holds alone (a lease key in db 0), so test runs
    going on at the same time (other suites, or this one started twice) never flush or
    enqueue into the queue these tests assert on."""
    lease = redis.Redis.from_url(f"{REDIS_SERVER}/0")
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    for db in CANDIDATE_DBS:
        if lease.set(f"portals-tests:api-db:{db}", owner, nx=True, ex=4 * 3600):
            break
    else:
        pytest.fail(f"every Redis test database {list(CANDIDATE_DBS)} is taken")
    try:
        yield db
    finally:
        if lease.get(f"portals-tests:api-db:{db}") == owner.encode():
            lease.delete(f"portals-tests:api-db:{db}")
        lease.close()


@pytest.fixture
def redis_url(api_redis_db: int) -> Iterator[str]:
    """Real Redis, on a database this process holds alone, emptied around each test."""
    url = f"{REDIS_SERVER}/{api_redis_db}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def backend() -> str:
    """The database the app runs on; modules parametrize it (indirect) to add PostgreSQL."""
    return "sqlite"


@pytest.fixture(name="backend_url")
def _backend_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'api.sqlite3'}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules with ``BOTH_DATABASES = True`` run every test on SQLite and PostgreSQL."""
    if getattr(metafunc.module, "BOTH_DATABASES", False) and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)],
                             indirect=True)


@pytest.fixture
def api_settings(settings: Settings, backend_url: str, redis_url: str) -> Settings:
    return settings.model_copy(update={"database_url": backend_url, "redis_url": redis_url})


@pytest.fixture
def app(api_settings: Settings) -> Iterator[FastAPI]:
    app = create_app(api_settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def db(app: FastAPI) -> Engine:
    """The app's own engine, for arranging and inspecting rows through storage.repo."""
    engine: Engine = app.state.engine
    return engine


@pytest.fixture
def auth(api_settings: Settings) -> dict[str, str]:
    assert api_settings.admin_token is not None
    return {"Authorization": f"Bearer {api_settings.admin_token.get_secret_value()}"}


class QueueProbe:
    """Reads what the Redis broker holds for the eligibility queue (dramatiq 2.x keeps
    message bodies in the hash ``dramatiq:<queue>.msgs`` and ids in the list
    ``dramatiq:<queue>``)."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)

    def check_ids(self) -> list[str]:
        ids = []
        for raw in self.client.hvals(f"dramatiq:{QUEUE}.msgs"):
            message = json.loads(raw)
            assert message["queue_name"] == QUEUE
            ids.append(message["args"][0])
        return sorted(ids)

    def pending(self) -> int:
        return int(self.client.llen(f"dramatiq:{QUEUE}"))


@pytest.fixture
def queue(redis_url: str) -> Iterator[QueueProbe]:
    probe = QueueProbe(redis_url)
    yield probe
    probe.client.close()


def count_checks(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Job)).one())
