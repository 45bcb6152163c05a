"""The HTML report as a person sees it in a real Chromium (Debian's, driven by Playwright): the few
pending items stay visible next to many auto ones, the histogram's legend counts what the tier chart
counts, `language` is in the coverage chart, and the tables sort by a click and never drop rows silently.
The warehouse is a copy of the demo warehouse (the real pipeline)."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.flow

VISIBLE_PX = 6  # a bar shorter than this is lost next to the axis line on a normal screen


@pytest.fixture
def report(demo_warehouse, tmp_path):
    from tasks.report_html import write_report

    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_warehouse.db_path, copy)
    return copy, write_report(copy, tmp_path / "report.html")


def tiers_in(db) -> dict[str, int]:
    from tasks.warehouse import connect

    with connect(db, migrate_schema=False) as con:
        return dict(
            con.execute(
                "SELECT coalesce(m.tier, 'unscored'), count(*) FROM abs_items i LEFT JOIN matches m "
                "USING (item_id) WHERE i.removed_at IS NULL GROUP BY 1"
            ).fetchall()
        )


def test_pending_bars_are_visible_and_the_legend_counts_what_the_tier_chart_counts(report, browser):
    db, out = report
    tiers = tiers_in(db)
    assert 0 < tiers["pending"] < tiers["auto"]
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    try:
        page.goto(out.resolve().as_uri())
        heights = page.eval_on_selector_all(
            "figure[data-chart='confidence histogram'] [id^='bar-pending-']",
            "gs => gs.map(g => g.getBoundingClientRect().height)",
        )
        assert heights and min(heights) >= VISIBLE_PX, heights
        legend, tier_chart, coverage = (
            page.eval_on_selector_all(
                f"figure[data-chart='{chart}'] text", "ts => ts.map(t => t.textContent)"
            )
            for chart in ("confidence histogram", "items by tier", "metadata coverage")
        )
    finally:
        page.close()
    for tier in ("auto", "pending", "reject"):
        if tiers.get(tier):
            assert f"{tier} ({tiers[tier]})" in legend, (tier, legend)
            assert str(tiers[tier]) in tier_chart, (tier, tier_chart)
    assert "language" in coverage


def test_a_table_sorts_by_a_click_on_its_column(report, browser):
    _, out = report
    page = browser.new_page()
    try:
        page.goto(out.resolve().as_uri())
        table = "table[data-table='series']"
        header = page.locator(f"{table} th", has_text="owned")
        column = [h.strip() for h in page.locator(f"{table} th").all_inner_texts()].index("owned")

        def owned() -> list[int]:
            cells = page.locator(f"{table} tbody tr td:nth-child({column + 1})").all_inner_texts()
            return [int(c) for c in cells]

        header.click()
        ascending = owned()
        header.click()
        descending = owned()
    finally:
        page.close()
    assert (
        len(ascending) > 1
        and ascending == sorted(ascending)
        and descending == sorted(ascending, reverse=True)
    )


def test_a_long_table_says_how_many_rows_it_shows_and_how_to_see_all(report, monkeypatch, tmp_path):
    import tasks.report_html as report_html

    db, _ = report
    monkeypatch.setattr(report_html, "TABLE_ROWS", 3)
    page = report_html.write_report(db, tmp_path / "short.html").read_text()
    series = page[page.index("data-table='series'") :]
    rows = re.search(r"(\d+) of (\d+) rows; all of them: <code>([^<]+)</code>", series)
    assert rows is not None
    from tasks.report import run_readonly_query

    every = run_readonly_query(db, "SELECT * FROM series_gaps", limit=0).rows
    assert (int(rows[1]), int(rows[2])) == (3, len(every)) and len(every) > 3
    assert "SELECT * FROM series_gaps" in rows[3]
    assert series[: series.index("</table>")].count("<tr>") == 1 + 3  # the header and three rows
