"""Bad input is a 4xx on every route, before a route or the database sees it: NUL bytes
(PostgreSQL refuses them in text), ids out of a column's range, control characters or
huge headers, JSON nested deep enough to exhaust the parser, the wrong content type."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st
from pydantic import SecretStr

from api.app import create_app
from api.middleware import MAX_JSON_DEPTH, json_depth, nul_at
from portals.inbox import signed_headers
from portals.settings import Settings

BOTH_DATABASES = True

CHECKS = "/v1/eligibility-checks"


@pytest.mark.parametrize("account_id", [0, -1, 2**31, 2**63, 10**30])
def test_an_account_id_out_of_the_columns_range_is_422(client: TestClient,
                                                       auth: dict[str, str],
                                                       account_id: int) -> None:
    response = client.post(f"/v1/accounts/{account_id}/clear-flag", headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "account_id"


def test_the_largest_account_id_is_looked_up(client: TestClient,
                                             auth: dict[str, str]) -> None:
    assert client.post(f"/v1/accounts/{2**31 - 1}/clear-flag",
                       headers=auth).status_code == 404


@pytest.mark.parametrize("path", [f"{CHECKS}/ab%00cd", "/v1/runs/%00", "/v1/prior-auths/x%00",
                                  "/v1/audit%00", "/login%00"])
def test_a_nul_in_the_path_is_404(client: TestClient, auth: dict[str, str],
                                  path: str) -> None:
    assert client.get(path, headers=auth).status_code == 404


@pytest.mark.parametrize("url", ["/v1/accounts?carrier=meri%00dian",
                                 f"{CHECKS}?status=failed%00", "/v1/runs?job_id=%00"])
def test_a_nul_in_the_query_is_422(client: TestClient, auth: dict[str, str],
                                   url: str) -> None:
    response = client.get(url, headers=auth)
    assert response.status_code == 422
    assert "\x00" not in response.text


@pytest.mark.parametrize("body", [
    {"carrier": "meridian\x00"},
    {"carrier": "meridian", "extra\x00": 1},
    {"carrier": "meridian", "service_codes": ["99213", "992\x0013"]},
])
def test_a_nul_anywhere_in_a_json_body_is_422_naming_where(
        client: TestClient, auth: dict[str, str], body: dict[str, object]) -> None:
    response = client.post(CHECKS, json=body, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert response.json()["detail"][0]["type"] == "nul_byte"
    assert "\x00" not in response.text


def test_a_lone_surrogate_in_a_json_body_is_422(client: TestClient,
                                               auth: dict[str, str]) -> None:
    body = b'{"carrier": "meridian", "member_id": "MER\\ud800100"}'
    response = client.post(CHECKS, content=body,
                           headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "member_id"]
    resolve = client.post("/v1/prior-auths/x/resolve",
                          headers={**auth, "Content-Type": "application/json"},
                          content=b'{"resolution": "close", "note": "\\udfff"}')
    assert resolve.status_code == 422
    assert resolve.json()["detail"][0]["loc"] == ["body", "note"]


def test_a_body_without_a_content_type_is_checked_as_json_as_fastapi_reads_it(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(CHECKS, content=b'{"carrier": "meri\\u0000dian"}', headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "carrier"]
    assert client.post(CHECKS, content=b"not json", headers=auth).status_code in (400, 422)


def test_a_nul_in_a_json_body_is_refused_before_the_token_is_looked_at(
        client: TestClient) -> None:
    assert client.post("/v1/inbox/codes", json={"text": "code 123456\x00"}).status_code == 422


@pytest.mark.parametrize("url", [CHECKS, "/v1/inbox/codes", "/v1/prior-auths/x/resolve"])
def test_absurd_json_nesting_is_422_not_a_recursion_error(client: TestClient,
                                                          auth: dict[str, str],
                                                          url: str) -> None:
    deep = "[" * 30_000 + "]" * 30_000
    response = client.post(url, content=deep, headers={**auth,
                                                       "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_depth"


def test_nesting_within_the_limit_reaches_the_route(client: TestClient,
                                                    auth: dict[str, str]) -> None:
    response = client.post(CHECKS, content='{"a": ' + "[" * 10 + "]" * 10 + "}",
                           headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] != "json_depth"


@pytest.mark.parametrize("headers", [
    {"X-Anything": "a\x01b"},
    {"X-Anything": "a" * 9000},
    {f"X-Many-{i}": "a" * 4000 for i in range(10)},
])
def test_control_characters_or_huge_headers_are_400(client: TestClient,
                                                    auth: dict[str, str],
                                                    headers: dict[str, str]) -> None:
    assert client.get(CHECKS, headers={**auth, **headers}).status_code == 400
    assert client.get("/v1/health", headers=headers).status_code == 400


def test_a_non_ascii_token_is_401(client: TestClient) -> None:
    response = client.get(CHECKS, headers={"Authorization": "Bearer t\u00f6ken".encode()})
    assert response.status_code == 401


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "application/x-www-form-urlencoded"])
def test_the_wrong_content_type_is_4xx(client: TestClient, auth: dict[str, str],
                                       content_type: str) -> None:
    response = client.post(CHECKS, content=b"carrier=meridian",
                           headers={**auth, "Content-Type": content_type})
    assert 400 <= response.status_code < 500


def test_a_nul_in_a_form_is_422(client: TestClient) -> None:
    response = client.post("/login", content=b"username=a%00b&password=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 422


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[[\\"[[["}') == 1
    assert json_depth(b"[" * (MAX_JSON_DEPTH + 1)) == MAX_JSON_DEPTH + 1


def test_nul_at_names_the_place() -> None:
    assert nul_at({"a": [1, {"b": "x\x00"}]}) == ("a", 1, "b")
    assert nul_at({"a": {"k\x00": 1}}) == ("a",)
    assert nul_at({"a": ["fine"]}) is None
    assert nul_at({"a": ["fine", "\udc80"]}) == ("a", 1)


# -- the inbox, signed: what Schemathesis cannot reach without the secret ---------------

INBOX_SECRET = "inbox-secret-for-bad-input-" + "x" * 8
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                     | st.text(max_size=30),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                     max_leaves=12)
_VALID = {"message_id": "m-12345678", "carrier": "northwind", "channel": "sms",
          "recipient": "+1-555-0142-0000", "text": "Your code is 482913.",
          "sent_at": "2026-01-01T00:00:00Z"}
_odd_text = st.text(max_size=300) | st.text(st.characters(min_codepoint=0xD800,
                                                          max_codepoint=0xDFFF), max_size=3)
"""Any text, lone surrogates too (JSON can carry them; PostgreSQL cannot store them)."""
_messages = st.builds(lambda key, value: {**_VALID, key: value},
                      st.sampled_from([*_VALID, "extra"]), _odd_text | _json)
"""A valid message with one field replaced: each check past the signature is reached."""


@pytest.fixture
def inbox_client(settings: Settings, backend_url: str, redis_url: str) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={
        "database_url": backend_url, "redis_url": redis_url,
        "inbox_secret": SecretStr(INBOX_SECRET)}))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_signed_inbox_messages_of_any_shape_are_never_a_server_error(
        inbox_client: TestClient) -> None:
    @given(body=_messages | _json)
    @settings_(max_examples=50, deadline=None, database=None, derandomize=True,
               suppress_health_check=list(HealthCheck))
    def post(body: Any) -> None:
        raw = json.dumps(body).encode()
        headers = signed_headers(raw, INBOX_SECRET, int(time.time()))
        response = inbox_client.post("/v1/inbox/codes", content=raw, headers=headers)
        assert response.status_code in (202, 409, 422), (body, response.text)

    post()
