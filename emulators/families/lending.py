"""A library filled from lending and free sources: public-library loans downloaded from OverDrive/Libby,
LibriVox's public-domain recordings from archive.org, and Audible titles fetched with audible-cli — a
shelf that leans to public-domain classics, with the catalogue noise those carry.

Development data: this was the third frozen family, reported once at 7736f6f (auto recall 0.630,
auto precision 1.000) and spent — its figure has been seen, so it no longer stands for an unseen library.

Conventions, each from the tool's public source or documentation:
- odmpy (ping/odmpy; odmpy/cli_utils.py, odmpy/processing/audiobook.py and shared.py, odmpy/utils.py):
  `--bookfolderformat` defaults to `%(Title)s - %(Author)s` (Author: the authors comma-separated),
  `--bookfileformat` to the same; users also set `%(Author)s - %(Title)s`. A Libby download saves one
  MP3 per OverDrive part, named `slugify(f"{title} - Part {n:02d}")` + `.mp3` — Django's slugify:
  ASCII-folded, lower-cased, punctuation dropped, spaces to hyphens (`pride-and-prejudice-part-01.mp3`).
  `-m` merges the parts into `<book file format>.mp3` (or `.m4b` with `--mergeformat m4b`).
  write_tags: TIT2 = title, TIT3 = subtitle, TALB = title, TPE1 and TPE2 = authors joined with the
  `--tagsdelimiter` (default ";"), TRCK = "NN/MM", TPE3 = narrators (ffprobe's `performer`, which ABS
  does not read), TPUB = publisher, COMM with the descriptor "Description" = the description (ffmpeg
  names a described comment by its descriptor), TCON = the subjects joined, TLAN = ISO 639-2 code,
  TDRL = Libby's publishDate, TXXX "Series" (the series name only, no position), TXXX "OverDrive Media
  ID" and TXXX "ISBN" — the audiobook's ISBN, not the print book's. A merged `.m4b` keeps only the
  atoms ffmpeg's MP4 muxer knows (title, album, artist, album artist, genre, date, description).
- OverDrive's own MP3 parts (the older OverDrive Media Console/`.odm` route, still handled by odmpy's
  `dl` command and by sonus, whose README names them `-partX.mp3`): `{Title}-Part01.mp3` files, often
  with the spaces squeezed out, tagged by OverDrive: title "{Title} - Part 01", album the title (some
  with " (Unabridged)"), artist the author, genre "Audiobook", the narrator in the composer or only as
  "Read by …" in the comment, and the `OverDrive MediaMarkers` chapter XML that ABS reads.
- LibriVox (librivox.org, its wiki's Tech Specs and cataloguing pages, archive.org's item layout):
  a book is an archive.org item `{title}_librivox` (or `{title}_{version}_librivox` for a later
  version), one MP3 per section named `{title}_{NN}_{author's last name}.mp3` with archive.org's
  derived `{…}_64kb.mp3` copies; readers fill only Name, Artist and Album, cataloguers add the rest:
  title "Chapter NN" or "NN - <section>", artist the author, album the book (later versions say
  "(version 2)"), album artist "LibriVox", genre "Speech", and the reader as "Read by …" in the
  comment — solo readings have one reader, collaborative ones a different reader per section. Every
  recording opens with LibriVox's disclaimer. A LibriVox reading is another recording than any store
  edition: its length differs by up to an eighth and its readers are volunteers no catalogue lists.
- audible-cli (mkb79/audible-cli; models.py full_title_slugify, cmds/cmd_download.py): `audible
  download` names a book `<base>-<codec>.aax` with base from `--filename-mode`: `ascii` (the default:
  "Title: Subtitle" NFKD-folded to ASCII, spaces to "_", only `-_.() ` and alphanumerics kept),
  `asin_ascii` (`<ASIN>_<ascii>`), `unicode` (the full title), `asin_only`; codecs such as `AAX_44_128`,
  `AAX_22_64`, `LC_64_22050_stereo`. Decrypted with ffmpeg (`-c copy`) the name stays, extension
  `.m4b`; the files land side by side in one output folder, so many are loose files in the library root
  (download scripts built on it also use one `-o <ASIN>` folder per book).
  Audible's atoms: title and album "Title (Unabridged)", artist and album artist the authors, genre
  "Audiobook", date, publisher, comment the summary, copyright; the narrator atom (©nrt) is not one ABS
  reads.
- public-domain catalogue noise (how listings of classics differ from one record of the book): many
  publishers record the same classic, so the publisher is any of them; the year is a modern edition's,
  sometimes the first publication's; translated and long-form titles ("Frankenstein; or, The Modern
  Prometheus", "Twenty Thousand Leagues Under the Seas", "Notre-Dame de Paris"); other transliterations
  and styles of the author ("Fyodor Dostoevsky", "Lev Tolstoy", "Alexandre Dumas père", "Mary
  Shelley"); narrators missing more often.

Not modelled: Libby's in-app downloads (kept inside the app, never a folder) and browser userscripts'
ZIP exports (their naming is not documented).
"""

from __future__ import annotations

import math
import re
import unicodedata

from emulators.catalogue import Book
from emulators.corpus.draws import pick
from emulators.families._base import Context, Item, Layout, Mix, Release, generate_family

NAME = "lending"
MIX = Mix(distractor=0.10, same_title_trap=0.04, audio_only=0.05)
CLASSIC_SHARE = 0.45  # of the shelf: public-domain books, first published before 1931

SCHEMES = {
    "odmpy_parts": 0.22,
    "odmpy_author_first": 0.08,
    "odmpy_merged": 0.10,
    "overdrive_parts": 0.12,
    "librivox": 0.26,
    "audible_cli": 0.22,
}
# LibriVox records public-domain books only; a modern book drawn for it goes to a lending scheme instead.
_MODERN_SCHEMES = {k: v for k, v in SCHEMES.items() if k != "librivox"}

_PD_PUBLISHERS = ["Naxos AudioBooks", "Blackstone Audio", "Tantor Audio", "Dreamscape Media", "Recorded Books",
                  "Audible Studios", "Trout Lake Media", "Ukemi Audiobooks", "BBC Audiobooks", "Mission Audio",
                  "Brilliance Audio", "HarperAudio"]  # fmt: skip
_ALT_TITLES = {
    "frankenstein": "Frankenstein; or, The Modern Prometheus",
    "moby-dick": "Moby Dick; or, The Whale",
    "moby-dick or, the whale": "Moby Dick",
    "twenty thousand leagues under the sea": "Twenty Thousand Leagues Under the Seas",
    "around the world in eighty days": "Around the World in 80 Days",
    "journey to the center of the earth": "A Journey to the Interior of the Earth",
    "the hunchback of notre-dame": "Notre-Dame de Paris",
    "the count of monte cristo": "Le Comte de Monte-Cristo",
    "the three musketeers": "Les Trois Mousquetaires",
    "the metamorphosis": "Die Verwandlung",
    "don quixote": "The History of Don Quixote of la Mancha",
    "the odyssey": "The Odyssey of Homer",
    "the iliad": "The Iliad of Homer",
    "the adventures of huckleberry finn": "Adventures of Huckleberry Finn",
    "the adventures of tom sawyer": "Adventures of Tom Sawyer",
    "crime and punishment": "Crime & Punishment",
    "the brothers karamazov": "Brothers Karamazov",
    "candide": "Candide, or Optimism",
    "gulliver's travels": "Travels into Several Remote Nations of the World",
    "the picture of dorian gray": "Picture of Dorian Gray",
}
# Transliterations and styles of the same classic author across editions and archives.
_ALT_AUTHORS = {
    "Fyodor Dostoyevsky": ["Fyodor Dostoevsky", "Fedor Dostoevsky", "Feodor Dostoevsky"],
    "Leo Tolstoy": ["Lev Tolstoy", "Count Leo Tolstoy", "Lyof N. Tolstoi"],
    "Anton Chekhov": ["Anton Tchekhov", "Anton Pavlovich Chekhov"],
    "Nikolai Gogol": ["Nikolay Gogol", "Nikolai Vasilievich Gogol"],
    "Arthur Conan Doyle": ["Sir Arthur Conan Doyle", "A. Conan Doyle"],
    "Alexandre Dumas": ["Alexandre Dumas père", "Alexandre Dumas pere"],
    "Johann Wolfgang von Goethe": ["J. W. von Goethe", "Goethe"],
    "Dante Alighieri": ["Dante"],
    "Hans Christian Andersen": ["H. C. Andersen"],
    "Mary Wollstonecraft Shelley": ["Mary Shelley"],
    "Lewis Carroll": ["Charles Lutwidge Dodgson"],
    "Mark Twain": ["Samuel Clemens"],
    "L.M. Montgomery": ["Lucy Maud Montgomery", "L. M. Montgomery"],
    "Edgar Allan Poe": ["Edgar A. Poe"],
}
_READER_FIRST = ["Karen", "Mark", "Elizabeth", "Bob", "Ruth", "Kara", "Peter", "Gesine", "Tadhg", "Annie",
                 "Phil", "Lucy", "Chiquito", "Mil", "Sibella", "Ezwa"]  # fmt: skip
_READER_LAST = ["Savage", "Nelson", "Klett", "Neufeld", "Golding", "Shipway", "Hynes", "Coutu", "Crowley",
                "Denham", "Chadwick", "Nadeau"]  # fmt: skip
_CODECS = ["AAX_44_128", "AAX_44_128", "AAX_22_64", "AAX_22_32", "LC_64_22050_stereo", "LC_128_44100_stereo"]


def is_classic(book: Book) -> bool:
    return book.release_year is not None and book.release_year < 1931


def slugify(text: str) -> str:
    """Django's slugify without allow_unicode (odmpy's part-file names)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


def audible_cli_ascii(full_title: str) -> str:
    """audible-cli's full_title_slugify."""
    keep = set("-_.() ") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    text = (
        unicodedata.normalize("NFKD", full_title).encode("ascii", "ignore").decode("ascii").replace(" ", "_")
    )
    return "".join(c for c in text if c in keep)


def _no_illegal(text: str) -> str:
    return "".join(c for c in text if c not in '\\/:*?"<>|').strip()


def _full_title(rel: Release) -> str:
    return f"{rel.title}: {rel.subtitle}" if rel.subtitle else rel.title


def _year(rel: Release) -> str | None:
    return rel.year or ((rel.date or "")[:4] or None)


def _isbn13(ctx: Context) -> str:
    """An audiobook ISBN (979-8 range) the catalogue does not hold."""
    digits = [9, 7, 9, 8] + [ctx.rng.randrange(10) for _ in range(8)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits + [check]))


def _describe(rel: Release) -> str:
    kind = rel.genres[0].lower() if rel.genres else "classic"
    return f"{rel.authors[0]}'s {kind} work, {rel.title}, in an unabridged reading."


def _parts(ctx: Context, rel: Release, low: float, high: float, most: int) -> int:
    return max(1, min(most, math.ceil(rel.seconds / ctx.rng.uniform(low, high))))


def classic_noise(ctx: Context, it: Item) -> None:
    """How listings of a public-domain classic differ: any publisher, long or translated titles, the first
    publication year or a modern edition's, and more often no narrator."""
    book, rel, rng = it.facts.book, it.release, ctx.rng
    if book is None or not is_classic(book):
        return
    rel.publisher = rng.choice(_PD_PUBLISHERS)
    alt = _ALT_TITLES.get(book.title.lower())
    if alt and rng.random() < 0.45:
        rel.title, rel.subtitle = alt, None
        rel.noise.append("alt_title")
    spellings = _ALT_AUTHORS.get(book.authors[0]) if book.authors else None
    if spellings and rel.authors and rel.authors[0] == book.authors[0] and rng.random() < 0.4:
        rel.authors = [rng.choice(spellings), *rel.authors[1:]]
        rel.noise.append("alt_author_spelling")
    if rel.narrators and rng.random() < 0.12:
        rel.narrators = []
        rel.noise.append("no_narrator")
    if rng.random() < 0.2 and book.release_year and book.release_year > 0:
        rel.year = str(book.release_year)
        rel.noise.append("first_publication_year")


# --- odmpy and OverDrive ------------------------------------------------------------------------------


def _odmpy_tags(ctx: Context, rel: Release, m4b: bool) -> dict[str, str]:
    rng = ctx.rng
    tags = {"title": rel.title, "album": rel.title, "artist": ";".join(rel.authors),
            "album_artist": ";".join(rel.authors)}  # fmt: skip
    if rel.subtitle and not m4b:
        tags["subtitle"] = rel.subtitle
    if rel.narrators and not m4b:
        tags["performer"] = ";".join(rel.narrators)
    if rel.publisher and not m4b:
        tags["publisher"] = rel.publisher
    tags["Description" if not m4b else "description"] = _describe(rel)
    tags["genre"] = ";".join(rel.genres[:2]) if rel.genres else "Fiction"
    if rel.date:
        tags["date"] = f"{rel.date}T00:00:00Z" if rng.random() < 0.6 else rel.date
    if not m4b:
        if rel.language:
            tags["language"] = "eng" if rel.language == "English" else rel.language[:3].lower()
        if rel.series:
            tags["Series"] = rel.series
        tags["OverDrive Media ID"] = str(rng.randrange(100_000, 9_999_999))
        tags["ISBN"] = _isbn13(ctx)
    tags["encoder"] = rng.choice(["Lavf58.76.100", "Lavf59.27.100", "Lavf60.16.100"])
    return tags


def odmpy(ctx: Context, it: Item, scheme: str) -> Layout:
    rng, rel = ctx.rng, it.release
    authors = ", ".join(rel.authors)
    title = _no_illegal(rel.title)
    name = (
        f"{_no_illegal(authors)} - {title}"
        if scheme == "odmpy_author_first"
        else f"{title} - {_no_illegal(authors)}"
    )
    folder = ctx.unique(name, False)
    merged = scheme == "odmpy_merged"
    m4b = merged and rng.random() < 0.6
    tags = _odmpy_tags(ctx, rel, m4b)
    if merged:
        files = [(f"{name}{'.m4b' if m4b else '.mp3'}", tags)]
    else:
        n = _parts(ctx, rel, 2700, 4800, 40)
        files = [(f"{slugify(f'{rel.title} - Part {k:02d}')}.mp3", dict(tags, track=f"{k:02d}/{n:02d}"))
                 for k in range(1, n + 1)]  # fmt: skip
    traits = {"scheme": scheme, "tags": "odmpy_m4b" if m4b else "odmpy_id3", "parts": len(files)}
    return Layout(folder, False, files, traits)


def _markers(n_chapters: int, seconds: float) -> str:
    step = seconds / max(1, n_chapters)
    marks = "".join(
        f"<Marker><Name>Chapter {k + 1}</Name><Time>{int(k * step // 60)}:{k * step % 60:06.3f}</Time></Marker>"
        for k in range(n_chapters)
    )
    return f"<Markers>{marks}</Markers>"


def overdrive(ctx: Context, it: Item) -> Layout:
    rng, rel = ctx.rng, it.release
    squeezed = rng.random() < 0.5
    stem = _no_illegal(rel.title).replace(" ", "") if squeezed else _no_illegal(rel.title)
    folder = _no_illegal(rel.title)
    if rng.random() < 0.5:
        folder = f"{_no_illegal(rel.authors[0])}/{folder}"
    folder = ctx.unique(folder, False)
    n = _parts(ctx, rel, 3000, 4500, 40)
    album = rel.title + (" (Unabridged)" if not rel.abridged and rng.random() < 0.35 else "")
    base = {
        "album": album,
        "artist": rel.authors[0],
        "genre": rng.choice(["Audiobook", "Audiobook", "Speech"]),
    }
    narrator_in = "none"
    if rel.narrators:
        narrator_in = pick(rng, {"composer": 0.5, "comment": 0.4, "none": 0.1})
        if narrator_in == "composer":
            base["composer"] = ", ".join(rel.narrators)
        elif narrator_in == "comment":
            base["comment"] = f"Read by {', '.join(rel.narrators)}"
    year = _year(rel)
    if year:
        base["date"] = year
    files = []
    for k in range(1, n + 1):
        tags = dict(base, title=f"{rel.title} - Part {k:02d}", track=str(k))
        tags["OverDrive MediaMarkers"] = _markers(rng.randint(1, 4), rel.seconds / n)
        files.append((f"{stem}-Part{k:02d}.mp3", tags))
    traits = {"scheme": "overdrive_parts", "tags": "overdrive", "parts": n, "squeezed": squeezed,
              "narrator_in": narrator_in}  # fmt: skip
    return Layout(folder, False, files, traits)


# --- LibriVox ------------------------------------------------------------------------------------------


def _reader(ctx: Context) -> str:
    return f"{ctx.rng.choice(_READER_FIRST)} {ctx.rng.choice(_READER_LAST)}"


def librivox(ctx: Context, it: Item) -> Layout:
    rng, rel = ctx.rng, it.release
    short = re.sub(r"[^a-z0-9]", "", slugify(re.sub(r"^(the|a|an) ", "", rel.title.lower())))[:24] or "book"
    last = slugify(rel.authors[0].split()[-1]).replace("-", "") or "anon"
    version = rng.choice([None, None, None, 2, 3])
    ident = (
        f"{slugify(rel.title).replace('-', '_')}_librivox"
        if version is None
        else f"{short}_{version}_librivox"
    )
    folder = ident if rng.random() < 0.75 else f"LibriVox/{ident}"
    folder = ctx.unique(folder, False)
    solo = rng.random() < 0.6
    readers = [_reader(ctx)] if solo else [_reader(ctx) for _ in range(rng.randint(3, 8))]
    # another recording than any store edition: its own length and its own (volunteer) readers
    edition = ctx.cat.editions.get(it.truth.edition_id) if it.truth.edition_id is not None else None
    base = float(edition.audio_seconds) if edition and edition.audio_seconds else rel.seconds
    rel.seconds = base * (1 + rng.uniform(0.02, 0.125) * rng.choice((-1, 1)))
    if "duration" in rel.noise:
        rel.noise.remove("duration")
    rel.noise.append("other_recording")
    rel.narrators = readers[:1] if solo else []
    it.facts.narrators = list(readers[:1])
    it.facts.seconds = rel.seconds
    n = _parts(ctx, rel, 1200, 2700, 60)
    derived = rng.random() < 0.7
    album = rel.title + (f" (version {version})" if version else "")
    title_style = rng.choice(["chapter_nn", "nn_section"])
    files = []
    for k in range(1, n + 1):
        reader = readers[(k - 1) % len(readers)]
        title = f"Chapter {k:02d}" if title_style == "chapter_nn" else f"{k:02d} - Chapter {k}"
        tags = {"title": title, "artist": rel.authors[0], "album": album, "genre": "Speech", "track": str(k),
                "comment": f"Read by {reader}"}  # fmt: skip
        if rng.random() < 0.8 or k > 1:
            tags["album_artist"] = "LibriVox"
        files.append((f"{short}_{k:02d}_{last}{'_64kb' if derived else ''}.mp3", tags))
    traits = {"scheme": "librivox", "tags": "librivox_catalogued", "parts": n, "solo": solo,
              "version": version, "readers": readers}  # fmt: skip
    return Layout(folder, False, files, traits)


# --- audible-cli -----------------------------------------------------------------------------------------


def audible_cli(ctx: Context, it: Item) -> Layout:
    rng, rel = ctx.rng, it.release
    mode = pick(rng, {"ascii": 0.55, "asin_ascii": 0.22, "unicode": 0.13, "asin_only": 0.1})
    full = _full_title(rel)
    asin = rel.asin or "B000000000"
    if mode == "unicode":
        base = full.replace("/", "_").replace(":", "_") if rng.random() < 0.5 else full.replace("/", "_")
    elif mode == "asin_only":
        base = asin
    else:
        base = audible_cli_ascii(full) or asin
        if mode == "asin_ascii":
            base = f"{asin}_{base}"
    stem = f"{base}-{rng.choice(_CODECS)}"
    title = rel.title + (" (Unabridged)" if not rel.abridged and rng.random() < 0.7 else "")
    tags = {"title": title, "album": title, "artist": ", ".join(rel.authors), "album_artist": ", ".join(rel.authors),
            "genre": "Audiobook", "comment": _describe(rel)}  # fmt: skip
    year = _year(rel)
    if year:
        tags["date"] = year
    if rel.publisher:
        tags["publisher"] = rel.publisher
        tags["copyright"] = f"©{year or ''} {rel.authors[0]}; (P){year or ''} {rel.publisher}"
    loose = rng.random() < 0.55
    if loose:
        rel_path = ctx.unique(f"{stem}.m4b", True)
        layout = Layout(rel_path, True, [(rel_path, tags)], {})
    else:
        # a folder per book, named like the file or (download scripts' habit) by the ASIN alone
        folder = asin if rng.random() < 0.2 else stem
        layout = Layout(ctx.unique(folder, False), False, [(f"{stem}.m4b", tags)], {})
    layout.traits = {"scheme": "audible_cli", "tags": "audible_atoms", "filename_mode": mode, "loose": loose}
    return layout


def layout(ctx: Context, it: Item) -> Layout:
    classic_noise(ctx, it)
    book = it.facts.book
    classic = book is not None and is_classic(book)
    scheme = pick(ctx.rng, SCHEMES if classic else _MODERN_SCHEMES)
    if scheme == "librivox":
        return librivox(ctx, it)
    if scheme == "overdrive_parts":
        return overdrive(ctx, it)
    if scheme == "audible_cli":
        return audible_cli(ctx, it)
    return odmpy(ctx, it, scheme)


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, (is_classic, CLASSIC_SHARE), **kw)
