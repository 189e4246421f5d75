"""/v1/eligibility-checks: submit, read, list and retry eligibility checks (the first API;
its paths and bodies stay as they were)."""

from __future__ import annotations

from api.routes.jobs import job_router
from api.schemas import CheckCreate, CheckPublic
from api.views import check_public
from portals.fhir import coverage_eligibility_response
from portals.kinds import ELIGIBILITY

router = job_router(
    ELIGIBILITY, create_model=CheckCreate, public_model=CheckPublic,
    public=lambda session, job: check_public(session=session, check=job),
    fhir=lambda result, job_id, created: coverage_eligibility_response(
        result, job_id=job_id, created=created),
    fhir_name="CoverageEligibilityResponse")
