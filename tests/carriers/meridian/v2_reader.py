"""A test-only reader of the v2 ("Provider Hub") eligibility page, written from the README's
v2 section. It exists to prove that v2 shows the same facts as v1 (a person can still
read them); the bot is never taught v2."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from portals.model import (
    BenefitKind,
    BenefitLine,
    Coverage,
    CoverageLevel,
    CoverageStatus,
    EligibilityResult,
    Gender,
    Network,
    Person,
    Plan,
    PriorAuthRequirement,
    QuantityQualifier,
    Relationship,
    ServiceType,
    TimePeriod,
)

SERVICES = {
    "Primary Care Visit": ServiceType.OFFICE_VISIT, "Urgent Care Center": ServiceType.URGENT_CARE,
    "Emergency Room Visit": ServiceType.EMERGENCY,
    "Outpatient Mental Health": ServiceType.MENTAL_HEALTH, "Generic Drugs": ServiceType.PHARMACY,
    "Chiropractic Care": ServiceType.CHIROPRACTIC, "Physical Therapy": ServiceType.PHYSICAL_THERAPY,
    "Medical Care": ServiceType.MEDICAL_CARE, "Dental Care": ServiceType.DENTAL_CARE,
    "Vision Care": ServiceType.VISION, "Hospital Services": ServiceType.HOSPITAL,
}
NETWORKS = {"In Network": Network.IN, "Out of Network": Network.OUT}
TIERS = {"Individual": CoverageLevel.INDIVIDUAL, "Family": CoverageLevel.FAMILY}
BENEFITS = {"Deductible": BenefitKind.DEDUCTIBLE, "Out-of-Pocket Max": BenefitKind.OUT_OF_POCKET}
RELATIONSHIPS = {"Self": Relationship.SELF, "Spouse": Relationship.SPOUSE,
                 "Dependent Child": Relationship.CHILD}


def _text(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ", strip=True).split())


def _money(text: str) -> Decimal:
    assert re.fullmatch(r"\$\d{1,3}(,\d{3})*(\.\d{2})?", text), text
    return Decimal(text[1:].replace(",", ""))


def _table(page: BeautifulSoup, name: str) -> list[dict[str, str]]:
    table = page.select_one(f'table[data-table="{name}"]')
    assert table is not None, name
    headers = [_text(th) for th in table.select("thead th")]
    return [dict(zip(headers, [_text(td) for td in tr.find_all("td")], strict=True))
            for tr in table.select("tbody tr")]


def _field(page: BeautifulSoup, key: str) -> str:
    return _text(page.select_one(f'[data-field="{key}"]'))


def _person(page: BeautifulSoup, prefix: str, last_names: dict[str, str]) -> Person:
    member_id = _field(page, f"{prefix}-id")
    name = _field(page, f"{prefix}-name")
    # "First Last" is ambiguous for two-word names: a person knows the patient's last name
    last = last_names[member_id]
    assert name.endswith(" " + last), name
    relationship = (RELATIONSHIPS[_field(page, f"{prefix}-relationship")]
                    if page.select_one(f'[data-field="{prefix}-relationship"]') else
                    Relationship.SELF)
    return Person(member_id=member_id, first_name=name[:-len(last) - 1], last_name=last,
                  date_of_birth=dt.date.fromisoformat(_field(page, f"{prefix}-birth-date")),
                  gender={"Female": Gender.FEMALE, "Male": Gender.MALE}[
                      _field(page, f"{prefix}-sex")],
                  relationship=relationship)


def read_v2_page(html: str, last_names: dict[str, str]) -> EligibilityResult:
    """The v2 page as a result; ``last_names`` (member ID -> last name) splits the names."""
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one('main[data-layout="v2"]') is not None
    lines: list[BenefitLine] = []
    for row in _table(page, "accumulators"):
        for column, period in (("Annual Max", TimePeriod.CALENDAR_YEAR),
                               ("Met", TimePeriod.YEAR_TO_DATE),
                               ("Remaining", TimePeriod.REMAINING)):
            lines.append(BenefitLine(kind=BENEFITS[row["Benefit"]],
                                     coverage_level=TIERS[row["Tier"]],
                                     network=NETWORKS[row["Network"]], time_period=period,
                                     amount=_money(row[column])))
    for row in _table(page, "copays"):
        for column in ("In Network", "Out of Network"):
            if row[column] != "N/A":
                lines.append(BenefitLine(kind=BenefitKind.COPAYMENT,
                                         service_type=SERVICES[row["Service"]],
                                         network=NETWORKS[column], time_period=TimePeriod.VISIT,
                                         amount=_money(row[column])))
    for row in _table(page, "coinsurance"):
        share = int(row["Member Pays"].removesuffix("%"))
        assert share + int(row["Plan Pays"].removesuffix("%")) == 100
        lines.append(BenefitLine(kind=BenefitKind.COINSURANCE, network=NETWORKS[row["Network"]],
                                 percent=Decimal(share) / 100))
    for row in _table(page, "visit-limits"):
        for column, period in (("Annual Limit", TimePeriod.CALENDAR_YEAR),
                               ("Remaining", TimePeriod.REMAINING)):
            lines.append(BenefitLine(kind=BenefitKind.LIMITATIONS,
                                     service_type=SERVICES[row["Service"]], time_period=period,
                                     quantity=Decimal(row[column]),
                                     quantity_qualifier=QuantityQualifier.VISITS))
    for row in _table(page, "exclusions"):
        lines.append(BenefitLine(kind=BenefitKind.NON_COVERED,
                                 service_type=SERVICES[row["Service"]],
                                 description=row["Details"]))
    end = _field(page, "end-date")
    return EligibilityResult(
        carrier="meridian",
        member=_person(page, "patient", last_names),
        subscriber=_person(page, "policy-holder", last_names),
        plan=Plan(name=_field(page, "plan"), group_number=_field(page, "group-number"),
                  group_name=_field(page, "group-name"), plan_type=_field(page, "product"),
                  network_name=_field(page, "network")),
        coverage=Coverage(status=CoverageStatus(_field(page, "status").lower()),
                          effective_date=dt.date.fromisoformat(_field(page, "start-date")),
                          termination_date=None if end == "No end date"
                          else dt.date.fromisoformat(end)),
        benefits=lines,
        prior_authorizations=[
            PriorAuthRequirement(code=_text(li.select_one(".code")), code_system="CPT",
                                 description=_text(li.select_one(".description")))
            for li in page.select('[data-list="prior-auth"] li')],
    )
