"""The worklist over HTTP: a failed check shows its reason and a retry that comes back to
the worklist, an authorization on file is named, the live fragment says when nothing runs
any more, a bad date is named; every view is audited."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures.sandbox.expected import medical_expected
from portals.access import Role
from portals.model import EligibilityRequest
from storage import repo
from storage.db import session_scope
from storage.models import Appointment, AuditEvent, JobStatus, PriorAuth, Run
from storage.users import create_user
from tests.api.web_login import login, page_csrf

PASSWORD = "a long enough password"
DAY = dt.date(2026, 12, 2)
OK_MEMBER, FAILED_MEMBER = "MRD982515100", "MRD982515101"


def _arrange(db: Engine) -> dict[str, str]:
    ids = {}
    with session_scope(db) as session:
        for n, member_id in enumerate((OK_MEMBER, FAILED_MEMBER)):
            expected = medical_expected("meridian", member_id)
            member = expected.member
            session.add(Appointment(
                visit_key=f"v{n}", carrier="meridian", member_id=member_id,
                date_of_birth=member.date_of_birth, last_name=member.last_name,
                first_name=member.first_name, visit_date=DAY, visit_time=dt.time(9 + n),
                provider="Dr. Zed Example", procedure_codes=["27447", "99213"], row_hash="x"))
            request = EligibilityRequest(carrier="meridian", member_id=member_id,
                                         date_of_birth=member.date_of_birth,
                                         last_name=member.last_name, service_date=DAY)
            job = repo.create_job(session=session, request=request)
            run = Run(job_id=job.id, carrier="meridian", attempt=1, worker="t")
            session.add(run)
            session.flush()
            if member_id == OK_MEMBER:
                repo.save_result(session=session, job=job, run=run, result=expected)
                job.status = JobStatus.SUCCEEDED
            else:
                job.status = JobStatus.FAILED
                job.message = "the portal was down for maintenance"
            job.finished_at = dt.datetime.now(dt.UTC)
            session.add(job)
            ids[member_id] = job.id
        session.add(PriorAuth(
            tracking_ref="PA-TEST-0001", carrier="meridian", member_id=OK_MEMBER,
            date_of_birth=medical_expected("meridian", OK_MEMBER).member.date_of_birth,
            last_name="x", first_name="y", urgency="standard", state="submitted",
            request={"services": [{"procedure_code": "27447", "units": 1}]},
            request_fingerprint="f", decision_action="A1", authorization_number="AUTH77",
            created_by="maria"))
        create_user(session=session, username="desk", password=PASSWORD,
                    roles=(Role.FRONT_DESK,))
    return ids


def test_failures_retry_authorizations_on_file_and_audit(client: TestClient,
                                                         db: Engine) -> None:
    ids = _arrange(db)
    assert login(client, "desk", PASSWORD).status_code == 303
    page = client.get(f"/worklist?date={DAY.isoformat()}")
    assert page.status_code == 200
    text = page.text
    assert text.count('data-testid="worklist-row"') == 2
    assert "the portal was down for maintenance" in text
    assert "27447: covered" in text and "authorization approved AUTH77" in text
    # the failed check's retry goes back to the queue and back to the worklist
    retried = client.post(f"/checks/{ids[FAILED_MEMBER]}/retry", follow_redirects=False,
                          data={"csrf": page_csrf(text),
                                "next": f"/worklist?date={DAY.isoformat()}"})
    assert retried.status_code == 303
    assert retried.headers["location"] == f"/worklist?date={DAY.isoformat()}"
    live = client.get(f"/worklist/fragment?date={DAY.isoformat()}")
    assert live.headers["X-Check-Finished"] == "false"  # the retried check is queued again
    assert 'data-testid="row-status">pending<' in live.text
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=ids[FAILED_MEMBER])
        assert job is not None
        job.status = JobStatus.SUCCEEDED
        session.add(job)
    # a bad date is named, and today is shown instead
    assert "is not a date" in client.get("/worklist?date=2026-02-30").text
    with Session(db) as session:
        actions = [e.target_id for e in session.exec(select(AuditEvent).where(
            AuditEvent.action == "appointment.list"))]
    assert "/worklist" in actions and f"/worklist?date={DAY.isoformat()}" in actions
