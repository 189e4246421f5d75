"""The Meridian claims parser on saved pages, no browser: every saved v1 claim page reads
exactly as expected_claims, the two result pages read every claim once, every v2 page is
refused (also with its marker forged to v1), and each small drift of a v1 page (a renamed
label, a moved column, a missing field, a malformed value) is refused as LayoutChanged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup

from bots.carriers.meridian.claims import add_months, search_windows
from bots.carriers.meridian.parse_claims import parse_claim_detail, parse_claim_list
from bots.errors import LayoutChanged
from fixtures.sandbox import carriers
from portals.claims import ClaimResult
from tests.carriers.meridian.pages import CLAIM_SAMPLES, CLAIMS_MEMBER, saved
from tests.carriers.meridian.test_parse_v1 import (
    Mutation,
    cell,
    move_column,
    remove,
    remove_detail,
    rename_header,
    set_marker,
    set_text,
)

MERIDIAN = carriers.get("meridian")
LINES, PAYMENTS, LIST = "#claim-lines-table", "#claim-payments-table", "#claims-table"
PAID_TWICE = CLAIM_SAMPLES["F3"]
"""The page most drift cases start from: a revised claim with two payments, CO and PR
adjustments, allowed amounts and modifiers."""
DENIED = CLAIM_SAMPLES["F2"]


def _expected(claim_number: str) -> ClaimResult:
    return MERIDIAN.expected_claims(CLAIMS_MEMBER, claim_number=claim_number)


@pytest.mark.parametrize("status", list(CLAIM_SAMPLES))
def test_saved_v1_claim_page_reads_exactly_as_expected(status: str) -> None:
    number = CLAIM_SAMPLES[status]
    shown = parse_claim_detail(saved("v1", f"claim-{number}"))
    expected = _expected(number)
    assert [shown.claim] == expected.claims
    assert shown.claim.status.category.value == status
    assert [r.filename for r in shown.remittances] == [d.filename for d in expected.documents]
    assert [r.payment_number for r in shown.remittances] == \
        [p.number for p in shown.claim.payments]


def test_saved_v1_pages_cover_remark_codes_no_rendering_provider_and_two_payments() -> None:
    denied = parse_claim_detail(saved("v1", f"claim-{DENIED}")).claim
    assert any(a.remark for line in denied.lines for a in line.adjustments)
    assert parse_claim_detail(saved("v1", f"claim-{CLAIM_SAMPLES['F4']}")).claim \
        .rendering_provider is None
    assert len(parse_claim_detail(saved("v1", f"claim-{PAID_TWICE}")).claim.payments) == 2


def test_saved_result_pages_list_every_claim_once_in_order() -> None:
    first = parse_claim_list(saved("v1", f"claims-{CLAIMS_MEMBER}-page1"))
    second = parse_claim_list(saved("v1", f"claims-{CLAIMS_MEMBER}-page2"))
    assert (first.page, first.pages, first.total, len(first.rows)) == (1, 2, 15, 10)
    assert first.next_href == "/claims/results/saved-search?page=2"
    assert (second.page, second.next_href, len(second.rows)) == (2, None, 5)
    numbers = [row.claim_number for row in first.rows + second.rows]
    everything = MERIDIAN.expected_claims(CLAIMS_MEMBER, service_from=dt.date(2025, 5, 1),
                                          service_to=dt.date(2026, 10, 31))
    assert numbers == [c.claim_number for c in everything.claims]
    assert {row.member_id for row in first.rows + second.rows} == {CLAIMS_MEMBER}


V2_PAGES = ["claims-search", f"claims-{CLAIMS_MEMBER}-page1", f"claims-{CLAIMS_MEMBER}-page2",
            *(f"claim-{n}" for n in CLAIM_SAMPLES.values())]


@pytest.mark.parametrize("name", V2_PAGES[1:])
def test_every_saved_v2_claims_page_is_refused_even_with_a_forged_marker(name: str) -> None:
    html = saved("v2", name)
    parse = parse_claim_list if name.startswith("claims-") else parse_claim_detail
    for page in (html, html.replace('data-layout="v2"', 'data-layout="v1"')):
        with pytest.raises(LayoutChanged):
            parse(page)


def test_v2_search_form_has_none_of_the_v1_form() -> None:
    v2 = saved("v2", "claims-search")
    assert 'data-layout="v2"' in v2
    for v1_id in ("claim-search-form", "claim-member-id", "mode-claim-number",
                  "claim-search-button"):
        assert f'id="{v1_id}"' in saved("v1", "claims-search")
        assert f'id="{v1_id}"' not in v2


# -- drift ------------------------------------------------------------------------------------

def remove_attribute(selector: str, attribute: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        (tag,) = page.select(selector)
        del tag[attribute]
    return mutate


def first_only(selector: str, text: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        page.select(selector)[0].string = text
    return mutate


DETAIL_DRIFT: dict[str, tuple[Mutation, str]] = {
    # labels renamed
    "total label renamed": (set_text("dl#claim-totals dt:nth-of-type(2)", "Allowed Amount"),
                            "claim totals"),
    "section heading renamed": (set_text("section#claim-lines-section h2", "Services"),
                                "sections"),
    "line column renamed": (rename_header(LINES, "Allowed", "Allowed Amount"), "headers"),
    "payment column renamed": (rename_header(PAYMENTS, "Check/EFT Number", "Reference"),
                               "headers"),
    "status reworded": (set_text("#claim-status", "Finalized"), "unknown label"),
    "payment method reworded": (cell(PAYMENTS, 0, 0, "ACH"), "unknown label"),
    # columns moved (values moved with them)
    "line Paid moved before Allowed": (move_column(LINES, 7, 6), "headers"),
    "payment Amount moved first": (move_column(PAYMENTS, 3, 0), "headers"),
    # fields missing
    "status code missing": (remove_detail("claim-status-code"), "claim summary"),
    "patient date of birth missing": (remove_detail("claim-patient-dob"), "claim patient"),
    "billing NPI missing": (remove_detail("billing-provider-npi"), "providers"),
    "payments table missing": (remove(PAYMENTS), "neither"),
    "line table missing": (remove(LINES), "found 0 times"),
    "EOB link missing": (remove(f"{PAYMENTS} tbody tr:nth-of-type(1) a.eob-link"),
                         "remittance"),
    "EOB file name missing": (remove_attribute(f"{PAYMENTS} tbody tr:nth-of-type(1) a",
                                               "download"), "file name"),
    "line paid empty": (cell(LINES, 0, 7, ""), "empty"),
    # malformed values
    "amount without cents": (set_text("#claim-total-billed", "$1,250"), "not an amount"),
    "ISO status date": (set_text("#claim-status-date", "2026-07-01"), "MM/DD/YYYY"),
    "dates of service as one date": (set_text("#claim-service-dates", "07/01/2026"),
                                     "dates of service"),
    "patient as First Last": (set_text("#claim-patient-name", "Ada Testwell"),
                              "Last, First"),
    "NPI too short": (set_text("#billing-provider-npi", "123456789"), "NPI"),
    "adjustment without a dash": (first_only(f"{LINES} ul.adjustments li", "CO45 $12.00"),
                                  "adjustment"),
    "procedure with a modifier in it": (cell(LINES, 0, 2, "99214-25"), "procedure"),
    "lines renumbered": (cell(LINES, 0, 0, "2"), "numbered"),
    "claim number reformatted": (set_text("#claim-number-value", "MH-2612300020"),
                                 "claim number"),
    # structure moved
    "layout marker removed": (set_marker(None), "layout"),
    "page title changed": (set_text("#claim-detail h1", "Claim Details"), "page"),
}


def _mutated(name: str, mutation: Mutation) -> str:
    page = BeautifulSoup(saved("v1", name), "html.parser")
    mutation(page)
    return str(page)


def test_the_unchanged_base_pages_parse() -> None:
    parse_claim_detail(_mutated(f"claim-{PAID_TWICE}", lambda page: None))
    parse_claim_list(_mutated(f"claims-{CLAIMS_MEMBER}-page1", lambda page: None))


@pytest.mark.parametrize("case", list(DETAIL_DRIFT))
def test_claim_page_drift_is_a_layout_change(case: str) -> None:
    mutation, reason = DETAIL_DRIFT[case]
    html = _mutated(f"claim-{PAID_TWICE}", mutation)
    assert html != _mutated(f"claim-{PAID_TWICE}", lambda page: None)
    with pytest.raises(LayoutChanged, match=f"(?i){reason}"):
        parse_claim_detail(html)


def test_a_remark_code_in_another_format_is_a_layout_change() -> None:
    html = _mutated(f"claim-{DENIED}", lambda page: None)
    changed = re.sub(r"RARC ([A-Z]+\d+)", r"(\1)", html, count=1)
    assert changed != html
    with pytest.raises(LayoutChanged, match="adjustment"):
        parse_claim_detail(changed)


def drop_next(page: BeautifulSoup) -> None:
    (link,) = page.select("#pager-next")
    link.decompose()


LIST_DRIFT: dict[str, tuple[Mutation, str]] = {
    "column renamed": (rename_header(LIST, "Claim Number", "Claim #"), "headers"),
    "column moved": (move_column(LIST, 6, 1), "headers"),
    "pager reworded": (set_text("#pager-status", "Page 1 / 2"), "pager"),
    "pager disagrees with the count": (set_text("#pager-status", "Page 1 of 3"),
                                       "do not agree"),
    "a row missing": (remove(f"{LIST} tbody tr:nth-of-type(3)"), "do not agree"),
    "Next link missing": (drop_next, "Next links"),
    "count reworded": (set_text("#claim-results-count", "10 of 15 claims"), "result count"),
    "member ID reformatted": (cell(LIST, 0, 2, "MRD-912050800"), "member ID"),
    "claim link missing": (remove(f"{LIST} tbody tr:nth-of-type(1) a.claim-link"),
                           "claim number"),
    "layout marker v2": (set_marker("v2"), "layout"),
}


@pytest.mark.parametrize("case", list(LIST_DRIFT))
def test_result_list_drift_is_a_layout_change(case: str) -> None:
    mutation, reason = LIST_DRIFT[case]
    with pytest.raises(LayoutChanged, match=f"(?i){reason}"):
        parse_claim_list(_mutated(f"claims-{CLAIMS_MEMBER}-page1", mutation))


# -- date windows (the portal's 24-month cap) ------------------------------------------------

def test_a_range_the_portal_accepts_is_one_window() -> None:
    start, end = dt.date(2025, 4, 30), dt.date(2026, 10, 31)
    assert search_windows(start, end) == [(start, end)]


def test_the_longest_request_is_split_where_the_portal_caps_it() -> None:
    start, end = dt.date(2024, 10, 31), dt.date(2026, 10, 31)  # 730 days: 24 months + 1 day
    assert search_windows(start, end) == [(start, dt.date(2026, 10, 30)), (end, end)]
    from fixtures.sandbox.meridian.claims import range_too_long

    assert range_too_long(start, end)
    for window_start, window_end in search_windows(start, end):
        assert not range_too_long(window_start, window_end)


def test_months_are_added_as_the_portal_adds_them() -> None:
    from fixtures.sandbox.meridian.claims import add_months as portal_add_months

    for day in (dt.date(2024, 2, 29), dt.date(2024, 8, 31), dt.date(2025, 1, 31),
                dt.date(2025, 12, 15)):
        assert add_months(day, 24) == portal_add_months(day, 24)
