"""Cascade's claims parsers on saved pages, no browser: v1 results and claim pages read
exactly as expected; v2 pages and drifted v1 pages (a renamed label, a moved column, a
missing field, unknown words, a misplaced remark) are refused as LayoutChanged."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bots.carriers.cascade.parse_claims import parse_claim_detail, parse_claim_list
from bots.errors import LayoutChanged
from fixtures.sandbox.carriers import get
from fixtures.sandbox.cascade.claims import CLAIMS_AS_OF, member_claims
from fixtures.sandbox.cascade.data import load
from fixtures.sandbox.cascade.expected_results import CARRIER
from portals.claims import ClaimStatusCategory
from tests.carriers.cascade.pages import (
    CLAIMS_BY_NUMBER,
    CLAIMS_MEMBER,
    PAGED_MEMBER,
    saved,
)

SANDBOX = get(CARRIER)
SAVED_CLAIMS = {**{c.claim_number: CLAIMS_MEMBER for c in member_claims(load(), CLAIMS_MEMBER)},
                **CLAIMS_BY_NUMBER}
DENIED = "CD2613400043"  # two lines with remarks (N130, M86)
REVISED = "CD2623900044"  # two payments, PR adjustments, tooth and surfaces


def detail(number: str, layout: str = "v1") -> str:
    return saved(layout, f"claim-{number}")


def test_saved_claims_cover_every_status_cascade_words() -> None:
    shown = {parse_claim_detail(detail(n)).claim.status.category for n in SAVED_CLAIMS}
    assert shown == {ClaimStatusCategory(c) for c in
                     ("A1", "A2", "P1", "P3", "F1", "F2", "F3", "F4")}


@pytest.mark.parametrize("number", sorted(SAVED_CLAIMS))
def test_saved_claim_pages_read_exactly_as_expected(number: str) -> None:
    page = parse_claim_detail(detail(number))
    expected = SANDBOX.expected_claims(SAVED_CLAIMS[number], claim_number=number)
    (claim,) = expected.claims
    assert page.claim == claim
    assert page.claim.model_dump(mode="json") == claim.model_dump(mode="json")
    assert (page.eob_href is not None) == bool(claim.payments)


def test_remarks_are_kept_on_the_lines_one_adjustment() -> None:
    claim = parse_claim_detail(detail(DENIED)).claim
    assert [[(a.group.value, a.reason, a.remark) for a in line.adjustments]
            for line in claim.lines] == [[("CO", "204", "N130")], [("CO", "29", None)],
                                         [("CO", "18", "M86")]]


def test_results_pages_list_every_claim_once_in_order() -> None:
    pages = [parse_claim_list(saved("v1", f"claims-{PAGED_MEMBER}-p{n}")) for n in (1, 2, 3)]
    assert [(p.page, p.pages, p.count) for p in pages] == [(1, 3, 11), (2, 3, 11), (3, 3, 11)]
    assert [p.next_href is not None for p in pages] == [True, True, False]
    numbers = [link.number for p in pages for link in p.links]
    since = CLAIMS_AS_OF - dt.timedelta(days=179)
    assert numbers == [c.claim_number for c in member_claims(load(), PAGED_MEMBER)
                       if c.service_to >= since]


def test_no_claims_page_is_an_empty_list() -> None:
    page = parse_claim_list(saved("v1", "claims-none"))
    assert (page.links, page.count, page.next_href) == ([], 0, None)


# -- v2 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [f"claim-{DENIED}", f"claim-{REVISED}",
                                  f"claims-{PAGED_MEMBER}-p1", "claims-none"])
@pytest.mark.parametrize("marker", ['data-layout="v2"', 'data-layout="v1"'],
                         ids=["v2", "marker-edited-to-v1"])
def test_v2_claims_pages_are_refused(name: str, marker: str) -> None:
    html = saved("v2", name).replace('data-layout="v2"', marker)
    parse = parse_claim_detail if name.startswith("claim-") else parse_claim_list
    with pytest.raises(LayoutChanged):
        parse(html)


# -- drift on v1 pages ------------------------------------------------------------------------

def _swap_columns(html: str, table_id: str, first: str, second: str) -> str:
    """Move a column of a table: swap two headers and the cells beneath them."""
    start = html.index(f'<table class="grid" id="{table_id}">')
    end = html.index("</table>", start)
    table = html[start:end]
    headers = re.findall(r'<th scope="col">([^<]*)</th>', table)
    i, j = headers.index(first), headers.index(second)

    def swap(row: re.Match[str]) -> str:
        cells = re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row.group(0))
        if len(cells) != len(headers):
            return row.group(0)
        cells[i], cells[j] = cells[j], cells[i]
        return "<tr>" + "".join(cells) + "</tr>"

    return html[:start] + re.sub(r"<tr>.*?</tr>", swap, table) + html[end:]


DETAIL_DRIFT = {
    "renamed label": lambda h: h.replace(">Plan paid<", ">Paid<"),
    "renamed column": lambda h: h.replace(">Remark<", ">Remarks<"),
    "moved column": lambda h: _swap_columns(h, "line-grid", "Billed", "Allowed"),
    "missing field": lambda h: re.sub(r'<tr><th scope="row">Place of service</th>.*?</tr>',
                                      "", h),
    "missing section": lambda h: re.sub(r'<section id="claim-payments">.*?</section>', "",
                                        h, flags=re.S),
    "unknown status words": lambda h: h.replace(">Denied<", ">Declined<"),
    "other money format": lambda h: h.replace("USD ", "$"),
    "other date format": lambda h: re.sub(r"(\d{2})-May-2026", r"2026-05-\1", h),
    "remark on a line without its adjustment": lambda h: h.replace(
        "CO-204 USD ", "PR-1 USD 0.00; CO-204 USD "),
    "adjustment not in group-CARC form": lambda h: h.replace("CO-204 USD", "CO204 USD"),
    "place of service named otherwise": lambda h: h.replace("Office (11)", "Clinic (11)"),
    "title changed": lambda h: h.replace(">Claim detail<", ">Claim<"),
}


@pytest.mark.parametrize("drift", sorted(DETAIL_DRIFT))
def test_drifted_claim_page_is_refused(drift: str) -> None:
    html = detail(DENIED)
    changed = DETAIL_DRIFT[drift](html)
    assert changed != html, "the drift did not apply"
    with pytest.raises(LayoutChanged):
        parse_claim_detail(changed)


LIST_DRIFT = {
    "renamed column": lambda h: h.replace(">Claim number<", ">Claim #<"),
    "moved column": lambda h: _swap_columns(h, "claim-list", "Billed", "Status"),
    "missing page status": lambda h: re.sub(r'<span id="page-status">.*?</span>', "", h),
    "missing next link": lambda h: re.sub(r'<a id="next-page"[^>]*>.*?</a>', "", h),
    "row without its link": lambda h: h.replace('class="claim-link"', 'class="link"', 1),
}


@pytest.mark.parametrize("drift", sorted(LIST_DRIFT))
def test_drifted_results_page_is_refused(drift: str) -> None:
    html = saved("v1", f"claims-{PAGED_MEMBER}-p1")
    changed = LIST_DRIFT[drift](html)
    assert changed != html, "the drift did not apply"
    with pytest.raises(LayoutChanged):
        parse_claim_list(changed)
