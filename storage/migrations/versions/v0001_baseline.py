"""Baseline: the schema of the release before migrations (storage/models.py at 46d6fe9).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _s(length: int) -> sa.String:
    return sa.String(length=length)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _time(), nullable=False),
        sa.Column("actor", _s(80), nullable=False),
        sa.Column("action", _s(60), nullable=False),
        sa.Column("target_type", _s(40), nullable=False),
        sa.Column("target_id", _s(64), nullable=False),
        sa.Column("detail", _s(500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"], unique=False)

    op.create_table(
        "carrier_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", _s(40), nullable=False),
        sa.Column("label", _s(120), nullable=False),
        sa.Column("username_enc", sa.Text(), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("totp_secret_enc", sa.Text(), nullable=True),
        sa.Column("extra_enc", sa.Text(), nullable=True),
        sa.Column("mfa_recipient", _s(200), nullable=True),
        sa.Column("status", _s(20), nullable=False),
        sa.Column("flag_reason", _s(60), nullable=True),
        sa.Column("flagged_at", _time(), nullable=True),
        sa.Column("session_state_enc", sa.Text(), nullable=True),
        sa.Column("session_saved_at", _time(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_carrier_accounts_carrier", "carrier_accounts", ["carrier"],
                    unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", _s(80), nullable=False),
        sa.Column("password_hash", _s(300), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )

    op.create_table(
        "eligibility_checks",
        sa.Column("carrier", _s(40), nullable=False),
        sa.Column("member_id", _s(30), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("last_name", _s(60), nullable=False),
        sa.Column("first_name", _s(60), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("service_codes", sa.JSON(), nullable=True),
        sa.Column("id", _s(32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("status", _s(20), nullable=False),
        sa.Column("idempotency_key", _s(200), nullable=True),
        sa.Column("request_fingerprint", _s(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", _s(120), nullable=True),
        sa.Column("lease_expires_at", _time(), nullable=True),
        sa.Column("next_attempt_at", _time(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("origin", _s(20), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("finished_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["carrier_accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    for column in ("carrier", "created_at", "member_id", "status"):
        op.create_index(f"ix_eligibility_checks_{column}", "eligibility_checks", [column],
                        unique=False)

    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", _s(100), nullable=True),
        sa.Column("carrier", _s(40), nullable=False),
        sa.Column("channel", _s(10), nullable=False),
        sa.Column("source", _s(10), nullable=False),
        sa.Column("recipient", _s(200), nullable=True),
        sa.Column("check_id", _s(32), nullable=True),
        sa.Column("code_enc", sa.Text(), nullable=False),
        sa.Column("received_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("used_at", _time(), nullable=True),
        sa.Column("used_by_run", _s(32), nullable=True),
        sa.Column("entered_by", _s(80), nullable=True),
        sa.ForeignKeyConstraint(["check_id"], ["eligibility_checks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    for column in ("check_id", "received_at", "recipient"):
        op.create_index(f"ix_one_time_codes_{column}", "one_time_codes", [column],
                        unique=False)

    op.create_table(
        "runs",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("check_id", _s(32), nullable=False),
        sa.Column("carrier", _s(40), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", _s(20), nullable=False),
        sa.Column("worker", _s(120), nullable=False),
        sa.Column("started_at", _time(), nullable=False),
        sa.Column("finished_at", _time(), nullable=True),
        sa.Column("error_type", _s(40), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("events", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["check_id"], ["eligibility_checks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_runs_check_id", "runs", ["check_id"], unique=False)
    op.create_index("ix_runs_status", "runs", ["status"], unique=False)

    op.create_table(
        "artifacts",
        sa.Column("id", _s(32), nullable=False),
        sa.Column("run_id", _s(32), nullable=False),
        sa.Column("kind", _s(20), nullable=False),
        sa.Column("filename", _s(200), nullable=False),
        sa.Column("content_type", _s(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", _s(64), nullable=False),
        sa.Column("path", _s(400), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_artifacts_created_at", "artifacts", ["created_at"], unique=False)
    op.create_index("ix_artifacts_run_id", "artifacts", ["run_id"], unique=False)

    op.create_table(
        "eligibility_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", _s(32), nullable=False),
        sa.Column("run_id", _s(32), nullable=False),
        sa.Column("carrier", _s(40), nullable=False),
        sa.Column("member_id", _s(30), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["eligibility_checks.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("check_id"),
    )


def downgrade() -> None:
    for table in ("eligibility_results", "artifacts", "runs", "one_time_codes",
                  "eligibility_checks", "users", "carrier_accounts", "audit_events"):
        op.drop_table(table)
