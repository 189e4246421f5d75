"""Prior-authorization rows to "Public" models: what the API and the request's web page may
show of a request. Links point under ``base`` (``/v1/prior-auths`` for the API,
``/prior-auths`` for the web UI, behind the staff login)."""

from __future__ import annotations

import datetime as dt
import logging

from pydantic import ValidationError
from sqlmodel import Session

from api.prior_auth_schemas import (
    AttachedDocument,
    DecisionPublic,
    PriorAuthFields,
    PriorAuthJobPublic,
    PriorAuthPublic,
    PriorAuthSummary,
    TimelineEntry,
)
from api.prior_auth_services import letters
from api.schemas import DocumentLink
from portals.prior_auth import CertificationAction, PriorAuthDecision
from storage import prior_auths
from storage.models import PriorAuth, PriorAuthEvent

log = logging.getLogger(__name__)

API_BASE = "/v1/prior-auths"
UI_BASE = "/prior-auths"


def meaning_of(action: str | None) -> str | None:
    if action is None:
        return None
    try:
        return CertificationAction(action).meaning
    except ValueError:
        return None


def decision_public(pa: PriorAuth) -> DecisionPublic | None:
    """The payer's latest answer (None before the portal has the request)."""
    if pa.decision_action is None:
        return None
    try:
        action = CertificationAction(pa.decision_action)
    except ValueError:
        log.error("prior auth %s has an unknown action code", pa.id)
        return None
    decision: PriorAuthDecision | None = None
    if pa.decision:
        try:
            decision = PriorAuthDecision.model_validate(pa.decision)
        except ValidationError:
            log.error("stored decision of prior auth %s no longer fits the model", pa.id)
    if decision is None:
        return DecisionPublic(action=action.value, meaning=action.meaning,
                              decided=action.decided, portal_status=pa.decision_status or "",
                              authorization_number=pa.authorization_number)
    return DecisionPublic(
        action=action.value, meaning=action.meaning, decided=action.decided,
        portal_status=decision.portal_status,
        authorization_number=decision.authorization_number,
        approved_from=decision.approved_from, approved_to=decision.approved_to,
        approved_services=list(decision.approved_services), reason=decision.reason,
        decided_on=decision.decided_on)


def summary(pa: PriorAuth, now: dt.datetime | None = None) -> PriorAuthSummary:
    services = (pa.request or {}).get("services") or []
    return PriorAuthSummary(
        id=pa.id, tracking_ref=pa.tracking_ref, carrier=pa.carrier, member_id=pa.member_id,
        last_name=pa.last_name, first_name=pa.first_name, urgency=pa.urgency, state=pa.state,
        procedure_codes=[str(s.get("procedure_code")) for s in services],
        reference_number=pa.reference_number, decision=decision_public(pa),
        submitted_at=pa.submitted_at, due_at=prior_auths.due_at(pa),
        overdue=prior_auths.is_overdue(pa, now), message=pa.message,
        created_at=pa.created_at, updated_at=pa.updated_at)


def timeline_entry(event: PriorAuthEvent) -> TimelineEntry:
    return TimelineEntry(at=event.at, event=event.event, action=event.action,
                         meaning=meaning_of(event.action), portal_status=event.portal_status,
                         actor=event.actor, detail=event.detail, job_id=event.job_id)


def prior_auth_public(*, session: Session, pa: PriorAuth, base: str = API_BASE
                      ) -> PriorAuthPublic:
    request = prior_auths.request_of(pa)
    here = f"{base}/{pa.id}/documents"
    return PriorAuthPublic(
        **summary(pa).model_dump(),
        request=PriorAuthFields.model_validate(request.model_dump(
            include=set(PriorAuthFields.model_fields))),
        documents=[AttachedDocument(id=d.id, filename=d.filename, content_type=d.content_type,
                                    size=d.size, sha256=d.sha256, url=f"{here}/{d.id}")
                   for d in prior_auths.documents(session=session, pa_id=pa.id)],
        letters=[DocumentLink(id=a.id, kind=a.kind, filename=a.filename,
                              content_type=a.content_type, size=a.size, sha256=a.sha256,
                              url=f"{here}/{a.id}")
                 for a in letters(session=session, pa=pa)],
        timeline=[timeline_entry(e) for e in prior_auths.events(session=session, pa_id=pa.id)],
        jobs=[PriorAuthJobPublic(id=j.id, kind=j.kind, status=j.status, message=j.message,
                                 created_at=j.created_at, finished_at=j.finished_at)
              for j in prior_auths.jobs(session=session, pa=pa)],
        created_by=pa.created_by, resolution=pa.resolution, resolved_by=pa.resolved_by,
        resolved_at=pa.resolved_at, last_checked_at=pa.last_checked_at,
    )
