"""Northwind Mutual: a single-page app with SMS codes and overlays.

Flow: open the portal's one page and check it is the known (v1) app; a saved session
(cookies and localStorage) lands on the member search, otherwise the SPA draws the sign-in
and the bot logs in once: password, then the SMS code from ``ctx.codes`` with "Remember
this device" ticked (a remembered device skips the code next time). The survey pop-up
and the idle-timeout warning are dismissed by locator handlers whenever they cover the
page ("Stay signed in" also keeps the session alive on the server). Then search, pick the
requested member's row, open the benefits while catching the SPA's own JSON answer, wait
for the drawn screen, read both, require that they agree and that they are the requested
patient's. An API answer of 401 sends the SPA back to sign-in: log in again, once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Response

from bots.base import BotContext, CarrierBot, MfaKind, Outcome
from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.api import parse_benefits_json
from bots.carriers.northwind.parse import (
    check_shell,
    code_hint_digits,
    parse_benefits,
    pick_match,
    retry_after,
)
from bots.errors import (
    AccountLocked,
    LayoutChanged,
    LoginRejected,
    MfaCodeTimeout,
    MfaFailed,
    PasswordExpired,
    PortalUnavailable,
    SessionExpired,
)
from bots.flow import wait_for_any
from bots.parsing import verify_patient
from bots.registry import register
from portals.model import EligibilityRequest, NotFound, diff_results

_DOWN = {"unavailable": S.UNAVAILABLE, "maintenance": S.MAINTENANCE, "portal_error": S.ERROR}
_BUSY = (429, 502, 503, 504)


@register
class NorthwindBot(CarrierBot):
    name = "northwind"
    display_name = "Northwind Mutual"
    mfa_kinds = frozenset({MfaKind.SMS})

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        # no_wait_after: the idle warning comes back after every quiet spell; waiting for
        # it to stay hidden could wait forever. The next action's check handles it again.
        page.add_locator_handler(page.locator(S.SURVEY), _decline_survey, no_wait_after=True)
        page.add_locator_handler(page.locator(S.IDLE_WARNING), _stay_signed_in,
                                 no_wait_after=True)
        self._open(page, ctx)
        logged_in = False
        while True:
            if self._screen(page) == "login":
                if logged_in:
                    raise SessionExpired("the portal asked to sign in again right after a login")
                self._login(page, ctx)
                logged_in = True
                continue
            outcome = self._lookup(page, ctx, request)
            if isinstance(outcome, str):  # an API call answered 401: the session lapsed
                if logged_in:
                    raise SessionExpired("the session expired twice in one lookup")
                self._login(page, ctx)
                logged_in = True
                continue
            return outcome

    # -- steps -------------------------------------------------------------------------
    def _open(self, page: Page, ctx: BotContext) -> None:
        ctx.on_event("open_portal")
        response = page.goto(ctx.base_url.rstrip("/") + S.START_PATH)
        if response is not None and response.status in _BUSY:
            raise PortalUnavailable(f"the portal answered {response.status}",
                                    retry_after=retry_after(response.headers.get("retry-after")))
        if response is None or response.status != 200:
            raise LayoutChanged("the portal's start page did not load")
        check_shell(page.content())

    def _screen(self, page: Page) -> str:
        """Which screen the SPA drew after booting: search (signed in) or sign-in."""
        state = wait_for_any(page, {"search": S.SEARCH_FORM, "login": S.LOGIN_FORM, **_DOWN})
        _raise_if_down(page, state)
        return state

    def _login(self, page: Page, ctx: BotContext) -> None:
        creds = ctx.credentials
        ctx.on_event("login")
        page.locator(S.USERNAME).fill(creds.username)
        page.locator(S.PASSWORD).fill(creds.password.get_secret_value())
        page.locator(S.SIGN_IN).click()
        state = wait_for_any(page, {"verify": S.VERIFY_FORM, "search": S.SEARCH_FORM,
                                    "error": S.LOGIN_ERROR, "expired": S.PASSWORD_EXPIRED,
                                    **_DOWN})
        _raise_if_down(page, state)
        if state == "error":
            message = page.locator(S.LOGIN_ERROR).inner_text().strip()
            if S.LOCKED_TEXT in message.lower():
                raise AccountLocked(f"the portal says: {message}")
            raise LoginRejected(f"the portal says: {message}")
        if state == "expired":
            raise PasswordExpired("the portal says the password has expired")
        if state == "verify":
            self._sms_code(page, ctx)
        # "search": a remembered device skipped the code

    def _sms_code(self, page: Page, ctx: BotContext) -> None:
        sent_to = code_hint_digits(page.locator(S.CODE_HINT).inner_text())
        recipient = ctx.credentials.mfa_recipient
        if recipient and "".join(ch for ch in recipient if ch.isdigit())[-4:] != sent_to:
            raise MfaFailed("the portal texted the code to another phone than the account's")
        if ctx.codes is None:
            raise MfaCodeTimeout("the portal texted a code and no code inbox is set up for "
                                 "this account")
        ctx.on_event("mfa_sms_sent")
        code = ctx.codes.wait_for_code("sms", ctx.mfa_wait_seconds)
        if not code:
            raise MfaCodeTimeout(f"no SMS code arrived within {ctx.mfa_wait_seconds:g} s")
        ctx.on_event("mfa")
        page.locator(S.CODE).fill(code)
        page.locator(S.REMEMBER_DEVICE).check()
        page.locator(S.VERIFY_BUTTON).click()
        state = wait_for_any(page, {"search": S.SEARCH_FORM, "error": S.CODE_ERROR,
                                    "login": S.LOGIN_FORM, **_DOWN})
        _raise_if_down(page, state)
        if state == "error":
            message = page.locator(S.CODE_ERROR).inner_text().strip()
            raise MfaFailed(f"the portal refused the code: {message}")
        if state == "login":
            error = page.locator(S.LOGIN_ERROR)
            if error.count() and S.LOCKED_TEXT in error.inner_text().lower():
                raise AccountLocked(f"the portal says: {error.inner_text().strip()}")
            raise MfaFailed("the portal dropped the sign-in before the code was accepted")

    def _lookup(self, page: Page, ctx: BotContext, request: EligibilityRequest
                ) -> Outcome | str:
        ctx.on_event("search")
        page.locator(S.MEMBER_ID).fill(request.member_id)
        page.locator(S.DOB).fill(request.date_of_birth.isoformat())
        page.locator(S.LAST_NAME).fill(request.last_name)
        page.locator(S.SEARCH_BUTTON).click()
        state = wait_for_any(page, {"matches": S.MATCHES, "none": S.NO_MATCH,
                                    "invalid": S.SEARCH_ERROR, "login": S.LOGIN_FORM,
                                    **_DOWN})
        _raise_if_down(page, state)
        if state == "login":
            return "login"
        if state == "none":
            return NotFound(carrier=self.name,
                            message=page.locator(S.NO_MATCH).inner_text().strip())
        if state == "invalid":
            message = page.locator(S.SEARCH_ERROR).inner_text().strip()
            raise LayoutChanged(f"the search form refused the request: {message}")
        row = pick_match(page.locator(S.MATCHES).evaluate("table => table.outerHTML"), request)
        ctx.on_event("open_benefits")
        with page.expect_response(_is_benefits_call) as answer:
            page.locator(S.MATCH_ROWS).nth(row).locator(S.VIEW_BENEFITS).click()
        response = answer.value
        if response.status in _BUSY:
            raise PortalUnavailable(f"the portal answered {response.status}",
                                    retry_after=retry_after(response.headers.get("retry-after")))
        state = wait_for_any(page, {"benefits": S.BENEFITS, "login": S.LOGIN_FORM, **_DOWN})
        _raise_if_down(page, state)
        if state == "login":
            return "login"
        if response.status != 200:
            raise LayoutChanged(f"the benefits call answered {response.status}")
        result = parse_benefits(page.content())
        differences = diff_results(result, parse_benefits_json(response.body()))
        if differences:
            raise LayoutChanged("the benefits screen and the portal's data disagree on "
                                + ", ".join(differences[:6]))
        verify_patient(result.member, request)
        return result


def _is_benefits_call(response: Response) -> bool:
    return (response.request.method == S.BENEFITS_API_METHOD
            and urlsplit(response.url).path.startswith(S.BENEFITS_API_PREFIX))


def _raise_if_down(page: Page, state: str) -> None:
    if state in ("unavailable", "maintenance"):
        raise PortalUnavailable(f"the portal shows its {state} screen")
    if state == "portal_error":
        message = page.locator(S.ERROR).inner_text().strip()
        raise LayoutChanged(f"the portal shows an error screen: {' '.join(message.split())}")


def _decline_survey(overlay: Locator) -> None:
    overlay.locator(S.SURVEY_DECLINE).click()


def _stay_signed_in(overlay: Locator) -> None:
    overlay.locator(S.STAY_SIGNED_IN).click()
