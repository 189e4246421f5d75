"""One-time codes for portals' second factor: kept encrypted, handed out once.

Codes come from the SMS/e-mail gateway through the inbox (routed by the account's
recipient) or are typed by staff for one waiting check.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.crypto import Vault
from storage.models import CarrierAccount, OneTimeCode, utcnow


def store_code(
    *,
    session: Session,
    vault: Vault,
    carrier: str,
    channel: str,
    source: str,
    code: str,
    ttl_seconds: float,
    message_id: str | None = None,
    recipient: str | None = None,
    job_id: str | None = None,
    entered_by: str | None = None,
) -> OneTimeCode:
    now = utcnow()
    row = OneTimeCode(
        message_id=message_id, carrier=carrier, channel=channel, source=source,
        recipient=recipient.strip().lower() if recipient else None, job_id=job_id,
        code_enc=vault.encrypt_str(code), received_at=now,
        expires_at=now + dt.timedelta(seconds=ttl_seconds), entered_by=entered_by,
    )
    session.add(row)
    session.flush()
    return row


def message_seen(*, session: Session, message_id: str) -> bool:
    query = select(OneTimeCode.id).where(OneTimeCode.message_id == message_id)
    return session.exec(query).first() is not None


def take_code(
    *,
    session: Session,
    vault: Vault,
    job_id: str,
    run_id: str,
    recipient: str | None,
    since: dt.datetime,
) -> str | None:
    """The oldest fresh, unused code for this check (typed by staff) or for the account's
    recipient (from the gateway), received since ``since``; marked used atomically."""
    now = utcnow()
    routes = [col(OneTimeCode.job_id) == job_id]
    if recipient:
        routes.append(col(OneTimeCode.recipient) == recipient.strip().lower())
    candidates = session.exec(
        select(OneTimeCode)
        .where(or_(*routes), col(OneTimeCode.used_at).is_(None),
               col(OneTimeCode.expires_at) > now, col(OneTimeCode.received_at) >= since)
        .order_by(col(OneTimeCode.received_at))
    ).all()
    for row in candidates:
        taken = session.connection().execute(
            update(OneTimeCode)
            .where(col(OneTimeCode.id) == row.id, col(OneTimeCode.used_at).is_(None))
            .values(used_at=now, used_by_run=run_id)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        session.commit()
        if taken:
            return vault.decrypt_str(row.code_enc)
    return None


def recipient_known(*, session: Session, carrier: str, recipient: str) -> bool:
    """Whether one of our ``carrier`` portal accounts has its codes sent to ``recipient``."""
    wanted = recipient.strip().lower()
    found = session.exec(select(CarrierAccount.id).where(
        CarrierAccount.carrier == carrier, CarrierAccount.mfa_recipient == wanted)).first()
    return found is not None
