"""The sample pytest runs through the bots is small, varied and stable; the population it
stands for is large (`make bench` runs all of it)."""

from __future__ import annotations

import pytest

from bench.claims import FULL_FROM, FULL_TO
from bench.kinds import skip_reason
from bench.sample import sample_members, spot_members
from bots.registry import registry
from fixtures.sandbox import carriers
from fixtures.sandbox.carriers import SandboxCarrier
from portals.model import Relationship


@pytest.mark.parametrize("carrier", carriers.names())
def test_eligibility_sample_is_varied_and_the_population_large(carrier: str) -> None:
    truth = carriers.get(carrier)
    everyone = truth.members()
    sample = sample_members(truth, "eligibility")
    assert len(everyone) >= 50
    assert len(sample) == 4
    assert sample[0] == everyone[0] and sample[-1] == everyone[-1]
    results = [truth.expected(m["member_id"]) for m in sample]
    assert any(not r.is_active for r in results)
    assert any(r.member.relationship is not Relationship.SELF for r in results)
    assert sample == sample_members(truth, "eligibility")


def _claims_sample_is_varied(truth: SandboxCarrier) -> None:
    sample = sample_members(truth, "claim_status")
    counts = [len(truth.expected_claims(m["member_id"], service_from=FULL_FROM,
                                        service_to=FULL_TO).claims) for m in sample]
    assert len(sample) == 2
    assert 0 in counts and max(counts) >= 10  # no claims at all; paging and windows
    assert max(counts) == max(len(truth.expected_claims(
        m["member_id"], service_from=FULL_FROM, service_to=FULL_TO).claims)
        for m in truth.members())
    assert sample == sample_members(truth, "claim_status")


def test_claims_sample_of_the_fake_carrier_is_varied(fakecare: SandboxCarrier) -> None:
    _claims_sample_is_varied(fakecare)


@pytest.mark.parametrize("carrier", carriers.names())
def test_claims_sample_is_varied_where_the_sandbox_has_claims(carrier: str) -> None:
    truth = carriers.get(carrier)
    reason = skip_reason("claim_status", registry.get(carrier), truth)
    if reason is not None and "sandbox" in reason:
        pytest.skip(reason)
    _claims_sample_is_varied(truth)


@pytest.mark.parametrize("carrier", carriers.names())
def test_the_v2_spot_check_is_first_middle_and_last(carrier: str) -> None:
    everyone = carriers.get(carrier).members()
    assert spot_members(carriers.get(carrier)) == \
        [everyone[0], everyone[len(everyone) // 2], everyone[-1]]
