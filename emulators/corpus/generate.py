"""`generate_library`: a library of expanded ABS items with known answers (see the package docstring)."""

from __future__ import annotations

from typing import Any

from emulators.abs_scanner import empty_book_metadata, metadata_record, scan_book_metadata
from emulators.catalogue import Book, make_asin
from emulators.corpus.assembly import (
    ItemDraft,
    audio_file,
    expanded_item,
    no_cyclic_gc,
    seeded_uuid,
)
from emulators.corpus.builder import INVENTED_FIRST, INVENTED_LAST, Builder, title_ignore_prefix
from emulators.corpus.draws import fmt_pos, last_first, pick
from emulators.corpus.library import Facts, GeneratedLibrary, Truth
from emulators.corpus.profiles import PROFILES, Profile
from emulators.corpus.shelf import Shelf

_BASE_MS = 1_795_480_000_000


def scanner_metadata(rel_path: str, is_file: bool, meta_tags: dict) -> dict:
    """What ABS 2.36's scanner shows for a new item: folder reading, then non-empty tag values on top,
    from the port of ABS's own scanner in emulators.abs_scanner."""
    return scan_book_metadata(rel_path, is_file, meta_tags)


def _metadata_dict(b: Builder, md: dict, description: str | None) -> dict:
    authors = [{"id": b.entity_id(b.author_ids, a), "name": a} for a in md["authors"]]
    series = [{"id": b.entity_id(b.series_ids, s), "name": s, "sequence": q} for s, q in md["series"]]
    return metadata_record(
        {**md, "description": description},
        authors,
        series,
        title_ignore_prefix=title_ignore_prefix(md["title"]),
        author_name_lf=", ".join(last_first(a["name"]) for a in authors),
        explicit=False,
        description_plain=description,
    )


_GOOD_BASE = empty_book_metadata()


def _choose_metadata(b: Builder, f: Facts, quality: str, scanned: dict, id_kind: str) -> dict:
    rng = b.rng
    if quality == "empty":
        return scanned
    md = dict(scanned)
    if quality in ("good", "partial"):
        md["title"], md["authors"] = f.title, list(f.authors)
    if quality == "good":
        md.update(
            subtitle=f.subtitle,
            narrators=list(f.narrators),
            genres=list(f.genres),
            publishedYear=f.year,
            publisher=f.publisher,
            language=f.language,
            series=[(f.series, f.position)] if f.series else [],
            asin=f.asin
            if id_kind == "asin"
            else (make_asin("regional", f.title, f.asin) if id_kind == "regional" and f.asin else None),
            isbn=f.isbn if id_kind == "isbn" else None,
            abridged=f.edition_kind == "abridged",
        )
    elif quality == "wrong":
        neighbours = (
            [x for x in b.series_members.get(f.series or "", []) if x.title != f.title] if f.book else []
        )
        if neighbours and rng.random() < 0.7:  # the classic: the folder of book 3 labelled as book 2
            other = rng.choice(neighbours)
            md["title"], md["authors"] = other.title, list(other.authors[:1])
            md["series"] = [(other.series_name, fmt_pos(other.position))]
        else:
            other = b.cat.books[rng.randrange(len(b.cat.books))]
            md["title"] = f.title
            md["authors"] = (
                list(other.authors[:1])
                if other.authors and other.authors[:1] != f.authors[:1]
                else [f"{rng.choice(INVENTED_FIRST)} {rng.choice(INVENTED_LAST)}"]
            )
    return md


def _build_item(
    b: Builder, f: Facts, scheme: str, tag_level: str, quality: str, id_kind: str, copy_no: int
) -> dict:
    rng = b.rng
    rel, is_file, file_rels = b.layout(f, scheme, id_kind, copy_no)
    item = ItemDraft.start(b, b.folder, rel, is_file, _BASE_MS)
    n = len(file_rels)
    weights = [rng.uniform(0.8, 1.2) for _ in range(n)]
    total_w = sum(weights)
    for i, frel in enumerate(file_rels):
        disc = int(frel[2]) if frel.startswith("CD") else None
        track = i + 1 if n > 1 or frel.startswith(("track", "part")) else None
        tags = b.meta_tags(f, tag_level, i + 1, n, disc)
        seconds = f.seconds * weights[i] / total_w
        item.audio_files.append(
            audio_file(b, item.file_path(frel), frel, i + 1, seconds, tags, item.ts, disc, track)
        )
    first_tags = item.audio_files[0]["metaTags"]
    # A matched ('good') item's metadata replaces everything the scanner read, so skip the scan then.
    scanned = _GOOD_BASE if quality == "good" else scanner_metadata(rel, is_file, first_tags)
    md = _choose_metadata(b, f, quality, scanned, id_kind)
    description = (
        f"{f.title} by {f.authors[0]}." if quality == "good" and f.authors else md.get("description")
    )
    metadata = _metadata_dict(b, md, description)

    if not is_file and rng.random() < 0.2:
        item.add_side_file(b, "cover.jpg", 24_576, "image")

    touched = rng.randrange(86_400_000) if quality in ("good", "partial", "wrong") else 0
    return expanded_item(
        b, item, updated=item.ts + 10_000 + touched, metadata=metadata, last_scan=item.ts + 9600
    )


def generate_library(n_items: int, seed: int = 0, profile: str = "default", **shelf: Any) -> GeneratedLibrary:
    """A library of `n_items` expanded ABS items with known truth (see the module docstring).

    `shelf`: the fields of emulators.corpus.shelf.Shelf (library id and folder, and audio written
    under `audio_root`: silent, or `audio="speech"` for spoken opening credits via emulators.speech).
    """
    where = Shelf(**shelf)
    if profile not in PROFILES:
        raise ValueError(f"unknown corpus profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if n_items < 0:
        raise ValueError("n_items must be >= 0")
    prof = PROFILES[profile]
    library_id = where.library_id or seeded_uuid(f"ids:{seed}")
    # One library, one folder id: calls that add items to the same library agree on it.
    folder_id = seeded_uuid(f"folder:{library_id}")
    b = Builder(seed, prof, library_id, folder_id, where.folder)
    books = b.cat.books
    order = list(range(len(books)))
    b.rng.shuffle(order)

    lib = where.empty_library(library_id, folder_id)
    with no_cyclic_gc():
        _fill(b, prof, books, order, n_items, lib)
    return where.with_audio(lib)


def _fill(
    b: Builder,
    prof: Profile,
    books: list[Book],
    order: list[int],
    n_items: int,
    lib: GeneratedLibrary,
) -> None:
    items, truth, traits, facts = lib.items, lib.truth, lib.traits, lib.facts
    rng = b.rng
    used = 0
    for _ in range(n_items):
        copy_no, borrowed = 0, None
        r = rng.random()
        if r < prof.distractor + prof.same_title_trap:
            trap = r >= prof.distractor
            borrowed = books[rng.randrange(len(books))] if trap else None
            f = b.invented_facts(borrowed)
            t = Truth(None, None, None, "same_title_trap" if trap else "distractor")
        else:
            book = books[order[used % len(order)]]
            copy_no = used // len(order)
            used += 1
            audio_eds = book.audio_editions
            edition = book.default_audio_edition
            alts = [e for e in audio_eds if e.kind != "unabridged"]
            if alts and rng.random() < prof.alt_edition:
                edition = rng.choice(alts)
            f = b.facts(book, edition)
            t = Truth(
                book.goodbooks_id,
                book.book_id,
                edition.edition_id if edition else None,
                "matchable" if edition else "no_audio_edition",
            )
        scheme = pick(rng, prof.schemes)
        tag_level = pick(rng, prof.tags)
        quality = pick(rng, prof.metadata)
        id_kind = pick(rng, prof.ids)
        if f.edition_kind in ("abridged", "dramatized") and rng.random() < 0.5:
            f.title_note = f.edition_kind.capitalize()
        item = _build_item(b, f, scheme, tag_level, quality, id_kind, copy_no)
        items.append(item)
        truth[item["id"]] = t
        traits[item["id"]] = {
            "scheme": scheme,
            "tags": tag_level,
            "metadata": quality,
            "ids": id_kind,
        }
        facts[item["id"]] = f
        if borrowed is not None:  # a same-title trap: whose title it wears
            traits[item["id"]]["borrowed_book_id"] = borrowed.book_id
