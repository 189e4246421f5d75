"""Settings: placeholders refused, defaults resolved under data_dir, env prefix PORTALS_."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from portals.settings import Settings, get_settings
from storage.crypto import Vault


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import os

    for name in list(os.environ):
        if name.startswith("PORTALS_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("field", ["secret_key", "admin_token"])
@pytest.mark.parametrize("value", ["", "changeme", "CHANGE-ME", " secret ", "changethis"])
def test_placeholder_secrets_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(**{field: value})


def test_placeholder_from_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTALS_SECRET_KEY", "changeme")
    with pytest.raises(ValidationError):
        get_settings()


def test_defaults_resolve_under_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.database_url is None and settings.redis_url is None
    assert settings.resolved_database_url == (
        f"sqlite:///{(tmp_path / 'data' / 'portals.sqlite3').resolve()}")
    assert settings.resolved_artifacts_dir == tmp_path / "data" / "artifacts"
    assert settings.secret_key is None and settings.admin_token is None


def test_default_data_dir_is_var() -> None:
    settings = Settings()
    assert settings.data_dir == Path("var")
    assert settings.resolved_database_url == f"sqlite:///{Path('var').resolve()}/portals.sqlite3"
    assert settings.resolved_artifacts_dir == Path("var") / "artifacts"


def test_explicit_urls_and_dirs_win(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://db/portals",
                        artifacts_dir=tmp_path / "elsewhere")
    assert settings.resolved_database_url == "postgresql+psycopg://db/portals"
    assert settings.resolved_artifacts_dir == tmp_path / "elsewhere"


def test_read_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = Vault.generate_key()
    monkeypatch.setenv("PORTALS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTALS_SECRET_KEY", key)
    monkeypatch.setenv("PORTALS_LEASE_SECONDS", "5")
    monkeypatch.setenv("PORTALS_CARRIER_URLS", '{"meridian": "https://portal.example"}')
    settings = get_settings()
    assert get_settings() is settings  # built once per process
    assert settings.data_dir == tmp_path
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == key
    assert settings.lease_seconds == 5.0
    assert settings.carrier_urls == {"meridian": "https://portal.example"}
    assert key not in repr(settings) and key not in str(settings.model_dump())


def test_out_of_range_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(bot_timeout_ms=10)
    with pytest.raises(ValidationError):
        Settings(sandbox_port=70000)
    with pytest.raises(ValidationError):
        Settings(max_attempts=0)


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in readme.splitlines()
            if line.startswith("| `PORTALS_")}
    assert rows == {f"PORTALS_{name.upper()}" for name in Settings.model_fields}
