"""Helpers for Summit's prior-authorization tests: real clinical files (PDF, TIFF, PNG, an
"executable"), a request for a dataset member, and the legacy form over plain HTTP."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from PIL import Image

from bots.base import BotContext
from bots.memory import MemoryArtifactSink, MemoryDocumentSource, MemorySessionStore
from fixtures.sandbox.core.pdf import Field, Paragraph, render_pdf
from fixtures.sandbox.dataset import MemberRecord, carrier_data
from fixtures.sandbox.server import PortalAccount
from portals.prior_auth import PriorAuthRequest, PriorAuthStatusRequest, RequestDocument
from tests.carriers.summit.helpers import ROOT, SummitUser, context, token

REQUESTING = {"npi": "1234567893", "name": "Sandbox Spine Clinic"}
SERVICING = {"npi": "1982736450", "name": "Sandbox Imaging Center"}


def member(index: int = 0) -> MemberRecord:
    return carrier_data("summit").members[index]


def pdf_bytes(title: str = "Office notes", pad_to: int = 0) -> bytes:
    """A real PDF (fpdf2); ``pad_to`` grows it past a size with a trailing comment."""
    data = render_pdf(f"Sandbox clinic - {title}", [
        Field("Patient", "synthetic"), Paragraph(f"{title}: fictional clinical notes.")])
    if pad_to > len(data):
        data += b"\n%" + b"0" * (pad_to - len(data) - 2)
    return data


def tiff_bytes(shade: int = 200) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (64, 48), color=shade).save(buffer, format="TIFF")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color=(10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
"""An "executable" (an ELF header), whatever its file name says."""


def tracking_ref() -> str:
    return "PA-" + "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
                           for _ in range(10))


def pa_request(documents: list[RequestDocument], *, index: int = 0,
               **changes: Any) -> PriorAuthRequest:
    """A request for the ``index``-th Summit member (two services, a month of dates)."""
    person = member(index)
    return PriorAuthRequest.model_validate({
        "carrier": "summit", "tracking_ref": tracking_ref(),
        "member_id": person.member_id, "date_of_birth": person.date_of_birth,
        "last_name": person.last_name, "first_name": person.first_name,
        "requesting_provider": REQUESTING, "servicing_provider": SERVICING,
        "diagnosis_codes": ["M54.50", "M51.16"],
        "services": [{"procedure_code": "72148", "units": 1},
                     {"procedure_code": "97110", "modifiers": ["GP"], "units": 12}],
        "service_from": dt.date(2026, 8, 3), "service_to": dt.date(2026, 9, 30),
        "place_of_service": "22", "urgency": "standard",
        "note": "Lumbar MRI, then physical therapy", "documents": documents, **changes})


def status_request(request: PriorAuthRequest, reference: str) -> PriorAuthStatusRequest:
    return PriorAuthStatusRequest(
        carrier="summit", tracking_ref=request.tracking_ref, reference_number=reference,
        member_id=request.member_id, date_of_birth=request.date_of_birth,
        last_name=request.last_name, first_name=request.first_name)


def two_documents(source: MemoryDocumentSource) -> list[RequestDocument]:
    return [source.attach("mri-order.pdf", pdf_bytes("MRI order")),
            source.attach("pt-notes.tif", tiff_bytes())]


def form_fields(request: PriorAuthRequest) -> dict[str, str]:
    """The request form's text fields as a person would type them."""
    fields = {
        "txtMemberID": request.member_id, "txtDOB": f"{request.date_of_birth:%m%d%Y}",
        "txtLastName": request.last_name, "txtFirstName": request.first_name,
        "txtReqNPI": request.requesting_provider.npi,
        "txtReqName": request.requesting_provider.name,
        "txtSvcNPI": request.servicing_provider.npi,
        "txtSvcName": request.servicing_provider.name,
        "txtDiag": ", ".join(request.diagnosis_codes),
        "txtFromDOS": f"{request.service_from:%m%d%Y}",
        "txtToDOS": f"{request.service_to:%m%d%Y}", "txtPOS": request.place_of_service,
        "rdoUrgency": "U" if request.urgency == "expedited" else "S",
        "txtNotes": request.portal_note()}
    for n, service in enumerate(request.services, start=1):
        fields |= {f"txtProc{n}": service.procedure_code,
                   f"txtMod{n}": " ".join(service.modifiers), f"txtUnits{n}": str(service.units)}
    return fields


def form_id(page: str) -> str:
    match = re.search(r'name="hdnFormID" value="([0-9A-F]+)"', page)
    assert match, "no hdnFormID on the page"
    return match.group(1)


class RequestForm:
    """The legacy request form in one signed-in session, over plain HTTP: each post sends
    the whole form (as the browser does), with at most one file."""

    def __init__(self, user: SummitUser) -> None:
        self.user = user
        self.page = user.get("/authreq.asp").text
        self.fields: dict[str, str] = {}

    def post(self, button: str, file: tuple[str, bytes] | None = None) -> httpx.Response:
        data = {**self.fields, "hdnToken": token(self.page), "hdnFormID": form_id(self.page),
                button: "1"}
        files = {"filAttach": (file[0], file[1], "application/octet-stream")} if file \
            else {"filAttach": ("", b"", "application/octet-stream")}
        answer = self.user.http.post(f"{ROOT}/authreq.asp", data=data, files=files)
        if answer.status_code == 200:
            self.page = answer.text
        return answer

    def attach(self, name: str, data: bytes) -> httpx.Response:
        return self.post("btnAttach", (name, data))

    def submit(self) -> httpx.Response:
        return self.post("btnSubmit")


def attached(page: str) -> list[tuple[str, int]]:
    """The form's list of attached files: (name, size)."""
    table = page.split('id="tblAttach"', 1)[1].split("</table>", 1)[0]
    return [(name, int(size)) for name, size in
            re.findall(r"<tr><td>([^<]+)</td><td align=\"right\">(\d+)</td>", table)]


def submit_over_http(user: SummitUser, request: PriorAuthRequest,
                     files: list[tuple[str, bytes]]) -> str:
    """Submit ``request`` through the form (signed in); the reference number."""
    form = RequestForm(user)
    form.fields = form_fields(request)
    for name, data in files:
        assert form.attach(name, data).status_code == 200
    answer = form.submit()
    assert answer.status_code == 303, answer.text
    match = re.search(r"authconf\.asp\?no=([A-Z0-9]+)$", answer.headers["location"])
    assert match, answer.headers["location"]
    return match.group(1)


def pa_context(portal: PortalAccount, documents: MemoryDocumentSource, *,
               sessions: MemorySessionStore | None = None,
               on_event: Callable[[str], None] | None = None,
               commit: Callable[[], None] | None = None) -> BotContext:
    """A bot context for a prior-authorization run: the request's documents in memory, and
    a commit that is recorded (or the one given)."""
    ctx = context(portal, sessions=sessions, on_event=on_event)
    return replace(ctx, documents=documents, commit=commit or (lambda: None))


def kept_documents(ctx: BotContext) -> list[tuple[str, bytes]]:
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    return [(a.filename, a.data) for a in ctx.artifacts.kept if a.kind == "document"]
