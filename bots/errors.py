"""Every error a bot raises, in one place. Their types steer what happens next.

``retryable`` errors are retried later with backoff by the runner; all others end the
run. ``account_flag`` errors also flag the portal account for a person: nothing logs in
with it again until someone clears the flag (never retry a rejected login by itself).
Messages never carry secrets: they are shown to staff, logged and stored.
"""

from __future__ import annotations

from typing import ClassVar


class SessionRenewed(Exception):  # noqa: N818  (control flow, not an error)
    """While this job waited to log in, another job of the account did: the job starts
    over on that session instead of logging in a second time (:func:`bots.runtime.
    run_bot` catches it; a bot never does)."""


class BotError(Exception):
    """Base of every typed bot failure."""

    code: ClassVar[str] = "bot_error"
    retryable: ClassVar[bool] = False
    account_flag: ClassVar[str | None] = None

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()


class LoginRejected(BotError):
    """The portal rejected the username or password."""

    code = "login_rejected"
    account_flag = "login_rejected"


class AccountLocked(BotError):
    """The portal says the account is locked."""

    code = "account_locked"
    account_flag = "locked"


class PasswordExpired(BotError):
    """The portal demands a new password; a person must change it."""

    code = "password_expired"
    account_flag = "password_expired"


class MfaFailed(BotError):
    """The second factor was refused or no code could be had."""

    code = "mfa_failed"


class MfaCodeTimeout(MfaFailed):
    """No one-time code arrived in time and nobody typed one."""

    code = "mfa_timeout"


class PortalUnavailable(BotError):
    """The portal is down, in maintenance, or throttling (5xx, 429, network)."""

    code = "portal_unavailable"
    retryable = True

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        """Seconds the portal asked us to wait (Retry-After), if it said."""


class SessionExpired(BotError):
    """The portal's session ran out and logging in again did not help."""

    code = "session_expired"


class LayoutChanged(BotError):
    """The page is not what the bot knows: a locator, label or field is missing or malformed."""

    code = "layout_changed"


class PatientMismatch(BotError):
    """The page shows another patient than the one requested; nothing was read from it."""

    code = "patient_mismatch"


class InconsistentResult(BotError):
    """What the page shows does not add up (amounts that don't balance, a claim the search
    did not ask for, the same claim twice): a misread page or a portal bug. Not stored."""

    code = "inconsistent_result"


class HumanActionRequired(BotError):
    """The portal asks for something only a person can do (CAPTCHA, unusual challenge)."""

    code = "human_action_required"


class UploadNotAccepted(BotError):
    """The portal did not take a file as sent (refused it, dropped it, or lists another
    size): nothing was submitted."""

    code = "upload_not_accepted"


class CommitRefused(BotError):
    """The run no longer holds its job at its point of no return: it stopped before the
    click, and the job's holder carries on."""

    code = "commit_refused"


class AccountUnavailable(BotError):
    """No usable portal account: missing, or flagged for a person."""

    code = "account_unavailable"


ERROR_TYPES: dict[str, type[BotError]] = {
    cls.code: cls
    for cls in (
        BotError, LoginRejected, AccountLocked, PasswordExpired, MfaFailed, MfaCodeTimeout,
        PortalUnavailable, SessionExpired, LayoutChanged, PatientMismatch, InconsistentResult,
        HumanActionRequired, AccountUnavailable, UploadNotAccepted, CommitRefused,
    )
}
