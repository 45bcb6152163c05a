"""`python -m emulators.abs --items N`: serve a generated library in its own process (benchmarks, demo).

It prints one JSON line (`url`, `items`, `library_id`) once it listens, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse

from emulators.abs.fixtures import load_items
from emulators.abs.server import AbsEmulator
from emulators.serving import serve_until_signalled


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulators.abs", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--items", type=int, default=0, help="generate N items (0 = the recorded fixture items)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--prewarm", action="store_true", help="serialise every item before serving")
    args = parser.parse_args()
    items, library = load_items(args.items, seed=args.seed, profile=args.profile)

    def make() -> AbsEmulator:
        emu = AbsEmulator(items, api_key=args.api_key, library=library, port=args.port)
        if args.prewarm:
            emu.prewarm()
        return emu

    serve_until_signalled(
        make,
        lambda emu: emu.start(),
        lambda emu: {"url": emu.url, "items": len(emu.items), "library_id": next(iter(emu.libraries))},
    )


if __name__ == "__main__":
    main()
