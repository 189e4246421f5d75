"""Importing upcoming visits through the API and the upload page: good rows stored, each
bad row reported with its line and reason, a re-import a no-op, an updated visit replacing
the earlier one, a file too large or unreadable refused whole with nothing stored."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portals.access import Role
from storage.db import session_scope
from storage.models import Appointment, AppointmentImport, AuditEvent
from storage.users import create_user
from tests.api.web_login import login, page_csrf

BOTH_DATABASES = True
PASSWORD = "a long enough password"

SOON = dt.date.today() + dt.timedelta(days=3)
HEADER = ("Appointment ID,Patient Name,DOB,Carrier,Member ID,Visit Date,Visit Time,"
          "Provider,Procedure Codes\n")


def row(appt: str, name: str, member: str, *, carrier: str = "meridian",
        dob: str = "1980-04-02", day: dt.date = SOON, time: str = "09:00",
        provider: str = "Dr. Zed Example", codes: str = "99213") -> str:
    return f'{appt},"{name}",{dob},{carrier},{member},{day.isoformat()},{time},{provider},{codes}\n'


GOOD = [row("A-1", "Testperson, Ana", "MER100200"),
        row("A-2", "Sample, Bo", "CD7781", carrier="cascade", codes="D0120;D1110"),
        row("A-3", "Example, Cy", "NW-55512", carrier="northwind", time="2:30 PM")]
BAD = [row("A-4", "Missing, Member", ""),                       # line 5: missing field
       row("A-5", "Bad, Date", "MER1", dob="1980-02-30"),       # line 6: impossible date
       row("A-6", "Unknown, Carrier", "X1", carrier="acme"),    # line 7: unknown carrier
       GOOD[0]]                                                  # line 8: duplicate row
LATIN1 = 'A-7,"Caf\xe9, Dee",1980-04-02,summit,SU1,' + SOON.isoformat() + ",09:00,Dr. Z,\n"


def mixed_file() -> bytes:
    return (HEADER + "".join(GOOD + BAD)).encode() + LATIN1.encode("latin-1")


def upload(client: TestClient, auth: dict[str, str], data: bytes,
           name: str = "schedule.csv") -> object:
    return client.post("/v1/appointments/imports", headers=auth,
                       files={"file": (name, io.BytesIO(data), "text/csv")})


def stored(db: Engine) -> list[tuple[object, ...]]:
    with Session(db) as session:
        rows = session.exec(select(Appointment).order_by(col(Appointment.visit_key)))
        return [(a.id, a.visit_key, a.member_id, a.visit_time, tuple(a.procedure_codes),
                 a.updated_at) for a in rows]


def test_a_file_with_bad_rows_stores_the_good_ones_and_reports_each_bad_row(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    # when: a file with three good rows and five bad ones is imported
    response = upload(client, auth, mixed_file())
    # then: each bad row is reported by its line with its reason
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["rows"], report["added"], report["rejected"]) == (8, 3, 5)
    reasons = {e["line"]: e["reason"] for e in report["errors"]}
    assert sorted(reasons) == [5, 6, 7, 8, 9]
    assert reasons[5] == "missing member id"
    assert "not a real date" in reasons[6]
    assert "unknown carrier 'acme'" in reasons[7]
    assert reasons[8] == "duplicate of line 2"
    assert "not UTF-8" in reasons[9]
    # and: only the good rows are stored, with their values
    with Session(db) as session:
        visits = {a.external_id: a for a in session.exec(select(Appointment))}
    assert sorted(visits) == ["A-1", "A-2", "A-3"]
    assert visits["A-2"].procedure_codes == ["D0120", "D1110"]
    assert visits["A-3"].visit_time == dt.time(14, 30)
    assert visits["A-1"].last_name == "Testperson"
    # and: the import is audited, with counts only (no patient in the detail)
    with Session(db) as session:
        event = session.exec(select(AuditEvent).where(
            AuditEvent.action == "appointments.import")).one()
    assert event.detail == "3 added, 0 updated, 0 unchanged, 5 refused"


def test_importing_the_same_file_again_changes_nothing(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    assert upload(client, auth, mixed_file()).status_code == 201
    before = stored(db)
    again = upload(client, auth, mixed_file()).json()
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert stored(db) == before


def test_an_updated_visit_replaces_the_earlier_one(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    upload(client, auth, (HEADER + "".join(GOOD)).encode())
    moved = row("A-1", "Testperson, Ana", "MER100200", time="11:15", codes="99214 97110")
    report = upload(client, auth, (HEADER + moved + GOOD[1]).encode()).json()
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 1, 1)
    with Session(db) as session:
        visits = list(session.exec(select(Appointment).where(Appointment.external_id == "A-1")))
    assert len(visits) == 1
    assert (visits[0].visit_time, visits[0].procedure_codes) == (dt.time(11, 15),
                                                                 ["99214", "97110"])
    assert len(stored(db)) == 3  # a visit missing from a later file is not removed


def test_a_50_mb_file_is_refused_whole_naming_the_limit_and_nothing_is_stored(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    big = (HEADER + GOOD[0]).encode() + b"x" * (50 * 2**20)
    response = upload(client, auth, big)
    assert response.status_code == 413
    assert str(10 * 2**20) in response.json()["detail"]
    assert stored(db) == []
    with Session(db) as session:
        assert session.exec(select(AppointmentImport)).all() == []


@pytest.mark.parametrize(("data", "words"), [
    (b"", "the file is empty"),
    (b"Patient Name,DOB\nA,1980-01-01\n", "the header has no column for"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
    (b"\x00\x01\x02,\x03\n", "the file is not text"),
])
def test_a_file_that_cannot_be_read_is_a_422_naming_the_file(
        client: TestClient, auth: dict[str, str], db: Engine, data: bytes, words: str) -> None:
    response = upload(client, auth, data)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "file"]
    assert words in detail["msg"]
    with Session(db) as session:
        assert session.exec(select(AppointmentImport)).all() == []


def test_no_file_is_a_422_naming_the_field(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/v1/appointments/imports", headers=auth)
    assert response.status_code == 422
    assert "file" in response.text


def test_reports_and_visits_read_back_and_a_list_is_audited(
        client: TestClient, auth: dict[str, str], db: Engine) -> None:
    report = upload(client, auth, mixed_file()).json()
    assert client.get(f"/v1/appointments/imports/{report['id']}", headers=auth).json() == report
    assert client.get("/v1/appointments/imports/999999", headers=auth).status_code == 404
    assert client.get(f"/v1/appointments/imports/{2**40}", headers=auth).status_code == 422
    listed = client.get("/v1/appointments", headers=auth,
                        params={"from": SOON.isoformat(), "carrier": "meridian"}).json()
    assert [v["member_id"] for v in listed] == ["MER100200"]
    with Session(db) as session:
        assert session.exec(select(AuditEvent).where(
            AuditEvent.action == "appointment.list")).one().target_id == "/v1/appointments"
    wrong = client.get("/v1/appointments", headers=auth,
                       params={"from": SOON.isoformat(), "to": "2000-01-01"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["query", "to"]


def test_the_upload_page_imports_and_lists_each_refused_row(
        client: TestClient, db: Engine) -> None:
    with session_scope(db) as session:
        create_user(session=session, username="frontdesk", password=PASSWORD,
                    roles=(Role.FRONT_DESK,))
    assert login(client, "frontdesk", PASSWORD).status_code == 303
    page = client.get("/appointments/import")
    assert page.status_code == 200
    response = client.post("/appointments/import", data={"csrf": page_csrf(page.text)},
                           files={"file": ("visits.csv", io.BytesIO(mixed_file()), "text/csv")})
    assert response.status_code == 200
    assert 'data-testid="count-added">3<' in response.text
    assert "unknown carrier &#39;acme&#39;" in response.text
    assert len(stored(db)) == 3
    # a post without the page's token stores nothing
    refused = client.post("/appointments/import", data={"csrf": "forged"},
                          files={"file": ("v.csv", io.BytesIO(mixed_file()), "text/csv")})
    assert refused.status_code in (400, 403)
    with Session(db) as session:
        assert len(session.exec(select(AppointmentImport)).all()) == 1


def test_a_file_name_with_control_characters_is_stored_without_them(
        client: TestClient, auth: dict[str, str]) -> None:
    response = upload(client, auth, (HEADER + GOOD[0]).encode(), name="vi\x00sits\n.csv")
    assert response.status_code == 201, response.text
    assert response.json()["filename"].isprintable()
