"""What each kind of schedule asks for when its slot comes: the jobs to create.

A planner reads the database and returns :class:`Planned` jobs, each with a
``dedupe_key`` that names the work, not the slot (the same visit's verification on the
same night has one key, whichever slot or scheduler plans it). The scheduler stores them
as jobs with that key as their idempotency key, so a job is never created twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from bots.base import Capability
from bots.registry import registry
from portals.claims import ClaimSearchRequest
from portals.model import EligibilityRequest
from storage import prior_auths
from storage.appointments import visits_between
from storage.models import Job, JobResult, JobStatus, Schedule


@dataclass(frozen=True)
class Planned:
    kind: str
    request: BaseModel
    dedupe_key: str


@dataclass(frozen=True)
class SlotContext:
    schedule: Schedule
    slot_at: dt.datetime
    """The slot's time, UTC."""

    @property
    def local(self) -> dt.datetime:
        return self.slot_at.astimezone(ZoneInfo(self.schedule.timezone))

    @property
    def morning(self) -> dt.date:
        """The practice day the slot works for: a slot before noon works for that day (a
        02:00 run readies the 07:30 front desk), a later one for the next day."""
        local = self.local
        return local.date() if local.hour < 12 else local.date() + dt.timedelta(days=1)

    @property
    def night(self) -> str:
        """The night the slot belongs to, named by its morning (dedupe keys use it)."""
        return self.morning.isoformat()

    def param(self, name: str, default: Any) -> Any:
        return (self.schedule.params or {}).get(name, default)


log = logging.getLogger(__name__)

Planner = Callable[[Session, SlotContext], list[Planned]]


def _carriers_with(capability: Capability) -> set[str]:
    return {bot.name for bot in registry.all() if capability in bot.capabilities}


def plan_eligibility(session: Session, slot: SlotContext) -> list[Planned]:
    """Every patient with a visit on the slot's morning or the ``days_ahead`` - 1 days
    after it: one check per patient, carrier and visit day (two visits of one patient on
    one day are one check with both visits' codes)."""
    days = int(slot.param("days_ahead", 1))
    first = slot.morning
    carriers = _carriers_with(Capability.ELIGIBILITY)
    grouped: dict[tuple[str, str, dt.date, dt.date], list[Any]] = {}
    for visit in visits_between(session=session, first=first,
                                last=first + dt.timedelta(days=days - 1)):
        if visit.carrier in carriers:
            key = (visit.carrier, visit.member_id.upper(), visit.date_of_birth,
                   visit.visit_date)
            grouped.setdefault(key, []).append(visit)
    planned = []
    for (carrier, member, birth, day), visits in grouped.items():
        codes = list(dict.fromkeys(code for v in visits for code in v.procedure_codes))
        head = visits[0]
        request = EligibilityRequest(
            carrier=carrier, member_id=head.member_id, date_of_birth=birth,
            last_name=head.last_name, first_name=head.first_name, service_date=day,
            service_codes=codes)
        planned.append(Planned("eligibility", request,
                               f"sched:eligibility:{slot.night}:{carrier}:{member}:"
                               f"{birth}:{day}"))
    return planned


def plan_claims(session: Session, slot: SlotContext) -> list[Planned]:
    """Every claim seen in the last ``lookback_days`` whose latest status is not final:
    one search by its claim number."""
    since = slot.slot_at - dt.timedelta(days=int(slot.param("lookback_days", 120)))
    rows = session.exec(
        select(Job, JobResult).join(JobResult, col(JobResult.job_id) == col(Job.id))
        .where(Job.kind == "claim_status", col(Job.status) == JobStatus.SUCCEEDED,
               col(JobResult.created_at) >= since)
        .order_by(col(JobResult.created_at)))
    latest: dict[tuple[str, str], tuple[Job, dict[str, Any]]] = {}
    for job, result in rows:
        for claim in (result.data or {}).get("claims", []):
            latest[(job.carrier, str(claim["claim_number"]).upper())] = (job, claim)
    planned = []
    for (carrier, number), (job, claim) in sorted(latest.items()):
        category = str(claim.get("status", {}).get("category", ""))
        if category.startswith("F"):
            continue
        try:
            asked = ClaimSearchRequest.model_validate(job.request)  # the patient it was for
            request = ClaimSearchRequest(
                carrier=carrier, member_id=asked.member_id,
                date_of_birth=asked.date_of_birth, last_name=asked.last_name,
                first_name=asked.first_name, claim_number=number)
        except ValidationError:  # a claim number no search takes: one claim, not the night
            log.warning("claim from job %s cannot be searched by its number; skipped", job.id)
            continue
        planned.append(Planned("claim_status", request,
                               f"sched:claims:{slot.night}:{carrier}:{number}"))
    return planned


def plan_prior_auths(session: Session, slot: SlotContext) -> list[Planned]:
    """Every submitted request without a final decision (``urgency``: ``expedited``,
    ``standard`` or ``all``): one status check per request and slot."""
    urgency = slot.param("urgency", "all")
    open_ = prior_auths.listing(session=session, which=prior_auths.Listing.OPEN,
                                limit=10_000)
    planned = []
    for pa in open_:
        if urgency != "all" and pa.urgency != urgency:
            continue
        try:
            request = prior_auths.status_request(pa)
        except (ValidationError, prior_auths.PriorAuthConflict):
            log.warning("prior authorization %s cannot be polled; skipped", pa.id)
            continue
        planned.append(Planned("prior_auth_status", request,
                               f"sched:pa:{slot.slot_at.isoformat()}:{pa.id}"))
    return planned


def plan_library(session: Session, slot: SlotContext) -> list[Planned]:
    """One library collection per carrier whose bot collects one."""
    del session
    from portals.jobs import UnknownKind, get_kind

    try:
        kind = get_kind("library")
    except UnknownKind:
        return []
    carriers = sorted(_carriers_with(kind.capability))
    return [Planned("library", kind.request_model.model_validate({"carrier": carrier}),
                    f"sched:library:{slot.night}:{carrier}") for carrier in carriers]


@dataclass(frozen=True)
class ScheduleKind:
    name: str
    title: str
    planner: Planner
    default_cron: str
    default_params: dict[str, Any]


KINDS: dict[str, ScheduleKind] = {kind.name: kind for kind in (
    ScheduleKind("eligibility_upcoming", "Re-verify eligibility for upcoming visits",
                 plan_eligibility, "0 2 * * *", {"days_ahead": 1}),
    ScheduleKind("claims_refresh", "Refresh claims not yet finalized", plan_claims,
                 "30 2 * * *", {"lookback_days": 120}),
    ScheduleKind("prior_auth_poll", "Poll open prior authorizations", plan_prior_auths,
                 "0 */4 * * *", {"urgency": "all"}),
    ScheduleKind("library_collect", "Collect the portals' document libraries",
                 plan_library, "0 3 * * *", {}),
)}
"""The schedule kinds, by name."""

PARAMS: dict[str, dict[str, tuple[type, Callable[[Any], bool], str]]] = {
    "eligibility_upcoming": {"days_ahead": (int, lambda v: 1 <= v <= 14, "1 to 14")},
    "claims_refresh": {"lookback_days": (int, lambda v: 1 <= v <= 730, "1 to 730")},
    "prior_auth_poll": {"urgency": (str, lambda v: v in ("all", "expedited", "standard"),
                                    "all, expedited or standard")},
    "library_collect": {},
}
"""Each kind's parameters: type, check, and what the check allows (for messages)."""


def check_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The kind's defaults overlaid with ``params``; ValueError naming a bad one."""
    allowed = PARAMS[kind]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r} for {kind} (allowed: "
                         f"{', '.join(allowed) or 'none'})")
    merged = dict(KINDS[kind].default_params)
    for name, value in params.items():
        typ, ok, words = allowed[name]
        if not isinstance(value, typ) or isinstance(value, bool) or not ok(value):
            raise ValueError(f"parameter {name!r} must be {words}")
        merged[name] = value
    return merged

