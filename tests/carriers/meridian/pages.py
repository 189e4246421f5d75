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
USERNAME = "saved.pages"
"""The account the saved pages were fetched with (its name is in the page header)."""
LAYOUTS = ("v1", "v2")
_CSRF = re.compile(r'((?:name="csrf_token" value|data-csrf)=")[^"]*(")')


def normalize(html: str) -> str:
    """The page without its per-session CSRF tokens."""
    return _CSRF.sub(r"\g<1>saved-page\g<2>", html)


def saved_path(layout: str, name: str) -> Path:
    return SAVED / layout / f"{name}.html"


def saved(layout: str, name: str) -> str:
    """A saved page: ``benefits-<member id>``, ``login`` or ``search``."""
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

    def all_pages(self) -> dict[tuple[str, str], str]:
        """Every saved page, as (layout, name) -> HTML."""
        pages = {}
        for layout in LAYOUTS:
            pages[(layout, "login")] = self.login_page(layout)
            pages[(layout, "search")] = self.search_page(layout)
            for member_id in SAVED_MEMBERS:
                pages[(layout, f"benefits-{member_id}")] = self.benefits(member_id, layout)
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
