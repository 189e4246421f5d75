"""Documents kept with a result (a benefit summary PDF) are listed on the check and
downloadable through the API, each view audited."""

from __future__ import annotations

import hashlib

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from portals.model import Document
from storage import repo
from storage.db import session_scope
from storage.models import AuditEvent, JobStatus, RunStatus
from tests.api.factories import make_check, rich_result

PDF = b"%PDF-1.4\n% a sandbox benefit summary\n%%EOF\n"


def _succeed_with_pdf(app: FastAPI, db: Engine) -> tuple[str, str]:
    job_id = make_check(db)
    digest = hashlib.sha256(PDF).hexdigest()
    result = rich_result().model_copy(update={"documents": [Document(
        kind="benefit_summary", filename="summary.pdf", content_type="application/pdf",
        sha256=digest, size=len(PDF))]})
    with session_scope(db) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w", lease_seconds=60)
        check = repo.get_job(session=session, job_id=job_id)
        assert check is not None
        run = repo.start_run(session=session, job=check, worker="w")
        path, sha = app.state.store.write(run.id, "summary.pdf", PDF)
        doc = repo.add_artifact(session=session, run_id=run.id, kind="document",
                                filename="summary.pdf", content_type="application/pdf",
                                size=len(PDF), sha256=sha, path=path)
        repo.save_result(session=session, job=check, run=run, result=result)
        repo.finish_run(session=session, run=run, status=RunStatus.SUCCEEDED)
        repo.release_job(session=session, job=check, status=JobStatus.SUCCEEDED)
        return job_id, doc.id


def test_a_results_pdf_is_listed_and_downloadable(
    app: FastAPI, client: TestClient, db: Engine, auth: dict[str, str]
) -> None:
    job_id, doc_id = _succeed_with_pdf(app, db)
    body = client.get(f"/v1/eligibility-checks/{job_id}", headers=auth).json()
    (link,) = body["documents"]
    assert link["kind"] == "document" and link["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["result"]["documents"][0]["sha256"] == link["sha256"]
    response = client.get(link["url"], headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == PDF
    assert client.get(link["url"]).status_code == 401
    with session_scope(db) as session:
        views = session.exec(select(AuditEvent).where(AuditEvent.target_id == doc_id)).all()
    assert [v.action for v in views] == ["artifact.view"]


def test_a_document_of_another_check_is_not_served(
    app: FastAPI, client: TestClient, db: Engine, auth: dict[str, str]
) -> None:
    _check_id, doc_id = _succeed_with_pdf(app, db)
    other = make_check(db)
    response = client.get(f"/v1/eligibility-checks/{other}/documents/{doc_id}", headers=auth)
    assert response.status_code == 404
