"""``portals keys``: generate a key; rotate stored secrets and artifacts to the newest key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from portals.cli import main
from portals.settings import get_settings
from storage import repo
from storage.artifacts import ArtifactStore
from storage.crypto import Vault, VaultError
from storage.db import create_schema, make_engine, session_scope


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("PORTALS_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_generate_prints_a_usable_fernet_key() -> None:
    first = CliRunner().invoke(main, ["keys", "generate"])
    second = CliRunner().invoke(main, ["keys", "generate"])
    assert first.exit_code == 0, first.output
    key = first.output.strip()
    assert key != second.output.strip()
    vault = Vault(key)
    assert vault.decrypt_str(vault.encrypt_str("x")) == "x"


def test_rotate_reencrypts_accounts_and_artifacts(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path, sqlite_url: str) -> None:
    old, new = Vault.generate_key(), Vault.generate_key()
    engine = make_engine(sqlite_url)
    create_schema(engine)
    with session_scope(engine) as session:
        repo.create_account(session=session, vault=Vault(old), carrier="meridian", label="x",
                            username="user", password=SecretStr("pw-old-key"),
                            totp_secret=SecretStr("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"))
    store = ArtifactStore(tmp_path / "data" / "artifacts", Vault(old))
    rel, _ = store.write("run1", "page.html", b"<html>PHI</html>")

    monkeypatch.setenv("PORTALS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTALS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PORTALS_SECRET_KEY", f"{new},{old}")
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 account(s) and 1 artifact file(s)" in result.output

    new_only = Vault(new)
    with session_scope(engine) as session:
        account = repo.get_account(session=session, account_id=1)
        assert account is not None and account.totp_secret_enc is not None
        assert new_only.decrypt_str(account.password_enc) == "pw-old-key"
        assert new_only.decrypt_str(account.username_enc) == "user"
        assert new_only.decrypt_str(account.totp_secret_enc).startswith("JBSWY3DP")
        with pytest.raises(VaultError):
            Vault(old).decrypt_str(account.password_enc)
    engine.dispose()
    assert ArtifactStore(store.root, new_only).read(rel) == b"<html>PHI</html>"
    assert (store.root / rel).stat().st_mode & 0o777 == 0o600


def test_rotate_with_a_key_that_cannot_decrypt(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path, sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    create_schema(engine)
    with session_scope(engine) as session:
        repo.create_account(session=session, vault=Vault(Vault.generate_key()),
                            carrier="meridian", label="x", username="u",
                            password=SecretStr("p"))
    engine.dispose()
    monkeypatch.setenv("PORTALS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTALS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PORTALS_SECRET_KEY", Vault.generate_key())
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 2
    assert "does not decrypt with any key given" in result.output
