"""the portals' document libraries

A library collection is a job with no patient: the jobs table's patient columns
(member_id, date_of_birth, last_name) become nullable; every kind with a patient still
fills them (its request model requires them). New tables: each content's bytes once per
SHA-256, documents by carrier, title and category, their versions, and what each
collection found. Existing rows are untouched.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

PATIENT_COLUMNS = (("member_id", sa.String(length=30)), ("date_of_birth", sa.Date()),
                   ("last_name", sa.String(length=60)))


def upgrade() -> None:
    op.create_table(
        "library_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "library_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_key", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("carrier", "title_key", "category"),
    )
    with op.batch_alter_table("library_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_documents_carrier"), ["carrier"],
                              unique=False)

    op.create_table(
        "library_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id"),
    )
    with op.batch_alter_table("library_collections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_collections_carrier"), ["carrier"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_library_collections_collected_at"),
                              ["collected_at"], unique=False)

    op.create_table(
        "library_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("portal_id", sa.String(length=80), nullable=False),
        sa.Column("portal_url", sa.String(length=400), nullable=False),
        sa.Column("first_collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["library_collections.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["library_documents.id"]),
        sa.ForeignKeyConstraint(["sha256"], ["library_blobs.sha256"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "sha256"),
    )
    with op.batch_alter_table("library_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_versions_document_id"), ["document_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_library_versions_sha256"), ["sha256"],
                              unique=False)

    op.create_table(
        "library_collection_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["library_collections.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["library_documents.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["library_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("library_collection_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_collection_items_collection_id"),
                              ["collection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_library_collection_items_document_id"),
                              ["document_id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        for name, type_ in PATIENT_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    # jobs with no patient cannot exist before this revision: the library collections go
    # with everything they left (their runs, artifacts rows, results and codes)
    library_jobs = "SELECT id FROM jobs WHERE member_id IS NULL"
    library_runs = f"SELECT id FROM runs WHERE job_id IN ({library_jobs})"
    for table in ("library_collection_items", "library_versions", "library_collections",
                  "library_documents", "library_blobs"):
        op.drop_table(table)
    op.execute(f"DELETE FROM artifacts WHERE run_id IN ({library_runs})")
    op.execute(f"DELETE FROM job_results WHERE job_id IN ({library_jobs})")
    op.execute(f"DELETE FROM one_time_codes WHERE job_id IN ({library_jobs})")
    op.execute(f"DELETE FROM runs WHERE job_id IN ({library_jobs})")
    op.execute("DELETE FROM jobs WHERE member_id IS NULL")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        for name, type_ in reversed(PATIENT_COLUMNS):
            batch_op.alter_column(name, existing_type=type_, nullable=False)
