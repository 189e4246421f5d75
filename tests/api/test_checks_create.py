"""POST /v1/eligibility-checks: validation (422 naming the field, nothing stored or
queued), acceptance (stored, then enqueued on real Redis), and Idempotency-Key."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from storage import repo
from storage.db import session_scope
from tests.api.conftest import QueueProbe, count_checks
from tests.api.factories import good_body

BOTH_DATABASES = True

URL = "/v1/eligibility-checks"
# two days on: still in the future when a run crosses midnight after collecting
TOMORROW = (dt.date.today() + dt.timedelta(days=2)).isoformat()


def _without(field: str) -> dict[str, Any]:
    body = good_body()
    del body[field]
    return body


BAD_BODIES: list[tuple[str, Any, str]] = [
    # (case id, body, the field the 422 must name)
    ("unknown carrier", good_body(carrier="acme"), "carrier"),
    ("carrier case", good_body(carrier="Meridian"), "carrier"),
    ("carrier missing", _without("carrier"), "carrier"),
    ("member_id missing", _without("member_id"), "member_id"),
    ("date_of_birth missing", _without("date_of_birth"), "date_of_birth"),
    ("last_name missing", _without("last_name"), "last_name"),
    ("impossible date", good_body(date_of_birth="2026-02-30"), "date_of_birth"),
    ("month 13", good_body(date_of_birth="1980-13-01"), "date_of_birth"),
    ("birth in the future", good_body(date_of_birth=TOMORROW), "date_of_birth"),
    ("birth before 1900", good_body(date_of_birth="1899-12-31"), "date_of_birth"),
    ("US date format", good_body(date_of_birth="04/02/1980"), "date_of_birth"),
    ("timestamp as date", good_body(date_of_birth="1980-04-02T00:00:00"), "date_of_birth"),
    ("number as date", good_body(date_of_birth=323481600), "date_of_birth"),
    ("impossible service date", good_body(service_date="2025-02-29"), "service_date"),
    ("service date far ahead", good_body(service_date="2099-01-01"), "service_date"),
    ("member_id 31 chars", good_body(member_id="A" * 31), "member_id"),
    ("member_id too short", good_body(member_id="AB"), "member_id"),
    ("member_id with markup", good_body(member_id="MER<script>"), "member_id"),
    ("member_id with space", good_body(member_id="MER 100"), "member_id"),
    ("member_id with quote", good_body(member_id="MER'100"), "member_id"),
    ("member_id as number", good_body(member_id=100200300), "member_id"),
    ("last_name 61 chars", good_body(last_name="R" * 61), "last_name"),
    ("last_name empty", good_body(last_name="   "), "last_name"),
    ("last_name with symbols", good_body(last_name="Rivera'); DROP TABLE x;--"), "last_name"),
    ("last_name control char", good_body(last_name="Riv\u0000era"), "last_name"),
    ("first_name 61 chars", good_body(first_name="A" * 61), "first_name"),
    ("first_name digits", good_body(first_name="Ana2"), "first_name"),
    ("51 service codes", good_body(service_codes=[f"{99000 + i}" for i in range(51)]),
     "service_codes"),
    ("lowercase code", good_body(service_codes=["99213", "j1100"]), "service_codes"),
    ("code too long", good_body(service_codes=["99213000"]), "service_codes"),
    ("codes as a string", good_body(service_codes="99213,70551"), "service_codes"),
    ("unknown extra field", good_body(ssn="123-45-6789"), "ssn"),
    ("body not an object", ["meridian"], "body"),
]


def _fields(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["detail"]}


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe,
    case: str, body: Any, field: str,
) -> None:
    response = client.post(URL, headers=auth, json=body)

    assert response.status_code == 422, response.text
    assert field in _fields(response), response.json()
    assert count_checks(db) == 0
    assert queue.check_ids() == []


def test_unknown_carrier_lists_the_known_ones(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(URL, headers=auth, json=good_body(carrier="acme"))
    (error,) = [e for e in response.json()["detail"] if e["field"] == "carrier"]
    assert "acme" in error["msg"] and "meridian" in error["msg"]


def test_malformed_json_is_refused(client: TestClient, auth: dict[str, str], db: Engine,
                                   queue: QueueProbe) -> None:
    response = client.post(URL, headers={**auth, "Content-Type": "application/json"},
                           content=b'{"carrier": "meridian", "member_id": ')
    assert response.status_code == 422
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_a_one_megabyte_body_is_refused(client: TestClient, auth: dict[str, str], db: Engine,
                                        queue: QueueProbe) -> None:
    response = client.post(URL, headers=auth, json=good_body(member_id="A" * 1_000_000))
    assert response.status_code in (413, 422)
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_a_chunked_body_over_the_limit_is_refused(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    def chunks() -> Any:
        yield b'{"carrier": "meridian", "member_id": "'
        for _ in range(100):
            yield b"A" * 10_000
        yield b'"}'

    response = client.post(URL, headers={**auth, "Content-Type": "application/json"},
                           content=chunks())
    assert response.status_code == 413
    assert count_checks(db) == 0


@pytest.mark.parametrize("key", ["k" * 201, "", "two words", "caf\u00e9"])
def test_a_bad_idempotency_key_is_refused(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe, key: str
) -> None:
    headers: dict[str, Any] = {**auth, "Idempotency-Key": key.encode()}
    response = client.post(URL, headers=headers, json=good_body())
    assert response.status_code == 422
    assert "Idempotency-Key" in _fields(response)
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_a_good_request_is_stored_then_enqueued(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe
) -> None:
    response = client.post(URL, headers=auth, json=good_body(member_id=" MER100200 "))

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert response.headers["location"] == f"{URL}/{body['id']}"
    with session_scope(db) as session:
        check = repo.get_job(session=session, job_id=body["id"])
        assert check is not None
        assert (check.carrier, check.member_id, check.last_name) == ("meridian", "MER100200",
                                                                     "Rivera")
        assert check.date_of_birth == dt.date(1980, 4, 2)
        assert repo.job_request(check).service_codes == ["99213", "70551"]
        assert check.origin == "api"
    assert queue.check_ids() == [body["id"]]
    assert queue.pending() == 1


def test_minimal_request(client: TestClient, auth: dict[str, str], queue: QueueProbe) -> None:
    body = {"carrier": "meridian", "member_id": "MER-1", "date_of_birth": "1900-01-01",
            "last_name": "O'Brien-Smith"}
    response = client.post(URL, headers=auth, json=body)
    assert response.status_code == 202, response.text
    assert queue.check_ids() == [response.json()["id"]]


def test_same_key_same_body_returns_the_same_check_once(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe
) -> None:
    headers = {**auth, "Idempotency-Key": "order-7731-ana"}

    first = client.post(URL, headers=headers, json=good_body())
    second = client.post(URL, headers=headers, json=good_body(last_name=" Rivera "))

    assert first.status_code == 202 and second.status_code in (200, 202)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert count_checks(db) == 1
    assert queue.check_ids() == [first.json()["id"]]


def test_same_key_other_body_is_refused(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe
) -> None:
    headers = {**auth, "Idempotency-Key": "order-7731-ana"}
    first = client.post(URL, headers=headers, json=good_body())

    other = client.post(URL, headers=headers, json=good_body(member_id="MER999999"))

    assert other.status_code == 422
    assert "Idempotency-Key" in _fields(other)
    assert count_checks(db) == 1
    assert queue.check_ids() == [first.json()["id"]]


def test_without_a_key_each_request_is_a_new_check(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe
) -> None:
    ids = {client.post(URL, headers=auth, json=good_body()).json()["id"] for _ in range(2)}
    assert len(ids) == 2 and count_checks(db) == 2
    assert queue.check_ids() == sorted(ids)
