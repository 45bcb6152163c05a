"""The review page's routes (FastAPI/Starlette, Jinja2 with autoescape) and the ABS provider endpoint.

`create_app(settings, security, runners)` builds the app; `runners` are the writeback and rollback flows
(passed in by the `serve` command, so this package does not import flows/). Every request opens its own
short connection to the warehouse (tasks/web/warehouse.py: cheap while people click, the file free again
when they stop).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import duckdb
import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from tasks.review import bulk_check, fetch_book, record_decisions, select_items, show_value
from tasks.settings import Settings
from tasks.warehouse import WarehouseLocked, fetch_dicts, load_sql
from tasks.web import provider
from tasks.web.decisions import record_web_decision
from tasks.web.item import ItemNotFound, item_view
from tasks.web.queue import CAPS, SORTS, FilterError, Filters, queue_item_ids, queue_page, selection_digest
from tasks.web.security import COOKIE, Security
from tasks.web.warehouse import Warehouse
from tasks.writeback.display import value_text
from tasks.writeback.payload import FIELDS

HERE = Path(__file__).resolve().parent
PLAN_ROWS_SHOWN = 500
FILTER_FIELDS = ("tier", "cap", "author", "series", "min_confidence", "max_confidence", "sort", "page")

Runner = Callable[..., Awaitable[dict[str, Any]]]


@dataclass
class Runners:
    writeback: Runner  # writeback(apply=..., db_path=...) -> summary
    rollback: Runner  # rollback(run_id=..., db_path=...) -> summary


class Refused(Exception):
    """A request the page answers with a one-line message and a status (nothing recorded)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["pct"] = lambda v, digits=1: "" if v is None else f"{float(v) * 100:.{digits}f}%"
    env.filters["show"] = lambda v, field: show_value(field, v)
    return Jinja2Templates(env=env)


def create_app(settings: Settings, security: Security, runners: Runners | None = None) -> FastAPI:
    app = FastAPI(title="shelfmatch review", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = templates()
    db_path = settings.duckdb_path

    warehouse = Warehouse(db_path)
    app.state.warehouse = warehouse

    @contextmanager
    def db() -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect() as con:
            yield con

    def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.update(csrf=security.csrf, caps=CAPS, sorts=SORTS, message=request.query_params.get("msg"))
        return pages.TemplateResponse(request, name, context, status_code=status)

    async def form_of(request: Request) -> dict[str, list[str]]:
        body = (await request.body()).decode("utf-8", "replace")
        return parse_qs(body, keep_blank_values=True)

    def one(form: dict[str, list[str]], name: str) -> str | None:
        values = form.get(name)
        return values[0] if values else None

    def filters_from(source: Any) -> Filters:
        return Filters.parse(source)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if path.startswith(("/static/", "/abs/")):
            return await call_next(request)
        if request.method == "GET" and security.url_token_ok(request):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = path + (f"?{urlencode(rest)}" if rest else "")
            redirect = RedirectResponse(target, status_code=303)
            redirect.set_cookie(COOKIE, security.session, httponly=True, samesite="strict", path="/")
            return redirect
        if not security.authenticated(request):
            return HTMLResponse(
                "<!doctype html><title>shelfmatch</title><p>Open the address <code>shelfmatch serve</code> "
                "printed (it carries the token).</p>",
                status_code=401,
            )
        if request.method not in ("GET", "HEAD"):
            form_token = None
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                form_token = one(await form_of(request), "csrf")
            if not security.csrf_ok(request, form_token):
                return HTMLResponse(
                    "<!doctype html><p>Refused: missing or wrong CSRF token.</p>", status_code=403
                )
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Referrer-Policy", "same-origin"
        )  # "no-referrer" makes form posts send Origin: null
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' https: data:; script-src 'self'; style-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> HTMLResponse:
        return render(request, "message.html", status=exc.status, text=str(exc))

    @app.exception_handler(FilterError)
    async def bad_filter(request: Request, exc: FilterError) -> HTMLResponse:
        return render(request, "message.html", status=400, text=str(exc))

    @app.exception_handler(WarehouseLocked)
    async def locked(request: Request, exc: WarehouseLocked) -> Response:
        if request.url.path.startswith("/abs/"):
            return JSONResponse({"error": str(exc)}, status_code=500)
        return render(request, "message.html", status=503, text=str(exc))

    @app.on_event("shutdown")
    def release() -> None:
        warehouse.close()

    @app.exception_handler(ItemNotFound)
    async def no_item(request: Request, exc: ItemNotFound) -> HTMLResponse:
        return render(request, "message.html", status=404, text=str(exc))

    # --- the queue -----------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request) -> HTMLResponse:
        filters = filters_from(request.query_params)
        with db() as con:
            page = queue_page(con, settings, filters)
        return render(request, "queue.html", page=page, f=filters)

    # --- one item -----------------------------------------------------------------------------------

    @app.get("/item/{item_id}", response_class=HTMLResponse)
    def item(request: Request, item_id: str) -> HTMLResponse:
        filters = filters_from(request.query_params)
        book = request.query_params.get("book")
        if book is not None and not book.isdigit():
            raise Refused(f"book must be a Hardcover book id (digits), not {book!r}")
        with db() as con:
            view = item_view(con, settings, item_id, int(book) if book else None)
        return render(request, "item.html", v=view, f=filters, fields=FIELDS)

    @app.post("/item/{item_id}/decide")
    async def decide(request: Request, item_id: str) -> RedirectResponse:
        form = await form_of(request)
        filters = filters_from({k: one(form, k) for k in FILTER_FIELDS})
        action = one(form, "decision")
        if action not in ("approve", "reject", "skip"):
            raise Refused(f"decision must be approve, reject or skip, not {action!r}")
        with db() as con:
            if action != "skip":
                rows = fetch_dicts(con, load_sql("web_item_match"), {"item_id": item_id})
                if not rows:
                    raise ItemNotFound(f"No match for item {item_id!r}.")
                match = rows[0]
                if one(form, "evidence_hash") != (match["evidence_hash"] or ""):
                    raise Refused(
                        "Nothing recorded: this item's evidence changed since the page was shown; look again.",
                        409,
                    )
                book_id, edition_id = _int(one(form, "book_id")), _int(one(form, "edition_id"))
                if action == "approve" and book_id is None:
                    raise Refused(
                        "Nothing recorded: there is no book to approve; choose a candidate or enter an id."
                    )
                if book_id is not None and not fetch_dicts(con, load_sql("web_book"), {"book_id": book_id}):
                    raise Refused(f"Nothing recorded: Hardcover book {book_id} is not in the warehouse.")
                offered = [f for f in form.get("offered", []) if f]
                unknown = [f for f in offered if f not in FIELDS]
                if unknown:
                    raise Refused(f"Nothing recorded: unknown field(s) {', '.join(unknown)}.")
                written = set(form.get("write", []))
                choices = {f: f in written for f in offered} if action == "approve" else {}
                note = (
                    None
                    if book_id == match["book_id"]
                    else f"chose book {book_id} over the matched {match['book_id']}"
                )
                record_web_decision(con, match, action, book_id, edition_id, choices, note=note)
            following = _next_item(con, settings, filters, item_id)
        done = {"approve": "approved", "reject": "rejected", "skip": "skipped"}[action]
        msg = f"{done} {item_id}"
        if following is None:
            return RedirectResponse(
                f"/?{filters.query()}&msg={_q(msg + '; the queue is empty')}", status_code=303
            )
        return RedirectResponse(f"/item/{following}?{filters.query()}&msg={_q(msg)}", status_code=303)

    @app.post("/item/{item_id}/enter")
    async def enter(request: Request, item_id: str) -> RedirectResponse:
        form = await form_of(request)
        filters = filters_from({k: one(form, k) for k in FILTER_FIELDS})
        key = (one(form, "key") or "").strip()
        if not key:
            raise Refused("Enter a Hardcover book id or slug.")
        with db() as con:
            found = fetch_dicts(con, load_sql("review_find_book"), {"key": key})
            if not found and settings.hardcover_token.get_secret_value():
                try:
                    fetch_book(con, settings, key)
                except Exception as exc:  # the page goes on: say what failed
                    raise Refused(f"Could not fetch {key!r} from Hardcover: {exc}", 502) from exc
                found = fetch_dicts(con, load_sql("review_find_book"), {"key": key})
        if not found:
            raise Refused(
                f"No book {key!r} in the warehouse (hc_books) or on Hardcover: check the id or slug "
                "(hardcover.app/books/<slug>), or set SHELFMATCH_HARDCOVER_TOKEN.",
                404,
            )
        query = filters.query(book=found[0]["book_id"])
        return RedirectResponse(f"/item/{item_id}?{query}", status_code=303)

    # --- bulk decisions -------------------------------------------------------------------------------

    @app.post("/bulk", response_class=HTMLResponse)
    async def bulk(request: Request) -> Response:
        form = await form_of(request)
        filters = filters_from({k: one(form, k) for k in FILTER_FIELDS})
        decision = one(form, "decision")
        if decision not in ("approve", "reject"):
            raise Refused(f"decision must be approve or reject, not {decision!r}")
        with db() as con:
            try:
                chosen = select_items(con, decision, queue_item_ids(con, settings, filters))
            except ValueError as exc:
                raise Refused(f"Nothing recorded: {exc}") from exc
            if not chosen:
                raise Refused("Nothing recorded: the filter selects no items.")
            check = bulk_check(chosen, decision, settings.confirm_bulk_over)
            digest = selection_digest(chosen)
            if one(form, "confirm") != digest:
                return render(request, "bulk.html", f=filters, check=check, decision=decision, digest=digest)
            ids = record_decisions(con, decision, chosen, note="bulk from the review page")
        msg = f"{decision}d {len(ids)} item(s)"
        return RedirectResponse(f"/?{filters.query(page=1)}&msg={_q(msg)}", status_code=303)

    # --- the writeback plan, apply, history, rollback --------------------------------------------------

    @app.get("/plan", response_class=HTMLResponse)
    def plan(request: Request) -> HTMLResponse:
        run_id = request.query_params.get("run")
        rows: list[dict[str, Any]] = []
        counts: dict[str, Any] = {}
        holds: list[dict[str, Any]] = []
        if run_id:
            with db() as con:
                rows = fetch_dicts(
                    con, load_sql("web_plan_rows"), {"run_id": run_id, "limit": PLAN_ROWS_SHOWN}
                )
                counts = fetch_dicts(con, load_sql("web_plan_counts"), {"run_id": run_id})[0]
                holds = fetch_dicts(con, load_sql("writeback_hold_rows"), [run_id])[:PLAN_ROWS_SHOWN]
            for r in rows:
                r["before_text"] = value_text(r["field"], r["before"])
                r["after_text"] = value_text(r["field"], r["after"])
        return render(
            request, "plan.html", run_id=run_id, rows=rows, counts=counts, holds=holds, shown=PLAN_ROWS_SHOWN
        )

    def need_runners() -> Runners:
        if runners is None:
            raise Refused("This server was started without the writeback flows.", 503)
        return runners

    @app.post("/plan")
    async def make_plan(request: Request) -> RedirectResponse:
        summary = await _run(need_runners().writeback, apply=False, db_path=str(db_path))
        return RedirectResponse(f"/plan?run={_q(summary['run_id'])}", status_code=303)

    @app.post("/apply")
    async def apply(request: Request) -> RedirectResponse:
        summary = await _run(need_runners().writeback, apply=True, db_path=str(db_path))
        return RedirectResponse(f"/runs/{_q(summary['run_id'])}", status_code=303)

    @app.get("/runs", response_class=HTMLResponse)
    def runs(request: Request) -> HTMLResponse:
        with db() as con:
            rows = fetch_dicts(con, load_sql("web_writeback_runs"))
        for r in rows:
            r["counts"] = json.loads(r["counts"]) if r["counts"] else {}
            r["parameters"] = json.loads(r["parameters"]) if r["parameters"] else {}
        return render(request, "runs.html", runs=rows)

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run(request: Request, run_id: str) -> HTMLResponse:
        with db() as con:
            rows = [r for r in fetch_dicts(con, load_sql("web_writeback_runs")) if r["run_id"] == run_id]
            if not rows:
                raise Refused(f"No writeback or rollback run {run_id!r}.", 404)
            holds = fetch_dicts(con, load_sql("writeback_hold_rows"), [run_id])[:PLAN_ROWS_SHOWN]
        r = rows[0]
        r["counts"] = json.loads(r["counts"]) if r["counts"] else {}
        r["parameters"] = json.loads(r["parameters"]) if r["parameters"] else {}
        return render(request, "run.html", r=r, holds=holds)

    @app.post("/runs/{run_id}/rollback")
    async def rollback(request: Request, run_id: str) -> RedirectResponse:
        summary = await _run(need_runners().rollback, run_id=run_id, db_path=str(db_path))
        return RedirectResponse(f"/runs/{_q(summary['run_id'])}", status_code=303)

    # --- covers ---------------------------------------------------------------------------------------

    @app.get("/cover/{item_id}")
    async def cover(item_id: str) -> Response:
        """The item's ABS cover, fetched with the server-side key (the page never sees the key)."""
        from tasks.abs import AbsClient, AbsError
        from tasks.writeback.covers import image_ext

        placeholder = RedirectResponse("/static/no-cover.svg", status_code=302)
        key = settings.abs_api_key.get_secret_value()
        if not key:
            return placeholder
        try:
            async with AbsClient(settings.abs_url, key, timeout=10, retries=0) as client:
                image = await client.get_cover(item_id)
        except AbsError:
            return placeholder
        ext = image_ext(image) if image else None
        if ext is None:
            return placeholder
        media = {"jpg": "image/jpeg", "jpeg": "image/jpeg"}.get(ext, f"image/{ext}")
        return Response(image, media_type=media, headers={"Cache-Control": "private, max-age=300"})

    # --- the ABS custom metadata provider -----------------------------------------------------------------

    async def provider_search(request: Request, browse: bool) -> JSONResponse:
        if not security.provider_ok(request.headers.get("authorization")):
            message = (
                "the Authorization value is not this server's SHELFMATCH_PROVIDER_KEY"
                if security.provider_key
                else "the provider is off: set SHELFMATCH_PROVIDER_KEY and restart `shelfmatch serve`"
            )
            return JSONResponse({"error": message}, status_code=401)
        q = request.query_params
        query = (q.get("query") or "").strip()
        if not query:
            return JSONResponse({"error": "query (the title) is required"}, status_code=400)
        try:
            with db() as con:
                matches = await provider.search(
                    con, settings, query, q.get("author") or None, q.get("isbn") or None, browse=browse
                )
        except Exception as exc:  # ABS shows a failed provider as "no matches"; say why in the body
            return JSONResponse(
                {"error": f"shelfmatch could not answer: {type(exc).__name__}: {exc}"}, status_code=500
            )
        return JSONResponse({"matches": matches})

    @app.get("/abs/search")
    async def abs_search(request: Request) -> JSONResponse:
        return await provider_search(request, browse=False)

    @app.get("/abs/browse/search")
    async def abs_browse(request: Request) -> JSONResponse:
        return await provider_search(request, browse=True)

    return app


async def _run(runner: Runner, **kwargs: Any) -> dict[str, Any]:
    try:
        return await runner(**kwargs)
    except Exception as exc:  # e.g. ABS not answering: the page says it in one line
        raise Refused(f"{type(exc).__name__}: {exc}", 502) from exc


def _next_item(
    con: duckdb.DuckDBPyConnection, settings: Settings, filters: Filters, after: str
) -> str | None:
    from tasks.web.queue import next_item

    return next_item(con, settings, filters, after)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
