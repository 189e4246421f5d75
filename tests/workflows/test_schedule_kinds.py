"""What each kind of schedule plans: claims not yet final, open prior authorizations (all,
or only the expedited ones), one library collection per carrier; and the default
schedules a new installation gets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.models import Job, JobResult, JobStatus, PriorAuth, Run, Schedule
from workflows.default_schedules import EXPEDITED_POLL, ensure_default_schedules
from workflows.schedule_kinds import (
    SlotContext,
    check_params,
    plan_claims,
    plan_library,
    plan_prior_auths,
)

SLOT = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)


def _slot(kind: str, params: dict[str, object] | None = None) -> SlotContext:
    return SlotContext(schedule=Schedule(id=1, name="s", kind=kind, cron="0 2 * * *",
                                         timezone="America/Chicago",
                                         params=params or {}), slot_at=SLOT)


def _claims_search(session: Session, claims: list[tuple[str, str]]) -> None:
    request = {"carrier": "meridian", "member_id": "MER1", "date_of_birth": "1990-01-02",
               "last_name": "Example", "first_name": None, "claim_number": None,
               "service_from": "2026-06-01", "service_to": "2026-11-01"}
    job = Job(kind="claim_status", carrier="meridian", member_id="MER1",
              date_of_birth=dt.date(1990, 1, 2), last_name="Example", request=request,
              request_fingerprint="f", status=JobStatus.SUCCEEDED)
    session.add(job)
    session.flush()
    run = Run(job_id=job.id, carrier="meridian", attempt=1, worker="t")
    session.add(run)
    session.flush()
    session.add(JobResult(job_id=job.id, kind="claim_status", run_id=run.id,
                          carrier="meridian", member_id="MER1", created_at=SLOT -
                          dt.timedelta(days=3), data={"carrier": "meridian", "claims": [
                              {"claim_number": n, "status": {"category": c}}
                              for n, c in claims]}))


def test_claims_not_yet_final_are_searched_again_by_number(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        _claims_search(session, [("CLM-0001", "A1"), ("CLM-0002", "F1"), ("CLM-0003", "P1"),
                                 ("X", "A1")])  # a number no search takes is skipped
        planned = plan_claims(session, _slot("claims_refresh"))
    assert sorted(p.request.claim_number for p in planned) == ["CLM-0001", "CLM-0003"]  # type: ignore[attr-defined]
    assert {p.kind for p in planned} == {"claim_status"}
    assert planned[0].request.member_id == "MER1"  # type: ignore[attr-defined]
    assert len({p.dedupe_key for p in planned}) == 2


def test_open_prior_authorizations_are_polled_expedited_ones_on_their_own(
        any_engine: Engine) -> None:
    with Session(any_engine) as session:
        for n, (urgency, action) in enumerate((("expedited", None), ("standard", None),
                                               ("standard", "A4"), ("standard", "A1"))):
            session.add(PriorAuth(
                tracking_ref=f"PA-TESTREF{n:03d}", carrier="meridian", member_id=f"MER{n}",
                date_of_birth=dt.date(1990, 1, 2), last_name="Example", first_name="Ann",
                urgency=urgency, request={}, state="submitted", request_fingerprint="f",
                reference_number=f"REF{n:04d}", decision_action=action,
                submitted_at=SLOT - dt.timedelta(hours=5), created_by="t"))
        session.commit()
        every = plan_prior_auths(session, _slot("prior_auth_poll"))
        fast = plan_prior_auths(session, _slot("prior_auth_poll", {"urgency": "expedited"}))
    assert sorted(p.request.reference_number for p in every) == [  # type: ignore[attr-defined]
        "REF0000", "REF0001", "REF0002"]  # decided (A1) is not polled; pended (A4) is
    assert [p.request.reference_number for p in fast] == ["REF0000"]  # type: ignore[attr-defined]
    assert {p.kind for p in every} == {"prior_auth_status"}


def test_each_carrier_with_a_library_gets_one_collection_a_night(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        planned = plan_library(session, _slot("library_collect"))
    assert sorted(p.request.carrier for p in planned) == [  # type: ignore[attr-defined]
        "cascade", "meridian", "northwind", "summit"]
    assert all(p.dedupe_key.startswith("sched:library:2026-12-02:") for p in planned)


def test_parameters_are_checked_per_kind() -> None:
    assert check_params("eligibility_upcoming", {}) == {"days_ahead": 1}
    assert check_params("prior_auth_poll", {"urgency": "expedited"}) == {
        "urgency": "expedited"}
    for kind, params in (("eligibility_upcoming", {"days_ahead": True}),
                         ("claims_refresh", {"lookback_days": 0}),
                         ("library_collect", {"x": 1})):
        try:
            check_params(kind, params)
        except ValueError:
            continue
        raise AssertionError(f"{kind} {params} was accepted")


def test_a_new_installation_gets_one_schedule_of_each_kind_once(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        made = ensure_default_schedules(session=session, timezone="America/Denver")
        session.commit()
        again = ensure_default_schedules(session=session, timezone="America/Denver")
        kinds = sorted(s.kind for s in made)
        crons = {s.cron for s in made}
    assert kinds == ["claims_refresh", "eligibility_upcoming", "library_collect",
                     "prior_auth_poll", "prior_auth_poll"]
    assert EXPEDITED_POLL in crons and again == []
