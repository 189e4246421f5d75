"""The Northwind bot's prior authorization in real Chromium against the sandbox SPA:
submitted exactly once (two files, byte for byte in the ledger; again -> found, not sent),
files the portal drops or refuses (UploadNotAccepted, nothing sent), a portal error after
the click (a BotError, the ledger holds it, find returns it), a refused commit (submit
never clicked), the v2 redesign (LayoutChanged, nothing sent) and a sample of decisions
read through the status job, with their letters."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from bots.base import BotContext, PriorAuthOutcome
from bots.errors import BotError, CommitRefused, LayoutChanged, UploadNotAccepted
from bots.memory import MemoryArtifactSink, MemoryDocumentSource
from bots.prior_auth_flow import Step
from bots.registry import registry
from bots.runtime import run_bot
from portals.model import NotFound
from portals.prior_auth import (
    CertificationAction,
    PriorAuthCase,
    PriorAuthRequest,
    PriorAuthStatusRequest,
)
from tests.carriers.northwind.conftest import Runner
from tests.carriers.northwind.prior_auth_helpers import (
    MEMBER,
    PaClient,
    image_bytes,
    pa_request,
    pdf_bytes,
    tracking_ref,
)

pytestmark = pytest.mark.browser

SUBMIT_STEPS = [Step.BEFORE_UPLOAD, Step.DURING_UPLOAD, Step.DURING_UPLOAD,
                Step.AFTER_UPLOAD, "commit", Step.AFTER_SUBMIT_CLICK, Step.AFTER_REFERENCE]


class PaRunner:
    """Runs the bot's three prior-authorization methods as the worker does (run_bot), with
    the request's documents and a commit that notes itself in the run's events."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.source = MemoryDocumentSource()
        self.bot = registry.get("northwind")()

    def context(self, commit: Callable[[], None] | None = None) -> BotContext:
        self.runner.events.clear()
        events = self.runner.events
        return dataclasses.replace(self.runner.context(), documents=self.source,
                                   commit=commit or (lambda: events.append("commit")))

    def submit(self, request: PriorAuthRequest, **context: Any) -> PriorAuthOutcome:
        ctx = self.context(**context)
        return run_bot(self.runner.browser, ctx,
                       lambda page: self.bot.submit_prior_auth(page, ctx, request))

    def find(self, request: PriorAuthRequest) -> PriorAuthOutcome:
        ctx = self.context()
        return run_bot(self.runner.browser, ctx,
                       lambda page: self.bot.find_prior_auth(page, ctx, request))

    def status(self, request: PriorAuthStatusRequest) -> PriorAuthOutcome:
        ctx = self.context()
        return run_bot(self.runner.browser, ctx,
                       lambda page: self.bot.prior_auth_status(page, ctx, request))

    def ledger(self) -> list[dict[str, Any]]:
        return self.runner.portal.control.prior_auths()

    def kept(self) -> dict[str, bytes]:
        assert self.runner.last is not None
        sink = self.runner.last.artifacts
        assert isinstance(sink, MemoryArtifactSink)
        return {a.filename: a.data for a in sink.kept if a.kind == "document"}

    def steps(self) -> list[str]:
        wanted = {*SUBMIT_STEPS, "found_existing"}
        return [e for e in self.runner.events if e in wanted]


@pytest.fixture
def pa(runner: Runner) -> PaRunner:
    return PaRunner(runner)


def test_two_files_are_submitted_once_and_a_second_call_finds_them(pa: PaRunner) -> None:
    notes, therapy = pdf_bytes("MRI order"), pdf_bytes("Therapy notes", lines=9)
    request = pa_request(pa.source, {"mri-order.pdf": notes, "therapy-notes.pdf": therapy})
    # given a request the portal does not have: find says so (and sends nothing)
    missing = pa.find(request)
    assert isinstance(missing, NotFound) and pa.ledger() == []
    # when the bot submits the request
    case = pa.submit(request)
    # then the portal has it once, with both files byte for byte
    assert isinstance(case, PriorAuthCase) and not case.found_existing
    assert pa.steps() == SUBMIT_STEPS  # commit after the upload check, before the click
    (entry,) = pa.ledger()
    assert case.reference_number == entry["reference"]
    assert entry["tracking_ref"] == request.tracking_ref == case.tracking_ref
    assert entry["form"]["note"] == request.portal_note()
    assert [(f["name"], f["size"], f["sha256"]) for f in entry["files"]] == [
        ("mri-order.pdf", len(notes), hashlib.sha256(notes).hexdigest()),
        ("therapy-notes.pdf", len(therapy), hashlib.sha256(therapy).hexdigest())]
    assert case.submitted_at.isoformat() == entry["received_at"]
    assert case.decision.action is CertificationAction.PENDED
    assert case.decision.portal_status == "In review"
    assert [(f.name, f.size) for f in case.files] == [("mri-order.pdf", len(notes)),
                                                      ("therapy-notes.pdf", len(therapy))]
    assert case.procedure_codes == ["72148", "97110"]
    assert case.patient.member_id == MEMBER.member_id
    # when the same request is submitted again (a redelivered job)
    again = pa.submit(request)
    # then it is found, not sent: still one request, no upload, no commit, no click
    assert isinstance(again, PriorAuthCase) and again.found_existing
    assert again.reference_number == case.reference_number
    assert pa.steps() == ["found_existing"]
    assert len(pa.ledger()) == 1
    assert pa.runner.counters()["login_attempts"] == 1  # the saved session served it
    found = pa.find(request)
    assert isinstance(found, PriorAuthCase) and found.found_existing
    assert found.model_copy(update={"documents": []}) == again.model_copy(
        update={"documents": []})


def test_a_file_the_portal_drops_is_upload_not_accepted_and_nothing_is_sent(
        pa: PaRunner) -> None:
    pa.runner.portal.control.set_knobs(pa_drop_file=True)
    request = pa_request(pa.source)
    with pytest.raises(UploadNotAccepted) as info:
        pa.submit(request)
    assert "therapy-notes.pdf: not listed by the portal" in info.value.message
    assert "commit" not in pa.runner.events
    assert pa.ledger() == []


def test_a_file_the_portal_refuses_is_upload_not_accepted_in_its_words(pa: PaRunner) -> None:
    request = pa_request(pa.source, {"notes.pdf": pdf_bytes("notes"),
                                     "scan.tif": image_bytes("TIFF")})
    with pytest.raises(UploadNotAccepted) as info:
        pa.submit(request)
    assert info.value.message == (
        "the portal refused scan.tif: \u201cscan.tif\u201d can\u2019t be attached. Attach "
        "PDF, PNG or JPEG files only.; nothing was sent")
    assert pa.ledger() == []


def test_an_error_after_the_click_fails_the_call_and_find_returns_the_request(
        pa: PaRunner) -> None:
    pa.runner.portal.control.set_knobs(pa_fail_after_submit=True)
    request = pa_request(pa.source, {"notes.pdf": pdf_bytes("notes")})
    with pytest.raises(BotError) as info:
        pa.submit(request)
    assert not isinstance(info.value, UploadNotAccepted | LayoutChanged)
    assert "outcome is unknown" in info.value.message
    (entry,) = pa.ledger()
    found = pa.find(request)
    assert isinstance(found, PriorAuthCase) and found.found_existing
    assert found.reference_number == entry["reference"]
    assert len(pa.ledger()) == 1


def test_a_refused_commit_never_clicks_submit(pa: PaRunner) -> None:
    def refuse() -> None:
        raise CommitRefused("this run no longer holds its job")

    with pytest.raises(CommitRefused):
        pa.submit(pa_request(pa.source), commit=refuse)
    assert pa.ledger() == []
    assert Step.AFTER_UPLOAD in pa.runner.events
    assert Step.AFTER_SUBMIT_CLICK not in pa.runner.events


def test_the_v2_redesign_is_layout_changed_before_anything_is_sent(pa: PaRunner) -> None:
    pa.runner.portal.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged):
        pa.submit(pa_request(pa.source))
    assert pa.ledger() == []
    assert "commit" not in pa.runner.events


DECISIONS = ["approved", "approved_with_changes", "denied", "more_info", "cancelled"]
"""A sample: the parse tests map every status word, partly approved (A2) included."""
ACTIONS = {"approved": "A1", "approved_with_changes": "A6", "denied": "A3",
           "more_info": "CT", "cancelled": "C"}


def test_status_reads_a_sample_of_decisions_and_keeps_their_letters(pa: PaRunner) -> None:
    # given a signed-in bot (a reference the portal does not know is NotFound)
    unknown = pa.status(PriorAuthStatusRequest(
        carrier="northwind", tracking_ref=tracking_ref(), reference_number="NOPA99999999",
        member_id=MEMBER.member_id, date_of_birth=MEMBER.date_of_birth,
        last_name=MEMBER.last_name, first_name=MEMBER.first_name))
    assert isinstance(unknown, NotFound)
    assert unknown.message == "No requests match your search."
    # given requests sent through the portal's API, each decided by the payer
    client = PaClient(pa.runner.portal)
    client.sign_in()
    refs: dict[str, tuple[str, str]] = {}
    for status in DECISIONS:
        ours = tracking_ref()
        answer = client.submit(client.draft(), [], note=f"Ref {ours} - {status}")
        reference = answer.json()["reference"]
        pa.runner.portal.control.set_prior_auth_decision(reference, status)
        refs[status] = (reference, ours)
    ledger = {e["reference"]: e for e in pa.ledger()}
    for status in DECISIONS:
        reference, ours = refs[status]
        # when the bot reads the request's status
        case = pa.status(PriorAuthStatusRequest(
            carrier="northwind", tracking_ref=ours, reference_number=reference,
            member_id=MEMBER.member_id, date_of_birth=MEMBER.date_of_birth,
            last_name=MEMBER.last_name, first_name=MEMBER.first_name))
        # then it reads the portal's decision, as the desk made it
        assert isinstance(case, PriorAuthCase), status
        truth = ledger[reference]["decision"]
        got = case.decision
        assert got.action.value == ACTIONS[status] == truth["action"]
        assert got.authorization_number == truth["authorization_number"]
        assert [(s.procedure_code, s.units) for s in got.approved_services] == [
            (s["procedure_code"], s["units"]) for s in truth["approved_services"]]
        assert (_iso(got.approved_from), _iso(got.approved_to)) == (
            truth["approved_from"], truth["approved_to"])
        assert got.reason == truth["reason"]
        assert _iso(got.decided_on) == truth["decided_on"]
        # and keeps the decision letter, when the decision has one, byte for byte
        kept = pa.kept()
        if truth["letter"]:
            (document,) = case.documents
            assert document.kind == "decision_letter"
            assert document.filename == f"NW-Decision-{reference}.pdf"
            served = client.http.get(f"/api/pa/requests/{reference}/letter").content
            assert kept == {document.filename: served}
            assert document.sha256 == hashlib.sha256(served).hexdigest()
        else:
            assert case.documents == [] and kept == {}
        assert "login" not in pa.runner.events  # the saved session served it
    client.close()


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
