"""Alembic's environment, driven from code only (see ``storage.migrations``).

The caller hands its open connection in ``config.attributes["connection"]``: no ini file,
no URL. Nothing here configures logging; the application owns it.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from storage import models  # noqa: F401  (registers the tables for autogenerate)


def _render_item(kind: str, obj: Any, _autogen_context: Any) -> str | Literal[False]:
    """New revisions spell SQLModel's column types in plain SQLAlchemy (stable imports)."""
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations through storage.migrations (upgrade, downgrade), "
                       "which hands Alembic an open connection")
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
