"""Cascade's claims over plain HTTP and in the dataset, no browser: every status is worded,
expected results balance and name an EOB per paid claim, and the portal's claim search
refuses what it should (too long a range, both ways at once) and serves the EOB PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest

from fixtures.sandbox.cascade import expected_claims
from fixtures.sandbox.cascade.claims import (
    CLAIMS_AS_OF,
    MAX_RANGE_DAYS,
    WORDING,
    WORDING_V2,
    as_shown,
    member_claims,
    shown_claims,
)
from fixtures.sandbox.cascade.data import load
from fixtures.sandbox.expected import UnknownMemberError
from fixtures.sandbox.server import PortalAccount
from portals.claims import balance_problems
from tests.carriers.cascade.helpers import CascadeUser
from tests.carriers.cascade.pages import CLAIMS_MEMBER, NO_CLAIMS_MEMBER

HISTORY = (CLAIMS_AS_OF - dt.timedelta(days=730), CLAIMS_AS_OF)


def test_every_members_claims_are_worded_and_balance_as_shown() -> None:
    data, categories = load(), set()
    for member in data.members:
        shown = [as_shown(c) for c in shown_claims(data, member, service_from=HISTORY[0],
                                                      service_to=HISTORY[1])]
        assert len(shown) == len(member_claims(data, member.member_id))
        for claim in shown:
            categories.add(claim.status.category)
            assert claim.status.portal_text == WORDING[claim.status.category]
            assert claim.status.code is None  # Cascade shows no 277 status code
            assert balance_problems(claim) == []
            assert all(line.tooth or not line.surfaces for line in claim.lines)
    assert categories == set(WORDING) == set(WORDING_V2)


def test_expected_result_names_an_eob_per_paid_claim() -> None:
    result = expected_claims(CLAIMS_MEMBER, service_from=HISTORY[0], service_to=HISTORY[1])
    assert len(result.claims) == 5
    assert sorted(d.filename for d in result.documents) == sorted(
        f"CascadeDental-EOB-{c.claim_number}.pdf" for c in result.claims if c.payments)
    assert {d.kind for d in result.documents} == {"remittance"}


def test_unknown_member_has_no_expected_claims() -> None:
    with pytest.raises(UnknownMemberError):
        expected_claims("CDN000000000", claim_number="CD0000")


@pytest.fixture
def user(sandbox_portal: object) -> CascadeUser:
    portal: PortalAccount = sandbox_portal("cascade")  # type: ignore[operator]
    signed_in = CascadeUser(portal)
    signed_in.sign_in()
    return signed_in


def test_search_refuses_a_range_over_the_cap_and_both_ways(user: CascadeUser) -> None:
    start = CLAIMS_AS_OF - dt.timedelta(days=MAX_RANGE_DAYS)
    too_long = user.claim_search(CLAIMS_MEMBER, service_from=start, service_to=CLAIMS_AS_OF)
    assert f"at most {MAX_RANGE_DAYS} days" in too_long.text
    both = user.claim_search(CLAIMS_MEMBER, claim_number="CD2515700042",
                             service_from=CLAIMS_AS_OF, service_to=CLAIMS_AS_OF)
    assert "not both" in both.text
    ok = user.claim_search(CLAIMS_MEMBER, service_from=start + dt.timedelta(days=1),
                           service_to=CLAIMS_AS_OF)
    assert 'id="claim-list"' in ok.text
    none = user.claim_search(NO_CLAIMS_MEMBER, service_from=start + dt.timedelta(days=1),
                             service_to=CLAIMS_AS_OF)
    assert 'id="no-claims"' in none.text
    user.close()


def test_eob_is_the_expected_pdf(user: CascadeUser) -> None:
    listed = user.claim_search(CLAIMS_MEMBER, claim_number="CD2515700042")
    link = re.search(r"/claims/detail/[A-Za-z0-9_-]+", listed.text)
    assert link is not None
    detail = user.http.get(link[0])
    href = re.search(r"/claims/eob/[A-Za-z0-9_-]+\.pdf", detail.text)
    assert href is not None
    pdf = user.http.get(href[0])
    (document,) = expected_claims(CLAIMS_MEMBER, claim_number="CD2515700042").documents
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="{document.filename}"'
    assert (hashlib.sha256(pdf.content).hexdigest(), len(pdf.content)) == \
        (document.sha256, document.size)
    user.close()
