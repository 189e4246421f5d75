"""The browser side of Summit Online: the frameset, its ``main`` frame (and the claim
page's ``remit`` frame), the page classifier, the HTTP status of every navigation, the
log-on steps and downloads. Every job of the bot goes through one :class:`SummitPortal`
and one sign-in (:func:`bots.flow.signed_in`).

Every navigation's HTTP status is watched (top page, ``main`` and ``remit`` frames): 503
(the nightly maintenance window, outages) and 429 (throttling) raise PortalUnavailable
with the portal's Retry-After (:func:`bots.flow.check_response`).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

from playwright.sync_api import Frame, Page, Response

from bots.base import BotContext
from bots.carriers.summit import selectors as S
from bots.carriers.summit.parse_claims import pdf_filename
from bots.errors import AccountLocked, LayoutChanged, MfaFailed, PasswordExpired, PortalUnavailable
from bots.flow import BUSY_STATUSES, NeedsLogin, Screens, check_response, login_refused, retry_after

SCREENS = Screens(
    down={"maintenance": S.MAINTENANCE, "unavailable": S.UNAVAILABLE},
    throttled={"throttled": S.THROTTLED},
    unknown={"redesign": S.UNKNOWN_LAYOUT},
)
"""Summit Online's page classifier: its down pages, its throttled page, the redesign."""
_WATCHED_FRAMES = (S.MAIN_FRAME, S.REMIT_FRAME)


class SummitPortal:
    """One visit to Summit Online in one browser page."""

    def __init__(self, page: Page, ctx: BotContext) -> None:
        self.page = page
        self.ctx = ctx
        self.base = ctx.base_url.rstrip("/")
        self._down: list[Response] = []
        self.html = ""
        """The HTML of the page :meth:`state` last recognised."""
        self.main: Frame | None = None
        page.on("response", self._seen)
        # the banner and menu frames are decoration: never fetched (less load, fewer 429s)
        page.route(S.DECORATION_FRAMES, lambda route: route.fulfill(
            status=200, content_type="text/html", body="<html><body></body></html>"))

    def _seen(self, response: Response) -> None:
        if response.status not in S.DOWN_STATUSES or \
                not response.request.is_navigation_request():
            return
        frame = response.frame
        if frame == self.page.main_frame or frame.name in _WATCHED_FRAMES:
            self._down.append(response)

    def raise_if_down(self) -> None:
        """A watched navigation answered 429 / 5xx: PortalUnavailable with Retry-After."""
        if self._down:
            response = self._down[-1]
            check_response(response, "Summit Online")
            raise PortalUnavailable(f"Summit Online answered {response.status}")

    # -- pages -------------------------------------------------------------------------

    def open(self, path: str) -> Frame:
        """Load the frameset with ``path``'s page in its ``main`` frame."""
        self._down.clear()
        check_response(self.page.goto(self.base + path), "Summit Online")
        self.raise_if_down()
        main = self.page.frame(name=S.MAIN_FRAME)
        if main is None or self.page.locator(S.FRAMESET).count() == 0:
            raise LayoutChanged("Summit Online no longer shows its frameset with a 'main' frame")
        self.main = main
        return main

    def start(self, path: str, form: str) -> bool:
        """Open the frameset on a search page: True when it shows ``form`` (signed in),
        False when it shows the log-on form."""
        self.ctx.on_event("open_search")
        main = self.open(path)
        return self.state(main, {"logon": S.LOGON_FORM, "search": form}) == "search"

    def frame(self) -> Frame:
        if self.main is None:
            raise RuntimeError("the portal was not opened")
        return self.main

    def remit_frame(self) -> Frame:
        """The claim page's remittance frame."""
        found = [f for f in self.frame().child_frames if f.name == S.REMIT_FRAME]
        if len(found) != 1:
            raise LayoutChanged("the claim page has no remittance frame")
        return found[0]

    def state(self, frame: Frame, states: dict[str, str]) -> str:
        """Which known page ``frame`` shows (waits for one to show); down, throttled and
        unknown pages raise. The page's HTML is kept in :attr:`html` for the parser."""
        try:
            found = SCREENS.wait(frame, {**states, "error": S.ERROR_PAGE})
        except PortalUnavailable:
            self.raise_if_down()  # the HTTP status and its Retry-After, when seen
            raise
        self.raise_if_down()
        if found == "error":
            message = frame.locator(S.ERROR_PAGE).inner_text().strip()
            raise LayoutChanged(f"Summit Online showed an error page: {message}")
        self.html = frame.content()
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
        frame.goto(urljoin(self.frame().url, href))
        return self.state(frame, states)

    def error_text(self) -> str:
        error = self.frame().locator(S.ERROR)
        return error.inner_text().strip() if error.count() else "(no message)"

    def download_pdf(self, href: str, name: Callable[[str | None], str] = pdf_filename,
                     what: str = "remittance") -> tuple[str, bytes]:
        """A PDF (with the browser's session): its file name (``name`` reads it from the
        Content-Disposition; a remittance's by default) and bytes."""
        response = self.page.context.request.get(urljoin(self.frame().url, href))
        if response.status in BUSY_STATUSES:
            raise PortalUnavailable(f"Summit Online answered {response.status}",
                                    retry_after=retry_after(response.headers.get("retry-after")))
        if response.url.split("?")[0].endswith(S.LOGON_PATH):
            raise NeedsLogin()
        body = response.body()
        if response.status != 200 or not response.headers.get("content-type", "").startswith(
                "application/pdf") or not body.startswith(b"%PDF-"):
            raise LayoutChanged(f"the {what} download is not a PDF (HTTP {response.status})")
        return name(response.headers.get("content-disposition")), body

    # -- log-on ------------------------------------------------------------------------

    def login(self) -> None:
        """Log on once: password, then one or two security questions answered from the
        account's stored answers (never guessed). A password-expired interstitial stops."""
        main = self.frame()
        if not main.locator(S.LOGON_FORM).is_visible():  # e.g. a lapse seen in a sub-frame
            self.follow(main, S.LOGON_PATH, {"logon": S.LOGON_FORM})
        creds = self.ctx.credentials
        main.locator(S.USER_ID).fill(creds.username)
        main.locator(S.PASSWORD).fill(creds.password.get_secret_value())
        state = self.navigate(main, main.locator(S.LOGON_BUTTON).click,
                              {"verify": S.VERIFY_FORM, "expired": S.CHANGE_PASSWORD_FORM,
                               "logon": S.LOGON_FORM})
        if state == "logon":
            raise login_refused(self.error_text(), [S.LOCKED_TEXT])
        asked = 0
        while state != "welcome":
            if state == "expired":  # never filled in: a person chooses passwords
                raise PasswordExpired("Summit Online says the password has expired and asks "
                                      "for a new one; a person must change it")
            if asked == S.MAX_QUESTIONS:
                raise MfaFailed("Summit Online kept asking security questions")
            state = self._answer(main)
            asked += 1

    def _answer(self, main: Frame) -> str:
        question = " ".join(main.locator(S.QUESTION).inner_text().split())
        answer = self.ctx.credentials.security_answer(question)
        if answer is None:
            raise MfaFailed(f"no stored answer for the security question {question!r}; "
                            "the bot never guesses")
        self.ctx.on_event("mfa")
        main.locator(S.ANSWER).fill(answer)
        state = self.navigate(main, main.locator(S.VERIFY_BUTTON).click,
                              {"verify": S.VERIFY_FORM, "welcome": S.WELCOME,
                               "expired": S.CHANGE_PASSWORD_FORM, "logon": S.LOGON_FORM})
        if state == "logon":
            refused = login_refused(self.error_text(), [S.LOCKED_TEXT])
            if isinstance(refused, AccountLocked):
                raise refused
            raise MfaFailed(f"Summit Online refused the security answer: {self.error_text()}")
        return state
