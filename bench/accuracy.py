"""The accuracy scoreboard: sandbox members of every carrier through its bot in real
Chromium, for every job kind the bot serves, compared field by field with the sandbox's
truth (``portals sandbox expected``).

With a redesigned layout (``--layout v2``) every lookup must fail loudly; a lookup that
still produces a result is counted as *silently wrong*. What is counted is in
:mod:`bench.score`; what is looked up per kind in :mod:`bench.kinds`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Browser, Page
from pydantic import SecretStr

from bench.claims import NUMBER_SAMPLE_EVERY
from bench.inbox import LocalInbox
from bench.kinds import SCORED, Lookup, guard, kind_names, skip_reason
from bench.score import Report, Score, Skipped
from bots.base import BotContext, CarrierBot, Credentials
from bots.browser import launch_browser
from bots.errors import BotError
from bots.memory import MemoryArtifactSink, MemorySessionStore
from bots.registry import registry
from bots.runtime import run_bot
from portals.model import NotFound

T = TypeVar("T")

Progress = Callable[[str, str, str], None]
"""Called after each member with (carrier, kind, member_id)."""
Pick = Callable[[str, str, list[dict[str, str]]], list[dict[str, str]]]
"""(carrier, kind, every member) -> the members to score."""
Run = Callable[[Callable[[Page, BotContext], Any]], Any]
"""Runs one bot call in a fresh browser context against the carrier's sandbox."""


@dataclass(frozen=True)
class Task:
    carrier: str
    kind: str
    members: list[dict[str, str]]


def plan(carriers: list[str], kinds: list[str] | None = None, *,
         pick: Pick | None = None, limit: int | None = None
         ) -> tuple[list[Task], list[Skipped]]:
    """What a run will score, carrier by carrier, and what it skips and why."""
    from fixtures.sandbox import carriers as sandbox

    choose: Pick = pick or (lambda _carrier, _kind, found: found[:limit])
    tasks: list[Task] = []
    skipped: list[Skipped] = []
    for carrier in carriers:
        bot, truth = registry.get(carrier), sandbox.get(carrier)
        for kind in [k for k in kind_names() if kinds is None or k in kinds]:
            reason = skip_reason(kind, bot, truth)
            if reason is not None:
                skipped.append(Skipped(carrier, kind, reason))
            else:
                tasks.append(Task(carrier, kind, choose(carrier, kind, truth.members())))
    return tasks, skipped


def run_accuracy(
    carriers: list[str],
    *,
    browser_path: Path,
    layout: str = "v1",
    kinds: list[str] | None = None,
    limit: int | None = None,
    pick: Pick | None = None,
    number_every: int = NUMBER_SAMPLE_EVERY,
    progress: Progress | None = None,
    timeout_ms: int = 10_000,
    browser: Browser | None = None,
) -> Report:
    """Score ``carriers`` for ``kinds`` (default: every kind the bench scores).

    ``pick`` chooses the members per carrier and kind (default: the first ``limit``);
    ``number_every=1`` searches every member with claims by claim number as well;
    ``browser`` reuses a running Chromium instead of launching one.
    """
    tasks, skipped = plan(carriers, kinds, pick=pick, limit=limit)
    scores: list[Score] = []
    with _browser(browser, browser_path) as running, LocalInbox() as inbox:
        for carrier in dict.fromkeys(t.carrier for t in tasks):
            with _sandbox(carrier, layout, inbox, running, timeout_ms) as run:
                bot = registry.get(carrier)()
                for task in (t for t in tasks if t.carrier == carrier):
                    scores.append(_score_task(task, bot, run, layout, number_every, progress))
    return Report(layout=layout, scores=scores, skipped=skipped)


def _score_task(task: Task, bot: CarrierBot, run: Run, layout: str, number_every: int,
                progress: Progress | None) -> Score:
    from fixtures.sandbox import carriers as sandbox

    truth = sandbox.get(task.carrier)
    score = Score(carrier=task.carrier, kind=task.kind, layout=layout)
    check = guard(task.kind)
    for member in task.members:
        score_member(score, bot, run, SCORED[task.kind](truth, member, number_every), check)
        if progress:
            progress(task.carrier, task.kind, member["member_id"])
    return score


def score_member(score: Score, bot: CarrierBot, run: Run, lookups: Iterator[Lookup],
                 check: Callable[[Any, Any], None]) -> None:
    """Make every lookup for one member and count it; the member is exact when all are."""
    score.members += 1
    exact = True
    for lookup in lookups:
        try:
            outcome = run(partial(lookup.call, bot))
        except BotError as exc:
            score.failed(exc.code)
            exact = False
            continue
        if isinstance(outcome, NotFound):
            score.failed("not_found")
            exact = False
            continue
        comparison = lookup.compare(outcome)
        try:
            check(lookup.request, outcome)
        except BotError as exc:  # the runner would refuse to store it
            comparison = replace(comparison, refused=exc.code)
        exact = score.compared(lookup.key, comparison) and exact
    if exact:
        score.exact_matches += 1


@contextmanager
def _sandbox(carrier: str, layout: str, inbox: LocalInbox, browser: Browser,
             timeout_ms: int) -> Iterator[Run]:
    """The carrier's portal on ``layout`` with a fresh account; yields how to run a call."""
    from fixtures.sandbox import carriers as sandbox
    from fixtures.sandbox.server import SandboxControl, SandboxServer

    with SandboxServer(carrier) as server:
        control = SandboxControl(server.url)
        control.reset()
        control.set_knobs(layout=layout, code_webhook_url=inbox.url,
                          code_webhook_secret=inbox.secret)
        account = sandbox.get(carrier).new_account(
            f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18))
        control.add_account(**account)
        credentials = credentials_for(f"bench:{carrier}", account)
        codes = inbox.source(credentials.mfa_recipient) if credentials.mfa_recipient else None
        sessions = MemorySessionStore()

        def run(call: Callable[[Page, BotContext], T]) -> T:
            ctx = BotContext(credentials=credentials, base_url=server.url, sessions=sessions,
                             artifacts=MemoryArtifactSink(), codes=codes,
                             timeout_ms=timeout_ms, mfa_wait_seconds=30)
            return run_bot(browser, ctx, lambda page: call(page, ctx))

        yield run


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
