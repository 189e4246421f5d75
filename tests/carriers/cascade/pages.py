"""Real Cascade Dental pages from the sandbox, fetched over plain HTTP, and the saved
copies the pure parser tests read (``fixtures/html/cascade/saved/<layout>/``).

Regenerate the saved pages after a template change::

    .venv/bin/python -m tests.carriers.cascade.pages

A test checks that the saved pages still equal what the sandbox renders.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

from fixtures.sandbox.cascade import new_account
from fixtures.sandbox.cascade.claims import CLAIMS_AS_OF, member_claims
from fixtures.sandbox.cascade.data import load
from fixtures.sandbox.server import PortalAccount, SandboxControl, SandboxServer
from tests.carriers.cascade.helpers import CascadeUser

SAVED = Path(__file__).resolve().parents[3] / "fixtures" / "html" / "cascade" / "saved"
SAVED_MEMBERS = (
    "CDN534568103",  # a child on family PPO coverage: ortho used, waiting periods, FAM rows
    "CDN180248703",  # a child on the basic PPO: no ortho, ortho excluded; "Jean-Luc"
    "CDN381614902",  # DHMO family: in network only; "O'Flossigan"
    "CDN423678000",  # terminated; no waiting periods (an empty table)
    "CDN522423100",  # a space in the last name ("Van Retainer"); individual coverage
)
_DETAIL = re.compile(r"/claims/detail/[A-Za-z0-9_-]{20,}")
USERNAME = "saved.pages"
LAYOUTS = ("v1", "v2")
_TOKENS = [
    (re.compile(r'((?:name="csrf_token" value)=")[^"]*(")'), r"\g<1>saved-page\g<2>"),
    (re.compile(r"(/benefits/frame/|/documents/|/claims/results/|/claims/detail/"
                r"|/claims/eob/)[A-Za-z0-9_-]{20,}"), r"\g<1>saved-token"),
]
CLAIMS_MEMBER = "CDN248177600"
"""Five claims: received, in review, adjusted (two payments), denied (remarks), paid."""
CLAIMS_BY_NUMBER = {  # claim number -> member: the statuses CLAIMS_MEMBER lacks
    "CD2627600012": "CDN180248700",  # accepted for review
    "CD2629200040": "CDN180248704",  # waiting for information from the office
    "CD2612500041": "CDN180248704",  # processed, no payment due
}
PAGED_MEMBER = "CDN500596701"
"""Eleven claims in the last 180 days: three pages of results."""
NO_CLAIMS_MEMBER = "CDN616251300"


def normalize(html: str) -> str:
    """The page without its per-session CSRF and record tokens."""
    for pattern, replacement in _TOKENS:
        html = pattern.sub(replacement, html)
    return html


def saved_path(layout: str, name: str) -> Path:
    return SAVED / layout / f"{name}.html"


def saved(layout: str, name: str) -> str:
    """A saved page: ``record-<id>``, ``frame-<id>`` (v1), ``signin``, ``verify``,
    ``lookup``, ``passcode-expired``; claims: ``claims`` (the search form),
    ``claims-<id>-p<n>`` (results pages), ``claims-none``, ``claim-<claim number>``."""
    return saved_path(layout, name).read_text(encoding="utf-8")


def fetch_all(url: str, control: SandboxControl) -> dict[tuple[str, str], str]:
    """Every saved page, as (layout, name) -> HTML, from a freshly reset portal."""
    control.reset()
    account = new_account(USERNAME, secrets.token_urlsafe(18))
    control.add_account(**account)
    portal = PortalAccount(url=url, username=USERNAME, password=account["password"],
                           totp_secret=None, control=control, carrier="cascade",
                           account=account)
    pages: dict[tuple[str, str], str] = {}
    with CascadeUser(portal) as user:
        for layout in LAYOUTS:
            control.set_knobs(layout=layout)
            pages[(layout, "signin")] = user.http.get("/signin").text
            assert user.sign_in_form().status_code == 303
            pages[(layout, "verify")] = user.http.get("/verify").text
            assert user.enter_code(user.last_code()).status_code == 303
            pages[(layout, "lookup")] = user.http.get("/patients").text
            for member_id in SAVED_MEMBERS:
                token, record = user.record(member_id)
                pages[(layout, f"record-{member_id}")] = record.text
                if layout == "v1":
                    pages[(layout, f"frame-{member_id}")] = \
                        user.http.get(f"/benefits/frame/{token}").text
            pages.update({(layout, name): html for name, html in claim_pages(user).items()})
            user.http.get("/signout")
        control.set_knobs(layout="v1")
        control.expire_password(USERNAME)
        pages[("v1", "passcode-expired")] = user.sign_in_form().text
    return {key: normalize(html) for key, html in pages.items()}


def claim_pages(user: CascadeUser) -> dict[str, str]:
    """The claims pages of the current layout, by saved name."""
    pages = {"claims": user.http.get("/claims").text}
    last = CLAIMS_AS_OF - dt.timedelta(days=179)
    first = user.claim_search(PAGED_MEMBER, service_from=last, service_to=CLAIMS_AS_OF)
    pages[f"claims-{PAGED_MEMBER}-p1"] = first.text
    for page in (2, 3):
        following = user.http.get(f"{first.url.path}?page={page}")
        pages[f"claims-{PAGED_MEMBER}-p{page}"] = following.text
    pages["claims-none"] = user.claim_search(NO_CLAIMS_MEMBER, service_from=last,
                                             service_to=CLAIMS_AS_OF).text
    wanted = [(number, CLAIMS_MEMBER) for number in _numbers(CLAIMS_MEMBER)]
    for number, member_id in [*wanted, *CLAIMS_BY_NUMBER.items()]:
        listed = user.claim_search(member_id, claim_number=number)
        match = _DETAIL.search(listed.text)
        assert match, f"claim {number} is not listed"
        pages[f"claim-{number}"] = user.http.get(match.group(0)).text
    return pages


def _numbers(member_id: str) -> list[str]:
    return [c.claim_number for c in member_claims(load(), member_id)]


def main() -> None:
    with SandboxServer("cascade") as server, SandboxControl(server.url) as control:
        for (layout, name), html in fetch_all(server.url, control).items():
            path = saved_path(layout, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8")
            print(path.relative_to(SAVED.parents[3]))  # noqa: T201 - a command's output


if __name__ == "__main__":
    main()
