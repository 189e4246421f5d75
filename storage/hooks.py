"""What a job's end means beyond the job: hooks run in the transaction that records it.

The runner and the retry service call :func:`job_finished` and :func:`job_requeued` for
every job without knowing its kind. A module that keeps an entity over jobs (prior
authorization requests, :mod:`storage.prior_auths`) registers for its kinds with
:func:`on_job_finished` / :func:`on_job_requeued`; a module that follows every job
(webhooks, :mod:`storage.webhooks`) registers with :func:`on_any_job_finished`. Several
modules may listen to one kind: the kind's hooks run first, in the order they were
registered, then the any-kind listeners (which so see what the kind's hooks recorded).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlmodel import Session

from storage.models import Job

Hook = Callable[[Session, Job], None]

_FINISHED: dict[str, list[Hook]] = {}
_REQUEUED: dict[str, list[Hook]] = {}
_ANY_FINISHED: list[Hook] = []
_MODULES = ("storage.prior_auths", "storage.webhooks")


def _add(hooks: list[Hook], hook: Hook) -> None:
    if hook not in hooks:  # a module imported twice registers once
        hooks.append(hook)


def on_job_finished(kind: str) -> Callable[[Hook], Hook]:
    def register(hook: Hook) -> Hook:
        _add(_FINISHED.setdefault(kind, []), hook)
        return hook
    return register


def on_job_requeued(kind: str) -> Callable[[Hook], Hook]:
    def register(hook: Hook) -> Hook:
        _add(_REQUEUED.setdefault(kind, []), hook)
        return hook
    return register


def on_any_job_finished(hook: Hook) -> Hook:
    """Register ``hook`` for every finished job, whatever its kind."""
    _add(_ANY_FINISHED, hook)
    return hook


def _load() -> None:
    for module in _MODULES:
        importlib.import_module(module)


def job_finished(session: Session, job: Job) -> None:
    """``job`` reached a finished status (its result, if any, is already added)."""
    _load()
    hooks = [*_FINISHED.get(job.kind, []), *_ANY_FINISHED]
    if hooks:
        session.flush()
    for hook in hooks:
        hook(session, job)


def job_requeued(session: Session, job: Job) -> None:
    """A person sent ``job`` back to the queue."""
    _load()
    for hook in _REQUEUED.get(job.kind, []):
        hook(session, job)
