"""A varied sample of members' v2 pages, fetched over HTTP, are refused by the v1 parser,
even when the v2 page carried the v1 marker (a redesign that forgot to say so)."""

from __future__ import annotations

import re

import pytest

from bench.sample import sample_members
from bots.carriers.summit.parse import parse_detail, parse_section
from bots.errors import LayoutChanged
from fixtures.sandbox import carriers
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.server import PortalAccount
from tests.carriers.summit.helpers import SummitUser


def test_a_samples_v2_pages_are_refused(user: SummitUser, summit: PortalAccount) -> None:
    # a varied sample (every member, through the bot: make bench)
    user.sign_in()  # on v1; the session carries over to the redesign
    summit.control.set_knobs(layout="v2")
    sample = {m["member_id"] for m in sample_members(carriers.get("summit"), "eligibility")}
    assert len(sample) >= 4
    for member in (m for m in carrier_data("summit").members if m.member_id in sample):
        page = user.member_page(member.member_id)
        assert page.status_code == 200, member.member_id
        forged = page.text.replace('content="v2"', 'content="v1"')
        for html in (page.text, forged):
            with pytest.raises(LayoutChanged):
                parse_detail(html)
        ref = re.search(r"ref=([0-9A-F]{16})", page.text)
        assert ref is not None
        for code in ("CP", "PA"):
            listing = user.get(f"/benefits.asp?ref={ref[1]}&sec={code}&pg=1").text
            with pytest.raises(LayoutChanged):
                parse_section(listing.replace('content="v2"', 'content="v1"'), code)
