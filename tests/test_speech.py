"""The speech emulator makes real, tag-free audiobook files that ABS and PyAV would read."""

from __future__ import annotations

import av
import mutagen
import pytest

from emulators import speech


@pytest.mark.audio
@pytest.mark.parametrize("ext", [".m4b", ".mp3", ".flac", ".ogg", ".opus"])
def test_each_container_is_encoded_without_any_tags(tmp_path, ext):
    segs = speech.book_segments(
        "intro", speech.Credited("Project Hail Mary", "Andy Weir", "Ray Porter"), body_seconds=2
    )
    path = speech.synthesise(segs, tmp_path / f"book{ext}")
    with av.open(str(path)) as container:
        assert container.streams.audio, "no audio stream"
        assert 5 < container.duration / av.time_base < 20
        assert not {
            k: v
            for k, v in container.metadata.items()
            if k not in {"major_brand", "minor_version", "compatible_brands"}
        }
    tags = mutagen.File(path).tags
    assert not tags or not dict(tags)


@pytest.mark.audio
def test_m4b_moov_position_follows_the_option(spoken_books):
    at_end = spoken_books["dune_moov_end"].path.read_bytes()
    at_start = spoken_books["hail_mary_m4b"].path.read_bytes()
    assert at_end.find(b"moov") > at_end.find(b"mdat")
    assert at_start.find(b"moov") < at_start.find(b"mdat")


def test_credits_are_spoken_the_audible_way():
    assert speech.intro_credits(
        speech.Credited("The Final Empire", "Brandon Sanderson", "Michael Kramer", "Mistborn", 1)
    ) == (
        "This is Audible. The Final Empire, Mistborn book one, written by Brandon Sanderson. Narrated by Michael Kramer."
    )
    assert (
        speech.outro_credits(speech.Credited("Dune", "Frank Herbert", audible=False))
        == "This has been Dune, written by Frank Herbert."
    )


def test_unknown_container_is_refused_with_the_supported_list(tmp_path):
    with pytest.raises(ValueError, match=r"\.m4b"):
        speech.encode(tmp_path / "x.wav", tmp_path / "x.ra")
