"""How a result reads to staff: money, percent, accumulator rows, limitations, prior auth."""

from __future__ import annotations

from decimal import Decimal

from api.presenters import SERVICE_TYPE_NAMES, money, percent, present, service_name
from portals.model import ServiceType
from tests.api.factories import rich_result


def test_formats() -> None:
    assert money(Decimal("1500")) == "$1,500.00"
    assert money(Decimal("0.1")) == "$0.10"
    assert money(None) == "—"
    assert percent(Decimal("0.2")) == "20%"
    assert percent(Decimal("0.125")) == "12.5%"
    assert percent(Decimal("0")) == "0%"


def test_every_service_type_of_the_model_has_a_readable_name() -> None:
    assert all(code.value in SERVICE_TYPE_NAMES for code in ServiceType)
    assert service_name("ZZ") == "Service type ZZ"


def test_accumulators_always_have_four_rows() -> None:
    view = present(rich_result(), ["99213", "70551"])
    rows = {row.testid: row for row in view.deductible}
    assert list(rows) == ["deductible-individual-in", "deductible-individual-out",
                          "deductible-family-in", "deductible-family-out"]
    assert (rows["deductible-individual-in"].met,
            rows["deductible-individual-in"].remaining) == ("$500.00", "$1,000.00")
    assert rows["deductible-family-out"].amount == "—"
    assert [row.testid for row in view.out_of_pocket][0] == "oop-individual-in"


def test_limitations_pair_allowed_with_remaining() -> None:
    (row,) = present(rich_result(), []).limitations
    assert (row.service, row.allowed, row.remaining, row.unit) == ("Chiropractic", "20", "14",
                                                                  "visits")


def test_requested_codes_needing_authorization_come_first() -> None:
    view = present(rich_result(), ["99213", "70551"])
    assert [(pa.code, pa.requested) for pa in view.prior_auth] == [("70551", True),
                                                                   ("97110", False)]
    assert view.requested_codes == [("99213", False), ("70551", True)]
