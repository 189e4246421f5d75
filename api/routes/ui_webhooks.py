"""Web UI for webhooks (the webhooks permission): the subscriptions, a form to add one (its
secret shown once, on the page that answers the form, never in a cookie or a redirect),
and a page per subscription with its settings and deliveries, each with its status, last
answer and a redeliver button. Every change is audited (never the secret)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import Actor, SessionDep, StaffUser, TemplatesDep, VaultDep, verify_csrf
from api.routes.ui_tokens import parse_id
from api.routes.webhooks import audit_change, redeliver_one
from api.ui import flash, redirect, render
from storage import webhooks
from storage.webhook_models import WebhookSubscription

router = APIRouter(tags=["ui"])

HOOKS = "/admin/webhooks"
DELIVERIES_SHOWN = 200


def _values(url: str = "", events: list[str] | None = None, description: str = "",
            enabled: bool = True) -> dict[str, Any]:
    return {"url": url, "events": events or [], "description": description,
            "enabled": enabled}


def _list_page(request: Request, session: Session, templates: TemplatesDep, user: Actor, *,
               values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    subs = webhooks.list_subscriptions(session=session)
    counts = {s.id: {st: len(webhooks.list_deliveries(session=session, subscription_id=s.id,
                                                      status=st, limit=1000))
                     for st in ("pending", "failed")}
              for s in subs if s.id is not None}
    return render(request, templates, "webhooks.html", {
        "subscriptions": subs, "counts": counts, "events": webhooks.EVENTS,
        "values": values or _values(), "errors": errors or {}}, status_code=status_code,
        user=user)


@router.get(HOOKS, response_class=HTMLResponse)
def webhooks_page(request: Request, session: SessionDep, templates: TemplatesDep,
                  user: StaffUser) -> Response:
    """Every subscription with its pending and failed deliveries; the form to add one."""
    return _list_page(request, session, templates, user)


@router.post(HOOKS, response_class=HTMLResponse)
def add_subscription(
    request: Request, session: SessionDep, templates: TemplatesDep, user: StaffUser,
    vault: VaultDep, csrf: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    event: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Add a subscription with a generated secret, shown on the answering page only."""
    verify_csrf(request, csrf)
    values = _values(url.strip()[:webhooks.MAX_URL_LENGTH], event[:20],
                     description[:webhooks.MAX_DESCRIPTION_LENGTH])
    try:
        sub, secret = webhooks.create_subscription(
            session=session, vault=vault, url=url, events=event[:20],
            description=description, created_by=user,
            allowed_networks=request.app.state.settings.webhook_allowed_networks)
    except webhooks.WebhookError as exc:
        session.rollback()
        return _list_page(request, session, templates, user, values=values,
                          errors={exc.field: str(exc)[:1].upper() + str(exc)[1:300] + "."},
                          status_code=422)
    assert sub.id is not None
    audit_change(session, user, "webhook.create", sub.id,
                 {"url": sub.url, "events": sub.events, "enabled": sub.enabled})
    session.commit()
    return _page(request, session, templates, user, sub, new_secret=secret,
                 status_code=201)


def _page(request: Request, session: Session, templates: TemplatesDep, user: Actor,
          sub: WebhookSubscription, *, new_secret: str | None = None,
          values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    assert sub.id is not None
    deliveries = webhooks.list_deliveries(session=session, subscription_id=sub.id,
                                          limit=DELIVERIES_SHOWN)
    return render(request, templates, "webhook.html", {
        "sub": sub, "deliveries": deliveries, "events": webhooks.EVENTS,
        "new_secret": new_secret, "errors": errors or {},
        "values": values or _values(sub.url, list(sub.events), sub.description,
                                    sub.enabled)}, status_code=status_code, user=user)


def _find(session: Session, subscription_id: str) -> WebhookSubscription | None:
    number = parse_id(subscription_id)
    return webhooks.get_subscription(session=session, subscription_id=number) \
        if number is not None else None


def _not_found(request: Request, templates: TemplatesDep, user: Actor) -> Response:
    return render(request, templates, "error.html", {"message": "No such webhook."},
                  status_code=404, user=user)


@router.get(HOOKS + "/{subscription_id}", response_class=HTMLResponse)
def webhook_page(subscription_id: str, request: Request, session: SessionDep,
                 templates: TemplatesDep, user: StaffUser) -> Response:
    """One subscription: its settings and its deliveries, newest first."""
    sub = _find(session, subscription_id)
    if sub is None:
        return _not_found(request, templates, user)
    return _page(request, session, templates, user, sub)


@router.post(HOOKS + "/{subscription_id}", response_class=HTMLResponse)
def change_subscription(
    subscription_id: str, request: Request, session: SessionDep, templates: TemplatesDep,
    user: StaffUser, csrf: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "", enabled: Annotated[str, Form()] = "",
    event: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Change the URL, events, description, or enable / disable it."""
    verify_csrf(request, csrf)
    sub = _find(session, subscription_id)
    if sub is None:
        return _not_found(request, templates, user)
    try:
        changed = webhooks.update_subscription(
            session=session, subscription=sub, url=url, events=event[:20],
            description=description, enabled=enabled == "on",
            allowed_networks=request.app.state.settings.webhook_allowed_networks)
    except webhooks.WebhookError as exc:
        session.rollback()
        values = _values(url.strip()[:webhooks.MAX_URL_LENGTH], event[:20],
                         description[:webhooks.MAX_DESCRIPTION_LENGTH], enabled == "on")
        return _page(request, session, templates, user, sub, values=values,
                     errors={exc.field: str(exc)[:1].upper() + str(exc)[1:300] + "."},
                     status_code=422)
    if changed:
        audit_change(session, user, "webhook.update", str(sub.id), changed)
        session.commit()
        flash(request, "Saved: " + ", ".join(changed) + ".")
    return redirect(f"{HOOKS}/{sub.id}")


@router.post(HOOKS + "/{subscription_id}/delete", response_class=HTMLResponse)
def remove_subscription(subscription_id: str, request: Request, session: SessionDep,
                        templates: TemplatesDep, user: StaffUser,
                        csrf: Annotated[str, Form()] = "") -> Response:
    verify_csrf(request, csrf)
    sub = _find(session, subscription_id)
    if sub is None:
        return _not_found(request, templates, user)
    sub_id, url = sub.id, sub.url
    gone = webhooks.delete_subscription(session=session, subscription=sub)
    audit_change(session, user, "webhook.delete", str(sub_id),
                 {"url": url, "deliveries_deleted": gone})
    session.commit()
    flash(request, f"The webhook to {url} is deleted, with its {gone} deliveries.")
    return redirect(HOOKS)


@router.post(HOOKS + "/{subscription_id}/deliveries/{delivery_id}/redeliver",
             response_class=HTMLResponse)
def redeliver_delivery(subscription_id: str, delivery_id: str, request: Request,
                       session: SessionDep, templates: TemplatesDep, user: StaffUser,
                       csrf: Annotated[str, Form()] = "") -> Response:
    """Send a delivery again (back to pending, due now)."""
    verify_csrf(request, csrf)
    sub = _find(session, subscription_id)
    if sub is None or sub.id is None:
        return _not_found(request, templates, user)
    delivery = redeliver_one(session, user, sub.id, delivery_id[:32])
    if delivery is None:
        return render(request, templates, "error.html", {"message": "No such delivery."},
                      status_code=404, user=user)
    flash(request, f"Delivery {delivery.id[:8]} ({delivery.event}) will be sent again.")
    return redirect(f"{HOOKS}/{sub.id}")
