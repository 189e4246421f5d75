"""Builders for the Meridian prior-authorization tests: real clinical files (PDF, PNG,
TIFF, an "executable"), a request for a sandbox member, a bot context, and a person who
walks the portal's wizard over plain HTTP."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import string
from collections.abc import Callable
from html import unescape
from typing import Any

import httpx
from PIL import Image

from bench.accuracy import credentials_for
from bots.base import BotContext
from bots.memory import MemoryArtifactSink, MemoryDocumentSource, MemorySessionStore
from fixtures.sandbox.core.claims import npi
from fixtures.sandbox.core.pdf import Heading, Paragraph, render_pdf
from fixtures.sandbox.dataset import MemberRecord, carrier_data
from fixtures.sandbox.server import PortalAccount
from portals.prior_auth import PriorAuthRequest, RequestDocument
from tests.fixtures.helpers import PortalUser, csrf_token

MEMBER = carrier_data("meridian").members[3]
"""The patient of the sample requests (any member of the sandbox dataset)."""
REQUESTING = {"npi": npi("199000101"), "name": "Sandbox Family Medicine Group (Test)"}
SERVICING = {"npi": npi("299000303"), "name": "Testina Placeholder MD (Test)"}
SERVICE_FROM, SERVICE_TO = dt.date(2026, 12, 1), dt.date(2027, 2, 28)
TIMEOUT_MS = 5_000


# -- clinical files ------------------------------------------------------------------------

def pdf_file(title: str) -> bytes:
    return render_pdf(f"{title} (synthetic)", [
        Heading("Clinical summary"),
        Paragraph("Fictional patient record for sandbox tests. No real person."),
    ])


def png_file(shade: int = 90) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (shade, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def tiff_file() -> bytes:
    out = io.BytesIO()
    Image.new("L", (32, 32), 200).save(out, format="TIFF")
    return out.getvalue()


def elf_file() -> bytes:
    """An executable's first bytes (what a renamed ``.exe`` / ELF looks like)."""
    return b"\x7fELF\x02\x01\x01\x00" + bytes(120)


# -- requests and contexts -----------------------------------------------------------------

def tracking_ref() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "PA-" + "".join(secrets.choice(alphabet) for _ in range(10))


def pa_request(documents: list[RequestDocument], member: MemberRecord = MEMBER,
               **changes: Any) -> PriorAuthRequest:
    """A two-service request (imaging and therapy) for ``member`` with ``documents``."""
    fields: dict[str, Any] = {
        "carrier": "meridian", "tracking_ref": tracking_ref(),
        "member_id": member.member_id, "date_of_birth": member.date_of_birth,
        "last_name": member.last_name, "first_name": member.first_name,
        "requesting_provider": REQUESTING, "servicing_provider": SERVICING,
        "diagnosis_codes": ["M54.50", "M51.16"],
        "services": [{"procedure_code": "72148", "units": 1},
                     {"procedure_code": "97110", "modifiers": ["GP"], "units": 12}],
        "service_from": SERVICE_FROM, "service_to": SERVICE_TO,
        "place_of_service": "11", "urgency": "standard",
        "note": "Low back pain with radiculopathy, 8 weeks of therapy failed.",
        "documents": documents,
    }
    return PriorAuthRequest.model_validate({**fields, **changes})


def bot_context(portal: PortalAccount, documents: MemoryDocumentSource,
                sessions: MemorySessionStore, events: list[str],
                commit: Callable[[], None] | None = None) -> BotContext:
    """A run's context; ``events`` gets the timeline and "commit" when the run commits."""

    def committed() -> None:
        events.append("commit")
        if commit is not None:
            commit()

    return BotContext(credentials=credentials_for("test:meridian", portal.account),
                      base_url=portal.url, sessions=sessions, artifacts=MemoryArtifactSink(),
                      timeout_ms=TIMEOUT_MS, on_event=events.append, documents=documents,
                      commit=committed)


def kept_documents(ctx: BotContext) -> dict[str, bytes]:
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    return {a.filename: a.data for a in ctx.artifacts.kept if a.kind == "document"}


# -- a person at the portal, over plain HTTP -------------------------------------------------

def patient_values(member: MemberRecord = MEMBER) -> dict[str, str]:
    return {"member_id": member.member_id,
            "date_of_birth": member.date_of_birth.strftime("%m/%d/%Y"),
            "first_name": member.first_name, "last_name": member.last_name}


PROVIDER_VALUES = {"requesting_npi": REQUESTING["npi"], "requesting_name": REQUESTING["name"],
                   "servicing_npi": SERVICING["npi"], "servicing_name": SERVICING["name"]}


def services_values(codes: tuple[str, ...] = ("72148", "97110"), note: str = "",
                    start: dt.date = SERVICE_FROM, end: dt.date = SERVICE_TO
                    ) -> dict[str, str]:
    values = {"diagnosis_1": "M54.50", "service_from": start.strftime("%m/%d/%Y"),
              "service_to": end.strftime("%m/%d/%Y"), "place_of_service": "11",
              "urgency": "standard", "note": note}
    for line, code in enumerate(codes, start=1):
        values[f"service_{line}_code"] = code
        values[f"service_{line}_units"] = "2"
    return values


class Wizard:
    """One request through the portal's wizard, as a person at the front desk does it."""

    def __init__(self, user: PortalUser) -> None:
        self.http = user.http
        listing = self.http.get("/authorizations")
        assert listing.status_code == 200, listing.status_code
        started = self.http.post("/authorizations/new",
                                 data={"csrf_token": csrf_token(listing.text)})
        assert started.status_code == 303, started.text
        self.base = started.headers["location"].rsplit("/", 1)[0]

    def page(self, step: str) -> httpx.Response:
        return self.http.get(f"{self.base}/{step}")

    def post(self, step: str, values: dict[str, str]) -> httpx.Response:
        """Fill a step; a 303 moves on, a 200 is the step again with its errors."""
        form = self.page(step)
        return self.http.post(f"{self.base}/{step}",
                              data={**values, "csrf_token": csrf_token(form.text)})

    def upload(self, name: str, data: bytes, content_type: str = "application/pdf"
               ) -> httpx.Response:
        """Upload one file; the documents page as the portal answers (redirect followed)."""
        form = self.page("documents")
        answer = self.http.post(f"{self.base}/documents",
                                data={"csrf_token": csrf_token(form.text)},
                                files={"file": (name, data, content_type)})
        if answer.status_code == 303:
            return self.http.get(answer.headers["location"])
        return answer

    def steps_1_to_3(self, services: dict[str, str]) -> None:
        for step, values in (("patient", patient_values()), ("providers", PROVIDER_VALUES),
                             ("services", services)):
            answer = self.post(step, values)
            assert answer.status_code == 303, _errors(answer.text)

    def submit(self) -> httpx.Response:
        review = self.page("review")
        assert review.status_code == 200, review.status_code
        return self.http.post(f"{self.base}/review",
                              data={"attest": "yes", "csrf_token": csrf_token(review.text)})


def submit_by_hand(user: PortalUser, services: dict[str, str],
                   files: tuple[tuple[str, bytes], ...] = ()) -> str:
    """A whole request through the wizard; its reference number."""
    wizard = Wizard(user)
    wizard.steps_1_to_3(services)
    for name, data in files:
        wizard.upload(name, data)
    answer = wizard.submit()
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"].split("/")[2])


def _errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r"<li>([^<]*)</li>", html)]


def errors_of(html: str) -> list[str]:
    """The step's error messages (``#pa-step-error``), as the portal words them."""
    block = re.search(r'id="pa-step-error".*?</div>', html, re.S)
    return _errors(block.group(0)) if block else []
