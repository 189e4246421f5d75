"""Summit's prior authorization over plain HTTP: the legacy one-file-a-post form and its
rules (from the file's content, in the portal's words), the confirmation, the inquiry and
detail pages with the decision letter, the authorization pages' own short idle timeout,
and the pa_drop_file / pa_fail_after_submit knobs."""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from fixtures.sandbox.server import PortalAccount
from fixtures.sandbox.summit.prior_auth import MAX_BYTES, MESSAGES
from tests.carriers.summit.helpers import ROOT, SummitUser, text_of, token
from tests.carriers.summit.pa_helpers import (
    ELF,
    RequestForm,
    attached,
    form_fields,
    member,
    pa_request,
    pdf_bytes,
    png_bytes,
    submit_over_http,
    tiff_bytes,
)


def _request_form(user: SummitUser) -> RequestForm:
    user.sign_in()
    form = RequestForm(user)
    form.fields = form_fields(pa_request([]))
    return form


def _error(page: str) -> str:
    return text_of(page, "lblError")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.pdf", ELF, "file_type"),  # an executable named .pdf
    ("scan.pdf", png_bytes(), "file_type"),  # a PNG: PDF or TIFF only, from the content
    ("big.pdf", pdf_bytes(pad_to=MAX_BYTES + 1), "file_size"),
    ("empty.pdf", b"", "empty_file"),
])
def test_an_attachment_is_refused_in_the_portals_words(user: SummitUser, name: str,
                                                       data: bytes, message: str) -> None:
    form = _request_form(user)
    answer = form.attach(name, data)
    assert answer.status_code == 200
    assert _error(answer.text) == MESSAGES[message]
    assert attached(answer.text) == []


def test_three_files_at_most_five_mb_each(user: SummitUser) -> None:
    form = _request_form(user)
    files = [("a.pdf", pdf_bytes(pad_to=MAX_BYTES)), ("b.tif", tiff_bytes()),
             ("c.pdf", pdf_bytes("second"))]
    for name, data in files:
        answer = form.attach(name, data)
        assert text_of(answer.text, "lblAttachMsg") == \
            f"FILE ATTACHED: {name} ({len(data)} BYTES)."
    assert attached(form.page) == [(name, len(data)) for name, data in files]
    assert form.fields["txtNotes"] in form.page  # every post keeps what was typed
    answer = form.attach("d.pdf", pdf_bytes("third"))
    assert _error(answer.text) == MESSAGES["file_count"]
    answer = form.attach("a.pdf", pdf_bytes("same name"))  # refused before its content
    assert _error(answer.text) == MESSAGES["file_count"]


def test_submit_confirm_inquire_and_read_the_decision(user: SummitUser,
                                                      summit: PortalAccount) -> None:
    user.sign_in()
    request = pa_request([])
    files = [("mri-order.pdf", pdf_bytes("MRI order")), ("pt-notes.tif", tiff_bytes())]
    reference = submit_over_http(user, request, files)
    # the confirmation page and its PDF
    confirmation = user.get(f"/authconf.asp?no={reference}").text
    assert f"REFERENCE NO {reference}." in text_of(confirmation, "lblConfirm")
    assert re.search(r"Received:</td><td[^>]*>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ET<",
                     confirmation)
    pdf = user.get(f"/authconfpdf.asp?no={reference}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == \
        f'attachment; filename="SBA_PA_{reference}_CONF.pdf"'
    assert reference.encode() in pdf.content
    # the ledger: one submission, both files byte for byte, our note
    (entry,) = summit.control.prior_auths()
    assert entry["reference"] == reference
    assert entry["tracking_ref"] == request.tracking_ref
    assert [(f["name"], f["size"], f["sha256"]) for f in entry["files"]] == [
        (name, len(data), hashlib.sha256(data).hexdigest()) for name, data in files]
    assert entry["form"]["member_id"] == member(0).member_id
    # the inquiry, by member ID and by reference number: the note is shown
    for criteria in ({"txtMemberID": request.member_id.lower()}, {"txtRefNo": reference}):
        form = user.get("/authinq.asp").text
        answer = user.http.post(f"{ROOT}/authinq.asp", data={
            "txtMemberID": "", "txtRefNo": "", **criteria, "hdnToken": token(form)})
        assert answer.status_code == 303
        listing = user.http.get(answer.headers["location"]).text
        assert f"authdetail.asp?no={reference}" in listing
        assert request.portal_note() in listing
        assert "PENDING REVIEW" in listing
    # the detail: files with sizes, no letter while pended; a letter once approved
    detail = user.get(f"/authdetail.asp?no={reference}").text
    assert "<td>mri-order.pdf</td>" in detail and f">{len(files[0][1])}</td>" in detail
    assert 'id="lnkLetter"' not in detail
    assert user.get(f"/authletter.asp?no={reference}").status_code == 404
    summit.control.set_prior_auth_decision(reference, "approved")
    detail = user.get(f"/authdetail.asp?no={reference}").text
    assert ">APPROVED<" in detail and 'id="lnkLetter"' in detail
    letter = user.get(f"/authletter.asp?no={reference}")
    assert letter.content.startswith(b"%PDF-")
    assert letter.headers["content-disposition"] == \
        f'attachment; filename="SBA_PA_{reference}_LTR.pdf"'


@pytest.mark.parametrize(("change", "message"), [
    ({"txtLastName": "Nobody"}, "no_member"),
    ({"txtDOB": "1969-01-18"}, "bad_dob"),
    ({"txtFromDOS": "09302026", "txtToDOS": "08032026"}, "reversed"),
    ({"txtProc2": "9711"}, "bad_procedure"),
    ({"rdoUrgency": ""}, "no_urgency"),
    ({"txtReqNPI": "12345"}, "bad_npi"),
])
def test_a_refused_request_keeps_its_files_and_records_nothing(
        user: SummitUser, summit: PortalAccount, change: dict[str, str], message: str) -> None:
    form = _request_form(user)
    form.attach("notes.pdf", pdf_bytes())
    form.fields |= change
    answer = form.submit()
    assert answer.status_code == 200
    wanted = MESSAGES[message].format(line=2, code="")
    assert _error(answer.text) == wanted
    assert attached(answer.text) == [("notes.pdf", len(pdf_bytes()))]
    assert summit.control.prior_auths() == []


def test_the_same_form_cannot_be_submitted_twice(user: SummitUser,
                                                 summit: PortalAccount) -> None:
    form = _request_form(user)
    first = form.submit()
    assert first.status_code == 303
    again = form.submit()  # the same page posted again (a double click, the back button)
    assert again.status_code == 200
    assert _error(again.text) == MESSAGES["stale_form"]
    assert len(summit.control.prior_auths()) == 1


def test_the_authorization_pages_time_out_sooner(user: SummitUser,
                                                 summit: PortalAccount) -> None:
    summit.control.set_knobs(pa_idle_timeout_seconds=0.3)
    form = _request_form(user)
    assert form.attach("notes.pdf", pdf_bytes()).status_code == 200
    time.sleep(0.4)
    answer = form.attach("more.pdf", pdf_bytes("more"))
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{ROOT}/logon.asp?reason=expired"
    logon = user.http.get(answer.headers["location"]).text
    assert text_of(logon, "lblNotice") == "Your session has timed out. Please log on again."
    assert user.get("/eligsearch.asp").status_code == 303  # the whole session ended
    summit.control.set_knobs(pa_idle_timeout_seconds=120)
    user.sign_in()
    assert attached(user.get("/authreq.asp").text) == []  # the staged files are gone
    assert summit.control.prior_auths() == []


def test_pa_drop_file_acknowledges_the_last_file_but_never_lists_it(
        user: SummitUser, summit: PortalAccount) -> None:
    summit.control.set_knobs(pa_drop_file=True)
    form = _request_form(user)
    first, second = pdf_bytes("first"), tiff_bytes()
    form.attach("first.pdf", first)
    assert attached(form.page) == []
    answer = form.attach("second.tif", second)
    assert text_of(answer.text, "lblAttachMsg") == \
        f"FILE ATTACHED: second.tif ({len(second)} BYTES)."
    assert attached(answer.text) == [("first.pdf", len(first))]
    assert form.submit().status_code == 303
    (entry,) = summit.control.prior_auths()
    assert [f["name"] for f in entry["files"]] == ["first.pdf"]


def test_pa_fail_after_submit_records_then_answers_an_error(
        user: SummitUser, summit: PortalAccount) -> None:
    summit.control.set_knobs(pa_fail_after_submit=True)
    form = _request_form(user)
    answer = form.submit()
    assert answer.status_code == 500
    assert text_of(answer.text, "lblErrorPage").startswith("An error occurred")
    assert len(summit.control.prior_auths()) == 1


def test_authorization_pages_need_a_session_and_v2_is_other_markup(
        user: SummitUser, summit: PortalAccount) -> None:
    for path in ("/authreq.asp", "/authinq.asp", "/authdetail.asp?no=X",
                 "/authletter.asp?no=X"):
        answer = user.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{ROOT}/logon.asp"
    user.sign_in()
    summit.control.set_knobs(layout="v2")
    page = user.get("/authreq.asp").text
    assert 'data-view="authorization-request"' in page
    assert 'name="frmAuthReq"' not in page and 'id="tblAttach"' not in page
