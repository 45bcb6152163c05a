"""What a freshly scanned Audiobookshelf 2.36 book shows, ported from ABS's own server code.

Generated libraries need the `media.metadata` that ABS's scanner makes of an item's folder path and
its first audio file's tags. This module reproduces that from the ABS sources (advplyr/audiobookshelf
at 2.36.0, commit 1b46d68), independently of the product's own path and tag reading, so a mistake in
the product's parser cannot leak into the test data:

- `book_data_from_dir`: server/utils/scandir.js `getBookDataFromDir` (ASIN, narrators, sequence,
  year, optional subtitle from the last folder; series and author from the two folders above it);
- `parse_name_string` / `name_to_last_first`: server/utils/parsers/parseNameString.js, with its
  helper parseFullName.js (a port of RateGravity/parse-full-name, short lists, case fixing);
- `meta_tags_from_probe`: server/utils/prober.js `parseTags` + objects/metadata/AudioMetaTags.js
  (which raw ffprobe format tags become tagAlbum, tagArtist, tagComposer, tagSeries, ...);
- `scan_book_metadata`: scanner/BookScanner.js `getBookMetadataFromScanData` with the default
  metadataPrecedence (folderStructure, then audioMetatags from the first audio file as in
  AudioFileScanner.setBookMetadataFromAudioMetaTags, then txtFiles; no nfo/opf/metadata.json);
- `LibraryScanState.expanded_metadata`: the expanded item's metadata block (models/Book.js
  oldMetadataToJSONExpanded), with the library-wide effects of a scan: an author or series already
  in the library keeps its stored name and id, and a book's links to authors that already existed are
  listed after its new ones (BookScanner.scanNewBookLibraryItem gives new links an explicit, earlier
  createdAt) — which is why the real server lists "Dan Wells, Brandon Sanderson" for the tag
  "Sanderson, Brandon & Wells, Dan" once Brandon Sanderson is known.

JavaScript quirks are kept on purpose (they are what the server does): `Number(seq).toString()`
for sequences, first-occurrence `String.replace`, a single-name string parsed as one full name.

Modules: `names` (parseFullName, parseNameString), `folders` (getBookDataFromDir), `tags` (parseTags),
`metadata` (the scan's metadata precedence and the expanded metadata block), `js` (JavaScript semantics).
"""

from emulators.abs_scanner.folders import book_data_from_dir
from emulators.abs_scanner.metadata import (
    LibraryScanState,
    empty_book_metadata,
    metadata_record,
    scan_book_metadata,
    title_prefix_at_end,
)
from emulators.abs_scanner.names import name_to_last_first, parse_full_name, parse_name_string
from emulators.abs_scanner.tags import meta_tags_from_probe

__all__ = [
    "LibraryScanState",
    "book_data_from_dir",
    "empty_book_metadata",
    "meta_tags_from_probe",
    "metadata_record",
    "name_to_last_first",
    "parse_full_name",
    "parse_name_string",
    "scan_book_metadata",
    "title_prefix_at_end",
]
