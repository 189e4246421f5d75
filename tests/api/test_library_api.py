"""The document libraries through the API and the pages (both databases for the API):
queue a collection (202, Idempotency-Key, a carrier without a library refused with 422),
read what a stored collection found, list a carrier's documents with what is new or
changed since the collection before, search, a document's versions, and download any
version (PDF, attachment, audited); the pages show the same and a collection's page polls
its fragment until it is finished."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from fixtures.sandbox.core.pdf import Paragraph, render_pdf
from portals.library import DocumentCategory, LibraryRequest, LibraryResult, library_document
from storage import repo
from storage.db import session_scope
from storage.models import AuditEvent, JobStatus, RunStatus
from tests.api.web_login import page_csrf

BOTH_DATABASES = True
FORM, BULLETIN = DocumentCategory.FORM, DocumentCategory.BULLETIN


def _pdf(text: str) -> bytes:
    return render_pdf("Sandbox document", [Paragraph(text)])


def _doc(title: str, category: DocumentCategory, text: str, effective: str = "2026-01-01"
         ) -> object:
    return library_document(title=title, category=category,
                            effective_date=dt.date.fromisoformat(effective),
                            filename=f"{title.split()[0].lower()}.pdf", portal_id=title[:8],
                            url="/library/x", content=_pdf(text))


def _collected(db: Engine, *documents: object) -> str:
    """A library job that ran and stored ``documents`` (as the runner stores it)."""
    with session_scope(db) as session:
        job = repo.create_job(session=session, kind="library",
                              request=LibraryRequest(carrier="meridian"))
        assert repo.claim_job(session=session, job_id=job.id, worker="w", lease_seconds=60)
        job = repo.get_job(session=session, job_id=job.id)
        assert job is not None
        run = repo.start_run(session=session, job=job, worker="w")
        repo.save_result(session=session, job=job, run=run, result=LibraryResult(
            carrier="meridian", documents=list(documents)))  # type: ignore[arg-type]
        repo.finish_run(session=session, run=run, status=RunStatus.SUCCEEDED)
        repo.release_job(session=session, job=job, status=JobStatus.SUCCEEDED)
        return job.id


def _two_collections(db: Engine) -> tuple[str, str]:
    form, bulletin = _doc("Referral Form", FORM, "v1"), _doc("Policy Update", BULLETIN, "b")
    first = _collected(db, form, bulletin)
    second = _collected(db, _doc("Referral Form", FORM, "v2", "2026-07-01"), bulletin,
                        _doc("Imaging Notice", BULLETIN, "i", "2026-09-01"))
    return first, second


def test_queue_a_collection(client: TestClient, auth: dict[str, str]) -> None:
    headers = {**auth, "Idempotency-Key": "lib-1"}
    response = client.post("/v1/library-collections", json={"carrier": "meridian"},
                           headers=headers)
    assert response.status_code == 202
    again = client.post("/v1/library-collections", json={"carrier": "meridian"},
                        headers=headers)
    assert again.json()["id"] == response.json()["id"]
    job = client.get(f"/v1/library-collections/{response.json()['id']}", headers=auth).json()
    assert (job["status"], job["member_id"], job["collection"]) == ("queued", None, None)
    refused = client.post("/v1/library-collections", json={"carrier": "nowhere"},
                          headers=auth)
    assert refused.status_code == 422


def test_documents_new_changed_versions_and_download(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    first, second = _two_collections(db)
    # what the second collection found
    body = client.get(f"/v1/library-collections/{second}", headers=auth).json()
    assert body["status"] == "succeeded"
    assert {k: body["collection"][k] for k in ("new", "changed", "unchanged", "retired")} \
        == {"new": 1, "changed": 1, "unchanged": 1, "retired": 0}
    assert sorted((f["title"], f["change"]) for f in body["found"]) == [
        ("Imaging Notice", "new"), ("Policy Update", "unchanged"),
        ("Referral Form", "changed")]
    # the carrier's documents with what is new or changed since the last collection
    listed = client.get("/v1/library/documents?carrier=meridian", headers=auth).json()
    assert listed["last_collection"]["job_id"] == second
    changes = {d["title"]: (d["change"], d["versions"]) for d in listed["items"]}
    assert changes == {"Imaging Notice": ("new", 1), "Referral Form": ("changed", 2),
                       "Policy Update": ("unchanged", 1)}
    # search: category, title, words
    assert [d["title"] for d in client.get("/v1/library/documents?category=bulletin",
                                           headers=auth).json()["items"]] == \
        ["Imaging Notice", "Policy Update"]
    assert [d["title"] for d in client.get("/v1/library/documents?q=referral",
                                           headers=auth).json()["items"]] == ["Referral Form"]
    assert client.get("/v1/library/documents?category=memo", headers=auth).status_code == 422
    # both versions of the form, each downloadable with its own bytes
    form = next(d for d in listed["items"] if d["title"] == "Referral Form")
    detail = client.get(f"/v1/library/documents/{form['id']}", headers=auth).json()
    assert [v["effective_date"] for v in detail["all_versions"]] == ["2026-07-01",
                                                                     "2026-01-01"]
    for version, text in zip(detail["all_versions"], ("v2", "v1"), strict=True):
        response = client.get(version["download_url"], headers=auth)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == 'attachment; filename="referral.pdf"'
        assert response.content == _pdf(text)
        assert hashlib.sha256(response.content).hexdigest() == version["sha256"]
    assert client.get(detail["all_versions"][0]["download_url"]).status_code == 401
    assert client.get(f"/v1/library/documents/{form['id']}/versions/999999/file",
                      headers=auth).status_code == 404
    with session_scope(db) as session:
        downloads = session.exec(select(AuditEvent).where(
            AuditEvent.action == "library_document.download")).all()
    assert len(downloads) == 2 and {d.actor_type for d in downloads} == {"admin_token"}
    assert first != second


def test_the_pages_show_and_download_the_library(ui: TestClient, db: Engine) -> None:
    _first, second = _two_collections(db)
    page = ui.get("/library?carrier=meridian")
    assert page.status_code == 200
    changes = re.findall(r'data-testid="library-change">(\w+)<', page.text)
    assert sorted(changes) == ["changed", "new"]
    assert 'data-testid="nav-library"' in page.text
    # a collection's page (polls its fragment while running) and what it found
    collection = ui.get(f"/library/collections/{second}")
    assert collection.status_code == 200 and "1 new" in collection.text
    fragment = ui.get(f"/library/collections/{second}/fragment")
    assert fragment.headers["X-Check-Finished"] == "true"
    # a document's versions, each downloadable (audited)
    link = re.search(r'href="(/library/documents/\d+)">Referral Form', page.text)
    assert link is not None
    versions = ui.get(link.group(1))
    files = re.findall(r'href="([^"]+/file)" data-testid="library-version-download"',
                       versions.text)
    assert len(files) == 2
    download = ui.get(files[1])
    assert download.status_code == 200 and download.content == _pdf("v1")
    with session_scope(db) as session:
        downloads = session.exec(select(AuditEvent).where(
            AuditEvent.action == "library_document.download")).all()
    assert [d.actor_type for d in downloads] == ["person"]


def test_collect_now_queues_a_job_and_shows_its_page(ui: TestClient) -> None:
    page = ui.get("/library")
    key = re.search(r'name="form_key" value="([^"]+)-meridian"', page.text)
    assert key is not None
    data = {"csrf": page_csrf(page.text), "carrier": "meridian",
            "form_key": f"{key.group(1)}-meridian"}
    response = ui.post("/library/collections", data=data, follow_redirects=False)
    assert response.status_code == 303
    target = response.headers["location"]
    assert re.fullmatch(r"/library/collections/[0-9a-f]{32}", target)
    # a double click gives the same job
    assert ui.post("/library/collections", data=data,
                   follow_redirects=False).headers["location"] == target
    shown = ui.get(target)
    assert 'data-testid="polling"' in shown.text and "queued" in shown.text
    assert ui.get(target + "/fragment").headers["X-Check-Finished"] == "false"
