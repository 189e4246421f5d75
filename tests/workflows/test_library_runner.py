"""A library job through the real runner, in real Chromium, against the Meridian sandbox:
created the way the scheduler creates it (``repo.create_job`` with an idempotency key),
stored with its documents; after the portal publishes a new bulletin and replaces a form,
the next collection finds exactly those two (new, changed), keeps both versions of the
form, and stores every unchanged document's bytes once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select

from portals.library import LibraryRequest, LibraryResult
from storage import library, repo
from storage.db import session_scope
from storage.library_models import LibraryBlob, LibraryCollectionItem, LibraryVersion
from storage.models import JobStatus
from workflows.runner import JobRunner

pytestmark = pytest.mark.browser


def _collect(runner: JobRunner, key: str) -> str:
    # the scheduler's "collect document libraries" schedule does exactly this, then queues
    with session_scope(runner.engine) as session:
        job = repo.create_job(session=session, kind="library",
                              request=LibraryRequest(carrier="meridian"),
                              idempotency_key=key, origin="schedule")
        job_id = job.id
    assert runner.run_job(job_id) == JobStatus.SUCCEEDED
    return job_id


def test_a_second_collection_finds_exactly_the_new_bulletin_and_the_replaced_form(
        runner: JobRunner, account_id: int, meridian: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(library, "emit_event",
                        lambda session, event, data: events.append((event, data)))
    # given: a first collection of the seeded library
    first = _collect(runner, "library:meridian:2026-11-27")
    with session_scope(runner.engine) as session:
        job = repo.get_job(session=session, job_id=first)
        assert job is not None and job.member_id is None and job.date_of_birth is None
        stored = repo.get_result(session=session, job_id=first)
        assert isinstance(stored, LibraryResult) and len(stored.documents) == 7
        one = library.collection_for_job(session=session, job_id=first)
        assert one is not None
        assert (one.new, one.changed, one.retired, one.unchanged) == (7, 0, 1, 0)
        blobs_before = session.exec(select(func.count()).select_from(LibraryBlob)).one()
    assert blobs_before == 7
    assert len(events) == 7
    events.clear()
    # when: the portal publishes a bulletin and replaces a form, and the library is
    # collected again
    bulletin = meridian.control.publish_bulletin()
    form = meridian.control.replace_form()
    second = _collect(runner, "library:meridian:2026-11-28")
    with session_scope(runner.engine) as session:
        two = library.collection_for_job(session=session, job_id=second)
        assert two is not None and two.id is not None
        assert (two.new, two.changed, two.retired, two.unchanged) == (1, 1, 0, 6)
        changes = library.collection_changes(session=session, collection_id=two.id)
        rows = {row.document.title: row for row in library.search_documents(
            session=session, carrier="meridian")}
        found = {rows[t].document.id: c for t, c in
                 ((bulletin["title"], "new"), (form["title"], "changed"))}
        assert {d: c for d, c in changes.items() if c != "unchanged"} == found
        # then: both versions of the form are kept, the newer one current
        form_row = rows[form["title"]]
        assert form_row.document.id is not None
        versions = library.document_versions(session=session,
                                             document_id=form_row.document.id)
        assert len(versions) == 2 and versions[0].effective_date.isoformat() == \
            form["effective_date"]
        assert versions[0].sha256 != versions[1].sha256
        for version in versions:  # each downloadable, and the bytes match
            assert library.version_bytes(session=session, version=version)[:5] == b"%PDF-"
        # and an unchanged document is stored once: one version, one copy of its bytes
        blobs_after = session.exec(select(func.count()).select_from(LibraryBlob)).one()
        assert blobs_after == blobs_before + 2
        for row in rows.values():
            if row.change == "unchanged":
                assert row.version is not None and row.versions == 1
                assert library.stored_copies(session=session, sha256=row.version.sha256) == 1
        items = session.exec(select(func.count()).select_from(LibraryCollectionItem)).one()
        assert items == 8 + 8  # each collection: every listed document, the retired one
        assert session.exec(select(func.count()).select_from(LibraryVersion)).one() == 9
        # the retired document is known as retired, and not reported again
        retired = [r for r in rows.values() if r.document.retired_at is not None]
        assert [r.document.title for r in retired] == ["Paper Claims Submission Notice"]
        assert retired[0].change is None
    # and the webhook event was emitted for exactly those two
    assert sorted((e, d["title"], d["change"]) for e, d in events) == sorted([
        ("library.document_new", bulletin["title"], "new"),
        ("library.document_new", form["title"], "changed")])
    assert all(len(d["sha256"]) == 64 and d["effective_date"] for _e, d in events)


def test_the_same_key_gives_the_same_job(runner: JobRunner) -> None:
    with session_scope(runner.engine) as session:
        job = repo.create_job(session=session, kind="library",
                              request=LibraryRequest(carrier="meridian"),
                              idempotency_key="library:meridian:2026-11-29")
        again = repo.find_by_idempotency_key(session=session,
                                             key="library:meridian:2026-11-29")
        assert again is not None and again.id == job.id and job.kind == "library"
