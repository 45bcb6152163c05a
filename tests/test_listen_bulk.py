"""Looking up the spoken books of many heard items together (the Hardcover emulator over HTTP, a real
DuckDB file): shared names and titles are asked once, every answer is remembered, searches are left to
the items still unidentified, and the caps hold. Transcripts here are text: the lookup is what is
tested, the hearing has tests of its own."""

from __future__ import annotations

from collections import Counter

from emulators.catalogue import load_catalogue
from emulators.hardcover import HardcoverEmulator, run_hardcover_emulator
from tasks.listen.bulk import Lookup, follow_up_all
from tasks.listen.verdict import IDENTIFIED
from tasks.settings import get_settings
from tests.plugins.hardcover_fixtures import HC_TOKEN, fast_limits, seed_items
from tests.test_listen_lookup import _heard

AUTHORS = ("Stephen King", "Terry Pratchett", "Agatha Christie")
PER_AUTHOR = 4
NARRATOR = "Read by Frank Muller. Chapter one."
SEARCHED = {"The Name of the Wind": "The Name of the Wnd", "The Da Vinci Code": "The Da Vinci Cde"}


def _shared_author_books():
    """PER_AUTHOR books of each of AUTHORS whose titles are three words or more (a short title is too
    easily contained in any transcript to stand for the usual case) and no other book's."""
    books = []
    catalogue = load_catalogue().books
    titles = Counter(b.title for b in catalogue)
    for author in AUTHORS:
        mine = [
            b
            for b in catalogue
            if b.authors[0] == author and len(b.title.split()) >= 3 and titles[b.title] == 1
        ]
        books += mine[:PER_AUTHOR]
    return books


def _lookups(db_path, spoken: dict[str, str], cap: int = 5) -> list[Lookup]:
    seed_items(db_path, [{"item_id": i, "title": "Unknown 0001", "authors": []} for i in spoken])
    lookups = []
    for item_id, text in spoken.items():
        result = _heard(item_id, text)
        lookups.append(Lookup(result, result.credits, cap))
    return lookups


def _billed(emu: HardcoverEmulator) -> int:
    return sum(e.cost for e in emu.request_log if e.status == 200)


def _shared_spoken(books) -> dict[str, str]:
    return {f"li-bulk-{b.book_id}": f"{b.title}, by {b.authors[0]}. {NARRATOR}" for b in books}


def test_items_sharing_authors_cost_far_fewer_requests_than_items_and_a_second_run_costs_nothing(db_path):
    books = _shared_author_books()
    spoken = _shared_spoken(books)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        lookups = _lookups(db_path, spoken)
        sent, exhausted = follow_up_all(db_path, "run-1", lookups, 1000, settings)
        first = _billed(emu)
        assert (sent, exhausted) == (first, False)
        # one lookup of all the spoken names (three authors) identifies every item: one request, not 12
        assert first == 1 < len(books)
        assert [(lk.result.verdict, lk.result.book_id) for lk in lookups] == [
            (IDENTIFIED, b.book_id) for b in books
        ]
        assert all(lk.outcome.strategies == ("spoken_names",) and lk.error is None for lk in lookups)

        # Heard again with nothing changed, all together or a few of them in another mix: every
        # name's answer is remembered, so nothing is sent and the verdicts stand.
        again = _lookups(db_path, spoken)
        assert follow_up_all(db_path, "run-2", again, 1000, settings) == (0, False)
        some = _lookups(db_path, dict(list(spoken.items())[::3]))
        assert follow_up_all(db_path, "run-3", some, 1000, settings) == (0, False)
        assert _billed(emu) == first
        assert [lk.result.book_id for lk in again] == [b.book_id for b in books]
        assert all(lk.result.verdict == IDENTIFIED for lk in some)


def test_nothing_found_is_remembered_too(db_path):
    spoken = {
        "li-none-1": "Tantor Audio presents The Glass Orchard, by Wilhelmina Quarterstaff. Read by Ana Jones.",
        "li-none-2": "Blackstone presents The Copper Meadow, by Wilhelmina Quarterstaff. Read by Ana Jones.",
    }
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        # a cap of 2 leaves no room for a search: the two exact lookups only, for both items at once
        lookups = _lookups(db_path, spoken, cap=2)
        sent, _ = follow_up_all(db_path, "run-1", lookups, 1000, settings)
        assert sent == _billed(emu) == 2
        assert all(lk.result.verdict != IDENTIFIED and lk.candidates is None for lk in lookups)
        assert all(lk.outcome.strategies == ("spoken_names", "spoken_titles") for lk in lookups)
        assert follow_up_all(db_path, "run-2", _lookups(db_path, spoken, cap=2), 1000, settings) == (0, False)
        assert _billed(emu) == 2


def test_items_found_only_by_a_search_still_get_their_books_and_share_one_hydration(db_path):
    shared = _shared_author_books()[:3]
    targets = [next(b for b in load_catalogue().books if b.title == t) for t in SEARCHED]
    spoken = _shared_spoken(shared)
    # a letter dropped from the title and an author the catalogue does not know: neither exact lookup
    # can find these, the title search can
    for target, heard in zip(targets, SEARCHED.values(), strict=True):
        spoken[f"li-search-{target.book_id}"] = f"{heard}, by Wilhelmina Quarterstaff. {NARRATOR}"
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        lookups = _lookups(db_path, spoken)
        sent, _ = follow_up_all(db_path, "run-1", lookups, 1000, settings)
        found, searched = lookups[: len(shared)], lookups[len(shared) :]
        assert all(lk.result.verdict == IDENTIFIED and "search" not in lk.outcome.strategies for lk in found)
        for lk, target in zip(searched, targets, strict=True):
            assert "search" in lk.outcome.strategies and lk.outcome.searched
            assert target.book_id in {c.book_id for c in lk.candidates or []}
        # names (all items) + titles (the two left) + one search of the name both speak (the second is
        # the cache's) + their two title searches + one hydration of both picks
        assert all(lk.outcome.strategies.count("name_search") == 1 for lk in searched)
        assert sent == _billed(emu) == 6


def test_the_per_run_and_per_item_caps_hold(db_path):
    books = _shared_author_books()
    spoken = _shared_spoken(books)
    spoken["li-search"] = f"{SEARCHED['The Name of the Wind']}, by Wilhelmina Quarterstaff. {NARRATOR}"
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        # the run may send one request: the names lookup goes, the rest is not looked up (no error)
        lookups = _lookups(db_path, spoken)
        assert follow_up_all(db_path, "run-1", lookups, 1, settings) == (1, False)
        assert _billed(emu) == 1 and all(lk.error is None for lk in lookups)
        assert "search" not in lookups[-1].outcome.strategies
        # an item's cap of 2 pays for its two exact lookups, never for a search
        capped = _lookups(db_path, {"li-search-2": spoken["li-search"]}, cap=2)
        follow_up_all(db_path, "run-2", capped, 1000, settings)
        assert "search" not in capped[0].outcome.strategies and capped[0].cap == 0
        # a run cap of 0 sends nothing at all
        assert follow_up_all(db_path, "run-3", _lookups(db_path, spoken), 0, settings) == (0, False)
        assert _billed(emu) <= 2


def test_a_retried_search_of_one_item_does_not_stop_the_others(db_path):
    spoken = {
        "li-first": f"The Name of the Wnd, by Wilhelmina Quarterstaff. {NARRATOR}",
        "li-second": f"The Name of the Wnd, by Wilhelmina Quarterstaf. {NARRATOR}",
    }
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        lookups = _lookups(db_path, spoken)
        # after the two exact lookups, the first search fails once and is retried: the retry is the
        # client's to pay from the run's allowance, and neither item's search is given up
        emu.inject_5xx(1, after=2)
        sent, exhausted = follow_up_all(db_path, "run-1", lookups, 1000, settings)
    first, second = lookups
    assert not exhausted
    for lk in (first, second):
        assert "search" in lk.outcome.strategies and lk.error is None and lk.outcome.searched, lk
    assert sent <= 4 + 4


def test_a_spoken_title_the_text_path_looked_up_already_is_not_searched_again(db_path):
    # Both items speak a book the catalogue does not hold; the first one's own metadata had that title
    # (the candidates step looked it up), so only the second one's searches are worth a request: the
    # first one's name is not searched either (a book it found would be one whose title the
    # transcript holds, and every book of that title was looked at).
    titles = {"li-known": "The Copper Meadow", "li-new": "The Tin Lantern"}
    spoken = {
        k: f"Tantor Audio presents {t}, by Wilhelmina Quarterstaff. {NARRATOR}" for k, t in titles.items()
    }
    emulator = HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())
    with run_hardcover_emulator(emulator) as emu:
        lookups = _lookups(db_path, spoken)
        seed_items(db_path, [{"item_id": "li-known", "title": "Copper Meadow, The", "authors": []}])
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        sent, _ = follow_up_all(db_path, "run-1", lookups, 1000, settings)
        searched = [e.variables["query"] for e in emu.request_log if "search" in e.root_fields]
    known, new = lookups
    assert not {"search", "name_search"} & set(known.outcome.strategies)
    assert {"search", "name_search"} <= set(new.outcome.strategies)
    # the name both speak, searched for the second item only; of the titles, only the one never asked
    assert searched == ["wilhelmina quarterstaff", "the tin lantern"]
    assert sent == _billed(emu) == 2 + 1 + 1 + 1  # two exact lookups, two searches, one hydration


def test_a_long_spoken_title_the_text_path_had_is_not_searched_by_its_parts(db_path):
    # A long title is searched by its inner spans and first words; when the title itself was looked up
    # already (the item's own metadata has it), none of those parts is worth a request.
    spoken = {
        "li-long": f"Tantor Audio presents The Copper Meadow of Evening Bells, by Ana Jones. {NARRATOR}"
    }
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        lookups = _lookups(db_path, spoken)
        seed_items(
            db_path, [{"item_id": "li-long", "title": "The Copper Meadow of Evening Bells", "authors": []}]
        )
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        sent, _ = follow_up_all(db_path, "run-1", lookups, 1000, settings)
    # the two exact lookups only: the spoken title was asked for already, so neither its parts nor the
    # spoken name the catalogue did not know exactly are searched
    assert not {"search", "name_search"} & set(lookups[0].outcome.strategies)
    assert sent == _billed(emu) == 2


def test_the_audio_crediting_the_item_s_own_author_brings_that_author_s_books_and_no_search(db_path):
    # The folder's tags name another book of the author; the audio says the book, its title and the
    # author's name both misheard. The author the item names is credited by the audio: every book of
    # theirs comes with the spoken names (one request), the one the audio says is identified, and no
    # title search is made. An author the catalogue does not know, credited too, is not searched for
    # by title either: the only books a search could add are other authors'.
    said, tagged = _shared_author_books()[2:4]
    assert said.title == "The Drawing of the Three"
    assert said.authors[0] == tagged.authors[0] == "Stephen King"
    garbled = "Drawing of Three"  # no exact title lookup finds it; the transcript holds the title
    spoken = {
        "li-own": f"Harper Audio presents {garbled}, by Steven Kinge. {NARRATOR}",
        "li-own-unknown": f"Tantor Audio presents The Glass Orchard, by Wilhelmina Quarterstaf. {NARRATOR}",
    }
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        lookups = _lookups(db_path, spoken)
        seed_items(
            db_path,
            [
                {"item_id": "li-own", "title": tagged.title, "authors": ["Stephen King"]},
                {
                    "item_id": "li-own-unknown",
                    "title": "Unknown 0002",
                    "authors": ["Wilhelmina Quarterstaff"],
                },
            ],
        )
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        sent, _ = follow_up_all(db_path, "run-1", lookups, 1000, settings)
        asked = [e.variables for e in emu.request_log if e.status == 200]
    own, unknown = lookups
    assert (own.result.verdict, own.result.book_id) == (IDENTIFIED, said.book_id)
    assert own.text_authors == ["Stephen King"] and unknown.text_authors == ["Wilhelmina Quarterstaff"]
    assert "Stephen King" in asked[0]["names_0"]
    assert all("search" not in lk.outcome.strategies for lk in lookups)
    assert sent == _billed(emu) == 2  # the names (both items), the titles (the unknown author's item)
