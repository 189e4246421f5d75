"""GET /v1/health: the API, its database and its queue."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import text

from api.deps import SessionDep
from api.schemas import HealthPublic
from bots.registry import registry

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic,
            responses={503: {"model": HealthPublic,
                             "description": "The database or Redis is unreachable."}})
def health(request: Request, session: SessionDep, response: Response) -> HealthPublic:
    database = redis = "ok"
    try:
        session.connection().execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health: database unreachable (%s)", type(exc).__name__)
        database = "error"
    try:
        request.app.state.broker.client.ping()
    except Exception as exc:
        log.warning("health: redis unreachable (%s)", type(exc).__name__)
        redis = "error"
    healthy = database == "ok" and redis == "ok"
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthPublic(status="ok" if healthy else "degraded", database=database, redis=redis,
                        carriers=registry.names())
