"""/v1/prior-auths: a request with its documents, refused (422 naming the field, or the file
and the rule; 413 over the carrier's size) with nothing stored or queued, accepted once per
Idempotency-Key; the lists staff filter by; reading a request with its documents (audited,
byte-identical), decision, timeline and jobs; a status refresh. A person's decision and
junk ids: test_prior_auths_resolve.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.prior_auth_services import FORM_MARGIN
from bots.base import UploadLimits
from portals.prior_auth import CertificationAction
from storage.artifacts import ArtifactStore
from storage.prior_auths import DOCUMENT_VIEW_ACTION
from tests.api.conftest import QueueProbe
from tests.api.prior_auth_builders import (
    BOTH,
    EXE,
    NOTHING,
    PDF,
    PNG,
    TIFF,
    URL,
    audit_of,
    decision,
    finish_job,
    make_pa,
    pa_body,
    pa_carriers_fixture,  # noqa: F401
    post_pa,
    post_raw_file,
    small_limits_fixture,  # noqa: F401
    soon,
    store_of_fixture,  # noqa: F401
    stored,
    submitted_pa,
)

pytestmark = pytest.mark.usefixtures("pa_carriers")

# -- refused: nothing stored, nothing queued -------------------------------------------


BAD_REQUESTS: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [
    ("units zero", pa_body(services=[{"procedure_code": "72148", "units": 0}]),
     ("body", "request", "services", 0, "units")),
    ("second service's code", pa_body(services=[
        {"procedure_code": "72148", "units": 1}, {"procedure_code": "7214", "units": 1}]),
     ("body", "request", "services", 1, "procedure_code")),
    ("no services", pa_body(services=[]), ("body", "request", "services")),
    ("no diagnosis", pa_body(diagnosis_codes=[]), ("body", "request", "diagnosis_codes")),
    ("not ICD-10", pa_body(diagnosis_codes=["M54.50", "U07.1X"]),
     ("body", "request", "diagnosis_codes", 1)),
    ("NPI check digit", pa_body(requesting_provider={"npi": "1234567890", "name": "X"}),
     ("body", "request", "requesting_provider", "npi")),
    ("servicing provider missing", pa_body(servicing_provider=None),
     ("body", "request", "servicing_provider")),
    ("range backwards", pa_body(service_from=soon(30), service_to=soon(10)),
     ("body", "request", "service_to")),
    ("range over a year", pa_body(service_from=soon(1), service_to=soon(400)),
     ("body", "request", "service_to")),
    ("urgency", pa_body(urgency="asap"), ("body", "request", "urgency")),
    ("place of service", pa_body(place_of_service="1"),
     ("body", "request", "place_of_service")),
    ("member_id NUL", pa_body(member_id="MER\u0000100"), ("body", "request", "member_id")),
    ("birth in the future", pa_body(date_of_birth=soon(2)),
     ("body", "request", "date_of_birth")),
    ("unknown field", pa_body(service_codes=["72148"]), ("body", "request", "service_codes")),
    ("unknown carrier", pa_body(carrier="acme"), ("body", "request", "carrier")),
]


def test_a_bad_request_is_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    queue: QueueProbe, subtests: pytest.Subtests,
) -> None:
    for case, body, loc in BAD_REQUESTS:
        with subtests.test(case=case):
            response = post_pa(client, auth, body, [("mri-order.pdf", PDF)])

            assert response.status_code == 422, response.text
            assert list(loc) in [error["loc"] for error in response.json()["detail"]]
            assert "\u0000" not in response.text and "Rivera" not in response.text
            assert stored(db, store_of) == NOTHING and queue.pending() == 0


def test_a_request_part_that_is_no_json_object_is_422(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore
) -> None:
    for raw in ("{not json", "[1, 2]", "[" * 50_000, ""):
        response = post_pa(client, auth, raw)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "request"]
    assert stored(db, store_of) == NOTHING


def test_cascade_is_refused_naming_the_carrier_and_the_capability(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore
) -> None:
    response = post_pa(client, auth, pa_body(carrier="cascade"))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "request", "carrier"]
    assert "cascade" in error["msg"] and "prior_auth" in error["msg"]
    assert "meridian" in error["msg"]  # and where to go instead
    assert stored(db, store_of) == NOTHING


def _file_errors(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert all(e["loc"] == ["body", "files"] and e["field"] == "files" for e in errors)
    assert all(e["filename"] in e["msg"] for e in errors if e["rule"] not in ("name", "count"))
    return [(e["filename"], e["rule"]) for e in errors]


REFUSED_FILES: list[tuple[list[tuple[str, bytes]], list[tuple[str, str]]]] = [
    ([("notes.pdf", PDF), ("scan.pdf", EXE)], [("scan.pdf", "type")]),
    ([("big.pdf", PDF + b"%" * 20_000)], [("big.pdf", "size")]),
    ([(f"page{i}.pdf", PDF + bytes([i])) for i in range(4)], [("page3.pdf", "count")]),
    ([("empty.pdf", b"")], [("empty.pdf", "empty")]),
    ([("films.tiff", TIFF)], [("films.tiff", "type")]),
    ([("a.pdf", PDF), ("A.PDF", PDF + b" ")], [("A.PDF", "name")]),
    ([("a.pdf", PDF), ("b.pdf", PDF)], [("b.pdf", "duplicate")]),
    ([("../../etc/passwd.pdf", PDF)], [("../../etc/passwd.pdf", "name")]),
    ([("nul%00.pdf", PDF)], [("nul%00.pdf", "name")]),
    ([("<script>.pdf", PDF)], [("<script>.pdf", "name")]),
]


def test_a_file_the_portal_would_refuse_is_422_naming_file_and_rule(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    queue: QueueProbe, small_limits: UploadLimits, subtests: pytest.Subtests,
) -> None:
    for files, expected in REFUSED_FILES:
        with subtests.test(files=[name for name, _ in files]):
            response = post_pa(client, auth, pa_body(), files)

            assert _file_errors(response) == expected
            assert stored(db, store_of) == NOTHING and queue.pending() == 0


def test_nul_bytes_and_paths_in_a_file_name_are_422(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    queue: QueueProbe,
) -> None:
    for filename, shown in ((b"nul\x00.pdf", "nul?.pdf"), (b"tab\tname.pdf", "tab?name.pdf"),
                            (b"/etc/passwd", "/etc/passwd"),
                            (b"scans/../../x.pdf", "scans/../../x.pdf"), (b"", "(no name)")):
        response = post_raw_file(client, auth, pa_body(), filename, PDF)

        assert _file_errors(response) == [(shown, "name")]
        assert "\u0000" not in response.text
    assert stored(db, store_of) == NOTHING and queue.pending() == 0


def test_a_windows_path_keeps_only_its_last_part(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
) -> None:
    response = post_raw_file(client, auth, pa_body(), b"C:\\scans\\mri-order.pdf", PDF)
    assert response.status_code == 202, response.text
    body = client.get(f"{URL}/{response.json()['id']}", headers=auth).json()
    assert [d["filename"] for d in body["documents"]] == ["mri-order.pdf"]
    assert [p.name.split("-", 1)[1] for p in store_of.root.rglob("*") if p.is_file()] == [
        "mri-order.pdf"]


def test_a_body_larger_than_the_carrier_takes_is_413_and_nothing_is_stored(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    small_limits: UploadLimits, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given another carrier taking larger files, so the body passes the app-wide limit
    from bots.registry import registry

    monkeypatch.setattr(registry.get("summit"), "prior_auth_limits", UploadLimits(
        content_types=frozenset({"application/pdf"}), max_bytes=400_000, max_files=3))
    cap = small_limits.max_files * small_limits.max_bytes + FORM_MARGIN
    # when Meridian is sent more than all its files at their limit
    response = post_pa(client, auth, pa_body(), [("huge.pdf", PDF + b"%" * cap)])
    assert response.status_code == 413
    assert "meridian" in response.json()["detail"]
    assert stored(db, store_of) == NOTHING


def test_a_body_larger_than_any_carrier_takes_is_refused_before_it_is_read(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    small_limits: UploadLimits, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bots.registry import registry

    for name in ("northwind", "summit"):
        monkeypatch.setattr(registry.get(name), "prior_auth_limits", small_limits)
    cap = small_limits.max_files * small_limits.max_bytes + FORM_MARGIN
    response = post_pa(client, auth, pa_body(), [("huge.pdf", PDF + b"%" * cap)])
    assert response.status_code == 413
    assert response.json()["detail"] == f"request body larger than {cap} bytes"
    assert stored(db, store_of) == NOTHING
    # while other routes keep their small limit
    assert client.post("/v1/eligibility-checks", headers=auth,
                       content=b"{" + b" " * 70_000 + b"}").status_code == 413


# -- accepted -------------------------------------------------------------------------


def test_a_request_with_two_documents_is_stored_encrypted_and_queued(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    queue: QueueProbe,
) -> None:
    response = post_pa(client, auth, pa_body(), [("mri-order.pdf", PDF), ("x-ray.png", PNG)])

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["state"] == "queued" and accepted["tracking_ref"].startswith("PA-")
    assert response.headers["Location"] == f"{URL}/{accepted['id']}"
    assert queue.check_ids() == [accepted["job_id"]]
    assert stored(db, store_of).files == 2
    on_disk = b"".join(p.read_bytes() for p in store_of.root.rglob("*") if p.is_file())
    assert PDF not in on_disk and PNG not in on_disk  # encrypted at rest

    body = client.get(f"{URL}/{accepted['id']}", headers=auth).json()
    assert body["state"] == "queued" and body["decision"] is None and not body["overdue"]
    assert [(d["filename"], d["content_type"], d["size"]) for d in body["documents"]] == [
        ("mri-order.pdf", "application/pdf", len(PDF)), ("x-ray.png", "image/png", len(PNG))]
    assert body["request"]["services"] == [
        {"procedure_code": "72148", "modifiers": [], "units": 1}]
    assert body["request"]["requesting_provider"]["npi"] == "1234567893"
    assert [j["kind"] for j in body["jobs"]] == ["prior_auth_submit"]
    assert [e["event"] for e in body["timeline"]] == ["created"]
    assert body["timeline"][0]["actor"] == "admin-token"


def test_idempotency_key_replays_the_same_request_and_refuses_other_content(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    queue: QueueProbe,
) -> None:
    files = [("mri-order.pdf", PDF)]
    first = post_pa(client, auth, pa_body(), files, key="pa-1")
    again = post_pa(client, auth, pa_body(), files, key="pa-1")

    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    # the same key with another file, or another request: refused, naming the header
    for body, other in ((pa_body(), [("mri-order.pdf", PDF + b" ")]),
                        (pa_body(urgency="expedited"), files)):
        response = post_pa(client, auth, body, other, key="pa-1")
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert stored(db, store_of).requests == 1 and stored(db, store_of).files == 1
    assert len(queue.check_ids()) == 1


# -- lists ----------------------------------------------------------------------------


@BOTH
def test_lists_open_decided_and_overdue(client: TestClient, auth: dict[str, str],
                                        db: Engine, store_of: ArtifactStore) -> None:
    queued, _job = make_pa(db, store_of)
    fresh = submitted_pa(db, store_of, days_ago=1)
    late = submitted_pa(db, store_of, days_ago=8)
    late_expedited = submitted_pa(db, store_of, days_ago=4, urgency="expedited")
    approved = submitted_pa(db, store_of, days_ago=9,
                            found=decision(CertificationAction.CERTIFIED, "Approved"))

    def listed(which: str, **params: str) -> list[str]:
        response = client.get(URL, params={"status": which, **params}, headers=auth)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert set(listed("open")) == {fresh, late, late_expedited}
    assert set(listed("overdue")) == {late, late_expedited}
    assert listed("decided") == [approved]
    assert listed("queued") == [queued]
    assert len(listed("all")) == 5 and listed("failed") == []
    assert listed("open", carrier="summit") == []
    items = {i["id"]: i for i in client.get(URL, params={"status": "all"},
                                             headers=auth).json()["items"]}
    assert items[late]["overdue"] and not items[fresh]["overdue"]
    assert items[approved]["decision"]["action"] == "A1"
    assert items[approved]["decision"]["meaning"] == "Certified in total"
    assert items[approved]["decision"]["portal_status"] == "Approved"
    assert items[fresh]["reference_number"] == "MR-2026-00417"
    due = dt.datetime.fromisoformat(items[late_expedited]["due_at"])
    submitted = dt.datetime.fromisoformat(items[late_expedited]["submitted_at"])
    assert due - submitted == dt.timedelta(hours=72)
    assert client.get(URL, params={"status": "late"}, headers=auth).status_code == 422


# -- reading, documents, letters ------------------------------------------------------


def test_documents_download_byte_identical_and_every_view_is_audited(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
) -> None:
    pa_id = post_pa(client, auth, pa_body(), [("mri-order.pdf", PDF), ("x-ray.png", PNG)]
                    ).json()["id"]
    body = client.get(f"{URL}/{pa_id}", headers=auth).json()
    pdf, png = body["documents"]

    got = client.get(pdf["url"], headers=auth)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment")
    assert client.get(png["url"], headers=auth).content == PNG
    views = audit_of(db, DOCUMENT_VIEW_ACTION)
    assert sorted((actor, target) for actor, target, _ in views) == sorted(
        [("admin-token", pdf["id"]), ("admin-token", png["id"])])
    assert all("Rivera" not in (detail or "") for _, _, detail in views)
    # another request's document is not found under this one
    other = post_pa(client, auth, pa_body(), [("other.pdf", PDF + b"1")]).json()["id"]
    assert client.get(f"{URL}/{other}/documents/{pdf['id']}", headers=auth).status_code \
        == 404
    assert client.get(pdf["url"]).status_code == 401


def test_a_decided_request_shows_its_decision_timeline_and_letter(
    client: TestClient, auth: dict[str, str], db: Engine, store_of: ArtifactStore,
    queue: QueueProbe,
) -> None:
    pa_id, job_id = make_pa(db, store_of)
    finish_job(db, job_id)  # submitted, pended
    refreshed = client.post(f"{URL}/{pa_id}/refresh", headers=auth)
    assert refreshed.status_code == 202
    status_job = refreshed.json()["job_id"]
    assert queue.check_ids() == [status_job]
    # a second refresh while the first waits is the same job
    assert client.post(f"{URL}/{pa_id}/refresh", headers=auth).json()["job_id"] == status_job
    finish_job(db, status_job, found=decision(CertificationAction.PARTIAL,
                                              "Partially approved"),
               store=store_of, letter="decision-letter.pdf")

    body = client.get(f"{URL}/{pa_id}", headers=auth).json()
    assert body["state"] == "submitted" and body["reference_number"] == "MR-2026-00417"
    d = body["decision"]
    assert (d["action"], d["meaning"], d["portal_status"], d["decided"]) == (
        "A2", "Certified, partial", "Partially approved", True)
    assert d["authorization_number"] == "AUTH-55120"
    assert d["approved_services"] == [{"procedure_code": "72148", "units": 1}]
    assert [e["event"] for e in body["timeline"]] == [
        "created", "submitted", "status", "refresh_requested", "status"]
    assert body["timeline"][-1]["meaning"] == "Certified, partial"
    assert [(j["kind"], j["status"]) for j in body["jobs"]] == [
        ("prior_auth_submit", "succeeded"), ("prior_auth_status", "succeeded")]
    [letter] = body["letters"]
    got = client.get(letter["url"], headers=auth)
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert ("admin-token", letter["id"]) in [(a, t) for a, t, _ in audit_of(db, "artifact.view")]


def test_refresh_is_409_unless_submitted(client: TestClient, auth: dict[str, str],
                                         db: Engine, store_of: ArtifactStore) -> None:
    pa_id, _job = make_pa(db, store_of)
    response = client.post(f"{URL}/{pa_id}/refresh", headers=auth)
    assert response.status_code == 409 and "queued" in response.json()["detail"]
