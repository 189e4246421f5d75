"""Summit's dataset: generated deterministically, committed as generated, obviously fictional,
and the expected results hold the names the way the portal shows them."""

from __future__ import annotations

from collections import Counter

from fixtures.sandbox import carriers
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.summit import SECURITY_QUESTIONS, expected, members, new_account
from fixtures.sandbox.summit.seed import DATA_FILE, LAST_NAMES, render
from portals.model import CoverageStatus


def test_committed_file_is_the_generators_output() -> None:
    assert DATA_FILE.read_text(encoding="utf-8") == render()


def test_members_are_many_fictional_and_varied() -> None:
    data = carrier_data("summit")
    assert 55 <= len(data.members) <= 70
    assert all(m.member_id.startswith("SBA") for m in data.members)
    assert {m.last_name for m in data.members} <= set(LAST_NAMES)
    statuses = Counter(m.coverage.status for m in data.members)
    assert statuses[CoverageStatus.INACTIVE] and statuses[CoverageStatus.TERMINATED]
    relationships = Counter(m.relationship for m in data.members)
    assert relationships["spouse"] and relationships["child"]
    assert all(" " not in m.first_name for m in data.members)  # FIRST LAST splits
    assert any(" " in m.last_name for m in data.members)


def test_registered_with_its_port_offset() -> None:
    carrier = carriers.get("summit")
    assert (carrier.display_name, carrier.port_offset) == ("Summit Benefit Administrators", 3)
    assert carrier.members() == members()


def test_expected_names_are_shown_in_capitals() -> None:
    member = carrier_data("summit").members[5]
    result = expected(member.member_id)
    assert result.member.first_name == member.first_name.upper()
    assert result.member.last_name == member.last_name.upper()
    assert result.subscriber.last_name == member.last_name.upper()
    assert result.carrier == "summit"


def test_new_accounts_have_three_security_questions() -> None:
    account = new_account("someone", "pw")
    assert set(account) == {"username", "password", "security_answers"}
    assert len(account["security_answers"]) == 3
    assert set(account["security_answers"]) <= set(SECURITY_QUESTIONS)
    assert new_account("someone", "pw")["security_answers"] != account["security_answers"]
