"""The Cascade Dental bot in real Chromium against its sandbox portal: one test per quirk
(e-mailed code, iframe, PDF, saved sessions, faults, portal bugs, the v2 redesign)."""

from __future__ import annotations

import hashlib

import pytest

from bots.errors import (
    AccountLocked,
    LayoutChanged,
    LoginRejected,
    MfaCodeTimeout,
    MfaFailed,
    PasswordExpired,
    PatientMismatch,
    PortalUnavailable,
)
from fixtures.sandbox.cascade.expected_results import expected
from fixtures.sandbox.server import SandboxControl
from portals.model import EligibilityResult, NotFound, diff_results
from tests.carriers.cascade.conftest import CascadeRun

pytestmark = pytest.mark.browser
MEMBER = "CDN534568103"  # a child on family coverage, with ortho, waiting periods, FAM rows
OTHER = "CDN381614902"  # DHMO: in-network only


class WrongCode:
    """A code source that answers with a code the portal did not send."""

    def __init__(self, control: SandboxControl) -> None:
        self.control = control

    def wait_for_code(self, channel: str, timeout: float) -> str | None:
        sent = int(self.control.outbox()[-1]["code"])
        return f"{(sent + 1) % 1_000_000:06d}"


def _documents(run: CascadeRun) -> list[bytes]:
    return [a.data for a in run.artifacts.kept if a.kind == "document"]


def test_reads_benefits_from_the_frame_and_keeps_the_summary_pdf(cascade: CascadeRun) -> None:
    result = cascade.lookup(MEMBER)
    assert isinstance(result, EligibilityResult)
    assert diff_results(expected(MEMBER), result) == []
    (kept,) = [a for a in cascade.artifacts.kept if a.kind == "document"]
    (document,) = result.documents
    assert (kept.filename, kept.content_type) == (document.filename, "application/pdf")
    assert (hashlib.sha256(kept.data).hexdigest(), len(kept.data)) == \
        (document.sha256, document.size)
    assert kept.data.startswith(b"%PDF-")
    (message,) = cascade.control.outbox()  # the e-mailed code came through the inbox
    assert (message["channel"], message["delivered"], message["used"]) == ("email", True, True)
    assert {"login", "mfa", "search", "download_document"} <= set(cascade.events)


def test_dhmo_member_without_out_of_network_benefits(cascade: CascadeRun) -> None:
    result = cascade.lookup(OTHER)
    assert isinstance(result, EligibilityResult)
    assert diff_results(expected(OTHER), result) == []


def test_second_lookup_reuses_the_saved_session(cascade: CascadeRun) -> None:
    assert isinstance(cascade.lookup(MEMBER), EligibilityResult)
    before = cascade.control.state()
    assert isinstance(cascade.lookup(OTHER), EligibilityResult)
    after = cascade.control.state()
    assert after["successful_logins"] == before["successful_logins"] == \
        {cascade.portal.username: 1}
    assert after["login_page_views"] == before["login_page_views"]
    assert len(cascade.control.outbox()) == 1


def test_expired_session_signs_in_again_once(cascade: CascadeRun) -> None:
    assert isinstance(cascade.lookup(MEMBER), EligibilityResult)
    cascade.control.expire_sessions()
    assert isinstance(cascade.lookup(OTHER), EligibilityResult)
    assert cascade.control.state()["successful_logins"] == {cascade.portal.username: 2}


def test_no_code_in_time_is_an_mfa_timeout(cascade: CascadeRun) -> None:
    cascade.control.set_knobs(code_delivery="drop")
    with pytest.raises(MfaCodeTimeout):
        cascade.lookup(MEMBER, cascade.context(mfa_wait_seconds=0.5))
    assert cascade.control.state()["mfa_attempts"] == {}
    assert "html" in cascade.artifacts.kinds()


def test_no_code_inbox_is_an_mfa_timeout_without_waiting(cascade: CascadeRun) -> None:
    with pytest.raises(MfaCodeTimeout, match="no code inbox"):
        cascade.lookup(MEMBER, cascade.context(no_inbox=True))
    assert cascade.control.state()["mfa_attempts"] == {}


def test_refused_code_fails_without_a_second_try(cascade: CascadeRun) -> None:
    with pytest.raises(MfaFailed, match="refused the e-mailed code"):
        cascade.lookup(MEMBER, cascade.context(codes=WrongCode(cascade.control)))
    assert cascade.control.state()["mfa_attempts"] == {cascade.portal.username: 1}


def test_code_sent_to_another_address_is_not_waited_for(cascade: CascadeRun) -> None:
    with pytest.raises(MfaFailed, match="another address"):
        cascade.lookup(MEMBER, cascade.context(email="someone.else@elsewhere.test"))
    assert cascade.control.state()["mfa_attempts"] == {}


def test_locked_account(cascade: CascadeRun) -> None:
    cascade.control.lock(cascade.portal.username)
    with pytest.raises(AccountLocked):
        cascade.lookup(MEMBER)
    assert cascade.control.outbox() == []


def test_wrong_password_is_rejected_and_not_retried(cascade: CascadeRun) -> None:
    with pytest.raises(LoginRejected):
        cascade.lookup(MEMBER, cascade.context(password="not-the-passcode"))
    assert cascade.control.state()["login_attempts"] == {cascade.portal.username: 1}


def test_expired_password_stops_for_a_person(cascade: CascadeRun) -> None:
    cascade.control.expire_password(cascade.portal.username)
    with pytest.raises(PasswordExpired):
        cascade.lookup(MEMBER)
    assert cascade.control.outbox() == []
    assert {"screenshot", "html", "trace"} <= set(cascade.artifacts.kinds())


@pytest.mark.parametrize(("knobs", "retry_after"), [({"maintenance": True}, 600.0),
                                                    ({"error_rate": 1.0}, 5.0)],
                         ids=["maintenance", "503"])
def test_portal_down_is_unavailable_and_retryable(cascade: CascadeRun,
                                                  knobs: dict[str, object],
                                                  retry_after: float) -> None:
    cascade.control.set_knobs(**knobs)
    with pytest.raises(PortalUnavailable) as raised:
        cascade.lookup(MEMBER)
    assert raised.value.retryable and raised.value.retry_after == retry_after


def test_record_of_another_patient_is_a_mismatch(cascade: CascadeRun) -> None:
    cascade.control.set_knobs(swap_member=True)
    with pytest.raises(PatientMismatch):
        cascade.lookup(MEMBER)
    assert _documents(cascade) == []


def test_frame_of_another_patient_is_a_mismatch(cascade: CascadeRun) -> None:
    cascade.control.set_knobs(swap_frame_member=True)
    with pytest.raises(PatientMismatch, match="frame"):
        cascade.lookup(MEMBER)
    assert _documents(cascade) == []


@pytest.mark.parametrize("fault", ["not_pdf", "other_member"])
def test_summary_that_is_not_the_patients_pdf_is_a_layout_change(cascade: CascadeRun,
                                                                  fault: str) -> None:
    cascade.control.set_knobs(document_fault=fault)
    with pytest.raises(LayoutChanged):
        cascade.lookup(MEMBER)
    assert _documents(cascade) == []


def test_unknown_patient_is_not_found(cascade: CascadeRun) -> None:
    outcome = cascade.lookup(MEMBER, last_name="Nobody")
    assert isinstance(outcome, NotFound)


def test_v2_sign_in_page_fails_at_once_without_typing_anything(cascade: CascadeRun) -> None:
    cascade.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged, match="does not know"):
        cascade.lookup(MEMBER)
    assert cascade.control.state()["login_attempts"] == {}


def test_v2_record_page_behind_a_saved_session_is_a_layout_change(cascade: CascadeRun) -> None:
    assert isinstance(cascade.lookup(MEMBER), EligibilityResult)
    cascade.control.set_knobs(layout="v2")
    with pytest.raises(LayoutChanged):
        cascade.lookup(OTHER)
    assert {"screenshot", "html", "trace"} <= set(cascade.artifacts.kinds())
    assert _documents(cascade) == []
