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
    counts: Counter[str] = field(default_factory=Counter)  # by the names of _COUNTS (see `count`)
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    # Seconds of wall time by phase (where a run spends it).
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    preparing_peak_rss_mb: float = 0.0

    def count(self, name: str, n: int) -> None:
        """Add `n` to one of the plain counts (a name not in _COUNTS is a mistake, not a new count)."""
        if name not in _COUNTS:
            raise KeyError(f"not an extract count: {name!r}")
        self.counts[name] += n

    def as_dict(self) -> dict[str, Any]:
        return {
            "libraries": self.libraries,
            **{k: self.counts[k] for k in _COUNTS},
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
