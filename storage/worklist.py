"""The morning worklist: a day's visits, each with its patient's latest eligibility check,
what changed since the verification before it, and each planned procedure code's
coverage, cost share and authorization (needed, and on file or not)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from portals.changes import CoverageChange, coverage_changes, money, percent
from portals.model import BenefitKind, BenefitLine, CoverageStatus, EligibilityResult, Network
from portals.prior_auth import CertificationAction
from storage.appointments import visits_between
from storage.models import Appointment, Job, JobResult, JobStatus, PriorAuth, PriorAuthState

NOT_ON_FILE = {CertificationAction.NOT_CERTIFIED.value, CertificationAction.CANCELLED.value}
"""HCR01 actions that leave the service without an authorization."""
OPEN_ACTIONS = {a.value for a in CertificationAction if not a.decided}


@dataclass(frozen=True)
class CodeLine:
    code: str
    covered: str
    """``covered``, ``not covered`` or ``unknown`` (no result)."""
    cost_share: str | None
    """"$25.00 copay", "20% coinsurance", or None."""
    needs_auth: bool
    auth: str | None
    """The request on file for it: "approved A12345", "pending", "denied"; None: none."""

    @property
    def auth_missing(self) -> bool:
        return self.needs_auth and (self.auth is None or self.auth == "denied")


@dataclass
class WorklistRow:
    visit: Appointment
    check: Job | None
    """The patient's latest eligibility check (any state)."""
    status: str
    """``active``, ``inactive``, ``terminated``, ``not found``, ``failed``, ``pending`` or
    ``not checked``."""
    checked_at: dt.datetime | None
    changes: list[CoverageChange] = field(default_factory=list)
    codes: list[CodeLine] = field(default_factory=list)
    failure: str | None = None

    @property
    def needs_attention(self) -> bool:
        return self.status not in ("active", "pending") or bool(self.changes) or any(
            line.auth_missing or line.covered == "not covered" for line in self.codes)


def _patient_checks(session: Session, visit: Appointment) -> list[Job]:
    """The patient's eligibility checks at the visit's carrier, newest first."""
    query = (select(Job).where(Job.kind == "eligibility", Job.carrier == visit.carrier,
                               col(Job.member_id).ilike(visit.member_id),
                               Job.date_of_birth == visit.date_of_birth)
             .order_by(col(Job.created_at).desc()).limit(20))
    return list(session.exec(query))


def _result(session: Session, job: Job) -> EligibilityResult | None:
    row = session.exec(select(JobResult).where(JobResult.job_id == job.id)).first()
    return EligibilityResult.model_validate(row.data) if row is not None else None


def _auths(session: Session, visit: Appointment) -> dict[str, str]:
    """Procedure code → the best request on file for it ("approved …" over "pending")."""
    rows = session.exec(select(PriorAuth).where(
        PriorAuth.carrier == visit.carrier, col(PriorAuth.member_id).ilike(visit.member_id),
        PriorAuth.date_of_birth == visit.date_of_birth,
        col(PriorAuth.state).in_([PriorAuthState.SUBMITTED, PriorAuthState.QUEUED])))
    found: dict[str, tuple[int, str]] = {}
    for pa in rows:
        if pa.decision_action in NOT_ON_FILE:
            rank, words = 1, "denied"
        elif pa.decision_action is None or pa.decision_action in OPEN_ACTIONS:
            rank, words = 2, "pending"
        else:
            rank, words = 3, f"approved {pa.authorization_number or ''}".strip()
        for service in (pa.request or {}).get("services", []):
            code = str(service.get("procedure_code", "")).upper()
            if rank > found.get(code, (0, ""))[0]:
                found[code] = (rank, words)
    return {code: words for code, (_rank, words) in found.items()}


def _cost_share(result: EligibilityResult, code: str) -> str | None:
    """The in-network copay or coinsurance for ``code``: its own line, else the plan's."""
    def pick(lines: list[BenefitLine]) -> str | None:
        for line in lines:
            if line.kind == BenefitKind.COPAYMENT and line.amount is not None:
                return f"{money(line.amount)} copay"
            if line.kind == BenefitKind.COINSURANCE and line.percent is not None:
                return f"{percent(line.percent)} coinsurance"
        return None

    usable = [b for b in result.benefits if b.network in (Network.IN,
                                                          Network.NOT_APPLICABLE)]
    own = [b for b in usable if (b.procedure_code or "").upper() == code]
    general = [b for b in usable if b.procedure_code is None
               and b.kind == BenefitKind.COINSURANCE]
    return pick(own) or pick(general)


def _code_lines(result: EligibilityResult | None, codes: list[str],
                auths: dict[str, str]) -> list[CodeLine]:
    lines = []
    for code in codes:
        if result is None:
            lines.append(CodeLine(code, "unknown", None, False, auths.get(code)))
            continue
        own = [b for b in result.benefits if (b.procedure_code or "").upper() == code]
        active = result.coverage.status == CoverageStatus.ACTIVE
        excluded = any(b.kind == BenefitKind.NON_COVERED for b in own)
        covered = "covered" if active and not excluded else "not covered"
        needs = code in {p.code.upper() for p in result.prior_authorizations} or any(
            b.authorization_required for b in own)
        lines.append(CodeLine(code, covered, _cost_share(result, code) if active else None,
                              needs, auths.get(code)))
    return lines


def worklist(*, session: Session, day: dt.date, carrier: str | None = None
             ) -> list[WorklistRow]:
    """Every visit of ``day`` with what the front desk needs about it."""
    rows = []
    for visit in visits_between(session=session, first=day, last=day, carrier=carrier):
        checks = _patient_checks(session, visit)
        latest = checks[0] if checks else None
        auths = _auths(session, visit)
        codes = [code.upper() for code in visit.procedure_codes]
        if latest is None:
            rows.append(WorklistRow(visit, None, "not checked", None,
                                    codes=_code_lines(None, codes, auths)))
            continue
        finished = latest.finished_at
        if latest.status == JobStatus.SUCCEEDED:
            result = _result(session, latest)
            assert result is not None
            earlier = next((c for c in checks[1:] if c.status == JobStatus.SUCCEEDED), None)
            before = _result(session, earlier) if earlier is not None else None
            rows.append(WorklistRow(
                visit, latest, result.coverage.status.value, finished,
                changes=coverage_changes(before, result) if before is not None else [],
                codes=_code_lines(result, codes, auths)))
        elif latest.status == JobStatus.NOT_FOUND:
            rows.append(WorklistRow(visit, latest, "not found", finished,
                                    codes=_code_lines(None, codes, auths),
                                    failure=latest.message or "the portal found no such "
                                    "member"))
        elif latest.status in (JobStatus.FAILED, JobStatus.OUTCOME_UNKNOWN):
            rows.append(WorklistRow(visit, latest, "failed", finished,
                                    codes=_code_lines(None, codes, auths),
                                    failure=latest.message or "the check failed"))
        else:
            rows.append(WorklistRow(visit, latest, "pending", None,
                                    codes=_code_lines(None, codes, auths)))
    return rows


def still_running(rows: list[WorklistRow]) -> bool:
    return any(row.status == "pending" for row in rows)

