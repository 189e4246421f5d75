"""Apps made in one process share their routes (built once) and nothing else: each answers
with its own settings, token and database."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from portals.settings import Settings
from tests.api.factories import make_check

URL = "/v1/eligibility-checks"


def _other(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={
        "data_dir": tmp_path / "other",
        "database_url": f"sqlite:///{tmp_path / 'other.sqlite3'}",
        "admin_token": SecretStr("other-admin-token-" + uuid.uuid4().hex),
    })


def test_two_apps_share_routes_but_answer_from_their_own_state(
    api_settings: Settings, tmp_path: Path
) -> None:
    first, second = create_app(api_settings), create_app(_other(api_settings, tmp_path))
    try:
        shared = [r for r in first.router.routes if r in second.router.routes]
        assert len(shared) >= 10  # the included routers, built once
        job_id = make_check(first.state.engine)
        tokens = {app: app.state.settings.admin_token.get_secret_value()
                  for app in (first, second)}
        assert tokens[first] != tokens[second]
        with TestClient(first) as one, TestClient(second) as two:
            own = {"Authorization": f"Bearer {tokens[first]}"}
            theirs = {"Authorization": f"Bearer {tokens[second]}"}
            assert one.get(f"{URL}/{job_id}", headers=own).status_code == 200
            assert one.get(f"{URL}/{job_id}", headers=theirs).status_code == 401
            assert two.get(f"{URL}/{job_id}", headers=theirs).status_code == 404
            assert two.get(f"{URL}/{job_id}", headers=own).status_code == 401
            assert two.get(URL, headers=theirs).json()["items"] == []
    finally:
        first.state.engine.dispose()
        second.state.engine.dispose()
