"""The Playwright trace viewer, served by our own app behind the staff login.

A failed run's trace holds the patient's pages; opening it on trace.playwright.dev (or
any viewer elsewhere) would hand it to a third party's page. The viewer's static files
ship inside the Playwright package: we serve them from there, under ``/runs/trace-viewer/``,
with a CSP that allows nothing but our own origin (its files load no fonts, analytics or
scripts from elsewhere; the CSP makes sure). The viewer's service worker then fetches the
trace zip from our audited artifact route with the staff member's cookie.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import Response

from api.deps import StaffUser

router = APIRouter(tags=["ui"])

PREFIX = "/runs/trace-viewer"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "worker-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'self'; "
       "form-action 'none'; frame-ancestors 'self'")
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html",
          ".svg": "image/svg+xml", ".ttf": "font/ttf",
          ".webmanifest": "application/manifest+json"}


def viewer_dir() -> Path | None:
    """The viewer's files in the installed Playwright package (None if it has none)."""
    try:
        import playwright
    except ImportError:  # pragma: no cover - Playwright is a dependency of the bots
        return None
    found = Path(playwright.__file__).parent / "driver/package/lib/vite/traceViewer"
    return found if (found / "index.html").is_file() else None


def viewer_url(trace_url: str) -> str:
    """Where the viewer opens ``trace_url`` (a path of ours, fetched by its worker)."""
    return f"{PREFIX}/index.html?trace={quote(trace_url, safe='/')}"


@router.get(PREFIX + "/{path:path}", response_class=Response)
def viewer_file(path: str, user: StaffUser) -> Response:
    """One of the viewer's files; nothing outside its folder, nothing without a login."""
    base = viewer_dir()
    if base is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the trace viewer is not installed")
    target = (base / (path or "index.html")).resolve()
    if "\x00" in path or not target.is_relative_to(base.resolve()) or not target.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
    media = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] \
        or "application/octet-stream"
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Response(target.read_bytes(), media_type=media, headers={
        "Content-Security-Policy": CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "private, no-store",
    })
