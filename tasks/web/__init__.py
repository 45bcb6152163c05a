"""The review page and the ABS custom metadata provider (`shelfmatch serve`).

One small Starlette/FastAPI app over the same warehouse tables as the CLI: `app.py` (routes),
`security.py` (token, CSRF), `queue.py` (the filtered queue), `item.py` (one item's comparison),
`decisions.py` (decisions with per-field choices), `provider.py` (ABS's `/search` contract),
templates/ and static/ (plain HTML, a little JavaScript, no build step).
"""
