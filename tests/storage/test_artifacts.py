"""The artifact store: encrypted on disk, round-trips, refuses escapes, finds old files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from storage.artifacts import ArtifactStore
from storage.crypto import Vault, VaultError

PAGE = b"<html><body>Member MER100200 Ana Rivera DOB 04/02/1980</body></html>"


@pytest.fixture
def store(tmp_path: Path, vault: Vault) -> ArtifactStore:
    return ArtifactStore(tmp_path / "artifacts", vault)


def test_write_is_encrypted_on_disk(store: ArtifactStore) -> None:
    import hashlib

    rel, digest = store.write("run1", "page.html", PAGE)
    assert rel == "run1/page.html"
    assert digest == hashlib.sha256(PAGE).hexdigest()
    on_disk = (store.root / rel).read_bytes()
    assert PAGE not in on_disk
    assert b"MER100200" not in on_disk and b"Rivera" not in on_disk
    assert (store.root / rel).stat().st_mode & 0o777 == 0o600


def test_read_round_trips(store: ArtifactStore) -> None:
    rel, _ = store.write("run1", "shot.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert store.read(rel) == b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def test_same_name_twice_keeps_both(store: ArtifactStore) -> None:
    first, _ = store.write("run1", "page.html", b"first")
    second, _ = store.write("run1", "page.html", b"second")
    assert first != second
    assert store.read(first) == b"first"
    assert store.read(second) == b"second"


def test_unsafe_file_names_are_flattened(store: ArtifactStore) -> None:
    rel, _ = store.write("run1", "../../etc/passwd", b"x")
    assert rel.startswith("run1/")
    assert ".." not in Path(rel).parts
    assert (store.root / rel).resolve().is_relative_to(store.root.resolve())


def test_read_refuses_path_traversal(store: ArtifactStore, tmp_path: Path,
                                     vault: Vault) -> None:
    outside = tmp_path / "outside.bin"
    outside.write_bytes(vault.encrypt(b"not an artifact"))
    store.write("run1", "page.html", PAGE)
    for rel in ("../outside.bin", "run1/../../outside.bin", str(outside)):
        with pytest.raises(ValueError, match="escapes"):
            store.read(rel)


def test_read_with_another_key_fails(store: ArtifactStore) -> None:
    rel, _ = store.write("run1", "page.html", PAGE)
    other = ArtifactStore(store.root, Vault(Vault.generate_key()))
    with pytest.raises(VaultError):
        other.read(rel)


def test_delete(store: ArtifactStore) -> None:
    rel, _ = store.write("run1", "page.html", PAGE)
    store.delete(rel)
    assert not (store.root / rel).exists()
    store.delete(rel)  # already gone: no error


def test_older_than(store: ArtifactStore) -> None:
    assert ArtifactStore(store.root / "missing", store.vault).older_than(1) == []
    old, _ = store.write("run-old", "trace.zip", b"old")
    new, _ = store.write("run-new", "trace.zip", b"new")
    forty_days_ago = time.time() - 40 * 86400
    os.utime(store.root / old, (forty_days_ago, forty_days_ago))
    assert store.older_than(30) == [old]
    assert sorted(store.older_than(50)) == []
    assert new not in store.older_than(30)
