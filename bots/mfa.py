"""Second-factor helpers shared by every bot."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

import pyotp

from bots.pagehost import pause

TOTP_STEP = 30
"""RFC 6238 time step used by every sandbox portal and most real ones."""


class TotpCodes:
    """TOTP codes for one process, never the same time step twice for an account.

    Portals accept a code once. If the window is about to close, or this account already
    used the current step (a quick second login), the caller waits for the next step
    instead of racing it. The wait is on the clock, not on a page.
    """

    def __init__(
        self,
        *,
        min_seconds_left: float = 3.0,
        clock: Callable[[], float] = time.time,
        wait: Callable[[float], object] | None = None,
    ) -> None:
        self.min_seconds_left = min_seconds_left
        self._clock = clock
        self._wait = wait or pause
        self._last_step: dict[str, int] = {}
        self._lock = threading.Lock()

    def code(self, account_key: str, secret: str) -> str:
        """A code for a step this authenticator has not used yet.

        Steps are remembered per secret (one authenticator), whatever account names it.
        """
        del account_key  # the secret identifies the authenticator
        key = hashlib.sha256(secret.encode()).hexdigest()
        with self._lock:  # reserve the step; wait outside the lock (see below)
            now = self._clock()
            step = int(now // TOTP_STEP)
            if TOTP_STEP - (now % TOTP_STEP) < self.min_seconds_left:
                step += 1
            step = max(step, self._last_step.get(key, -1) + 1)
            self._last_step[key] = step
            wait = step * TOTP_STEP - now
        # never under the lock: in a page host, jobs share one thread, and a job waiting
        # for its step must let another job (another account) take its own code
        if wait > 0:
            self._wait(wait + 0.05)
        return str(pyotp.TOTP(secret, interval=TOTP_STEP).at(step * TOTP_STEP))


totp_codes = TotpCodes()
