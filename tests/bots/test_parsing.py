import datetime as dt
from decimal import Decimal

import pytest

from bots import parsing
from bots.errors import LayoutChanged


@pytest.mark.parametrize("raw,value", [
    ("$1,234.56", Decimal("1234.56")), ("$0.00", Decimal("0")), ("1500", Decimal("1500")),
    ("($20.00)", Decimal("-20.00")),
])
def test_money(raw: str, value: Decimal) -> None:
    assert parsing.money(raw, "x") == value


@pytest.mark.parametrize("raw", ["", "N/A", "$1.2.3", "twenty", "$12.345"])
def test_money_refuses_what_is_not_money(raw: str) -> None:
    with pytest.raises(LayoutChanged):
        parsing.money(raw, "deductible")


def test_percent_is_an_exact_fraction() -> None:
    assert parsing.percent_fraction("20%", "x") == Decimal("0.2")
    assert parsing.percent_fraction("12.5 %", "x") == Decimal("0.125")
    with pytest.raises(LayoutChanged):
        parsing.percent_fraction("0.2", "x")


def test_dates_follow_the_portal_format() -> None:
    assert parsing.date("03/04/1980", "%m/%d/%Y", "x") == dt.date(1980, 3, 4)
    with pytest.raises(LayoutChanged):
        parsing.date("1980-03-04", "%m/%d/%Y", "dob")


def test_unknown_label_is_a_layout_change() -> None:
    table = {"Urgent Care": "UC"}
    assert parsing.lookup(table, " urgent  care ", "copay") == "UC"
    with pytest.raises(LayoutChanged, match="Walk-in"):
        parsing.lookup(table, "Walk-in", "copay")


def test_one_requires_exactly_one_match() -> None:
    page = parsing.soup("<p class=a>1</p><p class=a>2</p>")
    with pytest.raises(LayoutChanged, match="2 times"):
        parsing.one(page, "p.a", "value")
