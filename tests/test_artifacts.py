"""tasks.artifacts outside a Prefect run: the markdown is right and nothing needs an API."""

from __future__ import annotations

from tasks.artifacts import artifact_key, markdown_table, progress, publish_summary, publish_table


def test_a_pipe_or_newline_in_a_value_cannot_break_the_markdown_table():
    text = markdown_table([{"title": "A | B\nC", "n": 1}])
    assert text.splitlines() == ["| title | n |", "|---|---|", "| A \\| B C | 1 |"]


def test_summary_lists_counts_sections_and_notes_and_skips_nested_values():
    md = publish_summary(
        "Sync Summary", "sync", {"auto": 3, "nested": {"x": 1}}, {"Errors by kind": {"http_429": 2}}, ["note"]
    )
    assert "| auto | 3 |" in md and "nested" not in md
    assert "## Errors by kind" in md and "| http_429 | 2 |" in md and md.rstrip().endswith("note")


def test_keys_are_made_valid_for_prefect():
    assert artifact_key("Sync Summary_2") == "sync-summary-2"


def test_tables_and_progress_work_without_a_prefect_run():
    assert publish_table("t", [{"when": None, "list": ["a", "b"], "x": 0.123456}]) == [
        {"when": None, "list": "a, b", "x": 0.1235}
    ]
    with progress(4, "steps") as bar:
        for _ in range(4):
            bar.advance()
    assert bar.percent == 100.0


def test_progress_with_a_total_learnt_later_starts_at_zero_and_nothing_to_do_is_done():
    with progress(None, "items") as bar:
        assert bar.percent == 0.0  # not known yet is not finished
        bar.update(0, 8)
        bar.update(6, 8)
        assert bar.percent == 75.0
    with progress(None, "items") as empty:
        empty.update(0, 0)
    assert empty.percent == 100.0
