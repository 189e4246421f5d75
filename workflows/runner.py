"""Runs one eligibility check: the single place for status bookkeeping and its rules.

* The check row is the source of truth: a run starts only after :func:`repo.claim_check`
  won the lease, and a heartbeat renews it; a dead worker's check is claimed again once
  its lease lapses (see :mod:`workflows.recovery`).
* One live login per portal account: a Redis lock per account around the bot call.
* A result is stored only when it names the requested patient.
* Only ``retryable`` errors (portal unavailable) are retried, with backoff; a rejected
  login, a lock or an expired password flags the account for a person instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import redis
from playwright.sync_api import Browser
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from bots.base import BotContext, Credentials
from bots.errors import AccountUnavailable, BotError
from bots.parsing import verify_patient
from bots.registry import registry
from bots.runtime import run_bot
from portals.logging_setup import register_secret
from portals.model import EligibilityRequest, EligibilityResult, NotFound
from portals.settings import Settings
from storage import repo
from storage.artifacts import ArtifactStore
from storage.crypto import Vault
from storage.db import create_schema, make_engine, session_scope
from storage.models import CarrierAccount, CheckStatus, RunStatus, utcnow
from workflows.broker import redis_url_for
from workflows.context import DbArtifactSink, DbCodeSource, DbSessionStore
from workflows.dispatch import send_check

log = logging.getLogger(__name__)

BrowserFactory = Callable[[], AbstractContextManager[Browser]]


def carrier_base_url(settings: Settings, carrier: str) -> str:
    """The configured portal URL, or the local sandbox's for that carrier."""
    if carrier in settings.carrier_urls:
        return settings.carrier_urls[carrier]
    from fixtures.sandbox.server import default_url

    return default_url(carrier, settings.sandbox_host, settings.sandbox_port)


@dataclass
class _Thread:
    browser: Browser | None = None
    closer: AbstractContextManager[Browser] | None = None


class CheckRunner:
    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        browser_factory: BrowserFactory | None = None,
        worker_id: str | None = None,
    ) -> None:
        if settings.secret_key is None:
            raise RuntimeError("PORTALS_SECRET_KEY is not set")
        self.settings = settings
        self.engine = engine or make_engine(settings.resolved_database_url)
        create_schema(self.engine)
        self.vault = Vault(settings.secret_key)
        self.store = ArtifactStore(settings.resolved_artifacts_dir, self.vault)
        self.redis = redis.Redis.from_url(redis_url_for(settings))
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._browser_factory = browser_factory or self._default_browser
        self._local = threading.local()

    # -- browser per thread ------------------------------------------------------------

    def _default_browser(self) -> AbstractContextManager[Browser]:
        from bots.browser import launch_browser

        return launch_browser(self.settings.browser_path, headless=self.settings.browser_headless)

    def browser(self) -> Browser:
        state: _Thread = getattr(self._local, "state", None) or _Thread()
        self._local.state = state
        if state.browser is None or not state.browser.is_connected():
            state.closer = self._browser_factory()
            state.browser = state.closer.__enter__()
        return state.browser

    def close_thread_browser(self) -> None:
        state: _Thread | None = getattr(self._local, "state", None)
        if state and state.closer is not None:
            state.closer.__exit__(None, None, None)
            state.browser = state.closer = None

    # -- the run -----------------------------------------------------------------------

    def run_check(self, check_id: str) -> str | None:
        """Run the check if this worker can claim it; returns the final check status."""
        worker = f"{self.worker_id}:{threading.get_ident()}"
        with session_scope(self.engine) as session:
            if not repo.claim_check(session=session, check_id=check_id, worker=worker,
                                    lease_seconds=self.settings.lease_seconds):
                log.info("check %s not claimable (finished, held, or not due)", check_id)
                return None
            check = repo.get_check(session=session, check_id=check_id)
            assert check is not None
            repo.abandon_runs(session=session, check_id=check_id)
            run = repo.start_run(session=session, check=check, worker=worker)
            request = repo.check_request(check)
        log.info("check %s attempt %s started as run %s", check_id, check.attempts, run.id)
        with self._heartbeat(check_id, worker) as lease_lost:
            status, message, error, result = self._attempt(check_id, run.id, request, worker)
        return self._record(check_id, run.id, worker, request, status, message, error, result,
                            lease_lost)

    def _attempt(
        self, check_id: str, run_id: str, request: EligibilityRequest, worker: str
    ) -> tuple[RunStatus, str | None, BotError | None, EligibilityResult | None]:
        try:
            bot = registry.get(request.carrier)()
            with session_scope(self.engine) as session:
                account = repo.usable_account(session=session, carrier=request.carrier)
                if account is None:
                    raise AccountUnavailable(
                        f"no usable {request.carrier} portal account (none stored, or every "
                        "one is flagged for a person)"
                    )
                check = repo.get_check(session=session, check_id=check_id)
                assert check is not None
                check.account_id = account.id
                session.add(check)
                credentials = self._credentials(account)
                account_id = account.id
            assert account_id is not None
            ctx = BotContext(
                credentials=credentials,
                base_url=carrier_base_url(self.settings, request.carrier),
                sessions=DbSessionStore(self.engine, self.vault, account_id),
                artifacts=DbArtifactSink(self.engine, self.store, run_id),
                codes=DbCodeSource(
                    self.engine, self.vault, check_id=check_id, run_id=run_id, worker=worker,
                    recipient=credentials.mfa_recipient,
                    ask_after=self.settings.mfa_inbox_wait_seconds,
                    on_event=lambda event: self._event(run_id, event)),
                timeout_ms=self.settings.bot_timeout_ms,
                mfa_wait_seconds=self.settings.mfa_wait_seconds,
                on_event=lambda event: self._event(run_id, event),
            )
            with self._account_lock(account_id):
                outcome = run_bot(self.browser(), bot, ctx, request)
            if isinstance(outcome, NotFound):
                return RunStatus.NOT_FOUND, outcome.message, None, None
            verify_patient(outcome.member, request)  # the last guard before storing
            return RunStatus.SUCCEEDED, None, None, outcome
        except BotError as exc:
            if exc.account_flag:
                with session_scope(self.engine) as session:
                    check = repo.get_check(session=session, check_id=check_id)
                    if check and check.account_id:
                        repo.flag_account(session=session, account_id=check.account_id,
                                          reason=exc.account_flag)
            return RunStatus.FAILED, exc.message, exc, None
        except Exception as exc:  # a bug, not a portal state: keep the run, don't retry
            log.exception("check %s failed unexpectedly", check_id)
            err = BotError(f"internal error: {type(exc).__name__}")
            return RunStatus.FAILED, err.message, err, None

    def _record(
        self,
        check_id: str,
        run_id: str,
        worker: str,
        request: EligibilityRequest,
        status: RunStatus,
        message: str | None,
        error: BotError | None,
        result: EligibilityResult | None,
        lease_lost: threading.Event,
    ) -> str:
        with session_scope(self.engine) as session:
            check = repo.get_check(session=session, check_id=check_id)
            run = repo.get_run(session=session, run_id=run_id)
            assert check is not None and run is not None
            if lease_lost.is_set() or check.lease_owner != worker:
                repo.finish_run(session=session, run=run, status=RunStatus.ABANDONED,
                                error_type="lease_lost",
                                error_message="another worker took the check over")
                return check.status
            if error is None:
                repo.finish_run(session=session, run=run, status=status)
                if result is not None:
                    repo.save_result(session=session, check=check, run=run, result=result)
                final = CheckStatus.SUCCEEDED if status is RunStatus.SUCCEEDED \
                    else CheckStatus.NOT_FOUND
                repo.release_check(session=session, check=check, status=final, message=message)
                return final
            repo.finish_run(session=session, run=run, status=RunStatus.FAILED,
                            error_type=error.code, error_message=message)
            if error.retryable and check.attempts < self.settings.max_attempts:
                delay = self.settings.retry_backoff_seconds * 2 ** (check.attempts - 1)
                asked = getattr(error, "retry_after", None)
                if asked:  # the portal said when to come back (Retry-After)
                    delay = max(delay, float(asked))
                retry_at = utcnow() + dt.timedelta(seconds=delay)
                repo.release_check(session=session, check=check, status=CheckStatus.QUEUED,
                                   message=f"retrying: {message}", retry_at=retry_at)
                retry_delay_ms: int | None = int(delay * 1000)
            else:
                repo.release_check(session=session, check=check, status=CheckStatus.FAILED,
                                   message=message)
                retry_delay_ms = None
        if retry_delay_ms is not None:
            send_check(check_id, delay_ms=retry_delay_ms)
            return CheckStatus.QUEUED
        return CheckStatus.FAILED

    # -- helpers -----------------------------------------------------------------------

    def _credentials(self, account: CarrierAccount) -> Credentials:
        extra: dict[str, Any] = self.vault.decrypt_json(account.extra_enc) \
            if account.extra_enc else {}
        credentials = Credentials(
            account_key=f"{account.carrier}:{account.id}",
            username=self.vault.decrypt_str(account.username_enc),
            password=SecretStr(self.vault.decrypt_str(account.password_enc)),
            totp_secret=(SecretStr(self.vault.decrypt_str(account.totp_secret_enc))
                         if account.totp_secret_enc else None),
            extra={k: SecretStr(str(v)) for k, v in extra.items()},
            mfa_recipient=account.mfa_recipient,
        )
        for value in credentials.secret_values():  # no log line can carry them
            register_secret(value)
        return credentials

    def _event(self, run_id: str, event: str) -> None:
        with session_scope(self.engine) as session:
            repo.add_run_event(session=session, run_id=run_id, event=event)

    @contextmanager
    def _account_lock(self, account_id: int) -> Iterator[None]:
        """At most one live login per portal account, across every worker.

        The lock lives two leases and is renewed while held, so the lock of a worker that
        died lapses about when its check's lease does; the next worker waits for it.
        """
        lease = self.settings.lease_seconds
        lock = self.redis.lock(f"portals:account:{account_id}", timeout=lease * 2,
                               blocking_timeout=lease * 3)
        if not lock.acquire():
            from bots.errors import PortalUnavailable

            raise PortalUnavailable("the portal account is busy with another run")
        stop = threading.Event()

        def keep() -> None:
            while not stop.wait(lease / 3):
                try:
                    lock.reacquire()
                except redis.exceptions.LockError:
                    return

        keeper = threading.Thread(target=keep, name=f"account-lock-{account_id}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()
            try:
                lock.release()
            except redis.exceptions.LockError:
                log.warning("account lock %s expired before release", account_id)

    @contextmanager
    def _heartbeat(self, check_id: str, worker: str) -> Iterator[threading.Event]:
        stop = threading.Event()
        lost = threading.Event()

        def beat() -> None:
            while not stop.wait(self.settings.lease_seconds / 3):
                with session_scope(self.engine) as session:
                    if not repo.renew_lease(session=session, check_id=check_id, worker=worker,
                                            lease_seconds=self.settings.lease_seconds):
                        lost.set()
                        return

        thread = threading.Thread(target=beat, name=f"lease-{check_id[:8]}", daemon=True)
        thread.start()
        try:
            yield lost
        finally:
            stop.set()
            thread.join()


_runner: CheckRunner | None = None
_runner_lock = threading.Lock()


def current_runner() -> CheckRunner:
    """The worker process's runner, built from settings on first use."""
    global _runner
    with _runner_lock:
        if _runner is None:
            from portals.settings import get_settings

            _runner = CheckRunner(get_settings())
        return _runner
