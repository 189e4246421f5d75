"""Northwind's parsers on screens and JSON saved from the sandbox SPA (no browser):
exact results on v1, LayoutChanged on the v2 redesign and on every kind of drift."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from bots.carriers.northwind.api import parse_benefits_json
from bots.carriers.northwind.parse import (
    check_shell,
    code_hint_digits,
    long_date,
    money,
    parse_benefits,
    percent,
    pick_match,
    retry_after,
)
from bots.errors import LayoutChanged, PatientMismatch
from bots.parsing import verify_patient
from fixtures.sandbox.expected import expected_result
from portals.model import EligibilityRequest, diff_results

SAVED = Path(__file__).resolve().parents[3] / "fixtures" / "html" / "northwind" / "saved"
V1_PAGES = sorted(SAVED.glob("benefits_NWM*.html"))
V2_PAGE = next(SAVED.glob("benefits_v2_NWM*.html"))
FAMILY = "NWM699314-00"


def _member_id(path: Path) -> str:
    return path.stem.rsplit("_", 1)[1]


def _page(member_id: str = FAMILY) -> str:
    return (SAVED / f"benefits_{member_id}.html").read_text(encoding="utf-8")


def _request(member_id: str = FAMILY, **changes: object) -> EligibilityRequest:
    expected = expected_result("northwind", member_id).member
    return EligibilityRequest.model_validate({
        "carrier": "northwind", "member_id": member_id,
        "date_of_birth": expected.date_of_birth.isoformat(), "last_name": expected.last_name,
        "first_name": expected.first_name, **changes})


def _changed(html: str, old: str, new: str, count: int = 1) -> str:
    assert old in html, old
    return html.replace(old, new, count)


# -- v1: exact ------------------------------------------------------------------------------
def test_saved_pages_cover_the_shapes_of_the_benefits_screen() -> None:
    assert len(V1_PAGES) == 5
    results = [parse_benefits(p.read_text(encoding="utf-8")) for p in V1_PAGES]
    assert {r.coverage.status.value for r in results} == {"active", "inactive", "terminated"}
    assert {r.member.relationship.value for r in results} >= {"18", "19"}


@pytest.mark.parametrize("path", V1_PAGES, ids=_member_id)
def test_a_saved_screen_reads_exactly_as_expected(path: Path) -> None:
    result = parse_benefits(path.read_text(encoding="utf-8"))
    assert diff_results(expected_result("northwind", _member_id(path)), result) == []


@pytest.mark.parametrize("path", V1_PAGES, ids=_member_id)
def test_the_saved_json_reads_exactly_as_expected(path: Path) -> None:
    result = parse_benefits_json(path.with_suffix(".json").read_bytes())
    assert diff_results(expected_result("northwind", _member_id(path)), result) == []


def test_the_matches_table_points_at_the_requested_member() -> None:
    html = (SAVED / "matches.html").read_text(encoding="utf-8")
    assert pick_match(html, _request()) == 0
    with pytest.raises(PatientMismatch, match="other member"):
        pick_match(html, _request("NWM699314-01", date_of_birth="1980-01-01",
                                  last_name="Shamberg"))
    with pytest.raises(PatientMismatch, match="another date of birth"):
        pick_match(html, _request(date_of_birth="1977-01-13"))


def test_the_shell_is_recognised() -> None:
    check_shell((SAVED / "login.html").read_text(encoding="utf-8"))
    with pytest.raises(LayoutChanged):
        check_shell(_changed(_page(), '<meta name="nw-ui" content="classic-1">', ""))


# -- v2 and drift: LayoutChanged --------------------------------------------------------------
def test_the_v2_screen_is_layout_changed() -> None:
    with pytest.raises(LayoutChanged):
        parse_benefits(V2_PAGE.read_text(encoding="utf-8"))


def test_the_v2_screen_without_its_marker_is_layout_changed() -> None:
    html = _changed(V2_PAGE.read_text(encoding="utf-8"), '<meta name="nw-ui" content="horizon-2">',
                    "")
    with pytest.raises(LayoutChanged):
        parse_benefits(html)


def test_the_v2_screen_dressed_as_the_v1_shell_is_still_layout_changed() -> None:
    """Every shell marker forged to v1's: the content itself is not the v1 screen."""
    html = V2_PAGE.read_text(encoding="utf-8")
    for old, new in (('content="horizon-2"', 'content="classic-1"'),
                     ("Northwind Mutual Provider Hub", "Northwind Provider Portal"),
                     ('<div id="root" class="hz-root">', '<main id="nw-app">'),
                     ('src="/static/v2/hub.js"', 'src="/static/v1/app.js"')):
        html = _changed(html, old, new)
    check_shell(html)  # the forged shell passes its own check
    with pytest.raises(LayoutChanged, match="benefits screen"):
        parse_benefits(html)


def test_the_v2_json_is_layout_changed() -> None:
    with pytest.raises(LayoutChanged, match="changed shape"):
        parse_benefits_json(V2_PAGE.with_suffix(".json").read_bytes())


DRIFTS = {
    "columns swapped": ("<th scope=\"col\">Met</th><th scope=\"col\">Remaining</th>",
                        "<th scope=\"col\">Remaining</th><th scope=\"col\">Met</th>"),
    "column renamed": ('<th scope="col">Limit</th>', '<th scope="col">Annual limit</th>'),
    "money format": ("USD 250.00", "$250.00"),
    "date format": ("Jan 12, 1977", "1977-01-12"),
    "label renamed": ("<dt>Member ID</dt>", "<dt>Member #</dt>"),
    "service renamed": ("Primary care visit", "PCP visit"),
    "percent format": ("10 %", "0.10"),
    "name merged": ('<span class="nw-given">Mary Ann</span> <span class="nw-family">Shamberg'
                    '</span>', "Mary Ann Shamberg"),
    "card retitled": ("<h3>Coverage</h3>", "<h3>Your coverage</h3>"),
    "screen retitled": ("Eligibility &amp; benefits</h2>", "Coverage summary</h2>"),
    "numbers disagree": ("<td>USD 231.81</td>", "<td>USD 232.81</td>"),
    "unknown status": (">Active</span>", ">Enrolled</span>"),
    "cpt code": ("<td>43239</td>", "<td>EGD</td>"),
}


@pytest.mark.parametrize("drift", DRIFTS, ids=list(DRIFTS))
def test_any_drift_of_the_v1_screen_is_layout_changed(drift: str) -> None:
    old, new = DRIFTS[drift]
    with pytest.raises(LayoutChanged):
        parse_benefits(_changed(_page(), old, new))


JSON_DRIFTS = {
    "extra field": lambda d: d["plan"].update(tier="gold"),
    "missing field": lambda d: d["coverage"].pop("termination_date"),
    "money as text": lambda d: d["copays"][0].update(in_network_cents="10.00"),
    "money as float": lambda d: d["accumulators"][0].update(limit_cents=250.0),
    "renamed list": lambda d: d.update(limits=d.pop("visit_limits")),
    "date format": lambda d: d["member"].update(birth_date="01/12/1977"),
    "unknown category": lambda d: d["copays"][0].update(category="pcp"),
    "sums disagree": lambda d: d["accumulators"][0].update(met_cents=1),
}


@pytest.mark.parametrize("drift", JSON_DRIFTS, ids=list(JSON_DRIFTS))
def test_any_drift_of_the_json_is_layout_changed(drift: str) -> None:
    data = json.loads((SAVED / f"benefits_{FAMILY}.json").read_bytes())
    JSON_DRIFTS[drift](data)
    with pytest.raises(LayoutChanged) as info:
        parse_benefits_json(json.dumps(data).encode())
    assert "Shamberg" not in str(info.value) and "1977" not in str(info.value)


# -- values and the patient check ---------------------------------------------------------------
def test_value_formats() -> None:
    assert money("USD 1,234.50", "x") == Decimal("1234.50")
    assert money("USD 0.00", "x") == Decimal("0")
    assert percent("20 %", "x") == Decimal("0.2")
    assert long_date("Mar 4, 2026", "x") == dt.date(2026, 3, 4)
    assert code_hint_digits("We sent a code to your phone ending in 1234") == "1234"
    assert retry_after("600") == 600 and retry_after(None) is None and retry_after("soon") is None
    for bad in ("$1,234.50", "USD 1234.5", "USD 1,234", "1,234.50 USD", "USD -5.00"):
        with pytest.raises(LayoutChanged):
            money(bad, "x")
    for bad in ("20%", "0.2", "120 %"):
        with pytest.raises(LayoutChanged):
            percent(bad, "x")
    for bad in ("2026-03-04", "March 4, 2026", "Feb 30, 2026"):
        with pytest.raises(LayoutChanged):
            long_date(bad, "x")
    with pytest.raises(LayoutChanged):
        code_hint_digits("Enter the code from your app")


def test_the_screen_must_be_the_requested_patients() -> None:
    result = parse_benefits(_page())
    verify_patient(result.member, _request())
    verify_patient(result.member, _request(member_id=FAMILY.lower(), last_name="SHAMBERG"))
    for change in ({"member_id": "NWM699314-01"}, {"date_of_birth": "1977-01-13"},
                   {"last_name": "Shamburg"}, {"first_name": "Mary"}):
        with pytest.raises(PatientMismatch):
            verify_patient(result.member, _request(**change))  # type: ignore[arg-type]
