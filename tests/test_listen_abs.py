"""Listening to a book that only ABS can read: HTTP Range through the project's AbsClient and the ABS emulator."""

from __future__ import annotations

import pytest

from emulators.abs import default_library
from emulators.speech import expanded_item
from tasks.listen.audio import AudioFileRef
from tasks.listen.item import ListenJob, listen_to_item
from tasks.listen.verdict import IDENTIFIED, Expected
from tasks.settings import Settings

pytestmark = pytest.mark.audio

LIBRARY, FOLDER = "lib-listen", "fol-listen"
HAIL_MARY = Expected(21, "Project Hail Mary", ("Andy Weir",), ("Ray Porter",))


def _job(item: dict, candidates) -> ListenJob:
    refs = [
        AudioFileRef(
            item["id"], af["ino"], af["index"], af["metadata"]["path"], af["duration"], af["metadata"]["size"]
        )
        for af in item["media"]["audioFiles"]
    ]
    return ListenJob(item["id"], refs, list(candidates))


def test_a_long_book_streamed_with_range_is_identified_from_a_small_part(abs_server, spoken_books):
    book = spoken_books["long_book"]
    root = book.path.parent.parent
    item = expanded_item("li-long", book.paths, root, LIBRARY, FOLDER)
    emu = abs_server([item], audio_root=root, library=default_library(LIBRARY, folder_id=FOLDER))
    settings = Settings(
        abs_url=emu.url, abs_api_key="test-key", listen_intro_seconds=30
    )  # no path map: ABS only

    result = listen_to_item(_job(item, [HAIL_MARY]), settings)

    assert result.error is None
    assert (result.verdict, result.book_id) == (IDENTIFIED, 21)
    assert result.source == "abs_range"
    size = book.path.stat().st_size
    assert result.bytes_read < size / 5, f"read {result.bytes_read} of {size} bytes"
    file_requests = [r for r in emu.request_log if "/file/" in r.get("path", "")]
    assert file_requests and all(r.get("status") in (200, 206) for r in file_requests)
    print(f"range: read {result.bytes_read} of {size} bytes in {len(file_requests)} requests")


def test_an_unreachable_abs_is_an_error_result_naming_the_item(spoken_books, unused_tcp_port):
    book = spoken_books["hail_mary_m4b"]
    item = expanded_item("li-down", book.paths, book.path.parent.parent, LIBRARY, FOLDER)
    settings = Settings(
        abs_url=f"http://127.0.0.1:{unused_tcp_port}", abs_api_key="k", abs_retries=0, abs_timeout_seconds=2
    )
    result = listen_to_item(_job(item, [HAIL_MARY]), settings)
    assert result.verdict == "error"
    assert result.error_kind == "abs_unavailable"
    assert "li-down" in result.error
