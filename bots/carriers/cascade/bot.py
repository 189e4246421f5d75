"""Cascade Dental: a server-rendered dental portal with e-mailed codes, benefits in an
iframe, a benefit summary PDF, and claims with an EOB PDF each.

Both jobs share one sign-in and one page classifier (:mod:`bots.flow`): open the job's
first page; a saved session lands there directly, otherwise the portal shows sign-in (a
lapsed session too) and the bot signs in once: user ID and passcode, then the code the
portal e-mails to the account's address (read from the run's code inbox). A page that
asks to sign in part-way through a job means the session lapsed: one more sign-in, then
the job starts over; a second lapse is ``SessionExpired``.

Eligibility: look the patient up, read the record page and check it is the requested
patient's, read the benefits inside the iframe and check the frame names the same member,
download the benefit summary PDF, check it is a PDF naming the patient, and keep it.

Claims: search by the patient and a claim number, or by the patient and service dates in
windows of at most 180 days (the portal's cap); read every page of every window's results,
each claim's detail once (a claim spanning two windows is listed twice), check every
claim is the patient's and balances (:func:`bots.parsing.verify_claims`), and only then
download the EOB PDF of each claim that offers one.

Every page after a click is classified at once (known states, the portal's down pages,
the v2 redesign's marker, else "an unknown page"), so a redesigned portal fails as
LayoutChanged without waiting for a timeout.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin, urlparse

from playwright.sync_api import APIResponse, Frame, Page, Response

from bots.base import BotContext, Capability, CarrierBot, ClaimsOutcome, MfaKind, Outcome
from bots.carriers.cascade import selectors as S
from bots.carriers.cascade.document import (
    check_eob,
    check_summary,
    eob_document,
    eob_filename,
    summary_document,
    summary_filename,
)
from bots.carriers.cascade.library import collect_library
from bots.carriers.cascade.parse import RecordPage, parse_record
from bots.carriers.cascade.parse_claims import ClaimLink, parse_claim_detail, parse_claim_list
from bots.carriers.cascade.parse_frame import parse_frame
from bots.errors import LayoutChanged, MfaFailed, PasswordExpired, PortalUnavailable
from bots.flow import (
    BUSY_STATUSES,
    NeedsLogin,
    Screens,
    check_response,
    login_refused,
    out_of_band_code,
    retry_after,
    signed_in,
)
from bots.parsing import verify_claims, verify_patient
from bots.registry import register
from portals.claims import Claim, ClaimResult, ClaimSearchRequest
from portals.library import LibraryRequest, LibraryResult
from portals.model import Document, EligibilityRequest, EligibilityResult, NotFound

SCREENS = Screens(down={"maintenance": S.MAINTENANCE, "unavailable": S.UNAVAILABLE},
                  unknown=S.UNKNOWN_LAYOUTS)
"""Cascade's page classifier: its down pages and the markers of layouts it does not know."""
_OTHER = {"other": S.ANY_PAGE}


@register
class CascadeBot(CarrierBot):
    name = "cascade"
    display_name = "Cascade Dental"
    capabilities = frozenset({Capability.ELIGIBILITY, Capability.DOCUMENTS,
                              Capability.CLAIMS, Capability.LIBRARY})
    mfa_kinds = frozenset({MfaKind.EMAIL})

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        def task() -> Outcome:
            if self._lookup(page, ctx, request) == "no_match":
                return NotFound(carrier=self.name, message=S.NO_MATCH_TEXT)
            return self._read(page, ctx, request)

        return signed_in(ctx, start=lambda: self._open(page, ctx, S.PATIENTS_PATH,
                                                       S.LOOKUP_FORM, "open_lookup"),
                         login=lambda: self._sign_in(page, ctx), task=task)

    def search_claims(self, page: Page, ctx: BotContext, request: ClaimSearchRequest
                      ) -> ClaimsOutcome:
        return signed_in(ctx, start=lambda: self._open(page, ctx, S.CLAIMS_PATH,
                                                       S.CLAIM_FORM, "open_claims"),
                         login=lambda: self._sign_in(page, ctx),
                         task=lambda: self._claims(page, ctx, request))

    def collect_library(self, page: Page, ctx: BotContext, request: LibraryRequest
                        ) -> LibraryResult:
        def open_tab(path: str, ready: str) -> None:
            state = _settle(page, page.goto(ctx.base_url.rstrip("/") + path),
                            {"ready": ready, "signin": S.SIGNIN_FORM})
            if state == "signin":
                raise NeedsLogin()

        return signed_in(ctx, start=lambda: self._open(page, ctx, S.LIBRARY_PATH,
                                                       S.LIBRARY_LIST, "open_library"),
                         login=lambda: self._sign_in(page, ctx),
                         task=lambda: collect_library(page, ctx, request, carrier=self.name,
                                                      open_page=open_tab,
                                                      check_download=_check_download))

    # -- sign-in (shared by both jobs) ----------------------------------------------------------

    def _open(self, page: Page, ctx: BotContext, path: str, ready: str, event: str) -> bool:
        """Open a job's first page: True when it shows, False when sign-in shows."""
        ctx.on_event(event)
        response = page.goto(ctx.base_url.rstrip("/") + path)
        return _settle(page, response, {"ready": ready, "signin": S.SIGNIN_FORM}) == "ready"

    def _sign_in(self, page: Page, ctx: BotContext) -> None:
        if not page.locator(S.SIGNIN_FORM).is_visible():  # a lapse seen in a frame or file
            _settle(page, page.goto(ctx.base_url.rstrip("/") + S.SIGNIN_PATH),
                    {"signin": S.SIGNIN_FORM})
        creds = ctx.credentials
        page.locator(S.USER_ID).fill(creds.username)
        page.locator(S.PASSCODE).fill(creds.password.get_secret_value())
        with page.expect_navigation() as navigation:
            page.locator(S.SIGNIN_SUBMIT).click()
        state = _settle(page, navigation.value, {"verify": S.VERIFY_FORM,
                                                 "error": S.SIGNIN_ERROR,
                                                 "expired": S.PASSCODE_EXPIRED})
        if state == "expired":
            raise PasswordExpired("the portal demands a new passcode before anything else")
        if state == "error":
            raise login_refused(page.locator(S.SIGNIN_ERROR).inner_text(), [S.LOCKED_TEXT])
        self._email_code(page, ctx)

    def _email_code(self, page: Page, ctx: BotContext) -> None:
        sent = page.locator(S.CODE_SENT).inner_text().strip()
        match = re.fullmatch(S.CODE_SENT_PATTERN, sent)
        if match is None:
            raise LayoutChanged(f"the code page does not say where the code went: {sent!r}")
        recipient = ctx.credentials.mfa_recipient
        if recipient and not _matches_mask(recipient, match["mask"]):
            raise MfaFailed("the portal e-mailed the code to another address than the one "
                            "stored for this account")
        code = out_of_band_code(ctx, S.CODE_CHANNEL)
        page.locator(S.EMAIL_CODE).fill(code)
        with page.expect_navigation() as navigation:
            page.locator(S.CODE_SUBMIT).click()
        state = _settle(page, navigation.value, {"error": S.CODE_ERROR,
                                                 "signin": S.SIGNIN_FORM,
                                                 "dashboard": S.DASHBOARD,
                                                 "lookup": S.LOOKUP_FORM})
        if state == "error":
            message = page.locator(S.CODE_ERROR).inner_text().strip()
            raise MfaFailed(f"the portal refused the e-mailed code: {message}")
        if state == "signin":
            message = (page.locator(S.SIGNIN_ERROR).inner_text().strip()
                       if page.locator(S.SIGNIN_ERROR).count() else "")
            if S.LOCKED_TEXT in message.lower():
                raise login_refused(message, [S.LOCKED_TEXT])
            raise MfaFailed("the portal went back to sign-in after the code")

    # -- eligibility --------------------------------------------------------------------------

    def _lookup(self, page: Page, ctx: BotContext, request: EligibilityRequest) -> str:
        ctx.on_event("search")
        page.locator(S.LOOKUP_MEMBER_ID).fill(request.member_id)
        page.locator(S.LOOKUP_DOB).fill(_cascade_date(request.date_of_birth))
        page.locator(S.LOOKUP_LAST_NAME).fill(request.last_name)
        with page.expect_navigation() as navigation:
            page.locator(S.LOOKUP_SUBMIT).click()
        state = _settle(page, navigation.value, {"record": S.RECORD,
                                                 "message": S.LOOKUP_MESSAGE,
                                                 "signin": S.SIGNIN_FORM})
        if state == "signin":
            raise NeedsLogin()
        if state == "message":
            message = page.locator(S.LOOKUP_MESSAGE).inner_text().strip()
            if message.startswith(S.NO_MATCH_TEXT):
                return "no_match"
            raise LayoutChanged(f"the lookup form refused the request: {message}")
        return state

    def _read(self, page: Page, ctx: BotContext, request: EligibilityRequest
              ) -> EligibilityResult:
        ctx.on_event("open_benefits")
        record = parse_record(page.content())
        verify_patient(record.member, request)
        frame = parse_frame(self._frame_html(page), member=record.member, family=record.family)
        document = self._benefit_summary(page, ctx, record)
        return EligibilityResult(
            carrier=self.name, member=record.member, subscriber=record.subscriber,
            plan=record.plan, coverage=record.coverage, benefits=frame.benefits,
            prior_authorizations=frame.prior_authorizations, documents=[document])

    def _frame_html(self, page: Page) -> str:
        """The benefits iframe's document, once it shows the benefits (or why not)."""
        handle = page.locator(S.BENEFITS_FRAME).element_handle()
        frame: Frame | None = handle.content_frame()
        if frame is None:
            raise LayoutChanged("the benefits frame has no document")
        state = _settle(frame, None, {"benefits": S.FRAME_ROOT, "signin": S.SIGNIN_FORM})
        if state == "signin":
            raise NeedsLogin()
        return frame.content()

    def _benefit_summary(self, page: Page, ctx: BotContext, record: RecordPage) -> Document:
        """Download the summary PDF with the page's session, check it and keep it."""
        ctx.on_event("download_document")
        response = page.request.get(urljoin(page.url, record.summary_href),
                                    fail_on_status_code=False)
        _check_download(response, "the benefit summary download")
        filename = summary_filename(response.headers)
        data = response.body()
        check_summary(data, record.member)
        ctx.artifacts.put("document", filename, S.PDF_CONTENT_TYPE, data)
        return summary_document(filename, data)

    # -- claims -------------------------------------------------------------------------------

    def _claims(self, page: Page, ctx: BotContext, request: ClaimSearchRequest
                ) -> ClaimsOutcome:
        """Every claim the search asks for, each read once, or NotFound."""
        links: dict[str, ClaimLink] = {}
        for number, window in enumerate(_windows(request)):
            # each further window starts from the search form again
            if number and not self._open(page, ctx, S.CLAIMS_PATH, S.CLAIM_FORM,
                                         "open_claims"):
                raise NeedsLogin()
            found = self._claim_search(page, ctx, request, window)
            if found is None:
                return NotFound(carrier=self.name, message=S.NO_MATCH_TEXT)
            for link in found:  # a claim whose dates span two windows is listed in both
                links.setdefault(link.number.upper(), link)
        claims: list[Claim] = []
        eobs: list[tuple[Claim, str]] = []
        for link in links.values():
            claim, eob_url = self._claim_detail(page, ctx, link, request)
            claims.append(claim)
            if eob_url is not None:
                eobs.append((claim, eob_url))
        verify_claims(ClaimResult(carrier=self.name, claims=claims), request)
        documents = [self._eob(page, ctx, claim, url) for claim, url in eobs]
        result = ClaimResult(carrier=self.name, claims=claims, documents=documents)
        verify_claims(result, request)
        return result

    def _claim_search(self, page: Page, ctx: BotContext, request: ClaimSearchRequest,
                      window: tuple[dt.date, dt.date] | None) -> list[ClaimLink] | None:
        """One search (a claim number, or one window of dates): every claim it lists, on
        every page; None when the portal knows no such patient."""
        ctx.on_event("search_claims")
        page.locator(S.CLAIM_MEMBER_ID).fill(request.member_id)
        page.locator(S.CLAIM_DOB).fill(_cascade_date(request.date_of_birth))
        page.locator(S.CLAIM_LAST_NAME).fill(request.last_name)
        if window is None:
            assert request.claim_number is not None
            page.locator(S.CLAIM_NUMBER).fill(request.claim_number)
        else:
            page.locator(S.CLAIM_FROM).fill(_cascade_date(window[0]))
            page.locator(S.CLAIM_TO).fill(_cascade_date(window[1]))
        with page.expect_navigation() as navigation:
            page.locator(S.CLAIM_SUBMIT).click()
        state = _settle(page, navigation.value, {"results": S.CLAIM_RESULTS,
                                                 "message": S.CLAIM_MESSAGE,
                                                 "signin": S.SIGNIN_FORM})
        if state == "signin":
            raise NeedsLogin()
        if state == "message":
            message = page.locator(S.CLAIM_MESSAGE).inner_text().strip()
            if message.startswith(S.NO_MATCH_TEXT):
                return None
            raise LayoutChanged(f"the claim search refused the request: {message}")
        listed = parse_claim_list(page.content())
        links = list(listed.links)
        while listed.next_href is not None:
            expected_page = listed.page + 1
            response = page.goto(urljoin(page.url, listed.next_href))
            if _settle(page, response, {"results": S.CLAIM_RESULTS,
                                        "signin": S.SIGNIN_FORM}) == "signin":
                raise NeedsLogin()
            following = parse_claim_list(page.content())
            if (following.page, following.pages, following.count) != \
                    (expected_page, listed.pages, listed.count):
                raise LayoutChanged(f"the results went from page {listed.page} of "
                                    f"{listed.pages} to page {following.page} of "
                                    f"{following.pages}")
            listed = following
            links += listed.links
        if len(links) != listed.count or \
                len({link.number.upper() for link in links}) != len(links):
            raise LayoutChanged(f"the results count {listed.count} claims but list "
                                f"{len(links)} (or one twice)")
        return links

    def _claim_detail(self, page: Page, ctx: BotContext, link: ClaimLink,
                      request: ClaimSearchRequest) -> tuple[Claim, str | None]:
        """The claim behind a list row, checked to be the patient's; its EOB's address."""
        ctx.on_event("read_claim")
        response = page.goto(urljoin(page.url, link.href))
        if _settle(page, response, {"detail": S.CLAIM_DETAIL,
                                    "signin": S.SIGNIN_FORM}) == "signin":
            raise NeedsLogin()
        detail = parse_claim_detail(page.content())
        if detail.claim.claim_number.upper() != link.number.upper():
            raise LayoutChanged(f"the list's claim {link.number} opened claim "
                                f"{detail.claim.claim_number}")
        verify_patient(detail.claim.patient, request)
        eob = urljoin(page.url, detail.eob_href) if detail.eob_href else None
        return detail.claim, eob

    def _eob(self, page: Page, ctx: BotContext, claim: Claim, url: str) -> Document:
        """Download a claim's EOB with the page's session, check it and keep it."""
        ctx.on_event("download_document")
        response = page.request.get(url, fail_on_status_code=False)
        if urlparse(response.url).path == S.SIGNIN_PATH:
            raise NeedsLogin()
        _check_download(response, "the EOB download")
        filename = eob_filename(response.headers, claim.claim_number)
        data = response.body()
        check_eob(data, claim)
        ctx.artifacts.put("document", filename, S.PDF_CONTENT_TYPE, data)
        return eob_document(filename, data)


def _settle(page: Page | Frame, response: Response | None, states: dict[str, str]) -> str:
    """Which known page the browser shows now; the portal being down, a redesign, or an
    unknown page raise."""
    check_response(response)
    state = SCREENS.wait(page, {**states, **_OTHER})
    if state == "other":
        raise LayoutChanged(f"the portal shows a page the bot does not know ({page.url})")
    return state


def _check_download(response: APIResponse, what: str) -> None:
    if response.status in BUSY_STATUSES or response.status >= 500:
        raise PortalUnavailable(f"{what} answered {response.status}",
                                retry_after=retry_after(response.headers.get("retry-after")))
    if response.status != 200:
        raise LayoutChanged(f"{what} answered {response.status}")


def _windows(request: ClaimSearchRequest) -> list[tuple[dt.date, dt.date] | None]:
    """The searches a request needs: one by claim number, or consecutive windows of at
    most the portal's cap covering the date range."""
    if request.claim_number is not None:
        return [None]
    assert request.service_from is not None and request.service_to is not None
    windows: list[tuple[dt.date, dt.date] | None] = []
    start = request.service_from
    while start <= request.service_to:
        end = min(start + dt.timedelta(days=S.CLAIM_RANGE_DAYS - 1), request.service_to)
        windows.append((start, end))
        start = end + dt.timedelta(days=1)
    return windows


def _cascade_date(value: dt.date) -> str:
    return f"{value.day:02d}-{S.MONTHS[value.month - 1]}-{value.year}"


def _matches_mask(address: str, mask: str) -> bool:
    """``f***@example.test`` masks an address with that first letter and that domain."""
    local, _, domain = address.strip().lower().partition("@")
    shown_local, _, shown_domain = mask.lower().partition("@")
    return bool(local) and shown_local == f"{local[0]}***" and shown_domain == domain
