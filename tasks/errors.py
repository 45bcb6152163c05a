"""Expected failures: what a person can cause or fix (a setting, a server, a file), as one line.

Every error class whose message is that line derives from `ShelfmatchError`; the command line prints
it as one red line and exits 1, with no traceback (the details go to the log file, `--debug` shows
them). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class ShelfmatchError(Exception):
    """An expected failure; `str(exc)` says what happened and what to do."""
