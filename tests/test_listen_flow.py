"""The listen flow end to end: real audio, the real model, a temp DuckDB, Prefect's test harness.

The warehouse is seeded the way extract_abs and fetch_candidates leave it (abs_items,
abs_audio_files, hc_* and candidates rows) so this file tests listening alone.
"""

from __future__ import annotations

import json

import pytest

from emulators.speech import expanded_item
from tasks.warehouse import connect, fetch_dicts, now

pytestmark = [pytest.mark.flow, pytest.mark.audio]

LIBRARY, FOLDER = "lib-listen", "fol-listen"
BOOKS = {  # book_id: (title, authors, narrators, series, position)
    11: ("The Final Empire", ["Brandon Sanderson"], ["Michael Kramer"], "Mistborn", 1.0),
    12: ("The Well of Ascension", ["Brandon Sanderson"], ["Michael Kramer"], "Mistborn", 2.0),
    21: ("Project Hail Mary", ["Andy Weir"], ["Ray Porter"], None, None),
    22: ("Artemis", ["Andy Weir"], ["Rosario Dawson"], None, None),
}


def _root(spoken_books):
    return spoken_books["music"].path.parent.parent


def seed(db_path, spoken_books, plan: dict[str, list[int]]) -> dict[str, dict]:
    """abs_items/abs_audio_files for each named book, plus its candidates (book ids) hydrated in hc_*."""
    root = _root(spoken_books)
    items = {}
    with connect(db_path) as con:
        for book_id, (title, authors, narrators, series, position) in BOOKS.items():
            con.execute("INSERT INTO hc_books(book_id, title) VALUES (?, ?)", [book_id, title])
            con.execute(
                "INSERT INTO hc_editions(edition_id, book_id, reading_format_id) VALUES (?, ?, 2)",
                [book_id * 10, book_id],
            )
            for i, a in enumerate(authors):
                con.execute(
                    "INSERT INTO hc_contributions VALUES ('Book', ?, NULL, ?, NULL, ?)", [book_id, a, i]
                )
            for i, n in enumerate(narrators):
                con.execute(
                    "INSERT INTO hc_contributions VALUES ('Edition', ?, NULL, ?, 'Narrator', ?)",
                    [book_id * 10, n, i],
                )
            if series:
                con.execute(
                    "INSERT INTO hc_series VALUES (?, 1, ?, ?, NULL, true)", [book_id, series, position]
                )
        for name, candidate_ids in plan.items():
            item = expanded_item(f"li-{name}", spoken_books[name].paths, root, LIBRARY, FOLDER)
            items[name] = item
            con.execute(
                "INSERT INTO abs_items(item_id, library_id, path, rel_path, title, raw, extracted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [item["id"], LIBRARY, item["path"], item["relPath"], name, json.dumps(item), now()],
            )
            for af in item["media"]["audioFiles"]:
                con.execute(
                    "INSERT INTO abs_audio_files(item_id, ino, idx, path, size, duration, exclude) VALUES (?, ?, ?, ?, ?, ?, false)",
                    [
                        item["id"],
                        af["ino"],
                        af["index"],
                        af["metadata"]["path"],
                        af["metadata"]["size"],
                        af["duration"],
                    ],
                )
            for rank, book_id in enumerate(candidate_ids):
                con.execute(
                    "INSERT INTO candidates(item_id, book_id, strategy, rank) VALUES (?, ?, 'search', ?)",
                    [item["id"], book_id, rank],
                )
    return items


@pytest.fixture
def listen_env(monkeypatch, spoken_books):
    monkeypatch.setenv("SHELFMATCH_PATH_MAP", json.dumps({"/audiobooks": str(_root(spoken_books))}))
    monkeypatch.setenv("SHELFMATCH_LISTEN_INTRO_SECONDS", "30")


def test_listen_flow_identifies_records_evidence_and_survives_a_corrupt_file(
    prefect_harness, listen_env, spoken_books, db_path, hc_server, monkeypatch
):
    from flows.listen import listen

    # One thread: the 4 items go out as batches of 2, 1 and 1 (one task run each), the corrupt file
    # possibly in the same batch as a good one.
    monkeypatch.setenv("SHELFMATCH_LISTEN_WORKERS", "1")

    seed(
        db_path,
        spoken_books,
        {"final_empire": [12, 11], "hail_mary_m4b": [], "music": [21], "corrupt": [21, 22]},
    )
    state = listen(db_path=str(db_path), return_state=True)
    summary = state.result()
    assert summary["items"] == 4
    with connect(db_path) as con:
        results = {r["item_id"]: r for r in fetch_dicts(con, "SELECT * FROM listen_results")}
        errors = fetch_dicts(con, "SELECT item_id, kind, message FROM errors")
        evidence = {
            (r["item_id"], r["field"], r["value"])
            for r in fetch_dicts(
                con, "SELECT item_id, field, value FROM item_evidence WHERE source = 'transcript'"
            )
        }
        transcripts = fetch_dicts(
            con, "SELECT item_id, window_kind, text, cpu_seconds, model FROM transcripts"
        )
        run = fetch_dicts(con, "SELECT status, counts FROM runs WHERE flow = 'listen'")[0]

    assert (results["li-final_empire"]["verdict"], results["li-final_empire"]["book_id"]) == (
        "identified",
        11,
    )
    assert ("li-final_empire", "series", "Mistborn") in evidence
    assert ("li-final_empire", "sequence", "1") in evidence
    # no candidates: the spoken title and author become evidence (and seed a search); a spoken narrator
    # is soft evidence, written only once it sounds like some candidate's narrator
    assert {
        ("li-hail_mary_m4b", "title", "Project Hail Mary"),
        ("li-hail_mary_m4b", "author", "Andy Weir"),
    } <= evidence
    assert not {r for r in evidence if r[0] == "li-hail_mary_m4b" and r[1] == "narrator"}
    assert results["li-music"]["verdict"] == "no_credits" and results["li-music"]["book_id"] is None
    # the corrupt file: an error row that names the file and why, and the others still ran
    assert results["li-corrupt"]["verdict"] == "error"
    [error] = errors
    assert error["item_id"] == "li-corrupt" and error["kind"] == "audio_unreadable"
    assert "corrupt.m4b" in error["message"]
    assert all(t["cpu_seconds"] > 0 and t["model"] for t in transcripts if t["text"])
    assert run["status"] == "completed" and json.loads(run["counts"])["identified"] == 1
    # the run shows its progress over the items, and says at WARNING which item could not be heard
    from flows.cli_runtime import flush_prefect_logs
    from tests.prefect_reads import artifacts_of, run_logs, task_run_names

    assert float(artifacts_of(state)["progress"].data) == 100.0
    # The run history names, in the task run that heard them, the 4 items: each once, every batch
    # Completed (the corrupt file is its item's failure, not its batch's).
    batches = task_run_names(state)
    assert set(batches.values()) == {"Completed"}, batches
    named = [n for n in batches if n.startswith("listen-li-")]
    assert sorted(len(n.split("-and-")) for n in named) == [1, 1, 2], named
    assert sum(1 + int(n.split("-and-")[1].split("-")[0]) if "-and-" in n else 1 for n in named) == 4
    assert len({n.split("-and-")[0] for n in named}) == 3
    flush_prefect_logs()
    assert any("li-corrupt could not be heard" in m for m in run_logs(state, 30))

    # a second run hears nothing again: every item was heard (the corrupt one is retried)
    again = listen(db_path=str(db_path))
    assert again["items"] == 1

    # The one item whose spoken book no candidate is was looked up in Hardcover (the emulator), within
    # its cap; heard again with nothing changed, every lookup is answered from the cache.
    billed = hc_server.billed()
    counts = json.loads(run["counts"])
    assert 1 <= billed <= 5 and counts["search_requests"] == billed
    # the run says what those requests were, operation by operation, and they add up to the bill
    assert sum(counts["search_requests_by_operation"].values()) == billed
    assert set(counts["search_requests_by_operation"]) <= {
        "books_by_authors",
        "books_by_titles",
        "name_search",
        "search",
        "books_by_ids",
    }
    assert listen(item_ids=["li-hail_mary_m4b"], db_path=str(db_path))["search_requests"] == 0
    assert hc_server.billed() == billed


def _loaded_models() -> list[tuple[str, str, int, int]]:
    """The (model, compute type, cpu threads, replicas) of every ASR model this process loaded."""
    from tasks.listen import asr

    return sorted(asr._MODELS)


def test_listen_flow_runs_on_the_dask_cluster_its_address_names(
    prefect_harness, listen_env, spoken_books, db_path, monkeypatch
):
    import dask
    from distributed import Client, LocalCluster, get_task_stream

    from bench.listen_cluster import deployment_config
    from flows.listen import listen

    items = seed(db_path, spoken_books, {"hail_mary_mp3": [22, 21], "dune_moov_end": []})
    in_this_process = _loaded_models()
    # Worker processes start after the settings are in the environment: they read it as any worker does,
    # with the Dask settings a deployment's workers start with (deploy/dask).
    with (
        dask.config.set(deployment_config()),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        # Each worker loaded its model as it started, before any item was sent to it.
        at_start = client.run(_loaded_models)
        assert [len(keys) for keys in at_start.values()] == [1, 1], at_start
        monkeypatch.setenv("SHELFMATCH_DASK_ADDRESS", cluster.scheduler_address)
        with get_task_stream(client) as stream:
            state = listen(
                item_ids=[i["id"] for i in items.values()], db_path=str(db_path), return_state=True
            )
        on_workers = client.run(_loaded_models)
    summary = state.result()
    assert summary["items"] == 2
    with connect(db_path) as con:
        verdicts = dict(con.execute("SELECT item_id, verdict FROM listen_results").fetchall())
        title = con.execute(
            "SELECT value FROM item_evidence WHERE item_id = 'li-dune_moov_end' AND source = 'transcript' AND field = 'title'"
        ).fetchall()
    assert verdicts["li-hail_mary_mp3"] == "identified"
    assert [t.lower() for (t,) in title] == ["dune"]
    # The items were heard in the workers, each holding one single-threaded replica; not in this process.
    models = [key for keys in on_workers.values() for key in keys]
    assert models and all(key[2:] == (1, 1) for key in models)
    assert on_workers == at_start  # the items were heard with the model loaded at the start, no other
    assert _loaded_models() == in_this_process
    # The two items were heard at the same time, one on each worker: nothing serialises the hearings.
    first = _first_computes(stream.data)
    assert len(first) == 2, first
    (start_a, stop_a), (start_b, stop_b) = first.values()
    assert max(start_a, start_b) < min(stop_a, stop_b), first
    # Two items on two workers: a task run each, named after its item.
    from tests.prefect_reads import task_run_names

    heard = {k: v for k, v in task_run_names(state).items() if k.startswith("listen-")}
    assert heard == {f"listen-{i['id']}": "Completed" for i in items.values()}


def _first_computes(records: list[dict]) -> dict[str, tuple[float, float]]:
    """Each worker's first computed task, as its (start, stop) times, from Dask's task stream."""
    first: dict[str, tuple[float, float]] = {}
    for record in records:
        for span in record["startstops"]:
            if span["action"] == "compute":
                interval = (span["start"], span["stop"])
                first[record["worker"]] = min(first.get(record["worker"], interval), interval)
    return first


def test_the_listen_flow_reads_its_task_runner_settings_when_a_run_starts(monkeypatch):
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.listen import listen

    monkeypatch.setenv("SHELFMATCH_LISTEN_WORKERS", "3")
    monkeypatch.delenv("SHELFMATCH_DASK_ADDRESS", raising=False)
    with listen.task_runner.duplicate() as runner:
        used = getattr(runner, "_runner", runner)
        assert isinstance(used, ThreadPoolTaskRunner)
        assert used._max_workers == 3
