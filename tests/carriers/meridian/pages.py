"""Real Meridian pages from the sandbox, fetched over plain HTTP, and the saved copies the
pure parser tests read (``fixtures/html/meridian/saved/<layout>/``).

Regenerate the saved pages after a template change::

    .venv/bin/python -m tests.carriers.meridian.pages

A test checks that the saved pages still equal what the sandbox renders.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import httpx
import pyotp

from fixtures.sandbox.dataset import carrier_data
from fixtures.sandbox.server import PortalAccount, SandboxControl, SandboxServer
from tests.fixtures.helpers import PortalUser, csrf_token

SAVED = Path(__file__).resolve().parents[3] / "fixtures" / "html" / "meridian" / "saved"
SAVED_MEMBERS = (
    "MRD982515102",  # family coverage, a dependent child, a termination date
    "MRD975623800",  # individual coverage, terminated
    "MRD955204100",  # individual, active, no termination date, an apostrophe in the name
)
CLAIMS_MEMBER = "MRD912050800"
"""The claims pages saved: 15 claims (two result pages) in every status."""
CLAIM_SAMPLES = {
    "A1": "MH2627500016",
    "A2": "MH2628100011",
    "P1": "MH2629600012",
    "P3": "MH2629000013",
    "F1": "MH2533500015",
    "F2": "MH2623700007",  # a denial with a remark code (RARC)
    "F3": "MH2612300020",  # two payments
    "F4": "MH2625100018",  # no rendering provider
}
"""One saved claim detail page per status (claim numbers of :data:`CLAIMS_MEMBER`)."""
CLAIMS_FROM, CLAIMS_TO = "05/01/2025", "10/31/2026"
"""The range the saved result list was searched for (every claim of the member)."""
USERNAME = "saved.pages"
"""The account the saved pages were fetched with (its name is in the page header)."""
LAYOUTS = ("v1", "v2")
_CSRF = re.compile(r'((?:name="csrf_token" value|data-csrf)=")[^"]*(")')
_SEARCH_TOKEN = re.compile(r"(/claims/results/)[A-Za-z0-9_-]+")


def normalize(html: str) -> str:
    """The page without its per-session CSRF tokens and claim search tokens."""
    return _SEARCH_TOKEN.sub(r"\g<1>saved-search", _CSRF.sub(r"\g<1>saved-page\g<2>", html))


def saved_path(layout: str, name: str) -> Path:
    return SAVED / layout / f"{name}.html"


def saved(layout: str, name: str) -> str:
    """A saved page: ``benefits-<member id>``, ``login``, ``search``, ``claims-search``,
    ``claims-<member id>-page<k>`` or ``claim-<claim number>``."""
    return saved_path(layout, name).read_text(encoding="utf-8")


def search_values(member_id: str) -> tuple[str, str, str]:
    """What staff type into the search form for a sandbox member."""
    member = carrier_data("meridian").member(member_id)
    assert member is not None, member_id
    return member.member_id, member.date_of_birth.strftime("%m/%d/%Y"), member.last_name


class PageFetcher:
    """One signed-in plain-HTTP user; the layout knob is switched between pages (the
    portal's session survives a redesign going live)."""

    def __init__(self, url: str, control: SandboxControl) -> None:
        self.control = control
        secret = pyotp.random_base32()
        password = secrets.token_urlsafe(18)
        control.add_account(username=USERNAME, password=password, totp_secret=secret)
        control.set_knobs(announcement="none", layout="v1")
        self.user = PortalUser(PortalAccount(url=url, username=USERNAME, password=password,
                                             totp_secret=secret, control=control,
                                             carrier="meridian", account={}))
        self.user.sign_in()

    def close(self) -> None:
        self.user.close()

    def benefits(self, member_id: str, layout: str) -> str:
        self.control.set_knobs(layout=layout)
        response = self.user.search(*search_values(member_id))
        assert response.status_code == 200, response.status_code
        assert "/eligibility/member/" in str(response.url), response.url
        return response.text

    def search_page(self, layout: str) -> str:
        self.control.set_knobs(layout=layout)
        return normalize(self.user.http.get("/eligibility").text)

    def login_page(self, layout: str) -> str:
        self.control.set_knobs(layout=layout)
        page = self.user.http.get("/login")
        csrf_token(page.text)  # the form is there
        return normalize(page.text)

    def claim_search(self, member_id: str, **fields: str) -> httpx.Response:
        """Submit the claim search form (v1 field names; the redesign kept them);
        follows a match's redirect to the first result page."""
        form = self.user.http.get("/claims")
        assert form.status_code == 200, form.status_code
        member, dob, last_name = search_values(member_id)
        response = self.user.http.post("/claims", data={
            "member_id": member, "date_of_birth": dob, "last_name": last_name,
            "search_by": "date_range", "claim_number": "", "service_from": "",
            "service_to": "", "csrf_token": csrf_token(form.text), **fields})
        if response.status_code == 303:
            return self.user.http.get(response.headers["location"])
        return response

    def claim_pages(self, layouts: tuple[str, ...] = LAYOUTS) -> dict[tuple[str, str], str]:
        """The claim search form, both result pages of :data:`CLAIMS_MEMBER` and one detail
        page per status, in each layout (one search, rendered in each layout)."""
        self.control.set_knobs(layout="v1")
        first = self.claim_search(CLAIMS_MEMBER, service_from=CLAIMS_FROM,
                                  service_to=CLAIMS_TO)
        assert first.status_code == 200 and "/claims/results/" in str(first.url), first.url
        results = str(first.url.path)
        pages = {}
        for layout in layouts:
            self.control.set_knobs(layout=layout)
            pages[(layout, "claims-search")] = normalize(self.user.http.get("/claims").text)
            for number in (1, 2):
                listed = self.user.http.get(f"{results}?page={number}")
                assert listed.status_code == 200, listed.status_code
                pages[(layout, f"claims-{CLAIMS_MEMBER}-page{number}")] = normalize(listed.text)
            for claim_number in CLAIM_SAMPLES.values():
                shown = self.user.http.get(f"{results}/claim/{claim_number}")
                assert shown.status_code == 200, shown.status_code
                pages[(layout, f"claim-{claim_number}")] = normalize(shown.text)
        self.control.set_knobs(layout="v1")
        return pages

    def all_pages(self) -> dict[tuple[str, str], str]:
        """Every saved page, as (layout, name) -> HTML."""
        pages = {}
        for layout in LAYOUTS:
            pages[(layout, "login")] = self.login_page(layout)
            pages[(layout, "search")] = self.search_page(layout)
            for member_id in SAVED_MEMBERS:
                pages[(layout, f"benefits-{member_id}")] = self.benefits(member_id, layout)
        pages.update(self.claim_pages())
        return pages


def save_all(url: str) -> list[Path]:
    control = SandboxControl(url)
    control.reset()
    fetcher = PageFetcher(url, control)
    try:
        pages = fetcher.all_pages()
    finally:
        fetcher.close()
        control.close()
    written = []
    for (layout, name), html in pages.items():
        path = saved_path(layout, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    with SandboxServer("meridian") as server:
        for path in save_all(server.url):
            print(path.relative_to(SAVED.parents[3]))  # noqa: T201 - a command's output


if __name__ == "__main__":
    main()
