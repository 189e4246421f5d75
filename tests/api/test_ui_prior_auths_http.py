"""The prior-authorization pages of the staff web UI over HTTP: behind the login; the form
(pre-filled from an eligibility check, its services needing authorization offered first),
errors beside the fields with nothing stored, one request for a double submission, CSRF;
the list's filters; a request's page (documents downloaded and audited, overdue, refresh,
a person's decision audited); a job's page leading to its request."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from portals.prior_auth import CertificationAction
from storage import repo
from storage.artifacts import ArtifactStore
from storage.db import session_scope
from storage.models import JobStatus
from storage.prior_auths import DOCUMENT_VIEW_ACTION, RESOLVE_ACTION
from tests.api.claims_ui import USER, _csrf, _text
from tests.api.conftest import QueueProbe
from tests.api.factories import make_check, rich_result, succeed
from tests.api.prior_auth_builders import (
    EXE,
    NOTHING,
    PDF,
    PNG,
    REQUESTING_NPI,
    SERVICING_NPI,
    Stored,
    audit_of,
    decision,
    finish_job,
    make_pa,
    pa_carriers_fixture,  # noqa: F401
    soon,
    store_of_fixture,  # noqa: F401
    stored,
    submitted_pa,
)

pytestmark = pytest.mark.usefixtures("pa_carriers")

NEW = "/prior-auths/new"
FORM = {
    "carrier": "meridian", "member_id": "MER100200", "date_of_birth": "1980-04-02",
    "last_name": "Rivera", "first_name": "Ana", "requesting_npi": REQUESTING_NPI,
    "requesting_name": "Riverside Family Clinic", "servicing_npi": SERVICING_NPI,
    "servicing_name": "Riverside Imaging", "diagnosis_codes": "M54.50, m51.26",
    "service_from": soon(14), "service_to": soon(44), "place_of_service": "22",
    "urgency": "standard", "note": "Six weeks of therapy failed.",
}


TYPED = {"svc-0-code": "72148", "svc-0-modifiers": "", "svc-0-units": "1"}
"""A service typed into the first row of a form not started from an eligibility check."""


def form_of(page: str, changes: dict[str, str] | None = None, *,
            services: dict[str, str] | None = None) -> dict[str, str]:
    """What the browser sends: the page's hidden fields (csrf, one-time key, rows, an
    offered row's code), FORM, the service rows (TYPED unless given) and the changes."""
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    data = {**hidden, **FORM, **(TYPED if services is None else services),
            **(changes or {}), "csrf": _csrf(page)}
    return {k: v for k, v in data.items() if v is not None}


def post_form(ui: TestClient, data: dict[str, str],
              files: list[tuple[str, bytes]] | None = None) -> Any:
    parts = [("files", (name, content, "application/octet-stream"))
             for name, content in (files or [])]
    return ui.post(NEW, data=data, files=parts or None, follow_redirects=False)


# -- login, navigation ----------------------------------------------------------------


def test_prior_auth_pages_need_a_login(client: TestClient, db: Engine,
                                       store_of: ArtifactStore) -> None:
    pa_id, job_id = make_pa(db, store_of, files=[("a.pdf", PDF)])
    for path in ("/prior-auths", NEW, f"/prior-auths/{pa_id}",
                 f"/prior-auths/{pa_id}/fragment", f"/prior-auths/jobs/{job_id}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/prior-auths")
    assert post_form(client, dict(FORM), [("a.pdf", PDF)]).status_code == 303
    assert stored(db, store_of).requests == 1


def test_the_form_lists_only_carriers_taking_prior_authorization(ui: TestClient) -> None:
    page = ui.get(NEW).text
    carriers = re.findall(r'<option value="([a-z]+)"[^>]*>[A-Z]', page)
    assert "meridian" in carriers and "summit" in carriers and "cascade" not in carriers
    assert 'data-testid="nav-prior-auths"' in page
    assert 'enctype="multipart/form-data"' in page


# -- from an eligibility result -------------------------------------------------------


def test_an_eligibility_result_leads_to_a_form_offering_what_needs_authorization(
    ui: TestClient, db: Engine
) -> None:
    check_id = make_check(db)  # asked about 99213 and 70551
    succeed(db, check_id, rich_result())  # 70551 and 97110 need authorization

    page = ui.get(f"/checks/{check_id}").text
    link = re.search(r'href="([^"]+)" data-testid="request-prior-auth"', page)
    assert link and link.group(1) == f"{NEW}?check={check_id}"
    form = ui.get(link.group(1)).text

    # the patient as the portal named them, and the way back to the result
    for name, value in (("member_id", "MER100200"), ("date_of_birth", "1980-04-02"),
                        ("last_name", "Rivera"), ("first_name", "Ana")):
        assert re.search(rf'name="{name}"[^>]* value="{value}"', form), name
    assert f'href="/checks/{check_id}" data-testid="eligibility-link"' in form
    assert re.search(r'<option value="meridian"\s+selected', form)
    # the services needing authorization first, the one the check asked about ticked
    offered = re.findall(r'data-testid="offer-(\w+)"', form)
    assert offered == ["70551", "97110"]
    assert form.index('data-testid="offered-services"') < form.index(
        'data-testid="typed-services"')
    assert re.search(r'value="1" checked id="svc-0-use"', form)
    assert not re.search(r'value="1" checked id="svc-1-use"', form)
    assert "MRI brain without contrast" in form


def test_one_click_requests_an_offered_service(ui: TestClient, db: Engine,
                                               store_of: ArtifactStore,
                                               queue: QueueProbe) -> None:
    check_id = make_check(db)
    succeed(db, check_id, rich_result())
    page = ui.get(f"{NEW}?check={check_id}").text
    # 70551 comes ticked (the check asked about it); one click ticks 97110 too, and no
    # service is typed in
    data = form_of(page, services={"svc-0-use": "1", "svc-1-use": "1"})
    assert (data["svc-0-code"], data["svc-0-offered"]) == ("70551", "1")

    response = post_form(ui, data, [("order.pdf", PDF)])

    assert response.status_code == 303, _text(response.text)[:600]
    pa_id = response.headers["location"].rsplit("/", 1)[-1]
    assert len(queue.check_ids()) == 1 and stored(db, store_of).requests == 1
    page = ui.get(f"/prior-auths/{pa_id}").text
    assert re.findall(r'data-testid="pa-service-(\w+)"', page) == ["70551", "97110"]


def test_a_check_of_a_carrier_without_prior_authorization_says_so(ui: TestClient,
                                                                  db: Engine) -> None:
    check_id = make_check(db, carrier="cascade")
    assert 'data-testid="request-prior-auth"' not in ui.get(f"/checks/{check_id}").text
    form = ui.get(f"{NEW}?check={check_id}").text
    assert "does not take prior-authorization requests" in form
    junk = ui.get(f"{NEW}?check=%00nope").text
    assert "No such eligibility check" in junk


# -- submitting -----------------------------------------------------------------------


def test_a_double_submitted_form_creates_one_request(ui: TestClient, db: Engine,
                                                     store_of: ArtifactStore,
                                                     queue: QueueProbe) -> None:
    data = form_of(ui.get(NEW).text)
    files = [("mri-order.pdf", PDF), ("x-ray.png", PNG)]

    first = post_form(ui, data, files)
    second = post_form(ui, data, files)

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert stored(db, store_of) == Stored(requests=1, documents=2, jobs=1, files=2)
    assert len(queue.check_ids()) == 1
    page = ui.get(first.headers["location"]).text
    assert 'data-testid="pa-state">Queued for submission<' in page
    assert _text(page).count("mri-order.pdf") == 1 and "x-ray.png" in page
    assert "M51.26" in page  # typed lower-case, stored as the code
    # the same page's key with other files is not taken for the same request
    other = post_form(ui, data, [("other.pdf", PDF + b"1")])
    assert other.status_code == 422 and 'data-testid="error-form"' in other.text
    assert stored(db, store_of).requests == 1


FORM_ERRORS: list[tuple[str, dict[str, str], list[tuple[str, bytes]], str, str]] = [
    ("member id", {"member_id": "M<1>"}, [], "member_id", ""),
    ("no last name", {"last_name": ""}, [], "last_name", "Required"),
    ("NPI check digit", {"requesting_npi": "1234567890"}, [], "requesting_npi",
     "check digit"),
    ("servicing name", {"servicing_name": ""}, [], "servicing_name", "Required"),
    ("not ICD-10", {"diagnosis_codes": "M54.50, 123"}, [], "diagnosis_codes",
     "123 is not an ICD-10-CM code"),
    ("units", {"svc-0-units": "0"}, [], "svc-0-units", "1 to 999"),
    ("code", {"svc-0-code": "7214"}, [], "svc-0-code", "5-character"),
    ("no service", {"svc-0-code": ""}, [], "services", "at least one service"),
    ("range", {"service_to": soon(2)}, [], "service_to", "before the From date"),
    ("carrier", {"carrier": "cascade"}, [], "carrier", "does not offer"),
    ("renamed program", {}, [("scan.pdf", EXE)], "files", "scan.pdf: the content is not"),
    ("empty file", {}, [("empty.pdf", b"")], "files", "empty.pdf: the file is empty"),
]


def test_form_errors_show_beside_the_field_and_store_nothing(
    ui: TestClient, db: Engine, store_of: ArtifactStore, queue: QueueProbe,
    subtests: pytest.Subtests,
) -> None:
    page = ui.get(NEW).text
    for case, changes, files, field, words in FORM_ERRORS:
        with subtests.test(case=case):
            response = post_form(ui, form_of(page, changes), files or [("a.pdf", PDF)])

            assert response.status_code == 422
            shown = re.search(rf'data-testid="error-{field}">([^<]+)<', response.text)
            assert shown, f"no error beside {field}"
            assert words in shown.group(1)
            assert 'data-testid="form-errors"' in response.text
            for name, value in changes.items():  # what was typed stays in the form
                if value and name != "carrier":
                    assert f'value="{html.escape(value)}"' in response.text
            assert stored(db, store_of) == NOTHING and queue.pending() == 0


def test_files_are_checked_even_when_other_fields_are_wrong(ui: TestClient, db: Engine,
                                                            store_of: ArtifactStore) -> None:
    response = post_form(ui, form_of(ui.get(NEW).text, {"member_id": ""}),
                         [("scan.pdf", EXE)])
    assert 'data-testid="error-member_id"' in response.text
    assert 'data-testid="error-files"' in response.text
    fine = post_form(ui, form_of(ui.get(NEW).text, {"member_id": ""}), [("a.pdf", PDF)])
    assert "choose them again" in fine.text
    assert stored(db, store_of) == NOTHING


def test_the_form_needs_its_csrf_token(ui: TestClient, db: Engine,
                                       store_of: ArtifactStore) -> None:
    data = form_of(ui.get(NEW).text)
    response = post_form(ui, {**data, "csrf": "forged"}, [("a.pdf", PDF)])
    assert response.status_code == 403
    assert stored(db, store_of) == NOTHING


# -- the list -------------------------------------------------------------------------


def test_the_list_shows_open_by_default_and_overdue_clearly(ui: TestClient, db: Engine,
                                                            store_of: ArtifactStore) -> None:
    fresh = submitted_pa(db, store_of, days_ago=1)
    late = submitted_pa(db, store_of, days_ago=9)
    approved = submitted_pa(db, store_of, found=decision(CertificationAction.CERTIFIED,
                                                         "Approved"))
    queued, _job = make_pa(db, store_of)

    page = ui.get("/prior-auths").text
    assert 'aria-current="page">Open' in page
    assert f'data-testid="prior-auth-{fresh}"' in page
    assert f'data-testid="overdue-{late}"' in page and f'data-testid="overdue-{fresh}"' \
        not in page
    assert f'data-testid="prior-auth-{approved}"' not in page
    assert 'data-testid="count-overdue">1<' in page
    overdue = ui.get("/prior-auths?status=overdue").text
    assert f"prior-auth-{late}" in overdue and f"prior-auth-{fresh}" not in overdue
    decided = ui.get("/prior-auths?status=decided").text
    assert f"prior-auth-{approved}" in decided and "Certified in total" in decided
    everything = ui.get("/prior-auths?status=all").text
    assert all(f"prior-auth-{i}" in everything for i in (fresh, late, approved, queued))
    assert 'aria-current="page">Open' in ui.get("/prior-auths?status=%00junk").text


# -- one request ----------------------------------------------------------------------


def test_a_request_page_downloads_documents_and_audits_each_view(
    ui: TestClient, db: Engine, store_of: ArtifactStore
) -> None:
    pa_id, _job = make_pa(db, store_of, files=[("mri-order.pdf", PDF), ("x-ray.png", PNG)])
    page = ui.get(f"/prior-auths/{pa_id}").text
    links = re.findall(r'href="(/prior-auths/[0-9a-f]{32}/documents/[0-9a-f]{32})"', page)
    assert len(links) == 2

    assert ui.get(links[0]).content == PDF and ui.get(links[1]).content == PNG
    assert [actor for actor, _, _ in audit_of(db, DOCUMENT_VIEW_ACTION)] == [USER, USER]
    assert ui.get(f"/prior-auths/{pa_id}/documents/{'0' * 32}").status_code == 404
    # the page follows its queued submission; the fragment says it is not finished
    assert 'data-finished="false"' in page
    fragment = ui.get(f"/prior-auths/{pa_id}/fragment")
    assert fragment.headers["X-Check-Finished"] == "false"
    assert 'data-testid="refresh-status"' not in page


def test_a_submitted_request_is_refreshed_and_shows_overdue(
    ui: TestClient, db: Engine, store_of: ArtifactStore, queue: QueueProbe
) -> None:
    pa_id = submitted_pa(db, store_of, days_ago=8)
    page = ui.get(f"/prior-auths/{pa_id}").text
    assert 'data-testid="overdue-badge"' in page and 'data-finished="true"' in page
    assert 'data-testid="pa-reference">MR-2026-00417<' in page
    assert 'data-testid="decision-meaning">Pended<' in page

    response = ui.post(f"/prior-auths/{pa_id}/refresh", data={"csrf": _csrf(page)},
                       follow_redirects=True)

    assert "A bot will read the status" in response.text
    assert len(queue.check_ids()) == 1
    assert 'data-testid="refresh-status"' not in response.text  # one is waiting
    assert ui.get(f"/prior-auths/{pa_id}/fragment").headers["X-Check-Finished"] == "false"
    assert ui.post(f"/prior-auths/{pa_id}/refresh", data={"csrf": "forged"}
                   ).status_code == 403


def test_an_unknown_outcome_is_closed_by_a_person_and_audited(
    ui: TestClient, db: Engine, store_of: ArtifactStore
) -> None:
    pa_id, job_id = make_pa(db, store_of)
    finish_job(db, job_id, status=JobStatus.OUTCOME_UNKNOWN,
               message="the portal did not show it after the submit click")
    page = ui.get(f"/prior-auths/{pa_id}").text
    assert 'data-testid="resolve-form"' in page and "Outcome unknown" in page
    csrf = _csrf(page)

    no_note = ui.post(f"/prior-auths/{pa_id}/resolve",
                      data={"csrf": csrf, "resolution": "close", "note": " "})
    assert "write a short note" in no_note.text and audit_of(db, RESOLVE_ACTION) == []
    done = ui.post(f"/prior-auths/{pa_id}/resolve",
                   data={"csrf": csrf, "resolution": "close", "note": "Faxed instead"})

    assert "The request is closed." in done.text
    assert audit_of(db, RESOLVE_ACTION) == [(USER, pa_id, "close: Faxed instead")]
    assert 'data-testid="resolve-form"' not in done.text
    assert "Closed by a person" in done.text and "Faxed instead" in done.text
    again = ui.post(f"/prior-auths/{pa_id}/resolve",
                    data={"csrf": csrf, "resolution": "resubmit", "note": "oops"})
    assert "Not resolved" in again.text and len(audit_of(db, RESOLVE_ACTION)) == 1


def test_a_job_page_leads_to_its_request_and_junk_ids_are_404(
    ui: TestClient, db: Engine, store_of: ArtifactStore
) -> None:
    pa_id, job_id = make_pa(db, store_of)
    response = ui.get(f"/prior-auths/jobs/{job_id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/prior-auths/{pa_id}"
    check_id = make_check(db)
    for path in (f"/prior-auths/jobs/{check_id}", "/prior-auths/jobs/%00",
                 f"/prior-auths/{'a' * 5000}", "/prior-auths/%00x",
                 f"/prior-auths/{pa_id}/documents/{'a' * 5000}",
                 f"/prior-auths/{'0' * 32}/fragment"):
        assert ui.get(path).status_code == 404, path


def test_a_failed_submission_shows_its_message(ui: TestClient, db: Engine,
                                               store_of: ArtifactStore) -> None:
    pa_id, job_id = make_pa(db, store_of)
    finish_job(db, job_id, status=JobStatus.FAILED, message="the account is locked")
    with session_scope(db) as session:
        assert repo.get_job(session=session, job_id=job_id) is not None
    page = ui.get(f"/prior-auths/{pa_id}").text
    assert 'data-testid="pa-message">the account is locked<' in page
    assert 'data-testid="resolve-form"' in page
    assert dt.date.today().isoformat() in page
