from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select

from portals.cli import main
from portals.settings import get_settings
from storage.db import make_engine
from storage.models import AuditEvent


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    monkeypatch.setenv("PORTALS_DATABASE_URL", url)
    monkeypatch.setenv("STAFF_PW", "a long enough password")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _audits(url: str) -> list[AuditEvent]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
    finally:
        engine.dispose()


def test_add_list_remove_a_staff_user(env: str) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["users", "add", "maria", "--role", "billing", "--role",
                                 "Reviewer", "--password-env", "STAFF_PW"])
    assert added.exit_code == 0, added.output
    assert "a long enough password" not in added.output
    listed = runner.invoke(main, ["users", "list"]).output
    assert "maria\tbilling,reviewer\t" in listed
    again = runner.invoke(main, ["users", "add", "maria", "--role", "billing",
                                 "--password-env", "STAFF_PW"])
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(main, ["users", "remove", "maria"]).exit_code == 0
    assert "maria" not in runner.invoke(main, ["users", "list"]).output
    events = _audits(env)
    assert [e.action for e in events] == ["person.create", "person.remove"]
    assert all(e.actor.startswith("cli") and e.actor_type == "system" for e in events)
    assert all("a long enough password" not in (e.detail or "") for e in events)


def test_a_role_is_required_and_an_unknown_one_named(env: str) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["users", "add", "maria", "--password-env", "STAFF_PW"])
    assert missing.exit_code == 2 and "--role" in missing.output
    unknown = runner.invoke(main, ["users", "add", "maria", "--role", "billing", "--role",
                                   "superuser", "--password-env", "STAFF_PW"])
    assert unknown.exit_code == 2 and "superuser" in unknown.output
    assert "maria" not in runner.invoke(main, ["users", "list"]).output


def test_replace_a_users_roles(env: str) -> None:
    runner = CliRunner()
    runner.invoke(main, ["users", "add", "maria", "--role", "billing",
                         "--password-env", "STAFF_PW"])
    changed = runner.invoke(main, ["users", "roles", "maria", "--role", "admin",
                                   "--role", "front-desk"])
    assert changed.exit_code == 0, changed.output
    assert "maria\tadmin,front_desk\t" in runner.invoke(main, ["users", "list"]).output
    (event,) = [e for e in _audits(env) if e.action == "person.roles"]
    assert event.detail == "maria: billing → admin,front_desk"
    assert event.actor.startswith("cli")
    same = runner.invoke(main, ["users", "roles", "maria", "--role", "admin", "--role",
                                "front_desk"])
    assert same.exit_code == 0 and "unchanged" in same.output
    assert len([e for e in _audits(env) if e.action == "person.roles"]) == 1
    nobody = runner.invoke(main, ["users", "roles", "joe", "--role", "admin"])
    assert nobody.exit_code == 2 and "no user 'joe'" in nobody.output
    bad = runner.invoke(main, ["users", "roles", "maria", "--role", "root"])
    assert bad.exit_code == 2 and "root" in bad.output
    assert runner.invoke(main, ["users", "roles", "maria"]).exit_code == 2


def test_missing_password_variable_is_a_clear_error(env: str) -> None:
    result = CliRunner().invoke(main, ["users", "add", "maria", "--role", "billing",
                                       "--password-env", "NOPE_X"])
    assert result.exit_code == 2 and "NOPE_X is not set" in result.output
