"""/v1/claim-status-checks: validation (422 naming the field, nothing stored or queued),
a carrier lacking the capability refused with its name and the capability's, acceptance
and Idempotency-Key, reading (404 across kinds, junk ids), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from bots.base import CarrierBot
from bots.registry import registry
from portals.jobs import Capability
from storage import repo
from storage.db import session_scope
from tests.api.conftest import QueueProbe, count_checks
from tests.api.factories import good_body

BOTH_DATABASES = True

URL = "/v1/claim-status-checks"
# two days on: still in the future when a run crosses midnight after collecting
TOMORROW = (dt.date.today() + dt.timedelta(days=2)).isoformat()
NEXT_WEEK = (dt.date.today() + dt.timedelta(days=7)).isoformat()


def claim_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"carrier": "meridian", "member_id": "MER100200",
                            "date_of_birth": "1980-04-02", "last_name": "Rivera",
                            "service_from": "2025-06-01", "service_to": "2025-12-31"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown carrier", claim_body(carrier="acme"), "carrier"),
    ("no way to search", claim_body(service_from=None, service_to=None), "service_from"),
    ("range without an end", claim_body(service_to=None), "service_to"),
    ("both ways", claim_body(claim_number="MH2512300001"), "service_from"),
    ("end before start", claim_body(service_from="2025-06-01", service_to="2025-05-01"),
     "service_to"),
    ("range over two years", claim_body(service_from="2023-01-01", service_to="2025-06-01"),
     "service_to"),
    ("service in the future", claim_body(service_to=NEXT_WEEK), "service_to"),
    ("impossible date", claim_body(service_from="2025-02-29"), "service_from"),
    ("claim number with markup", claim_body(service_from=None, service_to=None,
                                            claim_number="MH<script>"), "claim_number"),
    ("claim number too short", claim_body(service_from=None, service_to=None,
                                          claim_number="MH1"), "claim_number"),
    ("member_id with NUL", claim_body(member_id="MER\u0000100"), "member_id"),
    ("last_name missing", claim_body(last_name=None), "last_name"),
    ("birth in the future", claim_body(date_of_birth=TOMORROW), "date_of_birth"),
    ("an eligibility field", claim_body(service_codes=["99213"]), "service_codes"),
]


@pytest.mark.parametrize(("body", "field"), [(b, f) for _, b, f in BAD_BODIES],
                         ids=[case for case, _, _ in BAD_BODIES])
def test_bad_body_is_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe,
    body: dict[str, Any], field: str,
) -> None:
    response = client.post(URL, json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["detail"]}
    assert count_checks(db) == 0
    assert queue.pending() == 0


class _EligibilityOnly(CarrierBot):
    name: ClassVar[str] = "alphatest"
    display_name: ClassVar[str] = "Alpha Test Health"
    capabilities = frozenset({Capability.ELIGIBILITY})

    def check_eligibility(self, page: Any, ctx: Any, request: Any) -> Any:
        raise NotImplementedError


@pytest.fixture
def eligibility_only_carrier() -> Iterator[str]:
    registry.load()
    registry._bots[_EligibilityOnly.name] = _EligibilityOnly
    yield _EligibilityOnly.name
    registry._bots.pop(_EligibilityOnly.name, None)


def test_a_carrier_without_claims_is_refused_naming_carrier_and_capability(
    client: TestClient, auth: dict[str, str], db: Engine, eligibility_only_carrier: str
) -> None:
    response = client.post(URL, json=claim_body(carrier=eligibility_only_carrier),
                           headers=auth)
    assert response.status_code == 422
    [error] = [e for e in response.json()["detail"] if e["field"] == "carrier"]
    assert eligibility_only_carrier in error["msg"] and "claims" in error["msg"]
    assert count_checks(db) == 0
    # while the same carrier still takes eligibility checks
    accepted = client.post("/v1/eligibility-checks",
                           json=good_body(carrier=eligibility_only_carrier), headers=auth)
    assert accepted.status_code == 202


def test_a_search_is_stored_as_a_claim_status_job_and_queued(
    client: TestClient, auth: dict[str, str], db: Engine, queue: QueueProbe
) -> None:
    response = client.post(URL, json=claim_body(first_name="Ana"), headers=auth)
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.headers["Location"] == f"{URL}/{job_id}"
    assert queue.check_ids() == [job_id]
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None and job.kind == "claim_status"
        request = repo.job_request(job)
    assert request.service_from == dt.date(2025, 6, 1) and request.claim_number is None
    body = client.get(f"{URL}/{job_id}", headers=auth).json()
    assert body["kind"] == "claim_status" and body["status"] == "queued"
    assert body["service_to"] == "2025-12-31" and body["result"] is None
    # a claim job is not an eligibility check, and the lists keep them apart
    assert client.get(f"/v1/eligibility-checks/{job_id}", headers=auth).status_code == 404
    assert [i["id"] for i in client.get(URL, headers=auth).json()["items"]] == [job_id]
    assert client.get("/v1/eligibility-checks", headers=auth).json()["items"] == []


def test_by_claim_number_and_idempotency(client: TestClient, auth: dict[str, str],
                                         db: Engine) -> None:
    body = claim_body(service_from=None, service_to=None, claim_number="MH2512300001")
    headers = {**auth, "Idempotency-Key": "claims-1"}
    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(URL, json={**body, "claim_number": "MH2512300002"}, headers=headers)
    assert other.status_code == 422
    assert count_checks(db) == 1


@pytest.mark.parametrize("job_id", ["nope", "a" * 300, "%00", "1%00", "..%2F..%2Fetc"])
def test_junk_ids_are_404(client: TestClient, auth: dict[str, str], job_id: str) -> None:
    for path in (f"{URL}/{job_id}", f"{URL}/{job_id}/documents/x"):
        assert client.get(path, headers=auth).status_code == 404
    assert client.post(f"{URL}/{job_id}/retry", headers=auth).status_code == 404


def test_routes_need_the_token(client: TestClient) -> None:
    assert client.post(URL, json=claim_body()).status_code == 401
    assert client.get(URL).status_code == 401
