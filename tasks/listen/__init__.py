"""Listening: audio access (local or HTTP Range), ASR, spoken-credit extraction, containment scoring.

- `audio`: `AudioWindows` (decode a stretch of a file to 16 kHz mono), `RangeFile` (seekable reader over
  ABS Range requests), `AbsFileStreamer`.
- `asr`: the faster-whisper model (once per process) and one-window transcription.
- `credits`: `extract_credits`, what the transcript says the book is; `cues` the cue words it reads.
- `phrases`: how much of an expected phrase a transcript holds (`phrase_containment`).
- `verdict`: `containment` per candidate and `judge` (identified / uncertain / mismatch).
- `hearing`: the heard spans kept as evidence rows.
- `item`: `listen_to_item(job, settings)`, the per-item work (no database).
- `store`, `search`: the flow's warehouse I/O and the targeted-search hook.
"""

from tasks.listen.item import ListenJob, ListenResult, listen_to_item

__all__ = ["ListenJob", "ListenResult", "listen_to_item"]
