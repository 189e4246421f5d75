"""``portals db``: the database schema's revision, and upgrading it (Alembic migrations).

The worker, the API and the other commands upgrade the database themselves when they start
(``storage.db.create_schema``); ``portals db upgrade`` does it on its own, e.g. before a
deployment starts them, and says what it did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.engine import Engine

from portals.commands.keys import CliError, load_settings


def _shown(url: str) -> str:
    """The URL with its password hidden."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise CliError("PORTALS_DATABASE_URL is not a valid database URL") from None


@contextmanager
def _database() -> Iterator[tuple[Engine, str]]:
    """The configured database's engine and printable URL; database errors become one
    clear line (no traceback)."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from storage.db import make_engine
    from storage.migrations import MigrationError

    url = load_settings().resolved_database_url
    shown = _shown(url)
    try:
        engine = make_engine(url)
    except (OSError, SQLAlchemyError) as exc:
        raise CliError(f"cannot open the database at {shown}: {exc}") from None
    try:
        yield engine, shown
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise CliError(f"database error at {shown}: {reason}") from None
    except (MigrationError, SQLAlchemyError, OSError) as exc:
        raise CliError(f"database error at {shown}: {exc}") from None
    finally:
        engine.dispose()


def _revision(revision: str | None, head: str) -> str:
    if revision is None:
        return "none"
    return f"{revision} (head)" if revision == head else revision


@click.group("db")
def db() -> None:
    """The database schema: its revision, and upgrading it."""


@db.command("upgrade")
def upgrade() -> None:
    """Upgrade the configured database (PORTALS_DATABASE_URL) to the newest schema."""
    from storage import migrations

    head = migrations.head()
    with _database() as (engine, shown):
        click.echo(f"database: {shown}")
        done = migrations.upgrade(engine)
    before = {
        "created": "none (empty database)",
        "adopted": "none (made by the release before migrations)",
    }.get(done.how, _revision(done.before, head))
    click.echo(f"before: {before}")
    click.echo(f"after: {_revision(done.after, head)}")
    if done.how == "current":
        click.echo("already up to date")


@db.command("current")
def current() -> None:
    """Print the configured database's revision and the newest one."""
    from storage import migrations

    head = migrations.head()
    with _database() as (engine, shown):
        revision = migrations.current(engine)
    click.echo(f"database: {shown}")
    click.echo(f"revision: {_revision(revision, head)}")
    click.echo(f"head: {head}")
    if revision != head:
        click.echo("run `portals db upgrade` to upgrade")
