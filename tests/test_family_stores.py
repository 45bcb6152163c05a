"""The `stores` family: the conventions it claims (Libro.fm's catalogue record and downloads,
librofm-downloader's path tokens, formats and chapter renames, libro.fm-backup-creator,
librofm-to-audiobookshelf's upload and PATCH, audiobook-dl's outputs and tags, ABS's web uploader),
checked on the generated items. It was the frozen family, reported once at 5557684, and is development
data now."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from emulators.catalogue import load_catalogue
from emulators.families import DEVELOPMENT_SEEDS, FAMILIES, FROZEN_SEEDS, TRAINING_SEEDS, generate
from emulators.families.stores import (
    PATTERNS,
    SCHEMES,
    Listing,
    abs_sanitize,
    go_safe,
    kotlin_safe,
    librofm_path,
    lookalike_safe,
)
from tests.family_items import scheme_items as _items


@pytest.fixture(scope="module")
def lib():
    return generate("stores", 1200, DEVELOPMENT_SEEDS[0])


def _unique_suffix(rel: str) -> str:
    return re.sub(r" \(\d{1,2}\)(?=\.mp3$|$)", "", rel)  # the generator's suffix for a name already taken


def _isbn13_ok(code: str) -> bool:
    return len(code) == 13 and sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(code)) % 10 == 0


def test_stores_is_spent_development_data_and_refuses_frozen_seeds():
    assert not FAMILIES["stores"].frozen
    with pytest.raises(ValueError, match="reserved"):
        generate("stores", 3, FROZEN_SEEDS[0])
    assert len(generate("stores", 3, TRAINING_SEEDS[0]).items) == 3


def test_every_scheme_is_there_with_the_store_noise(lib):
    schemes = Counter(tr["scheme"] for tr in lib.traits.values())
    assert min(schemes[s] for s in SCHEMES) > 60, schemes
    noise = Counter(n for tr in lib.traits.values() for n in tr["noise"])
    assert noise["series_unnumbered"] > 20 and noise["audio_isbn"] > 100
    stores = Counter(tr["store"] for tr in lib.traits.values() if "store" in tr)
    assert set(stores) == {"librofm", "audiobook_dl", "audiobooks.com", "chirp", "nextory", "saxo"}


def _listing(**kw) -> Listing:
    base = dict(title="The Great Novel", subtitle=None, authors=["Jane Doe"], narrators=["John Smith"],
                series="Amazing Series", number="1", date="2024-03-19", publisher=None, genres=[],
                language=None, isbn="1234567890", description="")  # fmt: skip
    return Listing(**{**base, **kw})  # type: ignore[arg-type]


def test_librofm_path_tokens_as_the_downloaders_own_tests_expect():
    """librofm-downloader's PathTokenTest cases: tokens per segment, empty segments dropped."""
    book = _listing()
    assert librofm_path("FIRST_AUTHOR/BOOK_TITLE", book) == "Jane Doe/The Great Novel"
    assert librofm_path("FIRST_AUTHOR/SERIES_NAME/SERIES_NUM - BOOK_TITLE", book) == (
        "Jane Doe/Amazing Series/1 - The Great Novel"
    )
    dated = (
        "MyPrefix/FIRST_AUTHOR/SERIES_NAME/[PUBLICATION_YEAR-PUBLICATION_MONTH-PUBLICATION_DAY] BOOK_TITLE"
    )
    assert librofm_path(dated, book) == "MyPrefix/Jane Doe/Amazing Series/[2024-3-19] The Great Novel"
    many = _listing(title="Collaborative Work", authors=["John Doe", "Jane Smith", "Alex Johnson"],
                    narrators=["Voice Actor"], series=None, number=None)  # fmt: skip
    assert librofm_path("ALL_AUTHORS/SERIES_NAME/BOOK_TITLE", many) == (
        "John Doe, Jane Smith, Alex Johnson/Collaborative Work"
    )
    assert librofm_path("ALL_AUTHORS/[SERIES_NAME - FIRST_NARRATOR] BOOK_TITLE", many) == (
        "John Doe, Jane Smith, Alex Johnson/[ - Voice Actor] Collaborative Work"
    )
    assert (
        librofm_path("FIRST_AUTHOR/SERIES_NAME/SERIES_NUM - BOOK_TITLE", many)
        == "John Doe/ - Collaborative Work"
    )


def test_the_tools_name_rules():
    assert abs_sanitize("Mistborn: The Final Empire: Book 1?") == "Mistborn - The Final Empire Book 1"
    assert abs_sanitize("Dune  <Deluxe>. ") == "Dune Deluxe"
    assert go_safe("") == "untitled" and go_safe(None) == "untitled" and go_safe('A: "B". ') == "A B"
    assert lookalike_safe("Ranger's Apprentice Book 10: The Emperor of Nihon-Ja") == (
        "Ranger's Apprentice Book 10꞉ The Emperor of Nihon-Ja"
    )
    # the backslash it escapes a quote with is one of the characters it then removes
    assert kotlin_safe('01 - Say "Hi": a story.') == '01 - Say "Hi" a story'


def test_librofm_downloader_folders_and_packaged_m4b(lib):
    by_pattern = Counter()
    for item, tr, afs, tags, _md in _items(lib, "librofm_m4b", "librofm_mp3", "librofm_converted"):
        rel = _unique_suffix(item["relPath"])
        artist = tags["tagArtist"]
        pattern = tr["pattern"]
        by_pattern[pattern] += 1
        if pattern == "ALL_AUTHORS/BOOK_TITLE":
            assert rel.startswith(artist + "/")
        else:
            assert rel.startswith(artist.split(", ")[0] + "/")
        if pattern.endswith("SERIES_NUM - BOOK_TITLE"):
            assert re.search(r"/([\d.]*) - ", rel)  # (a "/" in a title nests a folder)
        if "PUBLICATION" in pattern:
            assert re.search(r"/\[\d{4}-[1-9]\d?-[1-9]\d?\] ", rel), rel
        if tr["scheme"] == "librofm_m4b":
            assert [af["metadata"]["filename"] for af in afs] == [
                f"{tags['tagTitle']} - {artist.split(', ')[0]}.m4b".replace("/", "")
            ]
            assert set(tags) == {"tagTitle", "tagArtist"}
    assert set(by_pattern) == set(PATTERNS) and min(by_pattern.values()) > 20


def test_librofm_mp3_chapter_renames(lib):
    renamed = raw = titled = 0
    for _item, tr, afs, _tags, _md in _items(lib, "librofm_mp3"):
        names = [af["metadata"]["filename"] for af in afs]
        width = len(str(len(names)))
        if tr["renamed"]:
            album = afs[0]["metaTags"]["tagAlbum"]
            for k, name in enumerate(names, 1):
                assert name.startswith(kotlin_safe(f"{k:0{width}d} - {album} - ")) and name.endswith(".mp3")
            if tr["tags"] == "librofm_title_tag":
                assert all(re.fullmatch(rf"\d{{{width}}} - .+", af["metaTags"]["tagTitle"]) for af in afs)
                titled += 1
            renamed += 1
        elif tr["raw_names"] == "track_dash":
            assert names == [f"Track - {k}.mp3" for k in range(1, len(names) + 1)]
            raw += 1
    assert renamed > 30 and raw > 10 and titled > 10


def test_librofm_converted_album_carries_the_series_and_abs_takes_it_as_title(lib):
    series_books = 0
    for item, _tr, afs, tags, md in _items(lib, "librofm_converted"):
        assert [af["metadata"]["filename"] for af in afs] == [f"{tags['tagTitle']}.m4b".replace("/", "")]
        assert any(lf["metadata"]["filename"] == "cover.jpg" for lf in item["libraryFiles"])
        assert "tagComposer" not in tags and md["title"] == tags["tagAlbum"]
        m = re.fullmatch(r"(.*) \((.+) Book ([\d.]+|X)\)", tags["tagAlbum"])
        if m:
            assert m.group(1) == tags["tagTitle"]
            series_books += 1
        else:
            assert tags["tagAlbum"] == tags["tagTitle"]
    assert series_books > 20


def test_libro_backup_lookalike_folders(lib):
    seen = 0
    for item, _tr, afs, tags, _md in _items(lib, "libro_backup"):
        author, title = _unique_suffix(item["relPath"]).split("/")
        assert author == lookalike_safe(tags["tagArtist"]) and title == lookalike_safe(tags["tagAlbum"])
        assert not any(
            " - " in af["metadata"]["filename"] for af in afs if af["metadata"]["filename"][0].isdigit()
        )
        seen += 1
    assert seen > 80


def test_librofm_abs_sync_uploads_under_untitled_and_patches(lib):
    cat = load_catalogue()
    print_isbns = {b.physical_edition.isbn_13 for b in cat.books if b.physical_edition}
    untitled = patched = 0
    for item, tr, _afs, _tags, md in _items(lib, "librofm_abs_sync"):
        parts = _unique_suffix(item["relPath"]).split("/")
        assert len(parts) == 3 and not any(set(p) & set(':?*"<>|') for p in parts)
        if tr["untitled_series"]:
            # SafeFileName("") is "untitled": ABS reads the folder as the series, and the PATCH keeps it
            assert parts[1] == "untitled" and md["series"][0]["name"] == "untitled"
            untitled += 1
        if tr["patched"]:
            assert item["updatedAt"] > item["addedAt"] and md["language"] == "en" and md["asin"] is None
            assert _isbn13_ok(md["isbn"]) and md["isbn"] not in print_isbns
            patched += 1
    assert untitled > 50 and patched > 100


def test_audiobook_dl_outputs_and_tags(lib):
    roots = parts = series_titled = 0
    for item, tr, afs, tags, md in _items(lib, "audiobook_dl"):
        names = [af["metadata"]["filename"] for af in afs]
        if item["isFile"]:
            assert "/" not in item["relPath"] and names == [item["relPath"]]
            roots += 1
        else:
            width = len(str(len(names)))
            assert names == [f"Part {i:0{width}d}.mp3" for i in range(len(names))]
            parts += 1
        if tr["store"] == "audiobooks.com":
            assert set(tags) == {"tagTitle"} and md["authors"] == []
        if tr["store"] == "nextory" and "tagIsbn" in tags:
            assert _isbn13_ok(tags["tagIsbn"]) and re.fullmatch(
                r"\d{4}-\d{2}-\d{2}", tags.get("tagDate", "2000-01-01")
            )
        if "tagAlbum" in tags:  # the series in TALB, which ABS takes as the title
            assert md["title"] == tags["tagAlbum"]
            series_titled += tags["tagAlbum"] != tags["tagTitle"]
    assert roots > 40 and parts > 40 and series_titled > 10


def test_abs_upload_directories(lib):
    drops = Counter()
    for item, tr, afs, tags, md in _items(lib, "abs_upload"):
        parts = _unique_suffix(item["relPath"]).split("/")
        assert all(p == abs_sanitize(p) for p in parts)
        if tr["drop"] == "loose_file":
            stem = afs[0]["metadata"]["filename"].rsplit(".", 1)[0]
            assert parts[-1] == abs_sanitize(stem)
            if not tr["typed_author"]:
                assert len(parts) == 1 and (md["authors"] or tags.get("tagArtist") is None)
        assert len(parts) == 1 + tr["typed_author"] + tr["typed_series"]
        drops[tr["drop"]] += 1
    assert drops["loose_file"] > 40 and drops["folder"] > 40
