"""The accuracy scoreboard: every sandbox member of every carrier through its bot in real
Chromium, compared field by field with ``portals sandbox expected``.

With a redesigned layout (``--layout v2``) every lookup must fail loudly; a lookup that
still produces a result is counted as *silently wrong*.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser
from pydantic import SecretStr

from bench.inbox import LocalInbox
from bots.base import BotContext, Credentials
from bots.browser import launch_browser
from bots.errors import BotError
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from portals.model import EligibilityRequest, NotFound, count_fields, diff_results

Progress = Callable[[str, str], None]
"""Called after each lookup with (carrier, member_id)."""


@dataclass
class CarrierScore:
    carrier: str
    layout: str
    members: int = 0
    exact_matches: int = 0
    fields_compared: int = 0
    field_mismatches: int = 0
    failed_lookups: int = 0
    results_produced: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    mismatches: dict[str, list[str]] = field(default_factory=dict)

    @property
    def silently_wrong(self) -> int:
        """Results produced on a layout the bot was never taught (must be 0)."""
        return self.results_produced if self.layout != "v1" else 0


@dataclass
class Report:
    layout: str
    carriers: list[CarrierScore]

    def as_dict(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "carriers": [
                {**asdict(score), "silently_wrong": score.silently_wrong}
                for score in self.carriers
            ],
        }


def run_accuracy(
    carriers: list[str],
    *,
    browser_path: Path,
    layout: str = "v1",
    limit: int | None = None,
    progress: Progress | None = None,
    timeout_ms: int = 10_000,
    browser: Browser | None = None,
) -> Report:
    """Score ``carriers``; ``browser`` reuses a running Chromium instead of launching one."""
    from fixtures.sandbox import carriers as sandbox
    from fixtures.sandbox.expected import expected_result, members
    from fixtures.sandbox.server import SandboxControl, SandboxServer

    scores: list[CarrierScore] = []
    with _browser(browser, browser_path) as browser, LocalInbox() as inbox:
        for carrier in carriers:
            bot = registry.get(carrier)()
            score = CarrierScore(carrier=carrier, layout=layout)
            with SandboxServer(carrier) as server:
                control = SandboxControl(server.url)
                control.reset()
                control.set_knobs(layout=layout, code_webhook_url=inbox.url,
                                  code_webhook_secret=inbox.secret)
                account = sandbox.get(carrier).new_account(
                    f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18))
                control.add_account(**account)
                credentials = credentials_for(f"bench:{carrier}", account)
                codes = inbox.source(credentials.mfa_recipient) \
                    if credentials.mfa_recipient else None
                sessions = MemorySessionStore()
                for member in members(carrier)[:limit]:
                    score.members += 1
                    ctx = BotContext(credentials=credentials, base_url=server.url,
                                     sessions=sessions, artifacts=MemoryArtifactSink(),
                                     codes=codes, timeout_ms=timeout_ms, mfa_wait_seconds=30)
                    request = EligibilityRequest.model_validate({
                        "carrier": carrier, "member_id": member["member_id"],
                        "date_of_birth": member["date_of_birth"],
                        "last_name": member["last_name"], "first_name": member["first_name"],
                    })
                    _score_one(score, bot, browser, ctx, request,
                               expected_result(carrier, member["member_id"]))
                    if progress:
                        progress(carrier, member["member_id"])
            scores.append(score)
    return Report(layout=layout, carriers=scores)


def credentials_for(account_key: str, account: dict[str, Any]) -> Credentials:
    """Credentials for a sandbox account as ``new_account`` describes it."""
    totp = account.get("totp_secret")
    return Credentials(
        account_key=account_key, username=account["username"],
        password=SecretStr(account["password"]),
        totp_secret=SecretStr(totp) if totp else None,
        extra={f"security:{q}": SecretStr(a)
               for q, a in (account.get("security_answers") or {}).items()},
        mfa_recipient=account.get("phone") or account.get("email"),
    )


@contextmanager
def _browser(browser: Browser | None, path: Path) -> Iterator[Browser]:
    if browser is not None:
        with nullcontext(browser) as running:
            yield running
    else:
        with launch_browser(path) as launched:
            yield launched


def _score_one(score, bot, browser, ctx, request, expected) -> None:  # type: ignore[no-untyped-def]
    try:
        outcome = run_bot(browser, bot, ctx, request)
    except BotError as exc:
        score.failed_lookups += 1
        score.errors[exc.code] = score.errors.get(exc.code, 0) + 1
        return
    if isinstance(outcome, NotFound):
        score.failed_lookups += 1
        score.errors["not_found"] = score.errors.get("not_found", 0) + 1
        return
    score.results_produced += 1
    diffs = diff_results(expected, outcome)
    score.fields_compared += count_fields(expected)
    if diffs:
        score.field_mismatches += len(diffs)
        score.mismatches[request.member_id] = diffs
    else:
        score.exact_matches += 1
