from pathlib import Path

import pytest
from click.testing import CliRunner

from portals.cli import main
from portals.settings import get_settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTALS_DATABASE_URL", f"sqlite:///{tmp_path / 'u.sqlite3'}")
    monkeypatch.setenv("STAFF_PW", "a long enough password")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_add_list_remove_a_staff_user(env: None) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["users", "add", "maria", "--password-env", "STAFF_PW"])
    assert added.exit_code == 0, added.output
    assert "a long enough password" not in added.output
    assert "maria" in runner.invoke(main, ["users", "list"]).output
    again = runner.invoke(main, ["users", "add", "maria", "--password-env", "STAFF_PW"])
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(main, ["users", "remove", "maria"]).exit_code == 0
    assert "maria" not in runner.invoke(main, ["users", "list"]).output


def test_missing_password_variable_is_a_clear_error(env: None) -> None:
    result = CliRunner().invoke(main, ["users", "add", "maria", "--password-env", "NOPE_X"])
    assert result.exit_code == 2 and "NOPE_X is not set" in result.output
