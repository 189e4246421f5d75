"""FHIR R4 views of stored results, built and validated with ``fhir.resources`` (its R4B
models, whose CoverageEligibilityResponse, ClaimResponse, Patient and Coverage are R4's).

- An eligibility result is a ``CoverageEligibilityResponse``: the member and their coverage
  as contained ``Patient`` and ``Coverage``, each 271 benefit line an insurance item
  (X12 service type, network, unit, period; money, percent or quantity; whether it needs
  an authorization).
- A claim-status result is a ``Bundle`` (collection) of ``ClaimResponse`` (use ``claim``),
  one per claim, with line and total adjudications (submitted, eligible, benefit, the
  835 adjustments by group and reason) and the payment.
- A submitted prior authorization is a ``ClaimResponse`` (use ``preauthorization``) with
  the payer's reference and, per service, the 278 review action.

Codes the X12 transactions carry (service type, EB01, CARC) keep their X12 code system
URIs, so a receiver can map them back. Built from the normalized result only: no portal
session, secret or internal note goes into a resource.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

from portals.claims import Claim, ClaimResult
from portals.model import (
    BenefitLine,
    CoverageLevel,
    EligibilityResult,
    Network,
    Patient,
    Person,
    TimePeriod,
)
from portals.prior_auth import PriorAuthDecision, PriorAuthRequest

FHIR_JSON = "application/fhir+json"
X12_SERVICE_TYPE = "https://x12.org/codes/service-type-codes"
X12_BENEFIT_KIND = "https://x12.org/codes/eligibility-or-benefit-information-codes"
X12_CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
X12_ADJUSTMENT_GROUP = "https://x12.org/codes/claim-adjustment-group-codes"
X12_CLAIM_STATUS_CATEGORY = "https://x12.org/codes/claim-status-category-codes"
MEMBER_ID = "urn:portals:member-id"
JOB_ID = "urn:portals:job-id"
CLAIM_NUMBER = "urn:portals:payer-claim-number"
_TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"


def _money(amount: Decimal) -> dict[str, Any]:
    return {"value": float(amount), "currency": "USD"}


def _instant(value: dt.datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.isoformat()


def _patient(person: Person | Patient, resource_id: str = "patient") -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient", "id": resource_id,
        "identifier": [{"system": MEMBER_ID, "value": person.member_id}],
        "name": [{"family": person.last_name, "given": [person.first_name]}],
        "birthDate": person.date_of_birth.isoformat(),
    }
    gender = getattr(person, "gender", None)
    if gender is not None:
        patient["gender"] = {"M": "male", "F": "female", "U": "unknown"}.get(
            str(gender.value), "unknown")
    return patient


def _insurer(carrier: str) -> dict[str, Any]:
    return {"display": carrier}


# -- eligibility ------------------------------------------------------------------------

_UNIT = {CoverageLevel.INDIVIDUAL: "individual", CoverageLevel.EMPLOYEE_ONLY: "individual",
         CoverageLevel.FAMILY: "family"}
_TERM = {TimePeriod.CALENDAR_YEAR: "annual", TimePeriod.SERVICE_YEAR: "annual",
         TimePeriod.YEAR_TO_DATE: "annual", TimePeriod.LIFETIME: "lifetime",
         TimePeriod.LIFETIME_REMAINING: "lifetime", TimePeriod.VISIT: "visit"}
_BENEFIT_TYPE = {"A": "copay-percent", "B": "copay-maximum", "C": "deductible",
                 "G": "benefit", "F": "visit"}


def _item(line: BenefitLine) -> dict[str, Any]:
    item: dict[str, Any] = {
        "category": {"coding": [{"system": X12_SERVICE_TYPE,
                                 "code": line.service_type.value}]},
        "excluded": line.kind.value == "I",
    }
    if line.network is not Network.NOT_APPLICABLE:
        item["network"] = {"coding": [{"system": f"{_TERMINOLOGY}/benefit-network",
                                       "code": "in" if line.network is Network.IN else "out"}]}
    if line.coverage_level in _UNIT:
        item["unit"] = {"coding": [{"system": f"{_TERMINOLOGY}/benefit-unit",
                                    "code": _UNIT[line.coverage_level]}]}
    if line.time_period in _TERM:
        item["term"] = {"coding": [{"system": f"{_TERMINOLOGY}/benefit-term",
                                    "code": _TERM[line.time_period]}]}
    if line.procedure_code:
        item["productOrService"] = {"coding": [{"code": line.procedure_code}]}
    if line.authorization_required is not None:
        item["authorizationRequired"] = line.authorization_required
    if line.description:
        item["description"] = line.description
    benefit: dict[str, Any] = {"type": {"coding": [
        {"system": X12_BENEFIT_KIND, "code": line.kind.value},
        *([{"system": f"{_TERMINOLOGY}/benefit-type",
            "code": _BENEFIT_TYPE[line.kind.value]}] if line.kind.value in _BENEFIT_TYPE
          else [])]}}
    remaining = line.time_period in (TimePeriod.REMAINING, TimePeriod.LIFETIME_REMAINING)
    if line.amount is not None:
        benefit["allowedMoney" if not remaining else "usedMoney"] = _money(line.amount)
    elif line.percent is not None:
        benefit["allowedString"] = f"{line.percent * 100:g}%"
    elif line.quantity is not None:
        benefit["allowedUnsignedInt"] = int(line.quantity)
    if len(benefit) > 1:
        item["benefit"] = [benefit]
    return item


def coverage_eligibility_response(result: EligibilityResult, *, job_id: str,
                                  created: dt.datetime) -> CoverageEligibilityResponse:
    """The FHIR view of one stored eligibility result (validated on construction)."""
    coverage: dict[str, Any] = {
        "resourceType": "Coverage", "id": "coverage",
        "status": "active" if result.is_active else "cancelled",
        "beneficiary": {"reference": "#patient"},
        "subscriberId": result.subscriber.member_id,
        "relationship": {"coding": [{"system": f"{_TERMINOLOGY}/subscriber-relationship",
                                     "code": "self" if result.member.relationship.value == "18"
                                     else "other"}]},
        "payor": [_insurer(result.carrier)],
        "period": {"start": result.coverage.effective_date.isoformat(),
                   **({"end": result.coverage.termination_date.isoformat()}
                      if result.coverage.termination_date else {})},
        "class": [{"type": {"coding": [{"system": f"{_TERMINOLOGY}/coverage-class",
                                        "code": "plan"}]},
                   "value": result.plan.name},
                  *([{"type": {"coding": [{"system": f"{_TERMINOLOGY}/coverage-class",
                                           "code": "group"}]},
                      "value": result.plan.group_number,
                      **({"name": result.plan.group_name} if result.plan.group_name else {})}]
                    if result.plan.group_number else [])],
    }
    return CoverageEligibilityResponse.model_validate({
        "resourceType": "CoverageEligibilityResponse",
        "id": job_id,
        "contained": [_patient(result.member), coverage],
        "identifier": [{"system": JOB_ID, "value": job_id}],
        "status": "active",
        "purpose": ["benefits"],
        "patient": {"reference": "#patient"},
        "created": _instant(created),
        "request": {"identifier": {"system": JOB_ID, "value": job_id}},
        "outcome": "complete",
        "insurer": _insurer(result.carrier),
        "insurance": [{
            "coverage": {"reference": "#coverage"},
            "inforce": result.is_active,
            "benefitPeriod": coverage["period"],
            "item": [_item(line) for line in result.benefits],
        }],
    })


# -- claims -----------------------------------------------------------------------------

def _adjudication(billed: Decimal, allowed: Decimal | None, paid: Decimal,
                  adjustments: list[Any]) -> list[dict[str, Any]]:
    rows = [{"category": {"coding": [{"system": f"{_TERMINOLOGY}/adjudication",
                                      "code": "submitted"}]}, "amount": _money(billed)}]
    if allowed is not None:
        rows.append({"category": {"coding": [{"system": f"{_TERMINOLOGY}/adjudication",
                                              "code": "eligible"}]},
                     "amount": _money(allowed)})
    rows.append({"category": {"coding": [{"system": f"{_TERMINOLOGY}/adjudication",
                                          "code": "benefit"}]}, "amount": _money(paid)})
    for adjustment in adjustments:
        rows.append({
            "category": {"coding": [{"system": X12_ADJUSTMENT_GROUP,
                                     "code": adjustment.group.value}]},
            "reason": {"coding": [{"system": X12_CARC, "code": adjustment.reason}]},
            "amount": _money(adjustment.amount)})
    return rows


def _claim_response_head(*, resource_id: str, use: str, patient: Patient,
                         identifiers: list[tuple[str, str]], carrier: str,
                         created: dt.datetime, complete: bool) -> dict[str, Any]:
    """What every ClaimResponse here starts with: the patient contained, our identifiers,
    a professional claim of ``use``, the insurer, and complete or queued."""
    return {
        "resourceType": "ClaimResponse",
        "id": resource_id,
        "contained": [_patient(patient)],
        "identifier": [{"system": system, "value": value} for system, value in identifiers],
        "status": "active",
        "type": {"coding": [{"system": f"{_TERMINOLOGY}/claim-type",
                             "code": "professional"}]},
        "use": use,
        "patient": {"reference": "#patient"},
        "created": _instant(created),
        "insurer": _insurer(carrier),
        "outcome": "complete" if complete else "queued",
    }


def _claim_response(claim: Claim, *, carrier: str, created: dt.datetime,
                    index: int) -> dict[str, Any]:
    category = claim.status.category
    final = category.value.startswith("F")  # F0-F3: finalized (paid, denied, revised)
    response = _claim_response_head(
        resource_id=f"claim-{index}", use="claim", patient=claim.patient,
        identifiers=[(CLAIM_NUMBER, claim.claim_number)], carrier=carrier, created=created,
        complete=final)
    response.update({
        "disposition": claim.status.portal_text,
        "processNote": [{"type": "display", "text": (
            f"{X12_CLAIM_STATUS_CATEGORY}|{category.value}"
            + (f" {claim.status.code}" if claim.status.code else "")
            + f" as of {claim.status.date.isoformat()}")}],
        "item": [{"itemSequence": line.line_number,
                  "adjudication": _adjudication(line.billed, line.allowed, line.paid,
                                                line.adjustments)}
                 for line in claim.lines],
        "total": _adjudication(claim.billed, claim.allowed, claim.paid, []),
    })
    if claim.payments:
        payment = claim.payments[-1]
        response["payment"] = {
            "type": {"coding": [{"system": f"{_TERMINOLOGY}/ex-paymenttype",
                                 "code": "complete" if final else "partial"}]},
            "date": payment.date.isoformat(),
            "amount": _money(sum((p.amount for p in claim.payments), Decimal(0))),
            "identifier": {"value": payment.number},
        }
    return response


def claim_responses(result: ClaimResult, *, job_id: str, created: dt.datetime) -> Bundle:
    """Every claim of a stored claim-status result, as ClaimResponses in one Bundle."""
    return Bundle.model_validate({
        "resourceType": "Bundle",
        "id": job_id,
        "identifier": {"system": JOB_ID, "value": job_id},
        "type": "collection",
        "timestamp": _instant(created),
        "entry": [{"fullUrl": f"urn:portals:{job_id}:claim:{index}",
                   "resource": ClaimResponse.model_validate(
                       _claim_response(claim, carrier=result.carrier, created=created,
                                       index=index))}
                  for index, claim in enumerate(result.claims, start=1)],
    })


# -- prior authorization ----------------------------------------------------------------

X12_REVIEW_ACTION = "https://codesystem.x12.org/005010/306"
REVIEW_ACTION = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction"
TRACKING_REF = "urn:portals:tracking-ref"
PAYER_REFERENCE = "urn:portals:payer-reference-number"


def prior_auth_response(request: PriorAuthRequest, *, pa_id: str, reference_number: str,
                        decision: PriorAuthDecision | None,
                        created: dt.datetime) -> ClaimResponse:
    """A submitted prior authorization as a ``ClaimResponse`` (use ``preauthorization``):
    the payer's reference, and per requested service the X12 review action (278 HCR01,
    as the Da Vinci PAS reviewAction extension), the authorization number and the units
    approved. No decision yet (or pended): outcome ``queued``."""
    person = Patient(member_id=request.member_id, first_name=request.first_name,
                     last_name=request.last_name, date_of_birth=request.date_of_birth)
    decided = decision is not None and decision.action.decided
    approved = {s.procedure_code: s.units for s in decision.approved_services} \
        if decision is not None else {}
    items = []
    for number, service in enumerate(request.services, start=1):
        item: dict[str, Any] = {"itemSequence": number}
        if decision is not None:
            action: list[dict[str, Any]] = [{"url": "code", "valueCodeableConcept": {
                "coding": [{"system": X12_REVIEW_ACTION, "code": decision.action.value,
                            "display": decision.action.meaning}]}}]
            if decision.authorization_number:
                action.insert(0, {"url": "number",
                                  "valueString": decision.authorization_number})
            item["extension"] = [{"url": REVIEW_ACTION, "extension": action}]
        item["adjudication"] = [{
            "category": {"coding": [{"system": f"{_TERMINOLOGY}/adjudication",
                                     "code": "submitted"}]},
            "value": service.units}]
        if service.procedure_code in approved:
            item["adjudication"].append({
                "category": {"coding": [{"system": f"{_TERMINOLOGY}/adjudication",
                                         "code": "eligible"}]},
                "value": approved[service.procedure_code]})
        items.append(item)
    response = _claim_response_head(
        resource_id=pa_id, use="preauthorization", patient=person,
        identifiers=[(TRACKING_REF, request.tracking_ref), (PAYER_REFERENCE, reference_number)],
        carrier=request.carrier, created=created, complete=decided)
    response["item"] = items
    if decision is not None:
        response["disposition"] = decision.portal_status
        if decision.authorization_number:
            response["preAuthRef"] = decision.authorization_number
        if decision.approved_from and decision.approved_to:
            response["preAuthPeriod"] = {"start": decision.approved_from.isoformat(),
                                         "end": decision.approved_to.isoformat()}
        if decision.reason:
            response["processNote"] = [{"type": "display", "text": decision.reason}]
    return ClaimResponse.model_validate(response)
