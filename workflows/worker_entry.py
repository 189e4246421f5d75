"""The module Dramatiq's worker imports: it sets the broker up from the environment.

Only ``portals worker`` (through ``dramatiq workflows.worker_entry``) imports this.
"""

from __future__ import annotations

from portals.logging_setup import configure_logging
from portals.settings import get_settings
from workflows.broker import setup_broker
from workflows.middleware import PortalsWorkerMiddleware

settings = get_settings()
configure_logging(settings.log_level)
broker = setup_broker(settings)
broker.add_middleware(PortalsWorkerMiddleware())
