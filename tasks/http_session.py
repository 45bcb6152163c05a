"""The one aiohttp session an HTTP client holds from `async with client:` to the end of that block."""

from __future__ import annotations

from typing import Self

import aiohttp


class SessionClient:
    """Base of the ABS, Hardcover and catalogue-image clients: entering opens the session
    `_new_session()` makes, leaving closes it (after an error too)."""

    _session: aiohttp.ClientSession | None = None

    def _new_session(self) -> aiohttp.ClientSession:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        self._session = self._new_session()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
