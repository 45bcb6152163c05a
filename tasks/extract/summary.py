"""What an extract run did, counted, and how its report reads."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from tasks.artifacts import summary_markdown

# Plain counts, in the order the summary dict (and `runs.counts`) lists them.
_COUNTS = ("items_seen", "new", "changed", "unchanged", "removed", "fetched", "missing", "extracted")


@dataclass
class Summary:
    libraries: list[str] = field(default_factory=list)
    items_seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    fetched: int = 0
    missing: int = 0
    extracted: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    # Seconds of wall time by phase (where a run spends it).
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    preparing_peak_rss_mb: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "libraries": self.libraries,
            **{k: getattr(self, k) for k in _COUNTS},
            "errors": dict(self.errors),
            "error_count": sum(self.errors.values()),
            "abs_requests": self.requests,
            "seconds": {k: round(v, 2) for k, v in self.timings.items()},
            "preparing_peak_rss_mb": round(self.preparing_peak_rss_mb, 1),
        }


def report(summary: dict[str, Any]) -> str:
    """The run summary as the flow's markdown artifact: the counts, then the errors by kind."""
    counts = {k: summary[k] for k in ("items_seen", "new", "changed", "unchanged", "removed", "extracted")}
    counts["errors"] = summary["error_count"]
    errors = dict(sorted(summary["errors"].items()))
    sections = {"Errors by kind": errors} if errors else {}
    notes = ["Details: `SELECT * FROM errors WHERE flow = 'extract_abs'`"] if errors else []
    return summary_markdown("ABS extract", counts, sections, notes)
