"""Logging for CLI processes: one handler, registered secrets redacted everywhere."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from portals.logging_setup import (
    REDACTED,
    SecretFilter,
    clear_secrets,
    configure_logging,
    redact,
    register_secret,
)

PASSWORD = "hunter2-Pa55word!"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    out = io.StringIO()
    handler = configure_logging("DEBUG", stream=out)
    register_secret(PASSWORD)
    register_secret(SecretStr(SEED))
    yield out
    root.removeHandler(handler)
    for other in handlers:
        for f in [f for f in other.filters if isinstance(f, SecretFilter)]:
            other.removeFilter(f)
    root.setLevel(level)
    clear_secrets()


def test_secret_in_message_and_args_is_redacted(stream: io.StringIO) -> None:
    log = logging.getLogger("portals.test")
    log.info("logging in with %s", PASSWORD)
    log.warning("seed is " + SEED)
    log.info("both: %(p)s %(s)s", {"p": PASSWORD, "s": SEED})
    log.debug("in a tuple %r", (PASSWORD, 1))
    text = stream.getvalue()
    assert PASSWORD not in text and SEED not in text
    assert text.count(REDACTED) == 5
    assert "logging in with [REDACTED]" in text
    assert "portals.test" in text


def test_encoded_forms_are_redacted(stream: io.StringIO) -> None:
    from urllib.parse import quote_plus

    logging.getLogger("x").info("POST body password=%s", quote_plus(PASSWORD))
    assert quote_plus(PASSWORD) not in stream.getvalue()
    assert REDACTED in stream.getvalue()


def test_traceback_is_redacted(stream: io.StringIO) -> None:
    try:
        raise RuntimeError(f"login failed for password {PASSWORD}")
    except RuntimeError:
        logging.getLogger("x").exception("boom")
    text = stream.getvalue()
    assert "RuntimeError" in text and "Traceback" in text
    assert PASSWORD not in text


def test_stack_info_is_redacted(stream: io.StringIO) -> None:
    secret_local = PASSWORD  # noqa: F841 - the stack text holds source lines, not locals
    logging.getLogger("x").info("where %s", PASSWORD, stack_info=True)
    assert PASSWORD not in stream.getvalue()


def test_level_is_respected(stream: io.StringIO) -> None:
    configure_logging("WARNING", stream=stream)
    logging.getLogger("x").info("quiet")
    logging.getLogger("x").warning("loud")
    assert "quiet" not in stream.getvalue() and "loud" in stream.getvalue()


def test_configure_twice_keeps_one_handler(stream: io.StringIO) -> None:
    configure_logging(logging.INFO, stream=stream)
    handler = configure_logging(logging.INFO, stream=stream)
    logging.getLogger("x").info("once")
    assert stream.getvalue().count("once") == 1
    logging.getLogger().removeHandler(handler)


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("chatty")


def test_redact_helper_and_short_or_empty_values() -> None:
    try:
        register_secret("")
        register_secret(None)
        assert redact("nothing registered") == "nothing registered"
        register_secret("abc")
        register_secret("abcdef")
        assert redact("x abcdef y abc z") == f"x {REDACTED} y {REDACTED} z"
    finally:
        clear_secrets()


def test_records_without_secrets_are_untouched() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", ("ok",), None)
    assert SecretFilter().filter(record)
    assert record.getMessage() == "value ok"
