"""The Northwind bot in real Chromium against the sandbox SPA: each quirk of the portal,
and the bot's correct answer to it."""

from __future__ import annotations

import inspect
import time

import pytest

import bots.carriers.northwind.bot as northwind_bot
from portals.model import EligibilityResult, diff_results
from tests.carriers.northwind.conftest import Runner, expected_for

pytestmark = pytest.mark.browser


def _exact(outcome: object, index: int = 0) -> None:
    assert isinstance(outcome, EligibilityResult), outcome
    assert diff_results(expected_for(index), outcome) == []


def test_first_lookup_logs_in_with_the_sms_code_and_reads_the_member(runner: Runner) -> None:
    # given a fresh account with nothing saved: password, then the code texted to its phone
    outcome = runner.lookup(0)
    _exact(outcome)
    assert runner.events[:4] == ["open_portal", "login", "mfa_sms_sent", "mfa"]
    assert runner.counters() == {"login_attempts": 1, "successful_logins": 1,
                                 "mfa_attempts": 1, "searches": 1}
    (text,) = runner.portal.control.outbox()
    assert text["channel"] == "sms" and text["recipient"] == runner.portal.account["phone"]
    assert text["used"] is True
    # the bot ticked "Remember this device"
    assert runner.northwind_counters()["devices_remembered"] == 1


def test_a_saved_session_skips_the_login(runner: Runner) -> None:
    _exact(runner.lookup(0))
    # when a second lookup starts from the saved storage_state (cookies and localStorage)
    _exact(runner.lookup(1), 1)
    # then no password and no code were sent again
    assert runner.counters()["login_attempts"] == 1
    assert runner.counters()["searches"] == 2
    assert runner.texts() == 1
    assert "login" not in runner.events


def test_the_saved_session_needs_its_local_storage_too(runner: Runner) -> None:
    """The SPA keeps its request token in localStorage: cookies alone are not a session."""
    _exact(runner.lookup(0))
    state = runner.sessions.load("test:northwind")
    assert state is not None and state["origins"], "storage_state keeps the SPA's storage"
    runner.sessions.save("test:northwind", {**state, "origins": []})
    _exact(runner.lookup(1), 1)
    # the search was refused without the token, the SPA went to sign-in, the bot logged in
    assert runner.counters()["login_attempts"] == 2
    assert runner.texts() == 1  # the remembered device still skipped the code


def test_a_remembered_device_skips_the_sms_after_the_session_expired(runner: Runner) -> None:
    _exact(runner.lookup(0))
    texts = runner.texts()
    # when the portal's sessions expire, the next lookup must log in with the password
    runner.portal.control.expire_sessions()
    _exact(runner.lookup(2), 2)
    assert runner.counters()["login_attempts"] == 2
    assert "login" in runner.events and "mfa_sms_sent" not in runner.events
    # and the device cookie skipped the SMS step: no new text
    assert runner.texts() == texts == 1
    assert runner.northwind_counters()["device_logins"] == 1


def test_a_session_lapsing_mid_lookup_is_signed_in_again_once(runner: Runner) -> None:
    _exact(runner.lookup(0))
    expired: list[int] = []

    def expire_on_first_search(event: str) -> None:
        if event == "search" and not expired:
            expired.append(runner.portal.control.expire_sessions()["expired"])

    # the saved session boots into the search screen, then the search call answers 401
    _exact(runner.lookup(3, on_event=expire_on_first_search), 3)
    assert expired == [1]
    assert runner.events.count("login") == 1 and runner.events.count("search") == 2
    assert runner.counters()["login_attempts"] == 2


def test_a_session_lapsing_twice_is_session_expired(runner: Runner) -> None:
    from bots.errors import SessionExpired

    _exact(runner.lookup(0))

    def expire_on_every_search(event: str) -> None:
        if event == "search":
            runner.portal.control.expire_sessions()

    with pytest.raises(SessionExpired):
        runner.lookup(1, on_event=expire_on_every_search)
    assert runner.counters()["login_attempts"] == 2  # one login again, never a loop


def test_late_results_behind_a_spinner_are_waited_for(runner: Runner) -> None:
    # given search and benefits answers that take 1.2 s each (the SPA shows a spinner)
    runner.portal.control.set_knobs(api_delay_ms=1200)
    started = time.monotonic()
    _exact(runner.lookup(4), 4)
    assert time.monotonic() - started >= 2.4
    # the bot waits on what the screen shows, never on the clock
    source = inspect.getsource(northwind_bot)
    assert "sleep" not in source and "wait_for_timeout" not in source


def test_the_idle_warning_is_dismissed_and_keeps_the_session_alive(runner: Runner) -> None:
    # given an SPA that warns after 0.3 s without input, and answers that take 0.8 s
    runner.portal.control.set_knobs(idle_warning_seconds=0.3, api_delay_ms=800)
    _exact(runner.lookup(5), 5)
    # "Stay signed in" was clicked: the SPA told the server, which kept the session
    assert runner.northwind_counters()["keepalives"] >= 1
    assert runner.portal.control.state()["live_sessions"] == 1


def test_the_survey_popup_is_declined(runner: Runner) -> None:
    runner.portal.control.set_knobs(survey_rate=1.0)
    _exact(runner.lookup(6), 6)
    counters = runner.northwind_counters()
    assert counters["surveys_offered"] >= 1
    assert counters["surveys_declined"] >= 1
