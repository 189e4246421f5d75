"""Helpers for the Summit tests: a plain-HTTP portal user, bot contexts and requests."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import httpx

from bench.accuracy import credentials_for
from bots.base import BotContext
from bots.memory import MemoryArtifactSink, MemorySessionStore
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.expected import members
from fixtures.sandbox.server import PortalAccount
from portals.model import EligibilityRequest

ROOT = "/SBAOnline"
TIMEOUT_MS = 5_000


def token(text: str) -> str:
    match = re.search(r'name="hdnToken" value="([^"]*)"', text)
    assert match, "no hdnToken on the page"
    return match.group(1)


def question(text: str) -> str:
    match = re.search(r'id="lblQuestion">([^<]*)<', text)
    assert match, "no security question on the page"
    return html.unescape(match.group(1))


def text_of(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)
    assert match, f"#{element_id} missing"
    return html.unescape(match.group(1)).strip()


class SummitUser:
    """A browser-less user of the Summit sandbox: cookies kept, redirects not followed."""

    def __init__(self, portal: PortalAccount) -> None:
        self.portal = portal
        self.http = httpx.Client(base_url=portal.url, timeout=10.0)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SummitUser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str) -> httpx.Response:
        return self.http.get(ROOT + path)

    def logon(self, password: str | None = None) -> httpx.Response:
        page = self.get("/logon.asp")
        return self.http.post(f"{ROOT}/logon.asp", data={
            "txtUserID": self.portal.username, "hdnToken": token(page.text),
            "txtPassword": self.portal.password if password is None else password})

    def answer(self, answer: str | None = None) -> tuple[str, httpx.Response]:
        """Answer the question on the verify page (correctly unless ``answer``)."""
        page = self.get("/verify.asp")
        assert page.status_code == 200, page.status_code
        asked = question(page.text)
        given = answer if answer is not None else self.portal.account["security_answers"][asked]
        return asked, self.http.post(f"{ROOT}/verify.asp",
                                     data={"txtAnswer": given, "hdnToken": token(page.text)})

    def sign_in(self) -> list[str]:
        """Password and every question; returns the questions asked."""
        assert self.logon().headers["location"] == f"{ROOT}/verify.asp"
        asked = []
        while True:
            text, response = self.answer()
            asked.append(text)
            assert response.status_code == 303, response.text
            if response.headers["location"] == f"{ROOT}/welcome.asp":
                return asked

    def search(self, member_id: str, dob: str, last_name: str) -> httpx.Response:
        form = self.get("/eligsearch.asp")
        assert form.status_code == 200, form.status_code
        response = self.http.post(f"{ROOT}/eligsearch.asp", data={
            "txtMemberID": member_id, "txtDOB": dob, "txtLastName": last_name,
            "hdnToken": token(form.text)})
        return self.http.get(response.headers["location"]) \
            if response.status_code == 303 else response

    def member_page(self, member_id: str) -> httpx.Response:
        member = carrier_data("summit").member(member_id)
        assert member is not None
        return self.search(member.member_id, member.date_of_birth.strftime("%m%d%Y"),
                           member.last_name)


def request_for(index_or_id: int | str, **changes: Any) -> EligibilityRequest:
    everyone = members("summit")
    member = everyone[index_or_id] if isinstance(index_or_id, int) else \
        next(m for m in everyone if m["member_id"] == index_or_id)
    return EligibilityRequest.model_validate({
        "carrier": "summit", "member_id": member["member_id"],
        "date_of_birth": member["date_of_birth"], "last_name": member["last_name"],
        **changes})


def context(portal: PortalAccount, *, sessions: MemorySessionStore | None = None,
            account: dict[str, Any] | None = None,
            on_event: Callable[[str], None] | None = None) -> BotContext:
    return BotContext(credentials=credentials_for("test:summit", account or portal.account),
                      base_url=portal.url, sessions=sessions or MemorySessionStore(),
                      artifacts=MemoryArtifactSink(), timeout_ms=TIMEOUT_MS,
                      on_event=on_event or (lambda _event: None))


def artifacts(ctx: BotContext) -> list[str]:
    assert isinstance(ctx.artifacts, MemoryArtifactSink)
    return sorted(ctx.artifacts.kinds())


def iso_to_mmddyyyy(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%m%d%Y")
