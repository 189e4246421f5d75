"""The Summit sandbox portal over plain HTTP: frames, security questions, password expiry,
lockout, the maintenance window, throttling, pagination and the v2 redesign."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.server import PortalAccount
from fixtures.sandbox.summit.faults import window_seconds_left, window_text
from fixtures.sandbox.summit.view import PAGE_SIZE, page_count, section_rows
from tests.carriers.summit.helpers import ROOT, SummitUser, question, text_of, token


def test_the_portal_is_a_frameset_with_a_main_frame(user: SummitUser) -> None:
    page = user.get("/default.asp?main=eligsearch.asp")
    assert page.status_code == 200
    names = re.findall(r'<frame name="(\w+)" src="([^"]+)"', page.text)
    assert names == [("banner", f"{ROOT}/banner.asp"), ("nav", f"{ROOT}/menu.asp"),
                     ("main", f"{ROOT}/eligsearch.asp")]
    # without a session the main frame's page sends the browser to the log-on form
    assert user.get("/eligsearch.asp").headers["location"] == f"{ROOT}/logon.asp"


def test_sign_in_asks_the_accounts_security_questions(user: SummitUser,
                                                      summit: PortalAccount) -> None:
    asked = user.sign_in()
    assert 1 <= len(asked) <= 2
    assert set(asked) <= set(summit.account["security_answers"])
    assert user.get("/eligsearch.asp").status_code == 200
    state = summit.control.state()
    assert state["successful_logins"] == {summit.username: 1}


def test_questions_follow_seed_and_sign_in_count(summit: PortalAccount) -> None:
    def questions(seed: int) -> list[list[str]]:
        summit.control.set_knobs(seed=seed)
        asked = []
        for _ in range(6):
            with SummitUser(summit) as one:
                asked.append(one.sign_in())
        return asked

    first = questions(7)
    summit.control.reset()
    summit.control.add_account(**summit.account)
    assert questions(7) == first  # deterministic
    assert any(len(a) == 2 for a in first + questions(8))  # sometimes two in a row
    assert len({q for a in first for q in a}) > 1  # not always the same question


def test_two_questions_in_a_row(user: SummitUser, summit: PortalAccount) -> None:
    summit.control.set_knobs(security_prompts="two")
    user.logon()
    first_page = user.get("/verify.asp").text
    assert "(Question 1 of 2)" in first_page
    first, response = user.answer()
    assert response.headers["location"] == f"{ROOT}/verify.asp"
    second_page = user.get("/verify.asp").text
    assert "(Question 2 of 2)" in second_page and question(second_page) != first
    _, done = user.answer()
    assert done.headers["location"] == f"{ROOT}/welcome.asp"


def test_a_wrong_answer_ends_the_sign_in(user: SummitUser, summit: PortalAccount) -> None:
    summit.control.set_knobs(security_prompts="one")
    user.logon()
    asked, response = user.answer("definitely not it")
    assert response.status_code == 200
    assert text_of(response.text, "lblError") == (
        "The answer you provided does not match our records. Please log on again.")
    assert 'name="frmLogon"' in response.text
    assert user.get("/verify.asp").headers["location"] == f"{ROOT}/logon.asp"
    summit_state = httpx.get(f"{summit.url}/_sandbox/summit").json()
    assert summit_state["security_failures"] == {summit.username: 1}
    assert summit_state["security_prompts"] == {asked: 1}


def test_expired_password_shows_the_change_form_first(user: SummitUser,
                                                      summit: PortalAccount) -> None:
    summit.control.expire_password(summit.username)
    response = user.logon()
    assert response.headers["location"] == f"{ROOT}/chgpwd.asp"
    page = user.get("/chgpwd.asp")
    assert text_of(page.text, "lblPwdExpired") == (
        "Your password has expired. You must choose a new password.")
    assert 'name="frmChgPwd"' in page.text
    # nothing else is reachable until the password is changed
    assert user.get("/verify.asp").headers["location"] == f"{ROOT}/chgpwd.asp"
    assert user.get("/eligsearch.asp").headers["location"] == f"{ROOT}/logon.asp"
    assert httpx.get(f"{summit.url}/_sandbox/summit").json()["password_change_attempts"] == {}
    # a person changes it: the attempt is recorded, then the questions follow
    new = "A-brand-new-password-1"
    changed = user.http.post(f"{ROOT}/chgpwd.asp", data={
        "txtOldPwd": summit.password, "txtNewPwd": new, "txtConfirmPwd": new,
        "hdnToken": token(page.text)})
    assert changed.headers["location"] == f"{ROOT}/verify.asp"
    counts = httpx.get(f"{summit.url}/_sandbox/summit").json()["password_change_attempts"]
    assert counts == {summit.username: 1}


@pytest.mark.parametrize("locked_by", ["control", "three wrong passwords"])
def test_locked_account(user: SummitUser, summit: PortalAccount, locked_by: str) -> None:
    if locked_by == "control":
        summit.control.lock(summit.username)
    else:
        for _ in range(2):
            wrong = user.logon("wrong-password")
            assert text_of(wrong.text, "lblError") == (
                "The User ID or Password you entered is incorrect.")
    response = user.logon("wrong-password" if locked_by != "control" else None)
    assert "has been locked" in text_of(response.text, "lblError")
    assert summit.control.state()["locked_accounts"] == [summit.username]
    # even the right password is refused now
    assert "has been locked" in text_of(user.logon().text, "lblError")


def test_idle_session_times_out(user: SummitUser, summit: PortalAccount) -> None:
    user.sign_in()
    summit.control.expire_sessions()
    response = user.get("/eligsearch.asp")
    assert response.headers["location"] == f"{ROOT}/logon.asp?reason=expired"
    assert text_of(user.get("/logon.asp?reason=expired").text, "lblNotice") == (
        "Your session has timed out. Please log on again.")


def test_maintenance_window_answers_every_page_503(user: SummitUser,
                                                   summit: PortalAccount) -> None:
    summit.control.set_knobs(maintenance_window="01:00-03:00", clock_time="02:15")
    for path in ("/default.asp", "/logon.asp", "/eligsearch.asp", "/banner.asp"):
        response = user.get(path)
        assert response.status_code == 503
        assert response.headers["retry-after"] == str(45 * 60)
        assert text_of(response.text, "lblMaintenance").startswith(
            "Summit Online is unavailable nightly from 1:00 to 3:00 AM ET")
    assert httpx.get(f"{summit.url}/_sandbox/knobs").status_code == 200  # never the control API
    summit.control.set_knobs(clock_time="03:00")
    assert user.get("/logon.asp").status_code == 200


def test_maintenance_window_arithmetic() -> None:
    assert window_seconds_left("01:00-03:00", dt.time(1, 0)) == 7200
    assert window_seconds_left("01:00-03:00", dt.time(2, 59, 30)) == 30
    assert window_seconds_left("01:00-03:00", dt.time(3, 0)) is None
    assert window_seconds_left("23:30-01:00", dt.time(23, 45)) == 75 * 60
    assert window_seconds_left("23:30-01:00", dt.time(0, 30)) == 30 * 60
    assert window_seconds_left("23:30-01:00", dt.time(12, 0)) is None
    assert window_text("01:00-03:00") == "1:00 to 3:00 AM"
    assert window_text("23:30-01:00") == "11:30 PM to 1:00 AM"


def test_bad_knob_values_are_refused(summit: PortalAccount) -> None:
    for knobs in ({"maintenance_window": "1-3"}, {"clock_time": "25:00"},
                  {"throttle_rate": 2}, {"security_prompts": "three"}):
        with pytest.raises(httpx.HTTPStatusError) as caught:
            summit.control.set_knobs(**knobs)
        assert caught.value.response.status_code == 422


def test_throttling_answers_429_with_retry_after(user: SummitUser,
                                                 summit: PortalAccount) -> None:
    summit.control.set_knobs(throttle_rate=1.0, throttle_retry_after=7)
    response = user.get("/logon.asp")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert text_of(response.text, "lblThrottled") == (
        "You have exceeded the number of requests allowed. Please wait 7 seconds and try again.")


def test_throttling_is_a_deterministic_fraction(summit: PortalAccount) -> None:
    def statuses() -> list[int]:
        summit.control.reset()
        summit.control.set_knobs(throttle_rate=0.3, seed=11)
        with httpx.Client(base_url=summit.url) as client:
            return [client.get(f"{ROOT}/banner.asp").status_code for _ in range(60)]

    first = statuses()
    assert first == statuses()
    assert set(first) == {200, 429} and 8 <= first.count(429) <= 30


def test_core_error_rate_answers_503(user: SummitUser, summit: PortalAccount) -> None:
    summit.control.set_knobs(error_rate=1.0)
    response = user.get("/logon.asp")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "lblUnavailable" in response.text


def test_benefit_lists_are_paginated_five_rows_a_page(user: SummitUser) -> None:
    data = carrier_data("summit")
    member = next(m for m in data.members if len(m.benefits.copays) > 2 * PAGE_SIZE)
    user.sign_in()
    detail = user.member_page(member.member_id)
    ref = re.search(r"ref=([0-9A-F]{16})", detail.text)
    assert ref is not None
    pages = page_count(len(section_rows(member, "CP")))
    assert pages == 3
    seen: list[str] = []
    for number in range(1, pages + 1):
        page = user.get(f"/benefits.asp?ref={ref[1]}&sec=CP&pg={number}").text
        assert f"Page {number} of {pages}" in page
        assert ("Next &gt;&gt;" in page) == (number < pages)
        rows = re.findall(r"<tr[^>]*><td>([A-Z][A-Z -]+)</td>", page)
        assert len(rows) == (PAGE_SIZE if number < pages else len(member.benefits.copays) - 10)
        seen += rows
    assert len(seen) == len(member.benefits.copays)
    assert user.get(f"/benefits.asp?ref={ref[1]}&sec=CP&pg={pages + 1}").status_code == 404


def test_search_formats_and_no_records(user: SummitUser) -> None:
    member = carrier_data("summit").members[0]
    user.sign_in()
    bad = user.search(member.member_id, member.date_of_birth.isoformat(), member.last_name)
    assert text_of(bad.text, "lblError") == "DATE OF BIRTH MUST BE ENTERED AS MMDDYYYY."
    none = user.search(member.member_id, member.date_of_birth.strftime("%m%d%Y"), "Nobody")
    assert text_of(none.text, "lblError") == "NO MEMBER FOUND FOR THE INFORMATION ENTERED."
    found = user.member_page(member.member_id)
    assert f"{member.first_name} {member.last_name}".upper() in found.text
    assert member.date_of_birth.isoformat() in found.text


def test_v2_has_no_main_frame_and_renamed_labels(user: SummitUser,
                                                 summit: PortalAccount) -> None:
    summit.control.set_knobs(layout="v2")
    shell = user.get("/default.asp?main=eligsearch.asp").text
    assert "<frameset" not in shell and 'name="main"' not in shell
    assert '<iframe class="workspace" name="workspace"' in shell
    logon = user.get("/logon.asp").text
    assert 'name="frmLogon"' not in logon and 'id="sign-in"' in logon
