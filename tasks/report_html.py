"""`shelfmatch report`: one self-contained HTML page about the warehouse — items by tier, how sure the
matches are, metadata coverage before and after the planned writes, and the tables to act on.

Charts are inline SVG (matplotlib, text kept as text), so the page is crisp at any zoom and each bar can
be found in the page. The tier chart and the confidence histogram count the same rows (one query), so
their numbers agree. Tables show every row up to `TABLE_ROWS` and say "N of M" (with the SQL that
lists them all) beyond; a few lines of script make them sortable by clicking a column's header.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.report import _text
from tasks.warehouse import fetch_dicts, load_sql, now, open_connection

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from tasks.settings import Settings

TIER_ORDER = ("auto", "pending", "reject", "waiting", "unscored")
SCORED = ("auto", "pending", "reject")
TIER_COLOURS = {
    "auto": "#2e7d32",
    "pending": "#f9a825",
    "reject": "#c62828",
    "waiting": "#1565c0",
    "unscored": "#9e9e9e",
}
TABLE_ROWS = 200


def _svg(fig: Figure) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none"}):  # text stays text: searchable, selectable
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # no XML prologue inside HTML


def tier_counts(items: list[dict[str, Any]]) -> dict[str, int]:
    """Items per tier, in the tiers' order (the one count both charts show)."""
    counts = Counter(r["tier"] for r in items)
    return {t: counts[t] for t in TIER_ORDER if counts[t]}


def _tier_chart(tiers: dict[str, int]) -> str:
    import matplotlib.pyplot as plt

    order = list(tiers)
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(order) + 1.0))
    bars = ax.barh(order, [tiers[t] for t in order], color=[TIER_COLOURS[t] for t in order])
    for tier, bar in zip(order, bars, strict=True):
        bar.set_gid(f"tier-{tier}")
    ax.bar_label(bars, padding=3)
    ax.invert_yaxis()
    ax.set_xlabel("items")
    ax.set_title("Items by match tier")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _confidence_chart(items: list[dict[str, Any]], tiers: dict[str, int], auto: float, pending: float) -> str:
    """Per tier, how many items sit at each confidence (bins of 0.025), on a log scale: the few pending
    items next to thousands of auto ones stay visible."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.container import BarContainer

    fig, ax = plt.subplots(figsize=(7, 3.2))
    bins = np.linspace(0, 1, 41)
    for tier in SCORED:
        values = [r["confidence"] or 0.0 for r in items if r["tier"] == tier]
        if not values:
            continue
        _, _, patches = ax.hist(
            values,
            bins=bins.tolist(),
            color=TIER_COLOURS[tier],
            label=f"{tier} ({tiers.get(tier, 0)})",
            alpha=0.85,
        )
        # One data set and the default histtype: the patches are one BarContainer of Rectangles.
        assert isinstance(patches, BarContainer)
        for i, patch in enumerate(p for p in patches if p.get_height() > 0):
            patch.set_gid(f"bar-{tier}-{i}")
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.7)
    top = ax.get_ylim()[1]
    for x, label in ((pending, "pending ≥"), (auto, "auto ≥")):
        ax.axvline(x, color="#424242", linestyle="--", linewidth=1)
        ax.text(x, top * 0.8, f" {label} {x:.2f}", fontsize=8, va="top")
    ax.set_xlabel("confidence of the best candidate")
    ax.set_ylabel("items (log scale)")
    ax.set_title("How sure is each match?")
    ax.legend(frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _coverage_chart(rows: list[dict[str, Any]]) -> str:
    import matplotlib.pyplot as plt
    import numpy as np

    fields = [r["field"] for r in rows]
    before = [100.0 * r["before"] / r["items"] if r["items"] else 0 for r in rows]
    after = [100.0 * r["after"] / r["items"] if r["items"] else 0 for r in rows]
    y = np.arange(len(fields))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(fields) + 1.2))
    ax.barh(y - 0.2, before, height=0.4, color="#90a4ae", label="in ABS now")
    ax.barh(y + 0.2, after, height=0.4, color="#1565c0", label="after the planned writes")
    ax.set_yticks(y, fields)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of items with a value")
    ax.set_title("Metadata coverage, before and after")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _html_table(rows: list[dict[str, Any]], name: str, all_of_them: str) -> str:
    """A sortable table of the first TABLE_ROWS rows; beyond, it says how many and how to see them all."""
    if not rows:
        return "<p class='none'>none</p>"
    cols = list(rows[0].keys())
    head = "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if isinstance(r[c], int | float) else ''}>{html.escape(_text(r[c]))}</td>"
            for c in cols
        )
        + "</tr>"
        for r in rows[:TABLE_ROWS]
    )
    shown = (
        f"{min(len(rows), TABLE_ROWS)} of {len(rows)} rows; all of them: <code>{html.escape(all_of_them)}</code>"
        if len(rows) > TABLE_ROWS
        else f"{len(rows)} rows"
    )
    return (
        f"<table class='sortable' data-table='{html.escape(name)}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table><p class='rows'>{shown} · click a column to sort</p>"
    )


# Progressive: without script the tables are plain tables; with it, a header click sorts by that column
# (numbers as numbers), a second click reverses.
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.tabIndex = 0;
    function sort() {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var down = th.getAttribute('aria-sort') === 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', down ? 'descending' : 'ascending');
      function key(row) {
        var text = row.cells[col].textContent, n = parseFloat(text);
        return text !== '' && !isNaN(n) && isFinite(text) ? n : text.toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), c = x < y ? -1 : x > y ? 1 : 0;
        return down ? -c : c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
  });
});
"""

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#212121}"
    "figure{margin:1em 0}figure svg{max-width:100%;height:auto}"
    "table{border-collapse:collapse;font-size:13px}"
    "td,th{border-bottom:1px solid #e0e0e0;padding:4px 8px;text-align:left}td.num{text-align:right}"
    "th{cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:' ▲'}"
    "th[aria-sort=descending]::after{content:' ▼'}.meta,.hint,.none,.rows{color:#757575}.rows{font-size:12px}"
)


def report_data(db_path: Path | str) -> dict[str, Any]:
    """Everything the report shows, read on a read-only connection (a running sync only blocks the read)."""
    con = open_connection(db_path, read_only=True)
    try:
        return {
            name: fetch_dicts(con, load_sql(query))
            for name, query in (
                ("items", "report_items"),
                ("coverage", "report_field_coverage"),
                ("queue", "report_review_queue"),
                ("issues", "report_issue_counts"),
                ("series_gaps", "report_series_gaps"),
                ("runs", "report_runs"),
            )
        }
    finally:
        con.close()


def write_report(db_path: Path | str, out: Path | str, settings: Settings | None = None) -> Path:
    """Write a self-contained HTML report (SVG charts inline) and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    from tasks.settings import get_settings

    settings = settings or get_settings()
    data = report_data(db_path)
    tiers = tier_counts(data["items"])
    total = sum(tiers.values())
    parts = [
        f"<h1>shelfmatch report</h1><p class='meta'>{html.escape(str(db_path))} · {total} items · "
        f"generated {now():%Y-%m-%d %H:%M} UTC</p>"
    ]
    if total:
        parts.append(f"<figure data-chart='items by tier'>{_tier_chart(tiers)}</figure>")
    if any(r["tier"] in SCORED for r in data["items"]):
        chart = _confidence_chart(data["items"], tiers, settings.auto_threshold, settings.pending_threshold)
        parts.append(
            f"<figure data-chart='confidence histogram'>{chart}<figcaption class='hint'>auto: confidence ≥ "
            f"{settings.auto_threshold} and no cap; pending: {settings.pending_threshold}–{settings.auto_threshold}, "
            "or any confidence a cap holds back (capped_by), or a weaker match that agrees on the title, "
            "author or an identifier; reject: nothing plausible.</figcaption></figure>"
        )
    if data["coverage"]:
        parts.append(f"<figure data-chart='metadata coverage'>{_coverage_chart(data['coverage'])}</figure>")
    parts += [
        "<h2>Review next</h2>",
        _html_table(data["queue"], "review", 'shelfmatch sql --limit 0 "SELECT * FROM match_review_queue"'),
        "<p class='hint'>Review with <code>shelfmatch review</code> or <code>shelfmatch serve</code>.</p>",
        "<h2>Metadata issues</h2>",
        _html_table(data["issues"], "issues", 'shelfmatch sql --limit 0 "SELECT * FROM metadata_issues"'),
        "<h2>Series with gaps</h2>",
        _html_table(data["series_gaps"], "series", 'shelfmatch sql --limit 0 "SELECT * FROM series_gaps"'),
        "<h2>Runs</h2>",
        _html_table(
            data["runs"], "runs", 'shelfmatch sql --limit 0 "SELECT * FROM runs ORDER BY started_at DESC"'
        ),
    ]
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>shelfmatch report</title>"
        f"<style>{STYLE}</style></head><body>{''.join(parts)}<script>{SORT_SCRIPT}</script></body></html>"
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
