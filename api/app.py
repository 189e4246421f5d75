"""The API and web UI application factory. Nothing is built at import time."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from api import presenters
from api.deps import Forbidden, LoginRequired, allow_api, allow_ui, require_token
from api.errors import API_RESPONSES, CONFLICT, FORBIDDEN, NOT_FOUND, validation_error_handler
from api.middleware import BodySizeLimit, RequestSanity, SecurityHeaders
from api.prior_auth_services import largest_body
from api.routes import (
    accounts,
    appointments,
    audit,
    checks,
    claims,
    health,
    inbox,
    library,
    prior_auths,
    runs,
    schedules,
    ui_appointments,
    ui_audit,
    ui_auth,
    ui_checks,
    ui_claims,
    ui_library,
    ui_people,
    ui_prior_auths,
    ui_runs,
    ui_schedules,
    ui_tokens,
    ui_webhooks,
    ui_worklist,
    webhooks,
)
from api.ui import render
from portals.access import Permission, kind_permission
from portals.settings import Settings
from storage.artifacts import ArtifactStore
from storage.crypto import Vault
from storage.db import create_schema, make_engine
from workflows.broker import setup_broker

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SESSION_MAX_AGE = 8 * 3600
"""A staff login lasts a working day."""
UPLOAD_PATHS = ("/v1/prior-auths", "/prior-auths/new")
"""Where clinical documents are posted: bodies as large as a carrier's portal takes."""
IMPORT_PATHS = ("/v1/appointments/imports", "/appointments/import")
"""Where appointment CSV files are posted (``Settings.appointments_max_bytes``)."""


class ConfigurationError(RuntimeError):
    """A setting the API cannot run without is missing."""


def missing_settings(settings: Settings) -> list[str]:
    """The environment variables the API refuses to start without."""
    missing = []
    if settings.admin_token is None:
        missing.append("PORTALS_ADMIN_TOKEN")
    if settings.secret_key is None:
        missing.append("PORTALS_SECRET_KEY")
    return missing


def session_secret(settings: Settings) -> str:
    """PORTALS_SESSION_SECRET, or a key derived from the admin token (never the token)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    assert settings.admin_token is not None
    return hmac.new(settings.admin_token.get_secret_value().encode(),
                    b"portals web ui session v1", hashlib.sha256).hexdigest()


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    filters = templates.env.filters
    filters["money"] = presenters.money
    filters["percent"] = presenters.percent
    filters["service_name"] = presenters.service_name
    filters["when"] = lambda value: value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"
    filters["relationship"] = lambda code: presenters.RELATIONSHIP_NAMES.get(code, code)
    templates.env.globals["kind_permission"] = kind_permission
    return templates


async def _login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)


async def _forbidden_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return render(request, request.app.state.templates, "error.html", {
        "message": "Your roles do not allow this page. Ask an administrator if you need it.",
    }, status_code=403, user=exc.actor)


@lru_cache(maxsize=1)
def _routes() -> tuple[BaseRoute, ...]:
    """Every API and page route, built once per process and shared by the apps it makes.

    Building them (FastAPI analyses each endpoint's parameters into validators) is most
    of what making an app costs; nothing in them depends on the settings (each request
    finds its app's engine, vault and settings in ``request.app.state``).
    """
    root = APIRouter()
    # Every /v1 route needs a bearer token; each names the permission it needs on top
    # (job kinds' routes inside ``job_router``), checked before anything is looked up.
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_token)],
                   responses={**API_RESPONSES, **FORBIDDEN})
    for module in (health, checks, claims):
        v1.include_router(module.router)
    v1.include_router(prior_auths.router, dependencies=[allow_api(Permission.PRIOR_AUTH)])
    v1.include_router(accounts.router, dependencies=[allow_api(Permission.ACCOUNTS)])
    v1.include_router(audit.router, dependencies=[allow_api(Permission.AUDIT)])
    # runs' routes document nothing themselves: what they may answer, said here
    v1.include_router(runs.router, responses={**NOT_FOUND, **CONFLICT},
                      dependencies=[allow_api(Permission.REVIEW)])
    # issue 10: appointments and the worklist, schedules and batches, webhooks, libraries
    for module, needed in ((appointments, Permission.APPOINTMENTS),
                           (schedules, Permission.SCHEDULES),
                           (webhooks, Permission.WEBHOOKS), (library, Permission.LIBRARY)):
        v1.include_router(module.router, dependencies=[allow_api(needed)])
    root.include_router(v1)
    root.include_router(inbox.router, responses=API_RESPONSES)
    # pages: each checks its permission (a 403 page) after the login (a redirect)
    for module in (ui_auth, ui_checks, ui_claims, ui_tokens):
        root.include_router(module.router, include_in_schema=False)
    for module, needed in ((ui_prior_auths, Permission.PRIOR_AUTH),
                           (ui_runs, Permission.REVIEW), (ui_people, Permission.PEOPLE),
                           (ui_audit, Permission.AUDIT),
                           (ui_appointments, Permission.APPOINTMENTS),
                           (ui_worklist, Permission.APPOINTMENTS),
                           (ui_schedules, Permission.SCHEDULES),
                           (ui_webhooks, Permission.WEBHOOKS),
                           (ui_library, Permission.LIBRARY)):
        root.include_router(module.router, include_in_schema=False,
                            dependencies=[allow_ui(needed)])
    return tuple(root.routes)


def create_app(settings: Settings) -> FastAPI:
    """Build the engine, vault, artifact store and broker for ``settings``, and the app."""
    missing = missing_settings(settings)
    if missing:
        raise ConfigurationError(f"set {' and '.join(missing)} before starting the API")
    assert settings.secret_key is not None
    engine = make_engine(settings.resolved_database_url)
    create_schema(engine)
    vault = Vault(settings.secret_key)
    store = ArtifactStore(settings.resolved_artifacts_dir, vault)
    broker = setup_broker(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Carrier portal aggregator",
        description="Eligibility, claims and prior authorizations through insurers' provider "
        "portals. Every /v1 route needs `Authorization: Bearer <token>`: a person's own API "
        "token (made on the web UI's API tokens page; it acts with that person's roles) or "
        "`PORTALS_ADMIN_TOKEN` (every permission; for bootstrapping and automation). A "
        "route the token's roles do not allow answers 403.",
        version="1",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.vault = vault
    app.state.store = store
    app.state.broker = broker
    app.state.templates = make_templates()

    app.add_middleware(SessionMiddleware, secret_key=session_secret(settings),
                       session_cookie="portals_session", max_age=SESSION_MAX_AGE,
                       same_site="lax", https_only=settings.secure_cookies)
    app.add_middleware(RequestSanity)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, upload_paths=UPLOAD_PATHS, upload_limit=largest_body,
                       file_paths=dict.fromkeys(IMPORT_PATHS, settings.appointments_max_bytes))
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(LoginRequired, _login_redirect)
    app.add_exception_handler(Forbidden, _forbidden_page)

    app.router.routes.extend(_routes())
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    log.info("API ready (database %s)", engine.url.render_as_string(hide_password=True))
    return app
