"""Webhook subscriptions and deliveries (issue 10, item 5): tables registered through
:mod:`storage.models`; migration 0007."""

from __future__ import annotations
