"""The Summit claims parser on saved pages, without a browser: every claim of the showcase
(every status, checks and EFTs, a claim paid twice) read exactly as expected; the result
list's paging; v2 and drift (a renamed label, a moved column, a missing field) refused."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.carriers.summit.parse_claims import (
    parse_claim_detail,
    parse_claim_list,
    parse_remittance,
    pdf_filename,
    windows,
    with_payments,
)
from bots.errors import LayoutChanged
from fixtures.sandbox.summit import expected_claims
from fixtures.sandbox.summit.claims_snapshots import (
    CLAIMS_DIR,
    PAGED_MEMBER,
    PAGED_WINDOW,
    SHOWCASE,
    capture,
    owner,
)


def saved(name: str) -> str:
    return (CLAIMS_DIR / name).read_text(encoding="utf-8")


def test_saved_claims_pages_are_current() -> None:
    """The saved pages are what the sandbox renders today (regenerate with
    ``python -m fixtures.sandbox.summit.claims_snapshots``)."""
    rendered = capture()
    assert sorted(rendered) == sorted(p.name for p in CLAIMS_DIR.glob("*.html"))
    for file_name, text in rendered.items():
        assert saved(file_name) == text, file_name


@pytest.mark.parametrize("number", sorted(SHOWCASE.values()))
def test_every_showcase_claim_reads_exactly(number: str) -> None:
    page = parse_claim_detail(saved(f"claim-{number}.html"))
    remittances = [parse_remittance(saved(f"remit-{pay}.html")) for pay, _ in page.payments]
    claim = with_payments(page, remittances)
    want = expected_claims(owner(number), claim_number=number).claims
    assert [claim] == want
    assert claim.model_dump(mode="json") == want[0].model_dump(mode="json")  # to the cent


def test_showcase_covers_every_status_and_payment_method() -> None:
    claims = [parse_claim_detail(saved(f"claim-{n}.html")) for n in SHOWCASE.values()]
    assert {c.claim.status.category.value for c in claims} == \
        {"A1", "A2", "P1", "P3", "F1", "F2", "F3", "F4"}
    methods = {parse_remittance(saved(f"remit-{pay}.html")).payment.method.value
               for c in claims for pay, _ in c.payments}
    assert methods == {"CHK", "ACH"}
    assert any(c.claim.rendering_provider is None for c in claims)
    assert all(c.claim.allowed is None and c.claim.status.code is None for c in claims)


def test_result_pages_list_every_claim_of_the_window_once() -> None:
    first = parse_claim_list(saved(f"list-{PAGED_MEMBER}-1.html"))
    second = parse_claim_list(saved(f"list-{PAGED_MEMBER}-2.html"))
    assert (first.page, first.pages, second.page, second.pages) == (1, 2, 2, 2)
    assert first.next_href.endswith("pg=2") and second.next_href == ""
    assert first.member_id == PAGED_MEMBER and len(first.claims) == 5
    start, end = PAGED_WINDOW
    want = [c.claim_number for c in expected_claims(
        PAGED_MEMBER, service_from=start, service_to=end).claims]
    assert [n for n, _ in first.claims + second.claims] == want


def test_windows_are_consecutive_and_at_most_90_days() -> None:
    start, end = dt.date(2025, 4, 30), dt.date(2026, 10, 31)
    cut = windows(start, end)
    assert cut[0][0] == start and cut[-1][1] == end and len(cut) == 7
    for (a, b), (c, _) in zip(cut, cut[1:], strict=False):
        assert (b - a).days == 89 and c == b + dt.timedelta(days=1)
    assert windows(end, end) == [(end, end)]
    assert windows(start, start + dt.timedelta(days=89)) == \
        [(start, start + dt.timedelta(days=89))]


def test_pdf_filename_is_the_portals() -> None:
    assert pdf_filename('attachment; filename="SBA_RA_10000141.pdf"') == "SBA_RA_10000141.pdf"
    for bad in (None, 'inline; filename="x.pdf"', 'attachment; filename="../x.pdf"'):
        with pytest.raises(LayoutChanged):
            pdf_filename(bad)


# -- v2 and drift ------------------------------------------------------------------------------

V2_PAGES = ["v2-clmsearch.html", f"v2-list-{PAGED_MEMBER}-1.html",
            f"v2-claim-{SHOWCASE['F3-CHK']}.html", "v2-remit-10000141.html"]


@pytest.mark.parametrize("name", V2_PAGES)
@pytest.mark.parametrize("forged", [False, True])
def test_v2_pages_are_refused(name: str, forged: bool) -> None:
    html = saved(name)
    if forged:  # a redesign that forgot to change its marker
        html = html.replace('content="v2"', 'content="v1"')
    for parse in (parse_claim_list, parse_claim_detail, parse_remittance):
        with pytest.raises(LayoutChanged):
            parse(html)


PAID_TWICE = f"claim-{SHOWCASE['F3-CHK']}.html"
LISTING = f"list-{PAGED_MEMBER}-1.html"

DRIFT = {
    "renamed label": (PAID_TWICE, "Total Paid:", "Amount Paid:"),
    "missing field": (PAID_TWICE, '<td class="lbl" width="18%">Patient Resp:</td>'
                      '<td class="val" width="32%">$23.87</td>', ""),
    "renamed line column": (PAID_TWICE, "<b>Proc Code</b>", "<b>CPT</b>"),
    "moved line columns": (PAID_TWICE, "<b>Billed</b></font></td><td><font color=\"#FFFFFF\">"
                           "<b>Paid</b>", "<b>Paid</b></font></td><td><font color=\"#FFFFFF\">"
                           "<b>Billed</b>"),
    "unknown status": (PAID_TWICE, ">ADJUSTED<", ">RE-ADJUDICATED<"),
    "money with a separator": (PAID_TWICE, "$248.75", "$1,248.75"),
    "unknown adjustment group": (PAID_TWICE, "<td>PR</td>", "<td>XX</td>"),
    "adjustment on a missing line": (PAID_TWICE, "<tr><td>2</td><td>PR</td>",
                                     "<tr><td>7</td><td>PR</td>"),
    "place of service unknown": (PAID_TWICE, "11 - OFFICE", "11 - CLINIC"),
    "payment outside the frame": (PAID_TWICE, 'target="remit">10000141',
                                  'target="_blank">10000141'),
    "no remittance frame": (PAID_TWICE, '<iframe name="remit"', '<iframe name="viewer"'),
    "bad NPI": (PAID_TWICE, "1990001012", "199000101"),
    "moved list column": (LISTING, "<b>Billed</b></font></td><td><font color=\"#FFFFFF\">"
                          "<b>Paid</b>", "<b>Paid</b></font></td><td><font color=\"#FFFFFF\">"
                          "<b>Billed</b>"),
    "list pager reworded": (LISTING, "Page 1 of 2", "Page 1 / 2"),
    "list without next": (LISTING, "Next &gt;&gt;", "More"),
}


@pytest.mark.parametrize("case", sorted(DRIFT))
def test_drift_is_layout_changed(case: str) -> None:
    name, old, new = DRIFT[case]
    html = saved(name)
    assert old in html, case
    parse = parse_claim_list if name.startswith("list-") else parse_claim_detail
    with pytest.raises(LayoutChanged):
        parse(html.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new"), [
    ("Payment Method:", "Method:"),
    (">CHECK<", ">WIRE<"),
    ("pay=10000141\">", "pay=10000999\">"),
    ('<td class="lbl" width="30%">Payment Date:</td><td class="val">2026-08-11</td>', ""),
])
def test_remittance_drift_is_layout_changed(old: str, new: str) -> None:
    html = saved("remit-10000141.html")
    assert old in html
    with pytest.raises(LayoutChanged):
        parse_remittance(html.replace(old, new, 1))


def test_a_remittance_of_another_claim_is_refused() -> None:
    page = parse_claim_detail(saved(PAID_TWICE))
    other = parse_remittance(saved("remit-EFT900000531.html"))
    with pytest.raises(LayoutChanged):
        with_payments(page, [other, other])
    mine = [parse_remittance(saved(f"remit-{pay}.html")) for pay, _ in page.payments]
    with pytest.raises(LayoutChanged):
        with_payments(page, mine[:1])  # a payment link left unread
