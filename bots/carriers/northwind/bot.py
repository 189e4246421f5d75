"""Northwind Mutual: a single-page app with SMS codes and overlays.

One visit shape for every job (:func:`bots.flow.signed_in`): open the portal's one page
and check it is the known (v1) app; a saved session (cookies and localStorage) lands
signed in, otherwise the SPA draws the sign-in and the bot logs in once: password, then
the SMS code (:func:`bots.flow.out_of_band_code`) with "Remember this device" ticked (a
remembered device skips the code next time). The survey pop-up and the idle-timeout
warning are dismissed by locator handlers whenever they cover the page ("Stay signed in"
also keeps the session alive on the server). An API answer of 401 sends the SPA back to
sign-in mid-job: the task raises NeedsLogin and the flow logs in again, once.

Jobs: eligibility (search, pick the member's row, read the benefits screen and the SPA's
own JSON, require that they agree), claims (:mod:`.claims_flow`) and prior authorization
(:mod:`.prior_auth`, handed this module's page classifier so it never imports it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Response

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
from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.api import parse_benefits_json
from bots.carriers.northwind.parse import (
    check_shell,
    code_hint_digits,
    parse_benefits,
    pick_match,
)
from bots.carriers.northwind.prior_auth import PriorAuthScreens
from bots.errors import AccountLocked, LayoutChanged, MfaFailed, PasswordExpired
from bots.flow import (
    NeedsLogin,
    Screens,
    check_response,
    login_refused,
    out_of_band_code,
    signed_in,
)
from bots.parsing import verify_patient
from bots.registry import register
from portals.claims import ClaimSearchRequest
from portals.library import LibraryRequest, LibraryResult
from portals.model import EligibilityRequest, NotFound, diff_results
from portals.prior_auth import PriorAuthRequest, PriorAuthStatusRequest

T = TypeVar("T")

SCREENS = Screens(
    down={"unavailable": S.UNAVAILABLE, "maintenance": S.MAINTENANCE},
    unknown={"redesign": S.V2_SCREENS},
    describe_down=lambda _page, state: f"{state} screen",
)
"""Northwind's page classifier: its down screens and the redesign's markers."""


def wait(page: Page, states: dict[str, str]) -> str:
    """The state the SPA draws first; its error screen is a layout change (with its words),
    a down screen PortalUnavailable, the sign-in screen mid-job NeedsLogin (if asked)."""
    state = SCREENS.wait(page, {**states, "portal_error": S.ERROR})
    if state == "portal_error":
        message = " ".join(page.locator(S.ERROR).inner_text().split())
        raise LayoutChanged(f"the portal shows an error screen: {message}")
    return state


def wait_signed_in(page: Page, states: dict[str, str]) -> str:
    """:func:`wait` on a signed-in screen: the sign-in screen means the session lapsed."""
    state = wait(page, {**states, "login": S.LOGIN_FORM})
    if state == "login":
        raise NeedsLogin
    return state


class _Visit:
    """One job's visit: the portal is opened once; sign-in runs through the flow kit."""

    def __init__(self, page: Page, ctx: BotContext) -> None:
        self.page = page
        self.ctx = ctx
        self.opened = False
        self.lapsed = False
        # no_wait_after: the idle warning comes back after every quiet spell; waiting for
        # it to stay hidden could wait forever. The next action's check handles it again.
        page.add_locator_handler(page.locator(S.SURVEY), _decline_survey, no_wait_after=True)
        page.add_locator_handler(page.locator(S.IDLE_WARNING), _stay_signed_in,
                                 no_wait_after=True)

    def run(self, task: Callable[[], T]) -> T:
        def job() -> T:
            try:
                return task()
            except NeedsLogin:
                self.lapsed = True
                raise

        return signed_in(self.ctx, start=self.start, login=self.login, task=job)

    def start(self) -> bool:
        """Open the portal (once) and say whether the SPA drew a signed-in screen."""
        page, ctx = self.page, self.ctx
        if not self.opened:
            ctx.on_event("open_portal")
            response = page.goto(ctx.base_url.rstrip("/") + S.START_PATH)
            check_response(response)
            if response is None or response.status != 200:
                raise LayoutChanged("the portal's start page did not load")
            check_shell(page.content())
            self.opened = True
        state = wait(page, {"search": S.SEARCH_FORM, "claims": S.CLAIMS_FORM,
                            "login": S.LOGIN_FORM})
        return state != "login"

    def login(self) -> None:
        page, ctx = self.page, self.ctx
        if self.lapsed:  # the flow announces a first login itself, not a login again
            ctx.on_event("login")
            self.lapsed = False
        creds = ctx.credentials
        page.locator(S.USERNAME).fill(creds.username)
        page.locator(S.PASSWORD).fill(creds.password.get_secret_value())
        page.locator(S.SIGN_IN).click()
        state = wait(page, {"verify": S.VERIFY_FORM, "search": S.SEARCH_FORM,
                            "error": S.LOGIN_ERROR, "expired": S.PASSWORD_EXPIRED})
        if state == "error":
            raise login_refused(page.locator(S.LOGIN_ERROR).inner_text(), [S.LOCKED_TEXT])
        if state == "expired":
            raise PasswordExpired("the portal says the password has expired")
        if state == "verify":
            self._sms_code()
        # "search": a remembered device skipped the code

    def _sms_code(self) -> None:
        page, ctx = self.page, self.ctx
        sent_to = code_hint_digits(page.locator(S.CODE_HINT).inner_text())
        recipient = ctx.credentials.mfa_recipient
        if recipient and "".join(ch for ch in recipient if ch.isdigit())[-4:] != sent_to:
            raise MfaFailed("the portal texted the code to another phone than the account's")
        code = out_of_band_code(ctx, "sms")
        page.locator(S.CODE).fill(code)
        page.locator(S.REMEMBER_DEVICE).check()
        page.locator(S.VERIFY_BUTTON).click()
        state = wait(page, {"search": S.SEARCH_FORM, "error": S.CODE_ERROR,
                            "login": S.LOGIN_FORM})
        if state == "error":
            message = page.locator(S.CODE_ERROR).inner_text().strip()
            raise MfaFailed(f"the portal refused the code: {message}")
        if state == "login":
            error = page.locator(S.LOGIN_ERROR)
            if error.count():
                refused = login_refused(error.inner_text(), [S.LOCKED_TEXT])
                if isinstance(refused, AccountLocked):
                    raise refused
            raise MfaFailed("the portal dropped the sign-in before the code was accepted")


@register
class NorthwindBot(CarrierBot):
    name = "northwind"
    display_name = "Northwind Mutual"
    capabilities = frozenset({Capability.ELIGIBILITY, Capability.CLAIMS,
                              Capability.PRIOR_AUTH, Capability.LIBRARY})
    mfa_kinds = frozenset({MfaKind.SMS})
    prior_auth_limits = UploadLimits(
        content_types=frozenset({"application/pdf", "image/png", "image/jpeg"}),
        max_bytes=20 * 1024 * 1024, max_files=5)
    """The portal's own rules: PDF, PNG or JPEG (no TIFF), 20 MB a file, 5 files."""

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        visit = _Visit(page, ctx)
        return visit.run(lambda: self._lookup(page, ctx, request))

    def search_claims(self, page: Page, ctx: BotContext, request: ClaimSearchRequest
                      ) -> ClaimsOutcome:
        from bots.carriers.northwind.claims_flow import search_claims

        visit = _Visit(page, ctx)
        return visit.run(lambda: search_claims(page, ctx, request))

    def collect_library(self, page: Page, ctx: BotContext, request: LibraryRequest
                        ) -> LibraryResult:
        from bots.carriers.northwind.library import collect_library

        return _Visit(page, ctx).run(lambda: collect_library(page, ctx, request,
                                                             carrier=self.name))

    # -- prior authorization (:mod:`.prior_auth`) ----------------------------------------
    def submit_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                          ) -> PriorAuthOutcome:
        screens = PriorAuthScreens(page, ctx, wait)
        return _Visit(page, ctx).run(lambda: screens.submit(request))

    def find_prior_auth(self, page: Page, ctx: BotContext, request: PriorAuthRequest
                        ) -> PriorAuthOutcome:
        screens = PriorAuthScreens(page, ctx, wait)

        def find() -> PriorAuthOutcome:
            found = screens.find(request)
            if found is None:
                return NotFound(carrier=self.name, message="the portal lists no request "
                                "like this one")
            return found.model_copy(update={"found_existing": True})

        return _Visit(page, ctx).run(find)

    def prior_auth_status(self, page: Page, ctx: BotContext,
                          request: PriorAuthStatusRequest) -> PriorAuthOutcome:
        screens = PriorAuthScreens(page, ctx, wait)
        return _Visit(page, ctx).run(lambda: screens.status(request))

    # -- eligibility ---------------------------------------------------------------------
    def _lookup(self, page: Page, ctx: BotContext, request: EligibilityRequest) -> Outcome:
        ctx.on_event("search")
        if not page.locator(S.SEARCH_FORM).is_visible():
            page.locator(S.NAV_ELIGIBILITY).click()
            wait_signed_in(page, {"search": S.SEARCH_FORM})
        page.locator(S.MEMBER_ID).fill(request.member_id)
        page.locator(S.DOB).fill(request.date_of_birth.isoformat())
        page.locator(S.LAST_NAME).fill(request.last_name)
        page.locator(S.SEARCH_BUTTON).click()
        state = wait_signed_in(page, {"matches": S.MATCHES, "none": S.NO_MATCH,
                                      "invalid": S.SEARCH_ERROR})
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
        check_response(response)
        wait_signed_in(page, {"benefits": S.BENEFITS})
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


def _decline_survey(overlay: Locator) -> None:
    overlay.locator(S.SURVEY_DECLINE).click()


def _stay_signed_in(overlay: Locator) -> None:
    overlay.locator(S.STAY_SIGNED_IN).click()
