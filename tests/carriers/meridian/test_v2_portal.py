"""The v2 layout over plain HTTP: the saved pages are what the sandbox serves, a varied
sample of members' v1 pages read exactly, their v2 pages are refused (also with a lying
marker) while showing the same facts, and people can still sign in on v2. (Every
member, both layouts, through the bot: ``make bench``.)"""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest

from bench.sample import sample_members
from bots.carriers.meridian.parse import parse_benefits
from bots.errors import LayoutChanged
from fixtures.sandbox import carriers
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.expected import expected_result
from fixtures.sandbox.server import PortalAccount, SandboxControl, SandboxServer
from portals.model import diff_results
from tests.carriers.meridian.pages import PageFetcher, normalize, saved
from tests.carriers.meridian.v2_reader import read_v2_page
from tests.fixtures.helpers import PortalUser, csrf_token, totp_code


@pytest.fixture(scope="module")
def fetcher(meridian_server: SandboxServer) -> Iterator[PageFetcher]:
    """One signed-in user for the module (the portal is reset once, here)."""
    control = SandboxControl(meridian_server.url)
    control.reset()
    pages = PageFetcher(meridian_server.url, control)
    yield pages
    pages.close()
    control.close()


def test_saved_pages_are_what_the_sandbox_serves(fetcher: PageFetcher) -> None:
    for (layout, name), html in fetcher.all_pages().items():
        assert normalize(html) == saved(layout, name), f"{layout}/{name}: run " \
            "`python -m tests.carriers.meridian.pages` after changing the templates"


def test_a_sample_reads_exactly_on_v1_and_is_refused_on_v2(fetcher: PageFetcher) -> None:
    members = carrier_data("meridian").members
    last_names = {m.member_id: m.last_name for m in members}
    sample = {m["member_id"] for m in sample_members(carriers.get("meridian"), "eligibility")}
    assert len(sample) >= 4
    for member in (m for m in members if m.member_id in sample):
        expected = expected_result("meridian", member.member_id)
        v1 = fetcher.benefits(member.member_id, "v1")
        assert diff_results(expected, parse_benefits(v1)) == [], member.member_id
        v2 = fetcher.benefits(member.member_id, "v2")
        for html in (v2, v2.replace('data-layout="v2"', 'data-layout="v1"')):
            with pytest.raises(LayoutChanged):
                parse_benefits(html)
        assert diff_results(expected, read_v2_page(v2, last_names)) == [], member.member_id


def test_people_sign_in_on_v2_with_the_new_form(meridian_server: SandboxServer) -> None:
    control = SandboxControl(meridian_server.url)
    secret, password = pyotp.random_base32(), "v2-passcode-" + "x" * 8
    control.add_account(username="v2.person", password=password, totp_secret=secret)
    control.set_knobs(layout="v2", announcement="none")
    account = PortalAccount(url=meridian_server.url, username="v2.person", password=password,
                            totp_secret=secret, control=control)
    with PortalUser(account) as user:
        login = user.http.get("/login")
        assert 'id="signin-form"' in login.text and ">Log in</button>" in login.text
        wrong = user.http.post("/login", data={"username": "v2.person", "password": "nope",
                                               "csrf_token": csrf_token(login.text)})
        assert 'id="signin-alert"' in wrong.text
        assert "Invalid username or password." in wrong.text
        assert user.login().headers["location"] == "/mfa"
        mfa = user.http.get("/mfa")
        assert 'id="verify-form"' in mfa.text and 'id="security-code"' in mfa.text
        assert user.mfa(totp_code(secret)).headers["location"] == "/home"
        home = user.http.get("/home")
        assert 'id="hub-welcome"' in home.text and 'data-layout="v2"' in home.text
        assert 'id="user-menu"' in home.text and "v2.person" in home.text
    control.set_knobs(layout="v1")
    control.close()
