"""Which raw ffprobe format tags become ABS's metaTags: server/utils/prober.js `parseTags` and
objects/metadata/AudioMetaTags.js."""

from __future__ import annotations

from emulators.abs_scanner.js import js_trim

# (metaTags key, raw ffprobe format tag names tried in order, case-insensitively)
_PROBE_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tagEncoder", ("encoder", "tsse", "tss")),
    ("tagEncodedBy", ("encoded_by", "tenc", "ten")),
    ("tagTitle", ("title", "tit2", "tt2")),
    ("tagTitleSort", ("title-sort", "tsot")),
    ("tagSubtitle", ("subtitle", "tit3", "tt3")),
    ("tagTrack", ("track", "trck", "trk")),
    ("tagDisc", ("discnumber", "disc", "disk", "tpos", "tpa")),
    ("tagAlbum", ("album", "talb", "tal")),
    ("tagAlbumSort", ("album-sort", "tsoa")),
    ("tagArtist", ("artist", "tpe1", "tp1")),
    ("tagArtistSort", ("artist-sort", "tsop")),
    ("tagAlbumArtist", ("albumartist", "album_artist", "tpe2")),
    ("tagDate", ("date", "tyer", "tye")),
    ("tagComposer", ("composer", "tcom", "tcm")),
    ("tagPublisher", ("publisher", "tpub", "tpb")),
    ("tagComment", ("comment", "comm", "com")),
    ("tagDescription", ("description", "desc")),
    ("tagGenre", ("genre", "tcon", "tco")),
    ("tagSeries", ("series", "show", "mvnm")),
    ("tagSeriesPart", ("series-part", "episode_id", "mvin", "part")),
    ("tagGrouping", ("grouping", "grp1")),
    ("tagIsbn", ("isbn",)),
    ("tagLanguage", ("language", "lang")),
    ("tagASIN", ("asin", "audible_asin")),
    ("tagItunesId", ("itunes-id",)),
    ("tagPodcastType", ("podcast-type",)),
    ("tagEpisodeType", ("episode-type",)),
    ("tagOriginalYear", ("originalyear",)),
    ("tagReleaseCountry", ("MusicBrainz Album Release Country", "releasecountry")),
    ("tagReleaseStatus", ("MusicBrainz Album Status", "releasestatus", "musicbrainz_albumstatus")),
    ("tagReleaseType", ("MusicBrainz Album Type", "releasetype", "musicbrainz_albumtype")),
    ("tagISRC", ("tsrc", "isrc")),
    ("tagMusicBrainzTrackId", ("MusicBrainz Release Track Id", "musicbrainz_releasetrackid")),
    ("tagMusicBrainzAlbumId", ("MusicBrainz Album Id", "musicbrainz_albumid")),
    ("tagMusicBrainzAlbumArtistId", ("MusicBrainz Album Artist Id", "musicbrainz_albumartistid")),
    ("tagMusicBrainzArtistId", ("MusicBrainz Artist Id", "musicbrainz_artistid")),
    ("tagOverdriveMediaMarker", ("OverDrive MediaMarkers",)),
)
# AudioMetaTags.toJSON's key order (the order the fixtures show).
_META_TAG_ORDER = ("tagAlbum", "tagAlbumSort", "tagArtist", "tagArtistSort", "tagGenre", "tagTitle", "tagTitleSort",
                   "tagSeries", "tagSeriesPart", "tagGrouping", "tagTrack", "tagDisc", "tagSubtitle",
                   "tagAlbumArtist", "tagDate", "tagComposer", "tagPublisher", "tagComment", "tagDescription",
                   "tagEncoder", "tagEncodedBy", "tagIsbn", "tagLanguage", "tagASIN", "tagItunesId",
                   "tagPodcastType", "tagEpisodeType", "tagOverdriveMediaMarker", "tagOriginalYear",
                   "tagReleaseCountry", "tagReleaseType", "tagReleaseStatus", "tagISRC", "tagMusicBrainzTrackId",
                   "tagMusicBrainzAlbumId", "tagMusicBrainzAlbumArtistId", "tagMusicBrainzArtistId")  # fmt: skip


_NAME_INDEX: dict[str, list[tuple[str, int]]] = {}
for _meta_key, _names in _PROBE_TAGS:
    for _rank, _name in enumerate(_names):
        _NAME_INDEX.setdefault(_name.lower(), []).append((_meta_key, _rank))


def meta_tags_from_probe(format_tags: dict[str, str]) -> dict[str, str]:
    """The `metaTags` ABS stores for a file whose ffprobe format tags are `format_tags`
    (keys as ffprobe reports them, e.g. 'album_artist', 'composer', 'SERIES', 'TIT1').

    For each metaTags key the prober tries its raw names in order and takes the first whose value
    is non-blank; a raw name matches the first key equal to it ignoring case (Object.keys().find)."""
    best: dict[str, tuple[int, str]] = {}
    seen: set[str] = set()
    for key, value in format_tags.items():
        low = key.lower()
        if low in seen:
            continue
        seen.add(low)
        candidates = _NAME_INDEX.get(low)
        if not candidates or not value:
            continue
        value = js_trim(value)
        if not value:
            continue
        for meta_key, rank in candidates:
            current = best.get(meta_key)
            if current is None or rank < current[0]:
                best[meta_key] = (rank, value)
    return {k: best[k][1] for k in _META_TAG_ORDER if k in best}
