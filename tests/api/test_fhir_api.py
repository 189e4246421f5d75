"""FHIR R4 through the API: a result read with ``Accept: application/fhir+json`` is the
FHIR resource (validated by fhir.resources), audited like any read; no result yet is 409."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from portals.fhir import PAYER_REFERENCE, REVIEW_ACTION
from portals.prior_auth import CertificationAction
from storage.artifacts import ArtifactStore
from storage.db import session_scope
from storage.models import AuditEvent
from tests.api.claims_ui import claims_result, make_claim_search, store_claims
from tests.api.factories import make_check, rich_result, succeed
from tests.api.prior_auth_builders import (
    decision,
    make_pa,
    pa_carriers_fixture,  # noqa: F401
    store_of_fixture,  # noqa: F401
    submitted_pa,
)

BOTH_DATABASES = True
FHIR = {"Accept": "application/fhir+json"}


def _views(db: Engine, job_id: str) -> int:
    with session_scope(db) as session:
        return len(session.exec(select(AuditEvent).where(
            col(AuditEvent.target_id) == job_id,
            col(AuditEvent.action).endswith(".view"))).all())


def test_an_eligibility_result_as_a_coverage_eligibility_response(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    job_id = make_check(db)
    stored = succeed(db, job_id, rich_result())
    response = client.get(f"/v1/eligibility-checks/{job_id}", headers={**auth, **FHIR})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = CoverageEligibilityResponse.model_validate_json(response.text)
    assert resource.id == job_id
    data = response.json()
    assert data["contained"][0]["identifier"][0]["value"] == stored.member.member_id
    assert len(data["insurance"][0]["item"]) == len(stored.benefits)
    assert _views(db, job_id) == 1
    # the usual JSON still answers without the header
    assert client.get(f"/v1/eligibility-checks/{job_id}", headers=auth).json()["id"] == job_id


def test_a_claims_result_as_a_bundle_of_claim_responses(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    job_id = make_claim_search(db)
    store_claims(db, job_id, claims_result([]))
    response = client.get(f"/v1/claim-status-checks/{job_id}",
                          headers={**auth, "Accept": "application/fhir+json, */*;q=0.1"})
    assert response.status_code == 200
    bundle = Bundle.model_validate_json(response.text)
    numbers = [e.resource.identifier[0].value for e in bundle.entry or []]  # type: ignore[union-attr]
    assert numbers == [claim.claim_number for claim in claims_result([]).claims]
    assert _views(db, job_id) == 1


def test_no_result_yet_is_409_and_not_audited(
    client: TestClient, auth: dict[str, str], db: Engine
) -> None:
    job_id = make_check(db)
    response = client.get(f"/v1/eligibility-checks/{job_id}", headers={**auth, **FHIR})
    assert response.status_code == 409
    assert "no result yet" in response.json()["detail"]
    assert _views(db, job_id) == 0


# -- prior authorization -----------------------------------------------------------------


@pytest.mark.usefixtures("pa_carriers")
@pytest.mark.parametrize("action", [CertificationAction.CERTIFIED,
                                    CertificationAction.NOT_CERTIFIED,
                                    CertificationAction.PENDED])
def test_a_prior_authorization_as_a_preauthorization_claim_response(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    action: CertificationAction,
) -> None:
    found = decision(action)
    pa_id = submitted_pa(db, store_of, found=found)
    response = client.get(f"/v1/prior-auths/{pa_id}", headers={**auth, **FHIR})
    assert response.status_code == 200, response.text
    resource = ClaimResponse.model_validate_json(response.text)
    assert resource.use == "preauthorization"
    assert resource.outcome == ("queued" if action is CertificationAction.PENDED
                                else "complete")
    data = response.json()
    assert {"system": PAYER_REFERENCE, "value": "MR-2026-00417"} in data["identifier"]
    for item in data["item"]:
        (review,) = [e for e in item["extension"] if e["url"] == REVIEW_ACTION]
        codes = [x["valueCodeableConcept"]["coding"][0]["code"]
                 for x in review["extension"] if x["url"] == "code"]
        assert codes == [action.value]
    assert data.get("preAuthRef") == found.authorization_number
    assert _views(db, pa_id) == 1


@pytest.mark.usefixtures("pa_carriers")
def test_a_prior_authorization_not_yet_submitted_is_409(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore
) -> None:
    pa_id, _ = make_pa(db, store_of)
    response = client.get(f"/v1/prior-auths/{pa_id}", headers={**auth, **FHIR})
    assert response.status_code == 409
    assert _views(db, pa_id) == 0
