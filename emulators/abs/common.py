"""What every part of the ABS emulator shares: the server's identity, safe views of an item, replies."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

SERVER_VERSION = "2.36.0"
ROUTER_BASE_PATH = "/audiobookshelf"
LOG_KEY = web.RequestKey("log", dict)


def num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def media_of(item: dict) -> dict:
    media = item.get("media")
    return media if isinstance(media, dict) else {}


def meta_of(item: dict) -> dict:
    meta = media_of(item).get("metadata")
    return meta if isinstance(meta, dict) else {}


def now_ms() -> int:
    return int(time.time() * 1000)


def text(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body)


def json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


class Crash(Exception):
    """A payload that makes real ABS 2.36 exit (an unhandled TypeError in an async handler)."""
