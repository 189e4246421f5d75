"""The audit trail an administrator can read: /v1/audit's filters and pages, the CSV export
(formula-safe, itself audited) on the API and the admin page, who may see them, and that no
route the app serves changes or removes an audit row."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from portals.access import Role
from storage import repo
from storage.api_tokens import create_token
from storage.db import session_scope
from storage.users import create_user, get_user
from tests.api.web_login import login, logout, page_csrf

BOTH_DATABASES = True

PASSWORD = "correct horse battery"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
HOUR = dt.timedelta(hours=1)
COLUMNS = ["at", "actor", "actor_type", "client_address", "action", "target_type",
           "target_id", "detail"]


def _add(db: Engine, at: dt.datetime, actor: str = "ana", action: str = "run.view",
         actor_type: str = "person", target_type: str = "run", target_id: str = "r1",
         detail: str | None = None, address: str | None = "10.1.2.3") -> int:
    with session_scope(db) as session:
        event = repo.audit(session=session, actor=actor, action=action, actor_type=actor_type,
                           target_type=target_type, target_id=target_id, detail=detail,
                           client_address=address)
        event.at = at
        session.flush()
        assert event.id is not None
        return event.id


def _person(db: Engine, name: str, roles: set[Role]) -> str:
    """A person holding ``roles``; returns their API token."""
    with session_scope(db) as session:
        user = create_user(session=session, username=name, password=PASSWORD, roles=roles)
        _, token = create_token(session=session, user=user, name="audit", days=7)
    return token


def _seed(db: Engine) -> dict[str, int]:
    return {
        "login": _add(db, NOW - 4 * HOUR, actor="ana", action="user.login",
                      target_type="user", target_id="ana"),
        "failed": _add(db, NOW - 3 * HOUR, actor="anonymous", actor_type="anonymous",
                       action="user.login_failed", target_type="user", target_id="mallory",
                       address="203.0.113.9"),
        "view": _add(db, NOW - 2 * HOUR, actor="ben", action="run.view", target_id="r9"),
        "retry": _add(db, NOW - HOUR, actor="admin-token", actor_type="admin_token",
                      action="check.retry", target_type="check", target_id="c1",
                      address=None),
    }


def _ids(client: TestClient, auth: dict[str, str], **params: Any) -> list[int]:
    response = client.get("/v1/audit", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return [event["id"] for event in response.json()]


def _exports(db: Engine) -> list[tuple[str, str, str | None]]:
    with session_scope(db) as session:
        return [(e.actor, e.actor_type, e.detail) for e in repo.list_audit(session=session)
                if e.action == "audit.export"]


# -- /v1/audit ----------------------------------------------------------------------


def test_filters_narrow_the_listing(client: TestClient, auth: dict[str, str],
                                    db: Engine) -> None:
    ids = _seed(db)

    assert _ids(client, auth) == [ids["retry"], ids["view"], ids["failed"], ids["login"]]
    assert _ids(client, auth, actor="ben") == [ids["view"]]
    assert _ids(client, auth, actor_type="anonymous") == [ids["failed"]]
    assert _ids(client, auth, action="user.") == [ids["failed"], ids["login"]]
    assert _ids(client, auth, action="user.login") == [ids["login"]]
    assert _ids(client, auth, target_type="user", target_id="mallory") == [ids["failed"]]
    assert _ids(client, auth, since=(NOW - 3 * HOUR).isoformat(),
                until=(NOW - HOUR).isoformat()) == [ids["view"], ids["failed"]]
    # no offset is UTC; an offset is moved to UTC
    naive = (NOW - 2 * HOUR).replace(tzinfo=None).isoformat()
    assert _ids(client, auth, since=naive) == [ids["retry"], ids["view"]]
    assert _ids(client, auth, since=(NOW - 2 * HOUR).astimezone(
        dt.timezone(dt.timedelta(hours=-5))).isoformat()) == [ids["retry"], ids["view"]]

    (event,) = client.get("/v1/audit", headers=auth, params={"actor": "anonymous"}).json()
    assert event == {"id": ids["failed"], "at": (NOW - 3 * HOUR).isoformat().replace(
                         "+00:00", "Z"), "actor": "anonymous", "actor_type": "anonymous",
                     "client_address": "203.0.113.9", "action": "user.login_failed",
                     "target_type": "user", "target_id": "mallory", "detail": None}


def test_limit_and_offset_page_through(client: TestClient, auth: dict[str, str],
                                       db: Engine) -> None:
    ids = [_add(db, NOW - dt.timedelta(minutes=i // 2), target_id=f"r{i}") for i in range(9)]
    everything = _ids(client, auth, limit=100)
    assert sorted(everything) == sorted(ids) and len(everything) == 9
    pages = [_ids(client, auth, limit=4, offset=o) for o in (0, 4, 8, 12)]
    assert pages == [everything[:4], everything[4:8], everything[8:], []]


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-13-01"}, "until"),
    ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
    ({"until": "9999-12-31T23:59:59-01:00"}, "until"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "until"),
    ({"actor": "x" * 81}, "actor"),
    ({"action": "a" * 61}, "action"),
    ({"target_type": "t" * 41}, "target_type"),
    ({"target_id": "i" * 65}, "target_id"),
    ({"actor_type": "robot"}, "actor_type"),
    ({"limit": "0"}, "limit"),
    ({"limit": "1001"}, "limit"),
    ({"offset": "-1"}, "offset"),
    ({"offset": str(10**30)}, "offset"),
])
def test_bad_filters_are_a_422_naming_the_field(
    client: TestClient, auth: dict[str, str], params: dict[str, str], field: str
) -> None:
    for path in ("/v1/audit", "/v1/audit/export.csv"):
        if path.endswith(".csv") and field in ("limit", "offset"):
            continue
        response = client.get(path, headers=auth, params=params)
        assert response.status_code == 422, (path, response.text)
        assert [e["field"] for e in response.json()["detail"]] == [field]


def test_the_calendars_ends_are_filters_like_any_other(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    ids = _seed(db)
    everything = [ids["retry"], ids["view"], ids["failed"], ids["login"]]
    assert _ids(client, auth, since="0001-01-01T00:00:00Z",
                until="9999-12-31T23:59:59Z") == everything
    assert _ids(client, auth, until="0001-01-02T00:00:00") == []
    _login(client, db)
    page = client.get("/admin/audit", params={"since": "0001-01-01", "until": "9999-12-30",
                                               "action": "user."})
    assert page.status_code == 200 and _shown(page.text) == ["boss", "mallory", "ana"]


def test_export_is_csv_with_every_column_and_no_formulas(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    _add(db, NOW - 3 * HOUR, actor="=HYPERLINK(\"http://x\")", actor_type="anonymous",
         action="user.login_failed", target_type="user", target_id="+1-555",
         detail="@SUM(A1:A9)\nsecond line, with a comma")
    _add(db, NOW - 2 * HOUR, actor="ana", action="user.login", target_type="user",
         target_id="-2", detail="\tx", address="2001:db8::1")
    _add(db, NOW - HOUR, actor="ana", action="user.logout", target_type="user",
         target_id="ana", detail="\rcr")
    _add(db, NOW, actor="ben", action="run.view", detail="plain = fine")

    response = client.get("/v1/audit/export.csv", headers=auth, params={"action": "user."})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == COLUMNS
    assert rows[1:] == [
        [(NOW - HOUR).isoformat(), "ana", "person", "10.1.2.3", "user.logout", "user", "ana",
         "'\rcr"],
        [(NOW - 2 * HOUR).isoformat(), "ana", "person", "2001:db8::1", "user.login", "user",
         "'-2", "'\tx"],
        [(NOW - 3 * HOUR).isoformat(), "'=HYPERLINK(\"http://x\")", "anonymous", "10.1.2.3",
         "user.login_failed", "user", "'+1-555", "'@SUM(A1:A9)\nsecond line, with a comma"],
    ]


def test_export_streams_every_matching_event(client: TestClient, auth: dict[str, str],
                                             db: Engine) -> None:
    """More events than one batch, none lost or repeated; the export comes first (it is
    recorded before the first row goes out)."""
    with session_scope(db) as session:
        for i in range(1234):
            event = repo.audit(session=session, actor="ana", action="run.view",
                               target_type="run", target_id=f"r{i}")
            event.at = NOW - dt.timedelta(seconds=i // 7)
    rows = list(csv.reader(io.StringIO(client.get("/v1/audit/export.csv",
                                                  headers=auth).text)))
    assert rows[0] == COLUMNS
    assert rows[1][1:5] == ["admin-token", "admin_token", "testclient", "audit.export"]
    targets = [row[6] for row in rows[2:]]
    assert len(targets) == 1234 and set(targets) == {f"r{i}" for i in range(1234)}


def test_export_is_audited_with_its_filters(client: TestClient, auth: dict[str, str],
                                            db: Engine) -> None:
    since = "2026-01-02T03:04:05+00:00"
    response = client.get("/v1/audit/export.csv", headers=auth,
                          params={"actor": "ana", "action": "user.", "since": since})
    assert response.status_code == 200
    (export,) = _exports(db)
    assert export[:2] == ("admin-token", "admin_token")
    assert json.loads(export[2] or "") == {"actor": "ana", "action": "user.", "since": since}
    # the listing is not an export
    client.get("/v1/audit", headers=auth)
    assert len(_exports(db)) == 1


def test_a_token_without_the_admin_role_is_refused(client: TestClient, db: Engine) -> None:
    _seed(db)
    for roles in ({Role.FRONT_DESK}, {Role.BILLING, Role.REVIEWER}):
        name = "-".join(sorted(role.value for role in roles)).replace("_", "-")
        headers = {"Authorization": f"Bearer {_person(db, name, roles)}"}
        for path in ("/v1/audit", "/v1/audit/export.csv"):
            response = client.get(path, headers=headers)
            assert response.status_code == 403, (path, response.text)
            assert "audit" in response.json()["detail"]
    assert _exports(db) == []
    admin = {"Authorization": f"Bearer {_person(db, 'boss', {Role.ADMIN})}"}
    assert client.get("/v1/audit", headers=admin).status_code == 200
    assert client.get("/v1/audit/export.csv", headers=admin).status_code == 200
    assert [e[:2] for e in _exports(db)] == [("boss", "person")]
    assert client.get("/v1/audit/export.csv").status_code == 401


def test_openapi_documents_the_export(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/v1/audit/export.csv"]["get"]["responses"]["200"]
    assert "text/csv" in ok["content"] and "formula" in ok["description"].lower()
    listing = spec["paths"]["/v1/audit"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"actor", "actor_type", "action", "target_type", "target_id", "since", "until",
            "limit", "offset"} <= params
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"]
    model = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"actor_type", "client_address"} <= set(model["properties"])


# -- the admin page -----------------------------------------------------------------


def _login(client: TestClient, db: Engine, name: str = "boss",
           roles: set[Role] | None = None) -> None:
    _person(db, name, {Role.ADMIN} if roles is None else roles)
    assert login(client, name, PASSWORD).status_code == 303


def _shown(page: str) -> list[str]:
    return re.findall(r'data-testid="audit-target-id">([^<]*)</span>', page)


def _link(page: str, testid: str) -> str | None:
    found = re.search(rf'href="([^"]+)"[^>]*data-testid="{testid}"', page)
    return html.unescape(found.group(1)) if found else None


def test_the_page_lists_filters_and_pages(client: TestClient, db: Engine) -> None:
    _login(client, db)
    for i in range(120):
        _add(db, NOW - dt.timedelta(minutes=i), action="run.view", target_id=f"r{i}")
    _add(db, NOW, action="check.retry", target_type="check", target_id="other")

    first = client.get("/admin/audit", params={"action": "run.", "actor": "ana"})
    assert first.status_code == 200
    assert _shown(first.text) == [f"r{i}" for i in range(50)]
    assert "120 events" in first.text
    assert 'value="run."' in first.text and 'value="ana"' in first.text
    assert _link(first.text, "page-prev") is None
    older = _link(first.text, "page-next")
    assert older == "/admin/audit?actor=ana&action=run.&page=2"

    second = client.get(older)
    assert _shown(second.text) == [f"r{i}" for i in range(50, 100)]
    assert _link(second.text, "page-prev") == "/admin/audit?actor=ana&action=run.&page=1"
    third = client.get(_link(second.text, "page-next") or "")
    assert _shown(third.text) == [f"r{i}" for i in range(100, 120)]
    assert _link(third.text, "page-next") is None

    by_day = client.get("/admin/audit", params={"target_type": "check",
                                                "since": NOW.date().isoformat(),
                                                "until": NOW.date().isoformat()})
    assert _shown(by_day.text) == ["other"]
    assert _link(by_day.text, "audit-download") == (
        f"/admin/audit.csv?target_type=check&since={NOW.date()}&until={NOW.date()}")
    assert _shown(client.get("/admin/audit", params={"until": "2000-01-01"}).text) == []


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "not-a-date"}, "since"),
    ({"until": "2026-02-30"}, "until"),
    ({"until": "9999-12-31"}, "until"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "until"),
    ({"actor": "x" * 81}, "actor"),
    ({"action": "a" * 61}, "action"),
    ({"target_type": "t" * 41}, "target_type"),
    ({"target_id": "i" * 65}, "target_id"),
    ({"actor_type": "robot"}, "actor_type"),
])
def test_a_bad_filter_is_shown_beside_its_field(
    client: TestClient, db: Engine, params: dict[str, str], field: str
) -> None:
    _login(client, db)
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = client.get(path, params=params)
        assert response.status_code == 422, path
        assert response.headers["content-type"].startswith("text/html")
        errors = re.findall(r'data-testid="error-([a-z_]+)"', response.text)
        assert errors == [field]
        assert 'data-testid="audit-table"' not in response.text
    assert _exports(db) == []


def test_a_junk_page_number_is_the_first_page(client: TestClient, db: Engine) -> None:
    _login(client, db)
    for page in ("0", "-3", "x", "9" * 40, "²"):
        response = client.get("/admin/audit", params={"page": page})
        assert response.status_code == 200
        assert 'data-testid="page-number">page 1<' in response.text


def test_the_download_is_csv_and_audited(client: TestClient, db: Engine) -> None:
    _login(client, db)
    _add(db, NOW - HOUR, actor="=cmd", action="user.login_failed", actor_type="anonymous",
         target_type="user", target_id="x")
    _add(db, NOW - HOUR, actor="ana", action="run.view", target_id="r1")

    response = client.get("/admin/audit.csv", params={"actor_type": "anonymous",
                                                      "action": "user.login_failed"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == COLUMNS
    assert [row[1] for row in rows[1:]] == ["'=cmd"]
    (export,) = _exports(db)
    assert export[:2] == ("boss", "person")
    assert json.loads(export[2] or "") == {"actor_type": "anonymous",
                                          "action": "user.login_failed"}
    page = client.get("/admin/audit", params={"action": "audit."}).text
    assert _shown(page) == ["csv"]


def test_the_page_is_for_administrators_only(client: TestClient, db: Engine) -> None:
    assert client.get("/admin/audit", follow_redirects=False).status_code == 303
    _login(client, db, "desk", {Role.FRONT_DESK, Role.REVIEWER, Role.BILLING})
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 403
        assert "audit-table" not in response.text and "Download CSV" not in response.text
    assert 'data-testid="nav-audit"' not in client.get("/").text
    assert _exports(db) == []
    logout(client)
    _login(client, db, "boss")
    assert 'data-testid="nav-audit"' in client.get("/admin/audit").text


# -- append-only --------------------------------------------------------------------


def _served(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves (HEAD follows GET)."""
    found: set[tuple[str, str]] = set()

    def add(route: Any) -> None:
        path = getattr(route, "path", None)
        if isinstance(path, str):
            methods = getattr(route, "methods", None) or {"GET"}
            found.update((m, path) for m in methods if m != "HEAD")

    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for context in contexts() if contexts is not None else [route]:
            add(context)
    # logging out ends the session the other pages use: last
    return sorted(found, key=lambda mp: (mp[1] == "/logout", mp))


def _concrete(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([^}:]+)(:path)?\}", lambda m: ids.get(m.group(1), "999999"), path)


def _rows(db: Engine) -> dict[int, tuple[Any, ...]]:
    """Every audit row as the database returns it, column by column."""
    with db.connect() as conn:
        return {row[0]: tuple(row) for row in
                conn.execute(text("SELECT * FROM audit_events ORDER BY id"))}


def test_no_route_changes_or_removes_an_audit_row(app: FastAPI, client: TestClient,
                                                   auth: dict[str, str], db: Engine) -> None:
    """Every route the app serves, called by the admin token (/v1) or a logged-in
    administrator (pages) with no body, junk JSON and junk forms (with a valid CSRF token),
    with unknown ids and ids that exist (another person's: the caller's own login must
    survive the sweep): every audit row that was there is there, unchanged."""
    _login(client, db)
    _person(db, "victim", {Role.FRONT_DESK})
    _seed(db)
    _add(db, NOW - 9000 * 24 * HOUR, action="ancient.event", detail="older than retention")
    _add(db, NOW, detail="'; DELETE FROM audit_events; --", target_id="' OR 1=1 --")
    before = _rows(db)
    assert len(before) >= 7
    some_id = str(max(before))
    with session_scope(db) as session:
        victim = get_user(session=session, username="victim")
        assert victim is not None and victim.id is not None
        victim_id = str(victim.id)
    hex_ids = dict.fromkeys(("job_id", "run_id", "document_id", "artifact_id"), "0" * 32)
    csrf = page_csrf(client.get("/admin/audit").text)
    junk_query = {"limit": "-1", "since": "junk", "id": some_id, "event_id": some_id}
    routes = _served(app)
    assert ("GET", "/admin/audit.csv") in routes and ("GET", "/v1/audit/export.csv") in routes
    for method, path in routes:
        if path == "/logout":
            assert client.get("/admin/audit").status_code == 200  # still logged in
        for id_value in ("999999", some_id, victim_id):
            ids = {**dict.fromkeys(("pa_id", "account_id", "user_id", "token_id"), id_value),
                   **hex_ids, "path": "index.html"}
            url = _concrete(path, ids)
            headers = auth if path.startswith("/v1/") else {}
            if method == "GET":
                client.get(url, headers=headers, follow_redirects=False)
                client.get(url, headers=headers, params=junk_query, follow_redirects=False)
            else:
                client.request(method, url, headers=headers, follow_redirects=False)
                client.request(method, url, headers=headers, json={"id": some_id, "x": [1]},
                               follow_redirects=False)
                client.request(method, url, headers=headers, follow_redirects=False,
                               data={"csrf": csrf, "id": some_id, "reason": "junk",
                                     "note": "junk", "confirm": "yes"})
    assert len(routes) >= 60

    after = _rows(db)
    assert {i: after.get(i) for i in before} == before
    with db.connect() as conn:
        added = set(conn.execute(text("SELECT action FROM audit_events WHERE id > :last"),
                                 {"last": max(before)}).scalars())
    assert {"audit.export", "user.logout"} <= added  # the sweep reached both ends
