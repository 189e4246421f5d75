"""Cascade Dental: a server-rendered dental portal with e-mailed codes, benefits in an
iframe and a benefit summary PDF.

Flow: open the patient lookup; a saved session lands there directly, otherwise the portal
sends the browser to sign-in (a lapsed session too) and the bot signs in once: user ID
and passcode, then the code the portal e-mails to the account's address (read from the
run's code inbox). Then look the patient up, read the record page and check it is the
requested patient's, read the benefits inside the iframe and check the frame names the
same member, download the benefit summary PDF, check it is a PDF naming the patient, and
keep it as a document of the run.

Every page after a click is classified at once (known states, else "an unknown page"),
so a redesigned portal fails as LayoutChanged without waiting for a timeout.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from playwright.sync_api import FrameLocator, Page, Response

from bots.base import BotContext, Capability, CarrierBot, MfaKind, Outcome
from bots.carriers.cascade import selectors as S
from bots.carriers.cascade.document import check_summary, summary_document, summary_filename
from bots.carriers.cascade.parse import RecordPage, parse_record
from bots.carriers.cascade.parse_frame import parse_frame
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
from portals.model import Document, EligibilityRequest, EligibilityResult, NotFound

_DOWN = {"maintenance": S.MAINTENANCE, "unavailable": S.UNAVAILABLE}


@register
class CascadeBot(CarrierBot):
    name = "cascade"
    display_name = "Cascade Dental"
    capabilities = frozenset({Capability.ELIGIBILITY, Capability.DOCUMENTS})
    mfa_kinds = frozenset({MfaKind.EMAIL})

    def check_eligibility(self, page: Page, ctx: BotContext, request: EligibilityRequest
                          ) -> Outcome:
        signed_in = False
        while True:
            ctx.on_event("open_lookup")
            response = page.goto(ctx.base_url.rstrip("/") + S.PATIENTS_PATH)
            state = _settle(page, response, {"lookup": S.LOOKUP_FORM, "signin": S.SIGNIN_FORM})
            if state == "lookup":
                state = self._lookup(page, ctx, request)
            if state == "signin":  # no saved session, or it lapsed between two pages
                if signed_in:
                    raise SessionExpired("the portal asked to sign in again right after a "
                                         "sign-in")
                self._sign_in(page, ctx)
                signed_in = True
                continue
            if state == "no_match":
                return NotFound(carrier=self.name, message=S.NO_MATCH_TEXT)
            return self._read(page, ctx, request)

    # -- sign-in -----------------------------------------------------------------------------

    def _sign_in(self, page: Page, ctx: BotContext) -> None:
        creds = ctx.credentials
        ctx.on_event("login")
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
            message = page.locator(S.SIGNIN_ERROR).inner_text().strip()
            if S.LOCKED_TEXT in message.lower():
                raise AccountLocked(f"the portal says: {message}")
            raise LoginRejected(f"the portal says: {message}")
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
        if ctx.codes is None:
            raise MfaCodeTimeout("the portal e-mailed a code and no code inbox is set up for "
                                 "this account")
        ctx.on_event("mfa")
        code = ctx.codes.wait_for_code(S.CODE_CHANNEL, ctx.mfa_wait_seconds)
        if code is None:
            raise MfaCodeTimeout(f"no e-mailed code arrived within {ctx.mfa_wait_seconds:g} s")
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
                raise AccountLocked(f"the portal says: {message}")
            raise MfaFailed("the portal went back to sign-in after the code")

    # -- the lookup ----------------------------------------------------------------------------

    def _lookup(self, page: Page, ctx: BotContext, request: EligibilityRequest) -> str:
        ctx.on_event("search")
        born = request.date_of_birth
        page.locator(S.LOOKUP_MEMBER_ID).fill(request.member_id)
        page.locator(S.LOOKUP_DOB).fill(
            f"{born.day:02d}-{S.MONTHS[born.month - 1]}-{born.year}")
        page.locator(S.LOOKUP_LAST_NAME).fill(request.last_name)
        with page.expect_navigation() as navigation:
            page.locator(S.LOOKUP_SUBMIT).click()
        state = _settle(page, navigation.value, {"record": S.RECORD,
                                                 "message": S.LOOKUP_MESSAGE,
                                                 "signin": S.SIGNIN_FORM})
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
        frame = page.frame_locator(S.BENEFITS_FRAME)
        state = _frame_state(frame, {"benefits": S.FRAME_ROOT, "signin": S.SIGNIN_FORM,
                                     **_DOWN, "other": S.ANY_PAGE})
        if state in _DOWN:
            raise PortalUnavailable(f"the benefits frame shows the portal's {state} page")
        if state == "signin":
            raise SessionExpired("the benefits frame asks to sign in again")
        if state == "other":
            raise LayoutChanged("the benefits frame shows an unknown page")
        content = page.locator(S.BENEFITS_FRAME).element_handle().content_frame()
        if content is None:
            raise LayoutChanged("the benefits frame has no document")
        return content.content()

    def _benefit_summary(self, page: Page, ctx: BotContext, record: RecordPage) -> Document:
        """Download the summary PDF with the page's session, check it and keep it."""
        ctx.on_event("download_document")
        response = page.request.get(urljoin(page.url, record.summary_href),
                                    fail_on_status_code=False)
        if response.status in S.DOWN_STATUSES:
            raise PortalUnavailable(f"the benefit summary download answered {response.status}",
                                    retry_after=_seconds(response.headers.get("retry-after")))
        if response.status != 200:
            raise LayoutChanged(f"the benefit summary download answered {response.status}")
        filename = summary_filename(response.headers)
        data = response.body()
        check_summary(data, record.member)
        ctx.artifacts.put("document", filename, S.PDF_CONTENT_TYPE, data)
        return summary_document(filename, data)


def _settle(page: Page, response: Response | None, states: dict[str, str]) -> str:
    """Which known page the browser shows now; the portal being down, or an unknown page,
    raise."""
    if response is not None and response.status in S.DOWN_STATUSES:
        raise PortalUnavailable(f"the portal answered {response.status}",
                                retry_after=_seconds(response.headers.get("retry-after")))
    state = wait_for_any(page, {**states, **_DOWN, "other": S.ANY_PAGE})
    if state in _DOWN:
        raise PortalUnavailable(f"the portal shows its {state} page")
    if state == "other":
        raise LayoutChanged(f"the portal shows a page the bot does not know ({page.url})")
    return state


def _frame_state(frame: FrameLocator, states: dict[str, str]) -> str:
    locators = {name: frame.locator(selector) for name, selector in states.items()}
    combined = None
    for locator in locators.values():
        combined = locator if combined is None else combined.or_(locator)
    assert combined is not None
    combined.first.wait_for(state="visible")
    for name, locator in locators.items():
        if locator.first.is_visible():
            return name
    raise LayoutChanged("the benefits frame changed while it was read")


def _matches_mask(address: str, mask: str) -> bool:
    """``f***@example.test`` masks an address with that first letter and that domain."""
    local, _, domain = address.strip().lower().partition("@")
    shown_local, _, shown_domain = mask.lower().partition("@")
    return bool(local) and shown_local == f"{local[0]}***" and shown_domain == domain


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
