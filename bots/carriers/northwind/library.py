"""Northwind's document library, signed in: the JSON its single-page app reads
(``/api/library``, three documents a page, a ``next`` link to the end), read strictly
(every field with its exact type, nothing unknown: any change of shape is LayoutChanged),
then each document's PDF, in the browser's session. A retired document is gone from the
list: the store notices it missing. Everything is checked before it is returned."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Literal

from playwright.sync_api import APIResponse, Page
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.base import BotContext
from bots.carriers.northwind import selectors as S
from bots.errors import InconsistentResult, LayoutChanged, PortalUnavailable
from bots.flow import BUSY_STATUSES, NeedsLogin, retry_after
from portals.library import (
    DocumentCategory,
    LibraryRequest,
    LibraryResult,
    library_document,
    library_problems,
)

Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ApiDocument(_Strict):
    id: Text
    name: Text
    type: Literal["plan", "form", "policy_update"]
    effective: Text
    revision: int
    download: Text


class ApiLibraryPage(_Strict):
    documents: list[ApiDocument]
    total: int
    next: Text | None


def parse_library_page(body: str) -> ApiLibraryPage:
    """One answer of ``/api/library`` (pure: tested on saved answers)."""
    try:
        page = ApiLibraryPage.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()}) \
            if isinstance(exc, ValidationError) else ["(not JSON)"]
        raise LayoutChanged(f"the library list changed shape: {', '.join(fields)}") from None
    if page.next is not None and not re.fullmatch(S.LIBRARY_NEXT_PATTERN, page.next):
        raise LayoutChanged("the library list's next link has an unknown form")
    for document in page.documents:
        match = re.fullmatch(S.LIBRARY_DOWNLOAD_PATTERN, document.download)
        if match is None or match.group(1) != document.id:
            raise LayoutChanged(f"the download link of {document.name!r} has an unknown form")
        effective(document)
    return page


def effective(document: ApiDocument) -> dt.date:
    try:
        return dt.date.fromisoformat(document.effective)
    except ValueError:
        raise LayoutChanged(f"{document.name!r}: effective date in an unknown form") from None


def collect_library(page: Page, ctx: BotContext, request: LibraryRequest, *, carrier: str
                    ) -> LibraryResult:
    """The task :func:`bots.flow.signed_in` runs once the SPA shows a signed-in screen."""
    listed: list[ApiDocument] = []
    total: int | None = None
    path: str | None = S.LIBRARY_API
    for _ in range(S.LIBRARY_MAX_PAGES):
        if path is None:
            break
        ctx.on_event("library_page")
        answer = parse_library_page(_get(page, ctx, path, "application/json").text())
        if total is not None and answer.total != total:
            raise InconsistentResult("the library changed while it was read")
        total = answer.total
        listed += answer.documents
        path = answer.next
    else:
        raise LayoutChanged("the library list does not end")
    if len(listed) != total or len({d.id for d in listed}) != len(listed):
        raise InconsistentResult(f"the library lists {total} documents, {len(listed)} read")
    documents = []
    for document in listed:
        ctx.on_event("library_document")
        data = _get(page, ctx, document.download, S.LIBRARY_CONTENT_TYPE).body()
        if not data.startswith(b"%PDF-"):
            raise LayoutChanged(f"library document {document.id} is not a PDF")
        documents.append(library_document(
            title=document.name, category=DocumentCategory(S.LIBRARY_TYPES[document.type]),
            effective_date=effective(document), filename=f"{document.id}.pdf",
            portal_id=document.id, url=document.download, content=data))
    result = LibraryResult(carrier=carrier, documents=documents)
    problems = library_problems(request, result)
    if problems:
        raise InconsistentResult("; ".join(problems[:3]))
    return result


def _get(page: Page, ctx: BotContext, path: str, content_type: str) -> APIResponse:
    response = page.request.get(ctx.base_url.rstrip("/") + path)
    if response.status in BUSY_STATUSES:
        raise PortalUnavailable(f"the library answered {response.status}",
                                retry_after=retry_after(response.headers.get("retry-after")))
    if response.status == 401:
        raise NeedsLogin()
    got = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status != 200 or got != content_type:
        raise LayoutChanged(f"the library answered HTTP {response.status} ({got or 'no type'}) "
                            f"for {path.split('?')[0]}")
    return response


__all__ = ["collect_library", "parse_library_page"]
