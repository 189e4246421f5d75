"""The Summit prior-authorization parser and form filler, without a browser or a server:
pages rendered by the sandbox portal in-process. Every status word the portal uses maps to
its 278 action; the v2 redesign, an unknown word or a forged marker is LayoutChanged; the
list, its pager and the matching rule; what the bot types is what the portal reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bots.carriers.summit import prior_auth_selectors as PS
from bots.carriers.summit.prior_auth import form_values, matching
from bots.carriers.summit.prior_auth_parse import (
    parse_detail,
    parse_list,
    parse_request_form,
    received,
)
from bots.errors import InconsistentResult, LayoutChanged
from fixtures.sandbox.core.prior_auth import ACTIONS, PaForm, Submission, file_of
from fixtures.sandbox.core.state import PortalState
from fixtures.sandbox.summit.portal import SummitPortal
from fixtures.sandbox.summit.prior_auth import Attachment, read_form
from fixtures.sandbox.summit.prior_auth_view import (
    WORDING,
    attachments_view,
    case_view,
    list_view,
)
from portals.prior_auth import PortalFile, PriorAuthRequest
from tests.carriers.summit.pa_helpers import pa_request, pdf_bytes, tiff_bytes


@pytest.fixture(scope="module")
def portal() -> SummitPortal:
    return SummitPortal()


def _form(request: PriorAuthRequest | None = None) -> PaForm:
    """The portal's reading of what the bot types for a request (a sample one)."""
    request = request or pa_request([])
    radio = PS.URGENCY_VALUES[request.urgency.value]  # the radio is clicked, not typed
    error, form = read_form(form_values(request) | {"rdoUrgency": radio})
    assert error is None and form is not None
    return form


def _submission(portal: SummitPortal, form: PaForm | None = None) -> Submission:
    state: PortalState = portal.state
    files = [file_of("notes.pdf", pdf_bytes()), file_of("scan.tif", tiff_bytes())]
    return state.prior_auths.receive("someone", form or _form(), files)


def _detail(portal: SummitPortal, submission: Submission, layout: str = "v1") -> str:
    decision = portal.state.prior_auths.decision(submission)
    return portal.render("padetail.html", view=case_view(submission, decision, layout))


def test_what_the_bot_types_is_what_the_portal_reads() -> None:
    request = pa_request([], urgency="expedited")
    form = _form(request)
    assert form.urgency == request.urgency.value == "expedited"
    assert form.note == request.portal_note()
    assert [(s.code, list(s.modifiers), s.units) for s in form.services] == \
        [(s.procedure_code, s.modifiers, s.units) for s in request.services]
    assert (form.service_from, form.service_to) == (request.service_from, request.service_to)
    assert list(form.diagnoses) == request.diagnosis_codes


@pytest.mark.parametrize("status", sorted(WORDING))
def test_every_status_word_maps_to_its_action(portal: SummitPortal, status: str) -> None:
    submission = _submission(portal)
    desk = portal.state.prior_auths
    desk.set_decision(submission.reference, status)  # type: ignore[arg-type]
    want = desk.decision(submission).public()
    case = parse_detail(_detail(portal, submission)).case
    assert case.decision.action.value == ACTIONS[status] == want["action"]
    assert case.decision.portal_status == WORDING[status]
    assert case.decision.authorization_number == want["authorization_number"]
    assert [s.model_dump() for s in case.decision.approved_services] == \
        want["approved_services"]
    assert case.decision.reason == want["reason"]
    assert (case.decision.decided_on and case.decision.decided_on.isoformat()) == \
        want["decided_on"]
    assert case.files == [PortalFile(name=f.name, size=f.size) for f in submission.files]
    assert case.tracking_ref is not None and case.tracking_ref in submission.form.note
    assert case.submitted_at == submission.received_at


def test_letter_link_only_with_a_letter(portal: SummitPortal) -> None:
    submission = _submission(portal)
    assert parse_detail(_detail(portal, submission)).pdf_href is None  # pended
    portal.state.prior_auths.set_decision(submission.reference, "denied")
    assert parse_detail(_detail(portal, submission)).pdf_href == \
        f"/SBAOnline/authletter.asp?no={submission.reference}"


@pytest.mark.parametrize(("old", "new"), [
    (">APPROVED<", ">APPROVED - PENDING<"),  # a status word the bot does not know
    ("Auth No:", "Authorization No:"),  # a renamed label
    ("<b>Units Appr</b>", "<b>Approved</b>"),  # a renamed column
])
def test_an_unknown_word_or_label_is_layout_changed(portal: SummitPortal, old: str,
                                                    new: str) -> None:
    submission = _submission(portal)
    portal.state.prior_auths.set_decision(submission.reference, "approved")
    html = _detail(portal, submission)
    assert old in html
    with pytest.raises(LayoutChanged):
        parse_detail(html.replace(old, new))


def test_v2_pages_are_refused_even_with_a_forged_marker(portal: SummitPortal) -> None:
    submission = _submission(portal)
    html = _detail(portal, submission, layout="v2")
    for page in (html, html.replace('content="v2"', 'content="v1"')):
        with pytest.raises(LayoutChanged):
            parse_detail(page)


def test_received_times_are_the_portals_eastern_clock() -> None:
    summer = received("2026-07-03 14:05:22 ET")
    winter = received("2026-12-03 14:05:22 ET")
    assert summer.astimezone(dt.UTC) == dt.datetime(2026, 7, 3, 18, 5, 22, tzinfo=dt.UTC)
    assert winter.astimezone(dt.UTC) == dt.datetime(2026, 12, 3, 19, 5, 22, tzinfo=dt.UTC)
    with pytest.raises(LayoutChanged):
        received("07/03/2026 2:05 PM")


def test_the_list_pages_and_the_matching_rule(portal: SummitPortal) -> None:
    desk = portal.state.prior_auths
    mine = pa_request([])
    ours = _submission(portal, _form())
    others = [_submission(portal, replace(_form(), note=f"Ref PA-OTHER0000{n} - other"))
              for n in range(5)]
    rows = [(s, desk.decision(s)) for s in [*others[::-1], ours]]
    first = list_view(rows, "MEMBER ID X", 1, "v1")
    second = list_view(rows, "MEMBER ID X", 2, "v1")
    assert first is not None and second is not None
    page_one = parse_list(portal.render("palist.html", ref="R", view=first))
    page_two = parse_list(portal.render("palist.html", ref="R", view=second))
    assert (len(page_one.rows), page_one.next_href) == (5, "/SBAOnline/authlist.asp?ref=R&pg=2")
    assert (len(page_two.rows), page_two.next_href) == (1, "")
    listed = page_one.rows + page_two.rows
    assert matching(listed, mine) is None  # our tracking reference is not in any note
    hit = matching(listed, mine.model_copy(update={"tracking_ref": ours.tracking_ref}))
    assert hit is not None and hit.reference == ours.reference
    untracked = [replace(r, note="phoned in") if r.reference == ours.reference else r
                 for r in listed]
    by_codes = matching(untracked, mine)  # no reference anywhere: codes and dates match
    assert by_codes is not None and by_codes.reference == ours.reference
    with pytest.raises(InconsistentResult):
        matching(untracked + [replace(untracked[-1], reference="SUPA1")], mine)


def test_the_request_form_lists_files_and_acknowledgements(portal: SummitPortal) -> None:
    files = [Attachment("a.pdf", pdf_bytes(), "application/pdf"),
             Attachment("b.tif", tiff_bytes(), "image/tiff")]
    values = form_values(pa_request([])) | {"rdoUrgency": "S"}
    html = portal.render("pareq.html", form_id="F", values=values, lines=range(1, 11),
                         error=None, notice="FILE ATTACHED: b.tif (9 BYTES).",
                         files=attachments_view(files), token="T")
    form = parse_request_form(html)
    assert form.files == [PortalFile(name=f.name, size=f.size) for f in files]
    assert (form.error, form.notice) == (None, "FILE ATTACHED: b.tif (9 BYTES).")
