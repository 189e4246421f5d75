"""/v1/inbox/codes: where an SMS gateway or mail rule posts the one-time codes portals
send. Signed (HMAC, see portals.inbox), not behind the admin token: the gateway holds
only the inbox secret. Unsigned or stale → 401, a replayed message → 409, a code for a
carrier we don't know or a recipient none of our portal accounts has → 422 (kept nowhere)."""

from __future__ import annotations

import json
import logging
import time

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from api.deps import SessionDep, SettingsDep, VaultDep
from api.errors import INVALID, field_error, problem
from bots.registry import registry
from portals.inbox import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InboundCode,
    InvalidSignature,
    extract_code,
    verify,
)
from storage import codes

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/inbox", tags=["one-time code inbox"])
CHALLENGE = {"WWW-Authenticate": f'Signature headers="{TIMESTAMP_HEADER} {SIGNATURE_HEADER}"'}


@router.post("/codes", status_code=status.HTTP_202_ACCEPTED, responses={
    401: problem("Unsigned, badly signed or stale (or the inbox has no secret)."),
    409: problem("This message was received already."),
    422: INVALID[422]}, openapi_extra={"requestBody": {
        # read raw (the signature covers the exact bytes), so described here
        "required": True,
        "content": {"application/json": {"schema": InboundCode.model_json_schema()}}}})
async def receive_code(request: Request, session: SessionDep, settings: SettingsDep,
                       vault: VaultDep) -> dict[str, str]:
    """Take one signed SMS or e-mail carrying a code, for the run that waits for it."""
    body = await request.body()
    if settings.inbox_secret is None:
        # no secret, no way to authenticate a sender: refuse like a bad signature
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the inbox is not configured",
                            headers=CHALLENGE)
    try:
        verify(body, settings.inbox_secret.get_secret_value(),
               request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER),
               time.time())
    except InvalidSignature as exc:
        log.warning("inbox refused a message: %s", exc)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "signature refused",
                            headers=CHALLENGE) from None
    try:
        message = InboundCode.model_validate(json.loads(body))
    except (ValidationError, ValueError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else []
        field = str(errors[0]["loc"][0]) if errors and errors[0]["loc"] else "body"
        raise field_error(("body", field), "malformed message") from None
    code = extract_code(message.text)
    if code is None:
        raise field_error(("body", "text"), "no one-time code in the message")
    if message.carrier not in registry:
        raise field_error(("body", "carrier"), f"unknown carrier {message.carrier!r}")
    if not codes.recipient_known(session=session, carrier=message.carrier,
                                 recipient=message.recipient):
        # nobody here waits for codes sent there: keep nothing (no PHI, no noise)
        raise field_error(("body", "recipient"), f"no {message.carrier} portal account "
                          "receives its codes at this recipient")
    if codes.message_seen(session=session, message_id=message.message_id):
        raise HTTPException(status.HTTP_409_CONFLICT, "message already received")
    try:
        codes.store_code(session=session, vault=vault, carrier=message.carrier,
                        channel=message.channel, source="gateway", code=code,
                        ttl_seconds=settings.code_ttl_seconds, message_id=message.message_id,
                        recipient=message.recipient)
        session.commit()
    except IntegrityError:  # the same message twice at once: the first one won
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "message already received") from None
    log.info("inbox took a %s code for %s", message.channel, message.carrier)
    return {"status": "accepted"}
