"""The embedded Redis: started once per data dir, shared by processes, stopped on purpose."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from portals.redis_local import embedded_redis_url, socket_path, stop_embedded_redis


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    stop_embedded_redis(path)


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5)


def _server_pid(url: str) -> int:
    client = _client(url)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


def _python(code: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(data_dir)],
        capture_output=True, text=True, timeout=60, check=True,
    )


def test_starts_and_answers(data_dir: Path) -> None:
    url = embedded_redis_url(data_dir)
    assert url.startswith("unix://")
    client = _client(url)
    assert client.ping()
    client.set("greeting", "hello")
    assert client.get("greeting") == b"hello"
    client.close()
    assert socket_path(data_dir).parent == data_dir.resolve()
    assert socket_path(data_dir).is_socket()


def test_second_call_reuses_the_server(data_dir: Path) -> None:
    url = embedded_redis_url(data_dir)
    pid = _server_pid(url)
    _client(url).set("k", "v")
    assert embedded_redis_url(data_dir) == url
    assert _server_pid(url) == pid
    assert _client(url).get("k") == b"v"


def test_server_survives_garbage_collection(data_dir: Path) -> None:
    url = embedded_redis_url(data_dir)
    gc.collect()
    assert _client(url).ping()


def test_another_process_reuses_it(data_dir: Path) -> None:
    url = embedded_redis_url(data_dir)
    _client(url).set("shared", "yes")
    done = _python("""
        import sys, redis
        from pathlib import Path
        from portals.redis_local import embedded_redis_url
        url = embedded_redis_url(Path(sys.argv[1]))
        client = redis.Redis.from_url(url)
        print(url, client.get("shared").decode(), client.info("server")["process_id"])
    """, data_dir)
    other_url, value, pid = done.stdout.split()
    assert (other_url, value, int(pid)) == (url, "yes", _server_pid(url))
    assert _client(url).ping()  # the other process exiting did not stop it


def test_server_outlives_its_starter_while_others_use_it(data_dir: Path) -> None:
    started = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys
            from pathlib import Path
            from portals.redis_local import embedded_redis_url
            print(embedded_redis_url(Path(sys.argv[1])), flush=True)
            sys.stdin.read()
        """), str(data_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert started.stdout is not None and started.stdin is not None
    url = started.stdout.readline().strip()
    client = _client(url)
    client.set("k", "v")
    started.stdin.close()  # the starter exits while we are connected
    assert started.wait(timeout=30) == 0
    assert client.get("k") == b"v"
    assert embedded_redis_url(data_dir) == url
    client.close()


def test_starter_exit_without_other_clients_stops_it(data_dir: Path) -> None:
    done = _python("""
        import sys
        from pathlib import Path
        from portals.redis_local import embedded_redis_url
        print(embedded_redis_url(Path(sys.argv[1])))
    """, data_dir)
    url = done.stdout.strip()
    with pytest.raises(redis.ConnectionError):
        _client(url).ping()


def test_dramatiq_broker_accepts_the_url(data_dir: Path) -> None:
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=embedded_redis_url(data_dir))
    try:
        assert broker.client.ping()
    finally:
        broker.close()


def test_stop_and_start_again(data_dir: Path) -> None:
    url = embedded_redis_url(data_dir)
    _client(url).set("kept", "1")
    assert stop_embedded_redis(data_dir) is True
    with pytest.raises(redis.ConnectionError):
        _client(url).ping()
    assert stop_embedded_redis(data_dir) is False  # nothing running
    assert embedded_redis_url(data_dir) == url
    assert _client(url).get("kept") == b"1"  # saved to the rdb file under data_dir
    assert (data_dir / "redis.db").exists()


def test_restarts_after_the_server_was_killed(data_dir: Path) -> None:
    url = embedded_redis_url(data_dir)
    pid = _server_pid(url)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # until the socket stops answering
        try:
            _client(url).ping()
        except redis.ConnectionError:
            break
        time.sleep(0.05)
    assert socket_path(data_dir).exists()  # a stale socket is left behind
    assert embedded_redis_url(data_dir) == url
    assert _server_pid(url) != pid


def test_long_data_dir_gets_a_short_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    try:
        url = embedded_redis_url(deep)
        assert len(str(socket_path(deep))) <= 100
        assert _client(url).ping()
        assert embedded_redis_url(deep) == url
    finally:
        stop_embedded_redis(deep)


def test_a_live_but_silent_server_is_never_replaced(data_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import portals.redis_local as redis_local

    monkeypatch.setattr(redis_local, "START_TIMEOUT", 0.5)
    monkeypatch.setattr(redis_local, "PROBE_TIMEOUT", 0.1)
    data_dir.mkdir(parents=True)
    sock = socket_path(data_dir)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(sock))
    listener.listen(8)  # accepts connections, never answers
    try:
        with pytest.raises(RuntimeError, match="not answering"):
            embedded_redis_url(data_dir)
        assert stop_embedded_redis(data_dir, timeout=0.5) is False
        assert sock.exists()  # its socket was left alone
    finally:
        listener.close()
        sock.unlink(missing_ok=True)
