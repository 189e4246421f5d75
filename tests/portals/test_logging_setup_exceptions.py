"""The secret filter and exceptions: the whole chain is redacted, nothing downstream can
render the live exception again, and handlers off the root logger are covered too."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from portals.logging_setup import SecretFilter, clear_secrets, configure_logging, register_secret

PASSWORD = "hunter2-Chained-Pa55!"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    out = io.StringIO()
    handler = configure_logging("DEBUG", stream=out)
    register_secret(PASSWORD)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)
    clear_secrets()


class LiveExceptionRenderer(logging.Handler):
    """Renders ``record.exc_info`` itself, as rich tracebacks or error trackers do."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.seen += [str(exc), str(exc.__cause__)]
        self.seen.append(record.exc_text or "")


def test_a_chained_exception_is_redacted_everywhere(stream: io.StringIO) -> None:
    renderer = LiveExceptionRenderer()
    logging.getLogger().addHandler(renderer)  # after the filtered handler: sees its result
    try:
        try:
            raise ValueError(f"portal said no to {PASSWORD}")
        except ValueError as inner:
            raise RuntimeError("login step failed") from inner
    except RuntimeError:
        logging.getLogger("portals.test").exception("run failed")
    finally:
        logging.getLogger().removeHandler(renderer)
    text = stream.getvalue()
    assert "ValueError" in text and "RuntimeError" in text and "direct cause" in text
    assert PASSWORD not in text
    assert renderer.seen and not any(PASSWORD in seen for seen in renderer.seen)


def test_handlers_of_loggers_that_do_not_propagate_get_the_filter() -> None:
    own = logging.getLogger("portals.test.isolated")
    handler = logging.StreamHandler(io.StringIO())
    own.addHandler(handler)
    own.propagate = False
    root = logging.getLogger()
    level = root.level
    installed = configure_logging("INFO", stream=io.StringIO())
    try:
        assert any(isinstance(f, SecretFilter) for f in handler.filters)
    finally:
        own.removeHandler(handler)
        own.propagate = True
        root.removeHandler(installed)
        root.setLevel(level)
