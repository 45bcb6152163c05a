"""Extract: the ABS catalogue → DuckDB (`abs_items`, `abs_audio_files`, `abs_files`, `item_evidence`).

The steps behind the `extract_abs` flow, a module each:

- `plan.plan_fetch()` compares ABS's id list (id + updatedAt) with `abs_items.updated_at`: only new and
  changed items, and items written to since they were read, are fetched in full (`full_refresh`
  fetches all); items gone from ABS get `removed_at`.
- `flatten.flatten_item()` checks one expanded item defensively (`validate`) and turns it into rows. A
  malformed item (no `media`, nulls inside lists, wrong types, overlong text, undecodable names) raises
  `MalformedItem` with the reason; the caller records one `errors` row (with the raw item) and goes on.
- `batch.prepare_batch()` parses one `batch/get` answer and builds its Arrow tables (`schema`), in a
  worker process when the run is big.
- `load.load_batch()` replaces the rows of a batch of items atomically (delete + Arrow bulk insert in one
  transaction); if the bulk insert fails it retries item by item so one bad row cannot sink a batch.
- `fetch.extract()` runs it all against an `AbsClient` and returns the summary dict (`summary`).
"""
