"""Real Cascade Dental pages from the sandbox, fetched over plain HTTP, and the saved
copies the pure parser tests read (``fixtures/html/cascade/saved/<layout>/``).

Regenerate the saved pages after a template change::

    .venv/bin/python -m tests.carriers.cascade.pages

A test checks that the saved pages still equal what the sandbox renders.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from fixtures.sandbox.cascade import new_account
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
USERNAME = "saved.pages"
LAYOUTS = ("v1", "v2")
_TOKENS = [
    (re.compile(r'((?:name="csrf_token" value)=")[^"]*(")'), r"\g<1>saved-page\g<2>"),
    (re.compile(r"(/benefits/frame/|/documents/)[A-Za-z0-9_-]{20,}"), r"\g<1>saved-token"),
]


def normalize(html: str) -> str:
    """The page without its per-session CSRF and record tokens."""
    for pattern, replacement in _TOKENS:
        html = pattern.sub(replacement, html)
    return html


def saved_path(layout: str, name: str) -> Path:
    return SAVED / layout / f"{name}.html"


def saved(layout: str, name: str) -> str:
    """A saved page: ``record-<id>``, ``frame-<id>`` (v1), ``signin``, ``verify``,
    ``lookup``, ``passcode-expired``."""
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
            user.http.get("/signout")
        control.set_knobs(layout="v1")
        control.expire_password(USERNAME)
        pages[("v1", "passcode-expired")] = user.sign_in_form().text
    return {key: normalize(html) for key, html in pages.items()}


def main() -> None:
    with SandboxServer("cascade") as server, SandboxControl(server.url) as control:
        for (layout, name), html in fetch_all(server.url, control).items():
            path = saved_path(layout, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8")
            print(path.relative_to(SAVED.parents[3]))  # noqa: T201 - a command's output


if __name__ == "__main__":
    main()
