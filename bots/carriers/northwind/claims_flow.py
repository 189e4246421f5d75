"""Northwind's claims job, signed in: the claims screen, the search (by claim number, or
member + dates of service), "Load more" until the SPA's own data says there is no more,
then every claim's detail drawer and its EOB PDF.

The screen and the SPA's JSON are both read strictly and must agree: the list row by row,
every claim field by field. A claim listed twice is read once (the same claim number with
other amounts is InconsistentResult). Nothing is kept, not even the EOB files, until
:func:`bots.parsing.verify_claims` has passed: every claim the requested patient's, asked
for, once, balanced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, Response

from bots.base import BotContext, ClaimsOutcome
from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.bot import wait_signed_in
from bots.carriers.northwind.claims_api import parse_claim_detail, parse_claim_page
from bots.carriers.northwind.parse_claims import (
    ClaimRow,
    ReadClaim,
    parse_claim_drawer,
    parse_claims_list,
)
from bots.errors import InconsistentResult, LayoutChanged
from bots.flow import NeedsLogin, check_response
from bots.parsing import verify_claims
from portals.claims import Claim, ClaimResult, ClaimSearchRequest
from portals.model import Document, NotFound

CARRIER = "northwind"
MAX_PAGES = 200
"""More "Load more" answers than any member has claims: the portal is looping."""
_SESSION_GONE = frozenset({"session_expired", "not_signed_in", "csrf_failed"})


def search_claims(page: Page, ctx: BotContext, request: ClaimSearchRequest) -> ClaimsOutcome:
    ctx.on_event("claims_search")
    if not page.locator(S.CLAIMS_FORM).is_visible():
        page.locator(S.NAV_CLAIMS).click()
        wait_signed_in(page, {"claims": S.CLAIMS_FORM})
    _fill(page, request)
    with page.expect_response(_call("POST", S.CLAIMS_SEARCH_API)) as answer:
        page.locator(S.CLAIMS_SEARCH_BUTTON).click()
    response = answer.value
    check_response(response)
    state = wait_signed_in(page, {"list": S.CLAIMS_LIST, "none": S.CLAIMS_NONE,
                                  "no_member": S.CLAIMS_NO_MEMBER,
                                  "invalid": S.CLAIMS_ERROR})
    if state == "invalid":
        message = page.locator(S.CLAIMS_ERROR).inner_text().strip()
        raise LayoutChanged(f"the claims search refused the request: {message}")
    if state == "no_member":
        if response.status != 404:
            raise LayoutChanged(f"'no member' shown for an answer {response.status}")
        return NotFound(carrier=CARRIER,
                        message=page.locator(S.CLAIMS_NO_MEMBER).inner_text().strip())
    if response.status != 200:
        raise LayoutChanged(f"the claims search answered {response.status}")
    rows, cursor, total = parse_claim_page(response.body())
    if state == "none":
        if rows or cursor is not None or total:
            raise LayoutChanged("the screen says no claims, the portal's data lists some")
        result = ClaimResult(carrier=CARRIER)
        verify_claims(result, request)
        return result
    rows = _load_all(page, ctx, rows, cursor, total)
    read = []
    for row in _once(rows):
        item = _read_claim(page, ctx, row)
        # each claim is checked as soon as it is read: a wrong one stops the job at once
        verify_claims(ClaimResult(carrier=CARRIER, claims=[item[0].claim]), request)
        read.append(item)
    return _keep(ctx, read, request)


def _fill(page: Page, request: ClaimSearchRequest) -> None:
    page.locator(S.CLAIMS_MEMBER_ID).fill(request.member_id)
    page.locator(S.CLAIMS_DOB).fill(request.date_of_birth.isoformat())
    page.locator(S.CLAIMS_LAST_NAME).fill(request.last_name)
    if request.claim_number is not None:
        page.locator(S.CLAIMS_NUMBER).fill(request.claim_number)
        return
    assert request.service_from is not None and request.service_to is not None
    page.locator(S.CLAIMS_FROM).fill(request.service_from.isoformat())
    page.locator(S.CLAIMS_TO).fill(request.service_to.isoformat())


def _load_all(page: Page, ctx: BotContext, rows: list[ClaimRow], cursor: str | None,
              total: int) -> list[ClaimRow]:
    """Click "Load more" until the data says there is no more; the screen must agree at
    every step and, at the end, list exactly the rows the data sent."""
    for _ in range(MAX_PAGES):
        state = wait_signed_in(page, {"more": S.CLAIMS_MORE_READY, "end": S.CLAIMS_END})
        if (state == "more") != (cursor is not None):
            raise LayoutChanged("the screen and the portal's data disagree on whether more "
                                "claims follow")
        if cursor is None:
            break
        ctx.on_event("claims_page")
        with page.expect_response(_call("GET", S.CLAIMS_MORE_API_PREFIX + cursor)) as answer:
            page.locator(S.CLAIMS_MORE).click()
        response = answer.value
        check_response(response)
        if response.status != 200:
            wait_signed_in(page, {"more": S.CLAIMS_MORE_READY, "end": S.CLAIMS_END})
            raise LayoutChanged(f"'Load more' answered {response.status}")
        more, cursor, page_total = parse_claim_page(response.body())
        if page_total != total or not more:
            raise LayoutChanged("a 'Load more' answer changed the total or brought nothing")
        rows = rows + more
    else:
        raise LayoutChanged(f"'Load more' still offered after {MAX_PAGES} pages")
    shown = parse_claims_list(page.locator(S.CLAIMS_OUTPUT).evaluate("e => e.outerHTML"))
    if shown != rows or len(rows) != total:
        raise LayoutChanged(f"the claims list shows {len(shown)} rows, the portal's data "
                            f"{len(rows)} of {total}, and they must be the same")
    return rows


def _once(rows: list[ClaimRow]) -> list[ClaimRow]:
    """Each claim once: a claim listed again (paging overlap) is read once; listed again
    with other facts, the portal contradicts itself."""
    first: dict[str, ClaimRow] = {}
    for row in rows:
        key = row.claim_number.upper()
        seen = first.setdefault(key, row)
        if seen is not row and _facts(seen) != _facts(row):
            raise InconsistentResult(f"claim {row.claim_number} is listed twice, with "
                                     "different facts")
    return list(first.values())


def _facts(row: ClaimRow) -> tuple[object, ...]:
    return (row.claim_number, row.service_from, row.service_to, row.billed, row.paid,
            row.status)


def _read_claim(page: Page, ctx: BotContext, row: ClaimRow) -> tuple[ReadClaim, bytes | None]:
    """Open the claim's drawer (catching its data), read both, and fetch its EOB."""
    ctx.on_event("claim_detail")
    button = page.locator(f'{S.CLAIMS_ROWS}[data-ref="{row.ref}"]').locator(S.VIEW_CLAIM)
    with page.expect_response(_call("GET", S.CLAIM_API_PREFIX + row.ref)) as answer:
        button.click()
    response = answer.value
    check_response(response)
    wait_signed_in(page, {"drawer": S.DRAWER_FOR.format(ref=row.ref)})
    if response.status != 200:
        raise LayoutChanged(f"the claim detail answered {response.status}")
    shown = parse_claim_drawer(page.locator(S.DRAWER).evaluate("e => e.outerHTML"))
    data = parse_claim_detail(response.body(), row.ref)
    if shown != data:
        raise LayoutChanged("the claim drawer and the portal's data disagree on "
                            + ", ".join(_differences(shown.claim, data.claim))
                            + ("" if shown.eob_filename == data.eob_filename else " the EOB"))
    claim = shown.claim
    if _facts(row) != (claim.claim_number, claim.service_from, claim.service_to,
                       claim.billed, claim.paid, claim.status.portal_text):
        raise LayoutChanged(f"the claims list and the drawer disagree on claim "
                            f"{row.claim_number}")
    if shown.eob_filename is None:
        return shown, None
    return shown, _download_eob(page, ctx, shown.eob_filename)


def _download_eob(page: Page, ctx: BotContext, filename: str) -> bytes:
    ctx.on_event("eob")
    with page.expect_download() as started:
        page.locator(S.EOB_LINK).click()
    download = started.value
    if download.failure() is not None:
        raise LayoutChanged("the EOB download failed")
    data = Path(download.path()).read_bytes()
    if not data.startswith(b"%PDF-"):
        if _session_gone(data):
            raise NeedsLogin
        raise LayoutChanged("the EOB download is not a PDF")
    if download.suggested_filename != filename:
        raise LayoutChanged("the EOB download is named otherwise than the drawer says")
    return data


def _session_gone(data: bytes) -> bool:
    try:
        answer = json.loads(data)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error") in _SESSION_GONE


def _keep(ctx: BotContext, read: list[tuple[ReadClaim, bytes | None]],
          request: ClaimSearchRequest) -> ClaimResult:
    """The result, verified; only then are the EOB files kept."""
    files = [(item.eob_filename, data) for item, data in read
             if item.eob_filename is not None and data is not None]
    result = ClaimResult(
        carrier=CARRIER, claims=[item.claim for item, _ in read],
        documents=[Document(kind="remittance", filename=name, content_type="application/pdf",
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
                   for name, data in files])
    verify_claims(result, request)
    for name, data in files:
        ctx.artifacts.put("document", name, "application/pdf", data)
    return result


def _differences(a: Claim, b: Claim) -> list[str]:
    left, right = a.model_dump(mode="json"), b.model_dump(mode="json")
    return [key for key in left if left[key] != right[key]][:6] or ["nothing visible"]


def _call(method: str, path: str) -> Callable[[Response], bool]:
    def matches(response: Response) -> bool:
        return (response.request.method == method
                and urlsplit(response.url).path == path)

    return matches
