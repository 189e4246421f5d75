"""An EligibilityResult as staff read it: readable service names, accumulator tables,
copays, coinsurance in percent, limitations with allowed and remaining visits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portals.model import (
    BenefitKind,
    BenefitLine,
    CoverageLevel,
    EligibilityResult,
    Network,
    TimePeriod,
)

SERVICE_TYPE_NAMES: dict[str, str] = {
    "1": "Medical care",
    "2": "Surgical",
    "4": "Diagnostic X-ray",
    "5": "Diagnostic lab",
    "6": "Radiation therapy",
    "7": "Anesthesia",
    "12": "Durable medical equipment",
    "23": "Diagnostic dental",
    "24": "Periodontics",
    "25": "Restorative dental",
    "26": "Endodontics",
    "27": "Maxillofacial prosthetics",
    "28": "Adjunctive dental services",
    "30": "Health benefit plan coverage",
    "33": "Chiropractic",
    "35": "Dental care",
    "36": "Dental crowns",
    "37": "Dental accident",
    "38": "Orthodontics",
    "39": "Prosthodontics",
    "40": "Oral surgery",
    "41": "Routine (preventive) dental",
    "42": "Home health care",
    "45": "Hospice",
    "47": "Hospital",
    "48": "Hospital inpatient",
    "50": "Hospital outpatient",
    "51": "Hospital emergency accident",
    "52": "Hospital emergency medical",
    "53": "Hospital ambulatory surgical",
    "60": "General benefits",
    "62": "MRI/CAT scan",
    "73": "Diagnostic medical",
    "76": "Dialysis",
    "78": "Chemotherapy",
    "81": "Routine physical",
    "86": "Emergency services",
    "88": "Pharmacy",
    "98": "Professional (physician) office visit",
    "A4": "Psychiatric",
    "A6": "Psychotherapy",
    "AD": "Occupational therapy",
    "AE": "Physical medicine",
    "AG": "Skilled nursing care",
    "AL": "Vision (optometry)",
    "BZ": "Physician visit, office: sick",
    "MH": "Mental health",
    "PT": "Physical therapy",
    "UC": "Urgent care",
}

NETWORK_NAMES = {Network.IN: "In network", Network.OUT: "Out of network",
                 Network.NOT_APPLICABLE: ""}
LEVEL_NAMES = {CoverageLevel.INDIVIDUAL: "Individual", CoverageLevel.FAMILY: "Family",
               CoverageLevel.EMPLOYEE_AND_SPOUSE: "Employee and spouse",
               CoverageLevel.EMPLOYEE_AND_CHILDREN: "Employee and children",
               CoverageLevel.EMPLOYEE_ONLY: "Employee only",
               CoverageLevel.CHILDREN_ONLY: "Children only"}
RELATIONSHIP_NAMES = {"18": "Self", "01": "Spouse", "19": "Child", "G8": "Other"}
_REMAINING = (TimePeriod.REMAINING, TimePeriod.LIFETIME_REMAINING)
_NET_SLUG = {Network.IN: "in", Network.OUT: "out", Network.NOT_APPLICABLE: "na"}


def service_name(code: str) -> str:
    return SERVICE_TYPE_NAMES.get(code, f"Service type {code}")


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{(value * 100).normalize():f}"
    return f"{text}%"


def quantity(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():f}"


@dataclass(frozen=True)
class AccumulatorRow:
    testid: str
    level: str
    network: str
    amount: str
    met: str
    remaining: str


@dataclass(frozen=True)
class ServiceRow:
    testid: str
    service: str
    network: str
    level: str
    value: str
    note: str


@dataclass(frozen=True)
class LimitationRow:
    testid: str
    service: str
    description: str
    allowed: str
    remaining: str
    unit: str
    last_service: str


@dataclass(frozen=True)
class PriorAuthRow:
    code: str
    code_system: str
    description: str
    requested: bool


@dataclass
class ResultView:
    result: EligibilityResult
    deductible: list[AccumulatorRow] = field(default_factory=list)
    out_of_pocket: list[AccumulatorRow] = field(default_factory=list)
    copays: list[ServiceRow] = field(default_factory=list)
    coinsurance: list[ServiceRow] = field(default_factory=list)
    limitations: list[LimitationRow] = field(default_factory=list)
    non_covered: list[ServiceRow] = field(default_factory=list)
    prior_auth: list[PriorAuthRow] = field(default_factory=list)
    requested_codes: list[tuple[str, bool]] = field(default_factory=list)


def _accumulators(result: EligibilityResult, kind: BenefitKind, slug: str) -> list[AccumulatorRow]:
    """Always the four rows (individual/family x in/out network) once the portal shows any,
    so a missing figure reads as "—" rather than as a missing row."""
    if not result.lines(kind):
        return []
    rows = []
    for level in (CoverageLevel.INDIVIDUAL, CoverageLevel.FAMILY):
        for network in (Network.IN, Network.OUT):
            acc = result.accumulator(kind, level, network)
            rows.append(AccumulatorRow(
                testid=f"{slug}-{LEVEL_NAMES[level].lower()}-{_NET_SLUG[network]}",
                level=LEVEL_NAMES[level], network=NETWORK_NAMES[network],
                amount=money(acc["amount"]), met=money(acc["met"]),
                remaining=money(acc["remaining"]),
            ))
    return rows


def _service_rows(lines: list[BenefitLine], slug: str, value: str) -> list[ServiceRow]:
    rows = []
    seen: dict[str, int] = {}
    for line in lines:
        base = f"{slug}-{line.service_type.value}-{_NET_SLUG[line.network]}"
        if line.procedure_code:
            base += f"-{line.procedure_code}"
        seen[base] = seen.get(base, 0) + 1
        testid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        shown = {"money": money(line.amount), "percent": percent(line.percent)}.get(value, "")
        rows.append(ServiceRow(
            testid=testid, service=service_name(line.service_type.value)
            + (f" ({line.procedure_code})" if line.procedure_code else ""),
            network=NETWORK_NAMES[line.network],
            level=LEVEL_NAMES.get(line.coverage_level, "") if line.coverage_level else "",
            value=shown, note=line.description or "",
        ))
    return rows


def _limitations(result: EligibilityResult) -> list[LimitationRow]:
    """Limitation lines grouped per service: the allowed count next to what remains."""
    groups: dict[tuple[str, str, str, str], dict[str, BenefitLine]] = {}
    for line in result.lines(BenefitKind.LIMITATIONS):
        key = (line.service_type.value, line.procedure_code or "",
               line.quantity_qualifier.value if line.quantity_qualifier else "",
               line.network.value)
        slot = "remaining" if line.time_period in _REMAINING else "allowed"
        groups.setdefault(key, {}).setdefault(slot, line)
    rows = []
    for index, ((service, code, unit, _net), lines) in enumerate(groups.items(), start=1):
        allowed, remaining = lines.get("allowed"), lines.get("remaining")
        first = allowed or remaining
        assert first is not None
        last = next((ln.last_service_date for ln in lines.values() if ln.last_service_date),
                    None)
        rows.append(LimitationRow(
            testid=f"limitation-{index}",
            service=service_name(service) + (f" ({code})" if code else ""),
            description=next((ln.description for ln in lines.values() if ln.description), ""),
            allowed=quantity(allowed.quantity) if allowed else "—",
            remaining=quantity(remaining.quantity) if remaining else "—",
            unit={"VS": "visits", "DY": "days", "MN": "months", "YY": "years",
                  "FL": "units"}.get(unit, ""),
            last_service=last.isoformat() if last else "",
        ))
    return rows


def present(result: EligibilityResult, requested_codes: list[str]) -> ResultView:
    requested = set(requested_codes)
    needs_auth: dict[str, PriorAuthRow] = {}
    for req in result.prior_authorizations:
        needs_auth.setdefault(req.code, PriorAuthRow(req.code, req.code_system,
                                                     req.description or "",
                                                     req.code in requested))
    for line in result.benefits:
        if line.authorization_required and line.procedure_code:
            needs_auth.setdefault(line.procedure_code, PriorAuthRow(
                line.procedure_code, "CPT", line.description or "",
                line.procedure_code in requested))
    prior_auth = sorted(needs_auth.values(), key=lambda row: (not row.requested, row.code))
    return ResultView(
        result=result,
        deductible=_accumulators(result, BenefitKind.DEDUCTIBLE, "deductible"),
        out_of_pocket=_accumulators(result, BenefitKind.OUT_OF_POCKET, "oop"),
        copays=_service_rows(result.lines(BenefitKind.COPAYMENT), "copay", "money"),
        coinsurance=_service_rows(result.lines(BenefitKind.COINSURANCE), "coinsurance",
                                  "percent"),
        limitations=_limitations(result),
        non_covered=_service_rows(result.lines(BenefitKind.NON_COVERED), "noncovered", ""),
        prior_auth=prior_auth,
        requested_codes=[(code, code in needs_auth) for code in requested_codes],
    )
