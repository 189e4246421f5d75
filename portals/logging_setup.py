"""Logging for CLI processes, in one place, with secrets kept out of every line.

:func:`configure_logging` installs one stderr handler on the root logger carrying a
:class:`SecretFilter`. Anything handed to :func:`register_secret` (a portal password, a
TOTP seed, the admin token, ...) is replaced by ``[REDACTED]`` in the formatted message,
its arguments, and any traceback or stack text, whichever logger emitted the record.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from typing import IO
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

REDACTED = "[REDACTED]"
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_secrets: set[str] = set()
_forms: tuple[str, ...] = ()
"""Every registered secret and its URL/JSON-escaped forms, longest first."""
_secrets_lock = threading.Lock()


def _forms_of(secret: str) -> set[str]:
    forms = {secret}
    if len(secret) >= 4:  # encoded forms of very short values would match too much
        forms |= {quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    return {f for f in forms if f}


def register_secret(value: str | SecretStr | None) -> None:
    """Redact ``value`` from every log record from now on (empty values are ignored)."""
    global _forms
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not raw:
        return
    with _secrets_lock:
        if raw in _secrets:
            return
        _secrets.add(raw)
        forms = set().union(*(_forms_of(s) for s in _secrets))
        _forms = tuple(sorted(forms, key=len, reverse=True))


def clear_secrets() -> None:
    """Forget every registered secret (for tests)."""
    global _forms
    with _secrets_lock:
        _secrets.clear()
        _forms = ()


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    for form in _forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


class SecretFilter(logging.Filter):
    """Rewrites a record so that no registered secret survives formatting.

    The message is formatted with its arguments, redacted, and stored back as a plain
    message; exception and stack text are rendered and redacted too. The rendered
    exception (the whole chain: ``raise ... from``) replaces the record's ``exc_info``, so
    a handler or formatter that would render the live exception object itself (rich
    tracebacks, error trackers) sees only the redacted text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not _forms:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: redact what we have
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # formatters print exc_text; nothing renders it again
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_installed: logging.Handler | None = None


def configure_logging(
    level: int | str = "INFO", *, stream: IO[str] | None = None
) -> logging.Handler:
    """Log ``level`` and above to stderr (or ``stream``) through the secret filter.

    Safe to call more than once: the handler installed by an earlier call is replaced.
    Handlers that were already on the root logger, or on any other logger (one that does
    not propagate to the root, say), get the secret filter as well.
    """
    global _installed
    root = logging.getLogger()
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    if _installed is not None:
        root.removeHandler(_installed)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(SecretFilter())
    root.addHandler(handler)
    loggers = [root, *(logger for logger in logging.root.manager.loggerDict.values()
                       if isinstance(logger, logging.Logger))]
    for other in {h for logger in loggers for h in logger.handlers}:
        if not any(isinstance(f, SecretFilter) for f in other.filters):
            other.addFilter(SecretFilter())
    root.setLevel(numeric)
    # one line per HTTP request (sandbox control calls, health probes) is noise, not news
    logging.getLogger("httpx").setLevel(max(numeric, logging.WARNING))
    # schema migration steps at every start-up, likewise
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))
    _installed = handler
    return handler
