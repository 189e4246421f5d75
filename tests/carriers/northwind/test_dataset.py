"""Northwind's seeded dataset, its registration and the expected results derived from it."""

from __future__ import annotations

import json
import re
from collections import Counter

from bots.carriers.northwind.api import parse_benefits_json
from fixtures.sandbox import carriers
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.expected import expected_result, members
from fixtures.sandbox.northwind import new_account
from fixtures.sandbox.northwind.payload import benefits_v1
from fixtures.sandbox.northwind.seed import DATA_FILE, generate
from portals.model import CoverageStatus, diff_results

DATA = carrier_data("northwind")
FICTIONAL_ROOTS = ("test", "sandbox", "mock", "fake", "stub", "fixture", "dumm", "sample",
                   "faux", "sham", "pretend", "simul")


def test_the_committed_file_is_what_the_seed_generates() -> None:
    assert json.loads(DATA_FILE.read_text(encoding="utf-8")) == generate()


def test_the_carrier_is_registered_on_its_port_offset() -> None:
    carrier = carriers.get("northwind")
    assert (carrier.display_name, carrier.port_offset) == ("Northwind Mutual", 1)
    assert len(members("northwind")) == len(DATA.members)


def test_between_55_and_70_members_with_unique_prefixed_ids() -> None:
    ids = [m.member_id for m in DATA.members]
    assert 55 <= len(ids) <= 70
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"NWM\d{6}-\d{2}", i) for i in ids)


def test_names_and_groups_read_as_test_data() -> None:
    for m in DATA.members:
        assert any(root in m.last_name.lower() for root in FICTIONAL_ROOTS), m.last_name
        assert any(root in m.plan.group_name.lower() for root in FICTIONAL_ROOTS)
        assert " " not in m.last_name and "," not in m.first_name + m.last_name
    assert any("'" in m.last_name for m in DATA.members)
    assert any("-" in m.last_name for m in DATA.members)
    assert any(" " in m.first_name for m in DATA.members)


def test_statuses_families_and_dependants() -> None:
    statuses = Counter(m.coverage.status for m in DATA.members)
    assert statuses[CoverageStatus.INACTIVE] and statuses[CoverageStatus.TERMINATED]
    by_id = {m.member_id: m for m in DATA.members}
    dependants = [m for m in DATA.members if m.relationship != "self"]
    assert {m.relationship for m in dependants} == {"spouse", "child"}
    for m in dependants:
        subscriber = by_id[m.subscriber_id]
        assert subscriber.relationship == "self" and subscriber.coverage.level == "FAM"
        assert m.benefits.deductible.family == subscriber.benefits.deductible.family
    assert any(any(c.out_of_network is not None for c in m.benefits.copays)
               for m in DATA.members)


def test_every_members_json_carries_exactly_the_expected_result() -> None:
    """What the SPA is given (and draws) holds every expected fact and nothing else."""
    for member in DATA.members:
        body = json.dumps(benefits_v1(DATA, member)).encode()
        assert diff_results(expected_result("northwind", member.member_id),
                            parse_benefits_json(body)) == [], member.member_id


def test_new_accounts_get_a_fictional_phone() -> None:
    account = new_account("someone", "pw")
    assert set(account) == {"username", "password", "phone"}
    assert re.fullmatch(r"\+1-555-01\d{2}-\d{4}", account["phone"])
