"""No carrier name in shared code: carriers live in bots/carriers/<name>/ and the
registries, so adding one never touches the machinery."""

from __future__ import annotations

import re
from pathlib import Path

from bots.registry import registry

ROOT = Path(__file__).resolve().parents[1]
SHARED = ["bots", "workflows", "storage", "api", "portals", "bench", "fixtures/sandbox/core"]
ALLOWED = {ROOT / "bots" / "registry.py"}
SQL_WORDS = {"CASCADE"}
"""SQL keywords that happen to spell a carrier's name (``ON DELETE CASCADE``)."""
SUFFIXES = {".py", ".html", ".js", ".css"}


def test_no_carrier_name_in_shared_code() -> None:
    names = registry.names()
    assert names, "no carrier registered"
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    offenders = []
    for folder in SHARED:
        for path in (ROOT / folder).rglob("*"):
            if (path.suffix not in SUFFIXES or path in ALLOWED
                    or (ROOT / "bots" / "carriers") in path.parents):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if any(m.group(0) not in SQL_WORDS for m in pattern.finditer(line)):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
