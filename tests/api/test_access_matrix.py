"""Who may use which route: every /v1 route and every page, with every role, with several
roles, with no role and with nobody logged in, against one table.

The table names what each route needs. A route the app serves that the table does not
name fails the test (a new route must say who may use it), and so does a table entry the
app no longer serves. Ids in paths are well formed but unknown: the permission is checked
before anything is looked up, so a refused caller gets 403 (never a 404 that would tell
them what exists), an allowed one anything but 401/403 (200, 404, 422, a redirect that
is not to the login page).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.deps import SESSION_COOKIE
from portals.access import Permission, Role
from storage.api_tokens import create_token
from storage.db import session_scope
from storage.users import create_user, get_user, set_roles
from tests.api.web_login import login, page_csrf

PASSWORD = "correct horse battery"

PUBLIC = "public"
"""No login: the login form, logout, the API's own description, static files."""
GATEWAY = "gateway"
"""The SMS/e-mail gateway's inbox: its own signature, no person and no token."""
LOGGED_IN = "logged in"
"""Any logged-in person or valid token, whatever their roles."""

E, C, P, R = (Permission.ELIGIBILITY, Permission.CLAIMS, Permission.PRIOR_AUTH,
              Permission.REVIEW)
ACCOUNTS, PEOPLE, AUDIT = Permission.ACCOUNTS, Permission.PEOPLE, Permission.AUDIT
APPTS, SCHED, HOOKS, LIB = (Permission.APPOINTMENTS, Permission.SCHEDULES,
                            Permission.WEBHOOKS, Permission.LIBRARY)

Needs = str | Permission

ROUTES: list[tuple[str, str, Needs]] = [
    # the API's description and static files
    ("GET", "/openapi.json", PUBLIC),
    ("GET", "/docs", PUBLIC),
    ("GET", "/docs/oauth2-redirect", PUBLIC),
    ("GET", "/redoc", PUBLIC),
    ("GET", "/static", PUBLIC),
    # /v1
    ("GET", "/v1/health", LOGGED_IN),
    ("POST", "/v1/eligibility-checks", E),
    ("GET", "/v1/eligibility-checks", E),
    ("GET", "/v1/eligibility-checks/{job_id}", E),
    ("GET", "/v1/eligibility-checks/{job_id}/documents/{document_id}", E),
    ("POST", "/v1/eligibility-checks/{job_id}/mfa-code", E),
    ("POST", "/v1/eligibility-checks/{job_id}/retry", E),
    ("POST", "/v1/claim-status-checks", C),
    ("GET", "/v1/claim-status-checks", C),
    ("GET", "/v1/claim-status-checks/{job_id}", C),
    ("GET", "/v1/claim-status-checks/{job_id}/documents/{document_id}", C),
    ("POST", "/v1/claim-status-checks/{job_id}/mfa-code", C),
    ("POST", "/v1/claim-status-checks/{job_id}/retry", C),
    ("POST", "/v1/prior-auths", P),
    ("GET", "/v1/prior-auths", P),
    ("GET", "/v1/prior-auths/{pa_id}", P),
    ("GET", "/v1/prior-auths/{pa_id}/documents/{document_id}", P),
    ("POST", "/v1/prior-auths/{pa_id}/refresh", P),
    ("POST", "/v1/prior-auths/{pa_id}/resolve", P),
    ("POST", "/v1/prior-auths/{pa_id}/mfa-code", P),
    ("GET", "/v1/accounts", ACCOUNTS),
    ("POST", "/v1/accounts/{account_id}/clear-flag", ACCOUNTS),
    ("GET", "/v1/audit", AUDIT),
    ("GET", "/v1/audit/export.csv", AUDIT),
    ("GET", "/v1/runs", R),
    ("GET", "/v1/runs/groups", R),
    ("GET", "/v1/runs/{run_id}", R),
    ("POST", "/v1/runs/{run_id}/resolve", R),
    ("GET", "/v1/runs/{run_id}/artifacts/{artifact_id}", R),
    ("POST", "/v1/inbox/codes", GATEWAY),
    # -- appointments, worklist (APPTS) and schedules, batches (SCHED): /v1 and pages --
    ("POST", "/v1/appointments/imports", APPTS),
    ("GET", "/v1/appointments/imports", APPTS),
    ("GET", "/v1/appointments/imports/{import_id}", APPTS),
    ("GET", "/v1/appointments", APPTS),
    ("GET", "/appointments/import", APPTS),
    ("POST", "/appointments/import", APPTS),
    ("GET", "/worklist", APPTS),
    ("GET", "/worklist/fragment", APPTS),
    ("GET", "/worklist.csv", APPTS),
    ("GET", "/v1/batches", APPTS),
    ("GET", "/v1/batches/{batch_id}", APPTS),
    ("GET", "/v1/schedules", SCHED),
    ("POST", "/v1/schedules", SCHED),
    ("GET", "/v1/schedules/{schedule_id}", SCHED),
    ("PATCH", "/v1/schedules/{schedule_id}", SCHED),
    ("GET", "/v1/schedules/{schedule_id}/slots", SCHED),
    ("GET", "/admin/schedules", SCHED),
    ("POST", "/admin/schedules", SCHED),
    ("GET", "/admin/schedules/{schedule_id}", SCHED),
    ("POST", "/admin/schedules/{schedule_id}", SCHED),
    # -- webhooks (HOOKS): /v1 and pages --
    ("GET", "/v1/webhooks", HOOKS),
    ("POST", "/v1/webhooks", HOOKS),
    ("GET", "/v1/webhooks/{subscription_id}", HOOKS),
    ("PATCH", "/v1/webhooks/{subscription_id}", HOOKS),
    ("DELETE", "/v1/webhooks/{subscription_id}", HOOKS),
    ("GET", "/v1/webhooks/{subscription_id}/deliveries", HOOKS),
    ("POST", "/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver", HOOKS),
    ("GET", "/admin/webhooks", HOOKS),
    ("POST", "/admin/webhooks", HOOKS),
    ("GET", "/admin/webhooks/{subscription_id}", HOOKS),
    ("POST", "/admin/webhooks/{subscription_id}", HOOKS),
    ("POST", "/admin/webhooks/{subscription_id}/delete", HOOKS),
    ("POST", "/admin/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver", HOOKS),
    # -- document libraries (LIB): /v1 and pages --
    ("POST", "/v1/library-collections", LIB),
    ("GET", "/v1/library-collections", LIB),
    ("GET", "/v1/library-collections/{job_id}", LIB),
    ("GET", "/v1/library-collections/{job_id}/documents/{document_id}", LIB),
    ("POST", "/v1/library-collections/{job_id}/mfa-code", LIB),
    ("POST", "/v1/library-collections/{job_id}/retry", LIB),
    ("GET", "/v1/library/documents", LIB),
    ("GET", "/v1/library/documents/{document_id}", LIB),
    ("GET", "/v1/library/documents/{document_id}/versions/{version_id}/file", LIB),
    ("GET", "/library", LIB),
    ("POST", "/library/collections", LIB),
    ("GET", "/library/collections/{job_id}", LIB),
    ("GET", "/library/collections/{job_id}/fragment", LIB),
    ("GET", "/library/collections/{job_id}/documents/{document_id}", LIB),
    ("POST", "/library/collections/{job_id}/mfa-code", LIB),
    ("POST", "/library/collections/{job_id}/retry", LIB),
    ("GET", "/library/documents/{document_id}", LIB),
    ("GET", "/library/documents/{document_id}/versions/{version_id}/file", LIB),
    # pages
    ("GET", "/login", PUBLIC),
    ("POST", "/login", PUBLIC),
    ("GET", "/", LOGGED_IN),
    ("POST", "/checks", E),
    ("GET", "/checks/{job_id}", E),
    ("GET", "/checks/{job_id}/fragment", E),
    ("GET", "/checks/{job_id}/documents/{document_id}", E),
    ("POST", "/checks/{job_id}/mfa-code", E),
    ("POST", "/checks/{job_id}/retry", E),
    ("GET", "/claims", C),
    ("POST", "/claims", C),
    ("GET", "/claims/{job_id}", C),
    ("GET", "/claims/{job_id}/fragment", C),
    ("GET", "/claims/{job_id}/documents/{document_id}", C),
    ("POST", "/claims/{job_id}/mfa-code", C),
    ("POST", "/claims/{job_id}/retry", C),
    ("GET", "/prior-auths", P),
    ("GET", "/prior-auths/new", P),
    ("POST", "/prior-auths/new", P),
    ("GET", "/prior-auths/jobs/{job_id}", P),
    ("GET", "/prior-auths/{pa_id}", P),
    ("GET", "/prior-auths/{pa_id}/fragment", P),
    ("GET", "/prior-auths/{pa_id}/documents/{document_id}", P),
    ("POST", "/prior-auths/{pa_id}/refresh", P),
    ("POST", "/prior-auths/{pa_id}/resolve", P),
    ("POST", "/prior-auths/jobs/{job_id}/mfa-code", P),
    ("GET", "/runs/trace-viewer/{path:path}", R),
    ("GET", "/runs/failed", R),
    ("POST", "/runs/retry", R),
    ("POST", "/runs/groups/retry", R),
    ("POST", "/runs/{run_id}/resolve", R),
    ("GET", "/runs/{run_id}", R),
    ("GET", "/runs/{run_id}/html/{artifact_id}", R),
    ("GET", "/ui/runs/{run_id}/artifacts/{artifact_id}", R),
    ("GET", "/account/tokens", LOGGED_IN),
    ("POST", "/account/tokens", LOGGED_IN),
    ("POST", "/account/tokens/{token_id}/revoke", LOGGED_IN),
    ("GET", "/admin/people", PEOPLE),
    ("POST", "/admin/people", PEOPLE),
    ("GET", "/admin/people/{user_id}", PEOPLE),
    ("POST", "/admin/people/{user_id}/roles", PEOPLE),
    ("POST", "/admin/people/{user_id}/password", PEOPLE),
    ("POST", "/admin/people/{user_id}/tokens/{token_id}/revoke", PEOPLE),
    ("POST", "/admin/people/{user_id}/remove", PEOPLE),
    ("GET", "/admin/audit", AUDIT),
    ("GET", "/admin/audit.csv", AUDIT),
    # logging out ends the session the rest of the table uses: last
    ("POST", "/logout", PUBLIC),
]

UNKNOWN_HEX = "0" * 32
UNKNOWN_INT = "999999"
PARAMS = {"job_id": UNKNOWN_HEX, "document_id": UNKNOWN_HEX, "run_id": UNKNOWN_HEX,
          "artifact_id": UNKNOWN_HEX, "pa_id": UNKNOWN_INT, "account_id": UNKNOWN_INT,
          "user_id": UNKNOWN_INT, "token_id": UNKNOWN_INT, "import_id": UNKNOWN_INT,
          "schedule_id": UNKNOWN_INT, "batch_id": UNKNOWN_HEX,
          "subscription_id": UNKNOWN_INT, "delivery_id": UNKNOWN_HEX,
          "version_id": UNKNOWN_INT,
          "path:path": "index.html"}


@dataclass(frozen=True)
class Who:
    """One caller of the table: a person with these roles (web login and an API token),
    the admin token, or nobody."""

    name: str
    roles: frozenset[Role] | None
    """None: nobody (no login, no token); for ``admin-token``, the admin token."""
    token_roles_taken: bool = False
    """The person's token was made while they held their roles, which were then taken."""


CALLERS = [
    Who("nobody", None),
    Who("front-desk", frozenset({Role.FRONT_DESK})),
    Who("billing", frozenset({Role.BILLING})),
    Who("reviewer", frozenset({Role.REVIEWER})),
    Who("admin", frozenset({Role.ADMIN})),
    Who("desk-and-review", frozenset({Role.FRONT_DESK, Role.REVIEWER})),
    Who("no-roles", frozenset()),
    Who("roles-taken", frozenset({Role.BILLING}), token_roles_taken=True),
    Who("admin-token", None),
]


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, HEAD left out (it follows GET)."""
    found: set[tuple[str, str]] = set()

    def add(route: Any) -> None:
        path = getattr(route, "path", None)
        if not isinstance(path, str):
            return
        methods = getattr(route, "methods", None) or {"GET"}  # a mount serves GET
        found.update((method, path) for method in methods if method != "HEAD")

    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # FastAPI's included routers
            for context in contexts():
                add(context)
        else:
            add(route)
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: PARAMS[m.group(1)], path)


def needs_of(needs: Needs) -> tuple[Permission, ...]:
    return (needs,) if isinstance(needs, Permission) else ()


def test_the_table_names_every_route_the_app_serves(app: FastAPI) -> None:
    table = [(method, path) for method, path, _ in ROUTES]
    assert len(table) == len(set(table)), "a route is in the table twice"
    served = app_routes(app)
    assert served - set(table) == set(), "routes nobody said who may use"
    assert set(table) - served == set(), "table entries the app no longer serves"


def _person(db: Engine, who: Who) -> str | None:
    """Create the caller's person; returns their API token (None for nobody)."""
    assert who.roles is not None
    with session_scope(db) as session:
        user = create_user(session=session, username=who.name, password=PASSWORD,
                           roles=who.roles)
        if not who.roles:
            return None  # a token needs a role: this person has none to give it
        _, plain = create_token(session=session, user=user, name="matrix", days=7)
    if who.token_roles_taken:
        with session_scope(db) as session:
            found = get_user(session=session, username=who.name)
            assert found is not None
            set_roles(session=session, user=found, roles=())
    return plain


@pytest.fixture(params=CALLERS, ids=[who.name for who in CALLERS])
def caller(request: pytest.FixtureRequest, client: TestClient, db: Engine,
           auth: dict[str, str]) -> Iterator[tuple[Who, dict[str, str], str]]:
    """The caller, their API headers and their page's CSRF token (logged in, if a person)."""
    who: Who = request.param
    headers: dict[str, str] = {}
    if who.name == "admin-token":
        headers = auth
    elif who.roles is not None:
        token = _person(db, who)
        if token is not None:
            headers = {"Authorization": f"Bearer {token}"}
        assert login(client, who.name, PASSWORD).status_code == 303
        assert client.cookies.get(SESSION_COOKIE)
    yield who, headers, page_csrf(client.get("/login").text)


def _granted(who: Who) -> frozenset[Permission] | None:
    """What the caller may do on each side: None for nobody."""
    from portals.access import ALL_PERMISSIONS, permissions_of

    if who.name == "admin-token":
        return ALL_PERMISSIONS
    if who.roles is None:
        return None
    return frozenset() if who.token_roles_taken else permissions_of(who.roles)


def _call(client: TestClient, method: str, path: str, headers: dict[str, str],
          csrf: str) -> Any:
    url = concrete(path)
    if path.startswith("/v1/"):
        if method == "GET":
            return client.get(url, headers=headers, follow_redirects=False)
        return client.request(method, url, headers=headers, json={}, follow_redirects=False)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    return client.post(url, data={"csrf": csrf}, follow_redirects=False)


def _refused_by_role(response: Any, api: bool) -> bool:
    if response.status_code != 403:
        return False
    text = response.text.lower()
    return "your roles do not allow" in text


def test_each_caller_reaches_exactly_what_their_roles_allow(
    client: TestClient, caller: tuple[Who, dict[str, str], str]
) -> None:
    who, headers, csrf = caller
    granted = _granted(who)
    wrong: list[str] = []
    for method, path, needs in ROUTES:
        api = path.startswith("/v1/")
        if not api and who.name == "admin-token":
            continue  # the admin token is for the API; pages need a person
        if who.name == "roles-taken" and not api:
            continue  # the person's login has no roles either: "no-roles" covers pages
        response = _call(client, method, path, headers, csrf)
        status = response.status_code
        where = response.headers.get("location", "")
        label = f"{method} {path} as {who.name}: {status} {where}".strip()
        if status >= 500:
            wrong.append(label + " (a server error)")
            continue
        if needs == PUBLIC:
            if _refused_by_role(response, api):
                wrong.append(label + " (public, refused)")
            continue
        if needs == GATEWAY:
            if status < 400:
                wrong.append(label + " (the inbox took an unsigned message)")
            continue
        if granted is None or (api and not headers):
            expected = "401" if api else "303 to /login"
            ok = status == 401 if api else (status == 303 and where.startswith("/login"))
            if not ok:
                wrong.append(f"{label} (expected {expected})")
            continue
        allowed = needs == LOGGED_IN or any(perm in granted for perm in needs_of(needs))
        if allowed:
            if status in (401, 403) or where.startswith("/login"):
                wrong.append(label + " (should be allowed)")
        elif not _refused_by_role(response, api):
            wrong.append(label + " (should be refused with 403)")
    assert wrong == []


@pytest.mark.parametrize(("roles", "home"), [
    ({Role.FRONT_DESK}, None),
    ({Role.BILLING}, None),
    ({Role.REVIEWER}, "/runs/failed"),
    ({Role.ADMIN}, "/admin/people"),
    (set(), "/account/tokens"),
])
def test_the_first_page_is_one_the_person_may_use(
    client: TestClient, db: Engine, roles: set[Role], home: str | None
) -> None:
    with session_scope(db) as session:
        create_user(session=session, username="someone", password=PASSWORD, roles=roles)
    assert login(client, "someone", PASSWORD).status_code == 303
    page = client.get("/", follow_redirects=False)
    if home is None:
        assert page.status_code == 200 and 'data-testid="nav-checks"' in page.text
    else:
        assert (page.status_code, page.headers["location"]) == (303, home)


def test_the_menu_shows_only_what_the_person_may_use(client: TestClient, db: Engine) -> None:
    with session_scope(db) as session:
        create_user(session=session, username="desk", password=PASSWORD,
                    roles={Role.FRONT_DESK})
    assert login(client, "desk", PASSWORD).status_code == 303
    page = client.get("/").text
    assert 'data-testid="nav-checks"' in page
    for hidden in ("nav-claims", "nav-prior-auths", "nav-failed-runs", "nav-people",
                   "nav-audit"):
        assert f'data-testid="{hidden}"' not in page
