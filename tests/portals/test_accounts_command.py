"""``portals accounts``: secrets read from a hidden prompt or a named environment variable,
validated, stored encrypted, never printed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from portals.cli import main
from portals.settings import get_settings
from storage import repo
from storage.crypto import Vault
from storage.db import create_schema, make_engine, session_scope
from storage.models import AccountStatus

PASSWORD = "S3cret-portal-Passw0rd"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret_key: str,
        sqlite_url: str) -> Iterator[dict[str, str]]:
    """A clean PORTALS_* environment: a temp data dir and SQLite file, a fresh key."""
    for name in list(os.environ):
        if name.startswith("PORTALS_"):
            monkeypatch.delenv(name)
    values = {"PORTALS_DATA_DIR": str(tmp_path / "data"), "PORTALS_DATABASE_URL": sqlite_url,
              "PORTALS_SECRET_KEY": secret_key}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


def _run(args: list[str], input: str | None = None) -> Result:
    get_settings.cache_clear()
    return CliRunner().invoke(main, args, input=input)


def _add_args(**changes: str) -> list[str]:
    options = {"--carrier": "meridian", "--label": "Front desk", "--username": "fd.user",
               **changes}
    return ["accounts", "add", *[x for pair in options.items() for x in pair]]


def _rows(url: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    create_schema(engine)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT * FROM carrier_accounts"))]
    finally:
        engine.dispose()


def _assert_no_secret(result: Result) -> None:
    for secret in (PASSWORD, TOTP):
        assert secret not in result.output
        assert secret not in (result.stderr or "")


def test_add_with_env_vars_stores_encrypted(monkeypatch: pytest.MonkeyPatch,
                                            env: dict[str, str], any_db_url: str) -> None:
    monkeypatch.setenv("PORTALS_DATABASE_URL", any_db_url)
    monkeypatch.setenv("MERIDIAN_PW", PASSWORD)
    monkeypatch.setenv("MERIDIAN_TOTP", "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp")
    result = _run(_add_args(**{"--password-env": "MERIDIAN_PW",
                               "--totp-secret-env": "MERIDIAN_TOTP"}))
    assert result.exit_code == 0, result.output
    _assert_no_secret(result)
    assert "Added meridian account 1" in result.output

    rows = _rows(any_db_url)
    assert len(rows) == 1
    raw = " ".join(str(v) for v in rows[0])
    assert PASSWORD not in raw and TOTP not in raw and "fd.user" not in raw

    vault = Vault(env["PORTALS_SECRET_KEY"])
    engine = make_engine(any_db_url)
    try:
        with session_scope(engine) as session:
            account = repo.get_account(session=session, account_id=1)
            assert account is not None
            assert account.carrier == "meridian" and account.label == "Front desk"
            assert vault.decrypt_str(account.username_enc) == "fd.user"
            assert vault.decrypt_str(account.password_enc) == PASSWORD
            assert account.totp_secret_enc is not None
            assert vault.decrypt_str(account.totp_secret_enc) == TOTP  # normalized
            events = repo.list_audit(session=session)
            assert [e.action for e in events] == ["account.add"]
    finally:
        engine.dispose()


def test_add_with_hidden_prompts(env: dict[str, str]) -> None:
    result = _run(_add_args(), input=f"{PASSWORD}\n{PASSWORD}\n{TOTP}\n")
    assert result.exit_code == 0, result.output
    _assert_no_secret(result)
    assert "Portal password" in result.output
    vault = Vault(env["PORTALS_SECRET_KEY"])
    (row,) = _rows(env["PORTALS_DATABASE_URL"])
    assert PASSWORD not in " ".join(map(str, row))
    engine = make_engine(env["PORTALS_DATABASE_URL"])
    with session_scope(engine) as session:
        account = repo.get_account(session=session, account_id=1)
        assert account is not None and account.totp_secret_enc is not None
        assert vault.decrypt_str(account.password_enc) == PASSWORD
        assert vault.decrypt_str(account.totp_secret_enc) == TOTP
    engine.dispose()


def test_add_without_totp(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(_add_args(), input=f"{PASSWORD}\n{PASSWORD}\n\n")  # empty TOTP answer
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PW", PASSWORD)
    result = _run(_add_args(**{"--password-env": "PW", "--label": "second"}) + ["--no-totp"])
    assert result.exit_code == 0, result.output
    engine = make_engine(env["PORTALS_DATABASE_URL"])
    with session_scope(engine) as session:
        assert [a.totp_secret_enc for a in repo.list_accounts(session=session)] == [None, None]
    engine.dispose()


def test_password_confirmation_must_match(env: dict[str, str]) -> None:
    result = _run(_add_args(), input=f"{PASSWORD}\nother\n{PASSWORD}\n{PASSWORD}\n\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower() or "match" in result.output.lower()
    _assert_no_secret(result)


def _assert_refused(result: Result, env: dict[str, str], *phrases: str) -> None:
    assert result.exit_code == 2, result.output
    for phrase in phrases:
        assert phrase in result.output
    _assert_no_secret(result)
    assert _rows(env["PORTALS_DATABASE_URL"]) == []


def test_missing_secret_key(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTALS_SECRET_KEY")
    monkeypatch.setenv("PW", PASSWORD)
    result = _run(_add_args(**{"--password-env": "PW"}) + ["--no-totp"])
    _assert_refused(result, env, "PORTALS_SECRET_KEY is not set", "portals keys generate")


@pytest.mark.parametrize("key", ["changeme", "not-a-fernet-key"])
def test_placeholder_or_malformed_secret_key(env: dict[str, str],
                                             monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("PORTALS_SECRET_KEY", key)
    monkeypatch.setenv("PW", PASSWORD)
    result = _run(_add_args(**{"--password-env": "PW"}) + ["--no-totp"])
    _assert_refused(result, env, "PORTALS_SECRET_KEY")


def test_unknown_carrier_lists_known_ones(env: dict[str, str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW", PASSWORD)
    result = _run(_add_args(**{"--carrier": "acme", "--password-env": "PW"}))
    _assert_refused(result, env, "unknown carrier 'acme'", "known carriers:", "meridian")


@pytest.mark.parametrize("seed", ["123456", "JBSWY3DP!", "JBSWY3DPEHPK3PXP", "ABC"])
def test_bad_totp_secret(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                         seed: str) -> None:
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("SEED", seed)
    result = _run(_add_args(**{"--password-env": "PW", "--totp-secret-env": "SEED"}))
    _assert_refused(result, env, "TOTP secret")
    assert seed not in result.output


def test_bad_totp_secret_from_prompt(env: dict[str, str]) -> None:
    result = _run(_add_args(), input=f"{PASSWORD}\n{PASSWORD}\n0189\n")
    _assert_refused(result, env, "not valid base32")


def test_unset_password_env_var(env: dict[str, str]) -> None:
    result = _run(_add_args(**{"--password-env": "NO_SUCH_VARIABLE_XYZ"}) + ["--no-totp"])
    _assert_refused(result, env, "NO_SUCH_VARIABLE_XYZ")


def test_list_shows_no_secrets(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert "No accounts" in _run(["accounts", "list"]).output
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("SEED", TOTP)
    for label in ("Front desk", "Billing"):
        result = _run(_add_args(**{"--label": label, "--password-env": "PW",
                                   "--totp-secret-env": "SEED"}))
        assert result.exit_code == 0, result.output
    engine = make_engine(env["PORTALS_DATABASE_URL"])
    with session_scope(engine) as session:
        repo.flag_account(session=session, account_id=2, reason="login_rejected")
    engine.dispose()

    result = _run(["accounts", "list"])
    assert result.exit_code == 0, result.output
    _assert_no_secret(result)
    assert "fd.user" not in result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "CARRIER", "LABEL", "STATUS", "FLAG", "REASON"]
    assert lines[1].split() == ["1", "meridian", "Front", "desk", "active"]
    assert lines[2].split() == ["2", "meridian", "Billing", "flagged", "login_rejected"]


def test_clear_flag(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW", PASSWORD)
    assert _run(_add_args(**{"--password-env": "PW"}) + ["--no-totp"]).exit_code == 0
    engine = make_engine(env["PORTALS_DATABASE_URL"])
    with session_scope(engine) as session:
        repo.flag_account(session=session, account_id=1, reason="password_expired")

    result = _run(["accounts", "clear-flag", "1"])
    assert result.exit_code == 0, result.output
    assert "Account 1 is active" in result.output
    with session_scope(engine) as session:
        account = repo.get_account(session=session, account_id=1)
        assert account is not None and account.status == AccountStatus.ACTIVE
        (event, *_) = repo.list_audit(session=session)
        assert event.action == "account.clear_flag"
        assert event.detail == "was: password_expired"
    engine.dispose()

    result = _run(["accounts", "clear-flag", "42"])
    assert result.exit_code == 1
    assert "no account 42" in result.output


def test_add_with_a_code_recipient_and_security_answers(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("ANSWERS", '{"What was the name of your first pet?": "Sprocket-77"}')
    result = _run(_add_args(**{"--password-env": "PW"}) + [
        "--no-totp", "--mfa-recipient", "+1-555-0142-1234", "--security-answers-env",
        "ANSWERS"])
    assert result.exit_code == 0, result.output
    assert "Sprocket-77" not in result.output
    engine = make_engine(env["PORTALS_DATABASE_URL"])
    vault = Vault(env["PORTALS_SECRET_KEY"])
    with session_scope(engine) as session:
        (account,) = repo.list_accounts(session=session)
        assert account.mfa_recipient == "+1-555-0142-1234"
        assert account.extra_enc is not None and "Sprocket" not in account.extra_enc
        assert vault.decrypt_json(account.extra_enc) == {
            "security:What was the name of your first pet?": "Sprocket-77"}
    engine.dispose()


@pytest.mark.parametrize("answers", ["not json", "[]", '{"q": ""}', "{}"])
def test_bad_security_answers_store_nothing(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, answers: str
) -> None:
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("ANSWERS", answers)
    result = _run(_add_args(**{"--password-env": "PW"}) + [
        "--no-totp", "--security-answers-env", "ANSWERS"])
    assert result.exit_code == 2
    assert "ANSWERS" in result.output
    assert _rows(env["PORTALS_DATABASE_URL"]) == []
