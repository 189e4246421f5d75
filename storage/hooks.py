"""What a job's end means beyond the job: hooks by kind, run in the transaction that
records it.

The runner and the retry service call :func:`job_finished` and :func:`job_requeued` for
every job without knowing its kind; a module that keeps an entity over jobs (prior
authorization requests, :mod:`storage.prior_auths`) registers for its kinds with
:func:`on_job_finished` / :func:`on_job_requeued`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlmodel import Session

from storage.models import Job

Hook = Callable[[Session, Job], None]

_FINISHED: dict[str, Hook] = {}
_REQUEUED: dict[str, Hook] = {}
_MODULES = ("storage.prior_auths",)


def on_job_finished(kind: str) -> Callable[[Hook], Hook]:
    def register(hook: Hook) -> Hook:
        _FINISHED[kind] = hook
        return hook
    return register


def on_job_requeued(kind: str) -> Callable[[Hook], Hook]:
    def register(hook: Hook) -> Hook:
        _REQUEUED[kind] = hook
        return hook
    return register


def _load() -> None:
    for module in _MODULES:
        importlib.import_module(module)


def job_finished(session: Session, job: Job) -> None:
    """``job`` reached a finished status (its result, if any, is already added)."""
    _load()
    hook = _FINISHED.get(job.kind)
    if hook is not None:
        session.flush()
        hook(session, job)


def job_requeued(session: Session, job: Job) -> None:
    """A person sent ``job`` back to the queue."""
    _load()
    hook = _REQUEUED.get(job.kind)
    if hook is not None:
        hook(session, job)
