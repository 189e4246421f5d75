"""The egress guard: webhook deliveries never reach this machine, link-local (cloud
metadata) or private addresses unless their network is allowed, whatever a name resolves
to at delivery time."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_network

import httpx
import pytest

from portals.egress import GuardedTransport, address_refusal, host_refusal, refusal_of
from tests.workflows.webhook_receiver import Receiver

SECRET = "receiver-shared-secret-0123456789"


@pytest.mark.parametrize(("address", "why"), [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: the IPv4 address it carries
    ("169.254.169.254", "link-local"),  # cloud metadata
    ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("10.1.2.3", "private"),
    ("172.16.0.9", "private"),
    ("192.168.1.20", "private"),
    ("fd00::5", "private"),
    ("100.64.0.1", "not a public address"),  # carrier-grade NAT, shared
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"),
])
def test_addresses_that_are_not_public_are_refused_and_named(address: str, why: str) -> None:
    refusal = address_refusal(address)
    assert refusal is not None and why in refusal


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(address) is None


def test_an_allowed_network_lets_its_addresses_through_and_only_those() -> None:
    allowed = [ip_network("10.20.0.0/16"), ip_network("::1/128")]
    assert address_refusal("10.20.3.4", allowed) is None
    assert address_refusal("::1", allowed) is None
    assert address_refusal("10.21.0.1", allowed) is not None
    assert address_refusal("127.0.0.1", allowed) is not None


@pytest.mark.parametrize(("host", "refused"), [
    ("localhost", True), ("LOCALHOST.", True), ("api.localhost", True),
    ("127.0.0.1", True), ("[::1]", True), ("[::ffff:169.254.169.254]", True),
    ("10.0.0.8", True),
    ("receiver.example", False),  # names are checked at delivery, never looked up here
    ("93.184.215.14", False),
])
def test_a_saved_host_is_refused_only_when_literal_or_localhost(host: str,
                                                                refused: bool) -> None:
    assert (host_refusal(host) is not None) is refused


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET).start()
    yield receiver
    receiver.stop()


def test_the_transport_refuses_a_name_that_resolves_to_this_machine(receiver: Receiver
                                                                    ) -> None:
    # the name passes when saved; the address it resolves to at delivery does not
    with httpx.Client(transport=GuardedTransport([]), timeout=5) as client:
        for url in (receiver.url, f"http://localhost:{receiver.port}/hook"):
            with pytest.raises(httpx.ConnectError) as caught:
                client.post(url, content=b"{}")
            refusal = refusal_of(caught.value)
            assert refusal is not None and "this machine (loopback)" in refusal
    assert receiver.received == []  # nothing reached it


def test_the_transport_delivers_where_the_network_is_allowed(receiver: Receiver) -> None:
    with httpx.Client(transport=GuardedTransport([ip_network("127.0.0.0/8")]),
                      timeout=5) as client:
        answer = client.post(receiver.url, content=b'{"event":"x"}')
    assert answer.status_code == 401  # it got there (unsigned, so the receiver says no)
    assert len(receiver.received) == 1


def test_a_name_that_does_not_resolve_is_a_connect_error_not_a_refusal() -> None:
    with httpx.Client(transport=GuardedTransport([]), timeout=5) as client, \
            pytest.raises(httpx.ConnectError) as caught:
        client.post("http://no-such-host.invalid/hook", content=b"{}")
    assert refusal_of(caught.value) is None


def _resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    """DNS, which we cannot reach here, answers ``addresses`` for every name."""
    import socket

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr("portals.egress.socket.getaddrinfo", getaddrinfo)


def test_a_name_with_one_inside_address_among_public_ones_is_refused(
        monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    _resolving_to(monkeypatch, "93.184.215.14", "127.0.0.1")
    with httpx.Client(transport=GuardedTransport([]), timeout=5) as client, \
            pytest.raises(httpx.ConnectError) as caught:
        client.post(f"http://receiver.example:{receiver.port}/hook", content=b"{}")
    assert "this machine" in (refusal_of(caught.value) or "")
    assert receiver.received == []


def test_the_next_checked_address_is_tried_when_one_does_not_answer(
        monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    # the receiver listens on 127.0.0.1 only: 127.0.0.2 refuses the connection
    _resolving_to(monkeypatch, "127.0.0.2", "127.0.0.1")
    with httpx.Client(transport=GuardedTransport([ip_network("127.0.0.0/8")]),
                      timeout=5) as client:
        answer = client.post(f"http://receiver.example:{receiver.port}/hook", content=b"{}")
    assert answer.status_code == 401 and len(receiver.received) == 1
