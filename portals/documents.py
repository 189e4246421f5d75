"""Clinical documents staff attach to a prior-authorization request: what a file is, from
its content (never its name), and whether a carrier's portal takes it.

:func:`detect_type` reads the file's magic bytes (``filetype``); :func:`check_files`
checks a whole set against a carrier's :class:`~bots.base.UploadLimits` and names the file
and the rule for every problem, so a file the portal would refuse is refused before
anything is stored or queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import filetype  # type: ignore[import-untyped]

from portals.prior_auth import DOCUMENT_TYPES

if TYPE_CHECKING:
    from bots.base import UploadLimits


def detect_type(data: bytes) -> str | None:
    """The clinical document type the bytes are (PDF, TIFF, PNG, JPEG), or None for
    anything else (an executable renamed ``.pdf`` included)."""
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        return None
    return str(kind.mime)


@dataclass(frozen=True)
class FileProblem:
    filename: str
    rule: str
    """``type``, ``empty``, ``size``, ``count`` or ``name``."""
    message: str


def check_files(files: Sequence[tuple[str, bytes]], limits: UploadLimits, carrier: str
                ) -> list[FileProblem]:
    """Every reason ``carrier``'s portal would not take these files (empty: it takes all)."""
    problems: list[FileProblem] = []
    if len(files) > limits.max_files:
        problems.append(FileProblem(
            files[limits.max_files][0], "count",
            f"{carrier} takes at most {limits.max_files} files on a request; "
            f"{len(files)} were attached"))
    seen: set[str] = set()
    for name, data in files:
        if name.casefold() in seen:
            problems.append(FileProblem(name, "name", f"{name}: attached twice"))
        seen.add(name.casefold())
        if not data:
            problems.append(FileProblem(name, "empty", f"{name}: the file is empty"))
            continue
        kind = detect_type(data)
        if kind is None:
            problems.append(FileProblem(
                name, "type", f"{name}: the content is not a PDF, TIFF, PNG or JPEG file "
                "(whatever its name says)"))
        elif kind not in limits.content_types:
            problems.append(FileProblem(
                name, "type", f"{name}: {carrier} takes {limits.type_names} files only, "
                f"this is a {DOCUMENT_TYPES[kind]}"))
        if len(data) > limits.max_bytes:
            problems.append(FileProblem(
                name, "size", f"{name}: {len(data):,} bytes is over {carrier}'s limit of "
                f"{limits.max_bytes:,} bytes per file"))
    return problems
