"""``portals users``: staff logins for the web UI."""

from __future__ import annotations

import click


def _engine():  # type: ignore[no-untyped-def]
    from portals.settings import get_settings
    from storage.db import create_schema, make_engine

    engine = make_engine(get_settings().resolved_database_url)
    create_schema(engine)
    return engine


@click.group("users")
def users() -> None:
    """Staff users of the web UI."""


@users.command("add")
@click.argument("username")
@click.option("--password-env", metavar="VAR",
              help="Read the password from this environment variable instead of a prompt.")
def add(username: str, password_env: str | None) -> None:
    """Add a staff user (the password is asked for, hidden, twice)."""
    import os

    from storage.db import session_scope
    from storage.users import UserError, create_user

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is not set")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = _engine()
    try:
        with session_scope(engine) as session:
            create_user(session=session, username=username, password=password)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"user {username} added")


@users.command("list")
def list_() -> None:
    """Every staff user."""
    from storage.db import session_scope
    from storage.users import list_users

    with session_scope(_engine()) as session:
        for user in list_users(session=session):
            click.echo(f"{user.username}\tsince {user.created_at:%Y-%m-%d}")


@users.command("remove")
@click.argument("username")
def remove(username: str) -> None:
    """Remove a staff user."""
    from storage.db import session_scope
    from storage.users import delete_user

    with session_scope(_engine()) as session:
        if not delete_user(session=session, username=username):
            raise click.UsageError(f"no user {username!r}")
    click.echo(f"user {username} removed")
