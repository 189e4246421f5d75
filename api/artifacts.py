"""How artifact bytes leave the server: images inline, everything else as a download.

Page HTML captured from a portal may carry scripts; it is served as an attachment with a
sandboxing CSP, so it can never run in our origin.
"""

from __future__ import annotations

import re

from fastapi.responses import Response

from storage.models import Artifact

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
KNOWN_TYPES = INLINE_TYPES | {"text/html", "application/zip", "application/pdf",
                              "application/json", "text/plain", "image/tiff"}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_type(content_type: str) -> str:
    content_type = content_type.split(";", 1)[0].strip().lower()
    return content_type if content_type in KNOWN_TYPES else "application/octet-stream"


def safe_content_type(artifact: Artifact) -> str:
    return _safe_type(artifact.content_type)


def is_inline(artifact: Artifact) -> bool:
    return safe_content_type(artifact) in INLINE_TYPES


def artifact_response(artifact: Artifact, data: bytes) -> Response:
    return file_response(artifact.filename, artifact.content_type, data)


def file_response(filename: str, content_type: str, data: bytes) -> Response:
    """Any kept file's bytes (an artifact, a clinical document), served as above."""
    content_type = _safe_type(content_type)
    filename = _UNSAFE_FILENAME.sub("_", filename)[:120] or "artifact"
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    media_type = f"{content_type}; charset=utf-8" if content_type.startswith("text/") \
        else content_type
    return Response(
        content=data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
