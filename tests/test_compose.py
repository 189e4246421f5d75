"""docker-compose.yml and the Dockerfile agree with the code: every service command is a
real ``portals`` subcommand with real options, every PORTALS_* variable is a setting."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from portals.cli import SUBCOMMANDS
from portals.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("api", "worker", "sandbox")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    services = compose["services"]
    assert isinstance(services, dict)
    return services


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _resolve(subcommand: str) -> click.Command:
    module_name, attr = SUBCOMMANDS[subcommand].split(":")
    command = getattr(importlib.import_module(module_name), attr)
    assert isinstance(command, click.Command), SUBCOMMANDS[subcommand]
    return command


def _option_names(command: click.Command) -> set[str]:
    return {opt for p in command.params if isinstance(p, click.Option)
            for opt in (*p.opts, *p.secondary_opts)}


def test_the_five_services_exist(services: dict[str, Any]) -> None:
    assert {"redis", "postgres", "api", "worker", "sandbox"} <= set(services)
    assert str(services["redis"]["image"]).startswith("redis:7")
    assert str(services["postgres"]["image"]).startswith("postgres:16")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_command_is_a_portals_subcommand_with_known_options(services: dict[str, Any],
                                                           name: str) -> None:
    words = _command(services[name])
    assert words[0] == "portals"
    assert words[1] in SUBCOMMANDS, f"{name}: no subcommand {words[1]!r}"
    command = _resolve(words[1])
    used = {w.split("=", 1)[0] for w in words[2:] if w.startswith("--")}
    unknown = used - _option_names(command)
    assert not unknown, f"{name}: {words[1]} has no option(s) {sorted(unknown)}"


def test_expected_commands(services: dict[str, Any]) -> None:
    assert _command(services["api"])[:2] == ["portals", "api"]
    assert _command(services["worker"])[:2] == ["portals", "worker"]
    assert _command(services["sandbox"])[:2] == ["portals", "sandbox"]
    api = _command(services["api"])
    assert api[api.index("--host") + 1] == "0.0.0.0"
    sandbox = _command(services["sandbox"])
    assert sandbox[sandbox.index("--host") + 1] == "0.0.0.0"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_are_built_from_the_dockerfile(services: dict[str, Any],
                                                    name: str) -> None:
    build = services[name]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile",
                                                                       "Dockerfile")
    assert (ROOT / context / dockerfile).is_file()


def test_dockerfile_uses_playwright_python_image_and_its_chromium() -> None:
    text = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM\s+(\S+)", text, re.MULTILINE)
    assert base is not None
    assert base.group(1).startswith("mcr.microsoft.com/playwright/python:v")
    version = re.search(r"^ARG PLAYWRIGHT_VERSION=(\S+)", text, re.MULTILINE)
    assert version is not None and version.group(1) == "1.55.0"
    assert "/ms-playwright/chromium-" in text
    assert re.search(r"PORTALS_BROWSER_PATH=\S+", text)
    assert "pip install" in text
    assert "playwright install" not in text  # the image already has the browsers


def _dockerfile_env_names() -> set[str]:
    text = (ROOT / "Dockerfile").read_text()
    return set(re.findall(r"\b(PORTALS_[A-Z_]+)=", text))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_portals_variable_is_a_setting(services: dict[str, Any], name: str) -> None:
    names = set(_env(services[name])) | _dockerfile_env_names()
    fields = {f"PORTALS_{field.upper()}" for field in Settings.model_fields}
    portals_vars = {n for n in names if n.startswith("PORTALS_")}
    assert portals_vars - fields == set()


@pytest.mark.parametrize("name", ("api", "worker"))
def test_api_and_worker_settings(services: dict[str, Any], name: str) -> None:
    env = _env(services[name])
    assert env["PORTALS_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["PORTALS_DATABASE_URL"]
    assert env["PORTALS_REDIS_URL"].startswith("redis://redis:6379")
    for secret in ("PORTALS_SECRET_KEY", "PORTALS_ADMIN_TOKEN"):
        assert re.fullmatch(r"\$\{" + secret + r":\?[^}]+\}", env[secret]), (
            f"{secret} must come from the environment and be required")
    assert any(str(v).endswith(":/data/artifacts") for v in services[name]["volumes"])
    depends = services[name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"


def test_database_url_matches_the_postgres_service(services: dict[str, Any]) -> None:
    pg = _env(services["postgres"])
    url = _env(services["api"])["PORTALS_DATABASE_URL"]
    assert url.startswith(f"postgresql+psycopg://{pg['POSTGRES_USER']}:")
    assert url.endswith(f"/{pg['POSTGRES_DB']}")
    assert pg["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:-")
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]


def test_artifacts_volume_is_declared(compose: dict[str, Any]) -> None:
    assert "artifacts" in compose["volumes"]


def test_the_web_ui_cookies_are_secure_in_compose(services: dict[str, Any]) -> None:
    """The compose deployment is served over HTTPS: its login cookies must say Secure."""
    assert str(_env(services["api"])["PORTALS_SECURE_COOKIES"]).lower() == "true"
