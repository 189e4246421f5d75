"""Worker-process behaviour as Dramatiq middleware: the recovery loop per process, account
affinity (the process's own queue, :mod:`workflows.affinity`) and the process's browser,
closed when the worker stops."""

from __future__ import annotations

from typing import Any

from dramatiq import Middleware

from workflows.recovery import RecoveryLoop
from workflows.webhook_dispatch import WebhookDispatchLoop


class PortalsWorkerMiddleware(Middleware):
    def __init__(self) -> None:
        self._loop: RecoveryLoop | None = None
        self._webhooks: WebhookDispatchLoop | None = None

    def before_worker_boot(self, broker: Any, worker: Any) -> None:
        """Account affinity, before the worker's threads take any job (after the boot,
        the first jobs would already run without holding their accounts): this process's
        own queue, where the jobs of the accounts it holds come to it. It is added to the
        worker's --queues list first, or it would not be consumed; the worker adds a
        consumer for every queue declared before it starts."""
        from workflows.runner import current_runner

        queue = current_runner().hold_accounts()
        whitelist = getattr(worker, "consumer_whitelist", None)
        if whitelist:
            whitelist.add(queue)
        broker.declare_queue(queue)

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        """Start sweeping for checks a dead worker left behind."""
        from workflows.runner import current_runner

        runner = current_runner()
        self._loop = RecoveryLoop(runner.engine, runner.settings)
        self._loop.start()
        self._webhooks = WebhookDispatchLoop(runner.engine, runner.settings, runner.worker_id)
        self._webhooks.start()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        """Stop the sweep."""
        if self._loop is not None:
            self._loop.stop()
        if self._webhooks is not None:
            self._webhooks.stop()

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        """Close the process's browser, once its worker threads have stopped."""
        from workflows.runner import current_runner

        current_runner().close_browser()
