"""Benchmark writeback and rollback end to end against the ABS emulator.

    uv run python bench/writeback.py --items 5000

Generates a library (emulators.corpus, profile "default"), serves it with the ABS emulator (and the
Hardcover emulator, for its cover images), extracts it (tasks.extract), fills the Hardcover tables from
the catalogue and `matches` from the generator's truth with mixed tiers (auto / pending / reject;
distractors are reject), records people's decisions (approve 2/3 of pending, reject the rest and 5% of
auto), then: dry-run plan, people edit some approved items in ABS (after the sync), apply with the
default policies (`update` for metadata, `fill_missing` for covers), rollback.
The checks read the emulator's state, not our journal:

- approved: approved items (auto without a reject + approved pending)
- applied_verified: approved items whose every planned field ABS now holds, each journaled `verified`
- all_fields_right_after_apply: share of the approved items nobody edited whose title, authors, series
  (with position) and narrators all equal the matched book's after apply (a field the book does not
  know is not counted: a value is never replaced by an empty one)
- human_edits / human_edits_overwritten: fields people changed in ABS between the sync and the apply
  (narrators, publisher, and some titles, whose items are then held), and how many of them apply changed
- covers_set / covers_verified (from the run) and covers_right: items whose cover ABS now serves is
  their book's image, byte for byte
- distractors_touched: items that are no catalogue book whose metadata or cover changed
- unapproved_writes: items not approved whose metadata or cover changed, plus unplanned fields changed
  on approved items
- blanked_fields: fields (and covers) that had a value before and are empty after apply
- rollback_exact: after rollback every item's stored media.metadata (all but the derived keys ABS
  recomputes on save) and its cover (coverPath and bytes) equal the original, people's edits aside
  (they are conflicts rollback leaves alone); rollback_byte_exact compares the whole metadata JSON byte
  for byte, and rollback_derived_only_diffs counts items whose only difference is a derived key

Ends with one `RESULT {json}` line.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import library_parser, print_result  # noqa: E402
from bench.queries import bench_sql  # noqa: E402


def load_hardcover(con, books, image_base: str) -> None:
    """hc_* rows for the given catalogue books, in bulk (Arrow), as fetch_candidates would leave them."""
    from emulators.hc_tables import load_hc_tables

    load_hc_tables(con, books, image_base=image_base)


def cover_state(emu) -> dict[str, tuple]:
    """item -> (coverPath, the bytes ABS serves for it)."""
    out = {}
    for item_id, item in emu.items.items():
        path = item["media"].get("coverPath")
        out[item_id] = (path, emu.server_files.get(path) if path else None)
    return out


def book_values(book, edition_id) -> dict:
    """The identity fields of a catalogue book (and its edition's narrators) in the writeback's form."""
    from tasks.writeback.plan import sequence_text

    edition = (
        next((e for e in book.editions if e.edition_id == edition_id), None) or book.default_audio_edition
    )
    series = []
    if book.series_name:
        series = [{"name": book.series_name, "sequence": sequence_text(book.position, book.position_details)}]
    return {
        "title": book.title,
        "authors": list(book.authors),
        "series": series,
        "narrators": list(edition.narrators) if edition else [],
    }


DERIVED_KEYS = {
    "titleIgnorePrefix",
    "authorName",
    "authorNameLF",
    "narratorName",
    "seriesName",
    "descriptionPlain",
}


def _stored(metadata: dict) -> dict:
    return {k: v for k, v in metadata.items() if k not in DERIVED_KEYS}


def main() -> None:
    parser = library_parser(__doc__, items=5000)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-writeback-"))
    os.environ["SHELFMATCH_DUCKDB_PATH"] = str(tmp / "warehouse.duckdb")
    os.environ["SHELFMATCH_WRITEBACK_BATCH_SIZE"] = str(args.batch_size)

    import pyarrow as pa

    from emulators.abs import run_abs_emulator
    from emulators.catalogue import cover_bytes, load_catalogue
    from emulators.corpus import generate_library
    from emulators.hardcover import run_hardcover_emulator
    from tasks.abs import AbsClient
    from tasks.extract.fetch import run_extract
    from tasks.review import decide
    from tasks.settings import get_settings
    from tasks.warehouse import connect, now
    from tasks.writeback.apply import apply_writeback
    from tasks.writeback.payload import FIELDS, from_abs_metadata, is_empty, same
    from tasks.writeback.plan import loads, plan_from_warehouse
    from tasks.writeback.rollback import apply_rollback

    lib = generate_library(args.items, seed=args.seed, profile=args.profile)
    cat = load_catalogue()
    rng = random.Random(args.seed)

    with run_hardcover_emulator() as hc, run_abs_emulator(lib.items, library=lib.library) as emu:
        os.environ["SHELFMATCH_ABS_URL"] = emu.url
        os.environ["SHELFMATCH_ABS_API_KEY"] = "test-key"
        settings = get_settings()
        db = settings.duckdb_path

        t0 = time.perf_counter()
        run_extract(settings, db, "bench-extract")
        extract_seconds = time.perf_counter() - t0

        # matches from the truth: tiers mixed; distractors (no book) are matched to a wrong book, tier reject
        tiers, rows, books = {}, [], {}
        for item in lib.items:
            truth = lib.truth[item["id"]]
            book = cat.by_id.get(truth.book_id) if truth.book_id else cat.books[rng.randrange(len(cat.books))]
            tier = (
                "reject"
                if truth.book_id is None
                else rng.choices(["auto", "pending", "reject"], [5, 3, 2])[0]
            )
            books[book.book_id] = book
            tiers[item["id"]] = tier
            edition = truth.edition_id if truth.book_id else None
            rows.append(
                {
                    "item_id": item["id"],
                    "run_id": "bench-score",
                    "book_id": book.book_id,
                    "edition_id": edition,
                    "confidence": {"auto": 0.97, "pending": 0.85, "reject": 0.4}[tier],
                    "tier": tier,
                    "evidence_hash": "h",
                    "scored_at": now(),
                }
            )
        with connect(db) as con:
            load_hardcover(con, list(books.values()), hc.url.removesuffix("/v1/graphql"))
            con.register("incoming", pa.Table.from_pylist(rows))
            con.execute(bench_sql("insert_incoming_matches"))
            con.unregister("incoming")
            pending = [i for i, t in tiers.items() if t == "pending"]
            autos = [i for i, t in tiers.items() if t == "auto"]
            approve = [i for n, i in enumerate(pending) if n % 3 != 2]
            reject = [i for n, i in enumerate(pending) if n % 3 == 2] + [
                i for n, i in enumerate(autos) if n % 20 == 0
            ]
            decide(con, "approve", approve, by="bench")
            decide(con, "reject", reject, by="bench")
        approved_ids = (set(autos) - set(reject)) | set(approve)

        original = {i: json.dumps(it["media"]["metadata"], sort_keys=True) for i, it in emu.items.items()}
        original_covers = cover_state(emu)
        writes_before = emu.count("POST", "/api/items/batch/update") + emu.count("PATCH")

        t0 = time.perf_counter()
        with connect(db) as con:
            dry = plan_from_warehouse(con, settings, "bench-dry").plans
        plan_seconds = time.perf_counter() - t0
        dry_run_writes = emu.count("POST", "/api/items/batch/update") + emu.count("PATCH") - writes_before

        # People edit some approved items in ABS after the sync: the narrator or the publisher (a field
        # apply must leave alone), or the title (the item is held until a sync has read it).
        edits: dict[str, dict] = {}
        for n, item_id in enumerate(sorted(approved_ids)):
            if n % 50 == 7:
                edits[item_id] = {"narrators": [f"Hand-Picked Narrator {n}"]}
            elif n % 50 == 23:
                edits[item_id] = {"publisher": f"Hand-Typed Publisher {n}"}
            elif n % 100 == 41:
                edits[item_id] = {"title": f"Hand-Typed Title {n}"}
        for item_id, fields in edits.items():
            emu.touch(item_id, **fields)
        edited_json = {i: json.dumps(emu.items[i]["media"]["metadata"], sort_keys=True) for i in edits}

        async def write() -> dict:
            async with AbsClient.from_settings(settings) as client:
                with connect(db) as con:
                    return (await apply_writeback(con, client, settings, "bench-apply")).as_dict()

        t0 = time.perf_counter()
        applied = asyncio.run(write())
        apply_seconds = time.perf_counter() - t0

        with connect(db) as con:
            plan_rows = con.execute(bench_sql("planned_writes"), ["bench-apply"]).fetchall()
            verified = {
                tuple(r)
                for r in con.execute(bench_sql("logged_writes"), ["bench-apply", "verified"]).fetchall()
            }
        planned: dict[str, dict] = {}
        for item_id, field, after in plan_rows:
            planned.setdefault(item_id, {})[field] = loads(after)

        applied_verified = unapproved_writes = blanked = distractors_touched = 0
        right = counted = human_overwritten = covers_right = 0
        after_covers = cover_state(emu)
        for item_id, before_json in original.items():
            now_meta = emu.items[item_id]["media"]["metadata"]
            if item_id in edits:  # compare with what the person left, not with the sync's state
                before_json = edited_json[item_id]
                human_overwritten += sum(
                    1 for f, v in edits[item_id].items() if now_meta.get(FIELDS.get(f, f)) != v
                )
            was, now_v = from_abs_metadata(json.loads(before_json)), from_abs_metadata(now_meta)
            blanked += sum(1 for f in FIELDS if not is_empty(was[f]) and is_empty(now_v[f]))
            blanked += original_covers[item_id][0] is not None and after_covers[item_id][0] is None
            changed = json.dumps(now_meta, sort_keys=True) != before_json
            changed = changed or original_covers[item_id] != after_covers[item_id]
            truth = lib.truth[item_id]
            if truth.book_id is None:
                distractors_touched += changed
            if item_id not in approved_ids:
                unapproved_writes += changed
                continue
            fields = planned.get(item_id, {})
            unapproved_writes += sum(1 for f in FIELDS if f not in fields and now_v[f] != was[f])
            metadata_fields = {f: a for f, a in fields.items() if f != "cover"}
            if all(same(f, now_v[f], a) and (item_id, f) in verified for f, a in metadata_fields.items()):
                applied_verified += 1
            book = cat.by_id[truth.book_id]
            if item_id not in edits:
                counted += 1
                want = book_values(book, truth.edition_id)
                right += all(same(f, now_v[f], v) for f, v in want.items() if v)
            if "cover" in fields and after_covers[item_id][1] is not None:
                edition = next((e for e in book.editions if e.edition_id == truth.edition_id), None)
                edition = edition or book.default_audio_edition
                image = (edition and cover_bytes("editions", edition.edition_id)) or cover_bytes(
                    "books", book.book_id
                )
                covers_right += after_covers[item_id][1] == image

        async def undo() -> dict:
            async with AbsClient.from_settings(settings) as client:
                with connect(db) as con:
                    return (
                        await apply_rollback(con, client, settings, "bench-rollback", "bench-apply")
                    ).as_dict()

        t0 = time.perf_counter()
        undone = asyncio.run(undo())
        rollback_seconds = time.perf_counter() - t0
        final = {i: json.dumps(it["media"]["metadata"], sort_keys=True) for i, it in emu.items.items()}
        # A person's edit is not ours to undo: those items are compared with what the person left.
        original.update(edited_json)
        rollback_byte_exact = final == original
        differing = [i for i in original if final[i] != original[i]]
        covers_back = cover_state(emu) == original_covers
        # Derived keys (titleIgnorePrefix, authorName, ...) are functions of the stored fields that ABS
        # recomputes on every save; compare the stored fields, and report any derived-only difference.
        stored_differs = [
            i for i in differing if _stored(json.loads(final[i])) != _stored(json.loads(original[i]))
        ]
        rollback_exact = not stored_differs and covers_back
        for item_id in differing[:3]:  # say what differs, so a failure can be read
            was, now_meta = json.loads(original[item_id]), json.loads(final[item_id])
            diff = {
                k: (was.get(k), now_meta.get(k))
                for k in set(was) | set(now_meta)
                if was.get(k) != now_meta.get(k)
            }
            print(f"rollback differs for {item_id}: {json.dumps(diff)[:600]}", file=sys.stderr)

    fields_written = sum(len(f) for f in planned.values())
    result = {
        "items": args.items,
        "profile": args.profile,
        "approved": len(approved_ids),
        "applied_verified": applied_verified,
        "all_fields_right_after_apply": round(right / counted, 4) if counted else None,
        "human_edits": sum(len(f) for f in edits.values()),
        "human_edits_overwritten": human_overwritten,
        "held_items": applied["held_items"],
        "conflicts": applied["conflicts"],
        "covers_set": applied["covers_set"],
        "covers_verified": applied["covers_verified"],
        "covers_right": covers_right,
        "distractors_touched": distractors_touched,
        "unapproved_writes": unapproved_writes,
        "blanked_fields": blanked,
        "rollback_exact": rollback_exact,
        "rollback_covers_exact": covers_back,
        "rollback_byte_exact": rollback_byte_exact,
        "rollback_derived_only_diffs": len(differing) - len(stored_differs),
        "dry_run_writes": dry_run_writes,
        "dry_run_planned_items": len(dry),
        "fields_written": fields_written,
        "verified_fields": applied["verified"],
        "mismatch": applied["mismatch"],
        "rolled_back_fields": undone["rolled_back"],
        "rollback_conflicts": undone["conflict_count"],
        "extract_seconds": round(extract_seconds, 2),
        "plan_seconds": round(plan_seconds, 2),
        "apply_seconds": round(apply_seconds, 2),
        "rollback_seconds": round(rollback_seconds, 2),
        "seconds": round(plan_seconds + apply_seconds + rollback_seconds, 2),
    }
    print_result(result)


if __name__ == "__main__":
    main()
