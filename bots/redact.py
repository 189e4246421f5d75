"""Keep secrets out of artifacts: page HTML, traces (zip), anything textual.

A Playwright trace records action parameters (the text typed into a password field) and
network bodies (a login POST), in raw, URL-encoded, JSON-escaped or HTML-escaped form.
Every form of every secret is replaced before an artifact leaves the bot.
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from urllib.parse import quote, quote_plus

REDACTED = b"[REDACTED]"


def secret_forms(secret: str) -> set[bytes]:
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
    }
    return {f.encode() for f in forms if len(f) >= 4}


def redact(data: bytes, secrets: list[str]) -> bytes:
    """Replace every form of every secret in ``data``; zip archives are redacted inside."""
    if data[:4] == b"PK\x03\x04":
        return _redact_zip(data, secrets)
    for secret in secrets:
        for form in sorted(secret_forms(secret), key=len, reverse=True):
            data = data.replace(form, REDACTED)
    return data


def _redact_zip(data: bytes, secrets: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(
        out, "w", compression=zipfile.ZIP_DEFLATED
    ) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, redact(src.read(info), secrets))
    return out.getvalue()


def contains_secret(data: bytes, secrets: list[str]) -> bool:
    """True if any form of any secret is in ``data`` (zip members included)."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(contains_secret(archive.read(n), secrets) for n in archive.namelist())
    return any(form in data for s in secrets for form in secret_forms(s))
