"""Webhook events: what other systems are told (issue 10, item 5).

``emit_event`` is the one entry point the rest of the product calls; it is being built.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session


def emit_event(session: Session, event: str, data: dict[str, Any]) -> None:
    """Queue ``event`` (e.g. ``library.document_new``) with ``data`` (identifiers and the
    normalized result, never a secret) for every enabled subscription to it, in the
    caller's transaction (an outbox: the event is stored with what caused it, or not at
    all)."""
    del session, event, data
