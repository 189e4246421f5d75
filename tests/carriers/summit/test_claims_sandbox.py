"""Summit's claim inquiry over plain HTTP: the 90-day rule in the portal's own words, the
inquiry's other refusals, the remittance PDF (the bytes expected_claims names), and the
pages behind the sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import httpx
import pytest

from fixtures.sandbox.summit import expected_claims
from fixtures.sandbox.summit.claims import member_claims, patients
from fixtures.sandbox.summit.claims_routes import MESSAGES
from tests.carriers.summit.helpers import SummitUser, text_of, token

MEMBER = "SBA3068376-00"
PAID_TWICE = "SB2623300014"


def _inquiry(user: SummitUser, **fields: str) -> httpx.Response:
    patient = next(p for p in patients() if p.member_id == MEMBER)
    form = user.get("/clmsearch.asp")
    data = {"txtMemberID": MEMBER, "txtDOB": patient.date_of_birth.strftime("%m%d%Y"),
            "txtLastName": patient.last_name.lower(), "txtClaimNo": "", "txtFromDOS": "",
            "txtToDOS": "", "hdnToken": token(form.text), **fields}
    return user.http.post("/SBAOnline/clmsearch.asp", data=data)


@pytest.mark.parametrize(("fields", "message"), [
    ({"txtFromDOS": "08012026", "txtToDOS": "10302026"}, "too_long"),  # 91 days
    ({"txtFromDOS": "10312026", "txtToDOS": "08012026"}, "reversed"),
    ({"txtFromDOS": "2026-08-01", "txtToDOS": "10292026"}, "bad_dates"),
    ({"txtClaimNo": PAID_TWICE, "txtFromDOS": "08012026", "txtToDOS": "08022026"}, "both"),
    ({}, "no_criteria"),
    ({"txtClaimNo": "SB0000000000"}, "no_claims"),
    ({"txtClaimNo": PAID_TWICE, "txtLastName": "Nobody"}, "no_member"),
])
def test_refusals_in_the_portals_words(user: SummitUser, fields: dict[str, str],
                                       message: str) -> None:
    user.sign_in()
    answer = _inquiry(user, **fields)
    assert answer.status_code == 200
    assert text_of(answer.text, "lblError") == MESSAGES[message]


def test_ninety_days_are_one_window_and_the_pdf_is_the_expected(user: SummitUser) -> None:
    user.sign_in()
    answer = _inquiry(user, txtFromDOS="08012026", txtToDOS="10292026")  # 90 days
    assert answer.status_code == 303
    listing = user.http.get(answer.headers["location"]).text
    want = expected_claims(MEMBER, service_from=dt.date(2026, 8, 1),
                           service_to=dt.date(2026, 10, 29))
    assert re.findall(r"clm=(SB\d+)", listing) == [c.claim_number for c in want.claims]
    ref = re.search(r"ref=([0-9A-F]{16})", listing)
    assert ref is not None
    claim = next(c for c in member_claims(MEMBER) if c.claim_number == PAID_TWICE)
    documents = {d.filename: d for d in want.documents}
    for payment in claim.payments:
        pdf = user.get(f"/remitpdf.asp?ref={ref[1]}&pay={payment.number}")
        assert pdf.headers["content-type"] == "application/pdf"
        name = f"SBA_RA_{payment.number}.pdf"
        assert pdf.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert hashlib.sha256(pdf.content).hexdigest() == documents[name].sha256
    assert user.get(f"/remit.asp?ref={ref[1]}&pay=99999999").status_code == 404


def test_claims_pages_need_a_session(user: SummitUser) -> None:
    for path in ("/clmsearch.asp", "/clmlist.asp?ref=0&pg=1", "/remitpdf.asp?ref=0&pay=1"):
        answer = user.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/SBAOnline/logon.asp"
