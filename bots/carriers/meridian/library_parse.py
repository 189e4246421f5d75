"""Meridian's document library page -> library rows. A pure function over the page HTML
(no browser), tested on saved pages; as strict as the claims list: the known layout, the
page title, exact column headers, every value in Meridian's format, a pager that agrees
with the rows. Anything else raises LayoutChanged."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import Tag

from bots import parsing as p
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.parse_claims import _href, _ints, _known_page, _table
from bots.errors import LayoutChanged
from portals.library import DocumentCategory


@dataclass(frozen=True)
class LibraryRow:
    """One listed document; ``href`` is None for a retired one (no download)."""

    doc_id: str
    title: str
    category: DocumentCategory
    effective: str
    retired: bool
    href: str | None


@dataclass(frozen=True)
class LibraryPage:
    rows: list[LibraryRow]
    page: int
    pages: int
    next_href: str | None


def parse_library(html: str) -> LibraryPage:
    page = p.soup(html)
    root = _known_page(page, S.LIBRARY, S.LIBRARY_TITLE, S.LIBRARY_TITLE_TEXT)
    number, pages = _ints(S.PAGER_PATTERN, p.text(p.one(root, S.LIBRARY_PAGER_STATUS,
                                                        "library pager"), "library pager"),
                          "library pager")
    rows = [_row(cells) for cells in _table(root, S.LIBRARY_TABLE, S.LIBRARY_COLUMNS,
                                            "document library")]
    if not 1 <= number <= pages or not rows or len(rows) > S.LIBRARY_PAGE_SIZE \
            or (number < pages and len(rows) != S.LIBRARY_PAGE_SIZE):
        raise LayoutChanged(f"document library: page {number} of {pages} shows "
                            f"{len(rows)} rows")
    links = root.select(S.LIBRARY_PAGER_NEXT)
    if len(links) != (1 if number < pages else 0):
        raise LayoutChanged(f"document library: page {number} of {pages} has {len(links)} "
                            "Next links")
    next_href = None
    if links:
        next_href = _href(links[0], S.LIBRARY_NEXT_HREF_PATTERN.replace(r"(\d+)",
                                                                       str(number + 1)),
                          "library Next link")
    return LibraryPage(rows=rows, page=number, pages=pages, next_href=next_href)


def _row(cells: dict[str, Tag]) -> LibraryRow:
    def cell(name: str) -> str:
        return p.text(cells[name], f"library {name}")

    title = cell("Title")
    category = DocumentCategory(p.lookup(S.LIBRARY_CATEGORIES, cell("Category"),
                                         f"category of {title!r}"))
    effective = cell("Effective Date")
    p.date(effective, S.DATE_FORMAT, f"effective date of {title!r}")
    retired = p.lookup(S.LIBRARY_STATUSES, cell("Status"), f"status of {title!r}") \
        == "retired"
    links = cells["Download"].select(S.LIBRARY_DOWNLOAD)
    if len(links) != (0 if retired else 1):
        raise LayoutChanged(f"document library: {title!r} has {len(links)} download links")
    href = doc_id = None
    if links:
        href = _href(links[0], S.LIBRARY_DOWNLOAD_HREF_PATTERN, f"download of {title!r}")
        match = re.fullmatch(S.LIBRARY_DOWNLOAD_HREF_PATTERN, href)
        assert match is not None
        doc_id = match.group(1)
    return LibraryRow(doc_id=doc_id or "", title=title, category=category,
                      effective=effective, retired=retired, href=href)
