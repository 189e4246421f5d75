"""The library job kind: declared once, no patient, and a guard that refuses a result whose
files do not hold together (not a PDF, bytes that do not match the stated SHA-256 or size,
a file not downloaded, a title listed twice, a result from another carrier)."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.errors import InconsistentResult
from portals.access import Permission, kind_permission
from portals.jobs import Capability, get_kind
from portals.library import (
    DocumentCategory,
    LibraryRequest,
    LibraryResult,
    RetiredDocument,
    library_document,
)

PDF = b"%PDF-1.3\n% a sandbox file\n"


def _result(**changes: object) -> LibraryResult:
    doc = library_document(title="Referral Form", category=DocumentCategory.FORM,
                           effective_date=dt.date(2026, 1, 1), filename="r.pdf",
                           portal_id="R-1", url="/r", content=PDF)
    return LibraryResult(carrier="summit", documents=[doc.model_copy(update=changes)])


def test_the_kind_is_declared_with_its_permission() -> None:
    kind = get_kind("library")
    assert (kind.capability, kind.bot_method, kind.repeat_harmless) == \
        (Capability.LIBRARY, "collect_library", True)
    assert kind_permission("library") is Permission.LIBRARY
    assert "member_id" not in LibraryRequest.model_fields


def test_the_guard_takes_a_consistent_result() -> None:
    get_kind("library").guard(LibraryRequest(carrier="summit"), _result())


@pytest.mark.parametrize("changes", [
    {"content": b"<html>sign in</html>"},                 # not a PDF
    {"content": PDF + b"x"},                               # not the stated bytes
    {"content": None},                                     # never downloaded
    {"sha256": "0" * 64},                                  # another hash
])
def test_the_guard_refuses_files_that_do_not_hold_together(changes: dict[str, object]
                                                           ) -> None:
    with pytest.raises(InconsistentResult):
        get_kind("library").guard(LibraryRequest(carrier="summit"), _result(**changes))


def test_the_guard_refuses_another_carrier_and_double_listings() -> None:
    guard = get_kind("library").guard
    with pytest.raises(InconsistentResult):
        guard(LibraryRequest(carrier="cascade"), _result())
    twice = _result()
    with pytest.raises(InconsistentResult):
        guard(LibraryRequest(carrier="summit"),
              twice.model_copy(update={"documents": twice.documents * 2}))
    with pytest.raises(InconsistentResult):
        guard(LibraryRequest(carrier="summit"), twice.model_copy(update={"retired": [
            RetiredDocument(title="referral form", category=DocumentCategory.FORM)]}))
