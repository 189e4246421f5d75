"""Carrier accounts on SQLite and PostgreSQL: secrets encrypted, flags set and cleared."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage import repo
from storage.crypto import Vault
from storage.db import session_scope
from storage.models import AccountStatus

PASSWORD = "Tr0ub4dor&3-plaintext"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
USERNAME = "frontdesk.user@example"


def _add(engine: Engine, vault: Vault, carrier: str = "meridian", label: str = "Front desk"
         ) -> int:
    with session_scope(engine) as session:
        account = repo.create_account(
            session=session, vault=vault, carrier=carrier, label=label, username=USERNAME,
            password=SecretStr(PASSWORD), totp_secret=SecretStr(TOTP),
            extra={"answer": SecretStr("maiden-name-answer")},
        )
        assert account.id is not None
        return account.id


def test_create_and_get_decrypts_back(any_engine: Engine, vault: Vault) -> None:
    account_id = _add(any_engine, vault)
    with session_scope(any_engine) as session:
        account = repo.get_account(session=session, account_id=account_id)
        assert account is not None
        assert account.carrier == "meridian"
        assert account.label == "Front desk"
        assert account.status == AccountStatus.ACTIVE
        assert vault.decrypt_str(account.username_enc) == USERNAME
        assert vault.decrypt_str(account.password_enc) == PASSWORD
        assert account.totp_secret_enc is not None
        assert vault.decrypt_str(account.totp_secret_enc) == TOTP
        assert account.extra_enc is not None
        assert vault.decrypt_json(account.extra_enc) == {"answer": "maiden-name-answer"}
        assert repo.get_account(session=session, account_id=account_id + 1000) is None


def test_encrypted_columns_hold_no_plaintext(any_engine: Engine, vault: Vault) -> None:
    _add(any_engine, vault)
    with any_engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM carrier_accounts")).all()
    assert len(rows) == 1
    raw = " ".join(str(value) for value in rows[0])
    for secret in (PASSWORD, TOTP, USERNAME, "maiden-name-answer"):
        assert secret not in raw


def test_account_without_totp(any_engine: Engine, vault: Vault) -> None:
    with session_scope(any_engine) as session:
        account = repo.create_account(session=session, vault=vault, carrier="meridian",
                                      label="no mfa", username="u", password=SecretStr("p"))
        assert account.totp_secret_enc is None
        assert account.extra_enc is None


def test_list_filters_by_carrier_in_id_order(any_engine: Engine, vault: Vault) -> None:
    first = _add(any_engine, vault, "meridian", "one")
    other = _add(any_engine, vault, "keystone", "two")
    second = _add(any_engine, vault, "meridian", "three")
    with session_scope(any_engine) as session:
        assert [a.id for a in repo.list_accounts(session=session)] == [first, other, second]
        assert [a.id for a in repo.list_accounts(session=session, carrier="meridian")] == [
            first, second]
        assert repo.list_accounts(session=session, carrier="nobody") == []


def test_flag_and_clear(any_engine: Engine, vault: Vault) -> None:
    first = _add(any_engine, vault, label="first")
    second = _add(any_engine, vault, label="second")
    with session_scope(any_engine) as session:
        account = repo.get_account(session=session, account_id=first)
        assert account is not None
        account.session_state_enc = vault.encrypt_json({"cookies": []})
        session.add(account)
    with session_scope(any_engine) as session:
        repo.flag_account(session=session, account_id=first, reason="login_rejected")
        repo.flag_account(session=session, account_id=99999, reason="ignored")  # no error
    with session_scope(any_engine) as session:
        account = repo.get_account(session=session, account_id=first)
        assert account is not None
        assert account.status == AccountStatus.FLAGGED
        assert account.flag_reason == "login_rejected"
        assert account.flagged_at is not None
        assert account.session_state_enc is None  # a flagged account's session is dropped
        usable = repo.usable_account(session=session, carrier="meridian")
        assert usable is not None and usable.id == second
    with session_scope(any_engine) as session:
        assert repo.clear_account_flag(session=session, account_id=first) is True
        assert repo.clear_account_flag(session=session, account_id=99999) is False
    with session_scope(any_engine) as session:
        account = repo.get_account(session=session, account_id=first)
        assert account is not None
        assert account.status == AccountStatus.ACTIVE
        assert account.flag_reason is None and account.flagged_at is None
        usable = repo.usable_account(session=session, carrier="meridian")
        assert usable is not None and usable.id == first


def test_no_usable_account_when_all_flagged(any_engine: Engine, vault: Vault) -> None:
    account_id = _add(any_engine, vault)
    with session_scope(any_engine) as session:
        repo.flag_account(session=session, account_id=account_id, reason="locked")
    with session_scope(any_engine) as session:
        assert repo.usable_account(session=session, carrier="meridian") is None
        assert repo.usable_account(session=session, carrier="keystone") is None
