"""A real HTTP receiver for webhook tests: a server in a thread on a free port that checks
each request's signature, answers as the test says (ok, error, redirect) and keeps what
it got. Stopped, its port refuses connections (a receiver that is down).

It listens on this machine, which deliveries refuse unless its network is allowed:
tests that deliver to it allow :data:`LOOPBACK`."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network
from typing import Any

from workflows.webhook_dispatch import SIGNATURE_HEADER, verify_signature

LOOPBACK = ip_network("127.0.0.1/32")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Receiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.port = free_port()
        self.mode = "ok"
        """ok (204), error (500) or redirect (302 to /elsewhere)."""
        self.now: float | None = None
        """The time signatures are checked against (None: the real time)."""
        self.delay = 0.0
        """Seconds the receiver takes to answer (a slow receiver)."""
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/portals"

    def accepted(self) -> list[dict[str, Any]]:
        """The requests answered 2xx that carried a valid signature."""
        with self._lock:
            return [r for r in self.received if r["answered"] == 204 and r["valid"]]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid = verify_signature(receiver.secret,
                                         self.headers.get(SIGNATURE_HEADER, ""), body,
                                         tolerance=300, now=receiver.now)
                if receiver.delay:
                    time.sleep(receiver.delay)  # the test's slow receiver, not product code
                status = {"ok": 204 if valid else 401, "error": 500,
                          "redirect": 302}[receiver.mode]
                with receiver._lock:
                    receiver.received.append({
                        "path": self.path, "headers": dict(self.headers), "body": body,
                        "json": json.loads(body), "valid": valid, "answered": status})
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
