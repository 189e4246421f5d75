"""The Summit parser on saved pages, without a browser: every fact of the expected result
read exactly; v2, drift and mix-ups refused."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bots.carriers.summit.parse import (
    DetailPage,
    SectionPage,
    assemble,
    name,
    parse_detail,
    parse_section,
    retry_after,
)
from bots.errors import LayoutChanged, PatientMismatch
from bots.parsing import verify_patient
from fixtures.sandbox.summit import expected
from fixtures.sandbox.summit.snapshots import SAVED_DIR, capture, showcase_members
from portals.model import diff_results
from tests.carriers.summit.helpers import request_for

WIDE, CHILD, INACTIVE = (m.member_id for m in showcase_members())


def saved(name: str) -> str:
    return (SAVED_DIR / name).read_text(encoding="utf-8")


def sections(member_id: str) -> dict[str, list[SectionPage]]:
    found: dict[str, list[SectionPage]] = {}
    for code in ("CP", "LM", "EX", "PA"):
        paths = sorted(Path(SAVED_DIR).glob(f"{code.lower()}-{member_id}-*.html"))
        found[code] = [parse_section(p.read_text(encoding="utf-8"), code) for p in paths]
    return found


def test_saved_pages_are_current() -> None:
    """The saved pages are what the sandbox renders today (regenerate with
    ``python -m fixtures.sandbox.summit.snapshots``)."""
    rendered = capture()
    assert sorted(rendered) == sorted(p.name for p in SAVED_DIR.glob("*.html"))
    for file_name, text in rendered.items():
        assert saved(file_name) == text, file_name


def test_a_member_with_multi_page_lists_reads_exactly() -> None:
    detail = parse_detail(saved(f"detail-{WIDE}.html"))
    pages = sections(WIDE)
    assert [len(pages[c]) for c in ("CP", "LM", "EX", "PA")] == [3, 2, 1, 2]
    result = assemble(detail, pages)
    assert diff_results(expected(WIDE), result) == []
    assert result.model_dump() == expected(WIDE).model_dump() | {
        "benefits": result.model_dump()["benefits"]}


@pytest.mark.parametrize("member_id", [CHILD, INACTIVE])
def test_eligibility_page_of_a_dependant_and_an_inactive_member(member_id: str) -> None:
    detail = parse_detail(saved(f"detail-{member_id}.html"))
    want = expected(member_id)
    assert detail.member == want.member and detail.subscriber == want.subscriber
    assert detail.plan == want.plan and detail.coverage == want.coverage
    read = {line.model_dump_json() for line in detail.benefits}
    assert read <= {line.model_dump_json() for line in want.benefits}
    assert detail.links == {code: f"/SBAOnline/benefits.asp?ref=SAVEDREF00000001&sec={code}&pg=1"
                            for code in ("CP", "LM", "EX", "PA")}


def test_names_are_first_word_then_the_rest() -> None:
    assert name("ROSE-MARIE MC MOCKERTY", "n") == ("ROSE-MARIE", "MC MOCKERTY")
    assert name("JEAN-LUC O'FIXTURE", "n") == ("JEAN-LUC", "O'FIXTURE")
    for bad in ("Ada Testwell", "TESTWELL, ADA", "ADA"):
        with pytest.raises(LayoutChanged):
            name(bad, "n")


def test_the_requested_patient_is_checked() -> None:
    detail = parse_detail(saved(f"detail-{WIDE}.html"))
    verify_patient(detail.member, request_for(WIDE))
    with pytest.raises(PatientMismatch):
        verify_patient(detail.member, request_for(CHILD))
    with pytest.raises(PatientMismatch):
        verify_patient(detail.member, request_for(WIDE, date_of_birth="1900-01-01"))


def _assemble_with(code: str, pages: list[SectionPage]) -> None:
    found = sections(WIDE)
    found[code] = pages
    assemble(parse_detail(saved(f"detail-{WIDE}.html")), found)


def test_every_page_of_every_list_must_be_read_in_order() -> None:
    cp = sections(WIDE)["CP"]
    with pytest.raises(LayoutChanged, match="last page"):
        _assemble_with("CP", cp[:2])
    with pytest.raises(LayoutChanged, match="expected page 2 of 3"):
        _assemble_with("CP", [cp[0], cp[2], cp[1]])
    with pytest.raises(LayoutChanged, match="expected page 2 of 3"):
        _assemble_with("CP", [cp[0], cp[0], cp[2]])


def test_a_list_page_of_another_member_is_refused() -> None:
    other = saved(f"cp-{WIDE}-1.html").replace(f"({WIDE})", "(SBA0000000-00)")
    with pytest.raises(PatientMismatch):
        _assemble_with("CP", [parse_section(other, "CP")] + sections(WIDE)["CP"][1:])


@pytest.mark.parametrize(("old", "new", "why"), [
    ("Page 2 of 3", "Page 3 of 3", "Next"),
    ("Page 2 of 3", "Page 2 / 3", "Page k of N"),
    ("Next &gt;&gt;", "Next", "Next"),
    ("<td><font color=\"#FFFFFF\"><b>Par Provider</b>", "<td><font><b>In Network</b>", "columns"),
    ("COPAYMENTS", "COPAYS", "heading"),
])
def test_pager_and_table_drift_is_refused(old: str, new: str, why: str) -> None:
    page = saved(f"cp-{WIDE}-2.html")
    assert old in page
    with pytest.raises(LayoutChanged, match=why):
        parse_section(page.replace(old, new, 1), "CP")


def _detail_drift(old: str, new: str) -> None:
    page = saved(f"detail-{WIDE}.html")
    assert old in page, old
    parse_detail(page.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new"), [
    ("Member Name:", "Patient Name:"),  # a renamed label
    ("Eff Date:", "Effective:"),
    ("<b>Satisfied</b>", "<b>Met</b>"),  # a renamed column
    ("SINGLE", "INDIVIDUAL"),  # an unknown label
    (" pct<", "%<"),  # another percent format
    ("$1000.00", "$1,000.00"),  # another money format
    ("1984-", "84-"),  # another date format
])
def test_eligibility_page_drift_is_refused(old: str, new: str) -> None:
    page = saved(f"detail-{WIDE}.html")
    if old == "1984-" and old not in page:
        old = next(f"{y}-" for y in range(1950, 2010) if f">{y}-" in page)
        new = old[2:]
    with pytest.raises(LayoutChanged):
        _detail_drift(old, new)


def test_accumulators_must_add_up_and_match_the_tier() -> None:
    page = saved(f"detail-{WIDE}.html")
    family_row = re.search(r"<tr[^>]*><td>DEDUCTIBLE</td><td>FAMILY</td>.*?</tr>", page)
    assert family_row is not None
    with pytest.raises(LayoutChanged, match="tier"):
        parse_detail(page.replace(family_row[0], ""))
    cells = re.findall(r"<td align=\"right\">([^<]*)</td>", family_row[0])
    broken = family_row[0].replace(f">{cells[2]}<", ">$0.01<") if cells[2] != "$0.01" \
        else family_row[0].replace(f">{cells[2]}<", ">$0.02<")
    with pytest.raises(LayoutChanged, match="do not add up"):
        parse_detail(page.replace(family_row[0], broken))


@pytest.mark.parametrize("marker", ["removed", "forged v1", "kept"])
def test_v2_pages_are_refused_even_without_their_marker(marker: str) -> None:
    pages = [saved(f"v2-detail-{WIDE}.html"), saved(f"v2-cp-{WIDE}-1.html")]
    for index, page in enumerate(pages):
        if marker == "removed":
            page = page.replace('<meta name="sba-layout" content="v2">', "")
        elif marker == "forged v1":
            page = page.replace('content="v2"', 'content="v1"')
        with pytest.raises(LayoutChanged):
            if index == 0:
                parse_detail(page)
            else:
                parse_section(page, "CP")


def test_other_pages_are_not_an_eligibility_page() -> None:
    for file_name in ("search.html", "no-records.html", "welcome.html", "maintenance.html",
                      "throttled.html", f"cp-{WIDE}-1.html"):
        with pytest.raises(LayoutChanged):
            parse_detail(saved(file_name))


def test_retry_after_header() -> None:
    now = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
    assert retry_after("30") == 30.0
    assert retry_after("Wed, 04 Mar 2026 12:01:30 GMT", now) == 90.0
    assert retry_after("Wed, 04 Mar 2026 11:00:00 GMT", now) == 0.0
    assert retry_after(None) is None and retry_after("soon") is None


def test_detail_page_type() -> None:
    assert isinstance(parse_detail(saved(f"detail-{WIDE}.html")), DetailPage)
