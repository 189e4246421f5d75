"""The Meridian prior-authorization parsers on pages the sandbox serves (fetched once over
plain HTTP), and on the same pages edited the way a portal change or bug would: status
words from the known table only, decisions that add up, the review compared with the
request field by field, received times in EST and EDT."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest

from bots.carriers.meridian.prior_auth import review_problems
from bots.carriers.meridian.prior_auth_parse import (
    parse_detail,
    parse_pa_list,
    parse_review,
    received_at,
)
from bots.errors import InconsistentResult, LayoutChanged
from bots.memory import MemoryDocumentSource
from fixtures.sandbox.server import PortalAccount, SandboxControl, SandboxServer
from portals.prior_auth import PriorAuthRequest
from tests.carriers.meridian.prior_auth_support import (
    Wizard,
    pa_request,
    pdf_file,
    services_values,
)
from tests.fixtures.helpers import PortalUser


@dataclass(frozen=True)
class Pages:
    review: str
    detail: str
    listing: str
    notes: bytes


@pytest.fixture(scope="module")
def pages(meridian_server: SandboxServer) -> Iterator[Pages]:
    """One request typed like the bot's sample request, its review page before submit,
    then its list and detail pages once approved."""
    control = SandboxControl(meridian_server.url)
    control.reset()
    control.set_knobs(announcement="none")
    account = PortalAccount(url=meridian_server.url, username="parse.pages",
                            password="parse-pages-" + "x" * 10,
                            totp_secret=pyotp.random_base32(), control=control)
    control.add_account(username=account.username, password=account.password,
                        totp_secret=account.totp_secret)
    notes = pdf_file("notes")
    with PortalUser(account) as user:
        user.sign_in()
        request = _request(notes)
        wizard = Wizard(user)
        values = services_values(note=request.portal_note())
        values.update({"diagnosis_2": "M51.16", "service_2_modifier_1": "GP",
                       "service_1_units": "1", "service_2_units": "12"})
        wizard.steps_1_to_3(values)
        wizard.upload("notes.pdf", notes)
        review = wizard.page("review").text
        reference = wizard.submit().headers["location"].split("/")[2]
        control.set_prior_auth_decision(reference, "approved")
        detail = user.http.get(f"/authorizations/{reference}").text
        listing = user.http.get("/authorizations").text
    yield Pages(review=review, detail=detail, listing=listing, notes=notes)
    control.close()


def _request(notes: bytes, **changes: Any) -> PriorAuthRequest:
    document = MemoryDocumentSource().attach("notes.pdf", notes)
    return pa_request([document], tracking_ref="PA-PARSE00001", **changes)


def test_the_review_shows_the_request_and_any_difference_is_named(pages: Pages) -> None:
    review = parse_review(pages.review)
    request = _request(pages.notes)
    assert review_problems(request, review) == []
    assert [(f.name, f.size) for f in review.files] == [("notes.pdf", len(pages.notes))]
    other = _request(pages.notes, place_of_service="22", urgency="expedited",
                     note="another note",
                     services=[{"procedure_code": "72148", "units": 2},
                               {"procedure_code": "97110", "modifiers": ["GP"], "units": 12}])
    assert review_problems(other, review) == [
        "other services, modifiers or units", "place of service 11", "standard review",
        "another note"]


def test_the_detail_page_reads_and_its_words_are_checked(pages: Pages) -> None:
    case = parse_detail(pages.detail, "meridian").case
    assert case.decision.portal_status == "Approved" and case.tracking_ref == "PA-PARSE00001"
    unknown = pages.detail.replace(">Approved<", ">Approved (conditional)<")
    with pytest.raises(LayoutChanged, match="unknown label"):
        parse_detail(unknown, "meridian")
    one_changed = pages.detail.replace('id="pa-decision-status">Approved<',
                                       'id="pa-decision-status">Denied<')
    with pytest.raises(InconsistentResult, match="differ"):
        parse_detail(one_changed, "meridian")
    number = case.decision.authorization_number
    assert number is not None
    no_number = pages.detail.replace(f">{number}<", ">\u2014<")
    with pytest.raises(InconsistentResult, match="authorization number"):
        parse_detail(no_number, "meridian")
    no_letter = pages.detail.replace('id="pa-letter-link"', 'id="pa-letter"')
    with pytest.raises(LayoutChanged):
        parse_detail(no_letter, "meridian")


def test_the_list_row_reads_and_a_size_in_kb_is_refused(pages: Pages) -> None:
    (row,) = parse_pa_list(pages.listing).rows
    assert (row.tracking_ref, row.status, row.procedure_codes) == \
        ("PA-PARSE00001", "Approved", ["72148", "97110"])
    size = f"{len(pages.notes):,} bytes"
    with pytest.raises(LayoutChanged, match="not like 'name"):
        parse_pa_list(pages.listing.replace(size, "1.1 KB"))


def test_received_times_are_eastern_with_their_offset() -> None:
    winter = received_at("01/15/2027 09:05:01 AM EST")
    summer = received_at("07/04/2026 11:59:59 PM EDT")
    assert winter == dt.datetime(2027, 1, 15, 14, 5, 1, tzinfo=dt.UTC)
    assert summer == dt.datetime(2026, 7, 5, 3, 59, 59, tzinfo=dt.UTC)
    for shown in ("01/15/2027 09:05 AM EST", "01/15/2027 09:05:01 AM ET",
                  "2027-01-15T09:05:01-05:00"):
        with pytest.raises(LayoutChanged):
            received_at(shown)
