"""Libraries downloaded with Libation (rmcrackan/Libation): Audible books, decrypted and named by its
folder/file templates, tagged by its "fixup" step.

Conventions (Libation source, Source/LibationFileManager/Templates/Templates.cs and TemplateTags.cs,
Source/AaxDecrypter/AaxcDownloadConvertBase.cs, Source/LibationFileManager/ReplacementCharacters.cs,
Configuration.PersistentSettings.cs):
- default folder template `<title short> [<id>]` (one folder per book straight under the library
  folder), default file template `<title> [<id>]`, default chapter-file template
  `<title> [<id>] - <ch# 0> - <ch title>` with each part's title tag from the chapter-title template
  `<ch#> - <title short>: <ch title>`; `<title>` is Audible's title with its subtitle
  ("Title: Subtitle"), `<title short>` stops at the first colon (so "Mistborn: The Final Empire"
  shortens to "Mistborn"), `<id>` is the ASIN, `<author>` lists every author comma-separated;
- common user folder templates built from the documented tags: `<author>/<title short> [<id>]`,
  `<first author>/<if series-><series>/<-if series><title short> [<id>]` and the layout ABS's docs
  recommend, `<first author>/<first series>/<series#> - <title short> {<first narrator>} [<id>]`;
- SplitFilesByChapter defaults to false (one .m4b); DecryptToLossy (MP3 with the same tags as ID3)
  defaults to false; on Windows the default replacement characters turn ':' into '_' in names;
- tags: Audible's own atoms stay (©nam title, ©ART artist = authors, aART album artist = authors,
  ©alb album, ©day, ©gen "Audiobook", ©pub, ©cmt), and the fixup (AllowLibationFixup, default on)
  writes the narrator into the composer atom (©wrt), sets the title to Audible's title, and adds
  freeform SUBTITLE, PUBLISHER, LANGUAGE, AUDIBLE_ASIN, SERIES and PART tags plus an `asin` atom "for
  audiobookshelf". StripUnabridged defaults to false, so an album "X (Unabridged)" keeps the suffix —
  and ABS takes the title from the album tag first.
"""

from __future__ import annotations

from emulators.corpus.draws import pick
from emulators.families._base import Context, Item, Layout, Mix, Release, generate_family, numbered

NAME = "libation"
MIX = Mix(distractor=0.09, same_title_trap=0.03, audio_only=0.04)

FOLDER_TEMPLATES = {
    "default": 0.35,  # <title short> [<id>]
    "author": 0.25,  # <author>/<title short> [<id>]
    "author_series": 0.2,  # <first author>/<if series-><series>/<-if series><title short> [<id>]
    "abs_recommended": 0.2,  # <first author>/<first series>/<series#> - <title short> {<first narrator>} [<id>]
}


def _clean(text: str, windows: bool) -> str:
    """Libation's default replacements for file-name parts ('/' is never kept in a name)."""
    text = text.replace("/", "∕")
    if windows:
        text = text.replace(":", "_").replace("?", "？").replace('"', "＂").replace("*", "✱")
    return text


def _title_short(title: str) -> str:
    return title.split(":", 1)[0]


def _audible_title(ctx: Context, rel: Release) -> tuple[str, str | None]:
    """Audible's (title, subtitle): sometimes "Series: Title" or the series as a "Book N" subtitle."""
    if rel.series and rel.position and rel.subtitle is None and ctx.rng.random() < 0.08:
        return f"{rel.series}: {rel.title}", None
    return rel.title, rel.subtitle


def layout(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    rel = it.release
    windows = rng.random() < 0.45
    title, subtitle = _audible_title(ctx, rel)
    full_title = f"{title}: {subtitle}" if subtitle else title
    short = _title_short(title)
    asin = rel.asin or "B000000000"
    template = pick(ctx.rng, FOLDER_TEMPLATES)
    authors = ", ".join(rel.authors)
    first_author = rel.authors[0]
    short_c = _clean(short, windows).strip()
    if template == "default":
        folder = f"{short_c} [{asin}]"
    elif template == "author":
        folder = f"{_clean(authors, windows)}/{short_c} [{asin}]"
    elif template == "author_series":
        series = f"{_clean(rel.series, windows)}/" if rel.series else ""
        folder = f"{_clean(first_author, windows)}/{series}{short_c} [{asin}]"
    else:
        narr = f" {{{_clean(rel.narrators[0], windows)}}}" if rel.narrators else ""
        if rel.series and rel.position:
            folder = f"{_clean(first_author, windows)}/{_clean(rel.series, windows)}/{rel.position} - {short_c}{narr} [{asin}]"
        else:
            folder = f"{_clean(first_author, windows)}/{short_c}{narr} [{asin}]"
    folder = ctx.unique(folder, False)

    lossy = rng.random() < 0.15
    ext = ".mp3" if lossy else ".m4b"
    album = title + (" (Unabridged)" if not rel.abridged and rng.random() < 0.4 else "")
    tags: dict[str, str] = {
        "title": title,
        "artist": authors,
        "album_artist": authors,
        "album": album,
        "genre": "Audiobook",
        "encoder": "Libation",
    }
    if rel.date or rel.year:
        tags["date"] = rel.date if rel.date and rng.random() < 0.5 else (rel.year or rel.date[:4])
    if rel.narrators:
        tags["composer"] = ", ".join(rel.narrators)
    if rel.publisher:
        tags["publisher"] = rel.publisher
    if subtitle:
        tags["SUBTITLE"] = subtitle
    if rel.language:
        tags["LANGUAGE"] = rel.language
    tags["asin"] = asin
    tags["AUDIBLE_ASIN"] = asin
    if rel.series:
        tags["SERIES"] = rel.series
        if rel.position:
            tags["PART"] = rel.position
    tags["comment"] = f"{rel.title} — a {rel.genres[0].lower() if rel.genres else 'new'} audiobook."
    fixup = rng.random() < 0.9  # AllowLibationFixup is on by default; some turn it off
    if not fixup:
        for k in ("composer", "SUBTITLE", "LANGUAGE", "asin", "AUDIBLE_ASIN", "SERIES", "PART"):
            tags.pop(k, None)

    split = rng.random() < 0.2
    file_title = _clean(full_title, windows)
    if split:
        n = rng.randint(3, 12)
        files = [
            (
                f"{file_title} [{asin}] - {kk} - Chapter {k}{ext}",
                dict(tags, title=f"{k} - {short}: Chapter {k}", track=f"{k}/{n}"),
            )
            for k, kk in numbered(n)
        ]
    else:
        files = [(f"{file_title} [{asin}]{ext}", tags)]
    traits = {
        "scheme": f"libation_{template}",
        "tags": "libation_fixup" if fixup else "audible_only",
        "split_chapters": split,
        "windows_names": windows,
        "lossy": lossy,
    }
    return Layout(folder, False, files, traits)


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)
