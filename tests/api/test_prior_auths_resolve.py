"""/v1/prior-auths, after submission: a person's decision on an unknown outcome or a
failed request (audited, 409 in any other state, once when two decide at once), a
one-time code for the request's waiting job, and ids that cannot be ids (404, never 500).
The creating, listing and reading routes are tested in test_prior_auths_api.py."""



import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.prior_auth_services import resolve_request
from storage import prior_auths
from storage.artifacts import ArtifactStore
from storage.models import PriorAuth
from storage.prior_auths import RESOLVE_ACTION, PriorAuthConflict, Resolution
from tests.api.conftest import QueueProbe
from tests.api.prior_auth_builders import (
    BOTH,
    PDF,
    URL,
    audit_of,
    events_of,
    finish_job,
    make_pa,
    pa_body,
    pa_carriers_fixture,  # noqa: F401
    post_pa,
    small_limits_fixture,  # noqa: F401
    store_of_fixture,  # noqa: F401
    submitted_pa,
)

pytestmark = pytest.mark.usefixtures("pa_carriers")

# -- a person decides -----------------------------------------------------------------


def test_an_unknown_outcome_is_resubmitted_audited_and_queued(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    queue: QueueProbe,
) -> None:
    from storage.models import JobStatus

    pa_id, job_id = make_pa(db, store_of)
    finish_job(db, job_id, status=JobStatus.OUTCOME_UNKNOWN,
               message="submitted, then the portal did not show it")
    assert client.get(f"{URL}/{pa_id}", headers=auth).json()["state"] == "outcome_unknown"
    assert client.get(URL, params={"status": "outcome_unknown"},
                      headers=auth).json()["items"][0]["id"] == pa_id

    response = client.post(f"{URL}/{pa_id}/resolve", headers=auth,
                           json={"resolution": "resubmit", "note": "Not in the portal list"})

    assert response.status_code == 200, response.text
    new_job = response.json()["job_id"]
    assert response.json()["state"] == "queued" and new_job != job_id
    assert queue.check_ids() == [new_job]
    assert audit_of(db, RESOLVE_ACTION) == [
        ("admin-token", pa_id, "resubmit: Not in the portal list")]
    assert events_of(db, pa_id)[-2:] == ["outcome_unknown", "resolved_resubmit"]
    # now queued: a second decision is a conflict, and nothing more is queued
    again = client.post(f"{URL}/{pa_id}/resolve", headers=auth,
                        json={"resolution": "resubmit", "note": "again"})
    assert again.status_code == 409
    assert queue.check_ids() == [new_job] and len(audit_of(db, RESOLVE_ACTION)) == 1


def test_a_failed_request_is_closed_and_resolve_is_409_elsewhere(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
) -> None:
    from storage.models import JobStatus

    submitted = submitted_pa(db, store_of)
    failed, job_id = make_pa(db, store_of)
    finish_job(db, job_id, status=JobStatus.FAILED, message="the account is locked")
    close = {"resolution": "close", "note": "Sent by fax instead"}

    assert client.post(f"{URL}/{submitted}/resolve", headers=auth,
                       json=close).status_code == 409
    response = client.post(f"{URL}/{failed}/resolve", headers=auth, json=close)
    assert response.status_code == 200 and response.json()["state"] == "closed"
    assert response.json()["job_id"] is None
    assert client.post(f"{URL}/{failed}/resolve", headers=auth, json=close).status_code == 409
    assert [t for _, t, _ in audit_of(db, RESOLVE_ACTION)] == [failed]
    for bad in ({"resolution": "retry", "note": "x"}, {"resolution": "close"},
                {"resolution": "close", "note": " "}):
        assert client.post(f"{URL}/{failed}/resolve", headers=auth,
                           json=bad).status_code == 422


@BOTH
def test_two_people_deciding_at_once_resubmit_only_once(
    app: FastAPI, client: TestClient, auth: dict[str, str], db: Engine,
    store_of: ArtifactStore, queue: QueueProbe,
) -> None:
    from storage.models import JobStatus

    pa_id, job_id = make_pa(db, store_of)
    finish_job(db, job_id, status=JobStatus.OUTCOME_UNKNOWN)
    with Session(db, expire_on_commit=False) as late:
        # given a second person who loaded the request before the first decided
        stale = late.get(PriorAuth, pa_id)
        assert stale is not None
        first = client.post(f"{URL}/{pa_id}/resolve", headers=auth,
                            json={"resolution": "resubmit", "note": "first"})
        assert first.status_code == 200
        # when the second decides on what they saw
        with pytest.raises(PriorAuthConflict):
            resolve_request(session=late, pa=stale, resolution=Resolution.RESUBMIT,
                            actor="maria", note="second")
    # then the request was resubmitted once
    assert len(queue.check_ids()) == 1
    with Session(db) as session:
        pa = session.get(PriorAuth, pa_id)
        assert pa is not None
        assert len([j for j in prior_auths.jobs(session=session, pa=pa)]) == 2


def test_a_code_reaches_the_request_s_job_that_waits_for_one(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
) -> None:
    from sqlmodel import select

    from storage import repo
    from storage.db import session_scope
    from storage.models import JobStatus, OneTimeCode

    pa_id, job_id = make_pa(db, store_of)
    assert client.post(f"{URL}/{pa_id}/mfa-code", headers=auth,
                       json={"code": "123456"}).status_code == 409
    with session_scope(db) as session:
        assert repo.claim_job(session=session, job_id=job_id, worker="w1", lease_seconds=60)
        assert repo.set_job_status(session=session, job_id=job_id, worker="w1",
                                   status=JobStatus.NEEDS_MFA_CODE)

    response = client.post(f"{URL}/{pa_id}/mfa-code", headers=auth, json={"code": "123456"})

    assert response.status_code == 202 and response.json()["id"] == job_id
    with Session(db) as session:
        codes = session.exec(select(OneTimeCode)).all()
        assert [(c.job_id, c.entered_by) for c in codes] == [(job_id, "admin-token")]
    assert client.post(f"{URL}/{pa_id}/mfa-code", headers=auth,
                       json={"code": "12ab"}).status_code == 422


# -- ids that cannot be ids -----------------------------------------------------------


JUNK_IDS = ["nope", "a" * 5000, "%00", "ab%00cd", "..%2F..%2Fetc", "A" * 32, "0" * 31 + "g",
            "0" * 32]


def test_junk_ids_are_404_never_500(client: TestClient, auth: dict[str, str]) -> None:
    for pa_id in JUNK_IDS:
        assert client.get(f"{URL}/{pa_id}", headers=auth).status_code == 404
        assert client.get(f"{URL}/{pa_id}/documents/{pa_id}", headers=auth).status_code \
            == 404
        assert client.post(f"{URL}/{pa_id}/refresh", headers=auth).status_code == 404
        assert client.post(f"{URL}/{pa_id}/resolve", headers=auth,
                           json={"resolution": "close", "note": "x"}).status_code == 404
        assert client.post(f"{URL}/{pa_id}/mfa-code", headers=auth,
                           json={"code": "123456"}).status_code == 404


def test_junk_document_ids_are_404(client: TestClient, auth: dict[str, str], db: Engine,
                                   store_of: ArtifactStore) -> None:
    pa_id, _job = make_pa(db, store_of, files=[("a.pdf", PDF)])
    for document_id in ("x", "b" * 5000, "%00", "0" * 32):
        assert client.get(f"{URL}/{pa_id}/documents/{document_id}",
                          headers=auth).status_code == 404


def test_routes_need_the_token(client: TestClient) -> None:
    assert post_pa(client, {}, pa_body()).status_code == 401
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{'a' * 32}").status_code == 401
