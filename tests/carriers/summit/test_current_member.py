"""Summit Online keeps "the current member" in the server session, like the legacy portals
it stands for: a search in a second tab silently changes what the first tab shows next.

The sandbox behaviour (two pages of one browser context, and the claims pages over plain
HTTP), the bot's answer to it (a page of another member is refused as PatientMismatch,
never returned as the requested member's) and its declared limit of one page per account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from bots.base import BotContext
from bots.carriers.summit import selectors as S
from bots.carriers.summit.bot import SummitBot
from bots.carriers.summit.parse import parse_detail
from bots.carriers.summit.parse_claims import parse_claim_list
from bots.errors import PatientMismatch
from bots.registry import registry
from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.server import PortalAccount
from fixtures.sandbox.summit import expected
from fixtures.sandbox.summit.claims import patients
from fixtures.sandbox.summit.claims_snapshots import CLAIMS_DIR, PAGED_MEMBER, PAGED_WINDOW
from fixtures.sandbox.summit.claims_view import member_line
from fixtures.sandbox.summit.view import name
from portals.claims import ClaimSearchRequest
from portals.model import EligibilityResult, diff_results
from tests.carriers.summit.helpers import (
    SummitUser,
    context,
    request_for,
    token,
)

MEMBERS = carrier_data("summit").members
A, B = MEMBERS[0], MEMBERS[1]
"""Two members are enough: the one a lookup asks for, the one another tab selects."""
TIMEOUT_MS = 20_000
"""Generous: the other tab's whole search runs while the bot waits for its navigation."""


def _line(member_id: str) -> str:
    """How the benefit-list pages name a member: ``FIRST LAST (ID)``."""
    member = carrier_data("summit").member(member_id)
    assert member is not None
    return f"{name(member)} ({member.member_id})"


def _search(page: Page, portal: PortalAccount, member_id: str) -> None:
    """A person's eligibility search in ``page`` (the search page itself, no frameset)."""
    member = carrier_data("summit").member(member_id)
    assert member is not None
    page.goto(f"{portal.url}/SBAOnline/eligsearch.asp")
    page.locator(S.MEMBER_ID).fill(member.member_id)
    page.locator(S.DOB).fill(member.date_of_birth.strftime(S.DOB_FORMAT))
    page.locator(S.LAST_NAME).fill(member.last_name)
    with page.expect_navigation():
        page.locator(S.SEARCH_BUTTON).click()
    assert page.locator(S.DETAIL).count() == 1, "the search did not open the member's page"


@pytest.fixture
def tabs(browser: Browser) -> Iterator[tuple[BrowserContext, Page, Page]]:
    """One browser context (one portal session, once signed in) and two pages in it."""
    browser_context = browser.new_context()
    browser_context.set_default_timeout(TIMEOUT_MS)
    try:
        yield browser_context, browser_context.new_page(), browser_context.new_page()
    finally:
        browser_context.close()


def _signed_in(page: Page, ctx: BotContext) -> None:
    """Sign the context in with a lookup that ends at the search (no member selected)."""
    outcome = SummitBot().check_eligibility(page, ctx, request_for(0, last_name="Nobody"))
    assert not isinstance(outcome, EligibilityResult)


@pytest.mark.browser
def test_a_search_in_a_second_tab_changes_what_the_first_shows(
    tabs: tuple[BrowserContext, Page, Page], summit: PortalAccount
) -> None:
    _browser_context, first, second = tabs
    ctx = context(summit)
    outcome = SummitBot().check_eligibility(first, ctx, request_for(A.member_id))
    assert isinstance(outcome, EligibilityResult)  # one tab alone: A's benefits, exactly
    assert diff_results(expected(A.member_id), outcome) == []
    main = first.frame(name=S.MAIN_FRAME)
    assert main is not None and "benefits.asp?ref=" in main.url
    shown_at = main.url
    assert main.locator(S.SECTION_MEMBER).inner_text().strip() == _line(A.member_id)

    _search(second, summit, B.member_id)  # another tab of the same session
    main.goto(shown_at)  # the first tab reloads its page: same URL, same ref
    assert main.url == shown_at
    assert main.locator(S.SECTION_MEMBER).inner_text().strip() == _line(B.member_id)
    ref = re.search(r"ref=([0-9A-F]{16})", shown_at)
    assert ref is not None  # A's eligibility page, by the ref A's search was given, is B's
    main.goto(f"{summit.url}/SBAOnline/eligdetail.asp?ref={ref[1]}")
    assert parse_detail(main.content()).member.member_id == B.member_id


@pytest.mark.browser
@pytest.mark.parametrize("switch_at", ["eligibility page", "benefit lists"])
def test_the_bot_refuses_a_member_another_tab_switched_to(
    tabs: tuple[BrowserContext, Page, Page], summit: PortalAccount, switch_at: str
) -> None:
    _browser_context, first, second = tabs
    switched: list[str] = []

    def switch() -> None:
        if not switched:
            switched.append(switch_at)
            _search(second, summit, B.member_id)

    def on_event(event: str) -> None:
        if event == "benefits" and switch_at == "benefit lists":
            switch()  # A's eligibility page was read and checked; its lists are next

    def after_search(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        answered = route.fetch(max_redirects=0)  # A's search: A is the current member
        switch()  # B is selected before the browser follows the redirect to A's page
        route.fulfill(response=answered)

    ctx = context(summit, on_event=on_event)
    _signed_in(first, ctx)
    if switch_at == "eligibility page":
        first.route(re.compile(r"/SBAOnline/eligsearch\.asp$"), after_search)
    with pytest.raises(PatientMismatch):
        SummitBot().check_eligibility(first, ctx, request_for(A.member_id))
    assert switched == [switch_at]
    assert parse_detail(second.content()).member.member_id == B.member_id


@pytest.mark.browser
def test_the_claims_bot_refuses_the_list_of_a_member_another_tab_switched_to(
    tabs: tuple[BrowserContext, Page, Page], summit: PortalAccount
) -> None:
    _browser_context, first, second = tabs
    paged = next(p for p in patients() if p.member_id == PAGED_MEMBER)
    other = next(m for m in MEMBERS if m.member_id != PAGED_MEMBER)
    switched: list[str] = []

    def after_search(route: Route) -> None:
        if route.request.method != "POST" or switched:
            route.continue_()
            return
        answered = route.fetch(max_redirects=0)  # the bot's inquiry selected its member
        switched.append(other.member_id)
        _search(second, summit, other.member_id)  # before the result list is served
        route.fulfill(response=answered)

    ctx = context(summit)
    _signed_in(first, ctx)
    first.route(re.compile(r"/SBAOnline/clmsearch\.asp$"), after_search)
    start, end = PAGED_WINDOW
    request = ClaimSearchRequest.model_validate({
        "carrier": "summit", "member_id": paged.member_id, "date_of_birth": paged.date_of_birth,
        "last_name": paged.last_name, "service_from": start, "service_to": end})
    with pytest.raises(PatientMismatch):
        SummitBot().search_claims(first, ctx, request)
    assert switched == [other.member_id]


def test_a_claim_list_of_another_member_is_refused_before_its_rows_are_judged() -> None:
    """Another member's list may have no claims in the window (a page the parser would
    otherwise call a changed layout): the member line is checked first."""
    html = (CLAIMS_DIR / f"list-{PAGED_MEMBER}-1.html").read_text(encoding="utf-8")
    assert parse_claim_list(html, PAGED_MEMBER.lower()).member_id == PAGED_MEMBER
    emptied = re.sub(r"<tr[^>]*><td><a href=\"[^\"]*clmdetail[^\n]*</tr>", "", html)
    assert "clmdetail" not in emptied
    with pytest.raises(PatientMismatch):
        parse_claim_list(emptied, A.member_id)


def test_claims_pages_show_the_sessions_current_member(user: SummitUser) -> None:
    """The claim list is the current member's too: a ref keeps its criteria (here a date
    range), never whose claims answer them."""
    user.sign_in()
    paged = next(p for p in patients() if p.member_id == PAGED_MEMBER)
    form = user.get("/clmsearch.asp")
    start, end = PAGED_WINDOW
    listed = user.http.post("/SBAOnline/clmsearch.asp", data={
        "txtMemberID": paged.member_id, "txtDOB": paged.date_of_birth.strftime("%m%d%Y"),
        "txtLastName": paged.last_name, "txtClaimNo": "", "txtFromDOS": f"{start:%m%d%Y}",
        "txtToDOS": f"{end:%m%d%Y}", "hdnToken": token(form.text)})
    location = listed.headers["location"].removeprefix("/SBAOnline")
    assert member_line(paged) in user.get(location).text
    other = next(m for m in MEMBERS if m.member_id != PAGED_MEMBER)
    assert user.member_page(other.member_id).status_code == 200  # another tab's search
    again = user.get(location)
    assert again.status_code == 200
    assert member_line(paged) not in again.text
    assert f"({other.member_id})" in again.text


def test_summit_declares_one_page_per_account_and_every_other_bot_more() -> None:
    assert SummitBot.max_concurrent_pages == 1
    others: dict[str, int] = {bot.name: bot.max_concurrent_pages for bot in registry.all()
                              if bot is not SummitBot}
    assert others, "no other carrier's bot registered"
    assert all(limit > 1 for limit in others.values()), others

