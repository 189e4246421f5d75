"""Browser-free bench tests register a fake sandbox carrier (``fakecare``) that has claims
whatever the real carriers have landed yet."""

from __future__ import annotations

import pytest

from fixtures.sandbox import carriers
from fixtures.sandbox.carriers import SandboxCarrier


@pytest.fixture
def fakecare(monkeypatch: pytest.MonkeyPatch) -> SandboxCarrier:
    truth = SandboxCarrier("fakecare", "Fake Care (tests)", 90, "tests.bench.fake_sandbox")
    monkeypatch.setitem(carriers.CARRIERS, truth.name, truth)
    return truth
