"""The corpus's drawing of one item: the facts of a book (or an invented one), its folder and files
under a naming scheme, and the tags a tool wrote into them."""

from __future__ import annotations

import random

from emulators.catalogue import Book, Edition, load_catalogue, make_asin
from emulators.corpus.assembly import SeededIds
from emulators.corpus.draws import last_first
from emulators.corpus.library import Facts
from emulators.corpus.profiles import Profile

_ENCODER = "Lavf59.27.100"
_SINGLE_EXTS = (".m4b", ".m4b", ".m4b", ".m4a", ".mp3", ".flac", ".ogg", ".opus")
_MULTI_EXTS = (".mp3", ".mp3", ".mp3", ".m4a", ".ogg", ".flac")

# Invented people and titles for distractors: none of these words start a goodbooks title on purpose,
# and the name pools differ from the catalogue's narrator pools.
INVENTED_FIRST = [
    "Orla",
    "Tobias",
    "Ysolde",
    "Caspian",
    "Mireille",
    "Leopold",
    "Anouk",
    "Thaddeus",
    "Brielle",
    "Osric",
    "Vesna",
    "Ambrose",
    "Liesel",
    "Corwin",
]
INVENTED_LAST = [
    "Quillfeather",
    "Brackwater",
    "Thornbury",
    "Ashgrove",
    "Velloway",
    "Marchbank",
    "Dunmore",
    "Halloran",
    "Pembrose",
    "Whitlock",
]
_INVENTED_ADJ = [
    "Hollow",
    "Crimson",
    "Quiet",
    "Forgotten",
    "Silver",
    "Drowned",
    "Northern",
    "Glass",
    "Ember",
    "Salt",
    "Iron",
    "Paper",
    "Winter",
    "Lantern",
]
_INVENTED_NOUN = [
    "Orchard",
    "Cartographer",
    "Tide",
    "Reliquary",
    "Almanac",
    "Foundry",
    "Meridian",
    "Ferryman",
    "Aviary",
    "Lighthouse",
    "Archive",
]
_GARBAGE = ("incoming", "New Folder", "audiobook", "Downloads", "tmp_rip", "unsorted", "AUDIO", "torrent")


def _safe(name: str) -> str:
    """Folder-safe text: '/' cannot be in a path component; ':' is commonly replaced on NAS shares."""
    return name.replace("/", "-").replace(":", " -").replace("  ", " ").strip()


def title_ignore_prefix(title: str | None) -> str | None:
    """'The Hunger Games' -> 'Hunger Games, The' (ABS's titleIgnorePrefix with its default prefixes)."""
    if not title:
        return title
    low = title.lower()
    for prefix in ("the", "a"):  # ABS's default sortingPrefixes
        if low.startswith(prefix + " "):
            return f"{title[len(prefix) + 1 :]}, {title[: len(prefix)]}"
    return title


def _title_comma_article(title: str) -> str:
    """'The Hunger Games' -> 'Hunger Games, The' (how some rippers write titles)."""
    ip = title_ignore_prefix(title)
    return ip if ip != title else title


class Builder(SeededIds):
    def __init__(self, seed: int, profile: Profile, library_id: str, folder_id: str, folder: str):
        self.rng = random.Random(seed)
        self.profile = profile
        self.library_id = library_id
        self.folder_id = folder_id
        self.folder = folder.rstrip("/") or "/"
        self.ino = 1_000_000 + self.rng.randrange(1_000_000)
        self.author_ids: dict[str, str] = {}
        self.series_ids: dict[str, str] = {}
        self.rel_paths: set[str] = set()
        self.cat = load_catalogue()
        self.series_members: dict[str, list[Book]] = {}
        for b in self.cat.books:
            if b.series_name:
                self.series_members.setdefault(b.series_name, []).append(b)

    # --- ids -------------------------------------------------------------------------------------
    def entity_id(self, table: dict[str, str], name: str) -> str:
        key = name.lower()  # ABS matches authors/series case-insensitively
        if key not in table:
            table[key] = self.uuid()
        return table[key]

    # --- facts -------------------------------------------------------------------------------------
    def facts(self, book: Book, edition: Edition | None) -> Facts:
        rng = self.rng
        authors = (
            list(book.authors[:2]) if len(book.authors) > 1 and rng.random() < 0.3 else list(book.authors[:1])
        )
        physical = book.physical_edition
        if edition is not None:
            seconds = edition.audio_seconds * (1 + rng.uniform(-0.01, 0.01))
            narrators = list(edition.narrators)
            publisher = edition.publisher
        else:
            pages = physical.pages if physical and physical.pages else 300
            seconds = pages * 95 * rng.uniform(0.9, 1.1)
            narrators = [f"{rng.choice(INVENTED_FIRST)} {rng.choice(INVENTED_LAST)}"]
            publisher = "Independent Audio"
        return Facts.of_book(
            book, edition, authors=authors, narrators=narrators, publisher=publisher, seconds=seconds
        )

    def invented_facts(self, same_title_as: Book | None) -> Facts:
        rng = self.rng
        title = (
            same_title_as.title
            if same_title_as
            else f"The {rng.choice(_INVENTED_ADJ)} {rng.choice(_INVENTED_NOUN)}"
        )
        if not same_title_as and rng.random() < 0.4:
            title = f"{rng.choice(_INVENTED_NOUN)}s of the {rng.choice(_INVENTED_ADJ)} {rng.choice(_INVENTED_NOUN)}"
        series = position = None
        if rng.random() < 0.3:
            series, position = f"The {rng.choice(_INVENTED_NOUN)} Cycle", str(rng.randint(1, 6))
        return Facts(
            title=title,
            subtitle=None,
            authors=[f"{rng.choice(INVENTED_FIRST)} {rng.choice(INVENTED_LAST)}"],
            narrators=[f"{rng.choice(INVENTED_FIRST)} {rng.choice(INVENTED_LAST)}"],
            series=series,
            position=position,
            year=str(rng.randint(1950, 2024)),
            publisher="Self-published",
            genres=["Fiction"],
            language="English",
            seconds=rng.uniform(3, 20) * 3600,
            asin=make_asin("distractor", rng.random()),
            isbn=None,
            edition_kind="unabridged",
            book=None,
        )

    # --- folder and files --------------------------------------------------------------------------
    def layout(self, f: Facts, scheme: str, id_kind: str, copy_no: int) -> tuple[str, bool, list[str]]:
        """(relPath, isFile, audio file relPaths inside the item)."""
        rng = self.rng
        author = " & ".join(f.authors) if f.authors else "Unknown"
        if rng.random() < self.profile.author_last_first:
            author = " & ".join(last_first(a) for a in f.authors) or "Unknown"
        author, title = _safe(author), _safe(f.title)
        if f.title_note:
            title = f"{title} ({f.title_note})"
        asin_tag = f" [{f.asin}]" if id_kind == "asin" and f.asin else ""
        if id_kind == "regional" and f.asin:
            asin_tag = f" [{make_asin('regional', f.title, f.asin)}]"
        series = _safe(f.series) if f.series else None
        is_file = False
        if scheme == "abs_clean":
            narr = f" {{{', '.join(f.narrators)}}}" if f.narrators and rng.random() < 0.7 else ""
            year = f"{f.year} - " if f.year else ""
            if series and f.position:
                rel = f"{author}/{series}/{f.position} - {year}{title}{narr}{asin_tag}"
            else:
                rel = f"{author}/{year}{title}{narr}{asin_tag}"
        elif scheme == "author_series_title" and series and f.position:
            rel = f"{author}/{series}/{rng.choice(['', 'Book ', 'Vol. '])}{f.position} - {title}"
        elif scheme == "author_dash_title":
            rel = f"{author} - {title}{asin_tag}"
        elif scheme == "title_paren_series":
            tail = (
                f" ({series} #{f.position})" if series and f.position else (f" ({f.year})" if f.year else "")
            )
            rel = f"{author}/{title}{tail}" if rng.random() < 0.5 else f"{title}{tail}"
        elif scheme == "series_num_title" and series and f.position:
            pos = f.position.zfill(2) if "." not in f.position else f.position
            rel = f"{author}/{series} {pos} - {title}"
        elif scheme == "root_file":
            is_file = True
            name = rng.choice([title, f"{title} - {author}", f"{author} - {title}", f"{title} (Unabridged)"])
            rel = name + rng.choice(_SINGLE_EXTS)
        elif scheme == "garbage":
            rel = f"{rng.choice(_GARBAGE)}/{rng.choice(['', 'rip_', 'book'])}{rng.randrange(100_000):05d}"
        elif scheme == "cd_multi":
            rel = f"{author}/{title}"
        else:  # author_title, and schemes that need a series when the book has none
            rel = f"{author}/{title}"
        if copy_no:  # a second copy of a book (large libraries): another folder for another format
            rel = (
                (rel.rsplit(".", 1)[0] + f" (copy {copy_no})." + rel.rsplit(".", 1)[1])
                if is_file
                else f"{rel} [{rng.choice(['mp3', 'm4b', 'MP3 version', 'alt'])} {copy_no}]"
            )
        while rel in self.rel_paths:
            rel = (
                f"{rel.rsplit('.', 1)[0]} ({rng.randrange(10_000)}).{rel.rsplit('.', 1)[1]}"
                if is_file
                else f"{rel} ({rng.randrange(10_000)})"
            )
        self.rel_paths.add(rel)

        if is_file:
            return rel, True, [rel.rsplit("/", 1)[-1]]
        if scheme == "garbage":
            n = 1 if rng.random() < 0.6 else rng.randint(2, 4)
            ext = rng.choice(_MULTI_EXTS)
            return rel, False, [f"track{k:02d}{ext}" for k in range(1, n + 1)]
        if scheme == "cd_multi":
            discs, per = rng.randint(2, 3), rng.randint(1, 3)
            ext = rng.choice((".mp3", ".mp3", ".m4a"))
            return rel, False, [f"CD{d}/{k:02d}{ext}" for d in range(1, discs + 1) for k in range(1, per + 1)]
        if rng.random() < 0.7:
            ext = rng.choice(_SINGLE_EXTS)
            name = rng.choice(
                [
                    title,
                    title,
                    title,
                    "".join(w[0] for w in title.split() if w).lower() or "book",
                    f"{title} - {author}",
                ]
            )
            return rel, False, [f"{name}{ext}"]
        n, ext = rng.randint(2, 6), rng.choice(_MULTI_EXTS)
        style = rng.randrange(4)
        names = [
            f"{k:02d} - Chapter {k}"
            if style == 0
            else f"{title} - {k:02d}"
            if style == 1
            else f"part{k:02d}"
            if style == 2
            else f"{k:02d} - {title}"
            for k in range(1, n + 1)
        ]
        return rel, False, [f"{name}{ext}" for name in names]

    def meta_tags(self, f: Facts, level: str, file_no: int, n_files: int, disc: int | None) -> dict:
        rng = self.rng
        tags: dict[str, str] = {}
        if level == "full":
            tags["tagAlbum"] = f.title
            tags["tagArtist"] = " & ".join(f.authors)
            if rng.random() < 0.5:
                tags["tagAlbumArtist"] = tags["tagArtist"]
            if f.narrators:
                tags["tagComposer"] = ", ".join(f.narrators)
            tags["tagGenre"] = "/".join(f.genres)
            tags["tagTitle"] = f.title if n_files == 1 else f"Chapter {file_no}"
            if f.year:
                tags["tagDate"] = (
                    f.year if rng.random() < 0.7 else f"{f.year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                )
            if f.publisher:
                tags["tagPublisher"] = f.publisher
            if f.series and f.position:
                if rng.random() < 0.5:
                    tags["tagSeries"], tags["tagSeriesPart"] = f.series, f.position
                else:
                    tags["tagGrouping"] = f"{f.series} #{f.position}"
            if f.asin and rng.random() < 0.4:
                tags["tagASIN"] = f.asin
        elif level == "partial":
            style = rng.randrange(3)
            if style == 0:  # the Hunger Games fixture: title + LF artist
                tags["tagTitle"] = _title_comma_article(f.title)
                tags["tagArtist"] = ", ".join(last_first(a) for a in f.authors[:1])
            elif style == 1:
                tags["tagAlbum"] = f.title
                tags["tagArtist"] = " & ".join(f.authors)
            else:
                tags["tagTitle"] = f.title if n_files == 1 else f"Part {file_no}"
        if n_files > 1:
            tags["tagTrack"] = f"{file_no}/{n_files}" if level != "none" else None
            if disc:
                tags["tagDisc"] = str(disc)
        tags["tagEncoder"] = _ENCODER
        return {k: v for k, v in tags.items() if v}  # ABS keeps only non-empty tags
