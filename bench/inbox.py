"""A local one-time-code inbox for runs without the API (the accuracy bench): it takes
the same signed webhook as the API's inbox and hands each code to the bot waiting for it.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pydantic import ValidationError

from portals.inbox import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InboundCode,
    InvalidSignature,
    extract_code,
    verify,
)


class LocalInbox:
    def __init__(self) -> None:
        self.secret = secrets.token_urlsafe(24)
        self._queues: dict[str, queue.Queue[tuple[dt.datetime, str]]] = {}
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/inbox"

    def __enter__(self) -> LocalInbox:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _queue(self, recipient: str) -> queue.Queue[tuple[dt.datetime, str]]:
        with self._lock:
            return self._queues.setdefault(recipient.lower(), queue.Queue())

    def accept(self, body: bytes, timestamp: str | None, signature: str | None) -> int:
        """Take one signed message; the HTTP status to answer."""
        try:
            verify(body, self.secret, timestamp, signature, time.time())
            message = InboundCode.model_validate(json.loads(body))
        except (InvalidSignature, ValidationError, ValueError):
            return 401
        code = extract_code(message.text)
        with self._lock:
            if message.message_id in self._seen:
                return 409
            self._seen.add(message.message_id)
        if code is None:
            return 422
        self._queue(message.recipient).put((message.sent_at, code))
        return 202

    def source(self, recipient: str) -> QueueCodeSource:
        return QueueCodeSource(self._queue(recipient))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                status = inbox.accept(self.rfile.read(min(length, 65536)),
                                      self.headers.get(TIMESTAMP_HEADER),
                                      self.headers.get(SIGNATURE_HEADER))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        return Handler


class QueueCodeSource:
    """A :class:`bots.base.CodeSource` over one recipient's codes."""

    def __init__(self, codes: queue.Queue[tuple[dt.datetime, str]]) -> None:
        self._codes = codes

    def wait_for_code(self, channel: str, timeout: float) -> str | None:
        asked = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                sent_at, code = self._codes.get(timeout=left)
            except queue.Empty:
                return None
            if sent_at >= asked:  # an older code belongs to an earlier login
                return code
        return None
