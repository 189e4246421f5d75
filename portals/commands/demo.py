"""``portals demo``: everything on embedded defaults, in one command.

Starts the sandbox portals, an embedded Redis (unless PORTALS_REDIS_URL is set), a
worker, and the API with the web UI on 127.0.0.1:PORT; seeds each sandbox carrier's
front-desk account and a staff login; points the sandbox's SMS/e-mail gateway at the
API's one-time-code inbox; queues one sample check per carrier; prints the URL and login.
Ctrl-C stops everything it started.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from portals.settings import Settings, get_settings


def _secret_file(path: Path, make: str) -> str:
    """A value kept in a 0600 file under the data dir, made once."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make)
    path.chmod(0o600)
    return make


def prepare_environment(data_dir: Path) -> Settings:
    """Fill in embedded defaults for every setting left unset, in this process's
    environment so the worker it starts shares them."""
    from storage.crypto import Vault

    env = os.environ
    env.setdefault("PORTALS_DATA_DIR", str(data_dir))
    if not env.get("PORTALS_SECRET_KEY"):
        env["PORTALS_SECRET_KEY"] = _secret_file(data_dir / "secret.key", Vault.generate_key())
    if not env.get("PORTALS_INBOX_SECRET"):
        env["PORTALS_INBOX_SECRET"] = _secret_file(data_dir / "inbox.secret",
                                                   secrets.token_urlsafe(32))
    if not env.get("PORTALS_ADMIN_TOKEN"):
        env["PORTALS_ADMIN_TOKEN"] = _secret_file(data_dir / "admin.token",
                                                  secrets.token_urlsafe(32))
    if not env.get("PORTALS_REDIS_URL"):
        from portals.redis_local import embedded_redis_url

        env["PORTALS_REDIS_URL"] = embedded_redis_url(data_dir)
    get_settings.cache_clear()
    return get_settings()


def seed(settings: Settings, portal_urls: dict[str, str]) -> tuple[str, str]:
    """A front-desk account per sandbox carrier, in our database and in the (fresh, in-memory)
    sandbox portal, and a fresh staff password; returns the staff login."""
    from bots.registry import registry
    from fixtures.sandbox import carriers as sandbox
    from fixtures.sandbox.server import SandboxControl
    from portals.access import ALL_ROLES
    from storage.crypto import Vault
    from storage.db import create_schema, make_engine, session_scope
    from storage.users import create_user, get_user, set_password, set_roles

    assert settings.secret_key is not None
    vault = Vault(settings.secret_key)
    engine = make_engine(settings.resolved_database_url)
    create_schema(engine)
    password = secrets.token_urlsafe(12)
    with session_scope(engine) as session:
        for carrier, url in portal_urls.items():
            if carrier not in registry:
                continue
            fields = _demo_account(session, vault, carrier, sandbox.get(carrier))
            with SandboxControl(url) as control:
                control.add_account(**fields)
        # the demo's one login holds every role, so every page can be tried
        if set_password(session=session, username="frontdesk", password=password):
            user = get_user(session=session, username="frontdesk")
            assert user is not None
            set_roles(session=session, user=user, roles=ALL_ROLES)
        else:
            create_user(session=session, username="frontdesk", password=password,
                        roles=ALL_ROLES)
    engine.dispose()
    return "frontdesk", password


def _demo_account(session: Any, vault: Any, carrier: str, portal: Any) -> dict[str, Any]:
    """The stored account's fields, or a new account stored now."""
    from pydantic import SecretStr

    from storage import repo

    stored = repo.list_accounts(session=session, carrier=carrier)
    if stored:
        account = stored[0]
        fields: dict[str, Any] = {
            "username": vault.decrypt_str(account.username_enc),
            "password": vault.decrypt_str(account.password_enc),
        }
        if account.totp_secret_enc:
            fields["totp_secret"] = vault.decrypt_str(account.totp_secret_enc)
        if account.mfa_recipient:
            fields["email" if "@" in account.mfa_recipient else "phone"] = account.mfa_recipient
        extra = vault.decrypt_json(account.extra_enc) if account.extra_enc else {}
        answers = {k[9:]: v for k, v in extra.items() if k.startswith("security:")}
        if answers:
            fields["security_answers"] = answers
        return fields
    fields = portal.new_account(f"demo.{carrier}", secrets.token_urlsafe(18))
    totp = fields.get("totp_secret")
    repo.create_account(
        session=session, vault=vault, carrier=carrier, label=f"Sandbox {portal.display_name}",
        username=fields["username"], password=SecretStr(fields["password"]),
        totp_secret=SecretStr(totp) if totp else None,
        extra={f"security:{q}": SecretStr(a)
               for q, a in (fields.get("security_answers") or {}).items()} or None,
        mfa_recipient=fields.get("phone") or fields.get("email"),
    )
    return dict(fields)


@click.command("demo")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port of the API and web UI on 127.0.0.1.")
@click.option("--data-dir", default="var", show_default=True, type=click.Path(path_type=Path),
              help="Where the SQLite file, keys, embedded Redis and artifacts live.")
@click.option("--sample/--no-sample", default=True, help="Queue one sample check at start.")
def demo(port: int, data_dir: Path, sample: bool) -> None:
    """Run the sandbox, a worker, the API and the web UI on embedded defaults."""
    import uvicorn

    from api.app import create_app
    from bots.registry import registry
    from fixtures.sandbox.server import SandboxControl, serve_all_in_background
    from portals.logging_setup import configure_logging

    configure_logging()
    settings = prepare_environment(data_dir.resolve())
    sandbox = serve_all_in_background(settings.sandbox_host, settings.sandbox_port)
    # the demo (only the demo) points every carrier without a configured URL at its sandbox
    urls = {**sandbox.urls, **settings.carrier_urls}
    os.environ["PORTALS_CARRIER_URLS"] = json.dumps(urls)  # the worker inherits it
    settings = settings.model_copy(update={"carrier_urls": urls})
    username, password = seed(settings, sandbox.urls)
    worker = subprocess.Popen(  # the worker inherits the embedded defaults through env
        [sys.executable, "-m", "portals.cli", "worker", "--processes", "1", "--threads", "2"]
    )
    app = create_app(settings)
    inbox = f"http://127.0.0.1:{port}/v1/inbox/codes"
    for carrier_url in sandbox.urls.values():
        assert settings.inbox_secret is not None
        SandboxControl(carrier_url).set_knobs(
            code_webhook_url=inbox, code_webhook_secret=settings.inbox_secret.get_secret_value())
    if sample:
        _queue_samples(settings, [c for c in sandbox.urls if c in registry])
    url = f"http://127.0.0.1:{port}"
    click.echo("\nPortals demo is running")
    click.echo(f"  web UI:    {url}/   (login: {username} / {password})")
    click.echo(f"  API docs:  {url}/docs   (Authorization: Bearer <{data_dir}/admin.token>)")
    for carrier, carrier_url in sandbox.urls.items():
        click.echo(f"  sandbox:   {carrier} at {carrier_url}")
    click.echo("  Ctrl-C stops everything.\n")
    try:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        sandbox.stop()
        if not os.environ.get("PORTALS_REDIS_URL", "").startswith("redis://127.0.0.1:6379"):
            from portals.redis_local import stop_embedded_redis

            stop_embedded_redis(settings.data_dir)


def _queue_samples(settings: Settings, carriers: list[str]) -> None:
    """One lookup of each carrier's first sandbox member, so the UI has something to show."""
    from fixtures.sandbox.expected import members
    from portals.model import EligibilityRequest
    from storage import repo
    from storage.db import make_engine, session_scope
    from workflows.broker import setup_broker
    from workflows.dispatch import send_job

    setup_broker(settings)
    engine = make_engine(settings.resolved_database_url)
    for carrier in carriers:
        first = members(carrier)[0]
        request = EligibilityRequest.model_validate({
            "carrier": carrier, "member_id": first["member_id"],
            "last_name": first["last_name"], "first_name": first["first_name"],
            "date_of_birth": first["date_of_birth"],
        })
        with session_scope(engine) as session:
            check = repo.create_job(session=session, request=request, origin="demo")
        send_job(check.id)
    engine.dispose()
