"""Whisper's decoding settings, on the real tiny.en model and real rendered audio."""

from __future__ import annotations

import pytest

from tasks.listen.asr import DecodeOptions, decode_options, get_model, transcribe_window
from tasks.listen.audio import AudioWindows
from tasks.settings import Settings


def test_decoding_follows_the_asr_settings(monkeypatch):
    s = Settings(asr_beam_size=3, asr_initial_prompt="Credits.", asr_vad_filter=False)
    assert decode_options(s) == DecodeOptions(beam_size=3, initial_prompt="Credits.", vad_filter=False)
    monkeypatch.setenv("SHELFMATCH_ASR_BEAM_SIZE", "2")
    assert decode_options().beam_size == 2  # no settings given: the environment's


@pytest.mark.audio
def test_a_noise_bed_without_speech_transcribes_to_no_words(tmp_path):
    from emulators import speech_corpus

    path = speech_corpus.background_only("noise", 30, tmp_path / "noise.m4b", seed=44)
    with AudioWindows(path) as audio:
        samples = audio.read(0, 30)
    model = get_model(Settings().resolved_asr_model_path())
    # Whisper alone reads words into this hiss; the default settings drop it before decoding.
    assert transcribe_window(model, samples, options=DecodeOptions(vad_filter=False)).text != ""
    assert transcribe_window(model, samples).text == ""
