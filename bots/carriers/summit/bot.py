"""Summit Benefit Administrators: the legacy, framed Summit Online portal.

Both jobs share one sign-in (:func:`bots.flow.signed_in`) and one page classifier
(:mod:`bots.carriers.summit.browser`): open the frameset with the job's search page in its
``main`` frame; a saved session lands on the search directly; otherwise the frame shows
the log-on form (a lapsed session too) and the bot logs on once: password, then one or
two security questions answered from the account's stored answers (never guessed). A
password-expired interstitial stops the run (a person changes passwords).

Eligibility: search, read the member eligibility page, check it is the requested
patient's, and read the four benefit lists page by page ("Page k of N", "Next >>").

Claims: the claim inquiry takes a claim number, or a date-of-service range of at most 90
days, so a longer range is searched window by window (consecutive, no gaps) and the
claims merged by number (a claim spanning a window boundary shows in both windows; it is
read once). Every result page is read, then every claim page (checked to be the requested
patient's before anything else is read), then each payment in the claim page's remittance
frame, and its remittance PDF. The result is checked by :func:`bots.parsing.verify_claims`
before the PDFs are kept and it is returned.

Prior authorization (submit once, find again, read the decision) lives in
:mod:`bots.carriers.summit.prior_auth`, on the same sign-in and page classifier.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from playwright.sync_api import Page

from bots.base import (
    BotContext,
    Capability,
    CarrierBot,
    ClaimsOutcome,
    MfaKind,
    Outcome,
    PriorAuthOutcome,
)
from bots.carriers.summit import prior_auth
from bots.carriers.summit import prior_auth_selectors as PS
from bots.carriers.summit import selectors as S
from bots.carriers.summit.browser import SummitPortal
from bots.carriers.summit.library import collect_library
from bots.carriers.summit.parse import SectionPage, assemble, parse_detail, parse_section
from bots.carriers.summit.parse_claims import (
    Remittance,
    parse_claim_detail,
    parse_claim_list,
    parse_remittance,
    windows,
    with_payments,
)
from bots.errors import LayoutChanged, PatientMismatch
from bots.flow import NeedsLogin, signed_in
from bots.maintenance import MaintenanceWindow
from bots.parsing import verify_claims, verify_patient
from bots.registry import register
from portals.claims import Claim, ClaimResult, ClaimSearchRequest
from portals.library import LibraryRequest, LibraryResult
from portals.model import Document, EligibilityRequest, NotFound
from portals.prior_auth import PriorAuthRequest, PriorAuthStatusRequest


@register
class SummitBot(CarrierBot):
    name = "summit"
    display_name = "Summit Benefit Administrators"
    mfa_kinds = frozenset({MfaKind.SECURITY_QUESTIONS})
    capabilities = frozenset({Capability.ELIGIBILITY, Capability.CLAIMS,
                              Capability.PRIOR_AUTH, Capability.LIBRARY})
    prior_auth_limits = PS.LIMITS
    max_concurrent_pages = 1
    """Summit Online keeps "the current member" in the server session: every search selects
    its member into the session and every member page (eligibility, benefit lists, claims,
    remittances) shows that member, whatever its URL says. A second page of the same
    session searching another member silently turns the first page's next page into that
    member's, so one account's jobs take turns in one page. (The bot also refuses every
    page of another member, PatientMismatch, should two pages ever act at once.)"""
    maintenance_windows = (MaintenanceWindow(dt.time(1, 0), dt.time(2, 0), "America/Denver"),)
    """Summit Online's published nightly maintenance: 1 to 2 a.m. Mountain time."""

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        portal = SummitPortal(page, ctx)
        return signed_in(ctx, start=lambda: portal.start(S.FRAMESET_PATH, S.SEARCH_FORM),
                         login=portal.login, task=lambda: self._lookup(portal, ctx, request))

    def search_claims(self, page: Page, ctx: BotContext, request: ClaimSearchRequest
                      ) -> ClaimsOutcome:
        portal = SummitPortal(page, ctx)
        return signed_in(ctx, start=lambda: portal.start(S.CLAIMS_FRAMESET_PATH,
                                                         S.CLAIM_SEARCH_FORM),
                         login=portal.login, task=lambda: self._claims(portal, ctx, request))

    def collect_library(self, page: Page, ctx: BotContext, request: LibraryRequest
                        ) -> LibraryResult:
        portal = SummitPortal(page, ctx)
        return signed_in(ctx, start=lambda: portal.start(S.LIBRARY_FRAMESET_PATH,
                                                         S.LIBRARY_TABLE),
                         login=portal.login,
                         task=lambda: collect_library(portal, ctx, request, carrier=self.name))

    def submit_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                          ) -> PriorAuthOutcome:
        return prior_auth.submit(page, ctx, request)

    def find_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                        ) -> PriorAuthOutcome:
        return prior_auth.find(page, ctx, request)

    def prior_auth_status(self, page: Page, ctx: BotContext,
                          request: PriorAuthStatusRequest) -> PriorAuthOutcome:
        return prior_auth.status(page, ctx, request)

    # -- eligibility -------------------------------------------------------------------

    def _lookup(self, portal: SummitPortal, ctx: BotContext, request: EligibilityRequest
                ) -> Outcome:
        main = portal.frame()
        ctx.on_event("search")
        main.locator(S.MEMBER_ID).fill(request.member_id)
        main.locator(S.DOB).fill(request.date_of_birth.strftime(S.DOB_FORMAT))
        main.locator(S.LAST_NAME).fill(request.last_name)
        state = portal.navigate(main, main.locator(S.SEARCH_BUTTON).click,
                                {"logon": S.LOGON_FORM, "detail": S.DETAIL,
                                 "search": S.SEARCH_FORM})
        if state == "logon":
            raise NeedsLogin()
        if state == "search":
            message = portal.error_text()
            if message.startswith(S.NO_RECORDS_TEXT):
                return NotFound(carrier=self.name, message=S.NOT_FOUND_MESSAGE)
            raise LayoutChanged(f"the search form refused the request: {message}")
        detail = parse_detail(portal.html)
        verify_patient(detail.member, request)  # before reading anything more
        ctx.on_event("benefits")
        sections = {code: self._section(portal, code, href, detail.member_line)
                    for code, href in detail.links.items()}
        result = assemble(detail, sections)
        verify_patient(result.member, request)
        return result

    def _section(self, portal: SummitPortal, code: str, href: str, member_line: str
                 ) -> list[SectionPage]:
        """Every page of one benefit list: its first page, then "Next >>" to the last. Each
        page must name the member of the eligibility page (``member_line``) before anything
        else about it is judged: the portal shows the session's current member, which
        another page of the session may have changed meanwhile (PatientMismatch, never a
        mixed result and never mistaken for a changed layout)."""
        main = portal.frame()
        states = {"logon": S.LOGON_FORM, "section": S.SECTION_TABLE}
        state = portal.follow(main, href, states)
        pages: list[SectionPage] = []
        while True:
            if state == "logon":
                raise NeedsLogin()
            pages.append(parse_section(portal.html, code))
            if pages[-1].member_line != member_line:
                raise PatientMismatch("a benefit page shows another member than the one "
                                      "requested")
            if not pages[-1].has_next:
                return pages
            if len(pages) >= pages[0].pages:
                raise LayoutChanged(f"benefit list {code} goes on past its page count")
            state = portal.follow(main, pages[-1].next_href, states)

    # -- claims ------------------------------------------------------------------------

    def _claims(self, portal: SummitPortal, ctx: BotContext, request: ClaimSearchRequest
                ) -> ClaimsOutcome:
        found: dict[str, str] = {}  # claim number -> its page, each claim once
        if request.claim_number is not None:
            searches: list[tuple[str, str, str]] = [(request.claim_number, "", "")]
        else:
            assert request.service_from is not None and request.service_to is not None
            searches = [("", start.strftime(S.DOB_FORMAT), end.strftime(S.DOB_FORMAT))
                        for start, end in windows(request.service_from, request.service_to)]
        for index, (number, start, end) in enumerate(searches):
            if index:  # back to the inquiry form for the next window
                self._new_search(portal)
            listed = self._search(portal, ctx, request, number, start, end)
            if listed is None:
                return NotFound(carrier=self.name, message=S.NOT_FOUND_MESSAGE)
            for claim_number, href in listed:
                found.setdefault(claim_number, href)
        ctx.on_event("claims")
        claims: list[Claim] = []
        files: list[tuple[str, bytes]] = []
        for claim_number, href in found.items():
            claims.append(self._claim(portal, request, claim_number, href, files))
        result = ClaimResult(carrier=self.name, claims=claims, documents=[
            Document(kind="remittance", filename=filename, content_type="application/pdf",
                     sha256=hashlib.sha256(data).hexdigest(), size=len(data))
            for filename, data in files])
        verify_claims(result, request)
        for filename, data in files:  # kept only with a result that passed the checks
            ctx.artifacts.put("document", filename, "application/pdf", data)
        return result

    @staticmethod
    def _new_search(portal: SummitPortal) -> None:
        state = portal.follow(portal.frame(), S.CLAIM_SEARCH_PATH,
                              {"logon": S.LOGON_FORM, "search": S.CLAIM_SEARCH_FORM})
        if state == "logon":
            raise NeedsLogin()

    def _search(self, portal: SummitPortal, ctx: BotContext, request: ClaimSearchRequest,
                number: str, start: str, end: str) -> list[tuple[str, str]] | None:
        """One claim inquiry (a claim number, or one window): every claim it lists, over
        all its result pages; None when the portal knows no such member."""
        main = portal.frame()
        ctx.on_event("claims_search")
        main.locator(S.MEMBER_ID).fill(request.member_id)
        main.locator(S.DOB).fill(request.date_of_birth.strftime(S.DOB_FORMAT))
        main.locator(S.LAST_NAME).fill(request.last_name)
        main.locator(S.CLAIM_NO).fill(number)
        main.locator(S.FROM_DOS).fill(start)
        main.locator(S.TO_DOS).fill(end)
        states = {"logon": S.LOGON_FORM, "list": S.CLAIM_LIST, "search": S.CLAIM_SEARCH_FORM}
        state = portal.navigate(main, main.locator(S.CLAIM_SEARCH_BUTTON).click, states)
        if state == "search":
            message = portal.error_text()
            if message.startswith(S.NO_RECORDS_TEXT):
                return None
            if message.startswith(S.NO_CLAIMS_TEXT):
                return []
            raise LayoutChanged(f"the claim inquiry refused the request: {message}")
        listed: list[tuple[str, str]] = []
        page_number = 0
        while True:
            if state == "logon":
                raise NeedsLogin()
            page = parse_claim_list(portal.html, request.member_id)  # PatientMismatch first
            page_number += 1
            if page.page != page_number or page.pages < page_number:
                raise LayoutChanged(f"claim list: expected page {page_number}, the portal "
                                    f"showed {page.page} of {page.pages}")
            listed += page.claims
            if not page.next_href:
                if page.page != page.pages:
                    raise LayoutChanged("a claim list was not read to its last page")
                return listed
            state = portal.follow(main, page.next_href,
                                  {"logon": S.LOGON_FORM, "list": S.CLAIM_LIST})

    def _claim(self, portal: SummitPortal, request: ClaimSearchRequest, number: str,
               href: str, files: list[tuple[str, bytes]]) -> Claim:
        """One claim: its page, then each payment in the remittance frame and its PDF."""
        main = portal.frame()
        if portal.follow(main, href, {"logon": S.LOGON_FORM, "claim": S.CLAIM_DETAIL}
                         ) == "logon":
            raise NeedsLogin()
        page = parse_claim_detail(portal.html)
        if page.claim.claim_number != number:
            raise LayoutChanged(f"the link of claim {number} opened claim "
                                f"{page.claim.claim_number}")
        verify_patient(page.claim.patient, request)  # before reading anything more
        remittances: list[Remittance] = []
        for _payment, pay_href in page.payments:
            frame = portal.remit_frame()
            if portal.follow(frame, pay_href, {"logon": S.LOGON_FORM, "remit": S.REMIT}
                             ) == "logon":
                raise NeedsLogin()
            remittance = parse_remittance(portal.html)
            files.append(portal.download_pdf(remittance.pdf_href))
            remittances.append(remittance)
        return with_payments(page, remittances)
