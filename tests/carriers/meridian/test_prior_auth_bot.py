"""The Meridian bot's prior authorization in real Chromium against the sandbox: one
submission with two files (and a second call that finds it instead of submitting),
decisions read for a sample of statuses, a request someone typed by hand found by
patient, codes and dates over two result pages, the fault knobs (a dropped file, an
error page after the submit click), a refused commit, an unknown member, and the v2
redesign. The ledger (``GET /_sandbox/prior-auths``) is the judge of "exactly once"."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyotp
import pytest
from playwright.sync_api import Browser

from bots.base import BotContext, PriorAuthOutcome
from bots.errors import BotError, CommitRefused, LayoutChanged, UploadNotAccepted
from bots.memory import MemoryDocumentSource, MemorySessionStore
from bots.mfa import totp_codes
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.core.prior_auth import ACTIONS
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.server import PortalAccount
from portals.model import NotFound
from portals.prior_auth import (
    CertificationAction,
    PriorAuthCase,
    PriorAuthRequest,
    PriorAuthStatusRequest,
)
from tests.carriers.meridian.prior_auth_support import (
    MEMBER,
    bot_context,
    kept_documents,
    pa_request,
    pdf_file,
    png_file,
    services_values,
    submit_by_hand,
)
from tests.fixtures.helpers import PortalUser

pytestmark = pytest.mark.browser


def _submit(browser: Browser, ctx: BotContext, request: PriorAuthRequest) -> PriorAuthOutcome:
    bot = registry.get("meridian")()
    return run_bot(browser, ctx, lambda page: bot.submit_prior_auth(page, ctx, request))


def _find(browser: Browser, ctx: BotContext, request: PriorAuthRequest) -> PriorAuthOutcome:
    bot = registry.get("meridian")()
    return run_bot(browser, ctx, lambda page: bot.find_prior_auth(page, ctx, request))


def _status(browser: Browser, ctx: BotContext, request: PriorAuthStatusRequest
            ) -> PriorAuthOutcome:
    bot = registry.get("meridian")()
    return run_bot(browser, ctx, lambda page: bot.prior_auth_status(page, ctx, request))


def _two_files() -> tuple[MemoryDocumentSource, PriorAuthRequest]:
    documents = MemoryDocumentSource()
    files = [documents.attach("Office notes 2026-11.pdf", pdf_file("Office notes")),
             documents.attach("lumbar-xray.png", png_file())]
    return documents, pa_request(files)


def _status_request(request: PriorAuthRequest, reference: str) -> PriorAuthStatusRequest:
    return PriorAuthStatusRequest(
        carrier="meridian", tracking_ref=request.tracking_ref, reference_number=reference,
        member_id=request.member_id, date_of_birth=request.date_of_birth,
        last_name=request.last_name, first_name=request.first_name)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@pytest.fixture
def fresh_totp(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second login of one account within 30 s: the portal takes the next step's code,
    so don't wait for the step to begin (what TotpCodes would do)."""
    monkeypatch.setattr(totp_codes, "_wait", lambda _seconds: None)


def test_submit_once_then_found_not_resubmitted_and_decisions_read(
    browser: Browser, meridian: PortalAccount
) -> None:
    """One login for all: submit, submit again, then read a sample of decisions."""
    meridian.control.set_knobs(announcement="modal")
    documents, request = _two_files()
    sessions, events = MemorySessionStore(), list[str]()
    ctx = bot_context(meridian, documents, sessions, events)

    case = _submit(browser, ctx, request)

    (entry,) = meridian.control.prior_auths()
    assert isinstance(case, PriorAuthCase) and not case.found_existing
    assert case.reference_number == entry["reference"]
    assert case.tracking_ref == request.tracking_ref == entry["tracking_ref"]
    assert case.submitted_at == dt.datetime.fromisoformat(entry["received_at"])
    assert case.decision.action is CertificationAction.PENDED
    sent = [(d.filename, d.size, d.sha256) for d in request.documents]
    assert [(f["name"], f["size"], f["sha256"]) for f in entry["files"]] == sent
    assert [(f.name, f.size) for f in case.files] == [(n, s) for n, s, _h in sent]
    assert entry["form"]["note"] == request.portal_note()
    assert [s["code"] for s in entry["form"]["services"]] == ["72148", "97110"]
    assert entry["form"]["services"][1]["modifiers"] == ["GP"]
    # the commit came right before the one click, after every file was taken
    assert events.count("commit") == 1 and events.count("pa_submit") == 1
    assert events.index("after_upload") < events.index("commit") < events.index("pa_submit")
    assert events.count("during_upload") == 2
    (confirmation,) = case.documents
    kept = kept_documents(ctx)
    assert confirmation.kind == "confirmation" and kept[confirmation.filename][:5] == b"%PDF-"
    assert hashlib.sha256(kept[confirmation.filename]).hexdigest() == confirmation.sha256

    again_events: list[str] = []
    again = _submit(browser, bot_context(meridian, documents, sessions, again_events),
                    request)

    assert isinstance(again, PriorAuthCase) and again.found_existing
    assert again.reference_number == case.reference_number
    assert len(meridian.control.prior_auths()) == 1
    assert "commit" not in again_events and "login" not in again_events

    status_request = _status_request(request, case.reference_number)
    for status in ("approved", "approved_with_changes", "denied", "more_info", "cancelled"):
        meridian.control.set_prior_auth_decision(case.reference_number, status)
        truth = meridian.control.prior_auths()[0]["decision"]
        ctx = bot_context(meridian, documents, sessions, [])
        read = _status(browser, ctx, status_request)
        assert isinstance(read, PriorAuthCase), status
        decision = read.decision
        assert decision.action == CertificationAction(ACTIONS[status]), status
        assert decision.authorization_number == truth["authorization_number"], status
        assert [s.model_dump() for s in decision.approved_services] == \
            truth["approved_services"], status
        assert (decision.approved_from, decision.approved_to) == \
            (_date(truth["approved_from"]), _date(truth["approved_to"])), status
        assert decision.reason == truth["reason"] and \
            decision.decided_on == _date(truth["decided_on"]), status
        letters = [d for d in read.documents if d.kind == "decision_letter"]
        assert len(letters) == (1 if truth["letter"] else 0), status
        for letter in letters:
            assert kept_documents(ctx)[letter.filename].startswith(b"%PDF-")
    changed = meridian.control.prior_auths()[0]["form"]["services"]
    assert [s["units"] for s in changed] == [1, 12]  # the request itself never changed

    unknown = status_request.model_copy(update={"reference_number": "MEPA99999999"})
    assert isinstance(_status(browser, bot_context(meridian, documents, sessions, []),
                              unknown), NotFound)
    assert meridian.control.state()["successful_logins"][meridian.username] == 1


def test_a_request_typed_by_hand_is_found_by_patient_codes_and_dates(
    browser: Browser, meridian: PortalAccount
) -> None:
    """A colleague submitted it in the portal (no tracking reference in the note) among
    twenty other requests of the patient: found on the second result page, not resent."""
    meridian.control.set_knobs(announcement="none")
    documents = MemoryDocumentSource()
    notes = pdf_file("notes")
    request = pa_request([documents.attach("notes.pdf", notes)])
    colleague = PortalAccount(url=meridian.url, username="colleague.desk",
                              password="colleague-" + "p" * 12,
                              totp_secret=pyotp.random_base32(),
                              control=meridian.control)
    meridian.control.add_account(username=colleague.username, password=colleague.password,
                                 totp_secret=colleague.totp_secret)
    with PortalUser(colleague) as person:
        person.sign_in()
        by_hand = submit_by_hand(person, services_values(
            codes=("97110", "72148"), note="typed at the front desk"),
            (("notes.pdf", notes),))
        for i in range(20):
            submit_by_hand(person, services_values(codes=(f"9716{i % 10}",)))
    events: list[str] = []

    found = _submit(browser, bot_context(meridian, documents, MemorySessionStore(), events),
                    request)

    assert isinstance(found, PriorAuthCase) and found.found_existing
    assert found.reference_number == by_hand and found.tracking_ref is None
    assert len(meridian.control.prior_auths()) == 21 and "commit" not in events


def test_a_dropped_file_stops_before_the_commit(browser: Browser,
                                                meridian: PortalAccount) -> None:
    meridian.control.set_knobs(pa_drop_file=True, announcement="none")
    documents, request = _two_files()
    events: list[str] = []
    with pytest.raises(UploadNotAccepted, match="lumbar-xray.png: not listed"):
        _submit(browser, bot_context(meridian, documents, MemorySessionStore(), events),
                request)
    assert meridian.control.prior_auths() == []
    assert "commit" not in events and "pa_submit" not in events


def test_an_error_page_after_submit_fails_the_call_and_the_request_is_found_later(
    browser: Browser, meridian: PortalAccount, fresh_totp: None
) -> None:
    meridian.control.set_knobs(pa_fail_after_submit=True, announcement="none")
    documents, request = _two_files()
    sessions, events = MemorySessionStore(), list[str]()
    with pytest.raises(BotError, match="may have been received"):
        _submit(browser, bot_context(meridian, documents, sessions, events), request)
    assert events.count("commit") == 1 and events.count("pa_submit") == 1
    (entry,) = meridian.control.prior_auths()

    found = _find(browser, bot_context(meridian, documents, sessions, []), request)

    assert isinstance(found, PriorAuthCase) and found.found_existing
    assert found.reference_number == entry["reference"]
    assert [(f.name, f.size) for f in found.files] == \
        [(d.filename, d.size) for d in request.documents]
    assert len(meridian.control.prior_auths()) == 1


def test_a_refused_commit_never_clicks_submit(browser: Browser,
                                              meridian: PortalAccount) -> None:
    meridian.control.set_knobs(announcement="none")
    documents, request = _two_files()
    events: list[str] = []

    def refuse() -> None:
        raise CommitRefused("this run no longer holds its job")

    with pytest.raises(CommitRefused):
        _submit(browser, bot_context(meridian, documents, MemorySessionStore(), events,
                                     commit=refuse), request)
    assert meridian.control.prior_auths() == []
    assert "commit" in events and "pa_submit" not in events


def test_an_unknown_member_is_not_found_and_v2_stops_before_submit(
    browser: Browser, meridian: PortalAccount
) -> None:
    meridian.control.set_knobs(announcement="none")
    documents, request = _two_files()
    sessions = MemorySessionStore()
    other = carrier_data("meridian").members[4]
    stranger = request.model_copy(update={"member_id": other.member_id})
    outcome = _submit(browser, bot_context(meridian, documents, sessions, []), stranger)
    assert isinstance(outcome, NotFound)

    meridian.control.set_knobs(layout="v2")
    for saved in (sessions, MemorySessionStore()):  # a session from v1, and none
        events: list[str] = []
        with pytest.raises(LayoutChanged):
            _submit(browser, bot_context(meridian, documents, saved, events), request)
        assert "commit" not in events
    assert meridian.control.prior_auths() == []
    assert meridian.control.state()["login_attempts"][meridian.username] == 1
    assert MEMBER.member_id != other.member_id
