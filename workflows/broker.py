"""Dramatiq broker set-up, done once per process at start-up (never at import)."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from portals.settings import Settings

_configured: dict[str, RedisBroker] = {}


def redis_url_for(settings: Settings) -> str:
    """The Redis URL to use: the configured one, or the embedded Redis (started on demand)."""
    if settings.redis_url:
        return settings.redis_url
    from portals.redis_local import embedded_redis_url

    return embedded_redis_url(settings.data_dir)


def setup_broker(settings: Settings) -> RedisBroker:
    """Make a Redis broker the global Dramatiq broker and declare our actors on it."""
    url = redis_url_for(settings)
    broker = _configured.get(url)
    if broker is None:
        broker = RedisBroker(url=url, heartbeat_timeout=settings.broker_heartbeat_ms)
        _configured[url] = broker
    dramatiq.set_broker(broker)
    from workflows import actors

    actors.declare(broker)
    return broker
