"""Northwind's prior-authorization jobs, signed in: submit (exactly once, through
:func:`bots.prior_auth_flow.submit_once`), find a submission again, and read its status.

The SPA's screens: "My requests" (search by member ID, reference or text in the note), the
request detail (facts, files, the decision, a decision-letter link), and "New authorization
request": the form, a drop area over a hidden ``<input type=file multiple>`` (the bot sets
each file on that input, one at a time, and waits for its progress row to say it is
uploaded), the attached files read back from the portal, and the confirmation with the
reference number and the time received.

Every screen is read together with the SPA's own JSON answer and both must agree; every
page read is checked to be the requested patient's (:func:`bots.parsing.verify_patient`)
and the case against the request (:func:`portals.prior_auth.case_problems`). Decision
letters are kept only after those checks passed.

This module never imports the bot's module (:mod:`.bot`): the bot hands in its page
classifier (``wait``), so the two import in one direction only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from playwright.sync_api import FilePayload, Page, Response

from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.prior_auth_api import parse_detail, parse_search, parse_submitted
from bots.carriers.northwind.prior_auth_parse import (
    RequestRecord,
    RequestRow,
    parse_attached,
    parse_receipt,
    parse_record,
    parse_request_list,
)
from bots.errors import BotError, InconsistentResult, LayoutChanged, UploadNotAccepted
from bots.flow import NeedsLogin, check_response
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
    from bots.base import BotContext

CARRIER = "northwind"
LETTER_KIND = "decision_letter"

Wait = Callable[[Page, dict[str, str]], str]
"""The bot's page classifier: the first of these states the SPA draws (down screens,
the redesign and the SPA's error screen raise their typed errors)."""


class PriorAuthScreens:
    """One call's work on Northwind's prior-authorization screens.

    An instance lives for one bot call; the flow kit may run its task twice (a session
    that lapsed is signed in again once), and the instance remembers a submit click across
    both: the button is clicked at most once per call, and never before ``ctx.commit()``.
    """

    def __init__(self, page: Page, ctx: BotContext, wait: Wait) -> None:
        self.page = page
        self.ctx = ctx
        self._wait_for = wait
        self._clicked = False
        self._submitted: Response | None = None

    # -- the three jobs ----------------------------------------------------------------
    def submit(self, request: PriorAuthRequest) -> PriorAuthCase:
        if self._clicked:
            raise BotError("the request was sent in this run before the session lapsed; "
                           "its outcome is unknown and it is not sent again")
        return submit_once(
            self.ctx, request,
            find=lambda: self.find(request),
            fill=lambda: self._fill(request),
            upload=lambda uploaded: self._upload(request, uploaded),
            listed_files=self._listed_files,
            click_submit=self._click_submit,
            confirmation=lambda: self._confirmation(request))

    def find(self, request: PriorAuthRequest) -> PriorAuthCase | None:
        """The request as the portal's list has it: by our reference in its note, else a
        request without a reference of ours for the same patient, codes and dates."""
        self.ctx.on_event("prior_auth_search")
        rows = self._search(text=request.tracking_ref)
        ours = [row for row in rows if row.tracking_ref == request.tracking_ref]
        for row in ours:
            verify_patient(row.patient, request)
        if not ours:
            rows = self._search(member_id=request.member_id)
            for row in rows:
                verify_patient(row.patient, request)
            ours = [row for row in rows if row.tracking_ref is None and _same_request(
                row, request)]
        if len(ours) > 1:
            raise InconsistentResult(f"the portal lists {len(ours)} requests that match this "
                                     "one; a person must check them")
        if not ours:
            return None
        return self._case(ours[0].reference, request)

    def status(self, request: PriorAuthStatusRequest) -> PriorAuthCase | NotFound:
        self.ctx.on_event("prior_auth_search")
        rows = self._search(reference=request.reference_number)
        if not rows:
            return NotFound(carrier=CARRIER, message=" ".join(
                self.page.locator(S.PA_NONE).inner_text().split()))
        if len(rows) != 1 or rows[0].reference.upper() != request.reference_number.upper():
            raise InconsistentResult("the search by reference number listed other requests")
        verify_patient(rows[0].patient, request)
        return self._case(rows[0].reference, request)

    # -- waiting ---------------------------------------------------------------------------
    def _wait(self, states: dict[str, str]) -> str:
        """The signed-in state the SPA draws; its sign-in screen means the session lapsed."""
        state = self._wait_for(self.page, {**states, "login": S.LOGIN_FORM})
        if state == "login":
            raise NeedsLogin
        return state

    def _call(self, method: str, path: str) -> Callable[[Response], bool]:
        def matches(response: Response) -> bool:
            return response.request.method == method and urlsplit(response.url).path == path

        return matches

    # -- My requests -------------------------------------------------------------------
    def _requests_screen(self) -> None:
        page = self.page
        if not page.locator(S.PA_SEARCH_FORM).is_visible():
            page.locator(S.NAV_PRIOR_AUTH).click()
        self._wait({"ready": S.PA_RESULTS_READY})

    def _search(self, *, member_id: str = "", reference: str = "", text: str = ""
                ) -> list[RequestRow]:
        """The requests the portal lists for one search, read from the screen and from
        its data, which must agree."""
        page = self.page
        self._requests_screen()
        page.locator(S.PA_SEARCH_MEMBER_ID).fill(member_id)
        page.locator(S.PA_SEARCH_REFERENCE).fill(reference)
        page.locator(S.PA_SEARCH_TEXT).fill(text)
        with page.expect_response(self._call("POST", S.PA_SEARCH_API)) as answer:
            page.locator(S.PA_SEARCH_BUTTON).click()
        response = answer.value
        check_response(response)
        state = self._wait({"list": S.PA_LIST_READY, "none": S.PA_NONE_READY,
                            "invalid": S.PA_SEARCH_ERROR})
        if state == "invalid":
            message = page.locator(S.PA_SEARCH_ERROR).inner_text().strip()
            raise LayoutChanged(f"the requests search refused the search: {message}")
        if response.status != 200:
            raise LayoutChanged(f"the requests search answered {response.status}")
        data, total = parse_search(response.body())
        if state == "none":
            if data or total:
                raise LayoutChanged("the screen lists no requests, the portal's data some")
            return []
        shown, shown_total = parse_request_list(
            page.locator(S.PA_RESULTS).evaluate("e => e.outerHTML"))
        if shown != data or shown_total != total:
            raise LayoutChanged("the requests list and the portal's data disagree")
        if len(shown) < total:
            raise InconsistentResult(f"the portal lists only {len(shown)} of {total} "
                                     "requests for this search")
        return shown

    # -- one request -------------------------------------------------------------------
    def _case(self, reference: str, request: PriorAuthRequest | PriorAuthStatusRequest
              ) -> PriorAuthCase:
        """Open the request from the list and read it: facts, files and decision."""
        page = self.page
        self.ctx.on_event("prior_auth_detail")
        button = page.locator(S.PA_ROW_FOR.format(ref=reference)).locator(S.PA_VIEW)
        with page.expect_response(self._call("GET", S.PA_REQUEST_API_PREFIX + reference)
                                  ) as answer:
            button.click()
        response = answer.value
        check_response(response)
        self._wait({"detail": S.PA_REQUEST_FOR.format(ref=reference)})
        if response.status != 200:
            raise LayoutChanged(f"the request detail answered {response.status}")
        section = page.locator(S.PA_REQUEST_FOR.format(ref=reference))
        record = parse_record(section.evaluate("e => e.outerHTML"))
        if record != parse_detail(response.body(), reference):
            raise LayoutChanged("the request detail and the portal's data disagree")
        return self._read(record, request)

    def _read(self, record: RequestRecord, request: PriorAuthRequest | PriorAuthStatusRequest
              ) -> PriorAuthCase:
        """The case a record shows, checked against the request; its decision letter is
        fetched and, once everything checked out, kept."""
        verify_patient(record.row.patient, request)
        letter = self._letter(record.letter_filename) if record.letter_filename else None
        row = record.row
        case = PriorAuthCase(
            carrier=CARRIER, patient=row.patient, reference_number=row.reference,
            tracking_ref=row.tracking_ref, submitted_at=row.received_at, urgency=row.urgency,
            procedure_codes=[s.code for s in row.services], service_from=row.service_from,
            service_to=row.service_to, files=list(row.files), decision=record.decision,
            documents=[] if letter is None else [Document(
                kind=LETTER_KIND, filename=letter[0], content_type="application/pdf",
                sha256=hashlib.sha256(letter[1]).hexdigest(), size=len(letter[1]))])
        problems = case_problems(request, case)
        if problems:
            raise InconsistentResult("the portal's request does not match this one: "
                                     + "; ".join(problems[:4]))
        if letter is not None:
            self.ctx.artifacts.put("document", letter[0], "application/pdf", letter[1])
        return case

    def _letter(self, filename: str) -> tuple[str, bytes]:
        self.ctx.on_event("prior_auth_letter")
        with self.page.expect_download() as started:
            self.page.locator(S.PA_LETTER).click()
        download = started.value
        if download.failure() is not None:
            raise LayoutChanged("the decision letter download failed")
        data = Path(download.path()).read_bytes()
        if not data.startswith(b"%PDF-"):
            raise LayoutChanged("the decision letter is not a PDF")
        if download.suggested_filename != filename:
            raise LayoutChanged("the decision letter is named otherwise than the page says")
        return filename, data

    # -- submitting ----------------------------------------------------------------------
    def _fill(self, request: PriorAuthRequest) -> None:
        page = self.page
        self.ctx.on_event("prior_auth_form")
        self._requests_screen()
        page.locator(S.PA_NEW).click()
        self._wait({"form": S.PA_FORM})
        if page.locator(S.PA_PLACE_OPTION.format(code=request.place_of_service)).count() != 1:
            raise BotError(f"Northwind's form offers no place of service "
                           f"{request.place_of_service}; nothing was sent")
        page.locator(S.PA_MEMBER_ID).fill(request.member_id)
        page.locator(S.PA_DOB).fill(request.date_of_birth.isoformat())
        page.locator(S.PA_FIRST_NAME).fill(request.first_name)
        page.locator(S.PA_LAST_NAME).fill(request.last_name)
        page.locator(S.PA_REQUESTING_NAME).fill(request.requesting_provider.name)
        page.locator(S.PA_REQUESTING_NPI).fill(request.requesting_provider.npi)
        page.locator(S.PA_SERVICING_NAME).fill(request.servicing_provider.name)
        page.locator(S.PA_SERVICING_NPI).fill(request.servicing_provider.npi)
        page.locator(S.PA_DIAGNOSES).fill(S.PA_DIAGNOSIS_SEPARATOR.join(
            request.diagnosis_codes))
        for n, service in enumerate(request.services, start=1):
            if n > 1:
                page.locator(S.PA_ADD_SERVICE).click()
            page.locator(S.PA_CODE_N.format(n=n)).fill(service.procedure_code)
            page.locator(S.PA_MODIFIERS_N.format(n=n)).fill(
                S.MODIFIER_SEPARATOR.join(service.modifiers))
            page.locator(S.PA_UNITS_N.format(n=n)).fill(str(service.units))
        if page.locator(S.PA_SERVICE_ROWS).count() != len(request.services):
            raise LayoutChanged("the form does not show one row per service")
        page.locator(S.PA_FROM).fill(request.service_from.isoformat())
        page.locator(S.PA_TO).fill(request.service_to.isoformat())
        page.locator(S.PA_PLACE).select_option(request.place_of_service)
        page.locator(S.PA_URGENCY[request.urgency.value]).check()
        page.locator(S.PA_NOTE).fill(request.portal_note())

    def _upload(self, request: PriorAuthRequest, uploaded: Callable[[], None]) -> None:
        """Attach each document on the drop area's hidden input, one at a time, and wait
        until its progress row says the portal took it (or refused it, in its words)."""
        page = self.page
        for index, document in enumerate(request.documents):
            payload = cast(FilePayload, file_payload(self.ctx, request, index))
            page.locator(S.PA_FILE_INPUT).set_input_files(payload)
            row = S.PA_UPLOAD_FOR.format(name=document.filename)
            state = self._wait({"done": row + S.PA_UPLOAD_DONE, "error": row + S.PA_UPLOAD_ERROR})
            if state == "error":
                words = page.locator(row + S.PA_UPLOAD_ERROR).locator(
                    S.PA_UPLOAD_STATUS).inner_text()
                raise UploadNotAccepted(f"the portal refused {document.filename}: "
                                        f"{' '.join(words.split())}; nothing was sent")
            uploaded()

    def _listed_files(self) -> list[PortalFile]:
        self._wait({"ready": S.PA_ATTACHED_READY})
        return parse_attached(self.page.locator(S.PA_ATTACHED).evaluate("e => e.outerHTML"))

    def _click_submit(self) -> None:
        """The one click that cannot be taken back (``ctx.commit()`` has returned)."""
        if self._clicked:
            raise BotError("refusing to click submit a second time in one run")
        self._clicked = True
        page = self.page
        with page.expect_response(self._call("POST", S.PA_SUBMIT_API)) as answer:
            page.locator(S.PA_SUBMIT).click()
        self._submitted = answer.value

    def _confirmation(self, request: PriorAuthRequest) -> PriorAuthCase:
        page, response = self.page, self._submitted
        if response is None:
            raise BotError("the submit click brought no answer from the portal")
        check_response(response)
        state = self._wait_for(page, {"confirmation": S.PA_CONFIRMATION,
                                      "failed": S.PA_SUBMIT_FAILED,
                                      "refused": S.PA_FORM_ERROR, "login": S.LOGIN_FORM})
        if state == "login":
            raise BotError("the portal asked to sign in again as the request was sent; it "
                           "may have it: look for it, never send it again")
        if state in ("failed", "refused"):
            selector = S.PA_SUBMIT_FAILED if state == "failed" else S.PA_FORM_ERROR
            words = " ".join(page.locator(selector).inner_text().split())
            if state == "refused" and response.status == 422:
                raise BotError(f"the portal refused the request: {words}")
            raise BotError(f"the portal answered {response.status} after the request was "
                           f"sent, its outcome is unknown: {words}")
        if response.status != 201:
            raise LayoutChanged(f"a confirmation is shown for an answer {response.status}")
        section = page.locator(S.PA_CONFIRMATION)
        html = section.evaluate("e => e.outerHTML")
        number, received = parse_receipt(html)
        record = parse_record(html)
        sent_number, sent_received, sent = parse_submitted(response.body())
        if (number, received, record) != (sent_number, sent_received, sent) or \
                record.row.reference != number or record.row.received_at != received:
            raise LayoutChanged("the confirmation and the portal's answer disagree")
        return self._read(record, request)


def _same_request(row: RequestRow, request: PriorAuthRequest) -> bool:
    return (sorted(s.code for s in row.services) == sorted(request.procedure_codes)
            and (row.service_from, row.service_to) == (request.service_from,
                                                       request.service_to))
