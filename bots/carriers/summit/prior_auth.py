"""Prior authorization on Summit Online: submit once, find again, read the decision.

Every job opens the frameset on the authorization inquiry and shares the bot's sign-in
(:func:`bots.flow.signed_in`: the saved session first, at most one fresh log-on).

* **find** (also the first step of a submission): the inquiry by member ID lists the
  member's requests with their notes; ours is the one whose note carries our tracking
  reference, else the one with the same procedure codes and service dates (and no other
  tracking reference). Two candidates is InconsistentResult: a person looks, nothing is
  submitted. The row's detail page is read, checked to be the requested patient's
  (:func:`bots.parsing.verify_patient`) and to answer the request
  (:func:`portals.prior_auth.case_problems`).
* **submit**: :func:`bots.prior_auth_flow.submit_once` in Summit's terms: the one long
  form (``authreq.asp``), each document attached by its own post ("Attach") and
  acknowledged by the portal with its name and size, the form read back (every typed value
  kept, every file listed with its size) before ``ctx.commit()``, one click on "Submit
  Request", and the confirmation page (reference, received time, files) with its PDF.
* **status**: the inquiry by member ID and reference number, the detail page, the status
  words mapped to HCR01 through :data:`~bots.carriers.summit.prior_auth_selectors.STATUSES`
  (an unknown word is LayoutChanged), and the decision letter when there is one.

The authorization pages time out sooner than the rest of the portal: a lapse before the
commit (the log-on page with "session has timed out"; the staged attachments are gone)
means one log-on and the form again from the start, which is safe because nothing was
submitted. After the submit click nothing is ever done again: a log-on page then is
SessionExpired, and the job is only looked for later, never resubmitted.

PDFs (confirmation, decision letter) are kept as ``document`` artifacts, and listed in
the case, only once the case passed every check.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from playwright.sync_api import FilePayload, Page

from bots.base import BotContext, PriorAuthOutcome
from bots.carriers.summit import prior_auth_selectors as PS
from bots.carriers.summit import selectors as S
from bots.carriers.summit.browser import SummitPortal
from bots.carriers.summit.prior_auth_parse import (
    CasePage,
    ListedRequest,
    parse_confirmation,
    parse_detail,
    parse_list,
    parse_request_form,
    pdf_name,
)
from bots.errors import (
    InconsistentResult,
    LayoutChanged,
    PatientMismatch,
    SessionExpired,
    UploadNotAccepted,
)
from bots.flow import NeedsLogin, signed_in
from bots.parsing import verify_patient
from bots.prior_auth_flow import file_payload, submit_once
from portals.model import Document, NotFound
from portals.prior_auth import (
    PortalFile,
    PriorAuthCase,
    PriorAuthRequest,
    PriorAuthStatusRequest,
    case_problems,
)

CARRIER = "summit"


def form_values(request: PriorAuthRequest) -> dict[str, str]:
    """What the bot types into the request form, by field name (the urgency radio aside);
    service lines the request does not use stay empty."""
    values = {
        "txtMemberID": request.member_id,
        "txtDOB": request.date_of_birth.strftime(PS.FIELD_FORMAT),
        "txtLastName": request.last_name, "txtFirstName": request.first_name,
        "txtReqNPI": request.requesting_provider.npi,
        "txtReqName": request.requesting_provider.name,
        "txtSvcNPI": request.servicing_provider.npi,
        "txtSvcName": request.servicing_provider.name,
        "txtDiag": ", ".join(request.diagnosis_codes),
        "txtFromDOS": request.service_from.strftime(PS.FIELD_FORMAT),
        "txtToDOS": request.service_to.strftime(PS.FIELD_FORMAT),
        "txtPOS": request.place_of_service, "txtNotes": request.portal_note(),
    }
    for line in range(1, PS.SERVICE_LINES + 1):
        service = request.services[line - 1] if line <= len(request.services) else None
        values[f"txtProc{line}"] = service.procedure_code if service else ""
        values[f"txtMod{line}"] = " ".join(service.modifiers) if service else ""
        values[f"txtUnits{line}"] = str(service.units) if service else ""
    return values


def matching(rows: list[ListedRequest], request: PriorAuthRequest) -> ListedRequest | None:
    """The listed request that is ``request``: by our tracking reference in its note, else
    by procedure codes and service dates (a row carrying another tracking reference is
    another request). More than one candidate is InconsistentResult."""
    ours = [r for r in rows if r.tracking_ref == request.tracking_ref]
    if len(ours) > 1:
        raise InconsistentResult(
            f"Summit Online lists {len(ours)} requests with reference {request.tracking_ref}: "
            + ", ".join(r.reference for r in ours))
    if ours:
        return ours[0]
    same = [r for r in rows if r.tracking_ref is None
            and sorted(r.procedure_codes) == sorted(request.procedure_codes)
            and (r.service_from, r.service_to) == (request.service_from, request.service_to)]
    if len(same) > 1:
        raise InconsistentResult(
            "Summit Online lists more than one request with these procedure codes and "
            "dates and none carries our reference: " + ", ".join(r.reference for r in same))
    return same[0] if same else None


@dataclass
class PriorAuthJob:
    """One prior-authorization job on Summit Online, in one browser page."""

    portal: SummitPortal
    ctx: BotContext
    clicked: bool = False
    """Submit was clicked in this job: nothing is ever done again after it."""
    state: str = ""
    """The page the submit click led to."""

    @classmethod
    def open(cls, page: Page, ctx: BotContext) -> PriorAuthJob:
        return cls(SummitPortal(page, ctx), ctx)

    def run(self, task: Callable[[], PriorAuthOutcome]) -> PriorAuthOutcome:
        """``task`` signed in, the frameset opened on the authorization inquiry."""
        return signed_in(self.ctx, start=lambda: self.portal.start(PS.INQUIRY_FRAMESET_PATH,
                                                                   PS.INQUIRY_FORM),
                         login=self.portal.login, task=task)

    # -- pages ---------------------------------------------------------------------------

    def _follow(self, href: str, states: dict[str, str]) -> str:
        state = self.portal.follow(self.portal.frame(), href,
                                   {"logon": S.LOGON_FORM, **states})
        if state == "logon":
            raise NeedsLogin()
        return state

    def inquiry(self, member_id: str, reference: str = "") -> list[ListedRequest]:
        """Every request the inquiry lists (all its pages); [] when it finds none. Every
        row must be the requested member's."""
        main = self.portal.frame()
        if not main.locator(PS.INQUIRY_FORM).is_visible():
            self._follow(PS.INQUIRY_PATH, {"inquiry": PS.INQUIRY_FORM})
        self.ctx.on_event("pa_search")
        main.locator(PS.INQUIRY_MEMBER_ID).fill(member_id)
        main.locator(PS.INQUIRY_REF_NO).fill(reference)
        state = self.portal.navigate(main, main.locator(PS.INQUIRY_BUTTON).click,
                                     {"logon": S.LOGON_FORM, "list": PS.AUTH_LIST,
                                      "inquiry": PS.INQUIRY_FORM})
        if state == "logon":
            raise NeedsLogin()
        if state == "inquiry":
            message = self.portal.error_text()
            if message.startswith(PS.NO_REQUESTS_TEXT):
                return []
            raise LayoutChanged(f"the authorization inquiry refused the search: {message}")
        rows: list[ListedRequest] = []
        number = 0
        while True:
            page = parse_list(self.portal.html)
            number += 1
            if page.page != number:
                raise LayoutChanged(f"request list: expected page {number}, the portal "
                                    f"showed {page.page} of {page.pages}")
            for row in page.rows:
                if row.member_id.upper() != member_id.strip().upper():
                    raise PatientMismatch("the request list shows another member than the "
                                          "one requested")
            rows += page.rows
            if not page.next_href:
                return rows
            self._follow(page.next_href, {"list": PS.AUTH_LIST})

    def read_case(self, href: str, request: PriorAuthRequest | PriorAuthStatusRequest
                  ) -> PriorAuthCase:
        """A request's detail page, checked, with its decision letter when it has one."""
        self._follow(href, {"detail": PS.DETAIL})
        page = parse_detail(self.portal.html)
        return self._checked(page, request, "decision_letter", PS.LETTER_FILENAME,
                             "decision letter")

    def _checked(self, page: CasePage, request: PriorAuthRequest | PriorAuthStatusRequest,
                 kind: str, pattern: re.Pattern[str], what: str) -> PriorAuthCase:
        """The page's case once it is the requested patient's and answers the request;
        then its PDF is fetched and kept."""
        verify_patient(page.case.patient, request)
        problems = case_problems(request, page.case)
        if problems:
            raise InconsistentResult("the request Summit Online shows does not match: "
                                     + "; ".join(problems))
        documents = []
        if page.pdf_href is not None:
            filename, data = self.portal.download_pdf(
                page.pdf_href, lambda value: pdf_name(pattern, value, what), what)
            documents.append(Document(kind=kind, filename=filename,
                                      content_type="application/pdf",
                                      sha256=hashlib.sha256(data).hexdigest(), size=len(data)))
            self.ctx.artifacts.put("document", filename, "application/pdf", data)
        return page.case.model_copy(update={"documents": documents})

    # -- the three jobs ------------------------------------------------------------------

    def find(self, request: PriorAuthRequest) -> PriorAuthCase | None:
        row = matching(self.inquiry(request.member_id), request)
        if row is None:
            return None
        self.ctx.on_event("pa_found")
        return self.read_case(row.href, request)

    def status(self, request: PriorAuthStatusRequest) -> PriorAuthOutcome:
        rows = [r for r in self.inquiry(request.member_id, request.reference_number)
                if r.reference.upper() == request.reference_number.upper()]
        if not rows:
            return NotFound(carrier=CARRIER, message=PS.NOT_FOUND_MESSAGE)
        if len(rows) > 1:
            raise InconsistentResult(f"Summit Online lists request {request.reference_number}"
                                     " twice")
        return self.read_case(rows[0].href, request)

    def submit(self, request: PriorAuthRequest) -> PriorAuthCase:
        if self.clicked:  # never reached: signed_in re-runs a task only on NeedsLogin
            raise SessionExpired("a submission may not start again after its submit click")
        try:
            return submit_once(
                self.ctx, request, find=lambda: self.find(request),
                fill=lambda: self.fill(request), upload=lambda done: self.upload(request, done),
                listed_files=lambda: self.listed_files(request), click_submit=self.click_submit,
                confirmation=lambda: self.confirmation(request))
        except NeedsLogin:
            if self.clicked:
                raise SessionExpired(
                    "Summit Online asked to log on again after the submit click: whether it "
                    "received the request is unknown (it is looked for, never resubmitted)"
                ) from None
            raise  # before the commit: one log-on, then the form from the start

    # -- the submission's steps ----------------------------------------------------------

    def fill(self, request: PriorAuthRequest) -> None:
        self._follow(PS.REQUEST_PATH, {"form": PS.REQUEST_FORM})
        parse_request_form(self.portal.html)  # the form this bot knows, empty
        self.ctx.on_event("pa_fill")
        main = self.portal.frame()
        for name, value in form_values(request).items():
            if value:  # a new form is empty: unused service lines stay so
                main.locator(f'{PS.REQUEST_FORM} [name="{name}"]').fill(value)
        main.locator(PS.URGENCY_RADIO.format(
            value=PS.URGENCY_VALUES[request.urgency.value])).check()

    def upload(self, request: PriorAuthRequest, uploaded: Callable[[], None]) -> None:
        """Attach each document by its own post; the portal must acknowledge it by name
        and size, or say why not (UploadNotAccepted, in its words)."""
        main = self.portal.frame()
        for index, document in enumerate(request.documents):
            payload = cast(FilePayload, file_payload(self.ctx, request, index))
            main.locator(PS.FILE_INPUT).set_input_files(payload)
            state = self.portal.navigate(main, main.locator(PS.ATTACH_BUTTON).click,
                                         {"logon": S.LOGON_FORM, "form": PS.REQUEST_FORM})
            if state == "logon":
                raise NeedsLogin()
            form = parse_request_form(self.portal.html)
            if form.error is not None:
                raise UploadNotAccepted(f"Summit Online refused {document.filename}: "
                                        f"{form.error}")
            expected = PS.ATTACHED_TEXT.format(name=document.filename, size=document.size)
            if form.notice != expected:
                raise UploadNotAccepted(f"Summit Online did not acknowledge "
                                        f"{document.filename} as sent: {form.notice!r}")
            uploaded()

    def listed_files(self, request: PriorAuthRequest) -> list[PortalFile]:
        """The form as it stands right before the commit: every value as the bot typed it
        (a post-back that lost one is InconsistentResult, nothing submitted), and the
        files the portal lists."""
        main = self.portal.frame()
        shown: dict[str, str] = main.locator(PS.REQUEST_FORM).evaluate(PS.FORM_VALUES_JS)
        wanted = form_values(request) | {
            PS.URGENCY_FIELD: PS.URGENCY_VALUES[request.urgency.value]}
        for name, value in wanted.items():
            if shown.get(name) != value:
                raise InconsistentResult(f"the request form no longer holds what was typed "
                                         f"in {name}; nothing was submitted")
        return parse_request_form(main.content()).files

    def click_submit(self) -> None:
        main = self.portal.frame()
        self.clicked = True
        self.state = self.portal.navigate(main, main.locator(PS.SUBMIT_BUTTON).click,
                                          {"logon": S.LOGON_FORM,
                                           "confirmation": PS.CONFIRMATION,
                                           "form": PS.REQUEST_FORM})

    def confirmation(self, request: PriorAuthRequest) -> PriorAuthCase:
        if self.state == "logon":
            raise NeedsLogin()  # after the click: SessionExpired (see submit)
        if self.state == "form":
            raise LayoutChanged(f"Summit Online refused the request on submit: "
                                f"{self.portal.error_text()}")
        page = parse_confirmation(self.portal.html)
        self.ctx.on_event("pa_reference")
        return self._checked(page, request, "confirmation", PS.CONFIRMATION_FILENAME,
                             "confirmation")


def submit(page: Page, ctx: BotContext, request: PriorAuthRequest) -> PriorAuthOutcome:
    job = PriorAuthJob.open(page, ctx)
    return job.run(lambda: job.submit(request))


def find(page: Page, ctx: BotContext, request: PriorAuthRequest) -> PriorAuthOutcome:
    job = PriorAuthJob.open(page, ctx)

    def task() -> PriorAuthOutcome:
        case = job.find(request)
        return NotFound(carrier=CARRIER, message=PS.NOT_FOUND_MESSAGE) if case is None \
            else case.model_copy(update={"found_existing": True})

    return job.run(task)


def status(page: Page, ctx: BotContext, request: PriorAuthStatusRequest) -> PriorAuthOutcome:
    job = PriorAuthJob.open(page, ctx)
    return job.run(lambda: job.status(request))


__all__ = ["PriorAuthJob", "find", "form_values", "matching", "status", "submit"]
