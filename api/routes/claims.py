"""/v1/claim-status-checks: a patient's claims at a carrier, by payer claim number or by
date-of-service range, with statuses, amounts, adjustments, payments and remittances."""

from __future__ import annotations

from api.routes.jobs import job_router
from api.schemas import ClaimCheckCreate, ClaimCheckPublic
from api.views import claim_check_public
from portals.fhir import claim_responses
from portals.kinds import CLAIM_STATUS

router = job_router(
    CLAIM_STATUS, create_model=ClaimCheckCreate, public_model=ClaimCheckPublic,
    public=lambda session, job: claim_check_public(session=session, job=job),
    fhir=lambda result, job_id, created: claim_responses(
        result, job_id=job_id, created=created),
    fhir_name="Bundle of ClaimResponse")
