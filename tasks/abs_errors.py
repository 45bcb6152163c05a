"""What can go wrong talking to ABS, one class per answer a caller handles differently."""

from __future__ import annotations

from tasks.errors import ShelfmatchError


class AbsError(ShelfmatchError, RuntimeError):
    """Something went wrong talking to ABS; the message names the server and the fix."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AbsAuthError(AbsError):
    """401: the API key is missing, wrong, expired or inactive."""


class AbsForbidden(AbsError):
    """403: the key's user may not do this (or ABS rejected the payload as 'Invalid payload')."""


class AbsNotFound(AbsError):
    """404: unknown library, item or file."""


class AbsUnavailable(AbsError):
    """ABS did not answer: connection refused/reset, timeouts, or 5xx after every retry."""


class AbsThrottled(AbsUnavailable):
    """429 on every attempt, or ABS asked to wait longer than a run waits."""


class AbsBadRequest(AbsError):
    """400: ABS rejected the request (e.g. a negative limit, a duplicate id in a batch)."""
