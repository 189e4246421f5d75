"""bots.redact.Scrubber on hand-made traces and pages: every place a Playwright trace can
hold a portal session is emptied, and what a person needs to debug a failure stays."""

from __future__ import annotations

import io
import json
import zipfile

from bots.redact import Scrubber, scrub_html, sensitive_name, sensitive_param, storage_state_values

PASSWORD = "correct horse battery"
SESSION = "sess-9f8e7d6c5b4a39281706"
BEARER = "eyJhbGciOiJIUzI1NiJ9.payload.sig"
CSRF = "csrf-5a4b3c2d1e0f9a8b7c6d"
LOCAL = "local-storage-token-123456"
SESSION_STORAGE = "session-storage-value-654321"
AUTH_CODE = "oauth-code-abcdef123456"
STATE = "oauth-state-7777777777"
SHORT_FLAG = "1"
INITIAL = "initial-state-cookie-00000"
ALL = [PASSWORD, SESSION, BEARER, CSRF, LOCAL, SESSION_STORAGE, AUTH_CODE, STATE, INITIAL]


def _lines(*events: object) -> str:
    return "\n".join(json.dumps(e) for e in events) + "\n"


def _trace() -> bytes:
    trace = _lines(
        {"type": "context-options", "options": {
            "viewport": {"width": 1280, "height": 900},
            "storageState": {"cookies": [{"name": "S", "value": INITIAL}], "origins": []},
            "extraHTTPHeaders": [{"name": "Authorization", "value": f"Bearer {BEARER}"}]}},
        {"type": "before", "callId": "c1", "method": "fill",
         "params": {"selector": "#password", "value": PASSWORD}},
        {"type": "before", "callId": "c2", "method": "goto",
         "params": {"url": f"https://portal.test/cb?code={AUTH_CODE}&state={STATE}&page=2"}},
        {"type": "log", "callId": "c2",
         "message": f'navigating to "https://portal.test/cb?code={AUTH_CODE}&page=2"'},
        {"type": "after", "callId": "c3", "result": {
            "cookies": [{"name": "consent", "value": SHORT_FLAG},
                        {"name": "PORTAL_SESSION", "value": SESSION}],
            "origins": [{"origin": "https://portal.test", "localStorage": [
                {"name": "app.csrf", "value": LOCAL}]}]}},
        {"type": "frame-snapshot", "snapshot": {"html": [
            "HTML", {}, ["HEAD", {}, ["META", {"name": "csrf-token", "content": CSRF}]],
            ["BODY", {}, ["H1", {}, "Member Jane Testpatient"],
             ["INPUT", {"type": "hidden", "name": "__RequestVerificationToken",
                        "value": CSRF, "__playwright_value_": CSRF}],
             ["INPUT", {"type": "text", "name": "member_id", "value": "M123",
                        "__playwright_value_": "M123"}],
             ["SCRIPT", {}, f"window.boot = {{token: '{LOCAL}'}}"]]]}},
    )
    network = _lines({"type": "resource-snapshot", "snapshot": {
        "request": {
            "url": f"https://portal.test/api/search?session_id={SESSION}&q=smith",
            "cookies": [{"name": "PORTAL_SESSION", "value": SESSION}],
            "headers": [{"name": "Accept", "value": "application/json"},
                        {"name": "Cookie", "value": f"PORTAL_SESSION={SESSION}; consent=1"},
                        {"name": "Authorization", "value": f"Bearer {BEARER}"},
                        {"name": "X-CSRF-Token", "value": CSRF}],
            "queryString": [{"name": "session_id", "value": SESSION},
                            {"name": "q", "value": "smith"}],
            "postData": {"mimeType": "application/x-www-form-urlencoded",
                         "text": f"username=fd&password={PASSWORD}&code={AUTH_CODE}",
                         "params": [{"name": "code", "value": AUTH_CODE}]}},
        "response": {
            "headers": [{"name": "Set-Cookie",
                         "value": f"PORTAL_SESSION={SESSION}; Path=/; HttpOnly"},
                        {"name": "Content-Type", "value": "application/json"}],
            "cookies": [{"name": "PORTAL_SESSION", "value": SESSION}],
            "content": {"_sha1": "body.json"}}}})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("trace.trace", trace)
        archive.writestr("trace.network", network)
        archive.writestr("resources/body.json", json.dumps(
            {"accessToken": BEARER, "member": {"name": "Jane Testpatient"},
             "storage": SESSION_STORAGE}))
        archive.writestr("resources/page.html",
                         f'<a href="/next?sid={SESSION}&tab=2">next</a><p>{SESSION_STORAGE}</p>')
        archive.writestr("resources/pixel.png", b"\x89PNG\r\n\x1a\n" + SESSION.encode())
    return out.getvalue()


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_session_value_leaves_the_trace() -> None:
    # given the values the runtime collects from the context (cookies, storage) and its
    # initial state; the CSRF token and the OAuth code it must find on its own
    scrubber = Scrubber([PASSWORD], [SESSION, SHORT_FLAG, SESSION_STORAGE, INITIAL])
    files = _files(scrubber.trace(_trace()))
    for name, data in files.items():
        for value in ALL:
            assert value.encode() not in data, (name, value)
    # JSON lines stay JSON lines, and what a person debugs with stays
    events = [json.loads(line) for line in files["trace.trace"].decode().splitlines()]
    assert events[0]["options"]["storageState"] == "[REDACTED]"
    assert events[0]["options"]["viewport"] == {"width": 1280, "height": 900}
    assert "page=2" in events[2]["params"]["url"]
    text = files["trace.trace"].decode()
    assert "Member Jane Testpatient" in text and "M123" in text
    network = json.loads(files["trace.network"])["snapshot"]["request"]
    headers = {h["name"]: h["value"] for h in network["headers"]}
    assert headers == {"Accept": "application/json", "Cookie": "[REDACTED]",
                       "Authorization": "[REDACTED]", "X-CSRF-Token": "[REDACTED]"}
    assert {q["name"]: q["value"] for q in network["queryString"]} == {
        "session_id": "[REDACTED]", "q": "smith"}
    assert "q=smith" in network["url"]
    body = json.loads(files["resources/body.json"])
    assert body["accessToken"] == "[REDACTED]" and body["member"]["name"] == "Jane Testpatient"


def test_page_html_loses_hidden_inputs_token_meta_and_session_values() -> None:
    page = (f'<meta name="csrf-token" content="{CSRF}">'
            f'<form action="/login?state={STATE}"><input type=hidden name=nonce value={CSRF}>'
            f"<input type='hidden' name='view' value='{SESSION_STORAGE}'>"
            f'<input name="member" value="M123"></form><p>cookie {SESSION}</p>')
    out = scrub_html(page.encode(), [PASSWORD], [SESSION]).decode()
    for value in (CSRF, STATE, SESSION_STORAGE, SESSION):
        assert value not in out
    assert 'value="M123"' in out and 'name="csrf-token"' in out


def test_names_that_carry_sessions() -> None:
    for name in ("Cookie", "Set-Cookie", "Authorization", "Proxy-Authorization", "X-NW-CSRF",
                 "X-XSRF-TOKEN", "JSESSIONID", "PHPSESSID", "access_token", "sid", "x-api-key",
                 "WWW-Authenticate", "__RequestVerificationToken", "SAMLResponse"):
        assert sensitive_name(name), name
    for name in ("Accept", "Content-Type", "member_id", "prior_authorizations", "author",
                 "last_name", "assessment"):
        assert not sensitive_name(name), name
    for name in ("code", "state", "auth_code", "token", "session"):
        assert sensitive_param(name), name
    assert not sensitive_param("page")


def test_storage_state_values() -> None:
    state = {"cookies": [{"name": "a", "value": "1"}, {"name": "b", "value": ""}],
             "origins": [{"origin": "x", "localStorage": [{"name": "k", "value": "v"}]}]}
    assert storage_state_values(state) == ["1", "v"]
    assert storage_state_values(None) == []
