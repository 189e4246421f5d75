"""Each carrier's library parser on the saved pages of its portal (no browser): the rows,
their categories, dates and download links as the portal shows them, retired documents as
the portal marks them, pages and next links; a changed column, date or link is
LayoutChanged, never a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.carriers.cascade.library import parse_resources
from bots.carriers.meridian.library_parse import parse_library
from bots.carriers.northwind.library import parse_library_page
from bots.carriers.summit.library import parse_doclib
from bots.errors import LayoutChanged
from fixtures.sandbox.save_library_pages import PAGES, save
from portals.library import DocumentCategory

HTML = Path(__file__).resolve().parents[2] / "fixtures" / "html"


def _saved(carrier: str, name: str) -> str:
    return (HTML / carrier / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("carrier", sorted(PAGES))
def test_the_saved_pages_are_what_the_portal_serves(carrier: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fixtures.sandbox.save_library_pages.HTML_DIR", tmp_path)
    for name in ("meridian", "summit", "cascade", "northwind"):
        (tmp_path / name).mkdir()
    for path in save(carrier):
        assert path.read_text(encoding="utf-8") == _saved(carrier, path.name), path.name


def test_meridian() -> None:
    first = parse_library(_saved("meridian", "library_page1.html"))
    assert (first.page, first.pages, first.next_href) == (1, 2, "/library?category=all&page=2")
    assert [r.title for r in first.rows][:2] == ["Imaging Site-of-Care Policy",
                                                  "Telehealth Billing Policy Update"]
    form = next(r for r in first.rows if r.title == "Claim Reconsideration Request Form")
    assert (form.category, form.effective, form.href) == (
        DocumentCategory.FORM, "02/01/2026", "/library/documents/ME-DOC-003/file")
    last = parse_library(_saved("meridian", "library_page2.html"))
    assert last.next_href is None
    retired = [r for r in first.rows + last.rows if r.retired]
    assert [(r.title, r.href) for r in retired] == [("Paper Claims Submission Notice", None)]
    html = _saved("meridian", "library_page1.html")
    for broken in (html.replace(">Effective Date<", ">Effective<"),
                   html.replace("02/01/2026", "2026-02-01"),
                   html.replace(">Forms<", ">Paperwork<"),
                   html.replace('data-layout="v1"', 'data-layout="v2"')):
        with pytest.raises(LayoutChanged):
            parse_library(broken)


def test_summit() -> None:
    first = parse_doclib(_saved("summit", "library_page1.html"))
    assert (first.page, first.pages) == (1, 2) and len(first.rows) == 4
    assert first.next_href == "/SBAOnline/doclib.asp?cat=ALL&pg=2"
    last = parse_doclib(_saved("summit", "library_page2.html"))
    assert last.next_href is None
    rows = first.rows + last.rows
    assert [r.title for r in rows if r.retired] == ["Paper Claims Submission Notice"]
    assert all(r.href == f"/SBAOnline/docview.asp?id={r.doc_id}" for r in rows
               if not r.retired)
    html = _saved("summit", "library_page1.html")
    for broken in (html.replace("EFF DATE", "EFFECTIVE"),
                   html.replace("docview.asp?id=SU-DOC-007", "docview.asp?id=SU-DOC-001"),
                   html.replace('content="v1"', 'content="v2"')):
        with pytest.raises(LayoutChanged):
            parse_doclib(broken)


def test_cascade() -> None:
    forms = parse_resources(_saved("cascade", "library_forms.html"), "forms")
    assert [(r.title, r.effective) for r in forms] == [
        ("Claim Reconsideration Request Form", "01-Feb-2026"),
        ("Provider Demographic Update Form", "15-Sep-2025"),
        ("Prior Authorization Request Form", "01-Jul-2025")]
    bulletins = parse_resources(_saved("cascade", "library_bulletins.html"), "bulletins")
    assert "Paper Claims Submission Notice" not in [r.title for r in bulletins]  # gone
    with pytest.raises(LayoutChanged):  # another tab than the one asked for
        parse_resources(_saved("cascade", "library_forms.html"), "bulletins")
    with pytest.raises(LayoutChanged):
        parse_resources(_saved("cascade", "library_forms.html").replace("Effective 01",
                                                                        "From 01"), "forms")


def test_northwind() -> None:
    first = parse_library_page(_saved("northwind", "library_page1.json"))
    assert (first.total, len(first.documents)) == (7, 3)
    assert first.next == "/api/library?after=NO-DOC-003"
    last = parse_library_page(_saved("northwind", "library_page3.json"))
    assert last.next is None and len(last.documents) == 1
    body = _saved("northwind", "library_page1.json")
    for broken in (body.replace('"effective"', '"effective_date"'),
                   body.replace('"policy_update"', '"memo"'),
                   body.replace('"revision":1', '"revision":"1"'),
                   body.replace("/download", "/file")):
        with pytest.raises(LayoutChanged):
            parse_library_page(broken)
