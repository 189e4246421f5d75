"""Overdue is judged from the time the portal received a request: with the Meridian
sandbox's clock set back, an undecided expedited request is overdue after 72 hours, a
standard one only after 7 days (through the runner, real Chromium and the sandbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bench.prior_auth import request_fields
from storage import prior_auths
from storage.db import session_scope
from storage.models import JobStatus, PriorAuthState
from storage.prior_auths import Listing, NewFile
from workflows.runner import JobRunner

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% synthetic\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_overdue_follows_the_portal_s_receipt_time_and_the_urgency(
        runner: JobRunner, account_id: int, meridian: Any, engine: Engine) -> None:
    # given a portal whose clock says the requests arrive 100 hours ago
    meridian.control.advance_clock(-100)
    ids = {}
    for urgency in ("expedited", "standard"):
        fields, _member = request_fields("meridian", 1)
        fields.update(urgency=urgency, note=f"overdue check {urgency}")
        with session_scope(engine) as session:
            pa, job = prior_auths.create(
                session=session, store=runner.store, fields=fields, created_by="tester",
                files=[NewFile("note.pdf", "application/pdf", PDF)])
            ids[urgency] = (pa.id, job.id)
    # when both are submitted (and the payer has not decided either)
    for _pa_id, job_id in ids.values():
        assert runner.run_job(job_id) == JobStatus.SUCCEEDED
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        expedited = prior_auths.get(session=session, pa_id=ids["expedited"][0])
        standard = prior_auths.get(session=session, pa_id=ids["standard"][0])
        assert expedited is not None and standard is not None
        assert expedited.state == standard.state == PriorAuthState.SUBMITTED
        assert expedited.decision_action == standard.decision_action == "A4"
        assert expedited.submitted_at is not None
        received = expedited.submitted_at.replace(tzinfo=dt.UTC) \
            if expedited.submitted_at.tzinfo is None else expedited.submitted_at
        assert dt.timedelta(hours=99) < now - received < dt.timedelta(hours=101)
        # then the expedited one is overdue (72 h), the standard one not yet (7 days)
        assert prior_auths.is_overdue(expedited, now)
        assert not prior_auths.is_overdue(standard, now)
        overdue = prior_auths.listing(session=session, which=Listing.OVERDUE, now=now)
        assert [pa.id for pa in overdue] == [expedited.id]
        # and three more days make the standard one overdue too
        later = now + dt.timedelta(days=3)
        assert {pa.id for pa in prior_auths.listing(
            session=session, which=Listing.OVERDUE, now=later)} == {expedited.id, standard.id}
