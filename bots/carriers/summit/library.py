"""Summit Online's document library, in the ``main`` frame, signed in: every page of
``doclib.asp`` (all categories, four a page, "Next >>" to the end), each listed document's
PDF (``docview.asp``) in the browser's session. A retired document stays listed, its status
RETIRED, and is returned as retired. :func:`parse_doclib` is a pure function tested on
saved pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import Tag

from bots import parsing as p
from bots.base import BotContext
from bots.carriers.summit import selectors as S
from bots.carriers.summit.browser import SummitPortal
from bots.errors import InconsistentResult, LayoutChanged
from bots.flow import NeedsLogin
from portals.library import (
    DocumentCategory,
    LibraryRequest,
    LibraryResult,
    RetiredDocument,
    library_document,
    library_problems,
)


@dataclass(frozen=True)
class DocRow:
    doc_id: str
    title: str
    category: DocumentCategory
    effective: str
    retired: bool
    href: str | None


@dataclass(frozen=True)
class DocPage:
    rows: list[DocRow]
    page: int
    pages: int
    next_href: str | None


def parse_doclib(html: str) -> DocPage:
    page = p.soup(html)
    marker = page.select_one(S.LAYOUT_META)
    if marker is None or marker.get("content") != S.LAYOUT:
        raise LayoutChanged("the page is not Summit Online's known (v1) layout")
    if S.LIBRARY_HEADER_TEXT not in p.text(page.body, "page"):
        raise LayoutChanged("expected the provider document library")
    table = p.one(page, S.LIBRARY_TABLE, "document table")
    trs = table.find_all("tr")
    headers = [p.text(td, "header") if td.get_text(strip=True) else ""
               for td in trs[0].find_all("td")] if trs else []
    if headers != S.LIBRARY_COLUMNS:
        raise LayoutChanged(f"document table: headers {headers}, expected {S.LIBRARY_COLUMNS}")
    rows = [_row(tr.find_all("td")) for tr in trs[1:]]
    count = re.fullmatch(S.LIBRARY_PAGE_COUNT_PATTERN,
                         p.text(p.one(page, S.LIBRARY_PAGE_COUNT, "page count"), "page count"))
    if count is None:
        raise LayoutChanged("document library: the page count has an unknown form")
    number, pages = int(count.group(1)), int(count.group(2))
    links = page.select(S.LIBRARY_NEXT)
    if not rows or not 1 <= number <= pages or len(links) != (1 if number < pages else 0):
        raise LayoutChanged(f"document library: page {number} of {pages} with {len(rows)} "
                            f"rows and {len(links)} Next links")
    next_href = None
    if links:
        href = links[0].get("href")
        match = re.fullmatch(S.LIBRARY_NEXT_PATTERN, href) if isinstance(href, str) else None
        if match is None or int(match.group(1)) != number + 1:
            raise LayoutChanged("document library: the Next link has an unknown target")
        next_href = match.group(0)
    return DocPage(rows=rows, page=number, pages=pages, next_href=next_href)


def _row(cells: list[Tag]) -> DocRow:
    if len(cells) != len(S.LIBRARY_COLUMNS):
        raise LayoutChanged(f"document table: a row has {len(cells)} cells")
    doc_id, title, kind, effective, status = (p.text(c, "cell") for c in cells[:5])
    category = DocumentCategory(p.lookup(S.LIBRARY_TYPES, kind, f"type of {title!r}"))
    p.date(effective, S.LIBRARY_DATE_FORMAT, f"effective date of {title!r}")
    retired = p.lookup(S.LIBRARY_STATUSES, status, f"status of {title!r}") == "retired"
    links = cells[5].find_all("a")
    if len(links) != (0 if retired else 1):
        raise LayoutChanged(f"document table: {title!r} has {len(links)} VIEW links")
    href = None
    if links:
        target = links[0].get("href")
        match = re.fullmatch(S.LIBRARY_VIEW_PATTERN, target) if isinstance(target, str) \
            else None
        if match is None or match.group(1) != doc_id:
            raise LayoutChanged(f"document table: the VIEW link of {title!r} is unknown")
        href = match.group(0)
    return DocRow(doc_id=doc_id, title=title, category=category, effective=effective,
                  retired=retired, href=href)


def collect_library(portal: SummitPortal, ctx: BotContext, request: LibraryRequest, *,
                    carrier: str) -> LibraryResult:
    """The task :func:`bots.flow.signed_in` runs; the main frame shows the first page."""
    rows: list[DocRow] = []
    expected = 1
    while True:
        listed = parse_doclib(portal.html)
        if listed.page != expected:
            raise InconsistentResult(f"expected library page {expected}, the portal shows "
                                     f"page {listed.page}")
        rows += listed.rows
        if listed.next_href is None:
            break
        expected += 1
        ctx.on_event("library_page")
        state = portal.follow(portal.frame(), listed.next_href,
                              {"logon": S.LOGON_FORM, "library": S.LIBRARY_TABLE})
        if state == "logon":
            raise NeedsLogin()
    documents = []
    for row in rows:
        if row.href is None:
            continue
        ctx.on_event("library_document")
        filename = f"{row.doc_id}.pdf"
        _name, data = portal.download_pdf(row.href, name=_no_name, what="library document")
        documents.append(library_document(
            title=row.title, category=row.category,
            effective_date=p.date(row.effective, S.LIBRARY_DATE_FORMAT, "effective date"),
            filename=filename, portal_id=row.doc_id, url=row.href, content=data))
    result = LibraryResult(carrier=carrier, documents=documents, retired=[
        RetiredDocument(title=r.title, category=r.category, portal_id=r.doc_id)
        for r in rows if r.retired])
    problems = library_problems(request, result)
    if problems:
        raise InconsistentResult("; ".join(problems[:3]))
    return result


def _no_name(_disposition: str | None) -> str:
    """The file is named by its document id (its Content-Disposition is not needed)."""
    return ""
