"""Builders and fixtures shared by the prior-authorization API and web UI tests: request
bodies, real (tiny) clinical files, a posted multipart request, and what a worker does to a
stored request (submit it, read its status, lose its outcome). A test module imports the
``*_fixture`` functions to use the fixtures by their names."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bots.base import UploadLimits
from bots.registry import registry
from portals.jobs import Capability
from portals.model import Document, Patient
from portals.prior_auth import (
    ApprovedService,
    CertificationAction,
    PortalFile,
    PriorAuthCase,
    PriorAuthDecision,
    Urgency,
)
from storage import prior_auths, repo
from storage.artifacts import ArtifactStore
from storage.db import session_scope
from storage.models import Job, JobStatus, PriorAuth, PriorAuthDocument, PriorAuthEvent, RunStatus
from tests.api.factories import png_bytes

URL = "/v1/prior-auths"
MEMBER_ID, DOB = "MER100200", "1980-04-02"
REQUESTING_NPI, SERVICING_NPI = "1234567893", "1987654328"
"""NPIs with their check digits (the CMS Luhn rule over 80840)."""
PA_CARRIERS = ("meridian", "northwind", "summit")
TEST_LIMITS = UploadLimits(content_types=frozenset({"application/pdf", "image/tiff",
                                                   "image/png", "image/jpeg"}),
                           max_bytes=2 * 1024 * 1024, max_files=5)
SMALL_LIMITS = UploadLimits(content_types=frozenset({"application/pdf", "image/png",
                                                    "image/jpeg"}),
                            max_bytes=20_000, max_files=3)

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = png_bytes(6, 5)
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
LETTER = b"%PDF-1.4\n% decision letter\n%%EOF\n"


def soon(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def pa_body(**changes: Any) -> dict[str, Any]:
    """A prior-authorization request as the API takes it (None drops a field)."""
    body: dict[str, Any] = {
        "carrier": "meridian", "member_id": MEMBER_ID, "date_of_birth": DOB,
        "last_name": "Rivera", "first_name": "Ana",
        "requesting_provider": {"npi": REQUESTING_NPI, "name": "Riverside Family Clinic"},
        "servicing_provider": {"npi": SERVICING_NPI, "name": "Riverside Imaging"},
        "diagnosis_codes": ["M54.50"],
        "services": [{"procedure_code": "72148", "modifiers": [], "units": 1}],
        "service_from": soon(14), "service_to": soon(74), "place_of_service": "22",
        "urgency": "standard", "note": "Failed six weeks of physical therapy.",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


Files = list[tuple[str, bytes]]


def post_pa(client: TestClient, auth: dict[str, str], body: dict[str, Any] | str,
            files: Files | None = None, key: str | None = None) -> httpx.Response:
    """POST /v1/prior-auths as multipart: the request part and the files."""
    headers = {**auth, **({"Idempotency-Key": key} if key else {})}
    parts = [("files", (name, data, "application/octet-stream"))
             for name, data in (files or [])]
    request = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data={"request": request}, files=parts or None,
                       headers=headers)


def post_raw_file(client: TestClient, auth: dict[str, str], body: dict[str, Any],
                  filename: bytes, data: bytes) -> httpx.Response:
    """A multipart POST written by hand, for a file name no client library would send
    (a NUL byte, a raw path)."""
    boundary = b"pa-test-boundary"
    content = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="request"'
               b"\r\n\r\n" + json.dumps(body).encode() + b"\r\n--" + boundary
               + b'\r\nContent-Disposition: form-data; name="files"; filename="' + filename
               + b'"\r\nContent-Type: application/pdf\r\n\r\n' + data + b"\r\n--"
               + boundary + b"--\r\n")
    return client.post(URL, content=content, headers={
        **auth, "Content-Type": f"multipart/form-data; boundary={boundary.decode()}"})


# -- carriers -------------------------------------------------------------------------


@pytest.fixture(name="pa_carriers")
def pa_carriers_fixture(monkeypatch: pytest.MonkeyPatch) -> dict[str, UploadLimits]:
    """Meridian, Northwind and Summit serve prior authorization (as their bots declare;
    until one does, it is made to here, with :data:`TEST_LIMITS`). Cascade never does."""
    limits = {}
    for name in PA_CARRIERS:
        bot = registry.get(name)
        if Capability.PRIOR_AUTH not in bot.capabilities or bot.prior_auth_limits is None:
            monkeypatch.setattr(bot, "capabilities",
                                bot.capabilities | {Capability.PRIOR_AUTH})
            monkeypatch.setattr(bot, "prior_auth_limits", TEST_LIMITS)
        assert bot.prior_auth_limits is not None
        limits[name] = bot.prior_auth_limits
    return limits


@pytest.fixture(name="small_limits")
def small_limits_fixture(pa_carriers: dict[str, UploadLimits], monkeypatch: pytest.MonkeyPatch
                 ) -> UploadLimits:
    """Meridian's portal takes three PDF, PNG or JPEG files of 20 KB at most."""
    monkeypatch.setattr(registry.get("meridian"), "prior_auth_limits", SMALL_LIMITS)
    return SMALL_LIMITS


# -- what is stored -------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    requests: int
    documents: int
    jobs: int
    files: int


def stored(engine: Engine, store: ArtifactStore) -> Stored:
    """What the database and the store hold: nothing, after any 422."""
    with Session(engine) as session:
        def count(table: Any) -> int:
            return int(session.exec(select(func.count()).select_from(table)).one())
        files = [p for p in Path(store.root).rglob("*") if p.is_file()] \
            if Path(store.root).exists() else []
        return Stored(count(PriorAuth), count(PriorAuthDocument), count(Job), len(files))


NOTHING = Stored(0, 0, 0, 0)


def make_pa(engine: Engine, store: ArtifactStore, files: Files | None = None,
            **changes: Any) -> tuple[str, str]:
    """A request stored as the API stores it (no queue): (request id, submit job id)."""
    from api.prior_auth_schemas import PriorAuthCreate
    from api.prior_auth_services import Upload, check_uploads

    body = PriorAuthCreate.model_validate(pa_body(**changes))
    new_files = check_uploads(body.carrier, [Upload(n, d) for n, d in (files or [])])
    with session_scope(engine) as session:
        pa, job = prior_auths.create(session=session, store=store, fields=body.to_fields(),
                                     files=new_files, created_by="tester")
        return pa.id, job.id


# -- what a worker does ---------------------------------------------------------------


def decision(action: CertificationAction = CertificationAction.PENDED,
             portal_status: str = "In review") -> PriorAuthDecision:
    if action in (CertificationAction.CERTIFIED, CertificationAction.PARTIAL,
                  CertificationAction.MODIFIED):
        return PriorAuthDecision(
            action=action, portal_status=portal_status, authorization_number="AUTH-55120",
            approved_from=dt.date.today() + dt.timedelta(days=14),
            approved_to=dt.date.today() + dt.timedelta(days=74),
            approved_services=[ApprovedService(procedure_code="72148", units=1)],
            decided_on=dt.date.today())
    if action is CertificationAction.NOT_CERTIFIED:
        return PriorAuthDecision(action=action, portal_status=portal_status,
                                 reason="Not medically necessary.",
                                 decided_on=dt.date.today())
    return PriorAuthDecision(action=action, portal_status=portal_status)


def _case(pa: PriorAuth, found: PriorAuthDecision, reference: str,
          submitted_at: dt.datetime, documents: list[Document]) -> PriorAuthCase:
    request = prior_auths.request_of(pa)
    return PriorAuthCase(
        carrier=pa.carrier,
        patient=Patient(member_id=pa.member_id, first_name=pa.first_name,
                        last_name=pa.last_name, date_of_birth=pa.date_of_birth),
        reference_number=reference, tracking_ref=pa.tracking_ref, submitted_at=submitted_at,
        urgency=Urgency(pa.urgency), procedure_codes=request.procedure_codes,
        service_from=request.service_from, service_to=request.service_to,
        files=[PortalFile(name=d.filename, size=d.size) for d in request.documents],
        decision=found, documents=documents)


def finish_job(engine: Engine, job_id: str, *, found: PriorAuthDecision | None = None,
               status: JobStatus = JobStatus.SUCCEEDED, message: str | None = None,
               submitted_at: dt.datetime | None = None, reference: str = "MR-2026-00417",
               store: ArtifactStore | None = None, letter: str | None = None) -> None:
    """Claim, run and end a request's job as a worker would: a succeeded one stores the
    portal's case (with ``letter`` kept as a document); the hooks keep the request."""
    with session_scope(engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w1", lease_seconds=60)
    with session_scope(engine) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        run = repo.start_run(session=session, job=job, worker="w1")
        if status is JobStatus.SUCCEEDED:
            pa = prior_auths.by_job(session=session, job=job)
            assert pa is not None
            documents = []
            if letter is not None:
                assert store is not None
                path, sha = store.write(run.id, letter, LETTER)
                repo.add_artifact(session=session, run_id=run.id, kind="document",
                                  filename=letter, content_type="application/pdf",
                                  size=len(LETTER), sha256=sha, path=path)
                documents = [Document(kind="decision_letter", filename=letter,
                                      content_type="application/pdf", sha256=sha,
                                      size=len(LETTER))]
            case = _case(pa, found or decision(), reference,
                         submitted_at or dt.datetime.now(dt.UTC), documents)
            if job.kind == prior_auths.SUBMIT_KIND:  # this run clicked submit
                repo.add_run_event(session=session, run_id=run.id, event="commit")
            repo.save_result(session=session, job=job, run=run, result=case)
        repo.finish_run(session=session, run=run,
                        status=RunStatus.SUCCEEDED if status is JobStatus.SUCCEEDED
                        else RunStatus.FAILED, error_message=message)
        repo.release_job(session=session, job=job, status=status, message=message)


def submitted_pa(engine: Engine, store: ArtifactStore, *, days_ago: float = 0,
                 found: PriorAuthDecision | None = None, **changes: Any) -> str:
    """A request the portal has, received ``days_ago`` (set on the stored row)."""
    pa_id, job_id = make_pa(engine, store, **changes)
    finish_job(engine, job_id, found=found)
    if days_ago:
        with session_scope(engine) as session:
            pa = session.get(PriorAuth, pa_id)
            assert pa is not None
            pa.submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
            session.add(pa)
    return pa_id


def events_of(engine: Engine, pa_id: str) -> list[str]:
    with Session(engine) as session:
        return [e.event for e in session.exec(
            select(PriorAuthEvent).where(PriorAuthEvent.prior_auth_id == pa_id)
            .order_by(col(PriorAuthEvent.id)))]


def audit_of(engine: Engine, action: str) -> list[tuple[str, str, str | None]]:
    with session_scope(engine) as session:
        return [(e.actor, e.target_id, e.detail) for e in repo.list_audit(session=session)
                if e.action == action]


@pytest.fixture(name="store_of")
def store_of_fixture(app: Any) -> Iterator[ArtifactStore]:
    store: ArtifactStore = app.state.store
    yield store


BOTH = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True)
"""Run a test on SQLite and on PostgreSQL (the ``backend`` fixture, indirect)."""
