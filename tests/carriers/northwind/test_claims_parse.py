"""Northwind's claims parsers on screens and JSON saved from the sandbox SPA (no browser):
exact claims on v1, LayoutChanged on the v2 redesign and on every kind of drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bots.carriers.northwind.claims_api import parse_claim_detail, parse_claim_page
from bots.carriers.northwind.parse_claims import (
    date_range,
    parse_claim_drawer,
    parse_claims_list,
)
from bots.errors import LayoutChanged
from fixtures.sandbox.northwind import claims as nw_claims
from portals.claims import Claim

SAVED = Path(__file__).resolve().parents[3] / "fixtures" / "html" / "northwind" / "saved" \
    / "claims"
MEMBER = "NWM511588-01"
DRAWERS = sorted(SAVED.glob("claim_NW*.html"))
PAID = "NW2601500105"  # partially paid: modifiers, adjustments, a payment, an EOB
PENDING = "NW2630200112"  # needs info: nothing allowed yet, no EOB


def _number(path: Path) -> str:
    return path.stem.rsplit("_", 1)[1]


def _expected(number: str) -> Claim:
    return next(c for c in nw_claims.all_claims()[MEMBER] if c.claim_number == number)


def _page(name: str) -> str:
    return (SAVED / name).read_text(encoding="utf-8")


def _changed(html: str, old: str, new: str, count: int = 1) -> str:
    assert old in html, old
    return html.replace(old, new, count)


def _ref(html: str) -> str:
    start = html.index('data-ref="', html.index('<aside id="nw-claim-drawer"')) + 10
    return html[start:html.index('"', start)]


# -- v1: exact ------------------------------------------------------------------------------
def test_the_saved_drawers_cover_every_status_word() -> None:
    words = {parse_claim_drawer(p.read_text(encoding="utf-8")).claim.status.portal_text
             for p in DRAWERS}
    assert words == {w.words for w in nw_claims.STATUS_WORDS.values()}


@pytest.mark.parametrize("path", DRAWERS, ids=_number)
def test_a_saved_drawer_and_its_json_read_exactly_as_expected(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    want = _expected(_number(path))
    shown = parse_claim_drawer(html)
    assert shown.claim.model_dump(mode="json") == want.model_dump(mode="json")
    assert shown.eob_filename == (nw_claims.eob_filename(want) if nw_claims.has_eob(want)
                                  else None)
    data = parse_claim_detail(path.with_suffix(".json").read_bytes(), _ref(html))
    assert data.claim.model_dump(mode="json") == want.model_dump(mode="json")
    assert data == shown


def test_the_saved_list_after_every_load_more_matches_its_json() -> None:
    rows = parse_claims_list(_page(f"list_{MEMBER}.html"))
    pages = [parse_claim_page(json.dumps(body).encode())
             for body in json.loads(_page(f"list_{MEMBER}.json"))]
    assert [len(p[0]) for p in pages] == [5, 5, 5]
    assert [p[1] is None for p in pages] == [False, False, True]
    assert rows == [row for p in pages for row in p[0]]
    assert [r.claim_number for r in rows] == [c.claim_number
                                              for c in nw_claims.all_claims()[MEMBER]]


def test_a_detail_answer_for_another_claim_is_refused() -> None:
    with pytest.raises(LayoutChanged, match="another claim"):
        parse_claim_detail((SAVED / f"claim_{PAID}.json").read_bytes(), "some-other-ref")


def test_date_ranges() -> None:
    start, end = date_range("Jul 20, 2025 \u2013 Jul 22, 2025", "x")
    assert (start.day, end.day) == (20, 22)
    for bad in ("Jul 22, 2025 \u2013 Jul 20, 2025", "2025-07-20", "Jul 20, 2025 - Jul 22, 2025"):
        with pytest.raises(LayoutChanged):
            date_range(bad, "x")


# -- v2 and drift: LayoutChanged --------------------------------------------------------------
def test_the_v2_screens_and_json_are_layout_changed() -> None:
    with pytest.raises(LayoutChanged):
        parse_claims_list(_page(f"list_v2_{MEMBER}.html"))
    (drawer,) = SAVED.glob("claim_v2_*.html")
    with pytest.raises(LayoutChanged):
        parse_claim_drawer(drawer.read_text(encoding="utf-8"))
    body = json.loads(_page(f"list_v2_{MEMBER}.json"))[0]
    with pytest.raises(LayoutChanged, match="changed shape"):
        parse_claim_page(json.dumps(body).encode())
    with pytest.raises(LayoutChanged, match="changed shape"):
        parse_claim_detail(drawer.with_suffix(".json").read_bytes(), "x")


DRAWER_DRIFTS = {
    "label renamed": (PAID, "<dt>Billed</dt>", "<dt>Charged</dt>"),
    "columns moved": (PAID, '<th scope="col">Billed</th><th scope="col">Allowed</th>',
                      '<th scope="col">Allowed</th><th scope="col">Billed</th>'),
    "column renamed": (PAID, '<th scope="col">Reason</th>', '<th scope="col">CARC</th>'),
    "field missing": (PAID, '<dt>Patient account</dt><dd id="nw-claim-account">PA-',
                      '<dd id="nw-claim-accountX">PA-'),
    "unknown status word": (PAID, ">Partially paid</span>", ">Part paid</span>"),
    "badge of another colour": (PAID, "nw-badge-teal", "nw-badge-green"),
    "money format": (PAID, "<dd id=\"nw-claim-billed\">USD ", "<dd id=\"nw-claim-billed\">$"),
    "date format": (PAID, '<dd id="nw-claim-dob">Aug 21, 1973', '<dd id="nw-claim-dob">1973-08-21'),
    "provider format": (PAID, " \u00b7 NPI 1990002028", " (1990002028)"),
    "place of service unknown": (PAID, "Office (11)", "Clinic (11)"),
    "remark column added": (PAID, '<th scope="col">Amount</th></tr>',
                            '<th scope="col">Amount</th><th scope="col">Remark</th></tr>'),
    "adjustment group unknown": (PAID, "<td>CO</td>", "<td>XX</td>"),
    "payment method unknown": (PAID, "<td>Check</td>", "<td>Wire</td>"),
    "name merged": (PAID, '<span class="nw-given">Delia</span> <span class="nw-family">'
                    'Shamberg</span>', "Delia Shamberg"),
    "title of another claim": (PAID, f">Claim {PAID}</h3>", ">Claim NW0000000000</h3>"),
    "eob link renamed": (PAID, ">Download EOB (PDF)</a>", ">EOB</a>"),
    "eob and no-eob both missing": (PENDING, '<p id="nw-claim-no-eob">', "<p>"),
    "allowed worded otherwise": (PENDING, ">Pending</dd>", ">Not yet</dd>"),
    "modifier format": (PAID, "<td>25</td>", "<td>25-A</td>"),
}


@pytest.mark.parametrize("drift", DRAWER_DRIFTS, ids=list(DRAWER_DRIFTS))
def test_any_drift_of_the_drawer_is_layout_changed(drift: str) -> None:
    number, old, new = DRAWER_DRIFTS[drift]
    html = _page(f"claim_{number}.html")
    at = html.index('<aside id="nw-claim-drawer"')  # the page also holds the list
    with pytest.raises(LayoutChanged):
        parse_claim_drawer(html[:at] + _changed(html[at:], old, new))


LIST_DRIFTS = {
    "column renamed": ('<th scope="col">Paid</th>', '<th scope="col">Plan paid</th>'),
    "columns moved": ('<th scope="col">Billed</th><th scope="col">Paid</th>',
                      '<th scope="col">Paid</th><th scope="col">Billed</th>'),
    "count disagrees": ("Showing 15 of 15 claims", "Showing 15 of 16 claims"),
    "load more still offered": ('<p id="nw-claims-end"', '<button id="nw-claims-more">Load '
                                'more</button><p id="nw-claims-end"'),
    "unknown status": (">Denied</span>", ">Rejected</span>"),
    "action renamed": (">View details</button>", ">Open</button>"),
}


@pytest.mark.parametrize("drift", LIST_DRIFTS, ids=list(LIST_DRIFTS))
def test_any_drift_of_the_list_is_layout_changed(drift: str) -> None:
    old, new = LIST_DRIFTS[drift]
    with pytest.raises(LayoutChanged):
        parse_claims_list(_changed(_page(f"list_{MEMBER}.html"), old, new))


def _paid_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAVED / f"claim_{PAID}.json").read_bytes())
    return data


JSON_DRIFTS = {
    "extra field": lambda d: d.update(remark_codes=[]),
    "missing field": lambda d: d.pop("patient_account_number"),
    "unknown status": lambda d: d.update(status="part_paid"),
    "money as text": lambda d: d.update(billed_cents="190.50"),
    "money as float": lambda d: d["lines"][0].update(paid_cents=10.5),
    "date format": lambda d: d.update(status_date="08/21/2025"),
    "unknown method": lambda d: d["payments"][0].update(method="wire"),
    "lines renumbered": lambda d: d["lines"][0].update(line_number=7),
    "eob elsewhere": lambda d: d["eob"].update(url="/files/eob.pdf"),
}


@pytest.mark.parametrize("drift", JSON_DRIFTS, ids=list(JSON_DRIFTS))
def test_any_drift_of_the_detail_json_is_layout_changed(drift: str) -> None:
    data = _paid_json()
    JSON_DRIFTS[drift](data)
    with pytest.raises(LayoutChanged) as info:
        parse_claim_detail(json.dumps(data).encode(), data["ref"])
    assert "Shamberg" not in str(info.value) and "1973" not in str(info.value)
