"""The benefit summary PDF: byte-for-byte the same every time, structurally valid, and
it names the member; the bot's checks accept it and refuse anything else."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from bots.carriers.cascade.document import check_summary, summary_document, summary_filename
from bots.errors import LayoutChanged
from fixtures.sandbox.cascade.data import load
from fixtures.sandbox.cascade.expected_results import expected
from fixtures.sandbox.cascade.pdf import TITLE, benefit_summary, summary_blocks
from fixtures.sandbox.core.pdf import Field

DATA = load()
MEMBER = DATA.members[3]


def _pdf(member_index: int = 3) -> bytes:
    return benefit_summary(DATA, DATA.members[member_index])


def test_same_member_same_bytes_and_expected_names_them() -> None:
    first, second = _pdf(), _pdf()
    assert first == second
    (document,) = expected(MEMBER.member_id).documents
    assert document.sha256 == hashlib.sha256(first).hexdigest()
    assert document.size == len(first)
    assert _pdf(4) != first


def test_opens_as_a_pdf_that_names_the_member_and_shows_the_benefits() -> None:
    reader = PdfReader(io.BytesIO(_pdf()))
    assert reader.metadata is not None and reader.metadata.title == TITLE
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Patient: {MEMBER.last_name}, {MEMBER.first_name}" in text
    assert f"Member ID: {MEMBER.member_id}" in text
    for heading in ("Deductibles", "Annual maximum", "Frequency limitations", "Not covered"):
        assert heading in text
    for rule in MEMBER.benefits.frequencies:
        assert rule.code in text


def test_long_summaries_flow_onto_more_pages() -> None:
    assert len(PdfReader(io.BytesIO(_pdf())).pages) == 2  # this member's summary has two
    blocks = summary_blocks(DATA, MEMBER)
    assert isinstance(blocks[0], Field) and blocks[0].value == \
        f"{MEMBER.last_name}, {MEMBER.first_name}"


def test_bot_accepts_the_summary_of_the_member_it_names() -> None:
    person = expected(MEMBER.member_id).member
    check_summary(_pdf(), person)
    document = summary_document("x.pdf", _pdf())
    assert (document.kind, document.size) == ("benefit_summary", len(_pdf()))


@pytest.mark.parametrize("data", [b"<!DOCTYPE html><p>Document not ready</p>",
                                  b"%PDF-1.4 truncated"], ids=["html", "truncated"])
def test_bot_refuses_what_is_not_a_pdf(data: bytes) -> None:
    with pytest.raises(LayoutChanged, match="not a PDF"):
        check_summary(data, expected(MEMBER.member_id).member)


def test_bot_refuses_another_members_summary() -> None:
    with pytest.raises(LayoutChanged, match="member ID"):
        check_summary(_pdf(4), expected(MEMBER.member_id).member)


def test_bot_refuses_a_summary_without_the_name() -> None:
    data = _pdf().replace(f"{MEMBER.last_name}, {MEMBER.first_name}".encode(), b"REDACTED")
    with pytest.raises(LayoutChanged, match="does not name the patient"):
        check_summary(data, expected(MEMBER.member_id).member)


@pytest.mark.parametrize(("headers", "message"), [
    ({"content-type": "text/html; charset=utf-8"}, "not a PDF"),
    ({"content-type": "application/pdf"}, "attachment"),
    ({"content-type": "application/pdf", "content-disposition": 'inline; filename="a.pdf"'},
     "attachment"),
    ({"content-type": "application/pdf",
      "content-disposition": 'attachment; filename="../a.pdf"'}, "attachment"),
])
def test_download_headers_must_offer_a_pdf_attachment(headers: dict[str, str],
                                                      message: str) -> None:
    with pytest.raises(LayoutChanged, match=message):
        summary_filename(headers)


def test_download_filename_is_read_from_the_disposition() -> None:
    assert summary_filename({
        "content-type": "application/pdf",
        "content-disposition": 'attachment; filename="CascadeDental-BenefitSummary-X.pdf"',
    }) == "CascadeDental-BenefitSummary-X.pdf"
