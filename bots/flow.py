"""The flow kit every carrier bot is built from: the shape of a portal visit, once.

* :func:`signed_in`: the saved session first; one fresh login when the portal asks for
  one (at the start or mid-job, a lapsed session); never a second login in one job.
  Every capability handler of a bot runs its task through it, so they share sign-in.
* :class:`Screens`: which page is this? Waits for one of the known states and turns the
  portal's maintenance, unavailable and throttled pages into ``PortalUnavailable``, and a
  page of an unknown layout into ``LayoutChanged`` at once.
* :func:`check_response`: an HTTP answer of 429 / 5xx is ``PortalUnavailable`` with the
  portal's Retry-After (:func:`retry_after`, the one parser).
* :func:`out_of_band_code`: waiting for an SMS or e-mailed code, alike.
* :func:`login_refused`: the locked-versus-rejected decision from the portal's words.

Waiting is always on page state, never on time. Strict table reading is
:func:`bots.parsing.table_rows`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bots.errors import (
    AccountLocked,
    BotError,
    LayoutChanged,
    LoginRejected,
    MfaCodeTimeout,
    PortalUnavailable,
    SessionExpired,
)

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page, Response

    from bots.base import BotContext

T = TypeVar("T")

BUSY_STATUSES = frozenset({429, 502, 503, 504})


class NeedsLogin(Exception):  # noqa: N818  (control flow, not an error)
    """The portal shows its sign-in page: the saved session is missing or lapsed."""


def signed_in(ctx: BotContext, *, start: Callable[[], bool], login: Callable[[], None],
              task: Callable[[], T]) -> T:
    """Run ``task`` signed in: saved session first, at most one fresh login.

    ``start()`` opens the portal and says whether it is signed in (False: it shows the
    sign-in page). ``login()`` signs in (password, second factor, interstitials) and
    raises a typed error when the portal refuses. ``task()`` does the job and raises
    :class:`NeedsLogin` when the portal asks to sign in again part-way. A portal that
    asks again after this job's own login gets ``SessionExpired``, never a second login.
    Every login runs inside ``ctx.login_guard()``: one job of an account logs in at a
    time, and a job that finds another one logged in meanwhile starts over on its session.
    """
    logged_in = False
    while True:
        if not start():
            if logged_in:
                raise SessionExpired("the portal asked to sign in again right after a login")
            with ctx.login_guard():
                ctx.on_event("login")
                login()
            logged_in = True
            continue
        try:
            return task()
        except NeedsLogin:
            if logged_in:
                raise SessionExpired("the session expired twice in one job") from None
            ctx.on_event("session_lapsed")
            with ctx.login_guard():
                login()
            logged_in = True


@dataclass(frozen=True)
class Screens:
    """A portal's page classifier: its down pages, its throttled page and the markers of
    layouts the bot does not know, checked on every wait.

    ``wait(page, {"search": "#search-form", "login": "form#login"})`` returns the name of
    the state the page shows first.
    """

    down: Mapping[str, str] = field(default_factory=dict)
    """Maintenance / unavailable page selectors: PortalUnavailable."""
    throttled: Mapping[str, str] = field(default_factory=dict)
    """Throttled ("too many requests") page selectors: PortalUnavailable; the Retry-After
    comes from the last response (see :func:`check_response`)."""
    unknown: Mapping[str, str] = field(default_factory=dict)
    """Markers of other layouts (a redesign): LayoutChanged at once."""
    describe_down: Callable[[Page | Frame, str], str] | None = None
    """Optional: the portal's own words for a down page (default: its state name)."""

    def wait(self, page: Page | Frame, states: Mapping[str, str],
             timeout_ms: float | None = None, *, retry_after_s: float | None = None) -> str:
        everything = {**self.unknown, **self.down, **self.throttled, **states}
        state = wait_for_any(page, everything, timeout_ms)
        self.raise_for(page, state, retry_after_s=retry_after_s)
        return state

    def raise_for(self, page: Page | Frame, state: str, *,
                  retry_after_s: float | None = None) -> None:
        """Raise the typed error a down, throttled or unknown state means."""
        if state in self.unknown:
            raise LayoutChanged("the portal shows a page layout this bot does not know")
        if state in self.down or state in self.throttled:
            words = self.describe_down(page, state) if self.describe_down else state
            raise PortalUnavailable(f"the portal shows its {words} page",
                                    retry_after=retry_after_s)


def wait_for_any(page: Page | Frame, states: Mapping[str, str],
                 timeout_ms: float | None = None) -> str:
    """Wait until one of ``states`` (name -> selector) is visible; return its name.

    A Playwright timeout propagates (the runtime turns it into "layout changed").
    """
    locators = [page.locator(selector) for selector in states.values()]
    combined = locators[0]
    for locator in locators[1:]:
        combined = combined.or_(locator)
    while True:
        combined.first.wait_for(state="visible", timeout=timeout_ms)
        for name, locator in zip(states, locators, strict=True):
            if locator.first.is_visible():
                return name
        # it vanished between the two checks (a navigation): look again


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if value is None or not value.strip():
        return None
    raw = value.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max((when - now).total_seconds(), 0.0)


def check_response(response: Response | None, what: str = "the portal") -> None:
    """A busy answer (429, 502, 503, 504) is PortalUnavailable with its Retry-After."""
    if response is not None and response.status in BUSY_STATUSES:
        raise PortalUnavailable(f"{what} answered {response.status}",
                                retry_after=retry_after(response.headers.get("retry-after")))


_CHANNEL_WORDS = {"sms": "SMS"}
"""How messages name a channel where its code name is not the word people use."""


def out_of_band_code(ctx: BotContext, channel: str) -> str:
    """Wait for the code the portal sent by ``channel`` ("sms" or "email") through the
    run's code source (the inbox, then a person); MfaCodeTimeout when none comes."""
    if ctx.codes is None:
        raise MfaCodeTimeout(f"the portal sent a code by {channel} and no code inbox is set "
                             "up for this account")
    ctx.on_event(f"mfa_{channel}_sent")
    code = ctx.codes.wait_for_code(channel, ctx.mfa_wait_seconds)
    if not code:
        words = _CHANNEL_WORDS.get(channel, channel)
        raise MfaCodeTimeout(f"no {words} code arrived within {ctx.mfa_wait_seconds:g} s")
    ctx.on_event("mfa")
    return code


def login_refused(message: str, locked_markers: Iterable[str]) -> BotError:
    """The error a refused sign-in means: AccountLocked when the portal's words say the
    account is locked, otherwise LoginRejected. Both flag the account; neither is retried."""
    words = " ".join(message.split())
    if any(marker.lower() in words.lower() for marker in locked_markers):
        return AccountLocked(f"the portal says: {words}")
    return LoginRejected(f"the portal says: {words}")
