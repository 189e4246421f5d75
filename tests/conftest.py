"""Shared fixtures: settings on a temp dir, real databases (SQLite and PostgreSQL),
real Redis, and Debian's Chromium for Playwright."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from portals.settings import DEFAULT_BROWSER_ARGS, Settings
from storage.crypto import Vault
from storage.db import create_schema, make_engine

pytest_plugins = ["tests.sandbox_fixtures", "tests.worker_fixtures"]

POSTGRES_URL = os.environ.get(
    "PORTALS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
"""pytest-xdist runs the suite in worker processes gw0, gw1, ...; each gets its own Redis
database (9, 8, ...) so that one's FLUSHDB or queue never touches another's."""
REDIS_URL = os.environ.get(
    "PORTALS_TEST_REDIS_URL",
    f"redis://127.0.0.1:6379/{9 - int(_XDIST_WORKER.removeprefix('gw') or 0)}")
BROWSER_PATH = os.environ.get("PORTALS_BROWSER_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright launches Debian's Chromium, as the bots do."""
    return {"executable_path": BROWSER_PATH, "args": list(DEFAULT_BROWSER_ARGS),
            "headless": True}


@pytest.fixture
def secret_key() -> str:
    return Vault.generate_key()


@pytest.fixture
def vault(secret_key: str) -> Vault:
    return Vault(secret_key)


def _postgres_schema_url() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on a fresh SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_schema_url()


@pytest.fixture
def any_engine(any_db_url: str) -> Iterator[Engine]:
    engine = make_engine(any_db_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def settings(tmp_path: Path, secret_key: str, sqlite_url: str) -> Settings:
    """Settings for one test: its own data dir, SQLite file, key and admin token."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=sqlite_url,
        redis_url=REDIS_URL,
        secret_key=secret_key,  # type: ignore[arg-type]
        admin_token="test-admin-token-" + uuid.uuid4().hex,  # type: ignore[arg-type]
        browser_path=Path(BROWSER_PATH),
        bot_timeout_ms=10_000,
    )
