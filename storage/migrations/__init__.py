"""Schema migrations (Alembic), driven from code: no ini file, no URL, no logging setup.

``upgrade(engine)`` brings any database to the newest schema, under a lock so processes
starting together migrate once:

- a database without our tables gets ``SQLModel.metadata.create_all`` and is stamped at
  head (fast; tests do this hundreds of times);
- a database with the tables but no ``alembic_version`` was made by the release before
  migrations: it is stamped at ``BASELINE`` (its schema) and upgraded from there;
- anything else is upgraded from its recorded revision (nothing to do when at head).

The revisions live in ``versions/``. Add one with ``new_revision(engine, message, rev_id)``
on a database at head (it compares the models with the database and writes the file to
review); write data moves by hand, and use ``op.batch_alter_table`` so SQLite works.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables)

logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are start-up noise

MIGRATIONS_DIR = Path(__file__).resolve().parent
BASELINE = "0001"
"""The schema of the release before migrations (revision 0001)."""
PREVIOUS_RELEASE_TABLES = frozenset({"eligibility_checks", "eligibility_results"})
"""Tables only the release before migrations had; their presence means "adopt at 0001"."""
RENAMED_TO = frozenset({"jobs", "job_results"})
"""What revision 0002 renames those tables to."""


class MigrationError(RuntimeError):
    """The database is in a state no migration path starts from."""


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` did: the revision before (None: unversioned) and after, and how."""

    before: str | None
    after: str | None
    how: str
    """``created`` (empty database), ``adopted`` (release before migrations, upgraded from
    the baseline), ``migrated`` or ``current`` (nothing to do)."""


def config(connection: Connection) -> Config:
    """An Alembic config for this package's scripts, using ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def head() -> str:
    """The newest revision."""
    revision = _script().get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The database's revision; None when it has no ``alembic_version``."""
    with engine.connect() as conn:
        return _current(conn)


def upgrade(engine: Engine, revision: str = "head") -> Upgrade:
    """Bring the database to ``revision`` (see the module docstring)."""
    target = head() if revision == "head" else revision
    with _locked(engine) as conn:
        before = _current(conn)
        how = "migrated"
        if before is None:
            tables = set(inspect(conn).get_table_names())
            if tables & PREVIOUS_RELEASE_TABLES:
                if clash := sorted(tables & RENAMED_TO):
                    raise MigrationError(
                        "the database has the previous release's tables and also "
                        f"{', '.join(clash)} (made by create_all of newer models); drop "
                        "those (or the database) and start again")
                _stamp(conn, BASELINE)
                how = "adopted"
            elif not tables & set(SQLModel.metadata.tables):
                if target == head():
                    SQLModel.metadata.create_all(conn)
                    _stamp(conn, target)
                    return Upgrade(before=None, after=target, how="created")
            else:
                missing = sorted(set(SQLModel.metadata.tables) - tables)
                if missing:
                    raise MigrationError(
                        "the database has some of the tables but no alembic_version and "
                        f"lacks {', '.join(missing)}; it was not made by a known release")
                # Made by create_all of these models before they were versioned.
                _stamp(conn, head())
                how = "adopted"
        if _current(conn) == target:
            return Upgrade(before=before, after=target,
                           how="current" if how == "migrated" else how)
        command.upgrade(config(conn), target)
        return Upgrade(before=before, after=_current(conn), how=how)


def downgrade(engine: Engine, revision: str) -> str | None:
    """Take the database back to ``revision`` (``base``: drop everything); returns it."""
    with _locked(engine) as conn:
        command.downgrade(config(conn), revision)
        return _current(conn)


def new_revision(engine: Engine, message: str, rev_id: str) -> Path:
    """Write a new revision file comparing the models with ``engine``'s database (at head)."""
    with engine.connect() as conn:
        script = command.revision(config(conn), message=message, rev_id=rev_id,
                                  autogenerate=True)
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _stamp(conn: Connection, revision: str) -> None:
    MigrationContext.configure(conn).stamp(_script(), revision)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the database's migration lock.

    PostgreSQL: a transaction-scoped advisory lock per schema; DDL is transactional.
    SQLite: ``BEGIN IMMEDIATE`` (the write lock), with foreign keys off while tables are
    rebuilt (the pragma only applies outside a transaction) and checked before commit.
    """
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text(
                        "SELECT pg_advisory_xact_lock(hashtext('portals.migrations.' "
                        "|| current_schema()))"))
                yield conn
            return
        foreign_keys = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise MigrationError(f"foreign keys broken by the migration: {broken[:5]}")
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            conn.commit()
