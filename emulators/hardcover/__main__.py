"""`python -m emulators.hardcover`: serve the emulated catalogue in its own process (deployments, benchmarks).

It prints one JSON line (`url`, `books`) once it listens, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse

from emulators.hardcover.server import HardcoverEmulator, Limits
from emulators.serving import serve_until_signalled


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.hardcover", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = a free port (printed)")
    parser.add_argument("--token", default="test-token", help="the bearer token it accepts")
    parser.add_argument(
        "--per-minute", type=int, default=Limits.per_minute, help="refill of the burst bucket"
    )
    parser.add_argument("--burst", type=int, default=Limits.burst)
    parser.add_argument("--daily", type=int, default=Limits.daily, help="requests per day")
    args = parser.parse_args()
    limits = Limits(per_minute=args.per_minute, burst=args.burst, daily=args.daily)
    serve_until_signalled(
        lambda: HardcoverEmulator(token=args.token, limits=limits),
        lambda emu: emu.start(args.host, args.port),
        lambda emu: {"url": emu.url, "books": len(emu.catalogue)},
    )


if __name__ == "__main__":
    main()
