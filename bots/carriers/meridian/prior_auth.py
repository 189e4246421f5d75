"""Meridian prior authorization: submit a request exactly once, find it again, read its
decision. The tasks :func:`bots.flow.signed_in` runs (the page shows the request list).

Submitting is :func:`bots.prior_auth_flow.submit_once` over Meridian's steps:

* **find**: search the list by our tracking reference (the note carries it), then by the
  member, and keep rows with the request's procedure codes and service dates and no other
  tracking reference; one match is opened and read, two are a person's to sort out;
* **fill**: "Start a New Request", then wizard steps 1-3 (patient, providers, diagnoses
  and services with the note), each checked to have moved on;
* **upload**: step 4, one file at a time; the portal's "<file> was uploaded." notice
  naming that file is the proof it was taken, its error message a refusal;
* **listed files**: step 5, the review page, read in full: the patient verified, the
  services, dates, place, urgency, note and providers compared with the request (a
  difference is InconsistentResult, before anything is sent), the attachment table
  returned;
* **submit**: the attestation box and "Submit Request", once per call (a second click
  raises instead); a sign-in page or the portal's error page after it is an error whose
  outcome is unknown, never a reason to submit again;
* **confirmation**: the reference and received time, then the request's detail page.

Every case is read from the request's detail page: the patient verified
(:func:`bots.parsing.verify_patient`), the case checked against the request
(:func:`portals.prior_auth.case_problems`), and only then the confirmation and decision
letter PDFs kept as documents.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from playwright.sync_api import FilePayload, Page

from bots.base import BotContext, PriorAuthOutcome
from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.prior_auth_parse import (
    PaRow,
    PdfLink,
    ReviewPage,
    parse_confirmation,
    parse_detail,
    parse_pa_list,
    parse_review,
)
from bots.errors import (
    BotError,
    InconsistentResult,
    LayoutChanged,
    PatientMismatch,
    PortalUnavailable,
    UploadNotAccepted,
)
from bots.flow import BUSY_STATUSES, NeedsLogin, Screens, check_response, retry_after
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

if TYPE_CHECKING:
    from collections.abc import Callable

NO_MEMBER = "the portal knows no member with this ID, date of birth and name"
NO_REQUEST = "the portal lists no authorization request with this reference number"


class _UnknownMember(Exception):  # noqa: N818  (control flow: the answer is NotFound)
    """Step 1 found no such member: nothing can be submitted for them."""


class PriorAuthPages:
    """One bot call on Meridian's prior-authorization pages.

    Made once per call, outside the sign-in retry, so that what it remembers (the submit
    click) survives a fresh login part-way: the click is never made twice.
    """

    def __init__(self, page: Page, ctx: BotContext, screens: Screens, carrier: str) -> None:
        self.page = page
        self.ctx = ctx
        self.screens = screens
        self.carrier = carrier
        self.clicked = False

    # -- the three jobs ----------------------------------------------------------------------

    def submit(self, request: PriorAuthRequest) -> PriorAuthOutcome:
        try:
            return submit_once(
                self.ctx, request, find=lambda: self.find(request),
                fill=lambda: self.fill(request),
                upload=lambda uploaded: self.upload(request, uploaded),
                listed_files=lambda: self.review(request), click_submit=self.click_submit,
                confirmation=lambda: self.confirmation(request))
        except _UnknownMember:
            return NotFound(carrier=self.carrier, message=NO_MEMBER)
        except NeedsLogin:
            if self.clicked:
                raise LayoutChanged("the portal asked to sign in again after the submit "
                                    "click: the request may have been received; look for "
                                    "it, never submit it again") from None
            raise

    def find_only(self, request: PriorAuthRequest) -> PriorAuthOutcome:
        case = self.find(request)
        if case is None:
            return NotFound(carrier=self.carrier, message="the portal lists no request "
                            "carrying this tracking reference, nor one for this patient "
                            "with these services and dates")
        return case.model_copy(update={"found_existing": True})

    def status(self, request: PriorAuthStatusRequest) -> PriorAuthOutcome:
        rows = self.search(reference=request.reference_number)
        wanted = request.reference_number.upper()
        mine = [row for row in rows if row.reference.upper() == wanted]
        if not mine:
            return NotFound(carrier=self.carrier, message=NO_REQUEST)
        if len(mine) > 1:
            raise InconsistentResult(f"the portal lists request {wanted} {len(mine)} times")
        return self.read_case(mine[0], request)

    # -- find --------------------------------------------------------------------------------

    def find(self, request: PriorAuthRequest) -> PriorAuthCase | None:
        """The request if the portal has it already: by tracking reference, else by
        patient, procedure codes and service dates (rows with no tracking reference)."""
        self.ctx.on_event("pa_search")
        mine = [row for row in self.search(text=request.tracking_ref)
                if row.tracking_ref == request.tracking_ref]
        for row in mine:
            if row.member_id.upper() != request.member_id.upper():
                raise PatientMismatch(f"the portal lists request {row.reference}, carrying "
                                      "this tracking reference, for another member ID")
        if not mine:
            mine = [row for row in self.search(member_id=request.member_id)
                    if row.tracking_ref is None and _same_request(row, request)]
        if not mine:
            return None
        if len(mine) > 1:
            raise InconsistentResult(
                "the portal lists this request more than once ("
                + ", ".join(row.reference for row in mine) + "): a person must decide")
        return self.read_case(mine[0], request)

    def search(self, *, member_id: str = "", reference: str = "", text: str = ""
               ) -> list[PaRow]:
        """Every row of every result page of one search of the request list."""
        page = self.page
        if not page.locator(S.PA_SEARCH_FORM).is_visible():
            self._goto(S.PA_PATH, {"list": S.PA_LIST})
        page.locator(S.PA_SEARCH_MEMBER_ID).fill(member_id)
        page.locator(S.PA_SEARCH_REFERENCE).fill(reference)
        page.locator(S.PA_SEARCH_TEXT).fill(text)
        page.locator(S.PA_SEARCH_BUTTON).click()
        state = self._wait({"results": S.PA_RESULTS, "error": S.PA_SEARCH_ERROR})
        if state == "error":
            raise LayoutChanged(f"the request search was refused: {self._words(S.PA_SEARCH_ERROR)}")
        rows: list[PaRow] = []
        expected = 1
        while True:
            listed = parse_pa_list(page.content())
            if listed.page != (expected if listed.rows else 0):
                raise InconsistentResult(f"expected result page {expected}, the portal shows "
                                         f"page {listed.page} of {listed.pages}")
            for row in listed.rows:
                if any(seen.reference == row.reference for seen in rows):
                    raise InconsistentResult(f"request {row.reference} is listed twice")
                rows.append(row)
            if listed.next_href is None:
                return rows
            expected += 1
            self._goto(listed.next_href, {"results": S.PA_RESULTS})

    # -- fill and upload ---------------------------------------------------------------------

    def fill(self, request: PriorAuthRequest) -> None:
        """Wizard steps 1-3; ends on step 4 (documents)."""
        page = self.page
        self.ctx.on_event("pa_fill")
        if not page.locator(S.PA_NEW_BUTTON).is_visible():
            self._goto(S.PA_PATH, {"list": S.PA_LIST})
        page.locator(S.PA_NEW_BUTTON).click()
        self._wait({"patient": S.PA_PATIENT_FORM})
        page.locator(S.PA_MEMBER_ID).fill(request.member_id)
        page.locator(S.PA_DOB).fill(request.date_of_birth.strftime(S.DATE_FORMAT))
        page.locator(S.PA_FIRST_NAME).fill(request.first_name)
        page.locator(S.PA_LAST_NAME).fill(request.last_name)
        self._next(S.PA_PATIENT_CONTINUE, S.PA_PROVIDERS_FORM, "patient")
        page.locator(S.PA_REQUESTING_NPI).fill(request.requesting_provider.npi)
        page.locator(S.PA_REQUESTING_NAME).fill(request.requesting_provider.name)
        page.locator(S.PA_SERVICING_NPI).fill(request.servicing_provider.npi)
        page.locator(S.PA_SERVICING_NAME).fill(request.servicing_provider.name)
        self._next(S.PA_PROVIDERS_CONTINUE, S.PA_SERVICES_FORM, "providers")
        self._services(request)
        self._next(S.PA_SERVICES_CONTINUE, S.PA_UPLOAD_FORM, "diagnoses and services")

    def _services(self, request: PriorAuthRequest) -> None:
        page = self.page
        if len(request.diagnosis_codes) > S.PA_DIAGNOSIS_SLOTS \
                or len(request.services) > S.PA_SERVICE_LINES:
            raise LayoutChanged(f"the form takes {S.PA_DIAGNOSIS_SLOTS} diagnoses and "
                                f"{S.PA_SERVICE_LINES} services at most")
        for slot, code in enumerate(request.diagnosis_codes, start=1):
            page.locator(S.PA_DIAGNOSIS.format(slot=slot)).fill(code)
        for line, service in enumerate(request.services, start=1):
            page.locator(S.PA_SERVICE_CODE.format(line=line)).fill(service.procedure_code)
            for slot, modifier in enumerate(service.modifiers, start=1):
                page.locator(S.PA_SERVICE_MODIFIER.format(line=line, slot=slot)).fill(modifier)
            page.locator(S.PA_SERVICE_UNITS.format(line=line)).fill(str(service.units))
        page.locator(S.PA_SERVICE_FROM).fill(request.service_from.strftime(S.DATE_FORMAT))
        page.locator(S.PA_SERVICE_TO).fill(request.service_to.strftime(S.DATE_FORMAT))
        place = page.locator(S.PA_PLACE)
        if place.locator(f'option[value="{request.place_of_service}"]').count() != 1:
            raise LayoutChanged(f"the portal offers no place of service "
                                f"{request.place_of_service}")
        place.select_option(request.place_of_service)
        page.locator(S.PA_URGENCY.format(urgency=request.urgency.value)).check()
        page.locator(S.PA_NOTE).fill(request.portal_note())

    def upload(self, request: PriorAuthRequest, uploaded: Callable[[], None]) -> None:
        """Step 4: each file, proven taken by the notice that names it."""
        page = self.page
        for index, document in enumerate(request.documents):
            payload = cast("FilePayload", file_payload(self.ctx, request, index))
            page.locator(S.PA_FILE_INPUT).set_input_files(payload)
            page.locator(S.PA_UPLOAD_BUTTON).click()
            taken = f'{S.PA_UPLOAD_NOTICE}[data-file="{document.filename}"]'
            if self._wait({"taken": taken, "error": S.PA_STEP_ERROR}) == "error":
                raise UploadNotAccepted(f"the portal refused {document.filename}, nothing was "
                                        f"submitted: {self._words(S.PA_STEP_ERROR)}")
            notice = self._words(taken)
            if notice != S.PA_UPLOADED_TEXT.format(name=document.filename):
                raise UploadNotAccepted(f"the portal answered {notice!r} to "
                                        f"{document.filename}, nothing was submitted")
            uploaded()

    # -- review, submit, confirmation ------------------------------------------------------------

    def review(self, request: PriorAuthRequest) -> list[PortalFile]:
        """Step 5: the request as it will be sent, checked; the files it lists."""
        self.page.locator(S.PA_CONTINUE_REVIEW).click()
        self._wait({"review": S.PA_REVIEW})
        review = parse_review(self.page.content())
        verify_patient(review.patient, request)
        problems = review_problems(request, review)
        if problems:
            raise InconsistentResult("the review page does not show the request, nothing "
                                     "was submitted: " + "; ".join(problems[:3]))
        return review.files

    def click_submit(self) -> None:
        if self.clicked:
            raise BotError("submit was already clicked in this call; it is never clicked "
                           "twice")
        self.clicked = True
        self.ctx.on_event("pa_submit")
        self.page.locator(S.PA_ATTEST).check()
        self.page.locator(S.PA_SUBMIT_BUTTON).click()

    def confirmation(self, request: PriorAuthRequest) -> PriorAuthCase:
        state = self._wait({"confirmation": S.PA_CONFIRMATION, "error": S.ERROR_TITLE,
                            "refused": S.PA_STEP_ERROR})
        if state == "error":
            raise LayoutChanged("the portal answered its error page after the submit click "
                                f"({self._words(S.ERROR_MESSAGE)}): the request may have "
                                "been received; look for it, never submit it again")
        if state == "refused":
            raise LayoutChanged("the portal refused the submission: "
                                f"{self._words(S.PA_STEP_ERROR)}")
        shown = parse_confirmation(self.page.content())
        if shown.member_id.upper() != request.member_id.upper():
            raise PatientMismatch("the confirmation names another member ID")
        self.ctx.on_event("pa_reference")
        case = self.read_case(f"{S.PA_PATH}/{shown.reference}", request)
        if (case.reference_number, case.submitted_at) != (shown.reference, shown.received):
            raise InconsistentResult(f"the confirmation ({shown.reference}) and the request "
                                     f"page ({case.reference_number}) do not agree")
        return case

    # -- reading a request -----------------------------------------------------------------------

    def read_case(self, row: PaRow | str, request: PriorAuthRequest | PriorAuthStatusRequest
                  ) -> PriorAuthCase:
        """The request's detail page, checked, with its PDFs kept as documents."""
        href = row if isinstance(row, str) else row.href
        self.ctx.on_event("pa_detail")
        self._goto(href, {"detail": S.PA_DETAIL})
        detail = parse_detail(self.page.content(), self.carrier)
        verify_patient(detail.case.patient, request)
        _check(request, detail.case)
        links = [("confirmation", detail.confirmation_pdf)]
        if detail.letter is not None:
            links.append(("decision_letter", detail.letter))
        files = [(kind, link, self._download(link)) for kind, link in links]
        documents = [Document(kind=kind, filename=link.filename,
                              content_type=S.PA_PDF_CONTENT_TYPE,
                              sha256=hashlib.sha256(data).hexdigest(), size=len(data))
                     for kind, link, data in files]
        case = detail.case.model_copy(update={"documents": documents})
        _check(request, case)
        for _kind, link, data in files:  # kept only once the whole case holds
            self.ctx.artifacts.put("document", link.filename, S.PA_PDF_CONTENT_TYPE, data)
        return case

    def _download(self, link: PdfLink) -> bytes:
        """A PDF, fetched in the browser's session (its cookies)."""
        response = self.page.request.get(self._url(link.href))
        if response.status in BUSY_STATUSES:
            raise PortalUnavailable(f"the PDF download answered {response.status}",
                                    retry_after=retry_after(response.headers.get("retry-after")))
        if urlsplit(response.url).path == S.LOGIN_PATH:
            raise NeedsLogin()
        data = response.body()
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if response.status != 200 or content_type != S.PA_PDF_CONTENT_TYPE \
                or not data.startswith(S.EOB_MAGIC):
            raise LayoutChanged(f"{link.filename} is not a PDF (HTTP {response.status}, "
                                f"{content_type or 'no content type'})")
        return data

    # -- navigation --------------------------------------------------------------------------

    def _next(self, button: str, ready: str, what: str) -> None:
        """Continue to the next wizard step; the portal's refusal, in its words."""
        self.page.locator(button).click()
        if self._wait({"next": ready, "error": S.PA_STEP_ERROR}) == "next":
            return
        message = self._words(S.PA_STEP_ERROR)
        if S.PA_NO_MEMBER_TEXT in message:
            raise _UnknownMember()
        raise LayoutChanged(f"the portal refused the {what} step: {message}")

    def _wait(self, states: dict[str, str]) -> str:
        state = self.screens.wait(self.page, {**states, "login": S.LOGIN_FORM})
        if state == "login":
            raise NeedsLogin()
        return state

    def _goto(self, path: str, ready: dict[str, str]) -> None:
        """Open a portal page and wait for ``ready``; its error page is LayoutChanged."""
        check_response(self.page.goto(self._url(path)))
        if self._wait({**ready, "error": S.ERROR_TITLE}) == "error":
            raise LayoutChanged(f"the portal shows an error page: {self._words(S.ERROR_MESSAGE)}")

    def _words(self, selector: str) -> str:
        return " ".join(self.page.locator(selector).first.inner_text().split())

    def _url(self, path: str) -> str:
        return self.ctx.base_url.rstrip("/") + path


def _same_request(row: PaRow, request: PriorAuthRequest) -> bool:
    """A listed request for this patient, these procedure codes and these dates."""
    name = f"{request.last_name}, {request.first_name}".casefold()
    return (row.member_id.upper() == request.member_id.upper()
            and row.patient_name.casefold() == name
            and sorted(row.procedure_codes) == sorted(request.procedure_codes)
            and (row.service_from, row.service_to) == (request.service_from,
                                                       request.service_to))


def _check(request: PriorAuthRequest | PriorAuthStatusRequest, case: PriorAuthCase) -> None:
    problems = case_problems(request, case)
    if problems:
        raise InconsistentResult("the portal's request is not this one: "
                                 + "; ".join(problems[:3]))


def _fold(value: str) -> str:
    return " ".join(value.split())


def review_problems(request: PriorAuthRequest, review: ReviewPage) -> list[str]:
    """Where the review page differs from the request (empty: it shows the request)."""
    problems = []
    lines = [(s.procedure_code, s.modifiers, s.units) for s in review.services]
    if lines != [(s.procedure_code, list(s.modifiers), s.units) for s in request.services]:
        problems.append("other services, modifiers or units")
    if [d.upper() for d in review.diagnoses] != list(request.diagnosis_codes):
        problems.append("other diagnosis codes")
    if (review.service_from, review.service_to) != (request.service_from, request.service_to):
        problems.append("other service dates")
    if review.place_of_service != request.place_of_service:
        problems.append(f"place of service {review.place_of_service}")
    if review.urgency is not request.urgency:
        problems.append(f"{review.urgency.value} review")
    if _fold(review.note) != _fold(request.portal_note()):
        problems.append("another note")
    for role, provider in (("requesting", request.requesting_provider),
                           ("servicing", request.servicing_provider)):
        if (review.providers[f"{role}_npi"], _fold(review.providers[f"{role}_name"])) != \
                (provider.npi, _fold(provider.name)):
            problems.append(f"another {role} provider")
    return problems


__all__ = ["PriorAuthPages", "review_problems"]
