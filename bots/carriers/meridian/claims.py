"""Meridian claim status and payments: the steps of one claim search, signed in.

By claim number (the portal ignores the date range then), or by member and a
date-of-service range, split into windows the portal accepts (at most 24 months each).
Every result page is read (10 claims a page, "Page k of N", a Next link), every claim
once (a claim spanning two windows is listed by both: it is read once), then its detail
page, then the remittance (EOB) PDF of each payment. Each claim is checked with
:func:`bots.parsing.verify_claims` as soon as it is read, all of them before anything is
downloaded, and again with their documents before the result is returned. A sign-in
page anywhere on the way is :class:`~bots.flow.NeedsLogin`: the flow kit logs in once and
the search starts over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import urlsplit

from playwright.sync_api import Page

from bots.base import BotContext, ClaimsOutcome
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.parse_claims import (
    ClaimRow,
    Remittance,
    parse_claim_detail,
    parse_claim_list,
)
from bots.errors import InconsistentResult, LayoutChanged, PatientMismatch, PortalUnavailable
from bots.flow import BUSY_STATUSES, NeedsLogin, Screens, check_response, retry_after
from bots.parsing import verify_claims
from portals.claims import Claim, ClaimResult, ClaimSearchRequest
from portals.model import Document, NotFound

Window = tuple[dt.date, dt.date]


def search_claims(page: Page, ctx: BotContext, request: ClaimSearchRequest,
                  screens: Screens, *, carrier: str) -> ClaimsOutcome:
    """The task :func:`bots.flow.signed_in` runs; the page shows the claim search form."""
    windows: list[Window | None] = [None] if request.claim_number is not None \
        else list(search_windows(_given(request.service_from), _given(request.service_to)))
    rows: dict[str, ClaimRow] = {}
    for index, window in enumerate(windows):
        if index:
            _goto(page, ctx, S.CLAIMS_PATH, {"form": S.CLAIM_SEARCH_FORM}, screens)
        outcome = _submit(page, ctx, request, window, screens)
        if outcome == "no_member":
            return NotFound(carrier=carrier, message=S.NO_MEMBER_TEXT)
        if outcome == "results":
            for row in _every_row(page, ctx, request, screens):
                rows.setdefault(row.claim_number, row)  # listed by two windows: read once
    claims: list[Claim] = []
    remittances: list[tuple[Claim, Remittance]] = []
    for row in rows.values():
        ctx.on_event("claim_detail")
        _goto(page, ctx, row.href, {"detail": S.CLAIM_DETAIL}, screens)
        shown = parse_claim_detail(page.content())
        if shown.claim.claim_number != row.claim_number:
            raise InconsistentResult(f"the link of claim {row.claim_number} shows claim "
                                     f"{shown.claim.claim_number}")
        # the requested patient's, asked for and balanced: stop at the first that is not
        verify_claims(ClaimResult(carrier=carrier, claims=[shown.claim]), request)
        claims.append(shown.claim)
        remittances += [(shown.claim, r) for r in shown.remittances]
    verify_claims(ClaimResult(carrier=carrier, claims=claims), request)
    files = [(r.filename, _download(page, ctx, r)) for _claim, r in remittances]
    documents = [Document(kind="remittance", filename=name, content_type=S.EOB_CONTENT_TYPE,
                          sha256=hashlib.sha256(data).hexdigest(), size=len(data))
                 for name, data in files]
    result = ClaimResult(carrier=carrier, claims=claims, documents=documents)
    verify_claims(result, request)
    for name, data in files:  # kept only once the whole result holds
        ctx.artifacts.put("document", name, S.EOB_CONTENT_TYPE, data)
    return result


def search_windows(start: dt.date, end: dt.date) -> list[Window]:
    """``start``..``end`` in consecutive windows of at most 24 months (the portal's cap:
    a window ends the day before the same date 24 months on)."""
    windows = []
    while start <= end:
        stop = min(end, add_months(start, S.CLAIM_RANGE_MONTHS) - dt.timedelta(days=1))
        windows.append((start, stop))
        start = stop + dt.timedelta(days=1)
    return windows


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day when it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _given(day: dt.date | None) -> dt.date:
    if day is None:  # pragma: no cover - ClaimSearchRequest guarantees both dates
        raise ValueError("a date-range search needs both dates")
    return day


def _submit(page: Page, ctx: BotContext, request: ClaimSearchRequest, window: Window | None,
            screens: Screens) -> str:
    """Fill and send the search form: "results", "no_claims" or "no_member"."""
    ctx.on_event("claim_search")
    page.locator(S.CLAIM_MEMBER_ID).fill(request.member_id)
    page.locator(S.CLAIM_DOB).fill(request.date_of_birth.strftime(S.DATE_FORMAT))
    page.locator(S.CLAIM_LAST_NAME).fill(request.last_name)
    if window is None:
        assert request.claim_number is not None
        page.locator(S.MODE_CLAIM_NUMBER).check()
        page.locator(S.CLAIM_NUMBER).fill(request.claim_number)
        page.locator(S.SERVICE_FROM).fill("")
        page.locator(S.SERVICE_TO).fill("")
    else:
        page.locator(S.MODE_DATE_RANGE).check()
        page.locator(S.CLAIM_NUMBER).fill("")
        page.locator(S.SERVICE_FROM).fill(window[0].strftime(S.DATE_FORMAT))
        page.locator(S.SERVICE_TO).fill(window[1].strftime(S.DATE_FORMAT))
    page.locator(S.CLAIM_SEARCH_BUTTON).click()
    state = screens.wait(page, {"results": S.CLAIM_RESULTS, "error": S.CLAIM_SEARCH_ERROR,
                                "login": S.LOGIN_FORM})
    if state == "login":
        raise NeedsLogin()
    if state == "results":
        return state
    message = " ".join(page.locator(S.CLAIM_SEARCH_ERROR).inner_text().split())
    if message.startswith(S.NO_CLAIMS_TEXT):
        return "no_claims"
    if message.startswith(S.NO_MEMBER_TEXT):
        return "no_member"
    raise LayoutChanged(f"the claim search form refused the request: {message}")


def _every_row(page: Page, ctx: BotContext, request: ClaimSearchRequest, screens: Screens
               ) -> list[ClaimRow]:
    """Every row of every result page of the search on screen, each claim once."""
    rows: list[ClaimRow] = []
    expected = 1
    pages: int | None = None
    while True:
        listed = parse_claim_list(page.content())
        if listed.page != expected or (pages is not None and listed.pages != pages):
            raise InconsistentResult(f"expected result page {expected} of {pages}, the "
                                     f"portal shows page {listed.page} of {listed.pages}")
        pages = listed.pages
        for row in listed.rows:
            if row.member_id.upper() != request.member_id.strip().upper():
                raise PatientMismatch("the claim list shows a claim of another member ID")
            if any(seen.claim_number == row.claim_number for seen in rows):
                raise InconsistentResult(f"claim {row.claim_number} is listed twice")
            rows.append(row)
        if listed.next_href is None:
            return rows
        expected += 1
        ctx.on_event("claim_page")
        _goto(page, ctx, listed.next_href, {"results": S.CLAIM_RESULTS}, screens)


def _goto(page: Page, ctx: BotContext, path: str, ready: dict[str, str],
          screens: Screens) -> None:
    """Open a portal page and wait for ``ready``; sign-in is NeedsLogin, an error page
    (a search the portal forgot) LayoutChanged with the portal's words."""
    check_response(page.goto(_url(ctx, path)))
    state = screens.wait(page, {**ready, "login": S.LOGIN_FORM, "error": S.ERROR_TITLE})
    if state == "login":
        raise NeedsLogin()
    if state == "error":
        words = " ".join(page.locator(S.ERROR_MESSAGE).inner_text().split())
        raise LayoutChanged(f"the portal shows an error page: {words}")


def _download(page: Page, ctx: BotContext, remittance: Remittance) -> bytes:
    """The EOB PDF, fetched in the browser's session (its cookies)."""
    ctx.on_event("remittance")
    response = page.request.get(_url(ctx, remittance.href))
    if response.status in BUSY_STATUSES:
        raise PortalUnavailable(f"the EOB download answered {response.status}",
                                retry_after=retry_after(response.headers.get("retry-after")))
    if urlsplit(response.url).path == urlsplit(_url(ctx, S.LOGIN_PATH)).path:
        raise NeedsLogin()
    data = response.body()
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status != 200 or content_type != S.EOB_CONTENT_TYPE \
            or not data.startswith(S.EOB_MAGIC):
        raise LayoutChanged(f"the EOB of payment {remittance.payment_number} is not a PDF "
                            f"(HTTP {response.status}, {content_type or 'no content type'})")
    return data


def _url(ctx: BotContext, path: str) -> str:
    return ctx.base_url.rstrip("/") + path
