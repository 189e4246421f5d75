"""The document library store on SQLite and PostgreSQL, without a browser: what a
collection finds (new, changed, retired, unchanged, back again), one stored copy per
content whatever the documents, versions or collections, the events emitted in the
collection's transaction, search, and a result that lies about its bytes stored not at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from fixtures.sandbox.core.pdf import Paragraph, render_pdf
from portals.library import (
    DocumentCategory,
    LibraryDocument,
    LibraryRequest,
    LibraryResult,
    RetiredDocument,
    library_document,
)
from storage import library, repo
from storage.db import session_scope
from storage.library_models import LibraryBlob, LibraryCollection

FORM, BULLETIN, PLAN = DocumentCategory.FORM, DocumentCategory.BULLETIN, DocumentCategory.PLAN


def _doc(title: str, category: DocumentCategory, text: str,
         effective: dt.date = dt.date(2026, 1, 1)) -> LibraryDocument:
    return library_document(title=title, category=category, effective_date=effective,
                            filename=f"{title[:10]}.pdf", portal_id=title[:10],
                            url=f"/d/{title[:10]}", content=render_pdf(title, [Paragraph(text)]))


def _collect(engine: Engine, *documents: LibraryDocument,
             retired: tuple[RetiredDocument, ...] = ()) -> LibraryCollection:
    with session_scope(engine) as session:
        job = repo.create_job(session=session, kind="library",
                              request=LibraryRequest(carrier="meridian"))
        run = repo.start_run(session=session, job=job, worker="t")
        repo.save_result(session=session, job=job, run=run, result=LibraryResult(
            carrier="meridian", documents=list(documents), retired=list(retired)))
        collection = library.collection_for_job(session=session, job_id=job.id)
        assert collection is not None
        session.expunge(collection)
        return collection


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(library, "emit_event", lambda _s, _e, data: seen.append(data))
    return seen


def _counts(c: LibraryCollection) -> tuple[int, int, int, int]:
    return c.new, c.changed, c.retired, c.unchanged


def test_collections_tell_new_changed_retired_and_unchanged(
        any_engine: Engine, events: list[dict[str, Any]]) -> None:
    form, bulletin, plan = (_doc("Referral Form", FORM, "v1"),
                            _doc("Policy Update", BULLETIN, "b"), _doc("Manual", PLAN, "m"))
    assert _counts(_collect(any_engine, form, bulletin, plan)) == (3, 0, 0, 0)
    assert len(events) == 3
    # the same library again: nothing to tell
    events.clear()
    assert _counts(_collect(any_engine, form, bulletin, plan)) == (0, 0, 0, 3)
    assert events == []
    # a new edition of the form (title in other case and spacing), the bulletin gone
    newer = _doc("referral  FORM", FORM, "v2", dt.date(2026, 6, 1))
    assert _counts(_collect(any_engine, newer, plan)) == (0, 1, 1, 1)
    assert [(e["title"], e["change"]) for e in events] == [("referral  FORM", "changed")]
    # the bulletin is back; the manual is marked retired by the portal
    events.clear()
    second = _collect(any_engine, newer, bulletin,
                      retired=(RetiredDocument(title="Manual", category=PLAN),))
    assert _counts(second) == (1, 0, 1, 1)
    with session_scope(any_engine) as session:
        rows = {r.document.title_key: r for r in library.search_documents(
            session=session, carrier="meridian")}
        assert rows["referral form"].versions == 2
        assert rows["manual"].document.retired_at is not None
        assert rows["policy update"].document.retired_at is None
        # one stored copy per content: three documents, four contents
        assert session.exec(select(func.count()).select_from(LibraryBlob)).one() == 4
        # search: by title, category and words of the title or file name
        assert [r.document.title_key for r in library.search_documents(
            session=session, title="REFERRAL")] == ["referral form"]
        assert [r.document.title_key for r in library.search_documents(
            session=session, category="bulletin")] == ["policy update"]
        assert [r.document.title_key for r in library.search_documents(
            session=session, q="policy upd")] == ["policy update"]
        assert library.search_documents(session=session, q="nothing-like-it") == []


def test_the_same_bytes_under_two_titles_are_stored_once(any_engine: Engine,
                                                         events: list[Any]) -> None:
    data = render_pdf("Shared", [Paragraph("same bytes")])
    one = library_document(title="Form A", category=FORM, effective_date=dt.date(2026, 1, 1),
                           filename="a.pdf", portal_id="A", url="/a", content=data)
    two = library_document(title="Form B", category=FORM, effective_date=dt.date(2026, 1, 1),
                           filename="b.pdf", portal_id="B", url="/b", content=data)
    _collect(any_engine, one, two)
    with session_scope(any_engine) as session:
        assert library.stored_copies(session=session, sha256=one.sha256) == 1
        assert session.exec(select(func.count()).select_from(LibraryBlob)).one() == 1


def test_a_result_whose_bytes_lie_is_not_stored(any_engine: Engine) -> None:
    good = _doc("Form", FORM, "x")
    lying = good.model_copy(update={"content": good.content + b" "})  # type: ignore[operator]
    with pytest.raises(library.LibraryResultRefused), session_scope(any_engine) as session:
        job = repo.create_job(session=session, kind="library",
                              request=LibraryRequest(carrier="meridian"))
        run = repo.start_run(session=session, job=job, worker="t")
        repo.save_result(session=session, job=job, run=run,
                         result=LibraryResult(carrier="meridian", documents=[lying]))
    with session_scope(any_engine) as session:
        assert session.exec(select(func.count()).select_from(LibraryBlob)).one() == 0
        assert session.exec(select(func.count()).select_from(LibraryCollection)).one() == 0


def test_new_and_changed_documents_reach_webhook_subscribers_in_the_same_transaction(
        any_engine: Engine) -> None:
    from storage.crypto import Vault
    from storage.webhook_models import WebhookDelivery
    from storage.webhooks import create_subscription

    with session_scope(any_engine) as session:
        create_subscription(session=session, vault=Vault(Vault.generate_key()),
                            url="https://receiver.example/hooks",
                            events=["library.document_new"], created_by="t")
    form = _doc("Referral Form", FORM, "v1")
    _collect(any_engine, form)
    _collect(any_engine, form)  # unchanged: no event
    _collect(any_engine, _doc("Referral Form", FORM, "v2", dt.date(2026, 7, 1)))
    with session_scope(any_engine) as session:
        deliveries = session.exec(select(WebhookDelivery)).all()
        sent = [(d.event, d.payload["data"]["change"], d.payload["data"]["effective_date"])
                for d in deliveries]
    assert sorted(sent) == [("library.document_new", "changed", "2026-07-01"),
                            ("library.document_new", "new", "2026-01-01")]
