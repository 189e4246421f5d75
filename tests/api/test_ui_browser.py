"""The staff web UI in real Chromium, against the app served by uvicorn on a free port.

The check page is watched while the database changes underneath it (as a worker would
change it): the page must follow without being reloaded.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from storage import repo
from storage.db import session_scope
from tests.api.conftest import QueueProbe, count_checks
from tests.api.factories import make_failed_run, rich_result, succeed
from tests.api.live_ui import USER, LiveServer, login

pytestmark = pytest.mark.browser



def test_login_fails_with_a_wrong_password(page: Page, live: LiveServer) -> None:
    login(page, live, password="not-the-password", signed_in=False)
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password.")
    page.goto(f"{live.url}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_submit_then_watch_the_check_update_itself(
    page: Page, live: LiveServer, queue: QueueProbe
) -> None:
    # given a logged-in staff member who submits the form
    login(page, live)
    expect(page.get_by_test_id("current-user")).to_have_text(USER)
    page.get_by_test_id("field-carrier").select_option("meridian")
    page.get_by_test_id("field-member_id").fill("MER100200")
    page.get_by_test_id("field-date_of_birth").fill("1980-04-02")
    page.get_by_test_id("field-last_name").fill("Rivera")
    page.get_by_test_id("field-first_name").fill("Ana")
    page.get_by_test_id("field-service_codes").fill("99213, 70551")
    page.get_by_test_id("submit-check").click()

    # then the check page shows it queued, and the message is on the queue
    expect(page).to_have_url(re.compile(r"/checks/[0-9a-f]{32}$"))
    status = page.get_by_test_id("check-status")
    expect(status).to_have_text("queued")
    job_id = page.url.rsplit("/", 1)[-1]
    assert queue.check_ids() == [job_id]
    page.evaluate("window.__notReloaded = true")

    # when a worker claims it (straight in the database)
    with session_scope(live.engine) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w1",
                                lease_seconds=60)

    # then the page follows by itself
    expect(status).to_have_text("running")
    expect(page.get_by_test_id("state-note")).to_contain_text("Meridian Health")

    # when the worker stores the result
    succeed(live.engine, job_id, rich_result(), claim=False)

    # then the result appears as staff read it, still without a reload
    expect(status).to_have_text("succeeded")
    expect(page.get_by_test_id("coverage-status")).to_have_text("Active")
    expect(page.get_by_test_id("effective-date")).to_have_text("2024-01-01")
    expect(page.get_by_test_id("termination-date")).to_have_text("2026-12-31")
    expect(page.get_by_test_id("plan-name")).to_have_text("Meridian Gold PPO")
    expect(page.get_by_test_id("group-number")).to_contain_text("GRP-7731")
    expect(page.get_by_test_id("network-name")).to_have_text("Meridian Choice")
    expect(page.get_by_test_id("member-name")).to_have_text("Ana Rivera")
    expect(page.get_by_test_id("subscriber-name")).to_have_text("Luis Rivera")
    expect(page.get_by_test_id("relationship")).to_have_text("Spouse")
    expect(page.get_by_test_id("deductible-individual-in-amount")).to_have_text("$1,500.00")
    expect(page.get_by_test_id("deductible-individual-in-met")).to_have_text("$500.00")
    expect(page.get_by_test_id("deductible-individual-in-remaining")).to_have_text("$1,000.00")
    expect(page.get_by_test_id("deductible-family-in-met")).to_have_text("$750.25")
    expect(page.get_by_test_id("deductible-family-in-remaining")).to_have_text("$2,249.75")
    expect(page.get_by_test_id("deductible-individual-out-met")).to_have_text("—")
    expect(page.get_by_test_id("oop-individual-in-remaining")).to_have_text("$4,800.00")
    expect(page.get_by_test_id("copay-98-in")).to_contain_text(
        "Professional (physician) office visit")
    expect(page.get_by_test_id("copay-98-in-amount")).to_have_text("$25.00")
    expect(page.get_by_test_id("copay-UC-in-amount")).to_have_text("$75.00")
    expect(page.get_by_test_id("coinsurance-1-in-percent")).to_have_text("20%")
    expect(page.get_by_test_id("coinsurance-1-out-percent")).to_have_text("40%")
    expect(page.get_by_test_id("limitation-1")).to_contain_text("Chiropractic")
    expect(page.get_by_test_id("limitation-1-allowed")).to_have_text("20 visits")
    expect(page.get_by_test_id("limitation-1-remaining")).to_have_text("14 visits")
    expect(page.get_by_test_id("non-covered")).to_contain_text("Vision")
    expect(page.get_by_test_id("prior-auth-70551")).to_have_class(re.compile(r"\brequested\b"))
    expect(page.get_by_test_id("prior-auth-requested-70551")).to_be_visible()
    expect(page.get_by_test_id("prior-auth-97110")).to_be_visible()
    expect(page.get_by_test_id("prior-auth-requested-97110")).to_have_count(0)
    expect(page.get_by_test_id("requested-code-70551")).to_contain_text("Required")
    expect(page.get_by_test_id("requested-code-99213")).to_contain_text("Not listed")
    expect(page.get_by_test_id("polling")).to_have_count(0)
    expect(page.locator("#check-live")).to_have_attribute("data-finished", "true")
    assert page.evaluate("window.__notReloaded") is True


def test_a_bad_form_input_shows_an_error_and_stores_nothing(
    page: Page, live: LiveServer, queue: QueueProbe
) -> None:
    login(page, live)
    page.get_by_test_id("field-member_id").fill("MER 100!")
    page.get_by_test_id("field-date_of_birth").fill("2999-01-01")
    page.get_by_test_id("field-last_name").fill("Rivera")
    page.get_by_test_id("submit-check").click()

    expect(page.get_by_test_id("error-member_id")).to_be_visible()
    expect(page.get_by_test_id("error-date_of_birth")).to_contain_text("future")
    expect(page.get_by_test_id("field-last_name")).to_have_value("Rivera")
    expect(page.get_by_test_id("no-checks")).to_be_visible()
    assert count_checks(live.engine) == 0
    assert queue.check_ids() == []


def test_failed_runs_page_shows_the_screenshot_behind_login_and_audits_it(
    page: Page, live: LiveServer, queue: QueueProbe
) -> None:
    failed = make_failed_run(live.engine, live.app.state.store)
    artifact_url = f"{live.url}/ui/runs/{failed.run_id}/artifacts/{failed.screenshot_id}"

    # without a login: sent to /login, and the image itself is not served
    page.goto(f"{live.url}/runs/failed")
    expect(page).to_have_url(re.compile(r"/login\?next=/runs/failed$"))
    anonymous = page.request.get(artifact_url, max_redirects=0)
    assert anonymous.status == 303 and anonymous.body() != failed.png

    # with a login: the page shows the screenshot, decoded by the browser
    login(page, live, path="/runs/failed")
    expect(page).to_have_url(re.compile(r"/runs/failed$"))
    card = page.get_by_test_id(f"failed-run-{failed.run_id}")
    expect(card.get_by_test_id("run-error-type")).to_have_text("layout_changed")
    image = card.get_by_test_id("run-screenshot")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 4
    html = page.request.get(f"{live.url}/ui/runs/{failed.run_id}/artifacts/{failed.html_id}")
    assert html.headers["content-disposition"].startswith("attachment")
    expect(card.get_by_test_id("run-trace-link")).to_be_visible()
    with session_scope(live.engine) as session:
        views = [(e.actor, e.target_id) for e in repo.list_audit(session=session)
                 if e.action == "artifact.view"]
    assert (USER, failed.screenshot_id) in views

    # resolve, then retry the check
    card.get_by_test_id("resolve-note").fill("Layout changed; bot fix requested")
    card.get_by_test_id("resolve-run").click()
    expect(page.get_by_test_id("flash")).to_contain_text("resolved")
    expect(card.get_by_test_id("resolved")).to_contain_text(
        f"Resolved by {USER}")
    card.get_by_test_id("retry-check").click()
    expect(page.get_by_test_id("flash")).to_contain_text("back to the queue")
    expect(card.get_by_test_id("check-state")).to_have_text("check is queued")
    assert queue.check_ids() == [failed.job_id]
