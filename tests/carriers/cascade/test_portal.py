"""The Cascade Dental sandbox portal over plain HTTP: sign-in with an e-mailed code,
lockout, expired passcodes, faults, the lookup, the iframe, the PDF, and v2."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import httpx
import pytest

from fixtures.sandbox.cascade.expected_results import expected
from fixtures.sandbox.server import PortalAccount
from tests.carriers.cascade.helpers import CascadeUser, lookup_values
from tests.carriers.cascade.pages import LAYOUTS, fetch_all, saved

MEMBER = "CDN534568103"


@pytest.fixture
def portal(sandbox_portal: Callable[[str], PortalAccount]) -> PortalAccount:
    return sandbox_portal("cascade")


@pytest.fixture
def user(portal: PortalAccount) -> Iterator[CascadeUser]:
    with CascadeUser(portal) as person:
        yield person


@pytest.fixture
def signed_in(user: CascadeUser) -> CascadeUser:
    user.sign_in()
    return user


def test_sign_in_e_mails_a_code_and_names_the_masked_address(
        portal: PortalAccount, user: CascadeUser) -> None:
    response = user.sign_in_form()
    assert response.headers["location"] == "/verify"
    (message,) = portal.control.outbox()
    assert (message["channel"], message["recipient"]) == ("email", portal.account["email"])
    assert len(message["code"]) == 6 and message["code"].isdigit()
    page = user.http.get("/verify").text
    masked = f"{portal.username[0]}***@example.test"
    assert f'<p id="code-sent">We e-mailed a code to {masked}</p>' in page
    assert portal.account["email"] not in page
    assert user.enter_code(user.last_code()).headers["location"] == "/dashboard"
    assert portal.control.state()["successful_logins"] == {portal.username: 1}


def test_wrong_codes_are_refused_and_the_third_locks_the_account(
        portal: PortalAccount, user: CascadeUser) -> None:
    user.sign_in_form()
    wrong = "000000" if user.last_code() != "000000" else "111111"
    for _ in range(2):
        page = user.enter_code(wrong)
        assert page.status_code == 200 and "That code is not valid." in page.text
    page = user.enter_code(wrong)
    assert "This user ID is locked." in page.text
    assert portal.control.state()["locked_accounts"] == [portal.username]


def test_a_code_works_once_and_not_after_it_expires(portal: PortalAccount,
                                                    user: CascadeUser) -> None:
    portal.control.set_knobs(code_ttl_seconds=0.001)
    user.sign_in_form()
    assert "That code has expired." in user.enter_code(user.last_code()).text
    portal.control.set_knobs(code_ttl_seconds=300)
    user.sign_in_form()
    code = user.last_code()
    assert user.enter_code(code).status_code == 303
    user.http.get("/signout")
    user.sign_in_form()
    assert "That code is not valid." in user.enter_code(code).text  # only the latest counts


def test_wrong_passcodes_lock_the_account(portal: PortalAccount, user: CascadeUser) -> None:
    assert "The user ID or passcode is incorrect." in user.sign_in_form("nope").text
    user.sign_in_form("nope")
    assert "This user ID is locked." in user.sign_in_form("nope").text
    assert "This user ID is locked." in user.sign_in_form().text
    assert portal.control.outbox() == []


def test_expired_passcode_shows_the_change_page_and_sends_no_code(
        portal: PortalAccount, user: CascadeUser) -> None:
    portal.control.expire_password(portal.username)
    page = user.sign_in_form()
    assert page.status_code == 200
    assert 'id="passcode-expired-title"' in page.text
    assert portal.control.outbox() == []
    assert user.http.get("/patients").headers["location"] == "/signin"


@pytest.mark.parametrize(("knobs", "marker", "retry_after"), [
    ({"maintenance": True}, 'id="outage-title"', "600"),
    ({"error_rate": 1.0}, 'id="busy-title"', "5"),
])
def test_faults_answer_503_with_the_portals_own_pages(
        portal: PortalAccount, knobs: dict[str, object], marker: str, retry_after: str) -> None:
    portal.control.set_knobs(**knobs)
    response = httpx.get(portal.url + "/signin")
    assert response.status_code == 503 and marker in response.text
    assert response.headers["retry-after"] == retry_after
    assert httpx.get(portal.url + "/_sandbox/knobs").status_code == 200


def test_unknown_or_bad_knobs_are_refused(portal: PortalAccount) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        portal.control.set_knobs(document_fault="sometimes")
    with pytest.raises(httpx.HTTPStatusError):
        portal.control.set_knobs(no_such_knob=True)


def test_lookup_messages(signed_in: CascadeUser) -> None:
    member_id, dob, last = lookup_values(MEMBER)
    assert "No matching patient was found." in signed_in.lookup(member_id, dob, "Nobody").text
    assert "Enter the date of birth as DD-Mon-YYYY" in \
        signed_in.lookup(member_id, "2010-01-01", last).text
    assert signed_in.lookup(member_id.lower(), dob.upper(), last.upper()).status_code == 200


def test_record_embeds_the_frame_and_links_the_pdf(portal: PortalAccount,
                                                   signed_in: CascadeUser) -> None:
    token, record = signed_in.record(MEMBER)
    assert f'<iframe id="benefits-frame" name="cdn-benefits" title="Benefit details" ' \
           f'src="/benefits/frame/{token}">' in record.text
    assert f'<a id="benefit-summary-link" href="/documents/{token}.pdf">' in record.text
    frame = signed_in.http.get(f"/benefits/frame/{token}")
    assert f'<span id="frame-member-id">{MEMBER}</span>' in frame.text
    pdf = signed_in.http.get(f"/documents/{token}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == \
        f'attachment; filename="CascadeDental-BenefitSummary-{MEMBER}.pdf"'
    (document,) = expected(MEMBER).documents
    assert (hashlib.sha256(pdf.content).hexdigest(), len(pdf.content)) == \
        (document.sha256, document.size)
    # without the session, neither the frame nor the PDF is served
    for path in (f"/benefits/frame/{token}", f"/documents/{token}.pdf"):
        assert httpx.get(portal.url + path).headers["location"] == "/signin"


def test_portal_bugs_swap_the_frame_or_the_document(portal: PortalAccount,
                                                    signed_in: CascadeUser) -> None:
    portal.control.set_knobs(swap_frame_member=True, document_fault="other_member")
    token, record = signed_in.record(MEMBER)
    assert f'<td id="patient-id">{MEMBER}</td>' in record.text
    assert MEMBER not in signed_in.http.get(f"/benefits/frame/{token}").text
    assert MEMBER.encode() not in signed_in.http.get(f"/documents/{token}.pdf").content
    portal.control.set_knobs(document_fault="not_pdf")
    token, _ = signed_in.record(MEMBER)
    assert signed_in.http.get(f"/documents/{token}.pdf").headers["content-type"].startswith(
        "text/html")


def test_idle_session_expires_to_the_sign_in_page(portal: PortalAccount,
                                                  signed_in: CascadeUser) -> None:
    portal.control.expire_sessions()
    assert signed_in.http.get("/patients").headers["location"] == "/signin?reason=expired"
    page = signed_in.http.get("/signin?reason=expired").text
    assert "You were signed out after a period of inactivity." in page


def test_v2_redesign_inlines_the_benefits(portal: PortalAccount,
                                          signed_in: CascadeUser) -> None:
    portal.control.set_knobs(layout="v2")
    token, record = signed_in.record(MEMBER)
    assert 'data-layout="v2"' in record.text and "<iframe" not in record.text
    assert 'id="plan-summary-pdf"' in record.text
    assert signed_in.http.get(f"/benefits/frame/{token}").status_code == 404
    assert 'form id="hub-login"' in httpx.get(portal.url + "/signin").text


def test_saved_pages_equal_what_the_portal_renders(portal: PortalAccount) -> None:
    pages = fetch_all(portal.url, portal.control)
    assert {layout for layout, _ in pages} == set(LAYOUTS)
    for (layout, name), html in pages.items():
        assert saved(layout, name) == html, f"{layout}/{name}: run python -m " \
                                            "tests.carriers.cascade.pages"
