"""Product code stands apart from the sandbox: nothing outside the sandbox, the demo, the
benchmarks and the tests imports ``fixtures``, and a carrier without a portal URL is an
error, never a silent fall-back to a sandbox portal."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portals.settings import PortalNotConfigured, Settings

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ["bots", "workflows", "storage", "api", "portals"]
MAY_IMPORT = {ROOT / "portals" / "commands" / "demo.py"}
"""The demo runs the sandbox on purpose (embedded defaults)."""


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def test_no_product_module_imports_the_sandbox() -> None:
    offenders = []
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in MAY_IMPORT:
                continue
            for name in _imports(path):
                if name == "fixtures" or name.startswith("fixtures."):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_the_scan_would_see_an_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from fixtures.sandbox.server import default_url\n")
    assert _imports(module) == ["fixtures.sandbox.server"]


def test_a_carrier_without_a_portal_url_is_an_error() -> None:
    settings = Settings(carrier_urls={"alpha": "https://portal.example"})
    assert settings.portal_url("alpha") == "https://portal.example"
    with pytest.raises(PortalNotConfigured, match="PORTALS_CARRIER_URLS"):
        settings.portal_url("beta")
