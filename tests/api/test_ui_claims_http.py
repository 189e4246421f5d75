"""The claim search form in the staff web UI: login, carriers, both ways to search, errors
beside the fields with nothing stored, NUL bytes and CSRF (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from storage import repo
from storage.db import session_scope
from tests.api.claims_ui import (
    FORM,
    _form,
)
from tests.api.conftest import QueueProbe, count_checks

BOTH_DATABASES = True


# -- login, form ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/claims", f"/claims/{'a' * 32}",
                                  f"/claims/{'a' * 32}/fragment"])
def test_claim_pages_need_a_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/claims")


def test_posting_the_form_needs_a_login(client: TestClient, db: Engine) -> None:
    response = client.post("/claims", data=FORM, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert count_checks(db) == 0


def test_form_lists_only_claims_carriers_by_their_names(ui: TestClient) -> None:
    from bots.registry import registry
    from portals.jobs import Capability

    page = ui.get("/claims").text
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    serving = [(bot.name, bot.display_name) for bot in registry.all()
               if Capability.CLAIMS in bot.capabilities]
    assert options == serving and ("meridian", "Meridian Health") in options
    assert 'data-testid="nav-claims"' in page and 'data-testid="no-claim-searches"' in page


def test_form_queues_a_claim_search_by_number_once(ui: TestClient, db: Engine,
                                                   queue: QueueProbe) -> None:
    form = _form(ui.get("/claims").text, claim_number=" MH2026000101 ", service_from="",
                 service_to="")

    response = ui.post("/claims", data=form, follow_redirects=False)

    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/claims/")
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None and job.kind == "claim_status" and job.origin == "web"
        request = repo.job_request(job)
    assert request.claim_number == "MH2026000101" and request.service_from is None
    assert queue.check_ids() == [job_id]
    # a double submission of the same page is the same search
    again = ui.post("/claims", data=form, follow_redirects=False)
    assert again.headers["location"] == f"/claims/{job_id}"
    assert count_checks(db) == 1 and queue.check_ids() == [job_id]
    # and the search is listed on the form page, with what was searched for
    listed = ui.get("/claims").text
    assert f'data-testid="recent-claim-search-{job_id}"' in listed
    assert "MH2026000101" in listed


def test_form_queues_a_claim_search_by_dates(ui: TestClient, db: Engine,
                                             queue: QueueProbe) -> None:
    response = ui.post("/claims", data=_form(ui.get("/claims").text, first_name=""),
                       follow_redirects=False)
    job_id = response.headers["location"].removeprefix("/claims/")
    with session_scope(db) as session:
        job = repo.get_job(session=session, job_id=job_id)
        assert job is not None
        request = repo.job_request(job)
    assert (request.service_from, request.service_to) == (dt.date(2026, 1, 1),
                                                          dt.date(2026, 11, 1))
    assert request.first_name is None and request.claim_number is None
    assert queue.check_ids() == [job_id]
    page = ui.get(f"/claims/{job_id}").text
    assert 'data-testid="check-status">queued<' in page
    assert 'data-testid="check-range">2026-01-01 to 2026-11-01<' in page


TOMORROW = (dt.date.today() + dt.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"member_id": "AB"}, "member_id", "letters, digits or hyphens"),
    ({"member_id": "MER<100>"}, "member_id", ""),
    ({"member_id": ""}, "member_id", "Required"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth", "future"),
    ({"date_of_birth": "1980-02-30"}, "date_of_birth", ""),
    ({"date_of_birth": "02/04/1980"}, "date_of_birth", "YYYY-MM-DD"),
    ({"last_name": ""}, "last_name", "Required"),
    ({"last_name": "X" * 61}, "last_name", ""),
    ({"first_name": "Ana;"}, "first_name", "letters"),
    ({"carrier": "acme"}, "carrier", "Unknown carrier"),
    ({"carrier": ""}, "carrier", "Required"),
    ({"claim_number": "AB1"}, "claim_number", ""),
    ({"claim_number": "MH/2026", "service_from": "", "service_to": ""}, "claim_number", ""),
    ({"claim_number": "MH2026000101"}, "service_from", "claim number or a date-of-service"),
    ({"service_from": "", "service_to": ""}, "service_from", "Required when no claim number"),
    ({"service_to": ""}, "service_to", "Required when no claim number"),
    ({"service_to": "2025-12-31"}, "service_to", "before the From date"),
    ({"service_from": "2024-01-01", "service_to": "2026-11-01"}, "service_to", "731 days"),
    ({"service_to": TOMORROW}, "service_to", "future"),
    ({"service_from": "2026-13-01"}, "service_from", ""),
])
def test_form_errors_show_beside_the_field_and_store_nothing(
    ui: TestClient, db: Engine, queue: QueueProbe, changes: dict[str, str], field: str,
    words: str,
) -> None:
    response = ui.post("/claims", data=_form(ui.get("/claims").text, **changes),
                       follow_redirects=False)

    assert response.status_code == 422
    shown = re.search(rf'data-testid="error-{field}">([^<]+)<', response.text)
    assert shown, f"no error beside {field}"
    assert words in shown.group(1)
    assert 'data-testid="form-errors"' in response.text
    for name, value in changes.items():  # what was typed stays in the form
        if value and name != "carrier":
            assert f'value="{html.escape(value)}"' in response.text
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_a_bad_claim_number_is_the_one_error_shown(ui: TestClient, db: Engine) -> None:
    response = ui.post("/claims", data=_form(ui.get("/claims").text, claim_number="MH/1",
                                             service_from="", service_to=""))
    errors = re.findall(r'data-testid="error-(\w+)"', response.text)
    assert errors == ["claim_number"]
    assert count_checks(db) == 0


@pytest.mark.parametrize("field", ["member_id", "last_name", "first_name", "claim_number",
                                   "date_of_birth", "carrier", "form_key"])
def test_nul_bytes_in_the_form_are_a_422_never_a_500(
    ui: TestClient, db: Engine, queue: QueueProbe, field: str
) -> None:
    # refused before the page's own validation (api.middleware.RequestSanity): no form
    # field, hidden or not, carries a NUL to the database
    form = {**_form(ui.get("/claims").text), field: "MH20\x0026"}
    response = ui.post("/claims", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "nul_byte"
    assert count_checks(db) == 0 and queue.check_ids() == []


def test_form_without_csrf_is_refused(ui: TestClient, db: Engine) -> None:
    response = ui.post("/claims", data={**FORM, "csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert count_checks(db) == 0

