"""Northwind's prior authorization over plain HTTP: uploads judged from their bytes with the
portal's own words, the attached list read back from the draft, a submission recorded in
the ledger with its files, the search, the detail with its decision and letter, and the
pa_drop_file / pa_fail_after_submit knobs; the v2 API beside it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest

from fixtures.sandbox.northwind import prior_auth as nw
from fixtures.sandbox.server import PortalAccount
from tests.carriers.northwind.prior_auth_helpers import (
    MEMBER,
    PaClient,
    form_body,
    image_bytes,
    pdf_bytes,
)


@pytest.fixture
def pa(northwind: PortalAccount) -> Iterator[PaClient]:
    client = PaClient(northwind)
    client.sign_in()
    yield client
    client.close()


def test_the_spa_shell_loads_the_prior_auth_screens(pa: PaClient) -> None:
    shell = pa.http.get("/").text
    assert '<script src="/static/v1/prior_auth.js"' in shell
    script = pa.http.get("/static/v1/prior_auth.js")
    assert script.status_code == 200 and "nw-pa-dropzone" in script.text


def test_a_submission_lands_in_the_ledger_with_its_files(pa: PaClient) -> None:
    # given a draft with a PDF and a PNG uploaded before the form is sent
    draft = pa.draft()
    notes, photo = pdf_bytes("Notes"), image_bytes("PNG")
    first = pa.upload(draft, "notes.pdf", notes)
    second = pa.upload(draft, "wound.png", photo, "image/png")
    assert first.status_code == second.status_code == 201
    assert [(f["name"], f["size"]) for f in pa.files(draft)] == [
        ("notes.pdf", len(notes)), ("wound.png", len(photo))]
    # when the form is submitted with both upload ids
    answer = pa.submit(draft, [first.json()["upload_id"], second.json()["upload_id"]])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    # then the ledger holds one request with both files, byte for byte
    (entry,) = pa.portal.control.prior_auths()
    assert entry["reference"] == body["reference"] and entry["reference"].startswith("NOPA")
    assert entry["tracking_ref"] == "PA-TEST000001"
    assert [(f["name"], f["size"], f["sha256"], f["content_type"]) for f in entry["files"]] == [
        ("notes.pdf", len(notes), hashlib.sha256(notes).hexdigest(), "application/pdf"),
        ("wound.png", len(photo), hashlib.sha256(photo).hexdigest(), "image/png")]
    assert body["received_at"] == entry["received_at"] and "+00:00" in body["received_at"]
    detail = body["request"]
    assert detail["status"] == "pended" and detail["decision"]["status"] == "pended"
    assert detail["letter"] is None
    assert detail["patient"] == {"member_id": MEMBER.member_id,
                                 "first_name": MEMBER.first_name,
                                 "last_name": MEMBER.last_name,
                                 "birth_date": MEMBER.date_of_birth.isoformat()}
    # and the search finds it by member ID, by reference and by text in the note
    for criteria in ({"member_id": MEMBER.member_id.lower()},
                     {"reference": body["reference"]}, {"text": "pa-test000001"}):
        found = pa.search(**criteria)
        assert found["total"] == 1 and found["requests"][0]["reference"] == body["reference"]
        assert found["requests"][0]["files"] == [{"name": "notes.pdf", "size": len(notes)},
                                                 {"name": "wound.png", "size": len(photo)}]
    assert pa.search(text="PA-OTHER00000")["total"] == 0
    receipt = pa.http.get(detail["confirmation"]["url"])
    assert receipt.content.startswith(b"%PDF-")


@pytest.mark.parametrize(("name", "data", "code", "words"), [
    ("scan.tif", image_bytes("TIFF"), "file_type",
     "\u201cscan.tif\u201d can\u2019t be attached. Attach PDF, PNG or JPEG files only."),
    ("notes.pdf", b"\x7fELF\x02\x01\x01" + bytes(200), "file_type",
     "\u201cnotes.pdf\u201d can\u2019t be attached. Attach PDF, PNG or JPEG files only."),
    ("huge.pdf", b"%PDF-1.4\n" + b"0" * nw.MAX_BYTES, "file_too_large",
     "\u201chuge.pdf\u201d is larger than 20 MB. Attach a smaller file."),
])
def test_the_portal_refuses_files_by_their_bytes_in_its_own_words(
        pa: PaClient, name: str, data: bytes, code: str, words: str) -> None:
    draft = pa.draft()
    answer = pa.upload(draft, name, data)
    assert answer.status_code == 422
    assert answer.json() == {"error": code, "message": words}
    assert pa.files(draft) == []


def test_at_most_five_files_and_a_jpeg_is_fine(pa: PaClient) -> None:
    draft = pa.draft()
    assert pa.upload(draft, "photo.jpg", image_bytes("JPEG"), "image/jpeg").status_code == 201
    for i in range(4):
        assert pa.upload(draft, f"page-{i}.pdf", pdf_bytes(f"page {i}")).status_code == 201
    sixth = pa.upload(draft, "sixth.pdf", pdf_bytes("six"))
    assert sixth.status_code == 422
    assert sixth.json()["message"] == "You can attach up to 5 files to one request."
    assert len(pa.files(draft)) == 5


def test_pa_drop_file_answers_the_last_upload_but_never_attaches_it(pa: PaClient) -> None:
    pa.portal.control.set_knobs(pa_drop_file=True)
    draft = pa.draft()
    first = pa.upload(draft, "one.pdf", pdf_bytes("one"))
    second = pa.upload(draft, "two.pdf", pdf_bytes("two"))
    assert first.status_code == second.status_code == 201  # both "accepted"
    assert [f["name"] for f in pa.files(draft)] == ["one.pdf"]
    ids = [first.json()["upload_id"], second.json()["upload_id"]]
    assert pa.submit(draft, ids).status_code == 201
    (entry,) = pa.portal.control.prior_auths()
    assert [f["name"] for f in entry["files"]] == ["one.pdf"]


def test_pa_fail_after_submit_records_then_answers_an_error(pa: PaClient) -> None:
    pa.portal.control.set_knobs(pa_fail_after_submit=True)
    answer = pa.submit(pa.draft(), [])
    assert answer.status_code == 500
    assert answer.json()["message"] == nw.MESSAGES["failed"]
    assert len(pa.portal.control.prior_auths()) == 1
    assert pa.search(text="PA-TEST000001")["total"] == 1


def test_the_form_is_checked_and_nothing_is_recorded_when_it_is_wrong(pa: PaClient) -> None:
    draft = pa.draft()
    unknown = pa.submit(draft, [], last_name="Nobodyhere")
    assert unknown.status_code == 422 and unknown.json()["error"] == "member_not_found"
    bad_codes = pa.submit(draft, [], diagnoses=["not a code"])
    assert bad_codes.json()["message"] == nw.MESSAGES["diagnoses"]
    gone = pa.submit(draft, ["no-such-upload"])
    assert gone.json()["message"] == nw.MESSAGES["upload_gone"]
    no_token = httpx.post(pa.portal.url + "/api/pa/requests", json=form_body(),
                          cookies=pa.http.cookies)
    assert no_token.status_code in (401, 403)
    assert pa.portal.control.prior_auths() == []


def test_the_detail_shows_the_decision_and_its_letter(pa: PaClient) -> None:
    reference = pa.submit(pa.draft(), []).json()["reference"]
    pa.portal.control.set_prior_auth_decision(reference, "approved_with_changes")
    detail = pa.http.get(f"/api/pa/requests/{reference}").json()
    decision = detail["decision"]
    assert detail["status"] == decision["status"] == "approved_with_changes"
    assert decision["authorization_number"].startswith("AUTHNO")
    assert decision["approved_services"] == [{"code": "72148", "units": 1},
                                             {"code": "97110", "units": 4}]
    assert decision["approved_from"] == "2026-03-02" and decision["approved_to"] == "2026-03-31"
    assert detail["letter"]["filename"] == f"NW-Decision-{reference}.pdf"
    letter = pa.http.get(detail["letter"]["url"])
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF-")
    assert f'filename="NW-Decision-{reference}.pdf"' in letter.headers["content-disposition"]
    pa.portal.control.set_prior_auth_decision(reference, "more_info")
    assert pa.http.get(f"/api/pa/requests/{reference}").json()["letter"] is None
    assert pa.http.get(f"/api/pa/requests/{reference}/letter").status_code == 404


def test_the_v2_api_takes_the_same_requests_and_v1_answers_404(pa: PaClient) -> None:
    pa.portal.control.set_knobs(layout="v2")
    headers = {"X-CSRF-Token": pa.token or ""}
    assert pa.post("/api/pa/drafts").status_code == 404
    draft = pa.http.post("/api/v2/authorizations/drafts", headers=headers).json()["draftId"]
    tiff = pa.http.post("/api/v2/authorizations/attachments", data={"draftId": draft},
                        files={"file": ("scan.tif", image_bytes("TIFF"), "image/tiff")},
                        headers=headers)
    assert tiff.status_code == 422
    assert tiff.json() == {"errors": [{"code": "FILE_TYPE", "detail":
                                       "scan.tif: file type not supported (use PDF, PNG or "
                                       "JPG)."}]}
    body = form_body()
    case = pa.http.post("/api/v2/authorizations", headers=headers, json={
        "draftId": draft,
        "patient": {"id": body["member_id"], "dob": body["birth_date"],
                    "given": body["first_name"], "family": body["last_name"]},
        "providers": {"requesting": {"npiNumber": "1234567893", "displayName": "Harbor"},
                      "servicing": {"npiNumber": "1245319599", "displayName": "Bayview"}},
        "diagnosisCodes": ["M54.50"], "lines": [{"code": "72148", "mods": "", "qty": "1"}],
        "dates": {"start": body["service_from"], "end": body["service_to"]}, "pos": "11",
        "priority": "URGENT", "comments": "v2 note", "attachmentIds": []})
    assert case.status_code == 201, case.text
    (entry,) = pa.portal.control.prior_auths()
    assert entry["reference"] == case.json()["caseId"]
    assert entry["form"]["urgency"] == "expedited"
