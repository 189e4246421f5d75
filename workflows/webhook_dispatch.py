"""Sends webhook deliveries: POSTs due ones, signed, and records each attempt.

Every worker process runs a :class:`WebhookDispatchLoop` (started by the worker's
middleware beside the recovery loop). Each pass claims due deliveries atomically
(:func:`storage.webhooks.claim_due`: two dispatchers never send one delivery at once; a
crashed dispatcher's claim lapses), POSTs each with httpx (a short timeout, redirects
never followed) and records the outcome: delivered on a 2xx, else retried with
exponential backoff and jitter for ``PORTALS_WEBHOOK_RETRY_HOURS`` or
``PORTALS_WEBHOOK_MAX_ATTEMPTS`` attempts, then kept as failed until a person redelivers
it. Tests run one pass with :meth:`WebhookDispatcher.run_once` and a clock of their own.

The request: ``POST <url>`` with the event envelope as a compact JSON body and the headers
``X-Portals-Event``, ``X-Portals-Event-Id`` (the same for every delivery of one event:
drop repeats by it), ``X-Portals-Delivery`` and ``X-Portals-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>." + body under the subscription's secret>``. A receiver checks
it with :func:`verify_signature`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portals.egress import GuardedTransport, refusal_of
from portals.settings import Settings
from storage import webhooks
from storage.crypto import Vault
from storage.models import utcnow
from storage.webhook_models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Portals-Signature"
CLAIM_SECONDS_MIN = 60.0
BATCH = 20


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Portals-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: float = 300.0,
                     now: float | None = None) -> bool:
    """Whether ``header`` (the ``X-Portals-Signature`` value) signs ``body`` (the raw request
    body, bytes as received) under ``secret``, made within ``tolerance`` seconds of
    ``now`` (default: the current time): a receiver's check against forged and replayed
    requests. Several ``v1=`` values are accepted (any one matching), for a change of
    secret. Compares in constant time."""
    stamp: int | None = None
    given: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == "v1" and value:
            given.append(value)
    if stamp is None or not given:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    expected = signature(secret, body, stamp).partition(",v1=")[2]
    return any(hmac.compare_digest(expected.encode(), g.encode()) for g in given)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _failure_text(exc: httpx.HTTPError) -> str:
    """Short, and never the URL (it may carry a receiver's token) nor a response body."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if (refused := refusal_of(exc)) is not None:
        return refused  # names the address's kind, not the URL
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (refused or unreachable)"
    return f"request failed ({type(exc).__name__})"


class WebhookDispatcher:
    """One process's sender: claims due deliveries and POSTs them."""

    def __init__(self, engine: Engine, settings: Settings, *, worker_id: str,
                 client: httpx.Client | None = None,
                 clock: Callable[[], dt.datetime] = utcnow,
                 rand: Callable[[], float] = random.random) -> None:
        assert settings.secret_key is not None
        self.engine = engine
        self.settings = settings
        self.worker_id = worker_id
        self.vault = Vault(settings.secret_key)
        self.client = client or httpx.Client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False,
            transport=GuardedTransport(settings.webhook_allowed_networks))
        self.clock = clock
        self.rand = rand

    def close(self) -> None:
        self.client.close()

    @property
    def claim_seconds(self) -> float:
        return max(CLAIM_SECONDS_MIN, 3 * self.settings.webhook_timeout_seconds)

    def run_once(self, now: dt.datetime | None = None) -> dict[str, str | None]:
        """Claim and send every due delivery (up to a batch); each one's new status by id
        (None: its claim lapsed and another dispatcher owns it now)."""
        now = now or self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            claimed = webhooks.claim_due(session=session, worker=self.worker_id, now=now,
                                         claim_seconds=self.claim_seconds, limit=BATCH)
            work = []
            for delivery in claimed:
                sub = session.get(WebhookSubscription, delivery.subscription_id)
                if sub is not None:
                    work.append((delivery, sub.url,
                                 webhooks.subscription_secret(vault=self.vault,
                                                              subscription=sub)))
        outcome: dict[str, str | None] = {}
        for delivery, url, secret in work:
            status, error = self._post(delivery, url, secret, now)
            with Session(self.engine, expire_on_commit=False) as session:
                outcome[delivery.id] = webhooks.record_attempt(
                    session=session, delivery_id=delivery.id, worker=self.worker_id,
                    now=now, http_status=status, error=error,
                    retry_window=dt.timedelta(hours=self.settings.webhook_retry_hours),
                    max_attempts=self.settings.webhook_max_attempts,
                    base_backoff_seconds=self.settings.webhook_backoff_seconds,
                    rand=self.rand)
            log.info("webhook delivery %s (%s) attempt %d: %s -> %s", delivery.id,
                     delivery.event, delivery.attempts + 1,
                     status if status is not None else "no answer", outcome[delivery.id])
        return outcome

    def _post(self, delivery: WebhookDelivery, url: str, secret: str, now: dt.datetime
              ) -> tuple[int | None, str | None]:
        body = body_of(delivery)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "portals-webhooks/1",
            "X-Portals-Event": delivery.event,
            "X-Portals-Event-Id": delivery.event_id,
            "X-Portals-Delivery": delivery.id,
            SIGNATURE_HEADER: signature(secret, body, int(now.timestamp())),
        }
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, _failure_text(exc)
        if 300 <= response.status_code < 400:
            return response.status_code, (f"HTTP {response.status_code}: redirects are not "
                                          "followed; give the final URL")
        if not 200 <= response.status_code < 300:
            return response.status_code, f"HTTP {response.status_code}"
        return response.status_code, None


class WebhookDispatchLoop:
    """A daemon thread that runs a :class:`WebhookDispatcher` pass every
    ``webhook_dispatch_interval_seconds`` (at once again after a full batch)."""

    def __init__(self, engine: Engine, settings: Settings, worker_id: str) -> None:
        self.dispatcher = WebhookDispatcher(engine, settings, worker_id=worker_id)
        self.interval = settings.webhook_dispatch_interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.dispatcher.settings.webhook_timeout_seconds + 5)
        self.dispatcher.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            sent: dict[str, Any] = {}
            try:
                sent = self.dispatcher.run_once()
            except Exception:
                log.exception("webhook dispatch failed; trying again next interval")
            if len(sent) >= BATCH:
                continue
            if self._stop.wait(self.interval):
                return
