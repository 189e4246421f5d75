"""The benefit summary and EOB downloads: checked to be PDFs that name the patient (and the
claim) before they are kept. Pure functions over the response's headers and bytes."""

from __future__ import annotations

import hashlib
import re

from bots.carriers.cascade import selectors as S
from bots.errors import LayoutChanged
from portals.claims import Claim
from portals.model import Document, Person


def summary_filename(headers: dict[str, str]) -> str:
    """The file name the portal gives the download; it must be an attachment PDF."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != S.PDF_CONTENT_TYPE:
        raise LayoutChanged(f"the benefit summary came as {content_type or 'nothing'!r}, "
                            "not a PDF")
    match = re.fullmatch(S.DISPOSITION_PATTERN, headers.get("content-disposition", "").strip())
    if match is None:
        raise LayoutChanged("the benefit summary is not offered as a PDF attachment")
    return match["name"]


def pdf_literal(text: str) -> bytes:
    """``text`` as it appears in a PDF literal string."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1")


def check_summary(data: bytes, member: Person) -> None:
    """A real PDF (magic number and end marker) naming the patient by ID and name."""
    if not data.startswith(S.PDF_MAGIC) or S.PDF_END not in data[-64:]:
        raise LayoutChanged("the benefit summary download is not a PDF")
    if member.member_id.encode() not in data:
        raise LayoutChanged("the benefit summary does not name the patient's member ID")
    try:
        name = pdf_literal(f"{member.last_name}, {member.first_name}")
    except UnicodeEncodeError:
        raise LayoutChanged("the patient's name cannot appear in the PDF's text") from None
    if name not in data:
        raise LayoutChanged("the benefit summary does not name the patient")


def summary_document(filename: str, data: bytes) -> Document:
    return Document(kind=S.DOCUMENT_KIND, filename=filename, content_type=S.PDF_CONTENT_TYPE,
                    sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def eob_filename(headers: dict[str, str], claim_number: str) -> str:
    """The EOB download's file name: an attachment PDF named after the claim."""
    filename = summary_filename(headers)
    match = re.fullmatch(S.EOB_FILENAME_PATTERN, filename)
    if match is None or match["claim"] != claim_number:
        raise LayoutChanged(f"the EOB of claim {claim_number} came as {filename!r}")
    return filename


def check_eob(data: bytes, claim: Claim) -> None:
    """A real PDF (magic number and end marker) naming the claim and its patient."""
    if not data.startswith(S.PDF_MAGIC) or S.PDF_END not in data[-64:]:
        raise LayoutChanged("the EOB download is not a PDF")
    patient = claim.patient
    try:
        wanted = [pdf_literal(claim.claim_number), pdf_literal(patient.member_id),
                  pdf_literal(f"{patient.last_name}, {patient.first_name}")]
    except UnicodeEncodeError:
        raise LayoutChanged("the patient's name cannot appear in the PDF's text") from None
    if not all(text in data for text in wanted):
        raise LayoutChanged(f"the EOB does not name claim {claim.claim_number} and its "
                            "patient")


def eob_document(filename: str, data: bytes) -> Document:
    return Document(kind=S.EOB_KIND, filename=filename, content_type=S.PDF_CONTENT_TYPE,
                    sha256=hashlib.sha256(data).hexdigest(), size=len(data))
