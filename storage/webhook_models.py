"""Webhook subscriptions and deliveries (issue 10, item 5): tables registered through
:mod:`storage.models`; migration 0007.

A subscription's signing secret is stored only as a Fernet token (``secret_enc``, the
project's :class:`~storage.crypto.Vault`). A delivery is one event for one subscription,
written in the transaction that caused the event (an outbox) and sent later by the
dispatcher (:mod:`workflows.webhook_dispatch`); all deliveries of one event share its
``event_id``, which receivers use to drop a repeat.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from storage.models import new_id, utcnow


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    """Waiting for its next attempt (the first, or a retry after a failure)."""
    DELIVERED = "delivered"
    """The receiver answered 2xx."""
    FAILED = "failed"
    """Given up after the retry window or the attempt limit; a person may redeliver."""


class WebhookSubscription(SQLModel, table=True):
    """Where to send which events, signed with which secret."""

    __tablename__ = "webhook_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret_enc: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", max_length=200)
    enabled: bool = True
    created_by: str = Field(max_length=80)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event on its way to one subscription, with what its attempts gave."""

    __tablename__ = "webhook_deliveries"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    subscription_id: int = Field(foreign_key="webhook_subscriptions.id", index=True,
                                 ondelete="CASCADE")
    event: str = Field(max_length=60)
    event_id: str = Field(index=True, max_length=32,
                          description="Shared by every delivery of one event.")
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=DeliveryStatus.PENDING, index=True, max_length=20)
    attempts: int = Field(default=0, description="Attempts since it was created or last "
                          "redelivered.")
    retry_from: dt.datetime = Field(default_factory=utcnow, description="Start of its retry "
                                    "window: its event's time, or when it was redelivered.")
    next_attempt_at: dt.datetime | None = Field(default_factory=utcnow, index=True)
    claimed_by: str | None = Field(default=None, max_length=120,
                                   description="The dispatcher sending it now.")
    claim_expires_at: dt.datetime | None = Field(
        default=None, description="A crashed dispatcher's claim lapses at this time.")
    last_status: int | None = Field(default=None, description="Last HTTP status answered.")
    last_error: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    delivered_at: dt.datetime | None = None
    gave_up_at: dt.datetime | None = None
