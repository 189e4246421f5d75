"""The Summit prior-authorization bot in real Chromium against the sandbox: exactly one
submission whatever happens (a repeat is found, a dropped file or a refused commit
submits nothing, a failure after the click is found later, a lapse after the click is
never retried), the authorization pages' short timeout before the commit (one log-on,
the form again), decisions read for a sample of statuses with their letters, and the v2
redesign refused before any submit. The portal's ledger is the judge."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest
from playwright.sync_api import Browser

from bots.base import BotContext, PriorAuthOutcome
from bots.errors import (
    BotError,
    CommitRefused,
    LayoutChanged,
    SessionExpired,
    UploadNotAccepted,
)
from bots.memory import MemoryDocumentSource, MemorySessionStore
from bots.prior_auth_flow import Step
from bots.registry import registry
from bots.runtime import run_bot
from fixtures.sandbox.core.prior_auth import ACTIONS
from fixtures.sandbox.server import PortalAccount
from portals.model import NotFound
from portals.prior_auth import (
    PortalFile,
    PriorAuthCase,
    PriorAuthRequest,
    PriorAuthStatusRequest,
)
from tests.carriers.summit.helpers import SummitUser
from tests.carriers.summit.pa_helpers import (
    kept_documents,
    pa_context,
    pa_request,
    pdf_bytes,
    status_request,
    submit_over_http,
    tiff_bytes,
    two_documents,
)

pytestmark = pytest.mark.browser

def _run(browser: Browser, ctx: BotContext, method: str,
         request: PriorAuthRequest | PriorAuthStatusRequest) -> PriorAuthOutcome:
    bot = registry.get("summit")()
    handler = getattr(bot, method)
    return run_bot(browser, ctx, lambda page: handler(page, ctx, request))  # type: ignore[no-any-return]


def _case(outcome: PriorAuthOutcome) -> PriorAuthCase:
    assert isinstance(outcome, PriorAuthCase), outcome
    return outcome


def _signed_in(browser: Browser, summit: PortalAccount, sessions: MemorySessionStore) -> None:
    """Sign in once so later runs start from a saved session: the status of a request the
    portal never had is NotFound."""
    unknown = status_request(pa_request([], index=1), "SUPA99999999")
    outcome = _run(browser, pa_context(summit, MemoryDocumentSource(), sessions=sessions),
                   "prior_auth_status", unknown)
    assert outcome == NotFound(carrier="summit", message="No authorization request found")


def test_submit_once_a_repeat_is_found_and_a_failure_after_the_click_too(
        browser: Browser, summit: PortalAccount) -> None:
    source = MemoryDocumentSource()
    request = pa_request(two_documents(source))
    sessions = MemorySessionStore()
    events: list[str] = []
    commits: list[str] = []
    ctx = pa_context(summit, source, sessions=sessions, on_event=events.append,
                     commit=lambda: commits.append("commit"))
    case = _case(_run(browser, ctx, "submit_prior_auth", request))

    (entry,) = summit.control.prior_auths()
    assert case.reference_number == entry["reference"] and not case.found_existing
    assert [(f["name"], f["size"], f["sha256"]) for f in entry["files"]] == [
        (d.filename, d.size, d.sha256) for d in request.documents]
    assert entry["tracking_ref"] == case.tracking_ref == request.tracking_ref
    assert case.files == [PortalFile(name=d.filename, size=d.size) for d in request.documents]
    assert case.submitted_at == dt.datetime.fromisoformat(entry["received_at"])
    assert case.submitted_at.utcoffset() is not None
    assert case.decision.action.value == entry["decision"]["action"] == "A4"
    steps = [e for e in events if e in set(Step)]
    assert steps == ["before_upload", "during_upload", "during_upload", "after_upload",
                     "after_submit_click", "after_reference"]
    assert commits == ["commit"]
    ((filename, pdf),) = kept_documents(ctx)
    assert case.documents[0].kind == "confirmation"
    assert case.documents[0].filename == filename == f"SBA_PA_{entry['reference']}_CONF.pdf"
    assert case.documents[0].sha256 == hashlib.sha256(pdf).hexdigest()

    # the same request again: found by its tracking reference, never submitted twice
    again = pa_context(summit, source, sessions=sessions,
                       commit=lambda: commits.append("again"))
    repeat = _case(_run(browser, again, "submit_prior_auth", request))
    assert repeat.found_existing and repeat.reference_number == case.reference_number
    assert len(summit.control.prior_auths()) == 1 and commits == ["commit"]

    # an error page instead of the confirmation: the call fails, the request is found later
    other = pa_request([source.attach("order.pdf", pdf_bytes("order"))], index=1)
    summit.control.set_knobs(pa_fail_after_submit=True)
    with pytest.raises(BotError):
        _run(browser, pa_context(summit, source, sessions=sessions), "submit_prior_auth",
             other)
    summit.control.set_knobs(pa_fail_after_submit=False)
    (recorded,) = [e for e in summit.control.prior_auths()
                   if e["tracking_ref"] == other.tracking_ref]  # exactly one
    found = _case(_run(browser, pa_context(summit, source, sessions=sessions),
                       "find_prior_auth", other))
    assert found.found_existing and found.reference_number == recorded["reference"]
    assert found.files == [PortalFile(name="order.pdf", size=other.documents[0].size)]
    assert len(summit.control.prior_auths()) == 2
    assert summit.control.state()["successful_logins"] == {summit.username: 1}


def test_nothing_is_submitted_without_every_file_or_the_commit(
        browser: Browser, summit: PortalAccount) -> None:
    sessions = MemorySessionStore()
    source = MemoryDocumentSource()
    commits: list[str] = []
    summit.control.set_knobs(pa_drop_file=True)
    ctx = pa_context(summit, source, sessions=sessions, commit=lambda: commits.append("x"))
    with pytest.raises(UploadNotAccepted, match="pt-notes.tif: not listed"):
        _run(browser, ctx, "submit_prior_auth", pa_request(two_documents(source)))
    assert commits == [] and summit.control.prior_auths() == []

    summit.control.set_knobs(pa_drop_file=False)

    def refuse() -> None:
        raise CommitRefused("this run no longer holds its job")

    ctx = pa_context(summit, source, sessions=sessions, commit=refuse)
    with pytest.raises(CommitRefused):
        _run(browser, ctx, "submit_prior_auth", pa_request(two_documents(source)))
    assert summit.control.prior_auths() == []  # submit never clicked


def test_timeouts_before_the_commit_log_on_again_and_after_it_end_the_run(
        browser: Browser, summit: PortalAccount) -> None:
    """A lapse while attaching: one log-on, the form again from the start, one submission
    with both files. A lapse after the commit: SessionExpired, never a second click."""
    sessions = MemorySessionStore()
    _signed_in(browser, summit, sessions)
    source = MemoryDocumentSource()
    request = pa_request(two_documents(source))
    seen: list[str] = []

    def lapse(event: str) -> None:
        seen.append(event)
        if event == Step.DURING_UPLOAD and seen.count(event) == 1:  # one file attached
            summit.control.set_knobs(pa_idle_timeout_seconds=0.2)
            time.sleep(0.3)  # idle past the authorization pages' timeout
        if event == "session_lapsed":
            summit.control.set_knobs(pa_idle_timeout_seconds=120)

    ctx = pa_context(summit, source, sessions=sessions, on_event=lapse)
    case = _case(_run(browser, ctx, "submit_prior_auth", request))
    assert "session_lapsed" in seen and seen.count("pa_fill") == 2
    (entry,) = summit.control.prior_auths()
    assert case.reference_number == entry["reference"]
    assert [f["name"] for f in entry["files"]] == [d.filename for d in request.documents]
    assert summit.control.state()["successful_logins"] == {summit.username: 2}

    commits: list[str] = []

    def lapse_after_upload(event: str) -> None:
        if event == Step.AFTER_UPLOAD:
            summit.control.set_knobs(pa_idle_timeout_seconds=0.2)
            time.sleep(0.3)

    ctx = pa_context(summit, source, sessions=sessions, on_event=lapse_after_upload,
                     commit=lambda: commits.append("commit"))
    with pytest.raises(SessionExpired, match="after the submit click"):
        _run(browser, ctx, "submit_prior_auth",
             pa_request([source.attach("scan.tif", tiff_bytes(90))], index=1))
    assert commits == ["commit"]
    assert len(summit.control.prior_auths()) == 1  # the portal refused the stale post
    assert summit.control.state()["successful_logins"] == {summit.username: 2}  # no log-on


STATUSES = ("approved", "approved_with_changes", "denied", "more_info", "cancelled")
"""A sample; every status word is read by the parser tests (no browser)."""


def test_status_of_a_sample_of_decisions(browser: Browser, summit: PortalAccount,
                                         user: SummitUser) -> None:
    user.sign_in()
    request = pa_request([])
    reference = submit_over_http(user, request, [("notes.pdf", pdf_bytes())])
    asked = status_request(request, reference)
    sessions = MemorySessionStore()
    for status in STATUSES:
        summit.control.set_prior_auth_decision(reference, status)
        want = summit.control.prior_auths()[0]["decision"]
        ctx = pa_context(summit, MemoryDocumentSource(), sessions=sessions)
        case = _case(_run(browser, ctx, "prior_auth_status", asked))
        got = case.decision
        assert got.action.value == ACTIONS[status] == want["action"], status
        assert got.authorization_number == want["authorization_number"], status
        assert [s.model_dump() for s in got.approved_services] == \
            want["approved_services"], status
        assert (got.approved_from, got.approved_to) == tuple(
            None if d is None else dt.date.fromisoformat(d)
            for d in (want["approved_from"], want["approved_to"])), status
        assert got.reason == want["reason"], status
        assert got.decided_on == (want["decided_on"] and
                                  dt.date.fromisoformat(want["decided_on"])), status
        letters = [d for d in case.documents if d.kind == "decision_letter"]
        assert len(letters) == (1 if want["letter"] else 0), status
        assert [f for f, _ in kept_documents(ctx)] == [d.filename for d in letters]
        assert case.reference_number == reference and case.files[0].name == "notes.pdf"
    assert summit.control.state()["successful_logins"] == {summit.username: 2}  # bot + user


def test_v2_is_layout_changed_before_any_submit(browser: Browser,
                                                summit: PortalAccount) -> None:
    source = MemoryDocumentSource()
    summit.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged):
        _run(browser, pa_context(summit, source), "submit_prior_auth",
             pa_request(two_documents(source)))
    summit.control.set_knobs(layout="v1")

    def redesign(event: str) -> None:  # the portal moves to v2 while the form is filled
        if event == Step.BEFORE_UPLOAD:
            summit.control.set_knobs(layout="v2")

    commits: list[str] = []
    ctx = pa_context(summit, source, on_event=redesign, commit=lambda: commits.append("x"))
    with pytest.raises(LayoutChanged):
        _run(browser, ctx, "submit_prior_auth", pa_request(two_documents(source)))
    assert commits == [] and summit.control.prior_auths() == []
