"""Logging a TestClient into the web UI the way a browser does: the login page first (its
CSRF token, bound to the pre-login cookie), then the form."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient


def page_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no csrf field on the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str,
          next: str | None = None) -> httpx.Response:
    """POST the login form with the login page's CSRF token; the response, unfollowed."""
    token = page_csrf(client.get("/login").text)
    data = {"username": username, "password": password, "csrf": token}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data, follow_redirects=False)


def logout(client: TestClient) -> httpx.Response:
    """Press "Log out" on a page (a POST with the session's CSRF token)."""
    token = page_csrf(client.get("/login").text)
    return client.post("/logout", data={"csrf": token}, follow_redirects=False)
