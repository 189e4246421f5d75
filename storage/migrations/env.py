"""Alembic's environment, driven from code only (see ``storage.migrations``).

The caller hands its open connection in ``config.attributes["connection"]``: no ini file,
no URL. Nothing here configures logging; the application owns it.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables for autogenerate)

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations through storage.migrations (upgrade, downgrade), "
                       "which hands Alembic an open connection")
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
