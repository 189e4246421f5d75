"""The Northwind sandbox over plain HTTP: the shell, the JSON API, SMS codes, remembered
devices, sessions and keep-alives, surveys, knobs, faults and the v2 API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.server import PortalAccount

DATA = carrier_data("northwind")
MEMBER = DATA.members[0]


class Client:
    """A browser-less SPA: cookies kept, the request token remembered like localStorage."""

    def __init__(self, portal: PortalAccount) -> None:
        self.portal = portal
        self.http = httpx.Client(base_url=portal.url, timeout=10)
        self.token: str | None = None

    def post(self, path: str, body: dict[str, Any] | None = None,
             header: str = "X-NW-CSRF") -> httpx.Response:
        headers = {header: self.token} if self.token else {}
        return self.http.post(path, json=body or {}, headers=headers)

    def login(self, password: str | None = None) -> httpx.Response:
        response = self.post("/api/login", {"username": self.portal.username,
                                            "password": password or self.portal.password})
        if response.status_code == 200 and "csrf" in response.json():
            self.token = response.json()["csrf"]
        return response

    def code(self, code: str | None = None, remember: bool = False) -> httpx.Response:
        code = code or self.portal.control.outbox()[-1]["code"]
        response = self.post("/api/login/code", {"code": code, "remember_device": remember})
        if response.status_code == 200:
            self.token = response.json()["csrf"]
        return response

    def sign_in(self, remember: bool = False) -> None:
        assert self.login().json()["next"] == "verify"
        assert self.code(remember=remember).json()["next"] == "home"

    def search(self, member_id: str = MEMBER.member_id,
               birth_date: str = MEMBER.date_of_birth.isoformat(),
               last_name: str = MEMBER.last_name) -> httpx.Response:
        return self.post("/api/eligibility/search", {"member_id": member_id,
                                                     "birth_date": birth_date,
                                                     "last_name": last_name})

    def session(self) -> dict[str, Any]:
        data: dict[str, Any] = self.http.get("/api/session").json()
        return data


@pytest.fixture
def client(northwind: PortalAccount) -> Iterator[Client]:
    c = Client(northwind)
    yield c
    c.http.close()


def _extra(portal: PortalAccount) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(portal.url + "/_sandbox/northwind").json()
    return data


def test_the_server_sends_one_shell_and_a_static_app(client: Client) -> None:
    shell = client.http.get("/")
    assert shell.status_code == 200 and shell.headers["cache-control"] == "no-store"
    assert '<meta name="nw-ui" content="classic-1">' in shell.text
    assert '<script src="/static/v1/app.js"' in shell.text and 'id="nw-app"' in shell.text
    script = client.http.get("/static/v1/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.session() == {"state": "anonymous", "reason": None, "user": None,
                                "config": {"idle_warning_seconds": 900.0}}


def test_a_password_texts_a_code_to_the_accounts_phone(client: Client) -> None:
    response = client.login()
    phone = client.portal.account["phone"]
    assert response.json()["next"] == "verify"
    assert response.json()["phone_last4"] == phone[-4:]
    (text,) = client.portal.control.outbox()
    assert text["channel"] == "sms" and text["recipient"] == phone
    assert client.session()["state"] == "anonymous"  # not signed in before the code


def test_the_code_signs_in_once_and_a_wrong_one_is_refused(client: Client) -> None:
    client.login()
    wrong = client.code("000000")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_code"
    assert client.code().json()["next"] == "home"
    assert client.session()["state"] == "signed_in"
    assert client.portal.control.outbox()[-1]["used"] is True


def test_an_expired_code_is_refused(client: Client) -> None:
    client.portal.control.set_knobs(code_ttl_seconds=0.1)
    client.login()
    time.sleep(0.3)
    response = client.code()
    assert response.status_code == 400 and response.json()["error"] == "expired_code"


def test_a_remembered_device_skips_the_code_next_time(client: Client) -> None:
    client.login()
    response = client.code(remember=True)
    (cookie,) = [c for c in response.headers.get_list("set-cookie")
                 if c.startswith("NWM_DEVICE=")]
    assert "Max-Age=2592000" in cookie and "HttpOnly" in cookie
    client.portal.control.expire_sessions()
    assert client.session()["state"] == "anonymous"
    assert client.login().json()["next"] == "home"
    assert len(client.portal.control.outbox()) == 1
    assert _extra(client.portal)["device_logins"] == 1


def test_a_device_is_remembered_only_when_asked(client: Client) -> None:
    client.sign_in(remember=False)
    assert client.http.cookies.get("NWM_DEVICE") is None
    client.http.post("/api/logout")
    assert client.login().json()["next"] == "verify"


def test_an_expired_password_stops_before_the_code(client: Client) -> None:
    client.portal.control.expire_password(client.portal.username)
    assert client.login().json() == {"next": "password_expired"}
    assert client.portal.control.outbox() == []
    assert client.session()["state"] == "anonymous"


def test_wrong_passwords_lock_the_account(client: Client) -> None:
    assert [client.login("wrong").status_code for _ in range(3)] == [401, 401, 423]
    locked = client.login()
    assert locked.status_code == 423 and "locked" in locked.json()["message"]


def test_signed_in_calls_need_the_request_token(client: Client) -> None:
    client.sign_in()
    token, client.token = client.token, None
    refused = client.search()
    assert refused.status_code == 403 and refused.json()["error"] == "csrf_failed"
    client.token = token
    assert client.search().status_code == 200


def test_search_answers_late_with_exact_matches_only(client: Client) -> None:
    client.sign_in()
    client.portal.control.set_knobs(api_delay_ms=300)
    started = time.monotonic()
    (match,) = client.search().json()["matches"]
    assert time.monotonic() - started >= 0.3
    assert match["member_id"] == MEMBER.member_id and set(match) == {
        "ref", "member_id", "first_name", "last_name", "birth_date"}
    assert client.search(birth_date="1900-01-01").json() == {"matches": []}
    assert client.search(member_id=MEMBER.member_id.lower(),
                         last_name=MEMBER.last_name.upper()).json()["matches"]
    missing = client.search(last_name="")
    assert missing.status_code == 422 and missing.json()["error"] == "invalid_search"


def test_benefits_are_json_in_cents_and_iso_dates(client: Client) -> None:
    client.sign_in()
    ref = client.search().json()["matches"][0]["ref"]
    data = client.http.get(f"/api/eligibility/{ref}").json()
    assert data["member"]["birth_date"] == MEMBER.date_of_birth.isoformat()
    assert all(isinstance(a["limit_cents"], int) for a in data["accumulators"])
    other = Client(client.portal)
    other.sign_in()
    assert other.http.get(f"/api/eligibility/{ref}").status_code == 404  # refs are per session


def test_swap_member_answers_with_the_next_members_record(client: Client) -> None:
    client.portal.control.set_knobs(swap_member=True)
    client.sign_in()
    ref = client.search().json()["matches"][0]["ref"]
    assert client.http.get(f"/api/eligibility/{ref}").json()["member"]["member_id"] == \
        DATA.members[1].member_id


def test_an_idle_session_answers_401(client: Client) -> None:
    client.portal.control.set_knobs(idle_timeout_seconds=0.4)
    client.sign_in()
    time.sleep(0.6)
    expired = client.search()
    assert expired.status_code == 401 and expired.json()["error"] == "session_expired"
    assert client.http.cookies.get("NWM_SID") is None
    assert client.session()["state"] == "anonymous"


def test_keepalives_keep_the_session_alive(client: Client) -> None:
    client.portal.control.set_knobs(idle_timeout_seconds=1.0)
    client.sign_in()
    for _ in range(4):  # 1.2 s in all, never 1 s idle
        time.sleep(0.3)
        assert client.post("/api/session/keepalive").json() == {"ok": True}
    assert client.session()["state"] == "signed_in"
    assert _extra(client.portal)["keepalives"] == 4


def test_surveys_follow_the_seed_and_the_rate(client: Client) -> None:
    client.sign_in()
    control = client.portal.control

    def surveys(rate: float, seed: int, n: int = 12) -> list[bool]:
        control.set_knobs(survey_rate=rate, seed=seed)
        return [client.http.get("/api/prompts").json()["survey"] for _ in range(n)]

    first = surveys(0.5, 7)
    assert 0 < sum(first) < 12
    assert surveys(0.0, 7) == [False] * 12 and surveys(1.0, 7) == [True] * 12
    assert client.post("/api/prompts/survey", {"answer": "declined"}).status_code == 200
    assert _extra(client.portal)["surveys_declined"] == 1


def test_northwind_knobs_are_validated(northwind: PortalAccount) -> None:
    assert northwind.control.knobs()["api_delay_ms"] == 50  # set by the fixture
    for bad in ({"survey_rate": 1.5}, {"api_delay_ms": -1}, {"idle_warning_seconds": 0}):
        with pytest.raises(httpx.HTTPStatusError):
            northwind.control.set_knobs(**bad)


def test_maintenance_and_errors_answer_503(client: Client) -> None:
    client.portal.control.set_knobs(maintenance=True)
    for path in ("/", "/api/session", "/static/v1/app.js"):
        response = client.http.get(path)
        assert response.status_code == 503 and response.headers["retry-after"] == "600"
    assert 'id="nw-maintenance"' in client.http.get("/").text
    client.portal.control.set_knobs(maintenance=False, error_rate=1.0)
    assert 'id="nw-unavailable"' in client.http.get("/").text


def test_v2_serves_the_redesign_and_its_own_api(client: Client) -> None:
    client.portal.control.set_knobs(layout="v2")
    shell = client.http.get("/").text
    assert 'content="horizon-2"' in shell and "/static/v2/hub.js" in shell
    assert client.http.get("/api/session").status_code == 404  # the v1 API is gone
    response = client.post("/api/v2/auth/login", {"login": client.portal.username,
                                                  "secret": client.portal.password})
    assert response.json()["step"] == "OTP"
    client.token = response.json()["token"]
    done = client.post("/api/v2/auth/otp", {"otp": client.portal.control.outbox()[-1]["code"],
                                            "trustBrowser": False}, header="X-CSRF-Token")
    client.token = done.json()["token"]
    found = client.post("/api/v2/members/search", {
        "patientId": MEMBER.member_id, "dob": MEMBER.date_of_birth.isoformat(),
        "familyName": MEMBER.last_name}, header="X-CSRF-Token").json()
    assert found["total"] == 1
    data = client.http.get(f"/api/v2/members/{found['results'][0]['id']}/coverage").json()
    assert set(data) == {"patient", "policyHolder", "policy", "costShare", "limits",
                         "excluded", "authRequired"}
    assert isinstance(data["costShare"]["deductible"][0]["inNetwork"]["annual"], str)
