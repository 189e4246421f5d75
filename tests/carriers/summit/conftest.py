from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from fixtures.sandbox.server import PortalAccount
from tests.carriers.summit.helpers import SummitUser


@pytest.fixture
def summit(sandbox_portal: Callable[[str], PortalAccount]) -> PortalAccount:
    """The Summit sandbox, reset, with a fresh account (three security questions)."""
    return sandbox_portal("summit")


@pytest.fixture
def user(summit: PortalAccount) -> Iterator[SummitUser]:
    portal_user = SummitUser(summit)
    yield portal_user
    portal_user.close()
