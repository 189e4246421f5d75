"""Engine factory: SQLite file by default, PostgreSQL by URL. Nothing is built at import."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlmodel import Session, create_engine

from storage import models  # noqa: F401  (registers the tables)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so API and workers share it.

    No value a statement carries (names, member IDs, dates of birth: PHI) can reach a log
    line, an exception message or a traceback: bound parameters are hidden
    (``hide_parameters``), result rows are never logged (the engine logger's DEBUG
    records are dropped), and a failing statement's database error is rewritten to its
    first line with quoted values masked (PostgreSQL's ``DETAIL`` repeats the row or the
    key; schema names such as the constraint stay). The exception types stay the same.
    """
    _drop_row_logging()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "handle_error", _hide_values_in_error)
    return engine


_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")


class _NoRows(logging.Filter):
    """Drops the engine logger's DEBUG records: they print result rows (PHI)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def _drop_row_logging() -> None:
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoRows) for f in engine_log.filters):
        engine_log.addFilter(_NoRows())


def _hide_values_in_error(ctx: ExceptionContext) -> None:
    """Rewrite a failing statement's error so its text carries no value (see make_engine).

    Errors outside a statement (connecting) keep their text: they carry no PHI and say
    what is wrong with the server or the URL.
    """
    if ctx.statement is None:
        return
    orig = ctx.original_exception
    diag = getattr(orig, "diag", None)
    names = {getattr(diag, field, None) for field in (
        "schema_name", "table_name", "column_name", "constraint_name", "datatype_name")}
    first = (str(orig).strip().splitlines() or [""])[0]
    text = _QUOTED.sub(
        lambda m: m[0] if (m[1] if m[1] is not None else m[2]) in names else '"[hidden]"',
        first)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        text = f"{text} (SQLSTATE {sqlstate})"
    orig.args = (text,)
    wrapped = ctx.sqlalchemy_exception
    if wrapped is not None:
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {text}",)


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema: create it when empty (then stamp it),
    adopt one made by the release before migrations, or run the pending migrations.
    See ``storage.migrations``; safe to call from processes starting together."""
    from storage.migrations import upgrade

    upgrade(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
