"""The artifact store: run files on disk, encrypted, addressed by a relative path."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from storage.crypto import Vault

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ArtifactStore:
    def __init__(self, root: Path, vault: Vault) -> None:
        self.root = root
        self.vault = vault

    def write(self, run_id: str, filename: str, data: bytes) -> tuple[str, str]:
        """Encrypt and keep ``data``; returns (relative path, sha256 of the plain bytes)."""
        safe = _SAFE.sub("_", filename)[:120] or "artifact"
        rel = f"{run_id}/{safe}"
        target = self.root / rel
        if target.exists():
            stem, dot, ext = safe.partition(".")
            rel = f"{run_id}/{stem}-{hashlib.sha256(data).hexdigest()[:8]}{dot}{ext}"
            target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.vault.encrypt(data))
        target.chmod(0o600)
        return rel, hashlib.sha256(data).hexdigest()

    def read(self, rel: str) -> bytes:
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("artifact path escapes the store")
        return self.vault.decrypt(path.read_bytes())

    def delete(self, rel: str) -> None:
        (self.root / rel).unlink(missing_ok=True)

    def older_than(self, days: int) -> list[str]:
        """Relative paths of files older than ``days`` (for the retention sweep)."""
        cutoff = dt.datetime.now().timestamp() - days * 86400
        if not self.root.exists():
            return []
        return [
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if p.is_file() and p.stat().st_mtime < cutoff
        ]
