"""Where an item's audio is read from: the local path map when the file is there, else ABS Range
requests — counting the bytes either way, and keeping each decoded window for a re-hearing."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np

from tasks.listen.audio import AbsFileStreamer, AudioFileRef, AudioUnreadable, AudioWindows
from tasks.settings import Settings


class AudioOpener:
    """Open an item's audio files from the local path map when readable, else over ABS Range requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.streamer: AbsFileStreamer | None = None
        self.local_bytes = 0
        self.source: str | None = None
        # Each window's samples as first decoded: the hinted re-hearing of a window reads them here
        # instead of fetching and decoding the same stretch again.
        self.samples: dict[tuple[str, float], np.ndarray] = {}

    def read(self, audio: AudioWindows, ref: AudioFileRef, start: float, seconds: float) -> np.ndarray:
        key = (ref.ino, start)
        if key not in self.samples:
            self.samples[key] = audio.read(start, seconds)
        return self.samples[key]

    def open(self, ref: AudioFileRef) -> AudioWindows:
        local = self.settings.local_path(ref.path)
        if local is not None and Path(local).is_file():
            self.source = "local"
            return _CountingWindows(local, ref, self)
        if self.streamer is None:
            # imported late: listening to local files needs no ABS client
            from tasks.abs import AbsClient

            self.streamer = AbsFileStreamer(
                lambda: AbsClient.from_settings(self.settings), timeout=self.settings.abs_timeout_seconds * 2
            )
        self.source = "abs_range"
        return AudioWindows(
            self.streamer.open(ref),
            name=f"{ref.name} (ABS item {ref.item_id}, ino {ref.ino})",
            duration_hint=ref.duration,
        )

    @property
    def bytes_read(self) -> int:
        return self.local_bytes + (self.streamer.bytes_fetched if self.streamer else 0)

    def close(self) -> None:
        if self.streamer is not None:
            self.streamer.close()


class _CountingWindows(AudioWindows):
    """A local file opened through a counting reader, so local reads report bytes like Range reads do."""

    def __init__(self, path: Path, ref: AudioFileRef, opener: AudioOpener) -> None:
        self._fh = _CountingFile(open(path, "rb"), opener)  # noqa: SIM115 - closed in close()
        try:
            super().__init__(self._fh, name=str(path), duration_hint=ref.duration)
        except AudioUnreadable:
            self._fh.close()
            raise

    def close(self) -> None:
        super().close()
        self._fh.close()


class _CountingFile:
    def __init__(self, fh: BinaryIO, opener: AudioOpener) -> None:
        self._fh, self._opener = fh, opener
        self.name = fh.name

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self._opener.local_bytes += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._fh.close()
