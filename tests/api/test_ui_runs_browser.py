"""A failed run's real Playwright trace opens in the trace viewer our app serves, behind
login, in real Chromium, and no request leaves the machine."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from storage import repo
from storage.db import session_scope
from storage.models import JobStatus, RunStatus
from tests.api.factories import make_check
from tests.api.live_ui import LiveServer, login

pytestmark = pytest.mark.browser

TITLE = "Meridian portal redesign"


def _record_trace(page: Page, path: Path) -> bytes:
    """A real trace: a data: page opened in a fresh context of the test's own browser."""
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context()
    context.tracing.start(screenshots=True, snapshots=True)
    portal = context.new_page()
    portal.goto(f"data:text/html,<title>{TITLE}</title><h1>Benefits moved</h1>")
    portal.get_by_role("heading").click()
    context.tracing.stop(path=str(path))
    context.close()
    return path.read_bytes()


def _failed_run_with_trace(live: LiveServer, trace: bytes) -> tuple[str, str]:
    """A failed check whose run kept ``trace`` through the artifact store (encrypted)."""
    job_id = make_check(live.engine)
    with session_scope(live.engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w1", lease_seconds=60)
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        run = repo.start_run(session=session, job=job, worker="w1")
        repo.add_run_event(session=session, run_id=run.id, event="open_benefits")
        stored, sha = live.app.state.store.write(run.id, "trace.zip", trace)
        artifact = repo.add_artifact(session=session, run_id=run.id, kind="trace",
                                     filename="trace.zip", content_type="application/zip",
                                     size=len(trace), sha256=sha, path=stored)
        repo.finish_run(session=session, run=run, status=RunStatus.FAILED,
                        error_type="layout_changed", error_message="no benefits table")
        repo.release_job(session=session, job=job, status=JobStatus.FAILED)
        return run.id, artifact.id


def test_the_trace_opens_in_our_viewer_behind_login_and_nothing_leaves(
    page: Page, live: LiveServer, tmp_path: Path
) -> None:
    run_id, trace_id = _failed_run_with_trace(live, _record_trace(page, tmp_path / "t.zip"))
    requests: list[str] = []

    def record(request: Request) -> None:
        requests.append(request.url)

    page.context.on("request", record)
    page.on("request", record)

    # without a login the viewer is not served
    page.goto(f"{live.url}/runs/trace-viewer/index.html")
    expect(page).to_have_url(re.compile(r"/login\?next=/runs/trace-viewer/index.html$"))

    login(page, live, path=f"/runs/{run_id}")
    expect(page.get_by_test_id("timeline-event")).to_contain_text("open_benefits")
    viewer = page.get_by_test_id("open-trace").get_attribute("href")
    assert viewer == f"/runs/trace-viewer/index.html?trace=/ui/runs/{run_id}/artifacts/{trace_id}"
    page.goto(live.url + viewer)

    # the viewer shows the trace's actions and the recorded page's title
    expect(page.get_by_text('get_by_role("heading")').first).to_be_visible(timeout=15_000)
    expect(page.get_by_text(TITLE).first).to_be_visible()
    snapshot = page.frame_locator("iframe").first.get_by_text("Benefits moved")
    expect(snapshot).to_be_visible()

    with session_scope(live.engine) as session:
        views = {(e.action, e.target_id) for e in repo.list_audit(session=session)}
    assert ("artifact.view", trace_id) in views and ("run.view", run_id) in views
    hosts = {urlsplit(url).hostname for url in requests if not url.startswith(("data:",
                                                                               "blob:"))}
    assert hosts == {"127.0.0.1"}, requests
