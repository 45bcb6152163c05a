"""A Hardcover GraphQL API emulator (aiohttp + graphql-core) that enforces the real rules.

Every request is parsed and validated against the real schema (`emulators/data/hardcover/schema.graphql`),
costs one request per top-level field (aliases included), and goes through the Free plan's
buckets: burst 10 refilled at 60/min, and 5,000/day. Over 5 root fields or a second `search` →
403; an empty bucket → 429 with `Retry-After`; rejected requests still count. Every response
carries `RateLimit-Policy` and `RateLimit` headers, so a client can learn the limits instead of
hard-coding them. Faults (429 storms, 5xx bursts, slow responses, a low daily cap) are injected
on request; `request_log` records what happened so tests can count. Cover images (`image { url }` of
books and editions) are served, like Hardcover's image CDN, at `/covers/<books|editions>/<id>.png` on
the emulator's own address: small deterministic PNGs (emulators/cover_images.py), no auth, no budget.

Modules: `server` (the endpoint, its limits and faults), `resolvers` (fields answered from the
tables), `tables` (the database), `where` (Hasura's filters and ordering), `search` (the
`search` field's documents, arguments and errors), `typesense` (Typesense's matching and ranking),
`__main__` (`python -m emulators.hardcover`).
"""

from emulators.hardcover.server import (
    MAX_ROOT_FIELDS,
    SCHEMA_PATH,
    HardcoverEmulator,
    Limits,
    LogEntry,
    load_schema,
    root_fields,
    run_hardcover_emulator,
)

__all__ = [
    "MAX_ROOT_FIELDS",
    "SCHEMA_PATH",
    "HardcoverEmulator",
    "Limits",
    "LogEntry",
    "load_schema",
    "root_fields",
    "run_hardcover_emulator",
]
