"""The Arrow schemas a prepared batch is built in: the columns of the warehouse's extract tables."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

SERIES_TYPE = pa.list_(pa.struct([("name", pa.string()), ("sequence", pa.string())]))
ITEM_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("library_id", pa.string()),
        ("folder_id", pa.string()),
        ("book_id", pa.string()),
        ("ino", pa.string()),
        ("path", pa.string()),
        ("rel_path", pa.string()),
        ("is_file", pa.bool_()),
        ("title", pa.string()),
        ("subtitle", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("narrators", pa.list_(pa.string())),
        ("series", SERIES_TYPE),
        ("genres", pa.list_(pa.string())),
        ("tags", pa.list_(pa.string())),
        ("published_year", pa.string()),
        ("published_date", pa.string()),
        ("publisher", pa.string()),
        ("description", pa.string()),
        ("isbn", pa.string()),
        ("asin", pa.string()),
        ("language", pa.string()),
        ("explicit", pa.bool_()),
        ("abridged", pa.bool_()),
        ("duration", pa.float64()),
        ("size", pa.int64()),
        ("num_audio_files", pa.int32()),
        ("cover_path", pa.string()),
        ("added_at", pa.int64()),
        ("updated_at", pa.int64()),
        ("is_missing", pa.bool_()),
        ("is_invalid", pa.bool_()),
        ("removed_at", pa.timestamp("us")),
        ("raw", pa.string()),
        ("extracted_at", pa.timestamp("us")),
        ("run_id", pa.string()),
    ]
)
AUDIO_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("ino", pa.string()),
        ("idx", pa.int32()),
        ("filename", pa.string()),
        ("ext", pa.string()),
        ("path", pa.string()),
        ("rel_path", pa.string()),
        ("size", pa.int64()),
        ("duration", pa.float64()),
        ("format", pa.string()),
        ("codec", pa.string()),
        ("bit_rate", pa.int64()),
        ("mime_type", pa.string()),
        ("exclude", pa.bool_()),
        ("meta_tags", pa.string()),
    ]
)
FILE_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("ino", pa.string()),
        ("filename", pa.string()),
        ("ext", pa.string()),
        ("path", pa.string()),
        ("rel_path", pa.string()),
        ("size", pa.int64()),
        ("file_type", pa.string()),
        ("is_supplementary", pa.bool_()),
    ]
)
EVIDENCE_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("source", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("ordinal", pa.int32()),
        ("rule", pa.string()),
        ("run_id", pa.string()),
    ]
)


def table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)
