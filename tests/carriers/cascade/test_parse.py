"""Cascade's parsers on saved pages, no browser: v1 pages read exactly as expected; v2
pages and mutated v1 pages are refused as LayoutChanged, also without the layout marker."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from bots.carriers.cascade import selectors as S
from bots.carriers.cascade.parse import member_share, parse_record
from bots.carriers.cascade.parse_frame import parse_frame
from bots.errors import LayoutChanged, PatientMismatch
from bots.parsing import verify_patient
from fixtures.sandbox.cascade.expected_results import expected
from portals.model import EligibilityRequest, EligibilityResult, diff_results
from tests.carriers.cascade.pages import SAVED_MEMBERS, saved

MEMBER = SAVED_MEMBERS[0]
PERSON = expected(MEMBER).member


def compose(record_html: str, frame_html: str) -> EligibilityResult:
    """What the bot builds from the two documents (the PDF aside)."""
    record = parse_record(record_html)
    frame = parse_frame(frame_html, member=record.member, family=record.family)
    return EligibilityResult(carrier="cascade", member=record.member,
                             subscriber=record.subscriber, plan=record.plan,
                             coverage=record.coverage, benefits=frame.benefits,
                             prior_authorizations=frame.prior_authorizations,
                             documents=expected(record.member.member_id).documents)


@pytest.mark.parametrize("member_id", SAVED_MEMBERS)
def test_saved_v1_pages_read_exactly_as_expected(member_id: str) -> None:
    result = compose(saved("v1", f"record-{member_id}"), saved("v1", f"frame-{member_id}"))
    assert diff_results(expected(member_id), result) == []


def test_covered_percent_is_converted_to_the_members_share() -> None:
    assert member_share("80% covered", "x") == Decimal("0.2")
    assert member_share("100% covered", "x") == 0
    assert member_share("50% covered", "x") == Decimal("0.5")
    for shown in ("0% covered", "80%", "80 % covered", "101% covered", "Plan pays 80%"):
        with pytest.raises(LayoutChanged):
            member_share(shown, "x")


# -- v2 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("marker", ['data-layout="v2"', 'data-layout="v1"', ""],
                         ids=["v2", "marker-edited-to-v1", "marker-removed"])
@pytest.mark.parametrize("member_id", SAVED_MEMBERS)
def test_v2_record_page_is_refused_by_its_structure(member_id: str, marker: str) -> None:
    html = saved("v2", f"record-{member_id}")
    assert html.count('data-layout="v2"') == 1
    html = html.replace('data-layout="v2"', marker)
    # even with v1's main element, the cards, labels and frame are gone
    html = html.replace('<main id="hub"', '<main id="portal"')
    with pytest.raises(LayoutChanged) as raised:
        parse_record(html)
    if marker == 'data-layout="v1"':  # the marker check passed: the structure failed
        assert "layout" not in raised.value.message


def test_v2_inline_benefits_are_refused_by_the_frame_parser() -> None:
    html = saved("v2", f"record-{MEMBER}").replace('id="patient-record"',
                                                    'id="benefit-detail" data-layout="v1"')
    with pytest.raises(LayoutChanged):
        parse_frame(html, member=PERSON, family=True)


def test_v1_bot_knows_none_of_the_v2_sign_in_and_code_pages() -> None:
    known = [S.SIGNIN_FORM, S.USER_ID, S.PASSCODE, S.SIGNIN_SUBMIT, S.VERIFY_FORM,
             S.EMAIL_CODE, S.CODE_SENT, S.LOOKUP_FORM, S.MAINTENANCE, S.UNAVAILABLE,
             S.PASSCODE_EXPIRED]
    for name in ("signin", "verify"):
        page = BeautifulSoup(saved("v2", name), "html.parser")
        assert [s for s in known if page.select_one(s) is not None] == [], name


# -- mutated v1 pages ---------------------------------------------------------------------

RECORD_MUTATIONS = {
    "label renamed": ("<th scope=\"row\">Date of birth</th>", "<th scope=\"row\">DOB</th>"),
    "date reformatted": (r'(<td id="patient-dob">)(\d{2})-(\w{3})-(\d{4})', r"\1\4-\3-\2"),
    "field removed": (r'<tr><th scope="row">Sex</th><td id="patient-sex">\w</td></tr>', ""),
    "unknown status": ('>Active</td>', '>Pending</td>'),
    "card retitled": ("<h2>Subscriber</h2>", "<h2>Policyholder</h2>"),
    "frame removed": (r"<iframe[^>]*></iframe>", ""),
    "frame duplicated": (r"(<iframe[^>]*></iframe>)", r"\1\1"),
    "link renamed": (r"Download benefit summary \(PDF\)", "Plan summary"),
    "bad member id": (r'(<td id="patient-id">)CDN', r"\1MRD"),
}


@pytest.mark.parametrize("mutation", RECORD_MUTATIONS)
def test_mutated_record_page_is_refused(mutation: str) -> None:
    pattern, replacement = RECORD_MUTATIONS[mutation]
    html = saved("v1", f"record-{MEMBER}")
    changed = re.sub(pattern, replacement, html, count=1)
    assert changed != html, "the mutation changed nothing"
    with pytest.raises(LayoutChanged):
        parse_record(changed)


FRAME_MUTATIONS = {
    "column renamed": ("<th scope=\"col\">Met to date</th>", "<th scope=\"col\">Met</th>"),
    "columns swapped": ("<th scope=\"col\">Used</th><th scope=\"col\">Remaining</th>",
                        "<th scope=\"col\">Remaining</th><th scope=\"col\">Used</th>"),
    "money reformatted": (r"USD (\d)", r"$\1"),
    "amounts do not add up": (r"(<td>USD 1,500\.00</td><td>USD [\d,.]+</td><td>USD )1,",
                              r"\g<1>2,"),
    "percent as plan pays": (r"(\d+)% covered", r"Plan pays \1%"),
    "unknown class": (">Basic restorative<", ">Major<"),
    "unknown frequency rule": ("per calendar year", "per benefit year"),
    "last service reformatted": (r"<td>(\d{2})-(\w{3})-(\d{4})</td></tr>",
                                 r"<td>\3-\2-\1</td></tr>"),
    "waiting not in months": (r"<td>(\d+) months</td>", r"<td>\1 mo</td>"),
    "section renamed": ("<h2>Not covered</h2>", "<h2>Exclusions</h2>"),
    "section removed": (r'<section id="waiting-periods">.*?</section>', ""),
    "member line reworded": ("Benefits for ", "Showing "),
    "bad CDT code": ("<th scope=\"row\">D2740</th>", "<th scope=\"row\">2740</th>"),
    "marker removed": (r' data-layout="v1"', ""),
}


@pytest.mark.parametrize("mutation", FRAME_MUTATIONS)
def test_mutated_frame_is_refused(mutation: str) -> None:
    pattern, replacement = FRAME_MUTATIONS[mutation]
    html = saved("v1", f"frame-{MEMBER}")
    changed = re.sub(pattern, replacement, html, count=1, flags=re.DOTALL)
    assert changed != html, "the mutation changed nothing"
    with pytest.raises(LayoutChanged):
        parse_frame(changed, member=PERSON, family=True)


def test_frame_must_agree_with_the_record_on_family_rows() -> None:
    with pytest.raises(LayoutChanged, match="tiers"):
        parse_frame(saved("v1", f"frame-{MEMBER}"), member=PERSON, family=False)
    with pytest.raises(LayoutChanged, match="tiers"):
        parse_frame(saved("v1", "frame-CDN522423100"),
                    member=expected("CDN522423100").member, family=True)


# -- the right patient ----------------------------------------------------------------------

def test_frame_of_another_member_is_a_patient_mismatch_before_anything_is_read() -> None:
    record = parse_record(saved("v1", f"record-{MEMBER}"))
    with pytest.raises(PatientMismatch, match="member ID"):  # an individual member's frame
        parse_frame(saved("v1", "frame-CDN522423100"), member=record.member,
                    family=record.family)
    same_id = saved("v1", f"frame-{MEMBER}").replace("Rootley, Reggie", "Rootley, Olive")
    with pytest.raises(PatientMismatch, match="name"):
        parse_frame(same_id, member=record.member, family=record.family)


@pytest.mark.parametrize("change", [{"member_id": "CDN534568102"},
                                    {"date_of_birth": "2012-01-01"},
                                    {"last_name": "Gumley"}, {"first_name": "Olive"}])
def test_record_of_another_patient_is_a_patient_mismatch(change: dict[str, str]) -> None:
    record = parse_record(saved("v1", f"record-{MEMBER}"))
    person = record.member
    request = EligibilityRequest.model_validate({
        "carrier": "cascade", "member_id": person.member_id,
        "date_of_birth": person.date_of_birth.isoformat(), "last_name": person.last_name,
        "first_name": person.first_name, **change})
    with pytest.raises(PatientMismatch):
        verify_patient(person, request)
