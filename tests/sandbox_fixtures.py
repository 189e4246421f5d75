"""Pytest plugin: the sandbox carrier portals, served on free local ports.

``sandbox_servers`` (session): each carrier's portal, started on first use.
``sandbox_portal`` (function): ``sandbox_portal("northwind")`` resets that portal and
returns it with a fresh random account (what its second factor needs included), as a
:class:`PortalAccount`.
``meridian_server`` / ``meridian``: the same for Meridian, by name.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from fixtures.sandbox import carriers
from fixtures.sandbox.server import PortalAccount, SandboxControl, SandboxServer


class _Servers:
    def __init__(self) -> None:
        self.running: dict[str, SandboxServer] = {}

    def get(self, carrier: str) -> SandboxServer:
        if carrier not in self.running:
            self.running[carrier] = SandboxServer(carrier).start()
        return self.running[carrier]

    def stop(self) -> None:
        for server in self.running.values():
            server.stop()


@pytest.fixture(scope="session")
def sandbox_servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.stop()


@pytest.fixture
def sandbox_portal(sandbox_servers: _Servers) -> Iterator[Callable[[str], PortalAccount]]:
    controls: list[SandboxControl] = []

    def portal(carrier: str) -> PortalAccount:
        server = sandbox_servers.get(carrier)
        control = SandboxControl(server.url)
        controls.append(control)
        control.reset()
        account = carriers.get(carrier).new_account(f"test.{secrets.token_hex(6)}",
                                                    secrets.token_urlsafe(24))
        control.add_account(**account)
        return PortalAccount(url=server.url, username=account["username"],
                             password=account["password"],
                             totp_secret=account.get("totp_secret"), control=control,
                             carrier=carrier, account=account)

    yield portal
    for control in controls:
        control.close()


@pytest.fixture(scope="session")
def meridian_server(sandbox_servers: _Servers) -> SandboxServer:
    return sandbox_servers.get("meridian")


@pytest.fixture
def meridian(sandbox_portal: Callable[[str], PortalAccount]) -> PortalAccount:
    return sandbox_portal("meridian")
