"""The v2 redesign on saved pages: the v1 parser refuses every v2 result page, also when
the layout marker lies; the v1 bot's selectors find nothing on the v2 sign-in page; and
v2 still shows a person the same facts as v1."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from bots.carriers.meridian import selectors as S
from bots.carriers.meridian.parse import parse_benefits
from bots.errors import LayoutChanged
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.expected import expected_result
from portals.model import diff_results
from tests.carriers.meridian.pages import SAVED_MEMBERS, saved
from tests.carriers.meridian.v2_reader import read_v2_page

V2_MARKER = 'data-layout="v2"'


def _with_marker(html: str, marker: str | None) -> str:
    assert html.count(V2_MARKER) == 1
    return html.replace(" " + V2_MARKER, "" if marker is None else f' data-layout="{marker}"')


def _last_names() -> dict[str, str]:
    return {m.member_id: m.last_name for m in carrier_data("meridian").members}


@pytest.mark.parametrize("member_id", SAVED_MEMBERS)
def test_v2_result_page_is_refused(member_id: str) -> None:
    with pytest.raises(LayoutChanged):
        parse_benefits(saved("v2", f"benefits-{member_id}"))


@pytest.mark.parametrize("marker", ["v1", None], ids=["marker-edited-to-v1", "marker-removed"])
@pytest.mark.parametrize("member_id", SAVED_MEMBERS)
def test_v2_result_page_is_refused_by_its_structure_not_its_marker(
    member_id: str, marker: str | None
) -> None:
    html = _with_marker(saved("v2", f"benefits-{member_id}"), marker)
    with pytest.raises(LayoutChanged) as raised:
        parse_benefits(html)
    if marker == "v1":  # the marker check passed: the structure is what failed
        assert "known (v1) layout" not in raised.value.message
        assert "sections" in raised.value.message


def test_v2_panels_under_v1_section_names_are_still_refused() -> None:
    """Even if v2 had kept v1's section ids and headings, its contents give it away."""
    page = BeautifulSoup(_with_marker(saved("v2", f"benefits-{SAVED_MEMBERS[0]}"), "v1"),
                         "html.parser")
    result = page.select_one("#eligibility-result")
    assert result is not None
    panels = result.find_all("section", recursive=False)
    for panel, (section_id, heading) in zip(panels, S.SECTIONS, strict=False):
        panel["id"] = section_id
        h2 = panel.find("h2")
        assert h2 is not None
        h2.string = heading
    for section_id, heading in S.SECTIONS[len(panels):]:
        extra = page.new_tag("section", attrs={"id": section_id})
        title = page.new_tag("h2")
        title.string = heading
        extra.append(title)
        result.append(extra)
    with pytest.raises(LayoutChanged, match="found 0 times"):
        parse_benefits(str(page))


def test_v1_bot_finds_none_of_its_sign_in_states_on_the_v2_login_page() -> None:
    """Where the v1 bot stops on v2: its first wait (search, login, notice, maintenance,
    unavailable) matches nothing, so it times out as LayoutChanged before typing anything."""
    v1, v2 = BeautifulSoup(saved("v1", "login"), "html.parser"), \
        BeautifulSoup(saved("v2", "login"), "html.parser")
    waited_for = [S.SEARCH_FORM, S.LOGIN_FORM, S.NOTICE_FORM, S.MAINTENANCE, S.UNAVAILABLE]
    assert v1.select_one(S.LOGIN_FORM) is not None
    assert [s for s in waited_for if v2.select_one(s) is not None] == []
    assert [s for s in (S.USERNAME, S.PASSWORD, S.LOGIN_BUTTON, S.LOGIN_ERROR)
            if v2.select_one(s) is not None] == []
    # a person still finds a working form: the same field names under new ids and labels
    form = v2.select_one("form#signin-form")
    assert form is not None
    labels = [label.get_text(strip=True) for label in form.select("label")]
    assert labels == ["User ID", "Passcode"]
    assert [i["name"] for i in form.select("input:not([type=hidden])")] == ["username",
                                                                             "password"]


def test_v2_search_form_kept_its_ids() -> None:
    """A bot still holding a v1 session reaches the v2 result page (the parser stops it)."""
    page = BeautifulSoup(saved("v2", "search"), "html.parser")
    for selector in (S.SEARCH_FORM, S.MEMBER_ID, S.DOB, S.LAST_NAME, S.SEARCH_BUTTON):
        assert page.select_one(selector) is not None, selector
    assert page.select_one(S.SEARCH_ERROR) is None


@pytest.mark.parametrize("member_id", SAVED_MEMBERS)
def test_v2_page_shows_a_person_the_same_facts(member_id: str) -> None:
    result = read_v2_page(saved("v2", f"benefits-{member_id}"), _last_names())
    assert diff_results(expected_result("meridian", member_id), result) == []
