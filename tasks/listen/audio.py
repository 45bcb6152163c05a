"""Audio access without downloading whole books.

A book's first (or last) minute is read either from the local file (the ABS server path mapped by
`settings.path_map`) or from ABS itself over HTTP Range on `/api/items/:id/file/:ino` through
`RangeFile`, a seekable read-only file object with a small block cache. Either way PyAV opens the
container, seeks to the window and decodes just that stretch, resampled to 16 kHz mono float32 (what
Whisper wants). An m4b whose `moov` atom sits at the end costs one extra Range request for the tail.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import av
import numpy as np

from tasks.aio import LoopThread

SAMPLE_RATE = 16_000


class AudioUnreadable(Exception):
    """The file cannot be opened or decoded (corrupt, truncated, not audio, missing)."""


@dataclass(frozen=True)
class AudioFileRef:
    """Where one audio file of an item lives: ABS ids (for Range streaming) and its server path."""

    item_id: str
    ino: str
    index: int
    path: str | None = None  # absolute path on the ABS server
    duration: float | None = None  # seconds, as ABS probed it
    size: int | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path else f"ino {self.ino}"


class RangeFile(io.RawIOBase):
    """A read-only, seekable file over `fetch(start, end_inclusive) -> bytes` (an HTTP Range reader).

    Reads are served from fixed-size blocks kept in a small LRU cache, so the back-and-forth of a
    demuxer (header, seek table, moov at the end, the window itself) costs few requests.
    `bytes_fetched`/`requests` say what it cost.
    """

    def __init__(
        self,
        size: int,
        fetch: Callable[[int, int], bytes],
        block_size: int = 64 * 1024,
        max_blocks: int = 32,
        name: str = "",
    ) -> None:
        super().__init__()
        self.size = int(size)
        self.name = name
        self._fetch = fetch
        self._block_size = block_size
        self._max_blocks = max_blocks
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        self._pos = 0
        self.bytes_fetched = 0
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def _block(self, index: int) -> bytes:
        block = self._blocks.get(index)
        if block is not None:
            self._blocks.move_to_end(index)
            return block
        start = index * self._block_size
        end = min(start + self._block_size, self.size) - 1
        block = self._fetch(start, end)
        self.requests += 1
        self.bytes_fetched += len(block)
        if len(block) != end - start + 1:
            raise OSError(f"{self.name}: asked for bytes {start}-{end}, got {len(block)} bytes")
        self._blocks[index] = block
        if len(self._blocks) > self._max_blocks:
            self._blocks.popitem(last=False)
        return block

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), max(self.size - self._pos, 0))
        done = 0
        while done < want:
            index, offset = divmod(self._pos, self._block_size)
            block = self._block(index)
            chunk = block[offset : offset + want - done]
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
            self._pos += len(chunk)
        return done


class AbsFileStreamer:
    """Opens an item's audio files as `RangeFile`s over one AbsClient session (used from sync code).

    `client_factory()` returns an un-entered `AbsClient` (an async context manager with
    `file_size(item_id, ino)` and `open_file_range(item_id, ino, start, end)`); it is entered on a
    private loop thread and closed by `close()`.
    """

    def __init__(self, client_factory: Callable[[], Any], timeout: float = 60.0) -> None:
        self._runner = LoopThread("shelfmatch-range")
        self._timeout = timeout
        self._client = self._runner.run(self._enter(client_factory), timeout)
        self.files: list[RangeFile] = []

    @staticmethod
    async def _enter(factory: Callable[[], Any]) -> Any:
        client = factory()
        return await client.__aenter__()

    def open(self, ref: AudioFileRef) -> RangeFile:
        client = self._client
        size = self._runner.run(client.file_size(ref.item_id, ref.ino), self._timeout)
        read = getattr(client, "open_file_range", None) or client.read_range

        def fetch(start: int, end: int) -> bytes:
            data: bytes = self._runner.run(read(ref.item_id, ref.ino, start, end), self._timeout)
            return data

        rf = RangeFile(size, fetch, name=f"ABS item {ref.item_id} file {ref.name}")
        self.files.append(rf)
        return rf

    @property
    def bytes_fetched(self) -> int:
        return sum(f.bytes_fetched for f in self.files)

    def close(self) -> None:
        try:
            self._runner.run(self._client.__aexit__(None, None, None), self._timeout)
        finally:
            self._runner.close()

    def __enter__(self) -> AbsFileStreamer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BinarySource(Protocol):
    """A binary file object PyAV can read an audio file from."""

    def read(self, n: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


class AudioWindows:
    """Decode stretches of one audio file as 16 kHz mono float32: `read(start, seconds)`.

    `source` is a local path or a binary file object (e.g. a `RangeFile`). Raises `AudioUnreadable`
    with the file's name and PyAV's reason when the file cannot be opened or holds no decodable audio.
    """

    def __init__(
        self,
        source: str | Path | io.IOBase | BinarySource,
        name: str | None = None,
        duration_hint: float | None = None,
    ) -> None:
        self.name = name or str(
            source if isinstance(source, str | Path) else getattr(source, "name", "stream")
        )
        try:
            self._container = av.open(str(source) if isinstance(source, Path) else source, mode="r")
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise AudioUnreadable(f"{self.name}: cannot open as audio ({exc})") from exc
        if not self._container.streams.audio:
            self._container.close()
            raise AudioUnreadable(f"{self.name}: no audio stream in the file")
        self._stream = self._container.streams.audio[0]
        self.duration = self._probe_duration(duration_hint)

    def _probe_duration(self, hint: float | None) -> float | None:
        if self._container.duration:
            return self._container.duration / av.time_base
        if self._stream.duration and self._stream.time_base:
            return float(self._stream.duration * self._stream.time_base)
        return hint

    def read(self, start: float, seconds: float) -> np.ndarray:
        """Samples from `start` for up to `seconds` (fewer at the end of the file)."""
        start = max(0.0, start)
        end = start + seconds
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        first_time: float | None = None
        try:
            # Seek on the container in AV_TIME_BASE units (works for every demuxer); it lands on the
            # frame at or before `start`, and the surplus is trimmed below.
            self._container.seek(int(start * av.time_base), any_frame=False, backward=True)
            for packet in self._container.demux(self._stream):
                for frame in packet.decode():
                    t = frame.time if frame.time is not None else (first_time or 0.0)
                    if first_time is None:
                        first_time = t
                    if t >= end:
                        break
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().reshape(-1))
                else:
                    continue
                break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise AudioUnreadable(f"{self.name}: decoding failed near {start:.0f}s ({exc})") from exc
        if not chunks:
            if start == 0:
                raise AudioUnreadable(f"{self.name}: no decodable audio frames")
            return np.zeros(0, dtype=np.float32)
        samples = np.concatenate(chunks).astype(np.float32, copy=False)
        skip = int(round(max(0.0, start - (first_time or 0.0)) * SAMPLE_RATE))
        return samples[skip : skip + int(seconds * SAMPLE_RATE)]

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> AudioWindows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
