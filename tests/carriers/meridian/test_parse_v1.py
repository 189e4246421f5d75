"""The Meridian parser on saved v1 pages: exact results, and every small drift of the page
(a renamed or moved column, a missing field, a malformed value) refused as LayoutChanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup, Tag

from bots.carriers.meridian.parse import parse_benefits
from bots.errors import LayoutChanged
from fixtures.sandbox.expected import expected_result
from portals.model import diff_results
from tests.carriers.meridian.pages import SAVED_MEMBERS, saved

FAMILY_MEMBER = "MRD982515102"
"""The page the drift cases start from: family coverage, a termination date."""

Mutation = Callable[[BeautifulSoup], None]


@pytest.mark.parametrize("member_id", SAVED_MEMBERS)
def test_saved_v1_page_reads_exactly_as_expected(member_id: str) -> None:
    result = parse_benefits(saved("v1", f"benefits-{member_id}"))
    assert diff_results(expected_result("meridian", member_id), result) == []


# -- building blocks for page drift --------------------------------------------------------

def _one(page: BeautifulSoup, selector: str) -> Tag:
    found = page.select(selector)
    assert len(found) == 1, (selector, len(found))
    return found[0]


def set_text(selector: str, text: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        _one(page, selector).string = text
    return mutate


def remove(selector: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        _one(page, selector).decompose()
    return mutate


def remove_detail(dd_id: str) -> Mutation:
    """A label/value pair gone from its <dl> (label and value)."""
    def mutate(page: BeautifulSoup) -> None:
        dd = _one(page, f"dd#{dd_id}")
        label = dd.find_previous_sibling("dt")
        assert label is not None
        label.decompose()
        dd.decompose()
    return mutate


def rename_header(table: str, old: str, new: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        (th,) = [th for th in _one(page, table).select("thead th") if th.get_text() == old]
        th.string = new
    return mutate


def move_column(table: str, column: int, to: int) -> Mutation:
    """Header and cells of one column moved together (the values stay right)."""
    def mutate(page: BeautifulSoup) -> None:
        for tr in _one(page, table).select("tr"):
            cells = tr.find_all(["th", "td"], recursive=False)
            moved = cells[column].extract()
            cells = tr.find_all(["th", "td"], recursive=False)
            cells[to].insert_before(moved)
    return mutate


def add_column(table: str, header: str, value: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        for tr in _one(page, table).select("tr"):
            cell = page.new_tag("th" if tr.parent and tr.parent.name == "thead" else "td")
            cell.string = header if tr.parent and tr.parent.name == "thead" else value
            tr.append(cell)
    return mutate


def cell(table: str, row: int, column: int, text: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        tr = _one(page, table).select("tbody tr")[row]
        tr.find_all(["th", "td"], recursive=False)[column].string = text
    return mutate


def swap_sections(first: str, second: str) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        a, b = _one(page, f"section#{first}"), _one(page, f"section#{second}")
        marker = page.new_tag("span")
        a.replace_with(marker)
        b.replace_with(a)
        marker.replace_with(b)
    return mutate


def drop_rows(table: str, keep: int) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        for tr in _one(page, table).select("tbody tr")[keep:]:
            tr.decompose()
    return mutate


def set_marker(value: str | None) -> Mutation:
    def mutate(page: BeautifulSoup) -> None:
        main = _one(page, "main#content")
        if value is None:
            del main["data-layout"]
        else:
            main["data-layout"] = value
    return mutate


DEDUCTIBLE, COPAY = "#deductible-table", "#copay-table"

DRIFT: dict[str, tuple[Mutation, str]] = {
    # columns renamed
    "accumulator column renamed": (rename_header(DEDUCTIBLE, "Met", "Amount Met"), "headers"),
    "copay column renamed": (rename_header(COPAY, "In-Network", "In Network"), "headers"),
    "limitation column renamed": (
        rename_header("#limitations-table", "Visits Allowed", "Annual Max"), "headers"),
    # columns moved (values moved with them: reading by header would still be right)
    "accumulator Remaining moved before Met": (move_column(DEDUCTIBLE, 4, 3), "headers"),
    "copay Out-of-Network moved first": (move_column(COPAY, 2, 0), "headers"),
    "column added": (add_column("#limitations-table", "Visits Pending", "0"), "headers"),
    # required fields and parts missing
    "member date of birth missing": (remove_detail("member-dob"), "member details"),
    "plan name missing": (remove_detail("plan-name"), "plan details"),
    "coverage status missing": (remove_detail("coverage-status"), "coverage details"),
    "plan name empty": (set_text("#plan-name", ""), "empty"),
    "coinsurance table missing": (remove("#coinsurance-table"), "found 0 times"),
    "out-of-pocket section missing": (remove("section#out-of-pocket-section"), "sections"),
    "family deductible rows missing": (drop_rows(DEDUCTIBLE, 2), "rows"),
    "out-of-network coinsurance row missing": (drop_rows("#coinsurance-table", 1), "rows"),
    "copay cell empty": (cell(COPAY, 0, 1, ""), "empty"),
    # malformed amounts
    "amount with a misplaced comma": (cell(COPAY, 0, 1, "$1,50.00"), "not an amount"),
    "amount N/A": (cell(COPAY, 0, 1, "N/A"), "not an amount"),
    "amount without cents": (cell(COPAY, 0, 1, "$25"), "not an amount"),
    "amount in USD": (cell(COPAY, 0, 1, "USD 25.00"), "not an amount"),
    "amount without a dollar sign": (cell(COPAY, 0, 1, "25.00"), "not an amount"),
    "in-network copay shown as empty": (cell(COPAY, 0, 1, "\u2014"), "not an amount"),
    "deductible amount malformed": (cell(DEDUCTIBLE, 0, 2, "$1,50.00"), "not an amount"),
    "met and remaining swapped": (cell(DEDUCTIBLE, 0, 3, "$1,305.74"), "add up"),
    # other formats
    "ISO date of birth": (set_text("#member-dob", "2019-02-01"), "MM/DD/YYYY"),
    "unpadded effective date": (set_text("#effective-date", "7/1/2024"), "MM/DD/YYYY"),
    "percent with a space": (cell("#coinsurance-table", 0, 1, "20 %"), "percentage"),
    "percent as a fraction": (cell("#coinsurance-table", 0, 1, "0.20"), "percentage"),
    "visit count as text": (cell("#limitations-table", 0, 1, "twenty"), "whole number"),
    "name as First Last": (set_text("#member-name", "Cyril Testwell"), "Last, First"),
    "member ID reformatted": (set_text("#member-id", "MRD-982515102"), "member ID"),
    # labels renamed
    "section heading renamed": (set_text("section#member-section h2", "Member Details"),
                                "sections"),
    "detail label renamed": (set_text("dl#member-details dt:nth-of-type(3)", "Birth Date"),
                             "member details"),
    "network label reworded": (cell(DEDUCTIBLE, 0, 1, "In Network"), "rows"),
    "coverage level upper-cased": (set_text("#coverage-level", "FAMILY"), "unknown label"),
    "service label renamed": (cell(COPAY, 1, 0, "Urgent Care Center"), "unknown label"),
    "status reworded": (set_text("#coverage-status", "ACTIVE"), "unknown label"),
    # structure moved
    "sections reordered": (swap_sections("deductible-section", "copay-section"), "sections"),
    "layout marker removed": (set_marker(None), "layout"),
    "layout marker v2": (set_marker("v2"), "layout"),
    "page title changed": (set_text("#eligibility-result h1", "Member Eligibility"),
                           "eligibility page"),
}


def _mutated(mutation: Mutation) -> str:
    page = BeautifulSoup(saved("v1", f"benefits-{FAMILY_MEMBER}"), "html.parser")
    mutation(page)
    return str(page)


def test_the_unchanged_base_page_parses() -> None:
    """The drift cases below start from a page that is accepted as it is."""
    parse_benefits(_mutated(lambda page: None))


@pytest.mark.parametrize("case", list(DRIFT))
def test_page_drift_is_a_layout_change(case: str) -> None:
    mutation, reason = DRIFT[case]
    html = _mutated(mutation)
    assert html != _mutated(lambda page: None)
    with pytest.raises(LayoutChanged, match=f"(?i){reason}"):
        parse_benefits(html)
