"""Every /v1 route answers 401 without the admin bearer token or with a wrong one."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI, routing
from fastapi.testclient import TestClient


def v1_endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route under /v1, path parameters filled in.

    FastAPI >= 0.16x keeps included routers nested in ``app.routes``;
    ``iter_route_contexts`` flattens them (older versions list the routes flat)."""
    flatten = getattr(routing, "iter_route_contexts", lambda routes: routes)
    found = []
    for route in flatten(app.routes):
        path = getattr(route, "path", None) or ""
        if path.startswith("/v1"):
            filled = re.sub(r"\{[^}]+\}", "1", path)
            found += [(method, filled) for method in sorted(route.methods or ())]
    return found


def test_the_api_has_the_expected_routes(app: FastAPI) -> None:
    endpoints = set(v1_endpoints(app))
    assert {
        ("GET", "/v1/health"),
        ("POST", "/v1/eligibility-checks"),
        ("GET", "/v1/eligibility-checks"),
        ("GET", "/v1/eligibility-checks/1"),
        ("POST", "/v1/eligibility-checks/1/retry"),
        ("GET", "/v1/runs"),
        ("GET", "/v1/runs/1"),
        ("POST", "/v1/runs/1/resolve"),
        ("GET", "/v1/runs/1/artifacts/1"),
        ("GET", "/v1/accounts"),
        ("POST", "/v1/accounts/1/clear-flag"),
        ("GET", "/v1/audit"),
    } <= endpoints


@pytest.mark.parametrize("authorization", [
    None,
    "Bearer wrong-token",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "{token}",          # the right token without the Bearer scheme
    "Bearer {token}x",  # the right token with one more character
])
def test_every_v1_route_refuses_without_the_right_token(
    app: FastAPI, client: TestClient, auth: dict[str, str], authorization: str | None
) -> None:
    token = auth["Authorization"].removeprefix("Bearer ")
    headers = {} if authorization is None else {
        "Authorization": authorization.format(token=token)}
    endpoints = v1_endpoints(app)
    assert len(endpoints) >= 12
    for method, path in endpoints:
        response = client.request(method, path, headers=headers, json={"note": "x"})
        assert response.status_code == 401, (method, path, response.status_code)
        # the inbox authenticates gateways by signature, every other route by bearer token
        scheme = "Signature" if path.startswith("/v1/inbox/") else "Bearer"
        assert response.headers["www-authenticate"].split(" ")[0] == scheme


def test_health_with_the_token(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/v1/health", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["redis"] == "ok"
    assert "meridian" in body["carriers"]


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/v1/eligibility-checks" in schema["paths"]
    assert not any(path.startswith(("/login", "/checks", "/ui")) for path in schema["paths"])
