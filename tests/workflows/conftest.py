from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from portals.settings import Settings
from storage import repo
from storage.db import session_scope
from tests.conftest import REDIS_URL
from workflows.broker import setup_broker
from workflows.runner import JobRunner


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    """Real Redis; the tests use their own random keys and flush nothing."""
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def portal_settings(settings: Settings, meridian: Any, redis_url: str) -> Settings:
    """Settings pointing the Meridian bot at the test's sandbox portal."""
    return settings.model_copy(update={"carrier_urls": {"meridian": meridian.url},
                                       "redis_url": redis_url, "retry_backoff_seconds": 0.0})


@pytest.fixture
def runner(portal_settings: Settings, engine: Engine
           ) -> Iterator[JobRunner]:
    """A runner with its own browser (launched from the settings' path in its page host's
    thread, as a worker's is)."""
    setup_broker(portal_settings)
    runner = JobRunner(portal_settings, engine=engine, worker_id="test-worker")
    yield runner
    runner.close_browser()


@pytest.fixture
def account_id(runner: JobRunner, meridian: Any) -> int:
    with session_scope(runner.engine) as session:
        account = repo.create_account(
            session=session, vault=runner.vault, carrier="meridian", label="test",
            username=meridian.username, password=SecretStr(meridian.password),
            totp_secret=SecretStr(meridian.totp_secret),
        )
        assert account.id is not None
        return account.id
