"""The one-time-code inbox's wire format: what an SMS gateway or mail rule posts to us.

The body is JSON (:class:`InboundCode`); ``X-Portals-Timestamp`` is the sending time in
Unix seconds and ``X-Portals-Signature`` is ``v1=`` + HMAC-SHA256 (hex) of
``"<timestamp>." + body`` under the shared secret (``PORTALS_INBOX_SECRET``). A message
older than :data:`TOLERANCE_SECONDS` is refused, and each ``message_id`` is taken once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SIGNATURE_HEADER = "X-Portals-Signature"
TIMESTAMP_HEADER = "X-Portals-Timestamp"
TOLERANCE_SECONDS = 300
_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class InvalidSignature(Exception):
    """The message is unsigned, signed with another secret, altered, or too old."""


class InboundCode(BaseModel):
    """One SMS or e-mail carrying a one-time code."""

    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")
    carrier: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    channel: Literal["sms", "email"]
    recipient: str = Field(min_length=3, max_length=200)
    text: str = Field(min_length=1, max_length=2000)
    sent_at: dt.datetime


def sign(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(body, secret, timestamp),
            "Content-Type": "application/json"}


def verify(body: bytes, secret: str, timestamp: str | None, signature: str | None,
           now: float) -> None:
    """Raise :class:`InvalidSignature` unless the body is signed with ``secret`` and fresh."""
    if not timestamp or not signature:
        raise InvalidSignature("missing signature headers")
    try:
        sent = int(timestamp) if timestamp.isascii() and len(timestamp) <= 20 else int("x")
    except ValueError:
        raise InvalidSignature("bad timestamp") from None
    if abs(now - sent) > TOLERANCE_SECONDS:
        raise InvalidSignature("message too old or from the future")
    # bytes, not str: compare_digest refuses a str with non-ASCII characters (a header
    # may carry any byte)
    if not hmac.compare_digest(sign(body, secret, sent).encode(),
                               signature.encode("utf-8", "surrogateescape")):
        raise InvalidSignature("signature does not match")


def extract_code(text: str) -> str | None:
    """The first six-digit code in a message, if any."""
    match = _CODE.search(text)
    return match.group(1) if match else None
