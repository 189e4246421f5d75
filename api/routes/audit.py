"""/v1/audit: who saw or did what, most recent first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.schemas import AuditPublic
from api.views import audit_public
from storage import repo

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditPublic])
def list_audit(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[AuditPublic]:
    return [audit_public(event) for event in repo.list_audit(session=session, limit=limit)]
