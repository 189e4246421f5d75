"""Keep secrets and live portal sessions out of artifacts: page HTML, traces (zip), text.

A Playwright trace records action parameters (the text typed into a password field),
network bodies (a login POST), request and response headers (``Cookie``, ``Set-Cookie``,
``Authorization``, CSRF headers), the cookie arrays of every request, the results of calls
such as ``context.cookies()``, and DOM snapshots with hidden inputs (CSRF tokens). Anyone
who can download a trace holding a portal's session cookie can open the portal logged in,
past its second factor. So before an artifact leaves the bot:

* every form (raw, URL-encoded, JSON- or HTML-escaped) of every account secret is replaced
  (:func:`redact`);
* :class:`Scrubber` also removes the session: header values by name, cookie arrays,
  localStorage/sessionStorage values, a recorded ``storageState``, query parameters named
  like tokens, hidden and token-named inputs and meta tags, JSON fields named like tokens,
  and then every occurrence of any value found that way, or handed in (the context's
  cookie and storage values), anywhere in the archive.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import json
import re
import zipfile
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = b"[REDACTED]"
_MASK = REDACTED.decode()
_MIN_SUBSTRING = 8
"""Session values shorter than this are replaced only where a whole string equals them:
replacing a short value everywhere would shred the artifact and protect nothing."""
_MIN_EXACT = 4
"""Shorter cookie or storage values ("1", "en") are flags, not sessions: left alone."""


def secret_forms(secret: str) -> set[bytes]:
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
    }
    return {f.encode() for f in forms if len(f) >= 4}


def redact(data: bytes, secrets: list[str]) -> bytes:
    """Replace every form of every secret in ``data``; zip archives are redacted inside."""
    if data[:4] == b"PK\x03\x04":
        return _redact_zip(data, secrets)
    for secret in secrets:
        for form in sorted(secret_forms(secret), key=len, reverse=True):
            data = data.replace(form, REDACTED)
    return data


def _redact_zip(data: bytes, secrets: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(
        out, "w", compression=zipfile.ZIP_DEFLATED
    ) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, redact(src.read(info), secrets))
    return out.getvalue()


def contains_secret(data: bytes, secrets: list[str]) -> bool:
    """True if any form of any secret is in ``data`` (zip members included)."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(contains_secret(archive.read(n), secrets) for n in archive.namelist())
    return any(form in data for s in secrets for form in secret_forms(s))


# -- what names a session ----------------------------------------------------------------

_SENSITIVE_PARTS = ("token", "csrf", "xsrf", "session", "sessid", "cookie", "secret",
                    "passw", "apikey", "nonce", "jwt", "bearer", "saml", "viewstate", "ticket",
                    "credential", "signature", "assertion")
_SENSITIVE_EXACT = frozenset({"auth", "sid", "sig", "otp", "authorization",
                              "proxyauthorization"})


def _flat(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@functools.lru_cache(maxsize=4096)
def sensitive_name(name: str) -> bool:
    """True for a header, cookie, field, storage or JSON key that may carry a session."""
    flat = _flat(name)
    return bool(flat) and (
        flat in _SENSITIVE_EXACT or any(part in flat for part in _SENSITIVE_PARTS)
        or ("auth" in flat and "author" not in flat) or flat.endswith("authorization")
        or flat.endswith("sid"))


@functools.lru_cache(maxsize=4096)
def sensitive_param(name: str) -> bool:
    """True for a URL query or form parameter that may carry a session or a one-time
    grant: named like a token, a session, ``sid``, ``code``, ``auth`` or ``state``."""
    flat = _flat(name)
    return sensitive_name(name) or flat == "state" or flat.endswith("code")


_QUERY_PARAM = re.compile(
    r"(?P<sep>[?&;#]|%3[Ff]|%26|^)(?P<name>[A-Za-z0-9_.\-\[\]]+)(?P<eq>=|%3[Dd])"
    r"(?P<value>(?:(?!%26)[^&#\s\"'<>;])*)")
_INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE | re.DOTALL)
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE | re.DOTALL)
_ATTR = r"""\b{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"""


def _attr(tag: str, name: str) -> str | None:
    match = re.search(_ATTR.format(name=name), tag, re.IGNORECASE)
    if match is None:
        return None
    return next(g for g in match.groups() if g is not None)


def _blank_attr(tag: str, name: str) -> str:
    return re.sub(_ATTR.format(name=name), f'{name}=""', tag, flags=re.IGNORECASE)


class Scrubber:
    """Removes account secrets and every trace of a portal session from artifacts.

    ``secrets`` (passwords, TOTP seeds, answers) are replaced in every encoded form.
    ``session_values`` (the context's cookie values, localStorage and sessionStorage
    values, those of the state the context was created with) are replaced wherever a whole
    string equals one, and everywhere as substrings when at least eight characters long;
    values found while scrubbing (a CSRF header, a token in a URL, a hidden token input)
    are added to them.
    """

    def __init__(self, secrets: Iterable[str], session_values: Iterable[str] = ()) -> None:
        self.secrets = [s for s in secrets if s]
        self.exact: set[str] = set()
        self._cached: list[bytes] | None = None
        for value in session_values:
            self._learn(value)

    # -- learning values --------------------------------------------------------------

    def _learn(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= _MIN_EXACT and _MASK not in value:
            for form in {value, _unquote_cookie(value)}:
                if len(form) >= _MIN_EXACT and form not in self.exact:
                    self.exact.add(form)
                    self._cached = None

    def _needles(self) -> list[bytes]:
        if self._cached is None:
            self._cached = self._forms()
        return self._cached

    def _forms(self) -> list[bytes]:
        forms: set[bytes] = set()
        for secret in self.secrets:
            forms |= secret_forms(secret)
            forms.add(secret.encode())
        for value in self.exact:
            if len(value) >= _MIN_SUBSTRING:
                forms |= secret_forms(value)
        return sorted(forms, key=len, reverse=True)

    def _learn_header(self, name: str, value: str) -> None:
        lower = name.lower()
        self._learn(value)
        if lower in ("cookie", "set-cookie"):
            for line in value.split("\n"):
                parts = line.split(";") if lower == "cookie" else line.split(";")[:1]
                for part in parts:
                    self._learn(part.partition("=")[2].strip())
        elif " " in value.strip():  # "Bearer <token>", "Basic <credentials>"
            self._learn(value.strip().rsplit(" ", 1)[-1])

    def _learn_text(self, text: str) -> None:
        for match in _QUERY_PARAM.finditer(text):
            if sensitive_param(match["name"]) and len(match["value"]) >= _MIN_SUBSTRING:
                self._learn(match["value"])
        for tag in _INPUT_TAG.findall(text):
            if sensitive_name(_attr(tag, "name") or "") or sensitive_name(_attr(tag, "id") or ""):
                self._learn(_attr(tag, "value"))
        for tag in _META_TAG.findall(text):
            if sensitive_name(_attr(tag, "name") or _attr(tag, "http-equiv") or ""):
                self._learn(_attr(tag, "content"))

    def _learn_json(self, node: Any, key: str = "") -> None:
        """Values of a trace event or a JSON body that may carry a session."""
        if isinstance(node, dict):
            if _sensitive_pair(node, key):
                name = str(node["name"])
                if key in ("headers", "allHeaders"):
                    self._learn_header(name, str(node["value"]))
                else:
                    self._learn(node["value"])
            for k, v in node.items():
                if k in ("cookies", "localStorage", "sessionStorage") and isinstance(v, list):
                    for item in v:
                        if isinstance(item, dict):
                            self._learn(item.get("value"))
                elif k in ("headers", "extraHTTPHeaders") and isinstance(v, dict):
                    for hk, hv in v.items():
                        if sensitive_name(hk) and isinstance(hv, str):
                            self._learn_header(hk, hv)
                elif key == "body" and isinstance(v, str) and sensitive_name(k):
                    self._learn(v)
                self._learn_json(v, k if key != "body" else "body")
        elif isinstance(node, list):
            if _is_element(node):
                self._learn_element(node)
            for item in node:
                self._learn_json(item, key)
        elif isinstance(node, str):
            self._learn_text(node)

    def _learn_element(self, node: list[Any]) -> None:
        attrs: dict[str, Any] = node[1]
        tag = str(node[0]).upper()
        if tag == "INPUT" and (sensitive_name(str(attrs.get("name", "")))
                               or sensitive_name(str(attrs.get("id", "")))):
            self._learn(attrs.get("value"))
            self._learn(attrs.get("__playwright_value_"))
        if tag == "META" and sensitive_name(str(attrs.get("name") or
                                                attrs.get("http-equiv") or "")):
            self._learn(attrs.get("content"))

    # -- rewriting --------------------------------------------------------------------

    def text(self, text: str) -> str:
        """``text`` without secrets, known session values or token query parameters."""
        if text in self.exact:
            return _MASK
        data = text.encode("utf-8", "surrogatepass")
        for needle in self._needles():
            if needle in data:
                data = data.replace(needle, REDACTED)
        text = data.decode("utf-8", "surrogatepass")
        return _QUERY_PARAM.sub(
            lambda m: (f"{m['sep']}{m['name']}{m['eq']}{_MASK}"
                       if sensitive_param(m["name"]) and m["value"] else m[0]), text)

    def html(self, data: bytes) -> bytes:
        """Page HTML without secrets, session values, token inputs or token meta tags."""
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return self._bytes(data)
        self._learn_text(text)
        return self._html_text(text).encode()

    def _html_text(self, text: str) -> str:
        def inp(match: re.Match[str]) -> str:
            tag = match[0]
            kind = (_attr(tag, "type") or "").lower()
            if kind in ("hidden", "password") or sensitive_name(_attr(tag, "name") or ""):
                tag = _blank_attr(tag, "value")
            return tag

        def meta(match: re.Match[str]) -> str:
            tag = match[0]
            if sensitive_name(_attr(tag, "name") or _attr(tag, "http-equiv") or ""):
                tag = _blank_attr(tag, "content")
            return tag

        text = _INPUT_TAG.sub(inp, text)
        text = _META_TAG.sub(meta, text)
        return self.text(text)

    def trace(self, data: bytes) -> bytes:
        """A Playwright trace zip with every entry scrubbed (see the module docstring)."""
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            entries = [(info, src.read(info)) for info in src.infolist()]
        for info, content in entries:  # first learn every session value in the archive
            self._learn_entry(info.filename, content)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info, content in entries:
                dst.writestr(info.filename, self._entry(info.filename, content))
        return out.getvalue()

    def _learn_entry(self, name: str, content: bytes) -> None:
        if _is_json_lines(name):
            for line in content.decode(errors="replace").splitlines():
                try:
                    self._learn_json(json.loads(line))
                except ValueError:
                    self._learn_text(line)
            return
        try:
            text = content.decode()
        except UnicodeDecodeError:
            return
        self._learn_text(text)
        with contextlib.suppress(ValueError):
            self._learn_json(json.loads(text), "body")

    def _entry(self, name: str, content: bytes) -> bytes:
        if _is_json_lines(name):
            lines = []
            for line in content.decode(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    lines.append(self.text(line))
                    continue
                lines.append(json.dumps(self._json(event), separators=(",", ":")))
            return ("\n".join(lines) + "\n").encode() if lines else b""
        try:
            text = content.decode()
        except UnicodeDecodeError:
            return self._bytes(content)
        try:
            body = json.loads(text)
        except ValueError:
            return self._html_text(text).encode()
        if isinstance(body, dict | list):
            return json.dumps(self._json(body, "body")).encode()
        return self.text(text).encode()

    def _bytes(self, data: bytes) -> bytes:
        for needle in self._needles():
            data = data.replace(needle, REDACTED)
        return data

    def _json(self, node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            blank_value = _sensitive_pair(node, key)
            for k, v in node.items():
                if k == "storageState":
                    out[k] = _MASK
                elif k in ("cookies", "localStorage", "sessionStorage") and isinstance(v, list):
                    out[k] = [_masked(item, "value") for item in v]
                elif k in ("headers", "extraHTTPHeaders") and isinstance(v, dict):
                    out[k] = {hk: _MASK if sensitive_name(hk) else self._json(hv, k)
                              for hk, hv in v.items()}
                elif (k == "value" and blank_value) or (
                        key == "body" and sensitive_name(k) and isinstance(v, str)):
                    out[k] = _MASK
                else:
                    out[k] = self._json(v, "body" if key == "body" else k)
            return out
        if isinstance(node, list):
            if _is_element(node):
                node = self._element(node)
            return [self._json(item, key) for item in node]
        if isinstance(node, str):
            return self.text(node)
        return node

    def _element(self, node: list[Any]) -> list[Any]:
        """A DOM snapshot element ``[TAG, {attrs}, ...children]`` without token values."""
        attrs = dict(node[1])
        tag = str(node[0]).upper()
        if tag == "INPUT" and (str(attrs.get("type", "")).lower() in ("hidden", "password")
                               or sensitive_name(str(attrs.get("name", "")))):
            for attr in ("value", "__playwright_value_"):
                if attrs.get(attr):
                    attrs[attr] = _MASK
        if tag == "META" and sensitive_name(str(attrs.get("name") or
                                                attrs.get("http-equiv") or "")):
            attrs["content"] = _MASK
        return [node[0], attrs, *node[2:]]


def _sensitive_pair(node: dict[str, Any], container: str) -> bool:
    """A ``{"name": ..., "value": ...}`` item (a header, query or form parameter, an
    attribute) whose name may carry a session."""
    name = node.get("name")
    if not isinstance(name, str) or "value" not in node:
        return False
    if container in ("queryString", "params"):
        return sensitive_param(name)
    return sensitive_name(name)


def _masked(item: Any, field: str) -> Any:
    if isinstance(item, dict) and field in item:
        return {**item, field: _MASK}
    return item


def _is_element(node: list[Any]) -> bool:
    return (len(node) >= 2 and isinstance(node[0], str) and node[0].isupper()
            and isinstance(node[1], dict))


def _is_json_lines(name: str) -> bool:
    return name.endswith((".trace", ".network"))


def _unquote_cookie(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def scrub_trace(data: bytes, secrets: Iterable[str], session_values: Iterable[str] = ()
                ) -> bytes:
    """A Playwright trace zip without secrets or session (see :class:`Scrubber`)."""
    return Scrubber(secrets, session_values).trace(data)


def scrub_html(data: bytes, secrets: Iterable[str], session_values: Iterable[str] = ()
               ) -> bytes:
    """Page HTML without secrets or session (see :class:`Scrubber`)."""
    return Scrubber(secrets, session_values).html(data)


def storage_state_values(state: dict[str, Any] | None) -> list[str]:
    """Every cookie and localStorage value of a Playwright ``storage_state``."""
    if not state:
        return []
    values = [str(c.get("value", "")) for c in state.get("cookies") or []]
    for origin in state.get("origins") or []:
        values += [str(i.get("value", "")) for i in origin.get("localStorage") or []]
    return [v for v in values if v]
