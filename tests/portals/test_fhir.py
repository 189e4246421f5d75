"""FHIR R4 views of results, validated by fhir.resources, over a sample of every sandbox
carrier's truth: each resource says what the normalized result says, and parses back."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

from bench.claims import FULL_FROM, FULL_TO
from bench.sample import sample_members
from fixtures.sandbox import carriers
from portals.fhir import (
    MEMBER_ID,
    REVIEW_ACTION,
    claim_responses,
    coverage_eligibility_response,
    prior_auth_response,
)
from portals.prior_auth import CertificationAction, PriorAuthRequest
from tests.api.prior_auth_builders import decision, pa_body

CREATED = dt.datetime(2026, 11, 27, 7, 30, tzinfo=dt.UTC)
CARRIERS = ["cascade", "meridian", "northwind", "summit"]


def population(truth: carriers.SandboxCarrier, kind: str, everyone: bool
               ) -> list[dict[str, str]]:
    """Every member of the sandbox (``make bench``), or a varied sample (``make test``)."""
    return truth.members() if everyone else sample_members(truth, kind)


EVERYONE = [pytest.param(False, id="sample"),
            pytest.param(True, id="every-member", marks=pytest.mark.bench)]


@pytest.mark.parametrize("everyone", EVERYONE)
@pytest.mark.parametrize("carrier", CARRIERS)
def test_eligibility_results_are_valid_coverage_eligibility_responses(
        carrier: str, everyone: bool) -> None:
    truth = carriers.get(carrier)
    for member in population(truth, "eligibility", everyone):
        result = truth.expected(member["member_id"])
        resource = coverage_eligibility_response(result, job_id="job-1", created=CREATED)
        # it parses back from its JSON (the validation is fhir.resources')
        data = json.loads(resource.model_dump_json())
        again = CoverageEligibilityResponse.model_validate(data)
        assert data["resourceType"] == "CoverageEligibilityResponse"
        assert data["purpose"] == ["benefits"] and data["outcome"] == "complete"
        patient, coverage = data["contained"]
        assert patient["identifier"] == [{"system": MEMBER_ID,
                                          "value": result.member.member_id}]
        assert patient["birthDate"] == result.member.date_of_birth.isoformat()
        assert coverage["status"] == ("active" if result.is_active else "cancelled")
        (insurance,) = data["insurance"]
        assert insurance["inforce"] is result.is_active
        assert len(insurance.get("item", [])) == len(result.benefits)
        assert again.insurer.display == carrier  # type: ignore[union-attr]
        # every money amount of the result is in the resource, on its line
        for line, item in zip(result.benefits, insurance.get("item", []), strict=True):
            assert item["category"]["coding"][0]["code"] == line.service_type.value
            if line.amount is not None:
                (benefit,) = item["benefit"]
                money = benefit.get("allowedMoney") or benefit.get("usedMoney")
                assert Decimal(str(money["value"])) == line.amount


@pytest.mark.parametrize("everyone", EVERYONE)
@pytest.mark.parametrize("carrier", CARRIERS)
def test_claim_results_are_a_bundle_of_valid_claim_responses(carrier: str,
                                                             everyone: bool) -> None:
    truth = carriers.get(carrier)
    compared = 0
    for member in population(truth, "claim_status", everyone):
        result = truth.expected_claims(member["member_id"], service_from=FULL_FROM,
                                       service_to=FULL_TO)
        bundle = claim_responses(result, job_id="job-2", created=CREATED)
        data = json.loads(bundle.model_dump_json())
        Bundle.model_validate(data)
        assert data["type"] == "collection"
        assert len(data.get("entry", [])) == len(result.claims)
        for claim, entry in zip(result.claims, data.get("entry", []), strict=True):
            response = entry["resource"]
            ClaimResponse.model_validate(response)
            assert response["use"] == "claim"
            assert response["identifier"][0]["value"] == claim.claim_number
            assert response["contained"][0]["identifier"][0]["value"] == \
                claim.patient.member_id
            totals = {t["category"]["coding"][0]["code"]: Decimal(str(t["amount"]["value"]))
                      for t in response["total"]}
            assert totals["submitted"] == claim.billed and totals["benefit"] == claim.paid
            assert [i["itemSequence"] for i in response["item"]] == \
                [line.line_number for line in claim.lines]
            if claim.payments:
                paid = sum((p.amount for p in claim.payments), Decimal(0))
                assert Decimal(str(response["payment"]["amount"]["value"])) == paid
            assert response["outcome"] == ("complete" if claim.status.category.value
                                           .startswith("F") else "queued")
            compared += 1
    assert compared > 0


@pytest.mark.parametrize("action", list(CertificationAction))
def test_every_prior_authorization_decision_is_a_valid_preauthorization_response(
        action: CertificationAction) -> None:
    request = PriorAuthRequest.model_validate({
        **pa_body(services=[{"procedure_code": "72148", "modifiers": [], "units": 1},
                            {"procedure_code": "97110", "modifiers": ["GP"], "units": 12}]),
        "tracking_ref": "PA-0123456789", "documents": []})
    for found in (decision(action), None):
        resource = prior_auth_response(request, pa_id="a" * 32, reference_number="MR-0001",
                                       decision=found, created=CREATED)
        data = json.loads(resource.model_dump_json())
        ClaimResponse.model_validate(data)
        assert data["use"] == "preauthorization"
        assert [item["itemSequence"] for item in data["item"]] == [1, 2]
        if found is None:
            assert data["outcome"] == "queued"
            continue
        assert data["outcome"] == ("queued" if not action.decided else "complete")
        codes = {x["valueCodeableConcept"]["coding"][0]["code"]
                 for item in data["item"] for e in item.get("extension", [])
                 if e["url"] == REVIEW_ACTION for x in e["extension"] if x["url"] == "code"}
        assert codes == {action.value}
