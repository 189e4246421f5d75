"""Pytest plugin: the sandbox carrier portals, served on free local ports.

``meridian_server`` (session): the Meridian portal running in a background thread.
``meridian`` (function): that portal reset to its seeded state, plus a fresh account with
a random username, password and TOTP secret, as a :class:`PortalAccount`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pyotp
import pytest

from fixtures.sandbox.server import PortalAccount, SandboxControl, SandboxServer


@pytest.fixture(scope="session")
def meridian_server() -> Iterator[SandboxServer]:
    with SandboxServer("meridian") as server:
        yield server


@pytest.fixture
def meridian(meridian_server: SandboxServer) -> Iterator[PortalAccount]:
    with SandboxControl(meridian_server.url) as control:
        control.reset()
        username = f"test.{secrets.token_hex(6)}"
        password = secrets.token_urlsafe(24)
        totp_secret = pyotp.random_base32()
        control.add_account(username, password, totp_secret)
        yield PortalAccount(url=meridian_server.url, username=username, password=password,
                            totp_secret=totp_secret, control=control)
