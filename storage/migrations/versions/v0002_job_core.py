"""Job core: eligibility checks become jobs of a kind, with their request as JSON.

- ``eligibility_checks`` -> ``jobs``: new ``kind`` (existing rows ``eligibility``) and
  ``request`` (the eligibility request rebuilt from each row's columns); ``service_date``
  and ``service_codes`` are dropped (they live in ``request``); indexes ``ix_jobs_*``.
- ``runs.check_id`` and ``one_time_codes.check_id`` -> ``job_id``.
- ``eligibility_results`` -> ``job_results``: ``check_id`` -> ``job_id``, new ``kind``.

On PostgreSQL the constraints, indexes and the id sequence get the names ``create_all``
gives the new tables, so a migrated database and a fresh one are the same.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

JOB_INDEXES = ("carrier", "created_at", "member_id", "status")

# Constraint names PostgreSQL gave the old tables, and the ones create_all gives the new.
PG_CONSTRAINTS = (
    ("jobs", "eligibility_checks_pkey", "jobs_pkey"),
    ("jobs", "eligibility_checks_idempotency_key_key", "jobs_idempotency_key_key"),
    ("jobs", "eligibility_checks_account_id_fkey", "jobs_account_id_fkey"),
    ("runs", "runs_check_id_fkey", "runs_job_id_fkey"),
    ("job_results", "eligibility_results_pkey", "job_results_pkey"),
    ("job_results", "eligibility_results_check_id_key", "job_results_job_id_key"),
    ("job_results", "eligibility_results_check_id_fkey", "job_results_job_id_fkey"),
    ("job_results", "eligibility_results_run_id_fkey", "job_results_run_id_fkey"),
    ("one_time_codes", "one_time_codes_check_id_fkey", "one_time_codes_job_id_fkey"),
)
PG_SEQUENCES = (("eligibility_results_id_seq", "job_results_id_seq"),)

_jobs = sa.table(
    "jobs",
    sa.column("id", sa.String(32)),
    sa.column("carrier", sa.String(40)),
    sa.column("member_id", sa.String(30)),
    sa.column("date_of_birth", sa.Date()),
    sa.column("last_name", sa.String(60)),
    sa.column("first_name", sa.String(60)),
    sa.column("service_date", sa.Date()),
    sa.column("service_codes", sa.JSON()),
    sa.column("request", sa.JSON()),
)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rename_index(table: str, old: str, new: str, column: str) -> None:
    if _is_postgresql():
        op.execute(sa.text(f'ALTER INDEX "{old}" RENAME TO "{new}"'))
    else:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, [column], unique=False)


def _rename_pg_names(pairs: tuple[tuple[str, str, str], ...],
                     sequences: tuple[tuple[str, str], ...]) -> None:
    if not _is_postgresql():
        return
    for table, old, new in pairs:
        op.execute(sa.text(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"'))
    for old, new in sequences:
        op.execute(sa.text(f'ALTER SEQUENCE "{old}" RENAME TO "{new}"'))


def _job_rows(bind: Connection, *columns: sa.ColumnClause[Any]) -> Iterator[list[Any]]:
    """Every job row, a thousand at a time in id order (the table may be large)."""
    last = ""
    while True:
        rows = bind.execute(
            sa.select(_jobs.c.id, *columns).where(_jobs.c.id > last)
            .order_by(_jobs.c.id).limit(1000)
        ).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def upgrade() -> None:
    bind = op.get_bind()
    op.rename_table("eligibility_checks", "jobs")
    op.rename_table("eligibility_results", "job_results")

    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("kind", sa.String(40), nullable=False,
                                   server_default="eligibility"))
        batch.add_column(sa.Column("request", sa.JSON(), nullable=True))
    c = _jobs.c
    for rows in _job_rows(bind, c.carrier, c.member_id, c.date_of_birth, c.last_name,
                          c.first_name, c.service_date, c.service_codes):
        bind.execute(
            _jobs.update().where(_jobs.c.id == sa.bindparam("job_id"))
            .values(request=sa.bindparam("request_json", type_=sa.JSON())),
            [{"job_id": row.id, "request_json": {
                "carrier": row.carrier,
                "member_id": row.member_id,
                "date_of_birth": _iso(row.date_of_birth),
                "last_name": row.last_name,
                "first_name": row.first_name,
                "service_date": _iso(row.service_date),
                "service_codes": list(row.service_codes or []),
            }} for row in rows],
        )
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("kind", existing_type=sa.String(40), existing_nullable=False,
                           server_default=None)
        batch.alter_column("request", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("service_date")
        batch.drop_column("service_codes")
    for column in JOB_INDEXES:
        _rename_index("jobs", f"ix_eligibility_checks_{column}", f"ix_jobs_{column}", column)
    op.create_index("ix_jobs_kind", "jobs", ["kind"], unique=False)

    with op.batch_alter_table("runs") as batch:
        batch.alter_column("check_id", new_column_name="job_id",
                           existing_type=sa.String(32), existing_nullable=False)
    _rename_index("runs", "ix_runs_check_id", "ix_runs_job_id", "job_id")

    with op.batch_alter_table("one_time_codes") as batch:
        batch.alter_column("check_id", new_column_name="job_id",
                           existing_type=sa.String(32), existing_nullable=True)
    _rename_index("one_time_codes", "ix_one_time_codes_check_id",
                  "ix_one_time_codes_job_id", "job_id")

    with op.batch_alter_table("job_results") as batch:
        batch.alter_column("check_id", new_column_name="job_id",
                           existing_type=sa.String(32), existing_nullable=False)
        batch.add_column(sa.Column("kind", sa.String(40), nullable=False,
                                   server_default="eligibility"))
    with op.batch_alter_table("job_results") as batch:
        batch.alter_column("kind", existing_type=sa.String(40), existing_nullable=False,
                           server_default=None)

    _rename_pg_names(PG_CONSTRAINTS, PG_SEQUENCES)


def downgrade() -> None:
    """Back to 0001; refused while jobs or results of another kind exist."""
    bind = op.get_bind()
    for table in ("jobs", "job_results"):
        others = bind.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE kind <> 'eligibility'")).scalar()
        if others:
            raise RuntimeError(f"{table} holds {others} row(s) of kinds other than "
                               "eligibility; the schema before 0002 cannot keep them")

    _rename_pg_names(tuple((t, new, old) for t, old, new in PG_CONSTRAINTS),
                     tuple((new, old) for old, new in PG_SEQUENCES))

    with op.batch_alter_table("job_results") as batch:
        batch.drop_column("kind")
        batch.alter_column("job_id", new_column_name="check_id",
                           existing_type=sa.String(32), existing_nullable=False)

    with op.batch_alter_table("one_time_codes") as batch:
        batch.alter_column("job_id", new_column_name="check_id",
                           existing_type=sa.String(32), existing_nullable=True)
    _rename_index("one_time_codes", "ix_one_time_codes_job_id",
                  "ix_one_time_codes_check_id", "check_id")

    with op.batch_alter_table("runs") as batch:
        batch.alter_column("job_id", new_column_name="check_id",
                           existing_type=sa.String(32), existing_nullable=False)
    _rename_index("runs", "ix_runs_job_id", "ix_runs_check_id", "check_id")

    op.drop_index("ix_jobs_kind", table_name="jobs")
    for column in JOB_INDEXES:
        _rename_index("jobs", f"ix_jobs_{column}", f"ix_eligibility_checks_{column}", column)
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("service_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("service_codes", sa.JSON(), nullable=True))
    for rows in _job_rows(bind, _jobs.c.request):
        bind.execute(
            _jobs.update().where(_jobs.c.id == sa.bindparam("job_id"))
            .values(service_date=sa.bindparam("service_date_value", type_=sa.Date()),
                    service_codes=sa.bindparam("service_codes_value", type_=sa.JSON())),
            [{"job_id": row.id,
              "service_date_value": (dt.date.fromisoformat(row.request["service_date"])
                                     if row.request.get("service_date") else None),
              "service_codes_value": list(row.request.get("service_codes") or [])}
             for row in rows],
        )
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("request")
        batch.drop_column("kind")
    op.rename_table("job_results", "eligibility_results")
    op.rename_table("jobs", "eligibility_checks")
