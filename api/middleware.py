"""Pure ASGI middleware: a request body size limit, a sanity check of every request
(NUL bytes, malformed headers, absurd JSON), and security headers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import field_name

MAX_BODY_BYTES = 64 * 1024
"""No check request or form comes near this; a larger body is refused with 413."""

_CSP = (
    "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")

MAX_HEADER_BYTES = 8 * 1024
"""No header a browser, the SMS gateway or an API client sends comes near this."""
MAX_HEADERS_BYTES = 32 * 1024
MAX_JSON_DEPTH = 32
"""Our deepest body (a prior-authorization request) nests four levels."""
_JSON_TYPES = ("application/json",)
_FORM_TYPE = "application/x-www-form-urlencoded"
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodySizeLimit:
    """Refuse bodies over ``limit`` bytes, by Content-Length or while streaming.

    POSTs to ``upload_paths`` (clinical documents) may be as large as ``upload_limit()``
    says, asked per request: what the most generous carrier's portal takes."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES,
                 upload_paths: Collection[str] = (),
                 upload_limit: Callable[[], int] | None = None,
                 file_paths: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.upload_paths = frozenset(upload_paths)
        self.upload_limit = upload_limit
        self.file_paths = dict(file_paths or {})
        """Other POST routes taking a file, each with its own limit (CSV imports)."""

    def limit_for(self, scope: Scope) -> int:
        if scope.get("method") != "POST":
            return self.limit
        if self.upload_limit is not None and scope.get("path") in self.upload_paths:
            return max(self.limit, self.upload_limit())
        return max(self.limit, self.file_paths.get(scope.get("path", ""), 0))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = True
                if too_big:
                    await self._refuse(send, limit)
                    return
        # Read the whole body first, so a chunked upload cannot slip past.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        payload = json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


class SecurityHeaders:
    """No caching of pages holding PHI, no sniffing, no framing, a strict CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        is_docs = path.startswith(_DOCS_PATHS)
        is_static = path.startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY")]
                if not is_docs:
                    extra.append((b"content-security-policy", _CSP.encode()))
                if not is_static:
                    extra.append((b"cache-control", b"no-store"))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestRefused(Exception):
    """What :class:`RequestSanity` answers instead of passing the request on."""

    def __init__(self, status: int, loc: tuple[str | int, ...], msg: str, kind: str) -> None:
        super().__init__(msg)
        self.status, self.loc, self.msg, self.kind = status, loc, msg, kind

    def payload(self) -> bytes:
        if self.status == 422:  # the shape of every other 422 (api.errors)
            return json.dumps({"detail": [{"loc": list(self.loc), "field": field_name(self.loc),
                                           "msg": self.msg, "type": self.kind}]}).encode()
        return json.dumps({"detail": self.msg}).encode()


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in ``body`` (strings skipped), without parsing
    it: Python's parser recurses, so a deep enough body must be refused before it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _unstorable(text: str) -> bool:
    return "\x00" in text or _SURROGATE.search(text) is not None


def nul_at(value: Any, loc: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where a parsed JSON value first holds a NUL or a lone surrogate (``"\\ud800"`` is
    valid JSON), in a string or a key, or None. PostgreSQL can store neither."""
    if isinstance(value, str):
        return loc if _unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            # a key holding one is named by the object it is in: never echo a NUL back
            found = loc if _unstorable(key) else nul_at(item, loc + (key,))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_at(item, loc + (index,))
            if found is not None:
                return found
    return None


def check_head(scope: Scope) -> None:
    """Path, API query string and headers: NUL bytes, control characters, huge headers.
    Other non-ASCII header values pass: each route refuses them its own way (the inbox's
    signature with 401, an Idempotency-Key with 422)."""
    path: str = scope.get("path", "")
    raw_path: bytes = scope.get("raw_path") or path.encode("utf-8", "replace")
    if "\x00" in path or b"%00" in raw_path.lower():  # no id holds one: nothing is there
        raise RequestRefused(404, ("path",), "Not Found", "nul_byte")
    query: bytes = scope.get("query_string", b"")
    # the API's parameters are refused with a 422; pages ignore a junk filter themselves
    if path.startswith("/v1/") and (b"\x00" in query or b"%00" in query.lower()):
        raise RequestRefused(422, ("query",), "NUL byte in the query string", "nul_byte")
    total = 0
    for name, value in scope.get("headers", []):
        total += len(name) + len(value)
        label = name.decode("latin-1")
        if len(value) > MAX_HEADER_BYTES or total > MAX_HEADERS_BYTES:
            raise RequestRefused(400, ("header", label), "header too large", "header_size")
        if any(b < 0x20 and b != 0x09 or b == 0x7F for b in value):
            raise RequestRefused(400, ("header", label),
                                 "control character in a header", "header_value")


def content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


def body_checked(kind: str) -> bool:
    """JSON (FastAPI reads a body without a content type as JSON too) and form bodies;
    uploads stream past untouched."""
    return kind in ("", _FORM_TYPE) or kind in _JSON_TYPES or kind.endswith("+json")


def check_body(scope: Scope, body: bytes) -> None:
    """JSON bodies: valid, nested at most ``MAX_JSON_DEPTH`` deep, with no NUL; form
    bodies: no NUL."""
    kind = content_type(scope)
    if not body:
        return
    if kind != _FORM_TYPE:
        if json_depth(body) > MAX_JSON_DEPTH:
            raise RequestRefused(422, ("body",), f"JSON nested deeper than {MAX_JSON_DEPTH}",
                                 "json_depth")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            if not kind:  # not said to be JSON: the route decides what it is
                return
            raise RequestRefused(422, ("body",), "is not valid JSON", "json_invalid") from None
        where = nul_at(data)
        if where is not None:
            raise RequestRefused(422, ("body", *where), "NUL character or lone surrogate "
                                 "in a string", "nul_byte")
    elif b"\x00" in body or b"%00" in body.lower():
        raise RequestRefused(422, ("body",), "NUL byte in the form", "nul_byte")


class RequestSanity:
    """Refuse, before any route or the database sees it, what would otherwise crash the
    server: NUL bytes in the path, query, JSON or form bodies (PostgreSQL refuses NUL in
    text), control characters in headers, huge headers, JSON nested deep enough to exhaust
    the parser's recursion. Sits inside :class:`BodySizeLimit`, so the body is bounded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_head(scope)
        except RequestRefused as refused:
            await _answer(send, refused)
            return
        if not body_checked(content_type(scope)):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            check_body(scope, body)
        except RequestRefused as refused:
            await _answer(send, refused)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _answer(send: Send, refused: RequestRefused) -> None:
    payload = refused.payload()
    await send({"type": "http.response.start", "status": refused.status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
