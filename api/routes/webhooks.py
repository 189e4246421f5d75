"""/v1/webhooks: subscriptions (URL, events, signing secret) and their deliveries.

The secret is returned once, when the subscription is made (the one given, or a generated
one), and stored only encrypted. Deliveries are listed with their status, attempts and
last error, never their payload: payloads carry patients' results, and managing webhooks
grants no patient data. Every change (create, update, delete, redeliver) is audited,
never with the secret.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.deps import ApiActor, SessionDep, SettingsDep, VaultDep
from api.errors import NOT_FOUND, field_error
from storage import repo, webhooks
from storage.webhook_models import DeliveryStatus, WebhookDelivery, WebhookSubscription

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

SubscriptionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A subscription's id.")]
DeliveryId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$",
                                 description="A delivery's id (32 hex digits).")]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=webhooks.MAX_URL_LENGTH,
                     description="http(s) URL the events are POSTed to (redirects are not "
                     "followed).")
    events: list[str] = Field(max_length=20, description="Event names: "
                              + ", ".join(webhooks.EVENTS))
    secret: str | None = Field(default=None, description="Signing secret (16 to 200 "
                               "characters); omitted: one is generated. Returned only now.")
    description: str = Field(default="", max_length=webhooks.MAX_DESCRIPTION_LENGTH)
    enabled: bool = True


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=webhooks.MAX_URL_LENGTH)
    events: list[str] | None = Field(default=None, max_length=20)
    enabled: bool | None = None
    description: str | None = Field(default=None, max_length=webhooks.MAX_DESCRIPTION_LENGTH)


class SubscriptionPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    description: str
    enabled: bool
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="The signing secret: shown this once, keep it.")


class DeliveryPublic(BaseModel):
    id: str
    subscription_id: int
    event: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    gave_up_at: dt.datetime | None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None \
        else value


def subscription_public(sub: WebhookSubscription) -> SubscriptionPublic:
    assert sub.id is not None
    return SubscriptionPublic(id=sub.id, url=sub.url, events=list(sub.events),
                              description=sub.description, enabled=sub.enabled,
                              created_by=sub.created_by,
                              created_at=_utc(sub.created_at) or sub.created_at,
                              updated_at=_utc(sub.updated_at) or sub.updated_at)


def delivery_public(d: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic(id=d.id, subscription_id=d.subscription_id, event=d.event,
                          event_id=d.event_id, status=d.status, attempts=d.attempts,
                          next_attempt_at=_utc(d.next_attempt_at), last_status=d.last_status,
                          last_error=d.last_error, created_at=_utc(d.created_at) or d.created_at,
                          delivered_at=_utc(d.delivered_at), gave_up_at=_utc(d.gave_up_at))


def _found(session: Session, subscription_id: int) -> WebhookSubscription:
    sub = webhooks.get_subscription(session=session, subscription_id=subscription_id)
    if sub is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such webhook subscription")
    return sub


def audit_change(session: Session, actor: Any, action: str, sub_id: int | str,
                 detail: dict[str, Any]) -> None:
    repo.audit(session=session, actor=actor, action=action, target_type="webhook",
               target_id=str(sub_id), detail=repo.dumps_safe(detail))


@router.get("", response_model=list[SubscriptionPublic])
def list_subscriptions(session: SessionDep) -> list[SubscriptionPublic]:
    return [subscription_public(s) for s in webhooks.list_subscriptions(session=session)]


@router.post("", response_model=SubscriptionCreated, status_code=status.HTTP_201_CREATED)
def create_subscription(body: SubscriptionCreate, session: SessionDep, vault: VaultDep,
                        actor: ApiActor, settings: SettingsDep) -> SubscriptionCreated:
    """A new subscription; the answer carries its signing secret, the only time it is
    shown."""
    try:
        sub, secret = webhooks.create_subscription(
            session=session, vault=vault, url=body.url, events=body.events,
            secret=body.secret, description=body.description, enabled=body.enabled,
            created_by=actor, allowed_networks=settings.webhook_allowed_networks)
    except webhooks.WebhookError as exc:
        raise field_error(("body", exc.field), str(exc)) from None
    assert sub.id is not None
    audit_change(session, actor, "webhook.create", sub.id,
                 {"url": sub.url, "events": sub.events, "enabled": sub.enabled})
    session.commit()
    return SubscriptionCreated(**subscription_public(sub).model_dump(), secret=secret)


@router.get("/{subscription_id}", response_model=SubscriptionPublic, responses=NOT_FOUND)
def read_subscription(subscription_id: SubscriptionId, session: SessionDep
                      ) -> SubscriptionPublic:
    return subscription_public(_found(session, subscription_id))


@router.patch("/{subscription_id}", response_model=SubscriptionPublic, responses=NOT_FOUND)
def update_subscription(subscription_id: SubscriptionId, body: SubscriptionUpdate,
                        session: SessionDep, actor: ApiActor, settings: SettingsDep
                        ) -> SubscriptionPublic:
    """Enable, disable, change the events, the URL or the description."""
    sub = _found(session, subscription_id)
    try:
        changed = webhooks.update_subscription(
            session=session, subscription=sub, url=body.url, events=body.events,
            enabled=body.enabled, description=body.description,
            allowed_networks=settings.webhook_allowed_networks)
    except webhooks.WebhookError as exc:
        raise field_error(("body", exc.field), str(exc)) from None
    if changed:
        audit_change(session, actor, "webhook.update", subscription_id, changed)
    session.commit()
    return subscription_public(sub)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=NOT_FOUND)
def delete_subscription(subscription_id: SubscriptionId, session: SessionDep,
                        actor: ApiActor) -> Response:
    """Delete a subscription and its deliveries (nothing more is sent to it)."""
    sub = _found(session, subscription_id)
    url = sub.url
    gone = webhooks.delete_subscription(session=session, subscription=sub)
    audit_change(session, actor, "webhook.delete", subscription_id,
                 {"url": url, "deliveries_deleted": gone})
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{subscription_id}/deliveries", response_model=list[DeliveryPublic],
            responses=NOT_FOUND)
def list_deliveries(subscription_id: SubscriptionId, session: SessionDep,
                    delivery_status: Annotated[DeliveryStatus | None,
                                               Query(alias="status")] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryPublic]:
    """The subscription's deliveries, newest first (no payloads)."""
    _found(session, subscription_id)
    return [delivery_public(d) for d in webhooks.list_deliveries(
        session=session, subscription_id=subscription_id,
        status=delivery_status.value if delivery_status else None, limit=limit)]


def redeliver_one(session: Session, actor: Any, subscription_id: int, delivery_id: str
                  ) -> WebhookDelivery | None:
    """Put a delivery of this subscription back to pending (audited); None: no such one."""
    delivery = webhooks.get_delivery(session=session, delivery_id=delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        return None
    was = delivery.status
    webhooks.redeliver(session=session, delivery=delivery)
    audit_change(session, actor, "webhook.redeliver", subscription_id,
                 {"delivery": delivery_id, "event": delivery.event, "was": was})
    session.commit()
    return delivery


@router.post("/{subscription_id}/deliveries/{delivery_id}/redeliver",
             response_model=DeliveryPublic, responses=NOT_FOUND)
def redeliver(subscription_id: SubscriptionId, delivery_id: DeliveryId,
              session: SessionDep, actor: ApiActor) -> DeliveryPublic:
    """Send a failed (or delivered) delivery again: back to pending, due now, with a fresh
    retry window. A pending one is left as it is."""
    _found(session, subscription_id)
    delivery = redeliver_one(session, actor, subscription_id, delivery_id)
    if delivery is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such delivery")
    return delivery_public(delivery)
