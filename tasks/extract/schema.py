"""The Arrow schemas a prepared batch is built in: the columns of the warehouse's extract tables."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

SERIES_TYPE = pa.list_(pa.struct([("name", pa.string()), ("sequence", pa.string())]))
# The Arrow type of every extract column: a column name means the same in every table that has it.
_TYPES: dict[pa.DataType, str] = {
    pa.string(): "item_id library_id folder_id book_id ino path rel_path title subtitle published_year "
    "published_date publisher description isbn asin language cover_path raw run_id filename ext format codec "
    "mime_type meta_tags file_type source field value rule",
    pa.bool_(): "is_file explicit abridged is_missing is_invalid exclude is_supplementary",
    pa.list_(pa.string()): "authors narrators genres tags",
    SERIES_TYPE: "series",
    pa.float64(): "duration",
    pa.int64(): "size added_at updated_at bit_rate",
    pa.int32(): "num_audio_files idx ordinal",
    pa.timestamp("us"): "removed_at extracted_at",
}
_TYPE = {name: dtype for dtype, names in _TYPES.items() for name in names.split()}


def _schema(columns: str) -> pa.Schema:
    """A table's schema: its columns in the warehouse table's order, each with its type."""
    return pa.schema([(name, _TYPE[name]) for name in columns.split()])


ITEM_SCHEMA = _schema(
    "item_id library_id folder_id book_id ino path rel_path is_file title subtitle authors narrators series "
    "genres tags published_year published_date publisher description isbn asin language explicit abridged "
    "duration size num_audio_files cover_path added_at updated_at is_missing is_invalid removed_at raw "
    "extracted_at run_id"
)
AUDIO_SCHEMA = _schema(
    "item_id ino idx filename ext path rel_path size duration format codec bit_rate mime_type exclude meta_tags"
)
FILE_SCHEMA = _schema("item_id ino filename ext path rel_path size file_type is_supplementary")
EVIDENCE_SCHEMA = _schema("item_id source field value ordinal rule run_id")


def table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)
