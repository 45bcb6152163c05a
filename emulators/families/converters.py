"""A self-hosted converter's library: downloaded MP3 books merged into chaptered M4B files by
auto-m4b and m4b-tool, tagged from their folder names by m4b-tool's batch mode or by tone, and sorted
into folders by audiobook-organizer from the tags the merge left — the pipeline between a download
folder and an Audiobookshelf library that people run in Docker.

Conventions, each from the tool's public source or documentation:
- auto-m4b (seanap/auto-m4b; auto-m4b-tool.sh, README): a loose `.mp3`/`.m4b` in `recentlyadded`
  gets a folder named after its file name without the extension; a folder with two or more audio files
  is merged with `m4b-tool merge "$book" --use-filenames-as-chapters --skip-cover ...
  --output-file=untagged/$book/$book.m4b`, so the book is `<download folder>/<download folder>.m4b`
  beside a `<download folder>.chapters.txt`; a loose `.m4b` goes to `untagged` as it is, in the
  folder named after it. No `--name`, `--artist` or other tag option is passed: the M4B takes its tags from the first
  source file (MergeCommand loadTagFromFirstSourceFile, merged as missing values, track numbers
  dropped) — a chapter's title tag ("Chapter 01", "<Title> - Part 01") becomes the book's title
  atom. The README leaves tagging to a later step; many point ABS at `untagged` as it is;
- m4b-tool's batch mode (sandreas/m4b-tool; README "Step 6", MergeCommand prepareBatchJobs,
  Audio/Tag/InputOptions.php): the documented input tree `input/%g/%a/%s/%p - %n/` or
  `input/%g/%a/%n/` (genre, artist, series, series part, name; a '/' in a title typed as '-') gives
  `--name`, `--artist`, `--genre`, `--series`, `--series-part`; the output file is the pattern
  rendered under `--output-file`, `output/<genre>/<author>/<series>/<part> - <name>.m4b` for a series
  book (the file sits in the series folder) and, when the part is empty, with the name appended as a
  folder: `output/<genre>/<author>/<name>/<name>.m4b`. The options overwrite the source tags, the
  rest is taken from the first source file; `--adjust-for-ipod` (in the README's example) sets the
  album to the name. The Docker image ships tone, and m4b-tool writes tags through tone when it is
  there (Audio/BinaryWrapper.php writeTag): series and part become the MP4 movement atoms (©mvn,
  ©mvi), and tone's M4B fill-up below applies;
- tone (sandreas/tone; README "--path-pattern", Metadata/Taggers/M4BFillUpTagger.cs): `tone tag
  --path-pattern="audiobooks/%g/%a/%s/%p - %n.m4b" --path-pattern="audiobooks/%g/%a/%z/%n.m4b"` reads
  genre, artist, movement name, part and title from each file's path (`%p` is Program.cs's grok
  PARTNUMBER, `[0-9-.,IVXLCDM]+`; `%z` is a folder it ignores) and keeps the file's other atoms; for an M4B it fills the album from
  the title when empty and, for a series book, sets the sort title `<series> <part> - <title>` and a
  freeform `----:com.pilabor.tone:SERIES` atom (ffmpeg reports a freeform atom by its name, SERIES);
- audiobook-organizer (jeeftor/audiobook-organizer; internal/organizer/metadata_providers.go,
  organizer.go LayoutCalculator, path.go, docs/LAYOUTS.md) with `--use-embedded-metadata`, run on
  auto-m4b's untagged M4Bs: the title is the file's title tag, the author its artist (else album
  artist) taken whole, the series its *album* when no SERIES frame exists, cut at a last " #";
  layouts `author-series-title` (the default: `Author/Series/Title/`, both levels even when the
  album equals the title), `author-series-title-number` (`Author/Series/#N - Title/`, the number
  only from a " #N" series), `author-title` and `series-title`; on Linux `/ < > : | ? * \\` and '"'
  become '_' and leading or trailing '_', ' ' and '.' are cut; `--replace_space` swaps spaces for
  '_' or '.'; a book without a title or an author is left where it was. Files keep their names.

ffprobe's MP4 tag names (libavformat/mov.c): ©nam title, ©alb album, ©ART artist, aART album_artist,
©wrt composer, ©gen genre, ©day date, ©cmt comment, desc description, sonm sort_name, soal
sort_album; the movement atoms have no name there (tone's Metadata/Formats/FfmetadataFormat.cs quotes the
same table), so ABS never sees series or part from them.

The downloads before conversion (the sources, modelled on what the other families' downloads carry):
folder names as people save them (`Author - Title`, `Title`, `Title - Author`,
`Author - Series N - Title`), numbered MP3 parts, tags of one of five kinds — chapter titles with
the book as album, `<Title> - Part NN` titles, the reader as artist with the author as album artist,
a release name as album, or none.

Not modelled: Chaptarr (its naming tokens are not public), Booksonic and Prologue (players reading a
Plex or Subsonic library, not file conventions), the beets-audible step after auto-m4b and m4b-merge
(emulators.families.tagger models both), m4b-tool's chapter names and the `.log` files.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from emulators.corpus.draws import pick
from emulators.families._base import Context, Item, Layout, Mix, Release, generate_family, numbered

NAME = "converters"
MIX = Mix(distractor=0.10, same_title_trap=0.03, audio_only=0.05)

SOURCE_STYLES = {"chapters": 0.3, "parts": 0.25, "reader_artist": 0.15, "release_album": 0.15, "none": 0.15}
FOLDER_STYLES = {"author_title": 0.45, "title": 0.3, "title_author": 0.15, "author_series_title": 0.1}
ORGANIZER_LAYOUTS = {"author-series-title": 0.5, "author-series-title-number": 0.15, "author-title": 0.25,
                     "series-title": 0.1}  # fmt: skip
_ENCODER = "Lavf60.16.100"
_PART_NUMBER = re.compile(r"[0-9\-.,IVXLCDM]+")  # tone's grok PARTNUMBER


def _saved(name: str) -> str:
    """A download's name on the share it came through: no '/' or ':' (Windows and SMB refuse them)."""
    return name.replace("/", "-").replace(":", " -").strip()


# --- the downloads before conversion ---------------------------------------------------------------------


def download_folder(ctx: Context, rel: Release) -> tuple[str, str]:
    """The download's folder name as saved, and the style it follows."""
    style = pick(ctx.rng, FOLDER_STYLES)
    if style == "author_series_title" and not (rel.series and rel.position):
        style = "author_title"
    author = rel.authors[0]
    name = {
        "author_title": f"{author} - {rel.title}",
        "title": rel.title,
        "title_author": f"{rel.title} - {author}",
        "author_series_title": f"{author} - {rel.series} {rel.position} - {rel.title}",
    }[style]
    return _saved(name), style


def source_tags(rel: Release, style: str, k: int, n: int, pad: str) -> dict[str, str]:
    """Part k of n of a download, tagged in `style` (what m4b-tool later takes from part 1)."""
    author = ", ".join(rel.authors)
    reader = ", ".join(rel.narrators)
    if style == "none":
        return {"encoder": "LAME3.100"}
    if style == "chapters":
        tags = {"title": f"Chapter {pad}" if n > 1 else rel.title, "album": rel.title, "artist": author,
                "album_artist": author, "genre": "Audiobook", "composer": reader}  # fmt: skip
    elif style == "parts":
        tags = {
            "title": f"{rel.title} - Part {pad}" if n > 1 else rel.title,
            "album": rel.title,
            "artist": author,
        }
    elif style == "reader_artist":
        tags = {
            "title": f"{rel.title} {pad}" if n > 1 else rel.title,
            "album": rel.title,
            "artist": reader or author,
            "album_artist": author,
        }
    else:  # release_album
        tags = {
            "title": f"Track {pad}" if n > 1 else rel.title,
            "album": f"{rel.authors[0]} - {rel.title}",
            "artist": author,
        }
    tags.update({"track": f"{k}/{n}", "date": rel.year or ""})
    return {key: v for key, v in tags.items() if v}


def part_count(ctx: Context, seconds: float) -> int:
    return max(2, min(40, round(seconds / ctx.rng.uniform(1200, 3600))))


# --- m4b-tool and tone ------------------------------------------------------------------------------------


def merged_tags(first: dict[str, str], options: dict[str, str | None]) -> dict[str, str]:
    """An M4B m4b-tool merged: the options given, then the first source file's tags for what they left
    empty (its track number dropped), then tone's M4B fill-up."""
    tags = {k: v for k, v in options.items() if v and k not in ("series", "part")}
    for key, value in first.items():
        if key not in ("track", "encoder") and key not in tags:
            tags[key] = value
    return tone_fill(tags, options.get("series"), options.get("part"))


def tone_fill(tags: dict[str, str], series: str | None, part: str | None) -> dict[str, str]:
    """M4BFillUpTagger: album from title (and back), sort title and the SERIES atom for a series book;
    the movement atoms themselves are not among the tags ffprobe names."""
    out = dict(tags)
    if out.get("title") and not out.get("album"):
        out["album"] = out["title"]
    if out.get("album") and not out.get("title"):
        out["title"] = out["album"]
    if series or part:
        sort = " ".join(p for p in (series, part) if p) + " - " + out.get("title", "")
        out["sort_name"] = sort
        out.setdefault("sort_album", sort)
        if series:
            out["SERIES"] = series
    out["encoder"] = _ENCODER
    return out


def chapters_txt(n: int, seconds: float) -> str:
    step = seconds / n
    stamps = [
        f"{int(k * step // 3600):02d}:{int(k * step % 3600 // 60):02d}:{k * step % 60:06.3f}"
        for k in range(n)
    ]
    return "\n".join(f"{stamp} Chapter {k + 1}" for k, stamp in enumerate(stamps)) + "\n"


def _genre(rel: Release) -> str:
    return _saved(rel.genres[0]) if rel.genres else "Fiction"


# --- the layouts ---------------------------------------------------------------------------------------------


def auto_m4b(ctx: Context, it: Item) -> Layout:
    """auto-m4b's `untagged` output: `<download>/<download>.m4b`, tagged from the download's first file."""
    rng, rel = ctx.rng, it.release
    folder, folder_style = download_folder(ctx, rel)
    style = pick(rng, SOURCE_STYLES)
    r = rng.random()
    if r < 0.15:  # one .m4b as it came (a store or a friend's copy), wrapped in a folder of its name
        tags = {k: v for k, v in source_tags(rel, style, 1, 1, "1").items() if k != "track"}
        tags["encoder"] = _ENCODER
        name = ctx.unique(folder, False)
        return Layout(name, False, [(f"{name}.m4b", tags)], _traits("auto_m4b", style, 1, source="single_m4b",
                                                                   folder=folder_style))  # fmt: skip
    n = 1 if r < 0.3 else part_count(ctx, rel.seconds)
    first = source_tags(rel, style, 1, n, numbered(n)[0][1])
    name = ctx.unique(folder, False)
    lay = Layout(name, False, [(f"{name}.m4b", merged_tags(first, {}))],
                 _traits("auto_m4b", style, 1, source="merged", parts=n, folder=folder_style),
                 text_files={f"{name}.chapters.txt": chapters_txt(n, rel.seconds)})  # fmt: skip
    return lay


def _batch_paths(ctx: Context, rel: Release, series_ok: bool) -> tuple[str, str, dict[str, str | None]]:
    """The item folder, the file name and the batch pattern's values for a book in the genre tree."""
    genre, author, name = _genre(rel), _saved(rel.authors[0]), _saved(rel.title)
    if series_ok and rel.series and rel.position:
        folder = f"{genre}/{author}/{_saved(rel.series)}"
        if folder not in ctx.rel_paths:  # a second book of the series would share the folder: one item
            ctx.rel_paths.add(folder)
            values: dict[str, str | None] = {
                "genre": genre,
                "artist": author,
                "series": rel.series,
                "part": rel.position,
                "title": name,
            }
            return folder, f"{rel.position} - {name}.m4b", values
    folder = ctx.unique(f"{genre}/{author}/{name}", False)
    return (
        folder,
        f"{name}.m4b",
        {"genre": genre, "artist": author, "series": None, "part": None, "title": name},
    )


def m4b_tool_batch(ctx: Context, it: Item) -> Layout:
    rng, rel = ctx.rng, it.release
    style = pick(rng, SOURCE_STYLES)
    folder, file, values = _batch_paths(ctx, rel, series_ok=True)
    n = part_count(ctx, rel.seconds)
    first = source_tags(rel, style, 1, n, numbered(n)[0][1])
    ipod = rng.random() < 0.5
    options = {**values, "album": values["title"] if ipod else None}
    tags = merged_tags(first, options)
    traits = _traits("m4b_tool_batch", style, 1, pattern="%g/%a/%s/%p - %n" if values["series"] else "%g/%a/%n",
                     ipod=ipod, parts=n)  # fmt: skip
    return Layout(folder, False, [(file, tags)], traits)


def tone_path(ctx: Context, it: Item) -> Layout:
    """A tree of single M4Bs named by hand, tagged by tone from their paths."""
    rng, rel = ctx.rng, it.release
    style = pick(rng, SOURCE_STYLES)
    genre, author, name = _genre(rel), _saved(rel.authors[0]), _saved(rel.title)
    first = merged_tags(source_tags(rel, style, 1, 2, "1"), {})  # an earlier merge's M4B
    series = part = None
    if rel.series and rel.position and f"{genre}/{author}/{_saved(rel.series)}" not in ctx.rel_paths:
        folder = f"{genre}/{author}/{_saved(rel.series)}"
        ctx.rel_paths.add(folder)
        file = f"{rel.position} - {name}.m4b"
        if _PART_NUMBER.fullmatch(rel.position):
            series, part, title, matched = rel.series, rel.position, name, "series"
        else:  # not a part number: the second pattern matches, the series folder is `%z`
            title, matched = f"{rel.position} - {name}", "dummy"
    else:
        dummy = f"{name} ({rel.year})" if rel.year and rng.random() < 0.4 else name
        folder = ctx.unique(f"{genre}/{author}/{dummy}", False)
        file, title, matched = f"{name}.m4b", name, "dummy"
    kept = {k: v for k, v in first.items() if k not in ("sort_name", "sort_album", "SERIES", "encoder")}
    kept.update({"genre": genre, "artist": author, "title": title})
    tags = tone_fill(kept, series, part)
    return Layout(folder, False, [(file, tags)], _traits("tone_path", style, 1, pattern=matched))


def organizer_sanitize(name: str, replace_space: str = "") -> str:
    """audiobook-organizer's SanitizePath on Linux."""
    s = name.replace(" ", replace_space) if replace_space else name
    for ch in ("/", "<", ">", ":", "|", "?", "*", "`", '"'):
        s = s.replace(ch, "_")
    return re.sub(r"(^[_ .]+)|([_ .]+$)", "", s)


def clean_series(album: str) -> tuple[str, str]:
    """CleanSeriesName and ExtractSeriesNumber: the album cut at its last " #"."""
    idx = album.rfind(" #")
    return (album[:idx].strip(), album[idx + 2 :].strip()) if idx != -1 else (album, "")


def organizer_path(tags: dict[str, str], layout: str, replace_space: str) -> str | None:
    """Where audiobook-organizer moves a book from its embedded tags, or None when it leaves it."""
    title = tags.get("title", "").strip()
    author = (tags.get("artist") or tags.get("album_artist") or "").strip()
    if not title or not author:
        return None
    series, number = clean_series(tags.get("album", "").strip())

    def s(v: str) -> str:
        return organizer_sanitize(v, replace_space)

    if layout == "author-title" or not series:
        return f"{s(author)}/{s(title)}" if layout != "series-title" else s(title)
    titled = f"#{number} - {s(title)}" if layout.endswith("-number") and number else s(title)
    if layout == "series-title":
        return f"{s(series)}/{titled}"
    return f"{s(author)}/{s(series)}/{titled}"


def organizer(ctx: Context, it: Item) -> Layout:
    """auto-m4b's output sorted by audiobook-organizer --use-embedded-metadata."""
    rng = ctx.rng
    lay = auto_m4b(ctx, it)
    file, tags = lay.files[0]
    layout = pick(rng, ORGANIZER_LAYOUTS)
    replace_space = rng.choice(["_", "."]) if rng.random() < 0.15 else ""
    target = organizer_path(tags, layout, replace_space)
    if target is None:
        lay.traits.update(scheme="organizer", organized=False)
        return lay
    ctx.rel_paths.discard(lay.rel_path)
    folder = ctx.unique(target, False)
    traits = {**lay.traits, "scheme": "organizer", "organized": True, "layout": layout,
              "replace_space": replace_space or None}  # fmt: skip
    return Layout(folder, False, [(file, tags)], traits, text_files=lay.text_files)


def _traits(scheme: str, tags: str, files: int, **more) -> dict:
    return {"scheme": scheme, "tags": tags, "files": files, **more}


# scheme -> (layout, share of the library's releases)
_LAYOUTS: dict[str, tuple[Callable[[Context, Item], Layout], float]] = {
    "auto_m4b": (auto_m4b, 0.30), "m4b_tool_batch": (m4b_tool_batch, 0.25), "tone_path": (tone_path, 0.20),
    "organizer": (organizer, 0.25),
}  # fmt: skip
SCHEMES = {name: share for name, (_, share) in _LAYOUTS.items()}


def layout(ctx: Context, it: Item) -> Layout:
    lay = _LAYOUTS[pick(ctx.rng, SCHEMES)][0](ctx, it)
    title = lay.files[0][1].get("title", "")
    if re.match(r"(Chapter|Track) \d+$|.* - Part \d+$|.* \d{1,3}$", title) and title != it.release.title:
        it.release.noise.append("part_title")  # a source part's title became the book's title atom
    return lay


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)
