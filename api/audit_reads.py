"""Every read of PHI leaves an audit event naming who read it: one job, prior-authorization
request or run (``<target>.view``), or a list showing patients (``<target>.list``, one
event per list call, naming its filters and the ids it returned).

A page's live fragment is polled every few seconds while its job runs; auditing each poll
would bury the trail, so a fragment's read is skipped when the same actor already has a
view event for the same target within :data:`FRAGMENT_DEDUPE`. A target that is not
found is never audited: the caller audits only after finding it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from storage import repo
from storage.models import AuditEvent, utcnow

FRAGMENT_DEDUPE = dt.timedelta(minutes=10)
"""A fragment poll is not audited again within this long of the actor's last view."""
DETAIL_LIMIT = 500
"""``AuditEvent.detail`` holds this many characters."""

READ_TARGETS = {
    "eligibility": "check",
    "claim_status": "claim_search",
}
"""The audit target type of a job kind's reads (other kinds go by their own name)."""


def read_target(kind: str) -> str:
    """The target type a job of ``kind`` is audited under ("check", "claim_search")."""
    return READ_TARGETS.get(kind, kind)


def audit_read(*, session: Session, actor: str, action: str, target_type: str,
               target_id: str, detail: str | None = None,
               dedupe: dt.timedelta | None = None) -> bool:
    """Record (and commit) that ``actor`` read a target; False when skipped because
    ``dedupe`` is given and the actor has an event of this ``action`` on the target within
    it. ``actor`` is the request's :class:`api.deps.Actor` (its type and address are
    recorded with it)."""
    if dedupe is not None and _seen(session, actor, action, target_type, target_id,
                                    utcnow() - dedupe):
        return False
    repo.audit(session=session, actor=actor, action=action, target_type=target_type,
               target_id=target_id, detail=detail)
    session.commit()
    return True


def _seen(session: Session, actor: str, action: str, target_type: str, target_id: str,
          since: dt.datetime) -> bool:
    kind = getattr(actor, "kind", None)
    query = (select(AuditEvent.id)
             .where(AuditEvent.actor == str(actor)[:80], AuditEvent.action == action,
                    AuditEvent.target_type == target_type,
                    AuditEvent.target_id == target_id[:64], col(AuditEvent.at) >= since)
             .limit(1))
    if kind is not None:
        query = query.where(AuditEvent.actor_type == kind)
    return session.exec(query).first() is not None


def list_detail(filters: Mapping[str, object], ids: Sequence[str]) -> str:
    """The list call's filters (those set) and the ids it returned, cut to fit the
    detail column: as many ids as fit, then how many more there were."""
    shown = ", ".join(f"{name}={value}" for name, value in filters.items()
                      if value is not None and value != "")
    head = f"{shown or 'no filter'}; {len(ids)} returned"
    if not ids:
        return head[:DETAIL_LIMIT]
    text = head + ":"
    for index, item in enumerate(ids):
        rest = len(ids) - index - 1
        tail = f" (+{rest} more)" if rest else ""
        more = f" (+{len(ids) - index} more)"
        if len(text) + 1 + len(item) + len(tail) > DETAIL_LIMIT:
            return (text + more)[:DETAIL_LIMIT]
        text += " " + item
    return text[:DETAIL_LIMIT]


def audit_list(*, session: Session, actor: str, target: str, resource: str,
               filters: Mapping[str, object], ids: Sequence[str]) -> None:
    """One ``<target>.list`` event for a list call that returned patients' identifiers
    (``resource`` names the list: the API resource or the page)."""
    audit_read(session=session, actor=actor, action=f"{target}.list", target_type="list",
               target_id=resource, detail=list_detail(filters, ids))
