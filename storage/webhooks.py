"""Webhook events: what other systems are told (issue 10, item 5).

``emit_event`` is the one entry point the rest of the product calls. It is an outbox: for
every enabled subscription to the event it adds a pending delivery row in the caller's
transaction, so the event is stored with what caused it, or not at all. The dispatcher
(:mod:`workflows.webhook_dispatch`) sends due deliveries later, signed, retried with
backoff, and records each attempt here.

Events and what their ``data`` carries (identifiers and the normalized result; never a
secret, credential, saved session or token, which :func:`emit_event` refuses by key):

- ``job.succeeded`` / ``job.failed``: every finished job (``failed`` also covers
  ``not_found`` and ``outcome_unknown``; ``status`` says which), with its result;
- ``coverage.changed``: an eligibility job succeeded and its result differs from the
  previous successful eligibility result of the same carrier and member
  (:func:`portals.changes.coverage_changes`);
- ``prior_auth.decided``: a prior-authorization request got a decision, or a new one;
- ``claim.finalized``: a claim-status job read a claim whose status category is final
  (F*), not seen final with that status before;
- ``library.document_new``: a portal's library has a new or changed document.

Subscriptions and deliveries are kept with keyword-only functions over a ``session``,
like :mod:`storage.repo`; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from pydantic_core import to_jsonable_python
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from portals.changes import coverage_changes
from portals.egress import Network, host_refusal
from storage.crypto import Vault
from storage.hooks import on_any_job_finished
from storage.models import Job, JobResult, JobStatus, PriorAuth, new_id, utcnow
from storage.webhook_models import DeliveryStatus, WebhookDelivery, WebhookSubscription

EVENTS: dict[str, str] = {
    "job.succeeded": "A job (any kind) succeeded; its normalized result is attached.",
    "job.failed": "A job ended without a result (failed, not found, outcome unknown).",
    "coverage.changed": "An eligibility result differs from the member's previous one.",
    "prior_auth.decided": "A prior-authorization request got a decision.",
    "claim.finalized": "A claim reached a final status (paid, denied, ...).",
    "library.document_new": "A portal's document library has a new or changed document.",
}
"""Every event a subscription may ask for, with what it means."""

MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 200
MAX_ERROR_LENGTH = 300
_FORBIDDEN_KEYS = ("password", "secret", "token", "totp", "credential", "cookie",
                   "session_state", "storage_state", "api_key", "username")


class WebhookError(ValueError):
    """A subscription's field is not acceptable; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# -- subscriptions ------------------------------------------------------------------------


def check_url(url: str, allowed_networks: Sequence[Network] = ()) -> str:
    """The URL trimmed; http or https with a host that is not a refused address (see
    :mod:`portals.egress`), else :class:`WebhookError`."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise WebhookError("url", f"a URL of 1 to {MAX_URL_LENGTH} characters is required")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("url", "the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise WebhookError("url", "the URL must not carry a user name or password")
    if not url.isprintable() or " " in url:
        raise WebhookError("url", "the URL must not contain spaces or control characters")
    if (why := host_refusal(parts.hostname, allowed_networks)) is not None:
        raise WebhookError("url", f"the receiver's address {why}; an administrator can "
                           "allow its network with PORTALS_WEBHOOK_ALLOWED_NETWORKS")
    return url


def check_events(events: Iterable[str]) -> list[str]:
    """Known event names, deduplicated in :data:`EVENTS` order; none or an unknown one is a
    :class:`WebhookError` naming the known events."""
    wanted = [e.strip() for e in events]
    unknown = sorted({e for e in wanted if e not in EVENTS})
    if unknown:
        raise WebhookError("events", f"unknown event {', '.join(map(repr, unknown))[:200]}; "
                           f"known: {', '.join(EVENTS)}")
    if not wanted:
        raise WebhookError("events", f"name at least one event; known: {', '.join(EVENTS)}")
    return [e for e in EVENTS if e in wanted]


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_subscription(*, session: Session, vault: Vault, url: str, events: Iterable[str],
                        created_by: str, secret: str | None = None, description: str = "",
                        enabled: bool = True, allowed_networks: Sequence[Network] = ()
                        ) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret in clear (the only time it is): the one
    given, or a generated one. Stored encrypted."""
    if secret is not None and not 16 <= len(secret) <= 200:
        raise WebhookError("secret", "a secret of 16 to 200 characters (or none: one is "
                           "generated)")
    plain = secret if secret is not None else new_secret()
    sub = WebhookSubscription(url=check_url(url, allowed_networks), events=check_events(events),
                              secret_enc=vault.encrypt_str(plain),
                              description=_description(description), enabled=enabled,
                              created_by=str(created_by)[:80])
    session.add(sub)
    session.flush()
    return sub, plain


def _description(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise WebhookError("description", f"at most {MAX_DESCRIPTION_LENGTH} characters")
    return text


def get_subscription(*, session: Session, subscription_id: int) -> WebhookSubscription | None:
    return session.get(WebhookSubscription, subscription_id)


def list_subscriptions(*, session: Session) -> list[WebhookSubscription]:
    return list(session.exec(select(WebhookSubscription)
                             .order_by(col(WebhookSubscription.id))))


def update_subscription(*, session: Session, subscription: WebhookSubscription,
                        url: str | None = None, events: Iterable[str] | None = None,
                        enabled: bool | None = None, description: str | None = None,
                        allowed_networks: Sequence[Network] = ()) -> dict[str, Any]:
    """Change the given fields; returns what changed (field: [before, after]) for the
    audit trail."""
    changed: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if url is not None:
        new["url"] = check_url(url, allowed_networks)
    if events is not None:
        new["events"] = check_events(events)
    if enabled is not None:
        new["enabled"] = enabled
    if description is not None:
        new["description"] = _description(description)
    for field, value in new.items():
        old = getattr(subscription, field)
        if old != value:
            changed[field] = [old, value]
            setattr(subscription, field, value)
    if changed:
        subscription.updated_at = utcnow()
        session.add(subscription)
    return changed


def delete_subscription(*, session: Session, subscription: WebhookSubscription) -> int:
    """Delete a subscription and its deliveries; how many deliveries went with it."""
    deliveries = list(session.exec(select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription.id)))
    for delivery in deliveries:
        session.delete(delivery)
    session.flush()
    session.delete(subscription)
    return len(deliveries)


def subscription_secret(*, vault: Vault, subscription: WebhookSubscription) -> str:
    return vault.decrypt_str(subscription.secret_enc)


# -- events -------------------------------------------------------------------------------


def _refuse_secrets(value: Any, path: str = "data") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            lowered = str(key).lower()
            if any(word in lowered for word in _FORBIDDEN_KEYS):
                raise ValueError(f"a webhook payload never carries {path}.{key}")
            _refuse_secrets(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            _refuse_secrets(item, path)


def emit_event(session: Session, event: str, data: dict[str, Any]) -> None:
    """Queue ``event`` (e.g. ``library.document_new``) with ``data`` (identifiers and the
    normalized result, never a secret) for every enabled subscription to it, in the
    caller's transaction (an outbox: the event is stored with what caused it, or not at
    all).

    Every delivery of the event carries the same envelope ``{"id": <event id>, "event":
    <name>, "created_at": <ISO time>, "data": <data as JSON>}``. An unknown event, or data
    with a key that names a secret (password, token, session state, ...), is a
    ``ValueError``: a programming error, never sent.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    payload_data = to_jsonable_python(data)
    _refuse_secrets(payload_data)
    subscribers = [s for s in session.exec(select(WebhookSubscription).where(
        col(WebhookSubscription.enabled).is_(True))) if event in (s.events or [])]
    if not subscribers:
        return
    now = utcnow()
    event_id = new_id()
    envelope = {"id": event_id, "event": event, "created_at": now.isoformat(),
                "data": payload_data}
    for sub in subscribers:
        assert sub.id is not None
        session.add(WebhookDelivery(subscription_id=sub.id, event=event, event_id=event_id,
                                    payload=envelope, created_at=now, retry_from=now,
                                    next_attempt_at=now))


# -- what jobs emit -----------------------------------------------------------------------


def _result_row(session: Session, job: Job) -> JobResult | None:
    return session.exec(select(JobResult).where(JobResult.job_id == job.id)).first()


def _job_data(job: Job) -> dict[str, Any]:
    return {"job_id": job.id, "kind": job.kind, "carrier": job.carrier,
            "member_id": job.member_id, "status": job.status, "batch_id": job.batch_id,
            "finished_at": job.finished_at}


@on_any_job_finished
def _job_finished(session: Session, job: Job) -> None:
    if job.status == JobStatus.SUCCEEDED:
        row = _result_row(session, job)
        emit_event(session, "job.succeeded",
                   {**_job_data(job), "result": row.data if row is not None else None})
        if row is not None and job.kind == "eligibility":
            _coverage_changed(session, job, row)
        if row is not None and job.kind == "claim_status":
            _claims_finalized(session, job, row)
    else:
        emit_event(session, "job.failed",
                   {**_job_data(job), "message": (job.message or "")[:500] or None})


def _previous(session: Session, row: JobResult, limit: int = 1) -> list[JobResult]:
    """Earlier results of the same kind, carrier and member, newest first."""
    return list(session.exec(
        select(JobResult).where(JobResult.kind == row.kind, JobResult.carrier == row.carrier,
                                JobResult.member_id == row.member_id,
                                col(JobResult.id) < row.id)
        .order_by(col(JobResult.id).desc()).limit(limit)))


def _coverage_changed(session: Session, job: Job, row: JobResult) -> None:
    from portals.model import EligibilityResult

    earlier = _previous(session, row)
    if not earlier:
        return
    before = EligibilityResult.model_validate(earlier[0].data)
    after = EligibilityResult.model_validate(row.data)
    changes = coverage_changes(before, after)
    if changes:
        emit_event(session, "coverage.changed", {
            **_job_data(job), "previous_job_id": earlier[0].job_id,
            "changes": [c.as_dict() for c in changes], "result": row.data})


_SEEN_RESULTS = 50
"""How many earlier claim results of a member are looked at for a claim already final."""


def _final_key(claim: dict[str, Any]) -> tuple[str, str, str | None, str] | None:
    status = claim.get("status") or {}
    category = str(status.get("category", ""))
    if not category.startswith("F"):
        return None
    return (str(claim.get("claim_number", "")).upper(), category, status.get("code"),
            str(status.get("date")))


def _claims_finalized(session: Session, job: Job, row: JobResult) -> None:
    seen = {key for earlier in _previous(session, row, _SEEN_RESULTS)
            for claim in earlier.data.get("claims", []) if (key := _final_key(claim))}
    for claim in row.data.get("claims", []):
        key = _final_key(claim)
        if key is not None and key not in seen:
            seen.add(key)
            emit_event(session, "claim.finalized", {**_job_data(job), "claim": claim})


def prior_auth_decided(session: Session, pa: PriorAuth, job: Job) -> None:
    """``pa`` got a decision (or a new one) from ``job``: tell the subscribers."""
    emit_event(session, "prior_auth.decided", {
        "prior_auth_id": pa.id, "tracking_ref": pa.tracking_ref, "carrier": pa.carrier,
        "member_id": pa.member_id, "job_id": job.id,
        "reference_number": pa.reference_number, "decision_action": pa.decision_action,
        "authorization_number": pa.authorization_number, "decision": pa.decision,
        "decided_at": pa.decided_at})


# -- deliveries -----------------------------------------------------------------------------


def list_deliveries(*, session: Session, subscription_id: int, status: str | None = None,
                    limit: int = 100) -> list[WebhookDelivery]:
    """A subscription's deliveries, newest first."""
    query = (select(WebhookDelivery)
             .where(WebhookDelivery.subscription_id == subscription_id)
             .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id))
             .limit(limit))
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(session.exec(query))


def get_delivery(*, session: Session, delivery_id: str) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)


def redeliver(*, session: Session, delivery: WebhookDelivery,
              now: dt.datetime | None = None) -> None:
    """Put a failed (or delivered) delivery back to pending, due now, with a fresh retry
    window and attempt count. A pending one is left as it is."""
    if delivery.status == DeliveryStatus.PENDING:
        return
    now = now or utcnow()
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.retry_from = now
    delivery.next_attempt_at = now
    delivery.claimed_by = None
    delivery.claim_expires_at = None
    delivery.gave_up_at = None
    delivery.delivered_at = None
    session.add(delivery)


def _due(now: dt.datetime) -> Any:
    return ((col(WebhookDelivery.status) == DeliveryStatus.PENDING)
            & (col(WebhookDelivery.next_attempt_at) <= now)
            & or_(col(WebhookDelivery.claim_expires_at).is_(None),
                  col(WebhookDelivery.claim_expires_at) < now))


def claim_due(*, session: Session, worker: str, now: dt.datetime, claim_seconds: float,
              limit: int = 20) -> list[WebhookDelivery]:
    """Take up to ``limit`` due deliveries of enabled subscriptions for ``worker``, each in
    one conditional UPDATE (committed): two dispatchers never hold one delivery at once,
    and a crashed dispatcher's claim lapses after ``claim_seconds``."""
    candidates = list(session.exec(
        select(WebhookDelivery.id)
        .join(WebhookSubscription,
              col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
        .where(_due(now), col(WebhookSubscription.enabled).is_(True))
        .order_by(col(WebhookDelivery.next_attempt_at)).limit(limit)))
    claimed: list[str] = []
    until = now + dt.timedelta(seconds=claim_seconds)
    for delivery_id in candidates:
        statement = (update(WebhookDelivery)
                     .where(col(WebhookDelivery.id) == delivery_id, _due(now))
                     .values(claimed_by=worker, claim_expires_at=until)
                     .execution_options(synchronize_session=False))
        if session.connection().execute(statement).rowcount == 1:
            claimed.append(delivery_id)
    session.commit()
    found = [session.get(WebhookDelivery, d) for d in claimed]
    return [d for d in found if d is not None]


def next_delay(attempts: int, base_seconds: float,
               rand: Callable[[], float] = random.random) -> float:
    """Seconds before attempt ``attempts + 1``: ``base * 2**(attempts-1)``, at most an hour,
    with equal jitter (half fixed, half random) so receivers coming back are not hit by
    every retry at once."""
    full = min(base_seconds * 2 ** max(attempts - 1, 0), 3600.0)
    return full / 2 + rand() * full / 2


def record_attempt(*, session: Session, delivery_id: str, worker: str, now: dt.datetime,
                   http_status: int | None, error: str | None, retry_window: dt.timedelta,
                   max_attempts: int, base_backoff_seconds: float,
                   rand: Callable[[], float] = random.random) -> str | None:
    """Record one attempt by ``worker`` (only while it holds the claim): delivered on a 2xx,
    else pending again after a backoff, or failed once the attempts or the retry window
    are used up. Returns the new status, or None if the claim was no longer this
    worker's."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True,
                           populate_existing=True)
    if delivery is None or delivery.claimed_by != worker or \
            delivery.status != DeliveryStatus.PENDING:
        return None
    delivery.attempts += 1
    delivery.last_status = http_status
    delivery.claimed_by = None
    delivery.claim_expires_at = None
    if http_status is not None and 200 <= http_status < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = None
        delivery.next_attempt_at = None
    else:
        delivery.last_error = (error or f"HTTP {http_status}")[:MAX_ERROR_LENGTH]
        due = now + dt.timedelta(seconds=next_delay(delivery.attempts, base_backoff_seconds,
                                                    rand))
        retry_from = delivery.retry_from
        if retry_from.tzinfo is None:  # SQLite gives naive UTC back
            retry_from = retry_from.replace(tzinfo=dt.UTC)
        if delivery.attempts >= max_attempts or due > retry_from + retry_window:
            delivery.status = DeliveryStatus.FAILED
            delivery.gave_up_at = now
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = due
    session.add(delivery)
    session.commit()
    return delivery.status
