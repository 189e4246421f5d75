"""Meridian Health: a classic server-rendered provider portal with TOTP.

Flow: open the search page; a saved session lands there directly, otherwise the portal
redirects to sign-in (a lapsed session too) and the bot logs in once: password, TOTP,
the announcement interstitial. The announcement modal is dismissed by a locator handler
whenever it shows up. Then search, wait for the result or "No records found", read the
page and check that it is the requested patient's.
"""

from __future__ import annotations

from playwright.sync_api import Page

from bots.base import BotContext, CarrierBot, MfaKind, Outcome
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.parse import parse_benefits
from bots.errors import (
    AccountLocked,
    LayoutChanged,
    LoginRejected,
    MfaFailed,
    PortalUnavailable,
    SessionExpired,
)
from bots.flow import wait_for_any
from bots.mfa import totp_codes
from bots.parsing import verify_patient
from bots.registry import register
from portals.model import EligibilityRequest, NotFound

_DOWN = {"maintenance": S.MAINTENANCE, "unavailable": S.UNAVAILABLE}
_UNKNOWN = {"unknown_layout": S.OTHER_LAYOUT}


def _await(page: Page, states: dict[str, str]) -> str:
    """Wait for one of ``states``; a page of another layout is LayoutChanged at once (the
    strict parser and the wait's timeout catch a redesign that keeps the marker)."""
    state = wait_for_any(page, {**_UNKNOWN, **states})  # an unknown layout wins
    if state in _UNKNOWN:
        raise LayoutChanged("the portal shows a page layout this bot does not know")
    if state in _DOWN:
        raise PortalUnavailable(f"the portal shows its {state} page")
    return state


@register
class MeridianBot(CarrierBot):
    name = "meridian"
    display_name = "Meridian Health"
    mfa_kinds = frozenset({MfaKind.TOTP})

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        page.add_locator_handler(page.locator(S.ANNOUNCEMENT_MODAL),
                                 lambda modal: modal.locator(S.ANNOUNCEMENT_CLOSE).click())
        logged_in = False
        while True:
            self._open_search(page, ctx)
            state = self._signed_in_state(page)
            if state == "login":
                if logged_in:
                    raise SessionExpired("the portal asked to sign in again right after a login")
                self._login(page, ctx)
                logged_in = True
                continue
            outcome = self._search(page, ctx, request)
            if outcome == "login":  # the session lapsed between two pages
                if logged_in:
                    raise SessionExpired("the session expired twice in one lookup")
                self._login(page, ctx)
                logged_in = True
                continue
            if outcome == "not_found":
                return NotFound(carrier=self.name,
                                message=S.NO_RECORDS_TEXT)
            result = parse_benefits(page.content())
            verify_patient(result.member, request)
            return result

    # -- steps -------------------------------------------------------------------------

    def _open_search(self, page: Page, ctx: BotContext) -> None:
        ctx.on_event("open_search")
        response = page.goto(ctx.base_url.rstrip("/") + S.SEARCH_PATH)
        if response is not None and response.status in (429, 502, 503, 504):
            raise PortalUnavailable(f"the portal answered {response.status}")

    def _signed_in_state(self, page: Page) -> str:
        state = _await(page, {"search": S.SEARCH_FORM, "login": S.LOGIN_FORM,
                                    "notice": S.NOTICE_FORM, **_DOWN})
        if state == "notice":
            page.locator(S.ACKNOWLEDGE).click()
            return self._signed_in_state(page)
        return state

    def _login(self, page: Page, ctx: BotContext) -> None:
        creds = ctx.credentials
        ctx.on_event("login")
        page.locator(S.USERNAME).fill(creds.username)
        page.locator(S.PASSWORD).fill(creds.password.get_secret_value())
        page.locator(S.LOGIN_BUTTON).click()
        state = _await(page, {"mfa": S.MFA_FORM, "error": S.LOGIN_ERROR, **_DOWN})
        if state == "error":
            message = page.locator(S.LOGIN_ERROR).inner_text()
            if S.LOCKED_TEXT in message.lower():
                raise AccountLocked(f"the portal says: {message.strip()}")
            raise LoginRejected(f"the portal says: {message.strip()}")
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
            state = _await(page, {"error": S.MFA_ERROR, "home": S.HOME,
                                        "notice": S.NOTICE_FORM, "search": S.SEARCH_FORM,
                                        **_DOWN})
            if state != "error":
                return
            message = page.locator(S.MFA_ERROR).inner_text().strip()
            if S.CODE_ALREADY_USED_TEXT not in message or attempt:
                raise MfaFailed(f"the portal refused the code: {message}")
        raise MfaFailed("no fresh code was accepted")  # pragma: no cover

    def _search(self, page: Page, ctx: BotContext, request: EligibilityRequest) -> str:
        ctx.on_event("search")
        page.locator(S.MEMBER_ID).fill(request.member_id)
        page.locator(S.DOB).fill(request.date_of_birth.strftime(S.DATE_FORMAT))
        page.locator(S.LAST_NAME).fill(request.last_name)
        page.locator(S.SEARCH_BUTTON).click()
        state = _await(page, {"result": S.RESULT, "error": S.SEARCH_ERROR,
                                    "login": S.LOGIN_FORM, **_DOWN})
        if state == "error":
            message = page.locator(S.SEARCH_ERROR).inner_text().strip()
            if message.startswith(S.NO_RECORDS_TEXT):
                return "not_found"
            raise LayoutChanged(f"the search form refused the request: {message}")
        return state
