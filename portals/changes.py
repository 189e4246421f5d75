"""What changed in a patient's coverage between two eligibility results: pure functions, no
storage.

:func:`coverage_changes` compares an earlier and a later :class:`EligibilityResult` of the
same member at the same carrier and names each change staff act on (coverage ended, a new
plan or group, a deductible or out-of-pocket maximum met, a copay or coinsurance changed, a
service newly needing authorization or no longer covered). The morning worklist shows them
and the ``coverage.changed`` webhook carries them.

Benefit lines are matched by their identity, never by their position: benefit kind,
service type, coverage level, network, time period, quantity qualifier and procedure code
(:func:`line_identity`). Two results holding the same lines in another order have no
change. Money and percentages compare by value (``0.20`` equals ``0.2``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from portals.model import (
    BenefitKind,
    BenefitLine,
    CoverageLevel,
    EligibilityResult,
    Network,
    ServiceType,
    TimePeriod,
)


class ChangeCode(StrEnum):
    """The kinds of change, in the order :func:`coverage_changes` reports them."""

    COVERAGE_ENDED = "coverage_ended"
    COVERAGE_STARTED = "coverage_started"
    PLAN_CHANGED = "plan_changed"
    GROUP_CHANGED = "group_changed"
    DEDUCTIBLE_MET = "deductible_met"
    OUT_OF_POCKET_MET = "out_of_pocket_met"
    COPAY_CHANGED = "copay_changed"
    COINSURANCE_CHANGED = "coinsurance_changed"
    AUTH_NEWLY_REQUIRED = "auth_newly_required"
    AUTH_NO_LONGER_REQUIRED = "auth_no_longer_required"
    SERVICE_NO_LONGER_COVERED = "service_no_longer_covered"


@dataclass(frozen=True)
class CoverageChange:
    """One change staff should know about.

    ``service_type`` is the X12 service type code (EB03) the change is about, or None for
    the whole coverage (status, plan, group) and for authorization requirements named by
    procedure code. ``before`` and ``after`` are display strings ("$25.00", "20%", a plan
    name, a procedure code), None where a side has no value. ``summary`` is one short
    sentence with no more than the worklist shows (no name, member ID or date of birth).
    """

    code: ChangeCode
    service_type: str | None
    before: str | None
    after: str | None
    summary: str

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready (webhook payloads)."""
        return {"code": self.code.value, "service_type": self.service_type,
                "before": self.before, "after": self.after, "summary": self.summary}


LineIdentity = tuple[str, str, str | None, str, str | None, str | None, str | None]


def line_identity(line: BenefitLine) -> LineIdentity:
    """What makes a benefit line the same line in two results (everything but its values:
    amount, percent, quantity, authorization flag, dates and free text)."""
    return (line.kind.value, line.service_type.value,
            line.coverage_level.value if line.coverage_level else None,
            line.network.value, line.time_period.value if line.time_period else None,
            line.quantity_qualifier.value if line.quantity_qualifier else None,
            line.procedure_code)


def coverage_changes(before: EligibilityResult, after: EligibilityResult
                     ) -> list[CoverageChange]:
    """Every change from ``before`` (the previous successful result of this member at this
    carrier) to ``after`` (the newer one), in :class:`ChangeCode` order, then by service
    type; an empty list when nothing staff act on changed (the same result, or the same
    benefit lines in another order).

    - ``coverage_ended`` / ``coverage_started``: the coverage was active and is no longer,
      or the other way round;
    - ``plan_changed`` (plan name or product line), ``group_changed`` (group number);
    - ``deductible_met`` / ``out_of_pocket_met``: per coverage level, network and service
      type, what remains reached 0 (the remaining line, or the amount minus what is met
      when the portal shows no remaining line); more money met alone is no change;
    - ``copay_changed`` / ``coinsurance_changed``: a copay amount or coinsurance percent of
      the same line differs, appeared or went away;
    - ``auth_newly_required`` / ``auth_no_longer_required``: a procedure code entered or
      left the payer's prior-authorization list, or a benefit line's authorization flag
      turned on or off;
    - ``service_no_longer_covered``: a non-covered (EB01 I) line appeared.
    """
    changes: list[CoverageChange] = []
    changes += _coverage(before, after)
    changes += _plan(before, after)
    changes += _accumulator_met(before, after, BenefitKind.DEDUCTIBLE,
                                ChangeCode.DEDUCTIBLE_MET, "deductible")
    changes += _accumulator_met(before, after, BenefitKind.OUT_OF_POCKET,
                                ChangeCode.OUT_OF_POCKET_MET, "out-of-pocket maximum")
    changes += _line_values(before, after, BenefitKind.COPAYMENT, ChangeCode.COPAY_CHANGED)
    changes += _line_values(before, after, BenefitKind.COINSURANCE,
                            ChangeCode.COINSURANCE_CHANGED)
    changes += _authorizations(before, after)
    changes += _not_covered(before, after)
    order = list(ChangeCode)
    return sorted(changes, key=lambda c: (order.index(c.code), c.service_type or "",
                                          c.before or "", c.after or ""))


# -- display ----------------------------------------------------------------------------


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"${value:,.2f}"


def percent(value: Decimal | None) -> str | None:
    if value is None:
        return None
    shown = (value * 100).normalize()
    return f"{shown:f}%"


def service_name(code: str) -> str:
    """A service type code as words ("office visit"), for summaries."""
    try:
        return ServiceType(code).name.replace("_", " ").lower()
    except ValueError:
        return f"service type {code}"


_LEVELS = {CoverageLevel.INDIVIDUAL: "individual", CoverageLevel.FAMILY: "family",
           CoverageLevel.EMPLOYEE_AND_SPOUSE: "employee and spouse",
           CoverageLevel.EMPLOYEE_AND_CHILDREN: "employee and children",
           CoverageLevel.EMPLOYEE_ONLY: "employee", CoverageLevel.CHILDREN_ONLY: "children"}
_NETWORKS = {Network.IN: "in-network", Network.OUT: "out-of-network",
             Network.NOT_APPLICABLE: ""}


def _qualifiers(level: CoverageLevel | None, network: Network, service: str) -> str:
    words = [_LEVELS.get(level, "") if level else "", _NETWORKS[network]]
    if service != ServiceType.HEALTH_BENEFIT_PLAN.value:
        words.append(service_name(service))
    return " ".join(w for w in words if w)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


# -- the comparisons --------------------------------------------------------------------


def _coverage(before: EligibilityResult, after: EligibilityResult) -> list[CoverageChange]:
    was, now = before.coverage.status.value, after.coverage.status.value
    if before.is_active and not after.is_active:
        ended = after.coverage.termination_date
        return [CoverageChange(ChangeCode.COVERAGE_ENDED, None, was, now,
                               "Coverage ended" + (f" on {ended.isoformat()}" if ended else "")
                               + f" (now {now}).")]
    if not before.is_active and after.is_active:
        return [CoverageChange(ChangeCode.COVERAGE_STARTED, None, was, now,
                               "Coverage is active again (it was " + was + ").")]
    return []


def _plan(before: EligibilityResult, after: EligibilityResult) -> list[CoverageChange]:
    out: list[CoverageChange] = []
    a, b = before.plan, after.plan
    if (a.name, a.plan_type) != (b.name, b.plan_type):
        old = " ".join(x for x in (a.name, f"({a.plan_type})" if a.plan_type else "") if x)
        new = " ".join(x for x in (b.name, f"({b.plan_type})" if b.plan_type else "") if x)
        out.append(CoverageChange(ChangeCode.PLAN_CHANGED, None, old, new,
                                  f"Plan changed from {old} to {new}."))
    if a.group_number != b.group_number:
        out.append(CoverageChange(ChangeCode.GROUP_CHANGED, None, a.group_number,
                                  b.group_number,
                                  f"Group changed from {a.group_number or 'none'} to "
                                  f"{b.group_number or 'none'}."))
    return out


_PLAN_PERIODS = (TimePeriod.CALENDAR_YEAR, TimePeriod.SERVICE_YEAR, TimePeriod.LIFETIME)
_REMAINING = (TimePeriod.REMAINING, TimePeriod.LIFETIME_REMAINING)

AccumulatorKey = tuple[CoverageLevel | None, Network, str]


def _remaining(lines: Iterable[BenefitLine]) -> dict[AccumulatorKey, Decimal]:
    """What is left of each accumulator (by coverage level, network and service type): the
    remaining line, else the plan's amount minus what is met; unknown ones are left out."""
    amounts: dict[AccumulatorKey, dict[str, Decimal]] = {}
    for line in lines:
        if line.amount is None or line.time_period is None:
            continue
        key = (line.coverage_level, line.network, line.service_type.value)
        slot = amounts.setdefault(key, {})
        if line.time_period in _PLAN_PERIODS:
            slot["amount"] = line.amount
        elif line.time_period is TimePeriod.YEAR_TO_DATE:
            slot["met"] = line.amount
        elif line.time_period in _REMAINING:
            slot["remaining"] = line.amount
    left: dict[AccumulatorKey, Decimal] = {}
    for key, slot in amounts.items():
        if "remaining" in slot:
            left[key] = slot["remaining"]
        elif "amount" in slot and "met" in slot:
            left[key] = slot["amount"] - slot["met"]
    return left


def _accumulator_met(before: EligibilityResult, after: EligibilityResult, kind: BenefitKind,
                     code: ChangeCode, noun: str) -> list[CoverageChange]:
    was = _remaining(before.lines(kind))
    now = _remaining(after.lines(kind))
    out: list[CoverageChange] = []
    for key, left in now.items():
        earlier = was.get(key)
        if left <= 0 and earlier is not None and earlier > 0:
            level, network, service = key
            out.append(CoverageChange(
                code, service, f"{money(earlier)} remaining", f"{money(left)} remaining",
                _sentence(f"{_qualifiers(level, network, service)} {noun} met "
                          f"({money(earlier)} remained before).")))
    return out


def _by_identity(lines: Iterable[BenefitLine]) -> dict[LineIdentity, BenefitLine]:
    return {line_identity(line): line for line in lines}


def _line_values(before: EligibilityResult, after: EligibilityResult, kind: BenefitKind,
                 code: ChangeCode) -> list[CoverageChange]:
    was, now = _by_identity(before.lines(kind)), _by_identity(after.lines(kind))
    copay = kind is BenefitKind.COPAYMENT
    shown = money if copay else percent
    noun = "copay" if copay else "coinsurance"
    out: list[CoverageChange] = []
    for identity in sorted(set(was) | set(now), key=repr):
        old_line, new_line = was.get(identity), now.get(identity)
        old = shown((old_line.amount if copay else old_line.percent) if old_line else None)
        new = shown((new_line.amount if copay else new_line.percent) if new_line else None)
        if old == new:
            continue
        line = new_line or old_line
        assert line is not None
        what = _qualifiers(line.coverage_level, line.network, line.service_type.value)
        what += f" {line.procedure_code}" if line.procedure_code else ""
        if old is None:
            text = f"{what} {noun} is now {new} (none shown before)."
        elif new is None:
            text = f"{what} {noun} of {old} is no longer shown."
        else:
            text = f"{what} {noun} changed from {old} to {new}."
        out.append(CoverageChange(code, line.service_type.value, old, new, _sentence(text)))
    return out


def _auth_codes(result: EligibilityResult) -> set[str]:
    return {f"{req.code_system}:{req.code}" for req in result.prior_authorizations}


def _auth_flagged(result: EligibilityResult) -> dict[LineIdentity, BenefitLine]:
    return {line_identity(line): line for line in result.benefits
            if line.authorization_required}


def _authorizations(before: EligibilityResult, after: EligibilityResult
                    ) -> Iterator[CoverageChange]:
    was, now = _auth_codes(before), _auth_codes(after)
    for key in sorted(now - was):
        system, code = key.split(":", 1)
        yield CoverageChange(ChangeCode.AUTH_NEWLY_REQUIRED, None, None, code,
                             f"{system} {code} now needs prior authorization.")
    for key in sorted(was - now):
        system, code = key.split(":", 1)
        yield CoverageChange(ChangeCode.AUTH_NO_LONGER_REQUIRED, None, code, None,
                             f"{system} {code} no longer needs prior authorization.")
    # a benefit line's own flag (EB11), compared on lines present in both results
    flagged_before, flagged_after = _auth_flagged(before), _auth_flagged(after)
    both = _by_identity(before.benefits).keys() & _by_identity(after.benefits).keys()
    for identity in sorted(both, key=repr):
        line = _by_identity(after.benefits)[identity]
        what = _qualifiers(line.coverage_level, line.network, line.service_type.value) \
            or service_name(line.service_type.value)
        what += f" {line.procedure_code}" if line.procedure_code else ""
        if identity in flagged_after and identity not in flagged_before:
            yield CoverageChange(ChangeCode.AUTH_NEWLY_REQUIRED, line.service_type.value,
                                 "not required", "required",
                                 _sentence(f"{what} now needs prior authorization."))
        elif identity in flagged_before and identity not in flagged_after:
            yield CoverageChange(ChangeCode.AUTH_NO_LONGER_REQUIRED, line.service_type.value,
                                 "required", "not required",
                                 _sentence(f"{what} no longer needs prior authorization."))


def _not_covered(before: EligibilityResult, after: EligibilityResult
                 ) -> Iterator[CoverageChange]:
    was = _by_identity(before.lines(BenefitKind.NON_COVERED))
    now = _by_identity(after.lines(BenefitKind.NON_COVERED))
    for identity in sorted(now.keys() - was.keys(), key=repr):
        line = now[identity]
        what = service_name(line.service_type.value)
        what += f" {line.procedure_code}" if line.procedure_code else ""
        yield CoverageChange(ChangeCode.SERVICE_NO_LONGER_COVERED, line.service_type.value,
                             "covered", "not covered",
                             _sentence(f"{what} is no longer covered."))
