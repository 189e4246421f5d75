"""Every read of PHI leaves exactly one audit event naming the person who read it: each API
read and list, each web page and list page, each download; a read of something that does
not exist leaves none; a page's live fragment, polled every few seconds, is audited at
most once per ten minutes per person and target."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.audit_reads import DETAIL_LIMIT, list_detail
from portals.access import ALL_ROLES
from storage.api_tokens import create_token
from storage.db import session_scope
from storage.models import AuditEvent, PriorAuthDocument
from storage.users import create_user
from tests.api.claims_ui import make_claim_search, store_claims
from tests.api.factories import make_check, make_failed_run, succeed
from tests.api.prior_auth_builders import PDF, finish_job, make_pa, pa_carriers_fixture
from tests.api.web_login import login

__all__ = ["pa_carriers_fixture"]

PERSON, PASSWORD = "dana", "a long enough password"
UNKNOWN = "0" * 32


@dataclass(frozen=True)
class Seeded:
    check: str
    claim: str
    claim_document: str
    run: str
    screenshot: str
    html: str
    pa: str
    pa_document: str

    def fill(self, path: str) -> str:
        return path.format(**self.__dict__, unknown=UNKNOWN)


@dataclass(frozen=True)
class Reader:
    client: TestClient
    token: dict[str, str]
    seeded: Seeded
    db: Engine


@pytest.fixture
def reader(app: FastAPI, client: TestClient, db: Engine,
           pa_carriers: object) -> Iterator[Reader]:
    """A person holding every role, logged in on the web and holding an API token, and one
    of everything that holds PHI."""
    store = app.state.store
    check = make_check(db)
    succeed(db, check)
    claim = make_claim_search(db)
    claims = store_claims(db, claim, store=store)
    assert claims.document_id is not None
    failed = make_failed_run(db, store)
    pa, job = make_pa(db, store, files=[("referral.pdf", PDF)])
    finish_job(db, job)
    with session_scope(db) as session:
        user = create_user(session=session, username=PERSON, password=PASSWORD,
                           roles=ALL_ROLES)
        _row, plain = create_token(session=session, user=user, name="reads", days=30)
        document = session.exec(select(PriorAuthDocument).where(
            PriorAuthDocument.prior_auth_id == pa)).one()
        pa_document = document.id
    assert login(client, PERSON, PASSWORD).status_code == 303
    yield Reader(client, {"Authorization": f"Bearer {plain}"},
                 Seeded(check, claim, claims.document_id, failed.run_id, failed.screenshot_id,
                        failed.html_id, pa, pa_document), db)


def _events(db: Engine) -> list[AuditEvent]:
    with Session(db) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))


def _get(reader: Reader, api: bool, path: str) -> int:
    headers = reader.token if api else {}
    response = reader.client.get(reader.seeded.fill(path), headers=headers,
                                 follow_redirects=False)
    return response.status_code


# (API?, path, action, target type, target id: a Seeded field or a literal)
READS = [
    (True, "/v1/eligibility-checks/{check}", "check.view", "check", "check"),
    (True, "/v1/claim-status-checks/{claim}", "claim_search.view", "claim_search", "claim"),
    (True, "/v1/prior-auths/{pa}", "prior_auth.view", "prior_auth", "pa"),
    (True, "/v1/runs/{run}", "run.view", "run", "run"),
    (True, "/v1/claim-status-checks/{claim}/documents/{claim_document}", "artifact.view",
     "artifact", "claim_document"),
    (True, "/v1/runs/{run}/artifacts/{screenshot}", "artifact.view", "artifact",
     "screenshot"),
    (True, "/v1/prior-auths/{pa}/documents/{pa_document}", "prior_auth.document_view",
     "prior_auth_document", "pa_document"),
    (False, "/checks/{check}", "check.view", "check", "check"),
    (False, "/checks/{check}/fragment", "check.view", "check", "check"),
    (False, "/claims/{claim}", "claim_search.view", "claim_search", "claim"),
    (False, "/claims/{claim}/fragment", "claim_search.view", "claim_search", "claim"),
    (False, "/claims/{claim}/documents/{claim_document}", "artifact.view", "artifact",
     "claim_document"),
    (False, "/prior-auths/{pa}", "prior_auth.view", "prior_auth", "pa"),
    (False, "/prior-auths/{pa}/fragment", "prior_auth.view", "prior_auth", "pa"),
    (False, "/prior-auths/new?check={check}", "check.view", "check", "check"),
    (False, "/runs/{run}", "run.view", "run", "run"),
    (False, "/ui/runs/{run}/artifacts/{screenshot}", "artifact.view", "artifact",
     "screenshot"),
    (False, "/runs/{run}/html/{html}", "artifact.view", "artifact", "html"),
    (False, "/prior-auths/{pa}/documents/{pa_document}", "prior_auth.document_view",
     "prior_auth_document", "pa_document"),
]

# (API?, path, action, list name, the Seeded field the list shows)
LISTS = [
    (True, "/v1/eligibility-checks", "check.list", "eligibility-checks", "check"),
    (True, "/v1/claim-status-checks", "claim_search.list", "claim-status-checks", "claim"),
    (True, "/v1/prior-auths", "prior_auth.list", "prior-auths", "pa"),
    (True, "/v1/runs?status=failed", "run.list", "runs", "run"),
    (False, "/", "check.list", "eligibility-checks", "check"),
    (False, "/claims", "claim_search.list", "claim-status-checks", "claim"),
    (False, "/prior-auths?status=all", "prior_auth.list", "prior-auths", "pa"),
    (False, "/runs/failed", "run.list", "runs/failed", "run"),
]


def _label(case: tuple[object, ...]) -> str:
    return ("api " if case[0] else "page ") + str(case[1])


@pytest.mark.parametrize("case", READS, ids=_label)
def test_a_read_leaves_one_event_naming_the_person(
    reader: Reader, case: tuple[bool, str, str, str, str]
) -> None:
    api, path, action, target_type, target = case
    before = len(_events(reader.db))

    assert _get(reader, api, path) == 200

    new = _events(reader.db)[before:]
    assert [(e.actor, e.actor_type, e.action, e.target_type, e.target_id) for e in new] == [
        (PERSON, "person", action, target_type, getattr(reader.seeded, target))]
    assert new[0].client_address  # where from, too


@pytest.mark.parametrize("case", LISTS, ids=_label)
def test_a_list_leaves_one_event_naming_its_filters_and_ids(
    reader: Reader, case: tuple[bool, str, str, str, str]
) -> None:
    api, path, action, name, shown = case
    before = len(_events(reader.db))

    response = reader.client.get(path, headers=reader.token if api else {})
    assert response.status_code == 200

    new = _events(reader.db)[before:]
    assert [(e.actor, e.actor_type, e.action, e.target_type, e.target_id) for e in new] == [
        (PERSON, "person", action, "list", name)]
    detail = new[0].detail
    assert detail is not None and getattr(reader.seeded, shown) in detail
    if api:  # every id the answer holds, and the filters
        body = response.json()
        ids = [item["id"] for item in (body if isinstance(body, list) else body["items"])]
        assert f"; {len(ids)} returned: " in detail and all(i in detail for i in ids)
        assert "limit=" in detail


def _unknown(path: str, target: str) -> str:
    """The path with the read target's id (and only it) replaced by an unknown one."""
    return path.replace("{" + target + "}", "{unknown}", 1)


@pytest.mark.parametrize("case", READS, ids=_label)
def test_a_read_of_nothing_leaves_no_event(
    reader: Reader, case: tuple[bool, str, str, str, str]
) -> None:
    api, path, _action, _type, target = case
    before = len(_events(reader.db))

    status = _get(reader, api, _unknown(path, target))

    assert status == 404 or (status == 200 and "new?check" in path)  # the form, unfilled
    assert _events(reader.db)[before:] == []


@pytest.mark.parametrize("path", ["/v1/eligibility-checks/{check}", "/v1/runs/{run}",
                                  "/v1/prior-auths/{pa}"])
def test_the_admin_token_is_audited_as_itself_and_nothing_for_a_404(
    reader: Reader, auth: dict[str, str], path: str
) -> None:
    before = len(_events(reader.db))
    unknown = path.split("{")[0] + UNKNOWN
    assert reader.client.get(unknown, headers=auth).status_code == 404
    assert reader.client.get(reader.seeded.fill(path), headers=auth).status_code == 200
    new = _events(reader.db)[before:]
    assert [(e.actor, e.actor_type) for e in new] == [("admin-token", "admin_token")]


FRAGMENTS = [("/checks/{check}", "check"), ("/claims/{claim}", "claim"),
             ("/prior-auths/{pa}", "pa")]


@pytest.mark.parametrize(("page", "target"), FRAGMENTS)
def test_fragment_polling_is_audited_once_per_ten_minutes(
    reader: Reader, page: str, target: str
) -> None:
    target_id = getattr(reader.seeded, target)

    def views() -> list[AuditEvent]:
        return [e for e in _events(reader.db)
                if e.target_id == target_id and e.action.endswith(".view")]

    for _ in range(3):  # a first poll, then two more seconds later
        assert _get(reader, False, page + "/fragment") == 200
    assert len(views()) == 1

    assert _get(reader, False, page) == 200  # opening the page itself always counts
    for _ in range(2):
        assert _get(reader, False, page + "/fragment") == 200
    assert len(views()) == 2

    with session_scope(reader.db) as session:  # ten minutes and more later
        for event in session.exec(select(AuditEvent).where(AuditEvent.target_id
                                                           == target_id)):
            event.at = event.at - dt.timedelta(minutes=11)
            session.add(event)
    assert _get(reader, False, page + "/fragment") == 200
    assert _get(reader, False, page + "/fragment") == 200
    assert len(views()) == 3


def test_fragment_polling_by_another_person_is_audited_for_them(
    reader: Reader, app: FastAPI, db: Engine
) -> None:
    assert _get(reader, False, "/checks/{check}/fragment") == 200
    with session_scope(db) as session:
        create_user(session=session, username="lee", password=PASSWORD, roles=ALL_ROLES)
    with TestClient(app) as other:
        assert login(other, "lee", PASSWORD).status_code == 303
        assert other.get(f"/checks/{reader.seeded.check}/fragment").status_code == 200
        assert other.get(f"/checks/{reader.seeded.check}/fragment").status_code == 200
    viewers = [e.actor for e in _events(db) if e.action == "check.view"]
    assert viewers == [PERSON, "lee"]


def test_a_page_view_is_audited_every_time(reader: Reader) -> None:
    for _ in range(2):
        assert _get(reader, False, "/checks/{check}") == 200
    assert [e.action for e in _events(reader.db)].count("check.view") == 2


def test_list_detail_fits_and_says_how_many_were_cut() -> None:
    ids = [f"{n:032x}" for n in range(40)]
    detail = list_detail({"status": "failed", "carrier": None, "limit": 40}, ids)
    assert len(detail) <= DETAIL_LIMIT
    assert detail.startswith("status=failed, limit=40; 40 returned: " + ids[0])
    kept = [i for i in ids if i in detail]
    assert kept == ids[:len(kept)] and len(kept) >= 10
    assert detail.endswith(f"(+{40 - len(kept)} more)")
    assert list_detail({}, []) == "no filter; 0 returned"
    assert list_detail({"limit": 2}, ids[:2]) == f"limit=2; 2 returned: {ids[0]} {ids[1]}"
