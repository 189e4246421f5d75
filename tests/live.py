"""Serving an ASGI app with uvicorn in a thread (the one helper lives in :mod:`bench.live`)."""

from __future__ import annotations

from bench.live import serve

__all__ = ["serve"]
