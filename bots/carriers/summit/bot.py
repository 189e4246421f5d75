"""Summit Benefit Administrators: the legacy, framed Summit Online portal.

Flow: open the frameset with the eligibility search in its ``main`` frame; every step then
happens inside that frame. A saved session lands on the search directly; otherwise the
frame shows the log-on form (a lapsed session too) and the bot logs on once: password,
then one or two security questions answered from the account's stored answers (never
guessed). A password-expired interstitial stops the run (a person changes passwords).
Then search, read the member eligibility page, check it is the requested patient's, and
read the four benefit lists page by page ("Page k of N", "Next >>").

Every navigation's HTTP status is watched (top page and ``main`` frame): 503 (the nightly
maintenance window, outages) and 429 (throttling) raise PortalUnavailable with the
portal's Retry-After, and the runner retries the whole check later.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

from playwright.sync_api import Frame, Page, Response

from bots.base import BotContext, CarrierBot, MfaKind, Outcome
from bots.carriers.summit import selectors as S
from bots.carriers.summit.parse import (
    SectionPage,
    assemble,
    parse_detail,
    parse_section,
    retry_after,
)
from bots.errors import (
    AccountLocked,
    LayoutChanged,
    LoginRejected,
    MfaFailed,
    PasswordExpired,
    PortalUnavailable,
    SessionExpired,
)
from bots.parsing import verify_patient
from bots.registry import register
from portals.model import EligibilityRequest, NotFound

_DOWN = {"maintenance": S.MAINTENANCE, "unavailable": S.UNAVAILABLE,
         "throttled": S.THROTTLED}


_LOOK = ("sels => [sels.findIndex(s => document.querySelector(s) !== null), "
         "document.documentElement.outerHTML]")
"""Which of the selectors the document shows first, and the document itself."""


class _NeedsLogin(Exception):
    """The main frame shows the log-on form: the session lapsed."""


class SummitPortal:
    """The browser side: the frameset, its ``main`` frame and the HTTP status of every
    navigation in them."""

    def __init__(self, page: Page, ctx: BotContext) -> None:
        self.page = page
        self.base = ctx.base_url.rstrip("/")
        self._down: list[tuple[int, str | None]] = []
        self.html = ""
        """The HTML of the page :meth:`state` last recognised."""
        page.on("response", self._seen)
        # the banner and menu frames are decoration: never fetched (less load, fewer 429s)
        page.route(S.DECORATION_FRAMES, lambda route: route.fulfill(
            status=200, content_type="text/html", body="<html><body></body></html>"))

    def _seen(self, response: Response) -> None:
        if response.status not in S.DOWN_STATUSES or \
                not response.request.is_navigation_request():
            return
        frame = response.frame
        if frame == self.page.main_frame or frame.name == S.MAIN_FRAME:
            self._down.append((response.status, response.headers.get("retry-after")))

    def raise_if_down(self, state: str | None = None) -> None:
        if self._down:
            status, header = self._down[-1]
            seconds = retry_after(header)
            wait = f", Retry-After {seconds:g} s" if seconds is not None else ""
            raise PortalUnavailable(f"Summit Online answered {status}{wait}",
                                    retry_after=seconds)
        if state in _DOWN:
            raise PortalUnavailable(f"Summit Online shows its {state} page")

    def open(self) -> Frame:
        """Load the frameset; the ``main`` frame starts on the eligibility search."""
        self._down.clear()
        self.page.goto(self.base + S.FRAMESET_PATH)
        self.raise_if_down()
        main = self.page.frame(name=S.MAIN_FRAME)
        if main is None or self.page.locator(S.FRAMESET).count() == 0:
            raise LayoutChanged("Summit Online no longer shows its frameset with a 'main' frame")
        return main

    def state(self, frame: Frame, states: dict[str, str]) -> str:
        """Which known page the frame shows (waits for one to show); down pages raise.
        The page's HTML is kept in :attr:`html` for the parser (one round trip for both)."""
        everything = {**states, **_DOWN, "error": S.ERROR_PAGE}
        selectors = list(everything.values())
        index, self.html = frame.evaluate(_LOOK, selectors)  # the page has loaded: one look
        if index < 0:  # not there yet: wait on the page until one shows up
            frame.locator(", ".join(selectors)).first.wait_for(state="attached")
            index, self.html = frame.evaluate(_LOOK, selectors)
        found = list(everything)[index]
        self.raise_if_down(found)
        if found == "error":
            message = frame.locator(S.ERROR_PAGE).inner_text().strip()
            raise LayoutChanged(f"Summit Online showed an error page: {message}")
        return found

    def navigate(self, frame: Frame, action: Callable[[], object],
                 states: dict[str, str]) -> str:
        """Do ``action`` (a click that loads a page in ``frame``) and classify the page."""
        self._down.clear()
        with frame.expect_navigation():
            action()
        return self.state(frame, states)

    def follow(self, frame: Frame, href: str, states: dict[str, str]) -> str:
        """Load a link's target (as the page gives it) in ``frame`` and classify the page."""
        self._down.clear()
        frame.goto(urljoin(frame.url, href))
        return self.state(frame, states)


@register
class SummitBot(CarrierBot):
    name = "summit"
    display_name = "Summit Benefit Administrators"
    mfa_kinds = frozenset({MfaKind.SECURITY_QUESTIONS})

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        portal = SummitPortal(page, ctx)
        logged_in = False
        while True:
            ctx.on_event("open_search")
            main = portal.open()
            state = portal.state(main, {"logon": S.LOGON_FORM, "search": S.SEARCH_FORM})
            if state == "search":
                try:
                    return self._lookup(portal, main, ctx, request)
                except _NeedsLogin:
                    pass  # the session lapsed between two pages
            if logged_in:
                raise SessionExpired("Summit Online asked to log on again right after a log-on")
            self._login(portal, main, ctx)
            logged_in = True

    # -- log-on ------------------------------------------------------------------------

    def _login(self, portal: SummitPortal, main: Frame, ctx: BotContext) -> None:
        creds = ctx.credentials
        ctx.on_event("login")
        main.locator(S.USER_ID).fill(creds.username)
        main.locator(S.PASSWORD).fill(creds.password.get_secret_value())
        state = portal.navigate(main, main.locator(S.LOGON_BUTTON).click,
                                {"verify": S.VERIFY_FORM, "expired": S.CHANGE_PASSWORD_FORM,
                                 "logon": S.LOGON_FORM})
        if state == "logon":
            message = self._error(main)
            if S.LOCKED_TEXT in message.lower():
                raise AccountLocked(f"Summit Online says: {message}")
            raise LoginRejected(f"Summit Online says: {message}")
        asked = 0
        while state != "welcome":
            if state == "expired":  # never filled in: a person chooses passwords
                raise PasswordExpired("Summit Online says the password has expired and asks "
                                      "for a new one; a person must change it")
            if asked == S.MAX_QUESTIONS:
                raise MfaFailed("Summit Online kept asking security questions")
            state = self._answer(portal, main, ctx)
            asked += 1

    def _answer(self, portal: SummitPortal, main: Frame, ctx: BotContext) -> str:
        question = " ".join(main.locator(S.QUESTION).inner_text().split())
        answer = ctx.credentials.security_answer(question)
        if answer is None:
            raise MfaFailed(f"no stored answer for the security question {question!r}; "
                            "the bot never guesses")
        ctx.on_event("mfa")
        main.locator(S.ANSWER).fill(answer)
        state = portal.navigate(main, main.locator(S.VERIFY_BUTTON).click,
                                {"verify": S.VERIFY_FORM, "welcome": S.WELCOME,
                                 "expired": S.CHANGE_PASSWORD_FORM, "logon": S.LOGON_FORM})
        if state == "logon":
            message = self._error(main)
            if S.LOCKED_TEXT in message.lower():
                raise AccountLocked(f"Summit Online says: {message}")
            raise MfaFailed(f"Summit Online refused the security answer: {message}")
        return state

    @staticmethod
    def _error(frame: Frame) -> str:
        error = frame.locator(S.ERROR)
        return error.inner_text().strip() if error.count() else "(no message)"

    # -- the lookup --------------------------------------------------------------------

    def _lookup(self, portal: SummitPortal, main: Frame, ctx: BotContext,
                request: EligibilityRequest) -> Outcome:
        ctx.on_event("search")
        main.locator(S.MEMBER_ID).fill(request.member_id)
        main.locator(S.DOB).fill(request.date_of_birth.strftime(S.DOB_FORMAT))
        main.locator(S.LAST_NAME).fill(request.last_name)
        state = portal.navigate(main, main.locator(S.SEARCH_BUTTON).click,
                                {"logon": S.LOGON_FORM, "detail": S.DETAIL,
                                 "search": S.SEARCH_FORM})
        if state == "logon":
            raise _NeedsLogin()
        if state == "search":
            message = self._error(main)
            if message.startswith(S.NO_RECORDS_TEXT):
                return NotFound(carrier=self.name, message=S.NOT_FOUND_MESSAGE)
            raise LayoutChanged(f"the search form refused the request: {message}")
        detail = parse_detail(portal.html)
        verify_patient(detail.member, request)  # before reading anything more
        ctx.on_event("benefits")
        sections = {code: self._section(portal, main, code, href)
                    for code, href in detail.links.items()}
        result = assemble(detail, sections)
        verify_patient(result.member, request)
        return result

    def _section(self, portal: SummitPortal, main: Frame, code: str, href: str
                 ) -> list[SectionPage]:
        """Every page of one benefit list: its first page, then "Next >>" to the last."""
        states = {"logon": S.LOGON_FORM, "section": S.SECTION_TABLE}
        state = portal.follow(main, href, states)
        pages: list[SectionPage] = []
        while True:
            if state == "logon":
                raise _NeedsLogin()
            pages.append(parse_section(portal.html, code))
            if not pages[-1].has_next:
                return pages
            if len(pages) >= pages[0].pages:
                raise LayoutChanged(f"benefit list {code} goes on past its page count")
            state = portal.follow(main, pages[-1].next_href, states)
