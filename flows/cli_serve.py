"""`shelfmatch serve`: the review page and the ABS custom metadata provider, on 127.0.0.1 by default."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from flows.cli_options import DbOption
from tasks.settings import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tasks.settings import Settings
    from tasks.web.security import Security

console = Console()
err_console = Console(stderr=True)


def build_app(db: str | None = None, token: str | None = None) -> tuple[FastAPI, Settings, Security]:
    """The app with the writeback/rollback flows wired in; the token is the user's or a new random one."""
    from flows.rollback import rollback
    from flows.writeback import writeback
    from tasks.warehouse import connect
    from tasks.web.app import Runners, create_app
    from tasks.web.security import Security, new_token

    settings = get_settings(duckdb_path=db)
    with connect(settings.duckdb_path):  # apply pending migrations once; requests skip them
        pass
    security = Security(
        token or settings.serve_token.get_secret_value() or new_token(),
        settings.provider_key.get_secret_value() or None,
    )
    return create_app(settings, security, Runners(writeback=writeback, rollback=rollback)), settings, security


def serve(
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on (beyond loopback: needs SHELFMATCH_SERVE_TOKEN)"),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8765,
    db: DbOption = None,
) -> None:
    """The review page (queue, item, plan, history) and the ABS custom metadata provider at /abs."""
    import uvicorn

    from tasks.warehouse import WarehouseLocked
    from tasks.web.security import check_bind

    settings = get_settings(duckdb_path=db)
    try:
        check_bind(host, settings.serve_token.get_secret_value() or None)
        app, settings, security = build_app(db)
    except (ValueError, WarehouseLocked) as exc:
        err_console.print(f"[red]{exc}[/red]", soft_wrap=True, highlight=False)
        raise typer.Exit(2 if isinstance(exc, ValueError) else 1) from exc
    shown = "[::1]" if host == "::1" else host
    console.print(f"shelfmatch review page on {settings.duckdb_path}:", highlight=False)
    console.print(f"    http://{shown}:{port}/?token={security.token}", highlight=False, soft_wrap=True)
    if security.provider_key:
        console.print(
            f"ABS custom metadata provider: http://{shown}:{port}/abs (Authorization: SHELFMATCH_PROVIDER_KEY); "
            f"for the Match dialog's manual search also http://{shown}:{port}/abs/browse",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print("ABS provider off: set SHELFMATCH_PROVIDER_KEY to enable /abs.", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
