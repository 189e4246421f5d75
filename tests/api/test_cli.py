"""``portals api`` refuses to start without the admin token and the secret key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from api.app import ConfigurationError, create_app
from api.cli import api
from portals.settings import Settings, get_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("PORTALS_ADMIN_TOKEN", "PORTALS_SECRET_KEY", "PORTALS_SESSION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_refuses_without_admin_token_and_secret_key() -> None:
    result = CliRunner().invoke(api, ["--port", "8999"])
    assert result.exit_code != 0
    assert "PORTALS_ADMIN_TOKEN" in result.output and "PORTALS_SECRET_KEY" in result.output


def test_refuses_without_admin_token(monkeypatch: pytest.MonkeyPatch, secret_key: str) -> None:
    monkeypatch.setenv("PORTALS_SECRET_KEY", secret_key)
    result = CliRunner().invoke(api, [])
    assert result.exit_code != 0
    assert "PORTALS_ADMIN_TOKEN" in result.output and "PORTALS_SECRET_KEY" not in result.output


def test_refuses_a_placeholder_token(monkeypatch: pytest.MonkeyPatch, secret_key: str) -> None:
    monkeypatch.setenv("PORTALS_SECRET_KEY", secret_key)
    monkeypatch.setenv("PORTALS_ADMIN_TOKEN", "changeme")
    result = CliRunner().invoke(api, [])
    assert result.exit_code != 0
    assert "PORTALS_ADMIN_TOKEN" in result.output and "placeholder" in result.output
    assert secret_key not in result.output


def test_the_factory_refuses_too(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="PORTALS_ADMIN_TOKEN"):
        create_app(settings.model_copy(update={"admin_token": None}))
