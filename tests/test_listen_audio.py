"""Audio access: decode just the windows we need, from local files or a seekable Range reader."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.listen.audio import SAMPLE_RATE, AudioUnreadable, AudioWindows, RangeFile
from tasks.listen.item import plan_windows
from tasks.settings import Settings

pytestmark = pytest.mark.audio


@pytest.mark.parametrize("name", ["hail_mary_m4b", "hail_mary_mp3", "dune_moov_end"])
def test_intro_and_outro_windows_decode_to_16k_mono(spoken_books, name):
    with AudioWindows(spoken_books[name].path) as audio:
        assert audio.duration and audio.duration > 15
        intro = audio.read(0, 10)
        outro = audio.read(audio.duration - 4, 30)  # asks past the end: gets what is there
    assert intro.dtype == np.float32 and intro.ndim == 1
    assert abs(len(intro) / SAMPLE_RATE - 10) < 0.1
    assert abs(len(outro) / SAMPLE_RATE - 4) < 0.2
    assert np.abs(intro).max() > 0.05  # speech, not silence


def test_range_reader_reads_a_window_without_the_whole_file(spoken_books):
    data = spoken_books["dune_moov_end"].path.read_bytes()  # moov at the end: header is at the tail
    reader = RangeFile(len(data), lambda start, end: data[start : end + 1], block_size=8192, name="dune.m4b")
    with AudioWindows(reader, name="dune.m4b") as audio:
        samples = audio.read(0, 3)
    assert abs(len(samples) / SAMPLE_RATE - 3) < 0.1
    assert reader.bytes_fetched < len(data) / 2
    # the same block is never fetched twice while cached
    assert reader.requests * 8192 >= reader.bytes_fetched


def test_corrupt_file_raises_audio_unreadable_naming_the_file(spoken_books):
    path = spoken_books["corrupt"].path
    with pytest.raises(AudioUnreadable, match="corrupt.m4b"), AudioWindows(path) as audio:
        audio.read(0, 30)


def test_missing_file_raises_audio_unreadable(tmp_path):
    with pytest.raises(AudioUnreadable, match="cannot open"):
        AudioWindows(tmp_path / "gone.mp3")


def test_window_plan_steps_through_the_intro_then_the_outro_latest_first():
    s = Settings(listen_intro_seconds=90, listen_outro_seconds=60, listen_step_seconds=30)
    assert plan_windows(3600, 3600, True, s) == ([0, 30, 60], [3570, 3540])
    # a short single file: the outro never re-hears the intro
    assert plan_windows(100, 100, True, s) == ([0, 30, 60], [90])
    # multi-file: the outro comes from the last file, whatever the intro covered
    assert plan_windows(40, 1000, False, s) == ([0, 30], [970, 940])
