"""The Meridian portal's prior-authorization pages over plain HTTP: the wizard's rules in
the portal's own words (member match, NPI check digit, ICD-10, files by content, size
and count), what a submission leaves in the ledger, the list and its search, the
decision on the detail page and its letter, the two fault knobs, and v2 pages the v1
parsers refuse."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator

import pytest

from bots.carriers.meridian.prior_auth_parse import (
    parse_confirmation,
    parse_detail,
    parse_pa_list,
)
from bots.errors import LayoutChanged
from fixtures.sandbox.core.prior_auth import ACTIONS
from fixtures.sandbox.server import PortalAccount
from tests.carriers.meridian.prior_auth_support import (
    MEMBER,
    PROVIDER_VALUES,
    Wizard,
    elf_file,
    errors_of,
    patient_values,
    pdf_file,
    png_file,
    services_values,
    submit_by_hand,
    tiff_file,
)
from tests.fixtures.helpers import PortalUser, csrf_token

MB = 1024 * 1024


@pytest.fixture
def user(meridian: PortalAccount) -> Iterator[PortalUser]:
    meridian.control.set_knobs(announcement="none")
    with PortalUser(meridian) as person:
        person.sign_in()
        yield person


def _notice(html: str) -> str:
    found = re.search(r'id="pa-upload-notice"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def _listed(html: str) -> list[tuple[str, str]]:
    table = re.search(r'id="pa-attachments-table".*?</table>', html, re.S)
    if table is None:
        return []
    return re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', table.group(0))


def test_each_step_checks_what_it_is_given(user: PortalUser) -> None:
    wizard = Wizard(user)
    # a step further on opens the first step not done yet
    assert wizard.page("review").headers["location"].endswith("/patient")
    wrong_dob = {**patient_values(), "date_of_birth": "01/01/1901"}
    assert errors_of(wizard.post("patient", wrong_dob).text) == [
        "No eligible member matches this member ID, date of birth and name. Check the "
        "member's ID card."]
    assert wizard.post("patient", patient_values()).status_code == 303
    npi = PROVIDER_VALUES["servicing_npi"]
    bad_digit = npi[:-1] + str((int(npi[-1]) + 1) % 10)
    refused = wizard.post("providers", {**PROVIDER_VALUES, "servicing_npi": bad_digit})
    assert errors_of(refused.text) == [
        f"Servicing provider NPI {bad_digit} is not a valid NPI. Check the number."]
    assert wizard.post("providers", PROVIDER_VALUES).status_code == 303
    bad = {**services_values(), "diagnosis_1": "U07", "service_2_units": "0",
           "service_2_modifier_1": "G", "service_to": "11/30/2026"}
    assert errors_of(wizard.post("services", bad).text) == [
        "Diagnosis code U07 is not a valid ICD-10-CM code.",
        "Line 2: modifier G must be 2 letters or digits.",
        "Line 2: units must be a whole number from 1 to 999.",
        "The service end date is before the start date."]
    assert wizard.post("services", services_values()).status_code == 303
    review = wizard.page("review")
    assert review.status_code == 200 and 'id="pa-submit-button"' in review.text
    unattested = user.http.post(f"{wizard.base}/review",
                                data={"csrf_token": csrf_token(review.text)})
    assert errors_of(unattested.text) == [
        "Confirm that the information in this request is complete and accurate."]


def test_files_are_judged_by_content_size_and_count(user: PortalUser) -> None:
    wizard = Wizard(user)
    wizard.steps_1_to_3(services_values())
    # given a renamed executable, an oversized PDF and an empty file: refused, in words
    assert errors_of(wizard.upload("scan.pdf", elf_file()).text) == [
        "scan.pdf was not uploaded: Meridian accepts PDF, TIFF, PNG and JPEG files only."]
    oversized = pdf_file("big") + b"0" * (10 * MB)
    assert errors_of(wizard.upload("big.pdf", oversized).text) == [
        "big.pdf was not uploaded: each file must be 10 MB or smaller."]
    assert errors_of(wizard.upload("empty.pdf", b"").text) == [
        "empty.pdf was not uploaded: the file is empty."]
    # a PDF named .png is a PDF: accepted; so are TIFF, PNG and a file of exactly 10 MB
    exactly = pdf_file("edge")
    exactly += b"0" * (10 * MB - len(exactly))
    files = [("notes.png", pdf_file("notes")), ("xray.tif", tiff_file()),
             ("photo.png", png_file()), ("edge.pdf", exactly)]
    for name, data in files:
        page = wizard.upload(name, data)
        assert _notice(page.text) == f"{name} was uploaded."
    assert _listed(page.text) == [(n, f"{len(d):,} bytes") for n, d in files]
    assert errors_of(wizard.upload("photo.png", png_file(10)).text) == [
        "photo.png was not uploaded: a file with this name is already attached."]
    # ten at most
    for i in range(6):
        wizard.upload(f"extra-{i}.png", png_file(i))
    assert errors_of(wizard.upload("eleventh.png", png_file(99)).text) == [
        "eleventh.png was not uploaded: a request can have at most 10 attachments. "
        "Remove a file first."]
    # the remove link takes one off the list
    remove = re.search(r'href="([^"]*/remove\?csrf_token=[^"]*)"', page.text)
    assert remove is not None
    after = user.http.get(remove.group(1).replace("&amp;", "&"), follow_redirects=True)
    assert _notice(after.text) == "notes.png was removed."
    assert "notes.png" not in dict(_listed(after.text))


def test_a_submission_is_received_once_listed_searched_and_shown(
    user: PortalUser, meridian: PortalAccount
) -> None:
    files = (("notes.pdf", pdf_file("notes")), ("knee.png", png_file()))
    wizard = Wizard(user)
    wizard.steps_1_to_3(services_values(note="Ref PA-ABCDE12345 - follow-up"))
    for name, data in files:
        wizard.upload(name, data)
    answer = wizard.submit()
    assert answer.status_code == 303
    confirmation = user.http.get(answer.headers["location"])
    shown = parse_confirmation(confirmation.text)
    # one ledger entry, with both files as sent
    (entry,) = meridian.control.prior_auths()
    assert entry["reference"] == shown.reference
    assert entry["tracking_ref"] == "PA-ABCDE12345"
    assert shown.received == dt.datetime.fromisoformat(entry["received_at"])
    assert [(f["name"], f["size"], f["sha256"]) for f in entry["files"]] == \
        [(n, len(d), hashlib.sha256(d).hexdigest()) for n, d in files]
    assert [(f.name, f.size) for f in shown.files] == [(n, len(d)) for n, d in files]
    # the draft is gone: the same review cannot be sent twice
    listing = user.http.get("/authorizations")
    again = user.http.post(f"{wizard.base}/review", data={
        "attest": "yes", "csrf_token": csrf_token(listing.text)})
    assert again.status_code == 404 and "no longer available" in again.text
    assert len(meridian.control.prior_auths()) == 1
    pdf = user.http.get(f"/authorizations/{shown.reference}/confirmation.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and shown.reference.encode() in pdf.content
    # found by member ID, by reference and by text in the note
    for criteria in ({"member_id": MEMBER.member_id.lower()}, {"reference": shown.reference},
                     {"text": "pa-abcde12345"}):
        found = user.http.post("/authorizations", follow_redirects=True, data={
            **criteria, "csrf_token": csrf_token(listing.text)})
        (row,) = parse_pa_list(found.text).rows
        assert (row.reference, row.tracking_ref, row.procedure_codes) == \
            (shown.reference, "PA-ABCDE12345", ["72148", "97110"])
        assert [(f.name, f.size) for f in row.files] == [(n, len(d)) for n, d in files]
    nothing = user.http.post("/authorizations", follow_redirects=True, data={
        "text": "PA-0000000000", "csrf_token": csrf_token(listing.text)})
    assert parse_pa_list(nothing.text).rows == []
    empty = user.http.post("/authorizations", data={"csrf_token": csrf_token(listing.text)})
    assert "Enter a member ID, a reference number or text from the notes to search." \
        in empty.text


def test_the_list_pages_by_twenty(user: PortalUser) -> None:
    for i in range(21):
        submit_by_hand(user, services_values(codes=(f"9711{i % 10}",), note=f"request {i}"))
    first = parse_pa_list(user.http.get("/authorizations").text)
    assert (first.page, first.pages, first.total, len(first.rows)) == (1, 2, 21, 20)
    assert first.next_href == "/authorizations?page=2"
    second = parse_pa_list(user.http.get(first.next_href).text)
    assert (second.page, len(second.rows), second.next_href) == (2, 1, None)
    assert second.rows[0].note == "request 0"  # newest first


@pytest.mark.parametrize("status", ["approved", "approved_with_changes",
                                    "partially_approved", "denied", "more_info",
                                    "cancelled", "pended"])
def test_the_detail_page_shows_the_decision(user: PortalUser, meridian: PortalAccount,
                                            status: str) -> None:
    reference = submit_by_hand(user, services_values(), (("notes.pdf", pdf_file("n")),))
    meridian.control.set_prior_auth_decision(reference, status)
    (entry,) = meridian.control.prior_auths()
    truth = entry["decision"]
    page = user.http.get(f"/authorizations/{reference}")
    detail = parse_detail(page.text, "meridian")
    decision = detail.case.decision
    assert decision.action.value == ACTIONS[status] == truth["action"]
    assert decision.authorization_number == truth["authorization_number"]
    assert [s.model_dump() for s in decision.approved_services] == truth["approved_services"]
    assert (str(decision.approved_from) if decision.approved_from else None,
            str(decision.approved_to) if decision.approved_to else None) == \
        (truth["approved_from"], truth["approved_to"])
    assert decision.reason == truth["reason"]
    assert (decision.decided_on.isoformat() if decision.decided_on else None) == \
        truth["decided_on"]
    assert (detail.letter is not None) == truth["letter"]
    if detail.letter is not None:
        letter = user.http.get(detail.letter.href)
        assert letter.content.startswith(b"%PDF-") and reference.encode() in letter.content
    else:
        assert user.http.get(f"/authorizations/{reference}/letter.pdf").status_code == 404


def test_a_dropped_file_is_announced_but_never_listed_nor_sent(
    user: PortalUser, meridian: PortalAccount
) -> None:
    meridian.control.set_knobs(pa_drop_file=True)
    wizard = Wizard(user)
    wizard.steps_1_to_3(services_values())
    wizard.upload("first.pdf", pdf_file("first"))
    page = wizard.upload("second.png", png_file())
    assert _notice(page.text) == "second.png was uploaded."
    assert [name for name, _size in _listed(page.text)] == ["first.pdf"]
    assert wizard.submit().status_code == 303
    (entry,) = meridian.control.prior_auths()
    assert [f["name"] for f in entry["files"]] == ["first.pdf"]


def test_a_failure_after_submit_still_records_the_request(
    user: PortalUser, meridian: PortalAccount
) -> None:
    meridian.control.set_knobs(pa_fail_after_submit=True)
    wizard = Wizard(user)
    wizard.steps_1_to_3(services_values())
    answer = wizard.submit()
    assert answer.status_code == 500 and 'id="error-title"' in answer.text
    assert "Request could not be completed" in answer.text
    assert len(meridian.control.prior_auths()) == 1


def test_v2_pages_are_refused_by_the_v1_parsers(user: PortalUser,
                                                meridian: PortalAccount) -> None:
    reference = submit_by_hand(user, services_values())
    meridian.control.set_knobs(layout="v2")
    listing = user.http.get("/authorizations")
    detail = user.http.get(f"/authorizations/{reference}")
    confirmation = user.http.get(f"/authorizations/{reference}/confirmation")
    assert 'data-layout="v2"' in listing.text and 'id="auth-lookup-form"' in listing.text
    for html, parse in ((listing.text, parse_pa_list), (confirmation.text, parse_confirmation),
                        (detail.text, lambda text: parse_detail(text, "meridian"))):
        for page in (html, html.replace('data-layout="v2"', 'data-layout="v1"')):
            with pytest.raises(LayoutChanged):
                parse(page)
    started = user.http.post("/authorizations/new",
                             data={"csrf_token": csrf_token(listing.text)})
    step = user.http.get(started.headers["location"])
    assert 'data-form="member"' in step.text and 'id="pa-patient-form"' not in step.text
