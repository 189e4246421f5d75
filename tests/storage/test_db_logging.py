"""A failing statement never puts PHI in a log line, an exception or a traceback, on SQLite
and on PostgreSQL, with every logger at DEBUG: the engine hides bound parameters, logs no
result rows, and masks the values a database error message repeats (PostgreSQL's DETAIL:
"Key (member_id)=(...) already exists", "Failing row contains (...)")."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from storage.db import make_engine

MEMBER = "PHI-ZZ-12345"
OTHER_MEMBER = "PHI-ZZ-67890"
LAST_NAME = "Testwellphi"
BAD_DOB = "PHI-ZZ-1980-13-45"
PHI = (MEMBER, OTHER_MEMBER, LAST_NAME, "PHI-ZZ", "Testwell")

metadata = MetaData()
probe = Table(
    "phi_probe", metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", String(40), nullable=False, unique=True),
    Column("last_name", String(80), nullable=False),
    Column("date_of_birth", Date),
)


class Base(DeclarativeBase):
    pass


class Patient(Base):
    __tablename__ = "phi_probe_orm"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(String(40), unique=True)
    last_name: Mapped[str] = mapped_column(String(80))


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Every logger, existing or new, at DEBUG into one capturing handler on the root."""
    manager = logging.root.manager
    loggers = [logging.getLogger(), logging.getLogger("sqlalchemy"),
               *(lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger))]
    levels = {lg: lg.level for lg in loggers}
    handler = Capture()
    logging.getLogger().addHandler(handler)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    yield handler
    logging.getLogger().removeHandler(handler)
    for lg, level in levels.items():
        lg.setLevel(level)


@pytest.fixture
def db(any_db_url: str, captured: Capture) -> Iterator[Engine]:
    engine = make_engine(any_db_url)
    metadata.create_all(engine)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(probe).values(member_id=MEMBER, last_name=LAST_NAME,
                                          date_of_birth=dt.date(1980, 2, 1)))
    yield engine
    engine.dispose()


def _failure(action: Callable[[], object]) -> BaseException:
    """The exception ``action`` raises, logged as the application would log it."""
    with pytest.raises(StatementError) as caught:
        action()
    logging.getLogger("portals.test").exception("the statement failed")
    logging.getLogger("portals.test").error("the statement failed: %s", caught.value)
    return caught.value


def _assert_no_phi(exc: BaseException, captured: Capture) -> None:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    cause = exc.__cause__
    if cause is not None:
        texts += [str(cause), repr(cause)]
    for record in captured.records:
        texts += [record.getMessage(), record.exc_text or "", repr(record.args)]
    texts += captured.lines
    leaks = [(phi, t[:200]) for t in texts for phi in PHI if phi in t]
    assert leaks == []


def test_engine_hides_parameters(db: Engine) -> None:
    assert db.hide_parameters is True


def test_unique_violation(db: Engine, captured: Capture) -> None:
    def insert_twice() -> None:
        with db.begin() as conn:
            conn.execute(insert(probe).values(member_id=MEMBER, last_name=LAST_NAME))

    exc = _failure(insert_twice)
    assert isinstance(exc, IntegrityError)  # the type callers catch is unchanged
    assert "phi_probe" in str(exc) or "unique" in str(exc).lower()
    _assert_no_phi(exc, captured)
    # the engine did log (statements at INFO), just never a value
    assert any(r.name.startswith("sqlalchemy.engine") for r in captured.records)


def test_not_null_violation(db: Engine, captured: Capture) -> None:
    def insert_without_last_name() -> None:
        with db.begin() as conn:
            conn.execute(insert(probe).values(member_id=OTHER_MEMBER, last_name=None,
                                              date_of_birth=dt.date(1980, 2, 1)))

    exc = _failure(insert_without_last_name)
    assert isinstance(exc, IntegrityError)
    _assert_no_phi(exc, captured)


def test_invalid_value_in_a_raw_statement(db: Engine, captured: Capture) -> None:
    """PostgreSQL repeats a value it cannot parse in its primary message."""
    def insert_bad_date() -> None:
        with db.begin() as conn:
            conn.execute(text("INSERT INTO phi_probe (member_id, last_name, date_of_birth) "
                              "VALUES (:m, :n, CAST(:d AS DATE))"),
                         {"m": OTHER_MEMBER, "n": LAST_NAME, "d": BAD_DOB})
            conn.execute(text("INSERT INTO phi_probe (member_id, last_name) VALUES (:m, :n)"),
                         {"m": OTHER_MEMBER, "n": LAST_NAME})  # SQLite accepts the date

    exc = _failure(insert_bad_date)
    _assert_no_phi(exc, captured)


def test_orm_flush_failure_and_the_session_after_it(db: Engine, captured: Capture) -> None:
    with Session(db) as session:
        session.add(Patient(member_id=MEMBER, last_name=LAST_NAME))
        session.commit()
    with Session(db) as session:
        session.add(Patient(member_id=MEMBER, last_name=LAST_NAME))
        exc = _failure(session.flush)
        assert isinstance(exc, IntegrityError)
        _assert_no_phi(exc, captured)
        # the next use of the failed session repeats the original error's text
        with pytest.raises(Exception) as again:
            session.execute(select(Patient))
        _assert_no_phi(again.value, captured)


def test_rows_read_at_debug_are_not_logged(db: Engine, captured: Capture) -> None:
    with db.connect() as conn:
        assert conn.execute(select(probe.c.member_id)).scalar_one() == MEMBER
    assert not [line for line in captured.lines if MEMBER in line]


def test_a_connection_error_keeps_its_text(tmp_path: object) -> None:
    """Errors outside a statement carry no PHI and say what is wrong: left alone."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(Exception) as caught:
        engine.connect()
    assert "127.0.0.1" in str(caught.value) or "connect" in str(caught.value).lower()
    engine.dispose()
