"""How every `shelfmatch` command runs: one line for an expected failure, logs to a file, Prefect's API.

- An expected failure (`ShelfmatchError`: a setting, a server, a file) is one red line and exit 1.
  Its traceback, and every log record, go to the log file (`SHELFMATCH_LOG_FILE`); `--debug`
  shows them on the terminal too. Anything else is a bug and keeps its traceback.
- The terminal shows shelfmatch's own warnings as one line each; Prefect's records (a failed
  flow's traceback, state changes) go only to the log file.
- A command that runs flows gets a Prefect API: PREFECT_API_URL when set, else a local one that
  this process starts (waiting `SHELFMATCH_PREFECT_STARTUP_TIMEOUT_SECONDS`) and that dies with it,
  even on kill -9 (Linux: the parent-death signal).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer._click import Context as ClickContext  # typer's vendored click, which TyperGroup takes
from typer.core import TyperGroup

from tasks.errors import ShelfmatchError

log = logging.getLogger("shelfmatch.cli")
# Commands that run Prefect flows (and so need its API).
FLOW_COMMANDS = {"extract", "score", "sync", "writeback", "rollback", "demo"}
# The credentials a command cannot start without: checked before a Prefect API starts (tens of seconds)
# and before the warehouse file is created, so a run that cannot start says so at once and leaves nothing.
CREDENTIALS = {"sync": ("abs", "hardcover"), "extract": ("abs",)}


class PrefectUnavailable(ShelfmatchError):
    """The local Prefect API did not start."""


class NotConfigured(ShelfmatchError):
    """A command needs a credential that is not set."""


def expected(exc: BaseException) -> ShelfmatchError | None:
    """The expected failure behind `exc` (itself, or what it was explicitly raised from), if any.

    Only `raise ... from` links count: a bug raised while handling an expected failure stays a bug."""
    seen = 0
    link: BaseException | None = exc
    while link is not None and seen < 10:
        if isinstance(link, ShelfmatchError):
            return link
        link = link.__cause__
        seen += 1
    return None


class ShelfmatchGroup(TyperGroup):
    """The command group: sets up logging and Prefect around a command, turns expected failures into one line."""

    def invoke(self, ctx: ClickContext) -> Any:
        debug = bool(ctx.params.get("debug"))
        args = [*ctx._protected_args, *ctx.args]
        command = args[0] if args else None
        if "--help" in args[1:]:
            command = None  # help needs no settings, credentials or Prefect API
        try:
            with runtime(debug, command):
                return super().invoke(ctx)
        # typer's own (vendored click) exceptions: the standalone click package's are never raised here.
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            found = expected(exc)
            if found is None:
                raise
            log.error("%s failed: %s", command or "shelfmatch", found, exc_info=exc)
            console = Console(stderr=True)
            if debug:
                console.print_exception()
            console.print(f"[red]✗[/red] {escape(str(found))}", soft_wrap=True, highlight=False)
            raise typer.Exit(1) from None


@contextlib.contextmanager
def runtime(debug: bool, command: str | None) -> Iterator[None]:
    from tasks.settings import SettingsInvalid, get_settings

    try:
        settings, invalid = get_settings(), None
    except SettingsInvalid as exc:
        settings, invalid = None, exc
    log_file = settings.log_path if settings else fallback_log_path()
    timeout = math.ceil(settings.prefect_startup_timeout_seconds) if settings else 90
    prefect_defaults(timeout)
    route_logs(log_file, debug)
    if invalid is not None and command not in ("doctor", None):  # doctor reports it as its first check
        raise invalid
    if settings is not None and command in CREDENTIALS:
        missing = settings.missing_credentials(*CREDENTIALS[command])
        if missing:
            raise NotConfigured(f"{command} cannot start: " + "; ".join(missing))
    if command in FLOW_COMMANDS and settings is not None:
        with prefect_api(timeout):
            yield
    else:
        yield


def fallback_log_path() -> Path:
    """Where the log goes when the settings cannot be read: the variables that place it, if they are set."""
    from tasks.settings import Settings

    if os.environ.get("SHELFMATCH_LOG_FILE"):
        return Path(os.environ["SHELFMATCH_LOG_FILE"])
    db = os.environ.get("SHELFMATCH_DUCKDB_PATH") or str(Settings.model_fields["duckdb_path"].default)
    return Path(db).parent / "shelfmatch.log"


# Prefect 3.8 phones home from two places: the API server's heartbeat (PREFECT_SERVER_ANALYTICS_ENABLED;
# offline it logs an ERROR "Failed to send telemetry") and the SDK's usage events on import (DO_NOT_TRACK);
# orchestration telemetry is a Cloud setting. A command line that talks to the user's own servers
# sends none of them — the local API it starts inherits this environment.
NO_TELEMETRY = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
}


def no_telemetry() -> None:
    """Turn Prefect's telemetry off in this process; call it before Prefect is imported (Prefect reads its
    settings once, on import)."""
    os.environ.update(NO_TELEMETRY)


def prefect_defaults(startup_timeout: int) -> None:
    """Before Prefect is imported: no telemetry, quiet logs, and the one start-up timeout (for any
    local API Prefect starts by itself, e.g. to read a Secret block)."""
    no_telemetry()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = str(startup_timeout)


# --- logs ------------------------------------------------------------------------------------------


# The handlers' names must not start with "_": Prefect replaces root handlers it takes for its own.
class TerminalHandler(logging.Handler):
    """shelfmatch's own warnings, one line each, on the current stderr (never a traceback)."""

    def __init__(self, debug: bool) -> None:
        super().__init__(logging.DEBUG if debug else logging.WARNING)
        self.debug = debug

    def emit(self, record: logging.LogRecord) -> None:
        if not self.debug and record.name.split(".")[0] in (
            "prefect",
            "uvicorn",
            "fastapi",
            "httpx",
            "shelfmatch",
        ):
            return  # Prefect's records, and the failure the command prints itself: the log file only
        try:
            text = record.getMessage()
            if self.debug and record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            sys.stderr.write(f"{record.levelname.lower()}: {text}\n")
        except Exception:  # a log line must never fail the command
            self.handleError(record)


class LogFileHandler(logging.FileHandler):
    """Everything, with tracebacks."""


def route_logs(log_file: Path, debug: bool) -> None:
    """Root handlers: the log file and the terminal. Installed before Prefect's, so Prefect keeps them."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, TerminalHandler | LogFileHandler):
            root.removeHandler(handler)
            handler.close()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler | None = LogFileHandler(log_file, encoding="utf-8", delay=True)
    except OSError:
        file_handler = None
    if file_handler is not None:
        file_handler.setLevel(logging.DEBUG if debug else logging.INFO)
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(file_handler)
    terminal = TerminalHandler(debug)
    terminal.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(terminal)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    if "prefect" in sys.modules:
        quiet_prefect_console(file_handler, debug)


def quiet_prefect_console(file_handler: logging.Handler | None, debug: bool) -> None:
    """Prefect's stream handlers (its console, its internal debug stream) go to the log file instead."""
    if debug:
        return
    from prefect.logging.handlers import PrefectConsoleHandler

    for name in ("", "prefect", "prefect._internal", "uvicorn", "fastapi"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, PrefectConsoleHandler) or type(handler).__name__ == "_SafeStreamHandler":
                logger.removeHandler(handler)
                if file_handler is not None and not logger.propagate:
                    logger.addHandler(file_handler)


# --- Prefect's API -----------------------------------------------------------------------------------


@contextlib.contextmanager
def prefect_api(timeout: int) -> Iterator[None]:
    """PREFECT_API_URL when set; else a local API started here, stopped on exit, killed with this process."""
    import prefect  # noqa: F401 — logging set up by Prefect, then rerouted below
    from prefect.settings import PREFECT_API_URL, temporary_settings

    root = logging.getLogger()
    quiet_prefect_console(next((h for h in root.handlers if isinstance(h, LogFileHandler)), None), False)
    if PREFECT_API_URL.value():
        yield
        return
    server = _ChildServer()
    try:
        server.start(timeout=timeout)
    except Exception as exc:
        server.stop()
        raise PrefectUnavailable(
            f"Prefect's local API did not start within {timeout}s — the machine may be busy: raise "
            "SHELFMATCH_PREFECT_STARTUP_TIMEOUT_SECONDS, or set PREFECT_API_URL to a running Prefect server"
        ) from exc
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            try:
                yield
            finally:
                flush_prefect_logs()
    finally:
        server.stop()


def flush_prefect_logs() -> None:
    """Send the records Prefect still holds for its API before the API stops (it would say it could not)."""
    from prefect.logging.handlers import APILogWorker

    with contextlib.suppress(Exception):
        APILogWorker.drain_all(timeout=5)


def _die_with_parent() -> None:  # pragma: no cover — runs in the child between fork and exec
    """Linux: the child gets SIGTERM when the process that started it dies (kill -9 included)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _server_class() -> type:
    from prefect.server.api.server import SubprocessASGIServer

    class ChildServer(SubprocessASGIServer):
        """Prefect's temporary API server, started as a child that dies with this process."""

        def _run_uvicorn_command(self) -> subprocess.Popen[bytes]:
            # The command and environment of Prefect 3.8's SubprocessASGIServer, plus the death signal.
            import prefect
            from prefect.settings import get_current_settings

            return subprocess.Popen(
                args=[
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(prefect.__module_path__.parent),
                    "--factory",
                    "prefect.server.api.server:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "error",
                    "--lifespan",
                    "on",
                ],
                env={
                    **os.environ,
                    "PREFECT_UI_ENABLED": "0",
                    "PREFECT__SERVER_EPHEMERAL": "1",
                    "PREFECT__SERVER_FINAL": "1",
                    **get_current_settings().to_environment_variables(exclude_unset=True),
                },
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                # What the server prints (a traceback when it cannot start) belongs in the log file.
                stdout=_child_output(),
                stderr=subprocess.STDOUT,
            )

    return ChildServer


def _child_output() -> Any:
    """The log file (appended to), or nowhere when there is none."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LogFileHandler):
            with contextlib.suppress(OSError):
                Path(handler.baseFilename).parent.mkdir(parents=True, exist_ok=True)
                return open(handler.baseFilename, "ab")  # noqa: SIM115 — the child keeps it open
    return subprocess.DEVNULL


def _ChildServer() -> Any:  # noqa: N802 — built lazily: importing Prefect's server is slow
    return _server_class()()
