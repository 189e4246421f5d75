"""Cascade Dental's provider resources (its document library), signed in: each category's
tab in turn (no pagination), every document's link and effective date, then each file in
the browser's session. A retired document is gone from its tab. Parsing is a pure
function (:func:`parse_resources`) tested on saved pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from playwright.sync_api import APIResponse, Page

from bots import parsing as p
from bots.base import BotContext
from bots.carriers.cascade import selectors as S
from bots.errors import InconsistentResult, LayoutChanged
from portals.library import (
    DocumentCategory,
    LibraryRequest,
    LibraryResult,
    library_document,
    library_problems,
)


@dataclass(frozen=True)
class Resource:
    doc_id: str
    title: str
    effective: str
    href: str


def parse_resources(html: str, tab: str) -> list[Resource]:
    """The documents of the tab on screen; the page must be that tab's resources page."""
    page = p.soup(html)
    if p.text(page.select_one(S.LIBRARY_TITLE), "resources title") != S.LIBRARY_TITLE_TEXT:
        raise LayoutChanged("expected the provider resources page")
    listing = p.one(page, S.LIBRARY_LIST, "resource list")
    if listing.get("data-tab") != tab:
        raise LayoutChanged(f"the resources page shows tab {listing.get('data-tab')!r}, "
                            f"not {tab!r}")
    items = listing.select(S.LIBRARY_ITEM)
    if not items and not listing.select(S.LIBRARY_NONE):
        raise LayoutChanged("the resource list is neither filled nor empty")
    found = []
    for item in items:
        link = p.one(item, S.LIBRARY_LINK, "resource link")
        title = p.text(link, "resource title")
        href = link.get("href")
        if not isinstance(href, str) or not re.fullmatch(S.LIBRARY_FILE_PATTERN, href):
            raise LayoutChanged(f"the link of {title!r} has an unknown form")
        shown = p.text(p.one(item, S.LIBRARY_EFFECTIVE, "effective date"), "effective date")
        match = re.fullmatch(S.LIBRARY_EFFECTIVE_PATTERN, shown)
        if match is None:
            raise LayoutChanged(f"the effective date of {title!r} has an unknown form")
        p.date(match.group(1), S.LIBRARY_DATE_FORMAT, f"effective date of {title!r}")
        doc_id = item.get("data-id")
        if not isinstance(doc_id, str) or not doc_id:
            raise LayoutChanged(f"{title!r} has no document id")
        found.append(Resource(doc_id=doc_id, title=title, effective=match.group(1),
                              href=href))
    return found


def collect_library(page: Page, ctx: BotContext, request: LibraryRequest, *, carrier: str,
                    open_page: Callable[[str, str], None],
                    check_download: Callable[[APIResponse, str], None]) -> LibraryResult:
    """The task :func:`bots.flow.signed_in` runs on the first tab. ``open_page(path,
    ready)`` opens a portal page the bot's way (maintenance, a lapsed session, redesigns);
    ``check_download`` refuses a download the portal did not answer with the file."""
    documents = []
    for index, (tab, category) in enumerate(S.LIBRARY_TABS.items()):
        if index:
            open_page(S.LIBRARY_TAB_PATH.format(tab=tab), S.LIBRARY_LIST)
        ctx.on_event("library_tab")
        for resource in parse_resources(page.content(), tab):
            ctx.on_event("library_document")
            response = page.request.get(urljoin(ctx.base_url.rstrip("/") + "/",
                                                resource.href.lstrip("/")))
            check_download(response, f"resource {resource.doc_id}")
            got = response.headers.get("content-type", "").split(";")[0].strip()
            data = response.body()
            if got != S.PDF_CONTENT_TYPE or not data.startswith(S.PDF_MAGIC):
                raise LayoutChanged(f"resource {resource.doc_id} is not a PDF")
            documents.append(library_document(
                title=resource.title, category=DocumentCategory(category),
                effective_date=p.date(resource.effective, S.LIBRARY_DATE_FORMAT, "effective"),
                filename=resource.href.rsplit("/", 1)[-1], portal_id=resource.doc_id,
                url=resource.href, content=data))
    result = LibraryResult(carrier=carrier, documents=documents)
    problems = library_problems(request, result)
    if problems:
        raise InconsistentResult("; ".join(problems[:3]))
    return result
