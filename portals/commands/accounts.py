"""``portals accounts``: the practice's portal accounts, one per carrier.

Passwords and TOTP seeds never go on the command line (it ends up in shell history and
``ps``): they are typed at a hidden prompt or read from an environment variable whose
*name* is given. They are stored encrypted with ``PORTALS_SECRET_KEY`` and never printed.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from portals.commands.keys import CliError, load_settings, load_vault
from portals.logging_setup import register_secret
from portals.settings import Settings


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:80]
    except (KeyError, OSError):  # no user name in some containers
        return "cli"


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    from storage.db import create_schema, make_engine

    engine = make_engine(settings.resolved_database_url)
    try:
        create_schema(engine)
        yield engine
    finally:
        engine.dispose()


def _known_carrier(carrier: str) -> str:
    from bots.registry import registry

    if carrier not in registry:
        raise CliError(
            f"unknown carrier {carrier!r}; known carriers: {', '.join(registry.names())}"
        )
    return carrier


def _from_env(variable: str, what: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise CliError(f"environment variable {variable} (the {what}) is not set or empty")
    return value


def normalize_totp_secret(raw: str) -> str:
    """The base32 seed as authenticator apps show it, without spaces or dashes, upper case.

    Raises ``ValueError`` (without the secret in the message) if the bots could not make
    codes from it.
    """
    import binascii

    import pyotp

    secret = "".join(raw.split()).replace("-", "").upper().rstrip("=")
    if not secret:
        raise ValueError("the TOTP secret is empty")
    try:
        pyotp.TOTP(secret).now()
    except binascii.Error:
        raise ValueError(
            "the TOTP secret is not valid base32 (letters A-Z and digits 2-7); "
            "give the setup key from the portal, not a 6-digit code"
        ) from None
    except ValueError as exc:  # pyotp: too short
        raise ValueError(f"the TOTP secret is not usable: {exc}") from None
    return secret


@click.group()
def accounts() -> None:
    """Carrier portal accounts (credentials stored encrypted)."""


@accounts.command()
@click.option("--carrier", required=True, help="Carrier name (see `portals carriers`).")
@click.option("--label", required=True, help="A name staff recognise, e.g. 'Front desk'.")
@click.option("--username", required=True, help="The portal user name.")
@click.option("--password-env", metavar="VAR",
              help="Read the password from this environment variable instead of a prompt.")
@click.option("--totp-secret-env", metavar="VAR",
              help="Read the TOTP setup key (base32) from this environment variable "
              "instead of a prompt.")
@click.option("--no-totp", is_flag=True, help="The account has no authenticator-app TOTP.")
@click.option("--mfa-recipient", metavar="PHONE_OR_EMAIL",
              help="The phone number or e-mail address the portal sends one-time codes to "
              "(the inbox routes codes to runs by it).")
@click.option("--security-answers-env", metavar="VAR",
              help="Read security-question answers from this environment variable, as a JSON "
              "object {\"question\": \"answer\"}.")
def add(
    carrier: str,
    label: str,
    username: str,
    password_env: str | None,
    totp_secret_env: str | None,
    no_totp: bool,
    mfa_recipient: str | None,
    security_answers_env: str | None,
) -> None:
    """Add a portal account. The password and TOTP secret are asked for, hidden."""
    from storage import repo
    from storage.db import session_scope

    settings = load_settings()
    vault = load_vault(settings)
    carrier = _known_carrier(carrier.strip().lower())
    label, username = label.strip(), username.strip()
    if not label or len(label) > 120:
        raise CliError("--label must be 1 to 120 characters")
    if not username:
        raise CliError("--username must not be empty")
    if no_totp and totp_secret_env:
        raise CliError("--no-totp and --totp-secret-env contradict each other")

    if password_env:
        password = _from_env(password_env, "password")
    else:
        password = click.prompt("Portal password", hide_input=True, confirmation_prompt=True)
    register_secret(password)
    if not password:
        raise CliError("the password is empty")

    totp_secret: str | None = None
    if totp_secret_env:
        raw = _from_env(totp_secret_env, "TOTP secret")
    elif no_totp:
        raw = ""
    else:
        raw = click.prompt("TOTP setup key (base32; empty if the portal uses no "
                           "authenticator app)", hide_input=True, default="",
                           show_default=False)
    register_secret(raw)
    if raw.strip():
        try:
            totp_secret = normalize_totp_secret(raw)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        register_secret(totp_secret)

    if mfa_recipient is not None and not (3 <= len(mfa_recipient.strip()) <= 200):
        raise CliError("--mfa-recipient must be a phone number or an e-mail address")
    answers = _security_answers(security_answers_env) if security_answers_env else {}

    with _engine(settings) as engine, session_scope(engine) as session:
        account = repo.create_account(
            session=session, vault=vault, carrier=carrier, label=label, username=username,
            password=SecretStr(password),
            totp_secret=SecretStr(totp_secret) if totp_secret else None,
            extra={f"security:{q}": SecretStr(a) for q, a in answers.items()} or None,
            mfa_recipient=mfa_recipient,
        )
        assert account.id is not None
        repo.audit(session=session, actor=_actor(), action="account.add",
                   target_type="account", target_id=str(account.id),
                   detail=f"{carrier}: {label}")
        account_id = account.id
    click.echo(f"Added {carrier} account {account_id} ({label}).")


def _security_answers(variable: str) -> dict[str, str]:
    """{question: answer} from a JSON object in an environment variable."""
    import json

    raw = _from_env(variable, "security answers")
    try:
        answers = json.loads(raw)
    except ValueError:
        raise CliError(f"{variable} is not JSON: expected {{\"question\": \"answer\"}}") \
            from None
    if not isinstance(answers, dict) or not answers or not all(
            isinstance(q, str) and q.strip() and isinstance(a, str) and a
            for q, a in answers.items()):
        raise CliError(f"{variable} must be a JSON object of question text to answer text")
    for answer in answers.values():
        register_secret(answer)
    return {q.strip(): a for q, a in answers.items()}


@accounts.command("list")
@click.option("--carrier", help="Only this carrier's accounts.")
def list_(carrier: str | None) -> None:
    """List accounts: id, carrier, label, status, flag reason (never a secret)."""
    from storage import repo
    from storage.db import session_scope

    settings = load_settings()
    with _engine(settings) as engine, session_scope(engine) as session:
        rows = [
            (str(a.id), a.carrier, a.label, str(a.status), a.flag_reason or "")
            for a in repo.list_accounts(session=session, carrier=carrier)
        ]
    if not rows:
        click.echo("No accounts. Add one with `portals accounts add`.")
        return
    header = ("ID", "CARRIER", "LABEL", "STATUS", "FLAG REASON")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@accounts.command("clear-flag")
@click.argument("account_id", type=int)
def clear_flag(account_id: int) -> None:
    """Put a flagged account back in use (after a person fixed its login)."""
    from storage import repo
    from storage.db import session_scope

    settings = load_settings()
    with _engine(settings) as engine, session_scope(engine) as session:
        account = repo.get_account(session=session, account_id=account_id)
        if account is None:
            raise click.ClickException(f"no account {account_id}")
        previous = account.flag_reason
        repo.clear_account_flag(session=session, account_id=account_id)
        repo.audit(session=session, actor=_actor(), action="account.clear_flag",
                   target_type="account", target_id=str(account_id),
                   detail=f"was: {previous}" if previous else "was not flagged")
    click.echo(f"Account {account_id} is active.")
