"""What can go wrong with a Hardcover request, as errors whose messages say what to do."""

from __future__ import annotations

from datetime import datetime

from tasks.errors import ShelfmatchError


class HardcoverError(ShelfmatchError):
    """A Hardcover request failed; the message says what and what to do."""


class HardcoverAuthError(HardcoverError):
    pass


class HardcoverForbidden(HardcoverError):
    pass


class HardcoverQueryError(HardcoverError):
    """GraphQL `errors`, a rejected search (`search.error`), or a 400: a failure of that request."""


class HardcoverUnavailable(HardcoverError):
    pass


class BudgetExhausted(HardcoverError):
    """The daily bucket (or this run's cap) is spent: stop now, resume later from the cache."""

    def __init__(
        self, reason: str, remaining: int, reset_at: datetime | None, items_remaining: int | None = None
    ):
        self.reason, self.remaining, self.reset_at, self.items_remaining = (
            reason,
            remaining,
            reset_at,
            items_remaining,
        )
        super().__init__(self.describe())

    def describe(self) -> str:
        items = f"{self.items_remaining} items remain; " if self.items_remaining is not None else ""
        if self.reason == "run":
            return (
                f"Stopped at this run's request cap (max_requests / SHELFMATCH_HARDCOVER_MAX_REQUESTS_PER_RUN); "
                f"{items}run fetch_candidates again to continue (cached responses are not asked again)."
            )
        when = f"resets at {self.reset_at:%Y-%m-%d %H:%M} UTC" if self.reset_at else "resets within a day"
        return (
            f"Stopped at Hardcover's daily request cap ({self.remaining} left); {items}{when}. "
            "Run fetch_candidates again after that: cached responses are reused, nothing is asked twice."
        )

    def with_items(self, items_remaining: int) -> BudgetExhausted:
        return BudgetExhausted(self.reason, self.remaining, self.reset_at, items_remaining)
