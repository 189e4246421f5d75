"""Northwind's prior-authorization screens read without a browser: the explicit table of
status words (every word the sandbox shows, an unknown word is LayoutChanged), the
received time in US Eastern time, the requests list and the form's attached files."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.carriers.northwind import selectors as S
from bots.carriers.northwind.prior_auth_parse import (
    PaService,
    action,
    letter_filename,
    parse_attached,
    parse_request_list,
    received_at,
)
from bots.errors import LayoutChanged
from fixtures.sandbox.core.prior_auth import ACTIONS
from fixtures.sandbox.northwind.prior_auth import STATUS_WORDS
from portals.prior_auth import CertificationAction, PortalFile, Urgency


def test_every_status_word_the_portal_shows_maps_to_its_278_action() -> None:
    for key, word in STATUS_WORDS.items():
        assert action(word.words, "status", word.badge).value == ACTIONS[key]
        assert S.API_PA_STATUSES[key] == word.words
    assert action("Partially approved", "status") is CertificationAction.PARTIAL
    assert action("More information needed", "status") is CertificationAction.CONTACT_PAYER


@pytest.mark.parametrize(("words", "badge"), [("Pending review", None), ("approved", None),
                                              ("Approved", "red")])
def test_an_unknown_status_word_or_badge_is_layout_changed(words: str, badge: str | None
                                                           ) -> None:
    with pytest.raises(LayoutChanged):
        action(words, "status", badge)


@pytest.mark.parametrize(("shown", "utc"), [
    ("Mar 4, 2026 9:05:07 AM EST", dt.datetime(2026, 3, 4, 14, 5, 7, tzinfo=dt.UTC)),
    ("Jul 4, 2026 12:00:00 PM EDT", dt.datetime(2026, 7, 4, 16, 0, 0, tzinfo=dt.UTC)),
    ("Nov 1, 2026 12:30:00 AM EDT", dt.datetime(2026, 11, 1, 4, 30, 0, tzinfo=dt.UTC)),
])
def test_the_received_time_is_read_in_eastern_time(shown: str, utc: dt.datetime) -> None:
    assert received_at(shown, "received") == utc
    assert received_at(shown, "received").tzinfo is not None


@pytest.mark.parametrize("shown", ["Mar 4, 2026 9:05 AM EST", "Mar 4, 2026 9:05:07 AM PST",
                                   "2026-03-04T14:05:07+00:00", "Feb 30, 2026 9:05:07 AM EST",
                                   "Mar 4, 2026 13:05:07 PM EST"])
def test_any_other_time_is_layout_changed(shown: str) -> None:
    with pytest.raises(LayoutChanged):
        received_at(shown, "received")


ROW = """
<div id="nw-pa-results" aria-busy="false"><div><p id="nw-pa-count">1 request</p>
<table id="nw-pa-list" class="nw-table"><caption>Requests</caption>
<thead><tr>{headers}</tr></thead><tbody>
<tr data-ref="NOPA00100200"><td>NOPA00100200</td><td>Mar 4, 2026 9:05:07 AM EST</td>
<td><span class="nw-given">Mary Ann</span> <span class="nw-family">Shamberg</span></td>
<td>NWM699314-00</td><td>Jan 12, 1977</td>
<td><ul class="nw-pa-cell-list"><li>72148 × 1</li><li>97110-GP-59 × 8</li></ul></td>
<td>Mar 2, 2026 – Apr 30, 2026</td><td>Urgent (expedited)</td>
<td><span class="nw-badge nw-badge-teal">Approved with changes</span></td>
<td><ul class="nw-pa-cell-list"><li>mri order (1).pdf (12,345 bytes)</li></ul></td>
<td class="nw-pa-note-cell">Ref PA-ABCDEFGHJK - six weeks</td>
<td><button type="button" class="nw-pa-view">View</button></td></tr>
</tbody></table></div></div>
""".replace("{headers}", "".join(f'<th scope="col">{h}</th>' for h in S.PA_LIST_COLUMNS))


def test_a_requests_list_row_is_read_field_by_field() -> None:
    (row,), total = parse_request_list(ROW)
    assert total == 1
    assert row.reference == "NOPA00100200"
    assert row.received_at == dt.datetime(2026, 3, 4, 14, 5, 7, tzinfo=dt.UTC)
    assert (row.patient.first_name, row.patient.last_name) == ("Mary Ann", "Shamberg")
    assert row.services == (PaService("72148", (), 1), PaService("97110", ("GP", "59"), 8))
    assert (row.service_from, row.service_to) == (dt.date(2026, 3, 2), dt.date(2026, 4, 30))
    assert row.urgency is Urgency.EXPEDITED
    assert row.status == "Approved with changes"
    assert row.files == (PortalFile(name="mri order (1).pdf", size=12345),)
    assert row.tracking_ref == "PA-ABCDEFGHJK"


@pytest.mark.parametrize(("old", "new"), [
    ("Approved with changes", "Approved (changed)"),
    ("nw-badge-teal", "nw-badge-green"),
    ("1 request", "2 requests"),
    ("72148 × 1", "72148 x 1"),
    ("12,345 bytes", "12 KB"),
])
def test_a_changed_requests_list_is_layout_changed(old: str, new: str) -> None:
    with pytest.raises(LayoutChanged):
        parse_request_list(ROW.replace(old, new))


def test_the_attached_files_are_read_with_their_sizes() -> None:
    listed = """<div id="nw-pa-attached" data-state="ready"><table id="nw-pa-attached-files">
    <thead><tr><th>File</th><th>Size</th><th>Remove</th></tr></thead><tbody>
    <tr><td>notes.pdf</td><td>1,393 bytes</td><td><button>Remove</button></td></tr>
    <tr><td>wound.png</td><td>103 bytes</td><td><button>Remove</button></td></tr>
    </tbody></table></div>"""
    assert parse_attached(listed) == [PortalFile(name="notes.pdf", size=1393),
                                      PortalFile(name="wound.png", size=103)]
    none = '<div id="nw-pa-attached"><p id="nw-pa-no-files">No files attached yet.</p></div>'
    assert parse_attached(none) == []
    with pytest.raises(LayoutChanged):
        parse_attached('<div id="nw-pa-attached"></div>')


def test_a_letter_named_for_another_request_is_layout_changed() -> None:
    assert letter_filename("NW-Decision-NOPA00100200.pdf", "NOPA00100200", "letter")
    with pytest.raises(LayoutChanged):
        letter_filename("NW-Decision-NOPA00100201.pdf", "NOPA00100200", "letter")
