"""The failed-run workspace over HTTP: filters, pagination and grouping by failure
signature over stored runs, retry of a selection or a whole group, resolve with a reason,
the run page (timeline, sandboxed HTML, trace viewer link), every view audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from api import runs_workspace
from api.runs_workspace import RunFilter, normalised_message, page_of
from storage import repo
from storage.db import session_scope
from storage.models import JobStatus, Run, RunStatus
from tests.api.claims_ui import USER, make_claim_search
from tests.api.conftest import QueueProbe
from tests.api.factories import make_check, make_failed_run


def _fail(db: Engine, *, job_id: str | None = None, carrier: str = "meridian",
          error_type: str = "layout_changed", message: str = "the table was not found",
          events: tuple[str, ...] = ("open_portal", "login", "search"),
          started: dt.datetime | None = None, account_id: int | None = None) -> str:
    """A job (an eligibility check unless given) whose run failed after ``events``."""
    if job_id is None:
        job_id = make_check(db, carrier=carrier,
                            member_id="MER100200" if carrier == "meridian" else "NW1234567")
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        job.status = JobStatus.QUEUED  # a job failing again: as a retry left it
        job.account_id = account_id
        session.add(job)
        session.flush()
        assert repo.claim_job(session=session, job_id=job_id, worker="w1", lease_seconds=60)
        run = repo.start_run(session=session, job=job, worker="w1")
        for event in events:
            repo.add_run_event(session=session, run_id=run.id, event=event)
        if started is not None:
            run.started_at = started
        repo.finish_run(session=session, run=run, status=RunStatus.FAILED,
                        error_type=error_type, error_message=message)
        repo.release_job(session=session, job=job, status=JobStatus.FAILED, message=message)
        return run.id


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _run_ids(html: str) -> set[str]:
    return set(re.findall(r'data-testid="failed-run-([0-9a-f]+)"', html))


def _groups(html: str) -> list[tuple[str, int]]:
    keys = re.findall(r'data-signature="([^"]+)"', html)
    counts = re.findall(r'data-testid="group-count">(\d+)<', html)
    return list(zip(keys, map(int, counts), strict=True))


def _audit(db: Engine) -> list[tuple[str, str, str, str | None]]:
    with session_scope(db) as session:
        return [(e.actor, e.action, e.target_id, e.detail)
                for e in repo.list_audit(session=session, limit=1000)]


def test_signature_is_the_last_step_or_the_message_without_ids() -> None:
    assert page_of(Run(job_id="j", carrier="c", attempt=1, worker="w",
                       events=[{"at": "1", "event": "login"}, {"at": "2", "event": "search"}])
                   ) == "search"
    assert normalised_message("Member MER100200 not found at row 12\nmore") == \
        "Member MER# not found at row #"
    assert page_of(Run(job_id="j", carrier="c", attempt=1, worker="w", events=[],
                       error_message="claim 1234 missing")) == "claim # missing"


def test_three_runs_of_one_signature_and_one_other_are_two_groups(
    ui: TestClient, db: Engine
) -> None:
    same = [_fail(db) for _ in range(3)]
    other = _fail(db, events=("open_portal", "login"), error_type="login_rejected")

    page = ui.get("/runs/failed").text

    groups = dict(_groups(page))
    assert groups == {"meridian|search|layout_changed": 3,
                      "meridian|login|login_rejected": 1}
    assert _run_ids(page) == {*same, other}


def test_filters_select_by_carrier_kind_error_account_and_date(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    old = _fail(db, started=dt.datetime(2025, 1, 5, 9, tzinfo=dt.UTC))
    northwind = _fail(db, carrier="northwind", error_type="portal_unavailable")
    claim = _fail(db, job_id=make_claim_search(db), events=("claims_search",))
    with session_scope(db) as session:
        account = repo.create_account(session=session, vault=app.state.vault,
                                      carrier="meridian", label="Front desk", username="u",
                                      password=SecretStr("p"))
        account_id = account.id
    on_account = _fail(db, account_id=account_id)

    def shown(**params: str) -> set[str]:
        response = ui.get("/runs/failed", params=params)
        assert response.status_code == 200
        return _run_ids(response.text)

    assert shown() == {old, northwind, claim, on_account}
    assert shown(carrier="northwind") == {northwind}
    assert shown(kind="claim_status") == {claim}
    assert shown(error_type="portal_unavailable") == {northwind}
    assert shown(account=str(account_id)) == {on_account}
    assert shown(until="2025-01-05") == {old}
    assert shown(since="2025-01-06") == {northwind, claim, on_account}
    # what does not parse is ignored, never a 500
    assert shown(since="yesterday", account="9" * 20) == {old, northwind, claim, on_account}
    assert shown(account="\u00b2", page="\u00b2") == {old, northwind, claim, on_account}
    assert ui.get("/runs/failed", params={"carrier": "a\x00b"}).status_code < 500


def test_pages_of_groups_with_next_and_prev(
    ui: TestClient, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs_workspace, "PAGE_SIZE", 2)
    monkeypatch.setattr("api.routes.ui_runs.PAGE_SIZE", 2)
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    runs = [_fail(db, error_type=f"error_{n}", started=base + dt.timedelta(hours=n))
            for n in range(5)]

    first = ui.get("/runs/failed", params={"carrier": "meridian"}).text
    second = ui.get("/runs/failed", params={"carrier": "meridian", "page": "2"}).text
    third = ui.get("/runs/failed", params={"carrier": "meridian", "page": "3"}).text

    assert _run_ids(first) == {runs[4], runs[3]}  # newest first
    assert _run_ids(second) == {runs[2], runs[1]}
    assert _run_ids(third) == {runs[0]}
    assert 'href="/runs/failed?carrier=meridian&amp;page=2"' in first
    assert 'data-testid="page-prev"' not in first
    assert 'href="/runs/failed?carrier=meridian&amp;page=1"' in second
    assert 'data-testid="page-next"' not in third
    assert "5 failed runs in 5 groups" in first


def test_a_whole_group_is_retried_in_one_post_each_failed_job_once(
    ui: TestClient, db: Engine, queue: QueueProbe
) -> None:
    group = [_fail(db) for _ in range(3)]
    twice_job = make_check(db)  # a job that failed twice with the same signature
    _fail(db, job_id=twice_job)
    _fail(db, job_id=twice_job)
    other = _fail(db, error_type="login_rejected", events=("login",))
    with session_scope(db) as session:
        jobs = {run.job_id for run in repo.list_runs(session=session, status="failed")
                if run.id in group}
    page = ui.get("/runs/failed").text
    assert dict(_groups(page))["meridian|search|layout_changed"] == 5

    response = ui.post("/runs/groups/retry", data={
        "csrf": _csrf(page), "signature": "meridian|search|layout_changed"},
        follow_redirects=False)

    assert response.status_code == 303
    expected = sorted({*jobs, twice_job})
    assert queue.check_ids() == expected
    retries = sorted(e[2] for e in _audit(db) if e[0] == USER and e[1] == "check.retry")
    assert retries == expected
    with session_scope(db) as session:
        other_job = repo.get_run(session=session, run_id=other)
        assert other_job is not None
        left = repo.get_job(session=session, job_id=other_job.job_id)
        assert left is not None and left.status == "failed"
    assert "4 jobs back to the queue" in ui.get("/runs/failed").text

    # again: nothing of that group is failed any more
    ui.post("/runs/groups/retry", data={"csrf": _csrf(page),
                                        "signature": "meridian|search|layout_changed"})
    assert queue.check_ids() == expected


def test_a_selection_is_retried_and_without_csrf_nothing_is(
    ui: TestClient, db: Engine, queue: QueueProbe
) -> None:
    runs = [_fail(db) for _ in range(3)]
    with session_scope(db) as session:
        job_ids = [r.job_id for r in (repo.get_run(session=session, run_id=i) for i in runs)
                   if r is not None]
    page = ui.get("/runs/failed").text

    refused = ui.post("/runs/retry", data={"job_id": job_ids[:2]}, follow_redirects=False)
    assert refused.status_code == 403 and queue.check_ids() == []

    ui.post("/runs/retry", data={"csrf": _csrf(page), "job_id": [*job_ids[:2], job_ids[0]]})
    assert queue.check_ids() == sorted(job_ids[:2])


def test_resolve_with_a_reason_and_a_note_is_audited(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    page = ui.get("/runs/failed").text

    bad = ui.post(f"/runs/{failed.run_id}/resolve", data={
        "csrf": _csrf(page), "reason": "made_up", "note": "x"})
    assert "choose a reason" in bad.text
    ui.post(f"/runs/{failed.run_id}/resolve", data={
        "csrf": _csrf(page), "reason": "portal_changed", "note": "new benefits page"})

    assert (USER, "run.resolve", failed.run_id,
            "Portal changed: new benefits page") in _audit(db)
    assert 'data-testid="resolved"' in ui.get(f"/runs/{failed.run_id}").text


def test_run_page_shows_timeline_screenshot_sandboxed_html_and_trace_and_is_audited(
    app: FastAPI, ui: TestClient, db: Engine
) -> None:
    failed = make_failed_run(db, app.state.store)
    with session_scope(db) as session:
        for event in ("open_portal", "login", "search"):
            repo.add_run_event(session=session, run_id=failed.run_id, event=event)

    page = ui.get(f"/runs/{failed.run_id}").text

    assert re.findall(r'data-testid="timeline-event"><time>[^<]+</time> <strong>(\w+)',
                      page) == ["open_portal", "login", "search"]
    assert f'src="/ui/runs/{failed.run_id}/artifacts/{failed.screenshot_id}"' in page
    frame = re.search(r"<iframe[^>]*>", page)
    assert frame and 'sandbox=""' in frame.group(0)
    assert f'src="/runs/{failed.run_id}/html/{failed.html_id}"' in frame.group(0)
    trace = f"/ui/runs/{failed.run_id}/artifacts/{failed.trace_id}"
    assert f'href="/runs/trace-viewer/index.html?trace={trace}"' in page
    assert (USER, "run.view", failed.run_id, None) in _audit(db)

    html = ui.get(f"/runs/{failed.run_id}/html/{failed.html_id}")
    assert html.status_code == 200 and b"<script>" in html.content  # kept, never run:
    csp = html.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'") and "sandbox" in csp.split(";")[3]
    assert "script-src" not in csp and "connect-src" not in csp
    assert (USER, "artifact.view", failed.html_id) in {e[:3] for e in _audit(db)}
    assert ui.get(f"/runs/{failed.run_id}/html/{failed.trace_id}").status_code == 404
    for junk in ("0" * 32, "abc", "a%00b", "x" * 400):
        assert ui.get(f"/runs/{junk}").status_code == 404
        assert ui.get(f"/runs/{junk}/html/{failed.html_id}").status_code == 404
        assert ui.get(f"/ui/runs/{failed.run_id}/artifacts/{junk}").status_code == 404


def test_trace_viewer_is_served_locally_with_a_strict_csp(ui: TestClient) -> None:
    index = ui.get("/runs/trace-viewer/index.html")
    assert index.status_code == 200 and "Trace Viewer" in index.text
    csp = index.headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "default-src 'self'" in csp
    worker = ui.get("/runs/trace-viewer/sw.bundle.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert ui.get("/runs/trace-viewer/../../../../etc/passwd").status_code == 404
    assert ui.get("/runs/trace-viewer/%2e%2e/%2e%2e/__init__.py").status_code == 404


@pytest.mark.parametrize("path", ["/runs/failed", "/runs/abc", "/runs/abc/html/def",
                                  "/runs/trace-viewer/index.html",
                                  "/runs/trace-viewer/sw.bundle.js"])
def test_workspace_pages_need_a_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/runs/retry", "/runs/groups/retry", "/runs/abc/resolve"])
def test_workspace_actions_need_a_login(client: TestClient, db: Engine, path: str) -> None:
    _fail(db)
    response = client.post(path, data={"signature": "x", "job_id": ["a"]},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_filter_fields_round_trip() -> None:
    filters = RunFilter.parse({"carrier": "meridian", "account": "7", "since": "2026-01-02"})
    assert RunFilter.parse(filters.fields()) == filters
    assert filters.query(page=2) == "carrier=meridian&account=7&since=2026-01-02&page=2"


def test_only_the_most_recent_runs_are_grouped_and_the_page_says_so(
    ui: TestClient, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs_workspace, "MAX_SCANNED", 2)
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    runs = [_fail(db, started=base + dt.timedelta(hours=n)) for n in range(3)]

    page = ui.get("/runs/failed").text

    assert _run_ids(page) == {runs[2], runs[1]}
    assert 'data-testid="runs-capped"' in page
