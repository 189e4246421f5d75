"""Builders for Northwind's prior-authorization tests: real clinical file bytes (PDF from
the shared PDF helper, PNG and TIFF from Pillow), a request for a dataset member with its
documents attached through a MemoryDocumentSource, and a browser-less client of the v1
JSON API (cookies kept, the request token remembered like the SPA's localStorage)."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from typing import Any

import httpx
from PIL import Image

from bots.memory import MemoryDocumentSource
from fixtures.sandbox.core.pdf import Field, Paragraph, render_pdf
from fixtures.sandbox.dataset import MemberRecord, carrier_data
from fixtures.sandbox.server import PortalAccount
from portals.prior_auth import PriorAuthRequest

MEMBERS = carrier_data("northwind").members
MEMBER = MEMBERS[0]
FROM, TO = dt.date(2026, 3, 2), dt.date(2026, 4, 30)


def pdf_bytes(title: str, lines: int = 3) -> bytes:
    """A real, small PDF (synthetic clinical notes)."""
    return render_pdf(f"Clinical notes - {title}", [
        Field("Document", title),
        *[Paragraph(f"Synthetic observation {i}: nothing real here.") for i in range(lines)],
    ])


def image_bytes(kind: str, size: tuple[int, int] = (40, 30)) -> bytes:
    """A real PNG, JPEG or TIFF image (Pillow)."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=kind)
    return out.getvalue()


def tracking_ref() -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "PA-" + "".join(secrets.choice(alphabet) for _ in range(10))


def pa_request(source: MemoryDocumentSource, files: dict[str, bytes] | None = None, *,
               member: MemberRecord = MEMBER, codes: tuple[str, ...] = ("72148", "97110"),
               note: str = "Low back pain, six weeks of therapy failed.",
               **changes: Any) -> PriorAuthRequest:
    """A request for ``member`` with ``files`` attached (two PDFs by default)."""
    if files is None:
        files = {"mri-order.pdf": pdf_bytes("MRI order"),
                 "therapy-notes.pdf": pdf_bytes("Therapy notes", lines=9)}
    documents = [source.attach(name, data) for name, data in files.items()]
    fields: dict[str, Any] = {
        "carrier": "northwind", "tracking_ref": tracking_ref(),
        "member_id": member.member_id, "date_of_birth": member.date_of_birth,
        "last_name": member.last_name, "first_name": member.first_name,
        "requesting_provider": {"npi": "1234567893", "name": "Harbor Spine Clinic"},
        "servicing_provider": {"npi": "1245319599", "name": "Bayview Imaging Center"},
        "diagnosis_codes": ["M54.50", "M51.26"],
        "services": [{"procedure_code": code, "units": 1 if i == 0 else 8,
                      "modifiers": [] if i == 0 else ["GP"]} for i, code in enumerate(codes)],
        "service_from": FROM, "service_to": TO, "place_of_service": "22",
        "urgency": "standard", "note": note, "documents": documents,
    }
    fields.update(changes)
    return PriorAuthRequest.model_validate(fields)


class PaClient:
    """The v1 JSON API without a browser, signed in through the SMS code."""

    def __init__(self, portal: PortalAccount) -> None:
        self.portal = portal
        self.http = httpx.Client(base_url=portal.url, timeout=30)
        self.token: str | None = None

    def close(self) -> None:
        self.http.close()

    def _headers(self) -> dict[str, str]:
        return {"X-NW-CSRF": self.token} if self.token else {}

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post(path, json=body or {}, headers=self._headers())

    def sign_in(self) -> None:
        step = self.post("/api/login", {"username": self.portal.username,
                                        "password": self.portal.password}).json()
        self.token = step["csrf"]
        code = self.portal.control.outbox()[-1]["code"]
        done = self.post("/api/login/code", {"code": code, "remember_device": False}).json()
        self.token = done["csrf"]

    def draft(self) -> str:
        answer = self.post("/api/pa/drafts")
        assert answer.status_code == 201, answer.text
        draft_id: str = answer.json()["draft_id"]
        return draft_id

    def upload(self, draft_id: str, name: str, data: bytes,
               content_type: str = "application/pdf") -> httpx.Response:
        return self.http.post("/api/pa/uploads", data={"draft_id": draft_id},
                              files={"file": (name, data, content_type)},
                              headers=self._headers())

    def files(self, draft_id: str) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.http.get(
            f"/api/pa/drafts/{draft_id}/files").json()["files"]
        return listed

    def submit(self, draft_id: str, upload_ids: list[str], **changes: Any) -> httpx.Response:
        return self.post("/api/pa/requests", {**form_body(), "draft_id": draft_id,
                                              "upload_ids": upload_ids, **changes})

    def search(self, **criteria: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.post("/api/pa/search", criteria).json()
        return answer


def form_body(member: MemberRecord = MEMBER) -> dict[str, Any]:
    """A complete v1 request form for ``member`` (without draft and uploads)."""
    return {
        "member_id": member.member_id, "birth_date": member.date_of_birth.isoformat(),
        "first_name": member.first_name, "last_name": member.last_name,
        "requesting_npi": "1234567893", "requesting_name": "Harbor Spine Clinic",
        "servicing_npi": "1245319599", "servicing_name": "Bayview Imaging Center",
        "diagnoses": ["M54.50"],
        "services": [{"code": "72148", "modifiers": [], "units": 1},
                     {"code": "97110", "modifiers": ["GP"], "units": 8}],
        "service_from": FROM.isoformat(), "service_to": TO.isoformat(),
        "place_of_service": "22", "urgency": "standard",
        "note": "Ref PA-TEST000001 - six weeks of therapy failed",
    }
