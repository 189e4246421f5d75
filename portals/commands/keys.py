"""``portals keys``: the Fernet keys that encrypt secrets and artifacts at rest.

Rotation: put a new key in front of ``PORTALS_SECRET_KEY`` (``new,old``); everything is
then written with the new key and both decrypt. ``portals keys rotate`` re-encrypts the
stored account secrets and the artifact files with the new key, after which the old key
can be dropped.

Also the helpers the other commands use to load settings and the vault with clear errors.
"""

from __future__ import annotations

import os

import click
from cryptography.fernet import InvalidToken
from pydantic import ValidationError

from portals.settings import Settings, get_settings
from storage.crypto import Vault, VaultError


class CliError(click.ClickException):
    """A usage or configuration problem: message on stderr, exit code 2, nothing done."""

    exit_code = 2


def load_settings() -> Settings:
    """The settings, or a clear CLI error naming the variable that is wrong."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"PORTALS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise CliError(f"invalid settings: {problems}") from None


def load_vault(settings: Settings) -> Vault:
    if settings.secret_key is None:
        raise CliError(
            "PORTALS_SECRET_KEY is not set; make a key with `portals keys generate` and "
            "export PORTALS_SECRET_KEY=<key>"
        )
    try:
        return Vault(settings.secret_key)
    except ValueError as exc:
        raise CliError(str(exc)) from None


@click.group()
def keys() -> None:
    """Encryption keys for secrets at rest."""


@keys.command()
def generate() -> None:
    """Print a new Fernet key for PORTALS_SECRET_KEY."""
    click.echo(Vault.generate_key())


@keys.command()
def rotate() -> None:
    """Re-encrypt stored secrets and artifacts with the newest key (the first one)."""
    from sqlmodel import select

    from storage.db import create_schema, make_engine, session_scope
    from storage.models import CarrierAccount

    settings = load_settings()
    vault = load_vault(settings)
    engine = make_engine(settings.resolved_database_url)
    fields = ("username_enc", "password_enc", "totp_secret_enc", "extra_enc",
              "session_state_enc")
    try:
        create_schema(engine)
        with session_scope(engine) as session:
            accounts = list(session.exec(select(CarrierAccount)))
            for account in accounts:
                for field in fields:
                    token = getattr(account, field)
                    if token:
                        setattr(account, field, _rotate(vault, token, f"account {account.id}"))
                session.add(account)
    finally:
        engine.dispose()
    root = settings.resolved_artifacts_dir
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    for path in files:
        try:
            token = vault.encrypt(vault.decrypt(path.read_bytes()))
        except VaultError:
            raise CliError(
                f"artifact {path.relative_to(root)} does not decrypt with any key given"
            ) from None
        partial = path.with_name(path.name + ".rotating")
        partial.write_bytes(token)
        partial.chmod(0o600)
        os.replace(partial, path)
    click.echo(f"re-encrypted {len(accounts)} account(s) and {len(files)} artifact file(s) "
               "with the newest key")


def _rotate(vault: Vault, token: str, what: str) -> str:
    try:
        return vault.rotate(token)
    except InvalidToken:
        raise CliError(f"{what} does not decrypt with any key given") from None
