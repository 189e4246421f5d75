"""``portals api``: serve the API and the staff web UI with uvicorn."""

from __future__ import annotations

import click
from pydantic import ValidationError

_WHY = {
    "PORTALS_ADMIN_TOKEN": "the bearer token every /v1 API call must send",
    "PORTALS_SECRET_KEY": "the Fernet key for secrets at rest; make one with "
    "`portals keys generate`",
}


@click.command("api")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def api(host: str, port: int, log_level: str) -> None:
    """Serve the /v1 API (bearer token) and the web UI (staff login)."""
    from api.app import create_app, missing_settings
    from portals.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"PORTALS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise click.ClickException(f"invalid settings: {problems}") from None
    missing = missing_settings(settings)
    if missing:
        raise click.ClickException(
            "refusing to start: set " + " and ".join(f"{name} ({_WHY[name]})" for name in missing)
        )
    import uvicorn

    from portals.logging_setup import configure_logging

    configure_logging(log_level)  # one root handler, with the secret-redacting filter
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False,
                log_config=None)
