"""A long-kept personal archive: Audible purchases converted by OpenAudible, AAXtoMP3 or kept under
Audible's own download names, books merged with AudioBookConverter, a Calibre library's audio
formats, old CD rips in disc folders — and, after a migration into ABS, metadata a person edited by
hand in ABS's own editor.

Conventions, each from the tool's public source:
- OpenAudible (openaudible/openaudible, src/main/java/org/openaudible/): a converted book is saved
  as `<product id>.mp3` (Audible.getMP3FileDest: `Directories.MP3/<product_id>.mp3`, product ids
  such as `BK_ADBL_002121`); its export names a copy with
  BookToFilenameStrategy.getReadableFileName — the short title with `" < > | : * ? \\ / ' ,` and
  control characters dropped, then "Unabridged", "_ep6_", "(1)" and "()" removed and double spaces
  collapsed (Book.clean already strips "(Unabridged)" from the titles). Loose files in the library
  root are single-file items to ABS. convert/TagMP3AudioBook.setMP3Tags replaces the ID3 tag with:
  GENRE = Audible's genre, ARTIST = the author(s), COMPOSER = the narrator(s), TITLE = the full title,
  AMAZON_ID (TXXX "ASIN") = the ASIN, RECORD_LABEL = publisher, COMMENT = summary, CATALOG_NO = the
  product id, ENCODER = the *copyright line*, ALBUM = the short title, YEAR = the year of the release
  date (audible/AudibleUtils.getYear) — no album artist;
- Audible's own download names: the `.aax` named after the title without spaces or punctuation with
  an `_ep6`/`_ep7` suffix (the suffix OpenAudible's cleanFileName removes), kept as `.m4b` after a
  lossless remux, with Audible's own atoms (title and album "Title (Unabridged)", artist and album
  artist = authors, genre "Audiobook", date, publisher, comment — the same atoms Libation documents);
- AAXtoMP3 (KrumpetPirate/AAXtoMP3, script `AAXtoMP3`): output
  `<genre>/<artist>/<title>/<title>.<ext>` where every value has '/' and " (Unabridged)" removed and
  the title has ':' turned into '-' with the following space dropped ("Title-Subtitle"); tags are
  rewritten from scratch (`-map_metadata -1`): title, artist, album_artist, album, date, track "1/1",
  genre, copyright — no narrator; `--chaptered` (not `--single`) splits into
  `<title>-NN <chapter>.<ext>` files titled the same, with a `<title>.m3u` playlist and cover.jpg.
  The genre folder "Audiobook" sits where ABS expects the author, the author where it expects a
  series (server/utils/scandir.js getBookDataFromDir);
- AudioBookConverter (yermak/AudioBookConverter): AudioBookInfo.instance pre-fills the book from the
  first input file's tags — title from its *title* (a track title), writer from artist, narrator
  from composer, series from its *album*, book number from its track number; the default
  filenameFormat (Settings.java) is
  `<WRITER> - [<SERIES> - <BOOK_NUMBER %02d>] - <TITLE> (<NARRATOR>)` with `: \\ / > < | ? * "`
  removed (Utils.getOuputFilenameSuggestion); MetadataBuilder.prepareMp4MetaFile writes title,
  artist = writer, album = the *series* when one is set (else the title), composer = narrator, date,
  comment, track "<book number>/<total>", genre. So a book left as pre-filled keeps a track title
  ("Chapter 01") as its title and the book title as its series; a book filled in properly has its
  series name as the album, which ABS reads as the title;
- Calibre (kovidgoyal/calibre, src/calibre/db/backend.py construct_path_name / construct_file_name):
  `<first author>/<title> (<book id>)/<title> - <first author>.<ext>`, names passed through
  ascii_filename (accents folded, '?' and `\\ / : * " < > |` to '_', trailing dots and spaces
  dropped) and cut to PATH_LIMIT (40 on Windows, 100 elsewhere) less half the id part and two (the
  file name is cut to the same length here);
- CD rips (ripping habits rather than one tool's source): `Author/Title/CD 1/01 Track 01.mp3`,
  `Author/Series/Book N - Title/Disc 1/...` or a bare `Author/Series/Book N/CD1/...`, and iTunes'
  multi-disc names `1-01 Track 1.mp3` in one folder; CDDB tags: the album with a disc marker
  ("Title (Disc 1)", "Title [Disc 1 of 9]", "Title, CD 1"), the artist as the author (sometimes with
  the reader), a spoken-word genre, track titles "Track 01". ABS makes the parent of `CD N`/`Disc N`
  folders the item and reads its metadata from the first file only;
- hand edits after a migration (styles of people retyping metadata, not a tool; ABS's item editor,
  PATCH /api/items/:id/media, replaces the scan's metadata): titles
  abbreviated or with the series folded in ("Mistborn 01 - The Final Empire",
  "The Final Empire (Mistborn #1)"), sequences typed as "Vol. 1" or "Book 1", an author typed
  "Last, First" as one name, the subtitle appended to the title, narrators or the year dropped or
  the year set to the audio release's.

Not modelled: an ebook file beside the audio (ABS would make it the item's ebookFile, a shape the
recorded fixtures do not show) and Calibre's metadata.opf (the scanner port does not read OPF).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import partial

from emulators.abs_scanner import meta_tags_from_probe, scan_book_metadata
from emulators.corpus.draws import last_first, pick
from emulators.families._base import Context, Item, Layout, Mix, Release, generate_family, numbered

NAME = "archive"
MIX = Mix(distractor=0.10, same_title_trap=0.035, audio_only=0.05)

SCHEMES = {
    "openaudible_product_id": 0.08,
    "openaudible_readable": 0.10,
    "audible_download": 0.07,
    "aaxtomp3": 0.14,
    "abc_prefilled": 0.09,
    "abc_edited": 0.11,
    "calibre": 0.16,
    "cd_rip": 0.25,
}
HAND_EDIT = 0.2
HAND_STYLES = ("abbreviated", "series_in_title", "vol_sequence", "author_last_first", "subtitle_in_title",
               "dropped_fields")  # fmt: skip
_PRODUCT_HOUSES = ["ADBL", "RECO", "BLAK", "HARP", "PENG", "TANT", "BBCA", "SANS", "HACH", "MCMI", "BRLL",
                   "RAND"]  # fmt: skip
_SPOKEN_GENRES = ["Audiobook", "Books & Spoken", "Spoken Word", "Speech", "Audiobooks", "Other"]


def _full_title(rel: Release) -> str:
    return f"{rel.title}: {rel.subtitle}" if rel.subtitle else rel.title


def _audio_year(rel: Release) -> str | None:
    return (rel.date or "")[:4] or rel.year


def _copyright(rel: Release) -> str:
    year = _audio_year(rel) or "2010"
    return f"©{rel.year or year} {rel.authors[0]} (P){year} {rel.publisher or 'Audible, Inc.'}"


def _summary(rel: Release) -> str:
    return f"{rel.title} is a {(rel.genres[0] if rel.genres else 'new').lower()} story by {rel.authors[0]}."


# --- OpenAudible -------------------------------------------------------------------------------------

_OA_ILLEGAL = set("\"<>|:*?\\/',") | {chr(c) for c in range(32)}


def oa_readable_name(short_title: str) -> str:
    """BookToFilenameStrategy.cleanFileName (maxLen 128)."""
    name = "".join(c for c in short_title if c not in _OA_ILLEGAL)
    for find in ("Unabridged", "_ep6_", "(1)", "()"):
        name = name.replace(find, "")
    name = name.replace("  ", " ")
    return name[:128]


def _openaudible(ctx: Context, it: Item, readable: bool) -> Layout:
    rng = ctx.rng
    rel = it.release
    product_id = f"BK_{rng.choice(_PRODUCT_HOUSES)}_{rng.randrange(1, 999_999):06d}"
    short = rel.title  # Audible's short title: the title without its subtitle
    tags = {
        "genre": rel.genres[0] if rel.genres else "Fiction",
        "artist": ", ".join(rel.authors),
        "title": _full_title(rel),
        "ASIN": rel.asin or "",
        "publisher": rel.publisher or "",
        "comment": _summary(rel),
        "CATALOGNUMBER": product_id,
        "encoder": _copyright(rel),
        "album": short,
        "date": _audio_year(rel) or "",
    }
    if rel.narrators:
        tags["composer"] = ", ".join(rel.narrators)
    stem = oa_readable_name(short).strip() if readable else product_id
    rel_path = ctx.unique(f"{stem or product_id}.mp3", True)
    traits = {"scheme": "openaudible_readable" if readable else "openaudible_product_id",
              "tags": "openaudible_id3", "root_file": True, "product_id": product_id}  # fmt: skip
    return Layout(rel_path, True, [(rel_path, tags)], traits)


# --- Audible's download names ------------------------------------------------------------------------------


def audible_download_stem(full_title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^0-9A-Za-z]+", full_title) if w)[:48]


def _audible_download(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    rel = it.release
    full = _full_title(rel)
    suffix = "" if rel.abridged or rng.random() < 0.35 else " (Unabridged)"
    authors = ", ".join(rel.authors)
    tags = {"title": full + suffix, "artist": authors, "album_artist": authors, "album": full + suffix,
            "genre": "Audiobook", "comment": _summary(rel), "copyright": _copyright(rel)}  # fmt: skip
    if _audio_year(rel):
        tags["date"] = _audio_year(rel)
    if rel.publisher:
        tags["publisher"] = rel.publisher
    stem = f"{audible_download_stem(full)}_{rng.choice(['ep6', 'ep6', 'ep7'])}"
    rel_path = ctx.unique(f"{stem}.m4b", True)
    traits = {"scheme": "audible_download", "tags": "audible_atoms", "root_file": True}
    return Layout(rel_path, True, [(rel_path, tags)], traits)


# --- AAXtoMP3 ----------------------------------------------------------------------------------------


def aaxtomp3_value(value: str) -> str:
    """get_metadata_value: '/' removed, " (Unabridged)" removed, blanks squeezed and trimmed."""
    value = value.replace("/", "").replace(" (Unabridged)", "", 1)
    return re.sub(r"\s+", " ", value).strip()


def aaxtomp3_title(value: str) -> str:
    return aaxtomp3_value(value).replace(":", "-").replace("- ", "-")


def _aaxtomp3(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    rel = it.release
    raw_title = _full_title(rel) + ("" if rel.abridged else " (Unabridged)")
    title = aaxtomp3_title(raw_title)
    artist = aaxtomp3_value(", ".join(rel.authors))
    genre = "Audiobook"
    folder = ctx.unique(f"{genre}/{artist}/{title}", False)
    tags = {"title": title, "artist": artist, "album_artist": artist, "album": aaxtomp3_value(raw_title),
            "track": "1/1", "genre": genre, "copyright": _copyright(rel), "encoder": "Lavf58.29.100"}  # fmt: skip
    if _audio_year(rel):
        tags["date"] = _audio_year(rel)
    chaptered = rng.random() < 0.25
    text_files: dict[str, str] = {"cover.jpg": ""}
    if chaptered:
        names = [(k, f"{title}-{kk} Chapter {k}") for k, kk in numbered(rng.randint(3, 14))]
        files = [(f"{name}.mp3", dict(tags, title=name, track=str(k))) for k, name in names]
        text_files[f"{title}.m3u"] = "#EXTM3U\n" + "".join(f"{f}\n" for f, _ in files)
    else:
        ext = rng.choice([".mp3", ".m4b", ".m4b"])
        files = [(f"{title}{ext}", tags)]
    traits = {"scheme": "aaxtomp3", "tags": "aaxtomp3", "root_file": False, "genre_folder": genre,
              "chaptered": chaptered}  # fmt: skip
    return Layout(folder, False, files, traits, text_files=text_files)


# --- AudioBookConverter -----------------------------------------------------------------------------------

_ABC_REMOVE = ':\\/><|?*"'


def abc_filename(writer: str, series: str, number: int | None, title: str, narrator: str) -> str:
    """Settings.filenameFormat rendered, then Utils.getOuputFilenameSuggestion's removals."""
    out = writer
    if series:
        out += f" - [{series}" + (f" - {number:02d}" if number is not None else "") + "]"
    out += f" - {title}"
    if narrator:
        out += f" ({narrator})"
    out = "".join(c for c in out if c not in _ABC_REMOVE)
    return out if out.strip() else "NewBook"


def _abc(ctx: Context, it: Item, prefilled: bool) -> Layout:
    rng = ctx.rng
    rel = it.release
    writer = ", ".join(rel.authors)
    narrator = ", ".join(rel.narrators)
    if prefilled:
        # The first input mp3's tags become the book: its track title, its album as the series.
        first = rng.choice(["Chapter 01", "Track 01", "01", f"{rel.title} - Part 01", f"01 - {rel.title}",
                            "Opening Credits", "Part 1"])  # fmt: skip
        title, series, number = first, rel.title, 1
        year = ""  # the mp3's year lives in TYER/TDRC, which ffprobe reports as "date", not "year"
    else:
        title = _full_title(rel) if rng.random() < 0.5 else rel.title
        series = rel.series or ""
        number = int(float(rel.position)) if rel.position and float(rel.position).is_integer() else None
        if not series:
            number = None
        year = _audio_year(rel) or ""
    tags = {"title": title, "artist": writer, "album": series or title, "encoder": "Lavf58.76.100",
            "media_type": "2", "track": f"{number or 0}/{rng.randint(8, 40) if prefilled else 0}"}  # fmt: skip
    if narrator:
        tags["composer"] = narrator
    if year:
        tags["date"] = year
    genre = rng.choice(["Audiobook", "Fantasy", "Fiction", ""]) if prefilled else (rel.genres or [""])[0]
    if genre:
        tags["genre"] = genre
    if rng.random() < 0.5:
        tags["comment"] = _summary(rel)
    stem = abc_filename(writer, series, number, title, narrator)
    where = rng.random()
    if where < 0.6:
        rel_path = ctx.unique(f"{stem}.m4b", True)
        layout = Layout(rel_path, True, [(rel_path, tags)], {})
    else:
        folder_name = "".join(c for c in rel.title if c not in _ABC_REMOVE).strip() or "NewBook"
        folder = f"{rel.authors[0]}/{folder_name}" if where < 0.8 else folder_name
        layout = Layout(ctx.unique(folder, False), False, [(f"{stem}.m4b", tags)], {})
    layout.traits = {"scheme": "abc_prefilled" if prefilled else "abc_edited", "tags": "abc",
                     "root_file": layout.is_file, "series_as_album": bool(series)}  # fmt: skip
    return layout


# --- Calibre ---------------------------------------------------------------------------------------------


def ascii_filename(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.replace("?", "_")
    text = "".join("_" if c in '\\/:*"<>|' or ord(c) < 32 else c for c in text)
    return text


def calibre_path(author: str, title: str, book_id: int, windows: bool) -> tuple[str, str]:
    """(folder, file stem) as construct_path_name / construct_file_name build them."""
    limit = 40 if windows else 100
    id_part = f" ({book_id})"
    room = limit - len(id_part) // 2 - 2
    a = ascii_filename(author)[:room].rstrip(" .") or "Unknown"
    t = ascii_filename(title.lstrip())[:room].rstrip() or "Unknown"
    return f"{a}/{t}{id_part}", f"{t} - {a}"


def _calibre(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    rel = it.release
    windows = rng.random() < 0.5
    title = _full_title(rel) if rng.random() < 0.6 else rel.title
    folder, stem = calibre_path(rel.authors[0], title, rng.randint(1, 9999), windows)
    folder = ctx.unique(folder, False)
    ext = rng.choice([".m4b", ".m4b", ".mp3", ".m4a"])
    source = rng.choice(["store", "store", "ripper", "none"])
    authors = ", ".join(rel.authors)
    if source == "store":
        tags = {"title": _full_title(rel), "album": rel.title, "artist": authors, "album_artist": authors,
                "genre": "Audiobook"}  # fmt: skip
        if rel.narrators:
            tags["composer"] = ", ".join(rel.narrators)
        if _audio_year(rel):
            tags["date"] = _audio_year(rel)
    elif source == "ripper":
        tags = {"title": "Track 01", "album": rel.title, "artist": rel.authors[0], "encoder": "LAME3.99r"}
    else:
        tags = {"encoder": "Lavf59.27.100"}
    traits = {"scheme": "calibre", "tags": f"calibre_{source}", "root_file": False, "windows_names": windows}
    return Layout(folder, False, [(f"{stem}{ext}", tags)], traits)


# --- CD rips ---------------------------------------------------------------------------------------------


def _disc_album(ctx: Context, title: str, d: int, n: int) -> str:
    style = ctx.rng.randrange(5)
    if style == 0:
        return f"{title} (Disc {d})"
    if style == 1:
        return f"{title} [Disc {d} of {n}]"
    if style == 2:
        return f"{title}, CD {d}"
    if style == 3:
        return f"{title} Disc {d}"
    return title


def _folder_name(text: str) -> str:
    """How people type a title as a Windows folder name: no ':' or '?', no '/'."""
    return text.replace(": ", " - ").replace(":", "-").replace("?", "").replace("/", "-").strip()


def _cd_rip(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    rel = it.release
    author = rel.authors[0]
    title = rel.title
    n_discs = rng.randint(2, 6)
    per_disc = [rng.randint(1, 4) for _ in range(n_discs)]
    shape = rng.choice(["title_cd", "series_book_title", "series_book_bare", "itunes"])
    if shape in ("series_book_title", "series_book_bare") and not (rel.series and rel.position):
        shape = "title_cd"
    if shape == "series_book_title":
        parts = [author, rel.series, f"Book {rel.position} - {title}"]
    elif shape == "series_book_bare":
        parts = [author, rel.series, f"Book {rel.position}"]
    else:
        parts = [author, title]
    folder = ctx.unique("/".join(_folder_name(p) for p in parts), False)
    disc_dir = rng.choice(["CD {d}", "CD{d}", "Disc {d}", "disc {d}", "Disk {d}"])
    artist_style = rng.random()
    if artist_style < 0.7 or not rel.narrators:
        artist = author
    elif artist_style < 0.9:
        artist = f"{author}, {rel.narrators[0]}"
    else:
        artist = f"{author} (read by {rel.narrators[0]})"
    genre = rng.choice(_SPOKEN_GENRES)
    year = _audio_year(rel) if rng.random() < 0.7 else None
    album_style_fixed = rng.random() < 0.5
    files = []
    for d in range(1, n_discs + 1):
        album = _disc_album(ctx, title, d, n_discs) if not album_style_fixed else f"{title} (Disc {d})"
        for t in range(1, per_disc[d - 1] + 1):
            tags = {"album": album, "artist": artist, "title": f"Track {t:02d}", "genre": genre,
                    "track": f"{t}/{per_disc[d - 1]}", "disc": f"{d}/{n_discs}", "encoder": "LAME3.98r"}  # fmt: skip
            if year:
                tags["date"] = year
            if shape == "itunes":
                name = f"{d}-{t:02d} Track {t}.mp3"
            else:
                name = f"{disc_dir.format(d=d)}/{t:02d} Track {t:02d}.mp3"
            files.append((name, tags))
    traits = {"scheme": f"cd_rip_{shape}", "tags": "cddb", "root_file": False, "discs": n_discs,
              "disc_folders": shape != "itunes"}  # fmt: skip
    return Layout(folder, False, files, traits)


# --- hand edits ------------------------------------------------------------------------------------------


def _initials(words: str) -> str:
    return "".join(w[0].upper() for w in words.split() if w[:1].isalpha())


def _abbreviate(title: str, series: str | None) -> str:
    if series and title.lower().startswith(series.lower() + " "):
        return _initials(series) + title[len(series) :]
    words = title.split()
    if words and words[0].lower() in ("the", "a", "an") and len(words) > 2:
        words = words[1:]
    short = " ".join(words).replace(" and ", " & ")
    if len(short.split()) > 5:
        short = " ".join(short.split()[:4]) + "..."
    return short


def hand_edited(ctx: Context, it: Item, lay: Layout) -> tuple[dict, list[str]]:
    """The scan's metadata after a person retyped it in ABS's editor, in their own style."""
    rng = ctx.rng
    rel = it.release
    first = lay.files[0][1]
    md = scan_book_metadata(lay.rel_path, lay.is_file, meta_tags_from_probe(first))
    md = dict(md, title=rel.title, subtitle=rel.subtitle, authors=list(rel.authors),
              narrators=list(rel.narrators), series=[(rel.series, rel.position)] if rel.series else [],
              publishedYear=rel.year)  # fmt: skip
    applied: list[str] = []
    for style in rng.sample(HAND_STYLES, rng.choice((1, 1, 2))):
        if style == "abbreviated":
            short = _abbreviate(md["title"], rel.series)
            if short == md["title"]:
                continue
            md["title"] = short
        elif style == "series_in_title":
            if not (rel.series and rel.position):
                continue
            how = rng.randrange(3)
            if how == 0:
                md["title"] = f"{rel.series} {rel.position.zfill(2)} - {md['title']}"
            elif how == 1:
                md["title"] = f"{md['title']} ({rel.series} #{rel.position})"
            else:
                md["title"] = f"{rel.series}, Book {rel.position}: {md['title']}"
            if rng.random() < 0.5:
                md["series"] = []
        elif style == "vol_sequence":
            if not (rel.series and rel.position):
                continue
            typed = rng.choice([f"Vol. {rel.position}", f"Book {rel.position}", rel.position.zfill(2)])
            md["series"] = [(rel.series, typed)]
        elif style == "author_last_first":
            if " " not in rel.authors[0]:
                continue
            md["authors"] = [last_first(rel.authors[0]), *rel.authors[1:]]
        elif style == "subtitle_in_title":
            if not md["subtitle"]:
                continue
            md["title"] = f"{md['title']} - {md['subtitle']}"
            md["subtitle"] = None
        else:
            md["narrators"] = []
            md["publishedYear"] = _audio_year(rel) if rng.random() < 0.5 else None
        applied.append(style)
    # Retyped in a plain style: still an edit, the scan's reading is gone.
    return md, applied or ["retyped"]


# --- the family ------------------------------------------------------------------------------------------


# How each scheme lays a release out (the keys of SCHEMES).
_LAYOUTS: dict[str, Callable[[Context, Item], Layout]] = {
    "openaudible_product_id": partial(_openaudible, readable=False),
    "openaudible_readable": partial(_openaudible, readable=True),
    "audible_download": _audible_download,
    "aaxtomp3": _aaxtomp3,
    "abc_prefilled": partial(_abc, prefilled=True),
    "abc_edited": partial(_abc, prefilled=False),
    "calibre": _calibre,
    "cd_rip": _cd_rip,
}


def layout(ctx: Context, it: Item) -> Layout:
    scheme = pick(ctx.rng, SCHEMES)
    lay = _LAYOUTS[scheme](ctx, it)
    lay.files = [(name, {k: v for k, v in tags.items() if v}) for name, tags in lay.files]
    edited: list[str] | None = None
    if ctx.rng.random() < HAND_EDIT:
        lay.matched, edited = hand_edited(ctx, it, lay)
    lay.traits["edited"] = edited
    lay.traits["parts"] = len(lay.files)
    return lay


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)
