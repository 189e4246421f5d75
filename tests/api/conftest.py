"""Fixtures for the API and web UI tests: the app on a real database (SQLite, and
PostgreSQL where a module asks for both), real Redis, and a probe of the Dramatiq queue."""

from __future__ import annotations

import json
import os
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
from storage.models import EligibilityCheck
from workflows.dispatch import QUEUE

API_REDIS_URL = os.environ.get("PORTALS_TEST_API_REDIS_URL", "redis://127.0.0.1:6379/10")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Real Redis, on a database of its own so other suites' flushes and workers running
    at the same time never touch the messages these tests assert on."""
    client = redis.Redis.from_url(API_REDIS_URL)
    client.flushdb()
    yield API_REDIS_URL
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
        return int(session.exec(select(func.count()).select_from(EligibilityCheck)).one())
