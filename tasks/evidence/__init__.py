"""Evidence: what an item's ABS metadata, folder names, file names and tags say it is.

`evidence_for_item(item)` turns one expanded ABS item into `Evidence(source, field, value, ordinal, rule)`
rows for the `item_evidence` table. Sources:

- `abs`: the item's current ABS metadata (what the user sees today), less the authors and series
  that are only container folders ABS read into those slots ("Audiobooks", "mp3", "Unknown") or
  placeholder names ("Unknown Artist"): they name nothing and would contradict every right answer.
  A title written like a release name (ABS took it from the album tag) is read with the schemes too.
- `path`: the folder path, read twice over: once exactly as ABS 2.36's scanner reads it
  (`getBookDataFromDir`, rules `abs.*`; an author/series folder that is a container gets no row)
  and once with the common naming schemes ABS misses (rules `scheme.*`). Both readings are kept,
  so where they disagree SQL can see it.
- `filename`: the first audio file's name, unless it is only a track/part/chapter name.
- `tags`: the first audio file's tags, from ABS's `metaTags` (rule `tags.abs_metatags`) and, when
  `settings.path_map` makes the file readable here, straight from the file with mutagen
  (rule `tags.file.<format>`). People in swapped roles are put back (suffixed rules below). An
  album (or, without one, a title) written like a release name is read with the schemes too.

Fields (the vocabulary scoring reads): `title`, `subtitle`, `author`, `narrator`, `series`,
`sequence` (series position as text, `ordinal` ties it to the `series` row with the same ordinal),
`year`, `date`, `asin`, `isbn`, `publisher`, `language`, `genre`, `description` (first 2,000
characters), `edition` (unabridged / abridged /
dramatized), `part` ("Part 3" of a split book; not a series position), `disc` (a disc folder ABS
folds, or which disc of a set a name or tag numbers: "3" or "3/12").

Rules (the `rule` column), so SQL can weigh or filter readings:
- `abs.metadata` — current ABS metadata (source `abs`).
- ABS's own folder reading (source `path`): `abs.title_folder`, `abs.single_file` (a root file),
  `abs.author_folder`, `abs.series_folder`, `abs.sequence`, `abs.year`, `abs.narrators`, `abs.asin`,
  `abs.subtitle` (only with scannerParseSubtitle), `abs.disc_folder`.
- Common schemes (sources `path` and `filename`, and the `abs` and `tags` titles written like
  release names, see `title_readings`): `scheme.author_dash_title`, `scheme.title_dash_author`,
  `scheme.title_by_author` ('Title.by.Author.AUDIOBOOK.M4B-GROUP'), `scheme.title_paren_series`,
  `scheme.series_number_title`, `scheme.book_number`, `scheme.part_number`, `scheme.title_year`,
  `scheme.clean_title` (noise such as "[Unabridged]", "(64kbps)", "[m4b]", "Unabridged 2011 MP3
  64kbps-GROUP", "abr-abook", "2cd-kawa" and a bracket a tool cut off, "[MP3 19", removed),
  `scheme.edition_tag`, `scheme.release_tags` (a year among such release tags), `scheme.read_by`
  (a "Read by X" / "(Narrated by X)" note: the narrator, and the title without it),
  `scheme.separators` (a name written with '_' or '.' for spaces, or with '-' and no space at all,
  respaced and cleaned, whole; also an author/series folder so written),
  `scheme.glued_author_title` / `scheme.glued_title_author` (hypotheses for
  'John_Grisham_A_Time_to_Kill': each name-shaped start gives an author and the rest a title, one
  ordinal per hypothesis; settled to one when another source names the author),
  `scheme.container_skipped` (the path read again without its container folders: the author one
  level under "Audiobooks/", the title folder above "…/mp3" or above a disc folder ABS does not
  fold, "…/Title/Disc 3 of 12"), `scheme.asin` (a file name's "[ASIN]", Libation's convention),
  `scheme.disc` (a disc marker in a title, album or folder: "Title (Disc 3)", "Title [3/12]").
- `filename.stem` — the first audio file's name without extension, track numbers and noise.
- `tags.abs_metatags` / `tags.file.<ext>` — ABS's tag mapping over metaTags / over the file itself;
  with `.album_artist_as_author`, `.composer_as_author`, `.artist_as_narrator` appended where the
  roles were put back (see `tags._tag_people`).

Modules: `abs_names` (ABS's name parser), `folders` (the path as ABS reads it), `schemes` and
`release_names` (the common naming schemes), `tracks` (names that only number a track),
`filenames`, `tags`, `item` (one whole item), `rows` (the row type and shared helpers). Everything is
plain Python over dicts: regexes are compiled once, nothing touches the network, and files are only
opened when the path map says they are local.
"""

from tasks.evidence.abs_names import parse_name_string
from tasks.evidence.filenames import filename_evidence, parse_filename
from tasks.evidence.folders import ParsedPath, is_container_folder, parse_folder
from tasks.evidence.item import abs_evidence, evidence_for_item
from tasks.evidence.release_names import clean_release_name, title_readings
from tasks.evidence.rows import Evidence, TagReadError
from tasks.evidence.tags import read_file_tags, tags_evidence

__all__ = [
    "Evidence",
    "ParsedPath",
    "TagReadError",
    "abs_evidence",
    "clean_release_name",
    "evidence_for_item",
    "filename_evidence",
    "is_container_folder",
    "parse_filename",
    "parse_folder",
    "parse_name_string",
    "read_file_tags",
    "tags_evidence",
    "title_readings",
]
