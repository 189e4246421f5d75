"""Migrations on SQLite and PostgreSQL: the previous release's data survives the upgrade,
an upgraded database is the one ``create_all`` makes, and ``create_schema`` does the right
thing for an empty, an unversioned and a versioned database."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import MetaData, inspect, text
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, select

from portals.cli import main
from portals.settings import get_settings
from storage import migrations
from storage.db import create_schema, make_engine
from storage.models import Job, JobResult, OneTimeCode, Run
from tests.conftest import _postgres_schema_url
from tests.storage.previous_release import (
    FAILED,
    NULL_CODES_CHECK,
    REQUESTS,
    RESULT_DATA,
    ROWS,
    SUCCEEDED,
    WAITING,
    fingerprint,
    make_previous_release_db,
)

RENAMED_TABLES = {"eligibility_checks": "jobs", "eligibility_results": "job_results"}
RENAMED_COLUMNS = {"check_id": "job_id"}


@pytest.fixture(params=["sqlite", "postgres"])
def two_db_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two fresh, empty databases of one kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}"
        return
    schema_url = contextmanager(_postgres_schema_url)
    with schema_url() as first, schema_url() as second:
        yield first, second


@pytest.fixture
def engines(two_db_urls: tuple[str, str]) -> Iterator[tuple[Engine, Engine]]:
    pair = make_engine(two_db_urls[0]), make_engine(two_db_urls[1])
    yield pair
    for engine in pair:
        engine.dispose()


def schema(conn: Connection) -> dict[str, Any]:
    """Everything about the tables that matters, names included (constraints, indexes,
    PostgreSQL's sequences behind serial ids); column order aside."""
    insp = inspect(conn)
    tables: dict[str, Any] = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        pk = insp.get_pk_constraint(table)
        tables[table] = {
            "columns": {c["name"]: (str(c["type"].compile(conn.dialect)), c["nullable"],
                                    c.get("default"))
                        for c in insp.get_columns(table)},
            "primary_key": (pk.get("name"), tuple(pk["constrained_columns"])),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)),
            "unique": sorted((u["name"], tuple(u["column_names"]))
                             for u in insp.get_unique_constraints(table)),
            "foreign_keys": sorted((f["name"], tuple(f["constrained_columns"]),
                                    f["referred_table"], tuple(f["referred_columns"]))
                                   for f in insp.get_foreign_keys(table)),
        }
    return tables


def model_differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def rows(conn: Connection, table: str) -> list[dict[str, Any]]:
    reflected = MetaData()
    reflected.reflect(conn, only=[table])
    t = reflected.tables[table]
    return [dict(r._mapping) for r in conn.execute(sa_select(t).order_by(t.c.id))]


def utc(value: Any) -> Any:
    """SQLite gives naive UTC datetimes back, PostgreSQL aware ones: compare instants."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def expected_after_upgrade(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row of the previous release as the newest revision must have it."""
    new = {RENAMED_COLUMNS.get(k, k): v for k, v in row.items()}
    if table == "eligibility_checks":
        del new["service_date"], new["service_codes"]
        new["kind"] = "eligibility"
        new["request"] = REQUESTS[row["id"]]
        new["committed_at"] = None  # revision 0003
        new["batch_id"] = None  # revision 0006: made by no batch
    if table == "eligibility_results":
        new["kind"] = "eligibility"
    if table == "audit_events":  # revision 0005: who it was, from where (not known then)
        new["actor_type"] = "admin_token" if row["actor"] == "admin-token" else "person"
        new["client_address"] = None
    return new


# -- the schema ---------------------------------------------------------------------------


def test_migrations_from_scratch_make_what_create_all_makes(
        engines: tuple[Engine, Engine]) -> None:
    # given: one database migrated revision by revision, one made by create_all
    migrated, created = engines
    assert migrations.upgrade(migrated, migrations.BASELINE).how == "migrated"
    assert migrations.upgrade(migrated).how == "migrated"
    SQLModel.metadata.create_all(created)
    # then: Alembic sees no difference from the models, and every name matches
    with migrated.connect() as conn:
        assert model_differences(conn) == []
        migrated_schema = schema(conn)
    with created.connect() as conn:
        assert migrated_schema == schema(conn)
    assert migrations.current(migrated) == migrations.head()


def test_downgrade_to_the_baseline_gives_the_previous_schema_back(
        engines: tuple[Engine, Engine]) -> None:
    downgraded, baseline = engines
    migrations.upgrade(downgraded, migrations.BASELINE)
    migrations.upgrade(downgraded)
    assert migrations.downgrade(downgraded, migrations.BASELINE) == migrations.BASELINE
    migrations.upgrade(baseline, migrations.BASELINE)
    with downgraded.connect() as a, baseline.connect() as b:
        assert schema(a) == schema(b)


# -- the previous release's data ----------------------------------------------------------


def test_upgrade_keeps_every_row_of_the_previous_release(
        two_db_urls: tuple[str, str]) -> None:
    # given: the release before migrations' database, with its rows, no alembic_version
    url, fresh_url = two_db_urls
    ids = make_previous_release_db(url)
    engine, fresh = make_engine(url), make_engine(fresh_url)
    try:
        assert migrations.current(engine) is None
        # when: the app starts (create_schema) on it
        create_schema(engine)
        # then: it is at head, with the schema a fresh database gets
        assert migrations.current(engine) == migrations.head()
        create_schema(fresh)
        with engine.connect() as conn, fresh.connect() as other:
            assert model_differences(conn) == []
            assert schema(conn) == schema(other)
            # and every row is there with every value
            for old_table, old_rows in ROWS.items():
                table = RENAMED_TABLES.get(old_table, old_table)
                got = [{k: utc(v) for k, v in r.items()} for r in rows(conn, table)]
                want = [{k: utc(v) for k, v in expected_after_upgrade(old_table, r).items()}
                        for r in sorted(old_rows, key=lambda r: r["id"])]
                assert got == want, table
            jobs = {r["id"]: r for r in rows(conn, "jobs")}
            # revision 0005: staff could do everything before roles, and still can
            held = conn.execute(text("SELECT user_id, role FROM user_roles")).all()
            assert sorted(tuple(r) for r in held) == \
                [(5, "admin"), (5, "billing"), (5, "front_desk"), (5, "reviewer")]
    finally:
        engine.dispose()
        fresh.dispose()
    # the request is the one the release hashed: a repeat with the same key still matches
    for job_id, job in jobs.items():
        assert job["request_fingerprint"] == fingerprint(job["request"]), job_id
    assert jobs[NULL_CODES_CHECK]["request"]["service_codes"] == []
    assert jobs[SUCCEEDED]["request"] == {
        "carrier": "meridian", "member_id": "MER100200", "date_of_birth": "1980-04-02",
        "last_name": "Rivera", "first_name": "Ana", "service_date": "2025-03-01",
        "service_codes": ["99213", "97110"]}
    assert set(ids["checks"].values()) == set(jobs)


def test_upgraded_rows_load_through_the_models(any_db_url: str) -> None:
    make_previous_release_db(any_db_url)
    engine = make_engine(any_db_url)
    try:
        create_schema(engine)
        with Session(engine) as session:
            job = session.get(Job, SUCCEEDED)
            assert job is not None
            assert (job.kind, job.status, job.account_id) == ("eligibility", "succeeded", 7)
            assert job.request == REQUESTS[SUCCEEDED]
            assert job.created_at == dt.datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=dt.UTC)
            result = session.exec(select(JobResult).where(JobResult.job_id == SUCCEEDED)
                                  ).one()
            assert (result.kind, result.data) == ("eligibility", RESULT_DATA)
            runs = session.exec(select(Run).where(Run.job_id == SUCCEEDED)).all()
            assert len(runs) == 2
            code = session.exec(select(OneTimeCode).where(OneTimeCode.job_id == WAITING)
                                ).one()
            assert code.entered_by == "dana"
            # new rows still get fresh ids after the copied ones
            session.add(Job(carrier="meridian", member_id="MER1", last_name="X",
                            date_of_birth=dt.date(1990, 1, 1), request={},
                            request_fingerprint="f" * 64))
            session.commit()
    finally:
        engine.dispose()


def test_downgrade_keeps_the_checks_and_their_service_fields(any_db_url: str) -> None:
    make_previous_release_db(any_db_url)
    engine = make_engine(any_db_url)
    try:
        create_schema(engine)
        migrations.downgrade(engine, migrations.BASELINE)
        with engine.connect() as conn:
            checks = {r["id"]: r for r in rows(conn, "eligibility_checks")}
            results = rows(conn, "eligibility_results")
    finally:
        engine.dispose()
    assert checks[SUCCEEDED]["service_date"] == dt.date(2025, 3, 1)
    assert checks[SUCCEEDED]["service_codes"] == ["99213", "97110"]
    assert checks[FAILED]["service_date"] is None
    assert checks[FAILED]["service_codes"] == []
    assert [r["check_id"] for r in results] == [SUCCEEDED]


def test_downgrade_refuses_jobs_of_other_kinds_and_changes_nothing(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        create_schema(engine)
        with Session(engine) as session:
            session.add(Job(kind="claim_status", carrier="meridian", member_id="MER1",
                            last_name="X", date_of_birth=dt.date(1990, 1, 1), request={},
                            request_fingerprint="f" * 64))
            session.commit()
        with pytest.raises(RuntimeError, match="kinds other than eligibility"):
            migrations.downgrade(engine, migrations.BASELINE)
        assert migrations.current(engine) == migrations.head()
        with engine.connect() as conn:
            assert model_differences(conn) == []
    finally:
        engine.dispose()


# -- create_schema ------------------------------------------------------------------------


def test_create_schema_on_an_empty_database_creates_and_stamps_it(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        assert migrations.upgrade(engine).how == "created"
        assert migrations.current(engine) == migrations.head()
        # a second start has nothing to do
        assert migrations.upgrade(engine).how == "current"
        create_schema(engine)
        assert migrations.current(engine) == migrations.head()
    finally:
        engine.dispose()


def test_create_schema_ignores_tables_that_are_not_ours(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))
        assert migrations.upgrade(engine).how == "created"
    finally:
        engine.dispose()


def test_an_unversioned_database_that_is_no_release_is_refused(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY)"))
        with pytest.raises(migrations.MigrationError, match="not made by a known release"):
            create_schema(engine)
        assert migrations.current(engine) is None
    finally:
        engine.dispose()


def test_previous_release_tables_next_to_new_ones_are_refused_clearly(
        any_db_url: str) -> None:
    # given: a development database where an unversioned build's create_all added jobs
    make_previous_release_db(any_db_url)
    engine = make_engine(any_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE jobs (id VARCHAR(32) PRIMARY KEY)"))
        with pytest.raises(migrations.MigrationError, match="also jobs"):
            create_schema(engine)
        assert migrations.current(engine) is None
    finally:
        engine.dispose()


def test_processes_starting_together_migrate_once(any_db_url: str) -> None:
    # given: four workers starting at once on an empty database, each with its engine
    errors: list[BaseException] = []
    done: list[str] = []

    def start() -> None:
        engine = make_engine(any_db_url)
        try:
            done.append(migrations.upgrade(engine).how)
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then: one created the schema, the others found it current
    assert errors == []
    assert sorted(done) == ["created", "current", "current", "current"]


def test_migrating_logs_no_row_values_and_leaves_logging_alone(
        any_db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    make_previous_release_db(any_db_url)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    engine = make_engine(any_db_url)
    try:
        with caplog.at_level(logging.DEBUG, logger="alembic"):
            create_schema(engine)
    finally:
        engine.dispose()
    assert "Running upgrade 0001 -> 0002" in caplog.text
    for value in ("MER100200", "Rivera", "1980-04-02", "front-desk-0001"):
        assert value not in caplog.text
    assert (root.handlers, root.level) == (handlers, level)


# -- portals db ---------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in list(os.environ):
        if name.startswith("PORTALS_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_db_upgrade_prints_the_revision_before_and_after(
        clean_env: pytest.MonkeyPatch, any_db_url: str) -> None:
    make_previous_release_db(any_db_url)
    clean_env.setenv("PORTALS_DATABASE_URL", any_db_url)
    head = migrations.head()

    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert "revision: none" in result.output

    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "before: none (made by the release before migrations)" in result.output
    assert f"after: {head} (head)" in result.output

    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"before: {head} (head)" in result.output
    assert "already up to date" in result.output

    result = CliRunner().invoke(main, ["db", "current"])
    assert f"revision: {head} (head)" in result.output


def test_db_upgrade_help() -> None:
    result = CliRunner().invoke(main, ["db", "upgrade", "--help"])
    assert result.exit_code == 0
    assert "PORTALS_DATABASE_URL" in result.output


def test_db_upgrade_on_an_unreachable_database_is_one_clear_line(
        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PORTALS_DATABASE_URL",
                     "postgresql+psycopg://portals:hunter2@127.0.0.1:1/portals")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "database error at postgresql+psycopg://portals:***@127.0.0.1:1/portals" in (
        result.output)
    assert "Connection refused" in result.output
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output
