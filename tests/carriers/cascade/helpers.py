"""A browser-less Cascade Dental user over plain HTTP, and what tests type into its forms.

The e-mailed code is read from the portal's outbox (``GET /_sandbox/outbox``), as a
person would read their mailbox.
"""

from __future__ import annotations

import datetime as dt
import re

import httpx

from fixtures.sandbox.cascade.data import DentalMember, load
from fixtures.sandbox.cascade.view import cascade_date
from fixtures.sandbox.server import PortalAccount

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_RECORD = re.compile(r"/patients/([A-Za-z0-9_-]{20,})$")


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


def member(member_id: str) -> DentalMember:
    found = load().member(member_id)
    assert found is not None, member_id
    return found


def lookup_values(member_id: str) -> tuple[str, str, str]:
    """Member ID, date of birth as Cascade wants it (04-Mar-1990), last name."""
    m = member(member_id)
    return m.member_id, cascade_date(m.date_of_birth), m.last_name


class CascadeUser:
    """One person at the portal: cookies kept, redirects not followed."""

    def __init__(self, account: PortalAccount) -> None:
        self.account = account
        self.http = httpx.Client(base_url=account.url, timeout=10.0)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CascadeUser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sign_in_form(self, password: str | None = None) -> httpx.Response:
        page = self.http.get("/signin")
        return self.http.post("/signin", data={
            "user_id": self.account.username,
            "passcode": self.account.password if password is None else password,
            "csrf_token": csrf_token(page.text)})

    def last_code(self) -> str:
        messages = self.account.control.outbox()
        assert messages, "the portal sent no code"
        code: str = messages[-1]["code"]
        return code

    def enter_code(self, code: str) -> httpx.Response:
        page = self.http.get("/verify")
        assert page.status_code == 200, page.status_code
        return self.http.post("/verify", data={"code": code,
                                               "csrf_token": csrf_token(page.text)})

    def sign_in(self) -> None:
        assert self.sign_in_form().headers["location"] == "/verify"
        response = self.enter_code(self.last_code())
        assert response.headers["location"] == "/dashboard", response.text

    def lookup(self, member_id: str, dob: str, last_name: str) -> httpx.Response:
        """Submit the lookup form; a match's redirect is followed to the record page."""
        form = self.http.get("/patients")
        assert form.status_code == 200, form.status_code
        response = self.http.post("/patients", data={
            "member_id": member_id, "dob": dob, "last_name": last_name,
            "csrf_token": csrf_token(form.text)})
        if response.status_code == 303:
            return self.http.get(response.headers["location"])
        return response

    def claim_search(self, member_id: str, *, claim_number: str = "",
                     service_from: dt.date | None = None, service_to: dt.date | None = None,
                     **changes: str) -> httpx.Response:
        """Submit the claim search for a member; a result's redirect is followed."""
        form = self.http.get("/claims")
        assert form.status_code == 200, form.status_code
        member_id, dob, last_name = lookup_values(member_id)
        data = {"member_id": member_id, "dob": dob, "last_name": last_name,
                "claim_number": claim_number,
                "service_from": cascade_date(service_from) if service_from else "",
                "service_to": cascade_date(service_to) if service_to else "",
                "csrf_token": csrf_token(form.text), **changes}
        response = self.http.post("/claims", data=data)
        if response.status_code == 303:
            return self.http.get(response.headers["location"])
        return response

    def record(self, member_id: str) -> tuple[str, httpx.Response]:
        """The record page of a member and its token."""
        response = self.lookup(*lookup_values(member_id))
        assert response.status_code == 200, response.status_code
        match = _RECORD.search(str(response.url))
        assert match, response.url
        return match.group(1), response
