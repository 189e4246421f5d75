"""Meridian's document library, signed in: every page of ``/library`` (all categories,
5 a page, Next links to the end), then each current document's PDF, fetched in the
browser's session. Retired documents stay listed, marked, and are returned as retired.
Everything is checked (:func:`portals.library.library_problems`) before it is returned."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page

from bots.base import BotContext
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.library_parse import LibraryRow, parse_library
from bots.errors import InconsistentResult, LayoutChanged, PortalUnavailable
from bots.flow import BUSY_STATUSES, NeedsLogin, Screens, check_response, retry_after
from bots.parsing import date
from portals.library import (
    LibraryRequest,
    LibraryResult,
    RetiredDocument,
    library_document,
    library_problems,
)


def collect_library(page: Page, ctx: BotContext, request: LibraryRequest, screens: Screens,
                    *, carrier: str) -> LibraryResult:
    """The task :func:`bots.flow.signed_in` runs; the page shows the library's first page."""
    rows: list[LibraryRow] = []
    expected = 1
    while True:
        listed = parse_library(page.content())
        if listed.page != expected:
            raise InconsistentResult(f"expected library page {expected}, the portal shows "
                                     f"page {listed.page}")
        rows += listed.rows
        if listed.next_href is None:
            break
        expected += 1
        ctx.on_event("library_page")
        check_response(page.goto(_url(ctx, listed.next_href)))
        state = screens.wait(page, {"library": S.LIBRARY_TABLE, "login": S.LOGIN_FORM})
        if state == "login":
            raise NeedsLogin()
    documents = [library_document(
        title=row.title, category=row.category,
        effective_date=date(row.effective, S.DATE_FORMAT, "effective date"),
        filename=f"{row.doc_id}.pdf", portal_id=row.doc_id, url=row.href,
        content=_download(page, ctx, row.href)) for row in rows if row.href is not None]
    result = LibraryResult(carrier=carrier, documents=documents, retired=[
        RetiredDocument(title=row.title, category=row.category) for row in rows
        if row.retired])
    problems = library_problems(request, result)
    if problems:
        raise InconsistentResult("; ".join(problems[:3]))
    return result


def _download(page: Page, ctx: BotContext, href: str) -> bytes:
    ctx.on_event("library_document")
    response = page.request.get(_url(ctx, href))
    if response.status in BUSY_STATUSES:
        raise PortalUnavailable(f"a library download answered {response.status}",
                                retry_after=retry_after(response.headers.get("retry-after")))
    if urlsplit(response.url).path == urlsplit(_url(ctx, S.LOGIN_PATH)).path:
        raise NeedsLogin()
    data = response.body()
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status != 200 or content_type != S.LIBRARY_CONTENT_TYPE \
            or not data.startswith(S.EOB_MAGIC):
        raise LayoutChanged(f"library document {href} is not a PDF (HTTP {response.status}, "
                            f"{content_type or 'no content type'})")
    return data


def _url(ctx: BotContext, path: str) -> str:
    return ctx.base_url.rstrip("/") + path
