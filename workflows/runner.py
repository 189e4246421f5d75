"""Runs one portal job of any kind: the single place for status bookkeeping and its rules.

* The job row is the source of truth: a run starts only after :func:`repo.claim_job` won
  the lease, and a heartbeat renews it; a dead worker's job is claimed again once its
  lease lapses (see :mod:`workflows.recovery`), at most ``max_crashes`` times: a job that
  keeps killing its worker ends as failed for a person to look at.
* One live login per portal account: up to the bot's ``max_concurrent_pages`` jobs of an
  account run at once on its saved session, inside the account's rate budget
  (:mod:`workflows.budgets`: lookups a minute, at once, and the cool-down a throttling
  portal asked for, shared by every worker); a login takes the account's Redis lock, and
  a job that waited for it while another logged in starts over on that session
  (:func:`bots.runtime.run_bot`).
* One browser per worker process (:class:`bots.pagehost.PageHost`) runs every worker
  thread's jobs at once and keeps each account's logged-in contexts warm between its jobs
  (:class:`bots.runtime.WarmContexts`, ``PORTALS_WARM_SESSIONS``).
* A result is stored only when it passes its kind's guard: the requested patient's, and
  internally consistent (a claim's amounts balance).
* Only ``retryable`` errors (portal unavailable) are retried, with backoff; a rejected
  login, a lock or an expired password flags the account for a person instead.
* A kind whose repeat is not harmless (a submission) has a point of no return: the bot
  calls ``ctx.commit()`` right before its submit click, and :func:`repo.commit_job`
  records it durably, only while this run holds the job's live lease (else the click
  never happens). A run that died or failed before it is run again (the bot always looks
  in the portal first); once it is recorded, every later attempt only looks for the
  submission (``kind.recheck_method``): found is recorded, not found leaves the job's
  outcome unknown for a person. No retry, recovery sweep or redelivered message can
  click submit twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import redis
from playwright.sync_api import Browser
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from bots.base import BotContext, Credentials
from bots.errors import AccountUnavailable, BotError, CommitRefused, PortalUnavailable
from bots.pagehost import PageHost
from bots.registry import registry
from bots.runtime import WarmContexts, run_bot
from portals.jobs import JobKind, get_kind
from portals.logging_setup import register_secret
from portals.model import NotFound
from portals.settings import PortalNotConfigured, Settings
from storage import repo
from storage.artifacts import ArtifactStore
from storage.crypto import Vault
from storage.db import create_schema, make_engine, session_scope
from storage.models import CarrierAccount, JobStatus, RunStatus, utcnow
from workflows.affinity import Holdings, worker_queue
from workflows.broker import redis_url_for
from workflows.budgets import Budget, limits_for
from workflows.context import DbArtifactSink, DbCodeSource, DbDocumentSource, DbSessionStore
from workflows.dispatch import send_job
from workflows.locks import account_lock

log = logging.getLogger(__name__)

BrowserFactory = Callable[[], AbstractContextManager[Browser]]
BUSY_WAIT_SECONDS = 600.0
"""How long a job waits for a slot of its account while the account's other jobs run (its
lease kept alive meanwhile): jobs sent together to a one-page portal queue up, never fail."""


@dataclass
class _Outcome:
    status: RunStatus
    message: str | None = None
    error: BotError | None = None
    result: Any = None
    unknown: bool = False
    """Only looked for a committed submission, and the portal does not show it."""


class JobRunner:
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
        # a job waits three leases for the minute's budget or a portal's cool-down (longer
        # ones are retried at their time), and up to BUSY_WAIT_SECONDS for a slot while
        # the account's other jobs run: a busy account is a queue, not a failure
        self.budget = Budget(self.redis, lease_seconds=settings.lease_seconds,
                             max_wait_seconds=settings.lease_seconds * 3,
                             max_busy_wait_seconds=max(settings.lease_seconds * 3,
                                                       BUSY_WAIT_SECONDS))
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._browser_factory = browser_factory or self._default_browser
        self._host: PageHost | None = None
        self.holdings: Holdings | None = None
        """Set by :meth:`hold_accounts` (worker processes): account affinity."""
        self._host_lock = threading.Lock()

    # -- the process's browser ---------------------------------------------------------

    def _default_browser(self) -> AbstractContextManager[Browser]:
        from bots.browser import launch_browser

        return launch_browser(self.settings.browser_path, headless=self.settings.browser_headless)

    def page_host(self) -> PageHost:
        """The process's one browser, serving every worker thread's jobs at once (started
        on first use, and again if its browser died)."""
        with self._host_lock:
            host = self._host
            if host is not None and (not host.alive or not host.browser.is_connected()):
                log.warning("the browser is gone; starting a new one")
                host.close()
                host = None
            if host is None:
                warm = self.settings.warm_sessions
                idle = self.settings.warm_idle_seconds
                host = PageHost(self._browser_factory,
                                lambda: WarmContexts(idle_seconds=idle) if warm else None)
                self._host = host
            return host

    def close_browser(self) -> None:
        """Close the warm contexts and the browser (the worker is stopping), and let go of
        the accounts this process held."""
        if self.holdings is not None:
            self.holdings.let_go_all()
            self.holdings = None
        with self._host_lock:
            host, self._host = self._host, None
        if host is not None:
            host.close()

    # -- the run -----------------------------------------------------------------------

    def hold_accounts(self) -> str:
        """Serve accounts with affinity (a worker process calls this at boot): an
        account's jobs run in the process holding its warm session, forwarded to this
        process's own queue (:mod:`workflows.affinity`). Returns that queue's name."""
        if self.holdings is None:
            self.holdings = Holdings(self.redis, self.worker_id,
                                     lease_seconds=self.settings.lease_seconds,
                                     idle_seconds=self.settings.warm_idle_seconds)
        return worker_queue(self.worker_id)

    def run_job(self, job_id: str) -> str | None:
        """Run the job if this worker can claim it; returns the job's status after."""
        account_id = self._account_for(job_id) if self.holdings is not None else None
        if self.holdings is not None and account_id is not None:
            holder = self.holdings.route(account_id)
            if holder is not None:
                send_job(job_id, queue_name=worker_queue(holder))
                log.info("job %s forwarded to %s, which holds its portal account", job_id,
                         holder)
                return None
            with self.holdings.using(account_id):
                return self._run_job(job_id)
        return self._run_job(job_id)

    def _account_for(self, job_id: str) -> int | None:
        """The portal account a queued job would use (None: finished, unknown, none)."""
        with session_scope(self.engine) as session:
            job = repo.get_job(session=session, job_id=job_id)
            if job is None or JobStatus(job.status).finished:
                return None
            account = repo.usable_account(session=session, carrier=job.carrier)
            return account.id if account is not None else None

    def _run_job(self, job_id: str) -> str | None:
        worker = f"{self.worker_id}:{threading.get_ident()}"
        with session_scope(self.engine) as session:
            if not repo.claim_job(session=session, job_id=job_id, worker=worker,
                                  lease_seconds=self.settings.lease_seconds):
                log.info("job %s not claimable (finished, held, or not due)", job_id)
                return None
            job = repo.get_job(session=session, job_id=job_id)
            assert job is not None
            repo.abandon_runs(session=session, job_id=job_id)
            kind = get_kind(job.kind)
            crashes = repo.crashed_runs(session=session, job_id=job_id)
            committed = job.committed_at is not None
            unguarded = crashes and not kind.repeat_harmless and kind.recheck_method is None
            if crashes >= self.settings.max_crashes or unguarded:
                unknown = committed or bool(unguarded)
                status = JobStatus.OUTCOME_UNKNOWN if unknown else JobStatus.FAILED
                message = (f"the worker stopped during this {kind.title}; its outcome is "
                           "unknown and a person must check the portal" if unknown else
                           f"worker crashed {crashes} times running this {kind.title}")
                repo.release_job(session=session, job=job, status=status, message=message)
                log.warning("job %s ended: %s", job_id, message)
                return status
            run = repo.start_run(session=session, job=job, worker=worker)
            request = repo.job_request(job)
            first_run = job.attempts == 1
        recheck = committed and kind.recheck_method is not None
        log.info("%s job %s attempt %s started as run %s%s", kind.name, job_id, job.attempts,
                 run.id, " (looking for the earlier submission only)" if recheck else "")
        with self._heartbeat(job_id, worker) as lease_lost:
            outcome = self._attempt(job_id, run.id, kind, request, worker, recheck=recheck,
                                    first_run=first_run)
        return self._record(job_id, run.id, worker, outcome, lease_lost)

    def _attempt(self, job_id: str, run_id: str, kind: JobKind, request: Any,
                 worker: str, *, recheck: bool = False, first_run: bool = False) -> _Outcome:
        try:
            bot = registry.get(request.carrier)()
            if not bot.serves(kind.capability):
                raise BotError(f"{bot.display_name} does not serve {kind.capability.value}")
            try:
                base_url = self.settings.portal_url(request.carrier)
            except PortalNotConfigured as exc:
                raise AccountUnavailable(str(exc)) from None
            with session_scope(self.engine) as session:
                account = repo.usable_account(session=session, carrier=request.carrier)
                if account is None:
                    raise AccountUnavailable(
                        f"no usable {request.carrier} portal account (none stored, or every "
                        "one is flagged for a person)"
                    )
                job = repo.get_job(session=session, job_id=job_id)
                assert job is not None
                job.account_id = account.id
                session.add(job)
                credentials = self._credentials(account)
                account_id = account.id
            assert account_id is not None
            lock_lost = threading.Event()

            def commit() -> None:
                if lock_lost.is_set():
                    raise CommitRefused("the portal account's lock was lost; nothing was "
                                        "submitted")
                with session_scope(self.engine) as session:
                    if not repo.commit_job(session=session, job_id=job_id, worker=worker):
                        raise CommitRefused("this run no longer holds the job; nothing was "
                                            "submitted")
                self._event(run_id, "commit")

            ctx = BotContext(
                credentials=credentials,
                base_url=base_url,
                sessions=DbSessionStore(self.engine, self.vault, account_id),
                artifacts=DbArtifactSink(self.engine, self.store, run_id),
                codes=DbCodeSource(
                    self.engine, self.vault, job_id=job_id, run_id=run_id, worker=worker,
                    recipient=credentials.mfa_recipient,
                    ask_after=self.settings.mfa_inbox_wait_seconds,
                    on_event=lambda event: self._event(run_id, event)),
                timeout_ms=self.settings.bot_timeout_ms,
                mfa_wait_seconds=self.settings.mfa_wait_seconds,
                on_event=lambda event: self._event(run_id, event, kill=first_run),
                documents=DbDocumentSource(self.engine, self.store),
                commit=commit,
            )
            method = kind.recheck_method if recheck and kind.recheck_method else \
                kind.bot_method
            handler = getattr(bot, method)
            ctx.login_lock = partial(self._login_lock, account_id, lock_lost)
            # the account's rate budget (lookups a minute, M at once, a portal's cool-down):
            # up to M jobs of the account run at once on its saved session, and only a
            # login takes the account's lock (ctx.login_lock)
            with self.budget.slot(carrier=request.carrier, account_id=account_id,
                                  limits=limits_for(type(bot), self.settings)):
                result = self.page_host().run(
                    lambda browser, pool: run_bot(browser, ctx,
                                                  lambda page: handler(page, ctx, request),
                                                  pool=pool))
            if lock_lost.is_set():  # another run may have logged in meanwhile
                raise PortalUnavailable("the portal account's lock was lost during a login; "
                                        "its result is not trusted and it runs again later")
            if isinstance(result, NotFound):
                if recheck:
                    return _Outcome(RunStatus.NOT_FOUND, "an earlier run may have submitted "
                                    f"this {kind.title}, and the portal does not show it: "
                                    "a person decides (resubmit or close)", unknown=True)
                return _Outcome(RunStatus.NOT_FOUND, result.message)
            kind.guard(request, result)  # the last guard before storing
            return _Outcome(RunStatus.SUCCEEDED, result=result)
        except BotError as exc:
            if exc.account_flag:
                with session_scope(self.engine) as session:
                    job = repo.get_job(session=session, job_id=job_id)
                    if job and job.account_id:
                        repo.flag_account(session=session, account_id=job.account_id,
                                          reason=exc.account_flag)
            return _Outcome(RunStatus.FAILED, exc.message, error=exc)
        except Exception as exc:  # a bug, not a portal state: keep the run, don't retry
            # type and place only: an exception's text can carry patient data
            log.error("job %s failed unexpectedly: %s at %s", job_id, type(exc).__name__,
                      _where(exc))
            err = BotError(f"internal error: {type(exc).__name__}")
            return _Outcome(RunStatus.FAILED, err.message, error=err)

    def _record(self, job_id: str, run_id: str, worker: str, outcome: _Outcome,
                lease_lost: threading.Event) -> str:
        error = outcome.error
        with session_scope(self.engine) as session:
            job = repo.get_job(session=session, job_id=job_id)
            run = repo.get_run(session=session, run_id=run_id)
            assert job is not None and run is not None
            if lease_lost.is_set() or job.lease_owner != worker:
                repo.finish_run(session=session, run=run, status=RunStatus.ABANDONED,
                                error_type="lease_lost",
                                error_message="another worker took the job over")
                return job.status
            if error is None:
                repo.finish_run(session=session, run=run, status=outcome.status)
                if outcome.result is not None:
                    repo.save_result(session=session, job=job, run=run, result=outcome.result)
                final = JobStatus.SUCCEEDED if outcome.status is RunStatus.SUCCEEDED \
                    else JobStatus.OUTCOME_UNKNOWN if outcome.unknown else JobStatus.NOT_FOUND
                repo.release_job(session=session, job=job, status=final,
                                 message=outcome.message)
                return final
            repo.finish_run(session=session, run=run, status=RunStatus.FAILED,
                            error_type=error.code, error_message=outcome.message)
            committed = job.committed_at is not None
            if committed and (error.account_flag or job.attempts >= self.settings.max_attempts):
                # past the point of no return: never failed (a retry would not resubmit,
                # but "failed" would tell staff nothing reached the portal)
                repo.release_job(session=session, job=job, status=JobStatus.OUTCOME_UNKNOWN,
                                 message=f"{outcome.message}; the submission may have been "
                                 "made: a person decides (resubmit or close)")
                return JobStatus.OUTCOME_UNKNOWN
            if (error.retryable or committed) and job.attempts < self.settings.max_attempts:
                delay = self.settings.retry_backoff_seconds * 2 ** (job.attempts - 1)
                asked = getattr(error, "retry_after", None)
                if asked:  # the portal said when to come back (Retry-After)
                    delay = max(delay, float(asked))
                retry_at = utcnow() + dt.timedelta(seconds=delay)
                repo.release_job(session=session, job=job, status=JobStatus.QUEUED,
                                 message=f"retrying: {outcome.message}", retry_at=retry_at)
                retry_delay_ms: int | None = int(delay * 1000)
            else:
                repo.release_job(session=session, job=job, status=JobStatus.FAILED,
                                 message=outcome.message)
                retry_delay_ms = None
        if retry_delay_ms is not None:
            send_job(job_id, delay_ms=retry_delay_ms)
            return JobStatus.QUEUED
        return JobStatus.FAILED

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

    @contextmanager
    def _login_lock(self, account_id: int, lost: threading.Event) -> Iterator[None]:
        """The account's lock around one login (one login at a time per account, every
        worker); a lock lost meanwhile (not renewed) marks the run untrusted."""
        with account_lock(self.redis, account_id,
                          lease_seconds=self.settings.lease_seconds) as held:
            try:
                yield
            finally:
                if held.lost.is_set():
                    lost.set()
        if held.lost.is_set():
            lost.set()

    def _event(self, run_id: str, event: str, *, kill: bool = False) -> None:
        with session_scope(self.engine) as session:
            repo.add_run_event(session=session, run_id=run_id, event=event)
        if kill and event == self.settings.fault_kill_at:  # crash tests and the bench only
            log.warning("fault injection: killing this worker at %s", event)
            os.kill(os.getpid(), signal.SIGKILL)

    @contextmanager
    def _heartbeat(self, job_id: str, worker: str) -> Iterator[threading.Event]:
        stop = threading.Event()
        lost = threading.Event()

        def beat() -> None:
            while not stop.wait(self.settings.lease_seconds / 3):
                with session_scope(self.engine) as session:
                    if not repo.renew_lease(session=session, job_id=job_id, worker=worker,
                                            lease_seconds=self.settings.lease_seconds):
                        lost.set()
                        return

        thread = threading.Thread(target=beat, name=f"lease-{job_id[:8]}", daemon=True)
        thread.start()
        try:
            yield lost
        finally:
            stop.set()
            thread.join()


def _where(exc: BaseException) -> str:
    """The innermost frame of ``exc`` as file:line (function), without its message."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "site-packages" not in f.filename] or frames
    if not ours:
        return "?"
    last = ours[-1]
    return f"{Path(last.filename).name}:{last.lineno} ({last.name})"


_runner: JobRunner | None = None
_runner_lock = threading.Lock()


def current_runner() -> JobRunner:
    """The worker process's runner, built from settings on first use."""
    global _runner
    with _runner_lock:
        if _runner is None:
            from portals.settings import get_settings

            _runner = JobRunner(get_settings())
        return _runner
