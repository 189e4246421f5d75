"""Meridian Health: a classic server-rendered provider portal with TOTP.

Every job runs through the flow kit (:func:`bots.flow.signed_in`): open the job's first
page; a saved session lands there directly, otherwise the portal redirects to sign-in (a
lapsed session too) and the bot logs in once: password, TOTP, the announcement
interstitial. The announcement modal is dismissed by a locator handler whenever it shows
up. One page classifier (:data:`SCREENS`) turns the maintenance and unavailable pages into
PortalUnavailable and a page of another layout into LayoutChanged, on every wait.

Eligibility: search, wait for the result or "No records found", read the page and check
that it is the requested patient's. Claims: :mod:`bots.carriers.meridian.claims`. Prior
authorization (submit once, find, status): :mod:`bots.carriers.meridian.prior_auth`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Page

from bots.base import (
    BotContext,
    Capability,
    CarrierBot,
    ClaimsOutcome,
    MfaKind,
    Outcome,
    PriorAuthOutcome,
    UploadLimits,
)
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.claims import search_claims
from bots.carriers.meridian.library import collect_library
from bots.carriers.meridian.parse import parse_benefits
from bots.carriers.meridian.prior_auth import PriorAuthPages
from bots.errors import LayoutChanged, MfaFailed
from bots.flow import NeedsLogin, Screens, check_response, login_refused, signed_in
from bots.mfa import totp_codes
from bots.parsing import verify_patient
from bots.registry import register
from portals.claims import ClaimSearchRequest
from portals.library import LibraryRequest, LibraryResult
from portals.model import EligibilityRequest, NotFound
from portals.prior_auth import DOCUMENT_TYPES, PriorAuthRequest, PriorAuthStatusRequest

T = TypeVar("T")

SCREENS = Screens(down={"maintenance": S.MAINTENANCE, "unavailable": S.UNAVAILABLE},
                  unknown={"unknown_layout": S.OTHER_LAYOUT})
"""Meridian's page classifier (no throttled page: a 429 is caught by its status)."""


@register
class MeridianBot(CarrierBot):
    name = "meridian"
    display_name = "Meridian Health"
    capabilities = frozenset({Capability.ELIGIBILITY, Capability.CLAIMS,
                              Capability.PRIOR_AUTH, Capability.LIBRARY})
    mfa_kinds = frozenset({MfaKind.TOTP})
    prior_auth_limits = UploadLimits(content_types=frozenset(DOCUMENT_TYPES),
                                     max_bytes=S.PA_MAX_BYTES, max_files=S.PA_MAX_FILES)

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        return self._signed_in(page, ctx, S.SEARCH_PATH, S.SEARCH_FORM, "open_search",
                               lambda: self._eligibility(page, ctx, request))

    def search_claims(self, page: Page, ctx: BotContext, request: ClaimSearchRequest
                      ) -> ClaimsOutcome:
        return self._signed_in(page, ctx, S.CLAIMS_PATH, S.CLAIM_SEARCH_FORM, "open_claims",
                               lambda: search_claims(page, ctx, request, SCREENS,
                                                     carrier=self.name))

    def collect_library(self, page: Page, ctx: BotContext, request: LibraryRequest
                        ) -> LibraryResult:
        return self._signed_in(page, ctx, S.LIBRARY_PATH, S.LIBRARY_TABLE, "open_library",
                               lambda: collect_library(page, ctx, request, SCREENS,
                                                       carrier=self.name))

    def submit_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                          ) -> PriorAuthOutcome:
        pages = PriorAuthPages(page, ctx, SCREENS, self.name)  # one per call: one click
        return self._signed_in(page, ctx, S.PA_PATH, S.PA_LIST, "open_prior_auths",
                               lambda: pages.submit(request))

    def find_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                        ) -> PriorAuthOutcome:
        pages = PriorAuthPages(page, ctx, SCREENS, self.name)
        return self._signed_in(page, ctx, S.PA_PATH, S.PA_LIST, "open_prior_auths",
                               lambda: pages.find_only(request))

    def prior_auth_status(self, page: Page, ctx: BotContext,
                          request: PriorAuthStatusRequest) -> PriorAuthOutcome:
        pages = PriorAuthPages(page, ctx, SCREENS, self.name)
        return self._signed_in(page, ctx, S.PA_PATH, S.PA_LIST, "open_prior_auths",
                               lambda: pages.status(request))

    # -- sign-in, shared by every job ------------------------------------------------------

    def _signed_in(self, page: Page, ctx: BotContext, path: str, ready: str, event: str,
                   task: Callable[[], T]) -> T:
        """``task`` on the page at ``path`` (showing ``ready``), signed in at most once."""
        page.add_locator_handler(page.locator(S.ANNOUNCEMENT_MODAL),
                                 lambda modal: modal.locator(S.ANNOUNCEMENT_CLOSE).click())
        return signed_in(ctx, start=lambda: self._open(page, ctx, path, ready, event),
                         login=lambda: self._login(page, ctx), task=task)

    def _open(self, page: Page, ctx: BotContext, path: str, ready: str, event: str) -> bool:
        """Open ``path``; True when it shows ``ready`` (signed in), False on sign-in."""
        ctx.on_event(event)
        check_response(page.goto(ctx.base_url.rstrip("/") + path))
        while True:
            state = SCREENS.wait(page, {"ready": ready, "login": S.LOGIN_FORM,
                                        "notice": S.NOTICE_FORM})
            if state != "notice":
                return state == "ready"
            page.locator(S.ACKNOWLEDGE).click()

    def _login(self, page: Page, ctx: BotContext) -> None:
        creds = ctx.credentials
        page.locator(S.USERNAME).fill(creds.username)
        page.locator(S.PASSWORD).fill(creds.password.get_secret_value())
        page.locator(S.LOGIN_BUTTON).click()
        state = SCREENS.wait(page, {"mfa": S.MFA_FORM, "error": S.LOGIN_ERROR})
        if state == "error":
            raise login_refused(page.locator(S.LOGIN_ERROR).inner_text(), [S.LOCKED_TEXT])
        self._totp(page, ctx)

    def _totp(self, page: Page, ctx: BotContext) -> None:
        creds = ctx.credentials
        if creds.totp_secret is None:
            raise MfaFailed("the portal asks for an authenticator code and the account has no "
                            "TOTP secret stored")
        ctx.on_event("mfa")
        for attempt in range(2):
            code = totp_codes.code(creds.account_key, creds.totp_secret.get_secret_value())
            page.locator(S.OTP).fill(code)
            page.locator(S.VERIFY_BUTTON).click()
            state = SCREENS.wait(page, {"error": S.MFA_ERROR, "home": S.HOME,
                                        "notice": S.NOTICE_FORM, "search": S.SEARCH_FORM})
            if state != "error":
                return
            message = page.locator(S.MFA_ERROR).inner_text().strip()
            if S.CODE_ALREADY_USED_TEXT not in message or attempt:
                raise MfaFailed(f"the portal refused the code: {message}")
        raise MfaFailed("no fresh code was accepted")  # pragma: no cover

    # -- eligibility -------------------------------------------------------------------------

    def _eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                     ) -> Outcome:
        ctx.on_event("search")
        page.locator(S.MEMBER_ID).fill(request.member_id)
        page.locator(S.DOB).fill(request.date_of_birth.strftime(S.DATE_FORMAT))
        page.locator(S.LAST_NAME).fill(request.last_name)
        page.locator(S.SEARCH_BUTTON).click()
        state = SCREENS.wait(page, {"result": S.RESULT, "error": S.SEARCH_ERROR,
                                    "login": S.LOGIN_FORM})
        if state == "login":  # the session lapsed between two pages
            raise NeedsLogin()
        if state == "error":
            message = page.locator(S.SEARCH_ERROR).inner_text().strip()
            if message.startswith(S.NO_RECORDS_TEXT):
                return NotFound(carrier=self.name, message=S.NO_RECORDS_TEXT)
            raise LayoutChanged(f"the search form refused the request: {message}")
        result = parse_benefits(page.content())
        verify_patient(result.member, request)
        return result
