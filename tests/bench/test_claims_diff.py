"""The claim diff: claims by number, lines by line number, money by value; every field
compared is counted, every difference named by its path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bench.claims import FULL_FROM, FULL_TO
from bench.claims_diff import diff_claims
from portals.claims import Adjustment, AdjustmentGroup, Claim, ClaimResult
from tests.bench import fake_sandbox


def _many_claims() -> ClaimResult:
    """The fake carrier's member with the most claims, every state among them."""
    results = [fake_sandbox.expected_claims(m["member_id"], service_from=FULL_FROM,
                                            service_to=FULL_TO)
               for m in fake_sandbox.members()]
    return max(results, key=lambda r: len(r.claims))


def _replace_claim(result: ClaimResult, index: int, claim: Claim) -> ClaimResult:
    claims = list(result.claims)
    claims[index] = claim
    return result.model_copy(update={"claims": claims})


def _adjudicated(result: ClaimResult) -> int:
    return next(i for i, c in enumerate(result.claims)
                if c.status.category.finalized and c.lines[0].adjustments)


def test_the_truth_equals_itself_and_every_field_is_counted() -> None:
    truth = _many_claims()
    diff = diff_claims(truth, truth)
    assert diff.exact and diff.problems() == []
    assert diff.claims_compared == len(truth.claims) >= 10
    assert diff.fields_compared > 30 * len(truth.claims)


def test_claims_match_by_number_whatever_their_order() -> None:
    truth = _many_claims()
    diff = diff_claims(truth, truth.model_copy(update={"claims": list(reversed(truth.claims))}))
    assert diff.exact, diff.problems()
    assert diff.claims_compared == len(truth.claims)


def test_a_claim_number_in_other_case_is_the_same_claim_read_wrong() -> None:
    truth = _many_claims()
    first = truth.claims[0]
    actual = _replace_claim(truth, 0, first.model_copy(
        update={"claim_number": first.claim_number.lower()}))
    diff = diff_claims(truth, actual)
    assert diff.mismatches == [f"claims[{first.claim_number}].claim_number"]
    assert diff.missing == diff.unexpected == []


def test_money_and_units_compare_by_value() -> None:
    truth = _many_claims()
    claim = truth.claims[0]
    line = claim.lines[0]
    padded = line.model_copy(update={"billed": Decimal(f"{line.billed:.4f}"),
                                     "units": Decimal(f"{line.units:.2f}")})
    actual = _replace_claim(truth, 0, claim.model_copy(
        update={"lines": [padded, *claim.lines[1:]],
                "billed": Decimal(f"{claim.billed:.3f}")}))
    assert diff_claims(truth, actual).exact


def test_a_wrong_field_is_named_by_claim_line_and_field() -> None:
    truth = _many_claims()
    i = _adjudicated(truth)
    claim = truth.claims[i]
    line = claim.lines[0].model_copy(update={"paid": claim.lines[0].paid + 1})
    status = claim.status.model_copy(update={"date": claim.status.date - dt.timedelta(1)})
    actual = _replace_claim(truth, i, claim.model_copy(
        update={"lines": [line, *claim.lines[1:]], "status": status}))
    diff = diff_claims(truth, actual)
    number = claim.claim_number
    assert diff.mismatches == [f"claims[{number}].lines[1].paid",
                               f"claims[{number}].status.date"]
    assert diff.missing == diff.unexpected == []
    assert diff.fields_compared == diff_claims(truth, truth).fields_compared


def test_missing_and_unexpected_claims_are_counted_apart_from_fields() -> None:
    truth = _many_claims()
    dropped, kept = truth.claims[0], truth.claims[1:]
    stranger = kept[0].model_copy(update={"claim_number": "ZZ999999"})
    diff = diff_claims(truth, truth.model_copy(update={"claims": [*kept, stranger]}))
    assert diff.missing == [dropped.claim_number]
    assert diff.unexpected == ["ZZ999999"]
    assert diff.mismatches == []
    assert diff.claims_compared == len(kept)
    assert not diff.exact
    assert f"missing claim {dropped.claim_number}" in diff.problems()


def test_an_empty_result_misses_every_claim() -> None:
    truth = _many_claims()
    diff = diff_claims(truth, ClaimResult(carrier=truth.carrier))
    assert len(diff.missing) == len(truth.claims) and diff.claims_compared == 0


def test_a_claim_read_twice_is_a_mismatch() -> None:
    truth = _many_claims()
    diff = diff_claims(truth, truth.model_copy(
        update={"claims": [*truth.claims, truth.claims[0]]}))
    assert diff.mismatches == [f"claims[{truth.claims[0].claim_number}]: appears twice"]


def test_lines_match_by_line_number() -> None:
    truth = _many_claims()
    i = next(i for i, c in enumerate(truth.claims) if len(c.lines) >= 2)
    claim = truth.claims[i]
    renumbered = claim.lines[-1].model_copy(update={"line_number": 9})
    actual = _replace_claim(truth, i, claim.model_copy(
        update={"lines": [*claim.lines[:-1], renumbered]}))
    n = claim.claim_number
    last = claim.lines[-1].line_number
    assert diff_claims(truth, actual).mismatches == [f"claims[{n}].lines[{last}]: missing",
                                                     f"claims[{n}].lines[9]: unexpected"]


@pytest.mark.parametrize("change", ["amount", "group", "dropped"])
def test_adjustments_compare_as_a_multiset_and_say_what_differs(change: str) -> None:
    truth = _many_claims()
    i = _adjudicated(truth)
    claim = truth.claims[i]
    adjustment = claim.lines[0].adjustments[0]
    changed: list[Adjustment] = {
        "amount": [adjustment.model_copy(update={"amount": adjustment.amount + 1})],
        "group": [adjustment.model_copy(update={"group": AdjustmentGroup.OTHER})],
        "dropped": [],
    }[change]
    line = claim.lines[0].model_copy(
        update={"adjustments": [*changed, *claim.lines[0].adjustments[1:]]})
    actual = _replace_claim(truth, i, claim.model_copy(
        update={"lines": [line, *claim.lines[1:]]}))
    (problem,) = diff_claims(truth, actual).mismatches
    assert problem.startswith(f"claims[{claim.claim_number}].lines[1].adjustments: missing [")
    assert f"{adjustment.group}-{adjustment.reason}" in problem
    assert ("unexpected []" in problem) == (change == "dropped")


def test_adjustment_amounts_compare_by_value() -> None:
    truth = _many_claims()
    i = _adjudicated(truth)
    claim = truth.claims[i]
    adjustments = [a.model_copy(update={"amount": Decimal(f"{a.amount:.3f}")})
                   for a in claim.lines[0].adjustments]
    line = claim.lines[0].model_copy(update={"adjustments": list(reversed(adjustments))})
    actual = _replace_claim(truth, i, claim.model_copy(
        update={"lines": [line, *claim.lines[1:]]}))
    assert diff_claims(truth, actual).exact


def test_modifiers_compare_in_order_as_one_field() -> None:
    truth = _many_claims()
    claim = truth.claims[0]
    line = claim.lines[0].model_copy(update={"modifiers": ["59", "XU"]})
    actual = _replace_claim(truth, 0, claim.model_copy(
        update={"lines": [line, *claim.lines[1:]]}))
    assert diff_claims(truth, actual).mismatches == \
        [f"claims[{claim.claim_number}].lines[1].modifiers"]


def test_the_carrier_and_documents_are_compared() -> None:
    truth = _many_claims()
    diff = diff_claims(truth, truth.model_copy(update={"carrier": "other"}))
    assert diff.mismatches == ["carrier"]
    document = {"kind": "eob", "filename": "eob.pdf", "content_type": "application/pdf",
                "sha256": "0" * 64, "size": 10}
    with_doc = ClaimResult.model_validate({**truth.model_dump(), "documents": [document]})
    assert diff_claims(truth, with_doc).mismatches == ["documents[eob.pdf]: unexpected"]
