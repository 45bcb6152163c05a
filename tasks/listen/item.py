"""Listening to one item: intro in 30 s steps, then the outro, stopping as soon as the book is heard.

`listen_to_item(job, settings)` is a plain function (the flow's Prefect task wraps it). It touches
no database: it takes a `ListenJob` (the item's audio files and its candidates, read by the flow)
and returns a `ListenResult` (transcripts, credits, verdict, or the error) for the flow to store.
That is what lets it run on thread, process or Dask workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tasks.listen.asr import (
    AsrFailed,
    WindowTranscript,
    decode_options,
    get_model,
    model_name,
    model_threads,
    transcribe_window,
)
from tasks.listen.audio import AudioFileRef, AudioUnreadable, AudioWindows
from tasks.listen.credits import Credits, extract_credits
from tasks.listen.hearing import best_hearing
from tasks.listen.opener import AudioOpener
from tasks.listen.phrases import phrase_containment
from tasks.listen.spans import generic_spans
from tasks.listen.verdict import (
    IDENTIFIED,
    Expected,
    Judgement,
    judge,
    resolve_series,
    title_any_credits_hold,
    title_is_a_number,
)
from tasks.settings import Settings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

NO_CREDITS = "no_credits"
NAME_HEARD = 0.85  # phonetic containment of a name heard whole (the evidence writes it then)
_TITLE_SAID = 0.75  # a window holding this much of a candidate's title is where its credits are said
# What the plain hearing must hold of a book before a hinted re-hearing may confirm it.
_PLAIN_AUTHOR_HEARD = 0.5
_PLAIN_TITLE_HEARD = 0.75


@dataclass
class ListenJob:
    item_id: str
    files: list[AudioFileRef]  # included audio files in play order
    candidates: list[Expected] = field(default_factory=list)
    # Confirmation mode: only these (file ino, window kind, start) windows, hinted with the candidates.
    confirm_windows: list[tuple[str, str, float]] = field(default_factory=list)


@dataclass
class WindowResult:
    file_ino: str
    window_kind: str
    window_start: float
    seconds: float
    text: str
    extracted: dict[str, Any]
    cpu_seconds: float
    hinted: bool = False  # transcribed with the candidates' names as Whisper hotwords


@dataclass
class ListenResult:
    item_id: str
    verdict: str  # identified / uncertain / mismatch / no_credits / error
    book_id: int | None = None
    complete: bool = False
    credits: Credits = field(default_factory=Credits)
    judgement: Judgement | None = None
    windows: list[WindowResult] = field(default_factory=list)
    source: str | None = None
    model: str | None = None
    bytes_read: int = 0
    error_kind: str | None = None
    error: str | None = None
    error_detail: dict[str, Any] = field(default_factory=dict)
    wall_seconds: float = 0.0
    expected: list[Expected] = field(default_factory=list)  # the candidates last judged against

    @property
    def audio_seconds(self) -> float:
        return sum(w.seconds for w in self.windows)

    @property
    def cpu_seconds(self) -> float:
        return sum(w.cpu_seconds for w in self.windows)

    @property
    def transcript(self) -> str:
        return transcript_text(self.windows)


def current_windows(windows: list[WindowResult], hinted: bool = False) -> list[WindowResult]:
    """One text per window, intro then outro in time order: the plain hearing, or with `hinted` the
    latest hinted re-hearing where there is one."""
    best: dict[tuple[str, str, float], WindowResult] = {}
    for w in windows:
        key = (w.file_ino, w.window_kind, w.window_start)
        if not w.hinted and key not in best or w.hinted and hinted:
            best[key] = w
    return sorted(best.values(), key=lambda w: (w.window_kind != "intro", w.window_start))


def transcript_text(windows: list[WindowResult]) -> str:
    """Intro windows then outro windows, each in time order (a phrase split by a window edge joins up)."""
    return " ".join(w.text for w in current_windows(windows) if w.text)


def plan_windows(
    first_duration: float | None, last_duration: float | None, same_file: bool, settings: Settings
) -> tuple[list[float], list[float]]:
    """Start times of the intro windows (first file) and outro windows (last file, latest first)."""
    step = settings.listen_step_seconds
    intro_end = (
        settings.listen_intro_seconds
        if first_duration is None
        else min(settings.listen_intro_seconds, first_duration)
    )
    intro = [s for s in _frange(0.0, intro_end, step)] or [0.0]
    outro: list[float] = []
    if last_duration:
        floor = intro_end if same_file else 0.0
        start = max(last_duration - settings.listen_outro_seconds, floor)
        # closing credits sit at the very end: hear the last window first
        outro = sorted(_frange(start, last_duration, step), reverse=True)
    return intro, outro


def _frange(start: float, stop: float, step: float) -> list[float]:
    out, t = [], start
    while t < stop - 0.5:  # a sliver under half a second is not worth a Whisper window
        out.append(round(t, 3))
        t += step
    return out


def is_settled(result: ListenResult, candidates: list[Expected]) -> bool:
    """Stop listening? Yes once a candidate is positively heard with title and author (and its series,
    when it has one). Without such a candidate, yes once the credits name a title and an author: more
    audio will not say more, and those credits seed the targeted search."""
    judgement = result.judgement
    if judgement is not None and judgement.verdict == IDENTIFIED:
        return judgement.complete
    return bool(result.credits.title and result.credits.authors)


def _read(windows: list[WindowResult]) -> tuple[str, Credits]:
    intro = " ".join(w.text for w in windows if w.window_kind == "intro" and w.text)
    outro = " ".join(w.text for w in windows if w.window_kind == "outro" and w.text)
    text = " ".join(t for t in (intro, outro) if t)
    return text, extract_credits(intro).merge(extract_credits(outro))


def hinted_credits(result: ListenResult) -> Credits:
    """The credits as the hinted re-hearing reads them (a second spelling to look the book up with)."""
    return _read(current_windows(result.windows, hinted=True))[1]


def evaluate(result: ListenResult, candidates: list[Expected]) -> None:
    """Credits (evidence, search) come from the plain hearing only. Candidates are judged on the plain
    hearing and, when it does not identify one, on the hinted re-hearing with the same rules."""
    text, result.credits = _read(current_windows(result.windows))
    result.expected = list(candidates)
    result.judgement = judge(candidates, text, result.credits) if candidates else None
    if (
        result.judgement is not None
        and result.judgement.verdict != IDENTIFIED
        and any(w.hinted for w in result.windows)
    ):
        hinted_text, hinted_credits = _read(current_windows(result.windows, hinted=True))
        hinted_judgement = judge(candidates, hinted_text, hinted_credits)
        # Hotwords pull the model towards the names it was given: a hinted hearing may confirm, but
        # never overrule what the plain hearing said against that book — another author, another
        # position in the series ("Armageddon, Left Behind book 11" is not Left Behind #1).
        if hinted_judgement.verdict == IDENTIFIED and not _plain_hearing_objects(
            hinted_judgement.book_id, result
        ):
            result.judgement = hinted_judgement
            return
        # Each hearing may hold a different half: the plain one the title (hotwords can bend an
        # unusual title towards a candidate's name), the hinted one the names the plain one garbled.
        # Judged together, the title is read from the spans of both and every word counts once;
        # the same rules (and the plain hearing's objections) still hold.
        both = Credits().merge(result.credits).merge(hinted_credits)
        both.title_spans = list(dict.fromkeys(result.credits.title_spans + hinted_credits.title_spans))
        both_judgement = judge(candidates, f"{text} {hinted_text}", both)
        if both_judgement.verdict == IDENTIFIED and not _plain_hearing_objects(
            both_judgement.book_id, result
        ):
            result.judgement = both_judgement


def _plain_hearing_objects(book_id: int | None, result: ListenResult) -> bool:
    """The plain hearing speaks against the book, or holds nothing of it a hint could sharpen.

    Hotwords can make the model say a name that was never spoken ("one, Richard Bach" from "one,
    read by Stephen Turbin"), so a hinted hearing only confirms what the plain one half-heard: the
    author, or a title no other credits could hold."""
    assert result.judgement is not None  # the plain hearing is judged first
    plain = next(s for s in result.judgement.scores if s.book_id == book_id)
    if plain.author_conflict or plain.position_conflict:
        return True
    if all(w.hinted for w in result.windows):
        return False  # a confirmation pass alone: judged again with the plain hearing once merged
    candidate = next(c for c in result.expected if c.book_id == book_id)
    # A title any credits hold counts only when the plain hearing said it as the title, and a
    # number alone ("one" of "volume one") never does.
    said = plain.title_precision == 1.0 and not title_is_a_number(candidate)
    title_heard = plain.title >= _PLAIN_TITLE_HEARD and (not title_any_credits_hold(candidate) or said)
    return not (plain.author >= _PLAIN_AUTHOR_HEARD or title_heard)


def finish_verdict(result: ListenResult) -> None:
    """The item's verdict from the judgement (or, without candidates, from whether credits were heard)."""
    if result.judgement is not None and result.judgement.verdict == IDENTIFIED:
        result.verdict, result.book_id, result.complete = (
            IDENTIFIED,
            result.judgement.book_id,
            result.judgement.complete,
        )
        if result.judgement.candidate is not None:
            resolve_series(result.credits, result.judgement.candidate)
            best_hearing(result, result.judgement.candidate)
    elif not result.credits.heard:
        result.verdict, result.book_id, result.complete = NO_CREDITS, None, False
    else:
        result.verdict = result.judgement.verdict if result.judgement is not None else "uncertain"
        result.book_id, result.complete = None, False


def listen_to_item(job: ListenJob, settings: Settings) -> ListenResult:
    """Transcribe the item's intro in steps, then its outro, until settled; never raises for a bad file."""
    t0 = time.perf_counter()
    result = ListenResult(item_id=job.item_id, verdict="uncertain")
    files = sorted(job.files, key=lambda f: f.index)
    if not files:
        result.verdict, result.error_kind = "error", "no_audio_files"
        result.error = f"item {job.item_id} has no included audio files to listen to"
        return result
    model_path = settings.resolved_asr_model_path()
    result.model = model_name(model_path, settings.asr_compute_type)
    opener = AudioOpener(settings)
    current: AudioFileRef | None = None
    try:
        model = get_model(model_path, settings.asr_compute_type, *model_threads(settings))
        if job.confirm_windows:
            _confirm(result, job, job.confirm_windows, opener, model, settings)
            return result
        first, last = files[0], files[-1]
        with opener.open(first) as audio:
            current = first
            first_duration = audio.duration or first.duration
            last_duration = first_duration if last is first else last.duration
            intro, outro = plan_windows(first_duration, last_duration, last is first, settings)
            for start in intro:
                if _listen_window(
                    result, opener, audio, first, "intro", start, model, settings, job.candidates
                ):
                    break
            if not is_settled(result, job.candidates) and outro and last is first:
                for start in outro:
                    if _listen_window(
                        result, opener, audio, first, "outro", start, model, settings, job.candidates
                    ):
                        break
        if not is_settled(result, job.candidates) and last is not first:
            with opener.open(last) as audio:
                current = last
                if audio.duration and audio.duration != last_duration:
                    _, outro = plan_windows(None, audio.duration, False, settings)
                for start in outro:
                    if _listen_window(
                        result, opener, audio, last, "outro", start, model, settings, job.candidates
                    ):
                        break
        finish_verdict(result)
        if needs_confirmation(result, job.candidates):
            _confirm(result, job, credit_windows(result), opener, model, settings)
    except AudioUnreadable as exc:
        _fail(result, "audio_unreadable", f"item {job.item_id}: {exc}", current or files[0])
    except AsrFailed as exc:
        _fail(result, "asr_failed", f"item {job.item_id}: {exc}", current or files[0])
    except Exception as exc:
        kind = "abs_unavailable" if type(exc).__name__.startswith("Abs") else "listen_failed"
        _fail(
            result,
            kind,
            f"item {job.item_id}: cannot read {(current or files[0]).name}: {type(exc).__name__}: {exc}",
            current or files[0],
        )
    finally:
        opener.close()
        result.source = opener.source
        result.bytes_read = opener.bytes_read
        result.wall_seconds = time.perf_counter() - t0
    return result


def _window(ino: str, kind: str, start: float, heard: WindowTranscript, hinted: bool = False) -> WindowResult:
    """One transcribed window, with the credits read from it alone."""
    return WindowResult(
        ino,
        kind,
        start,
        heard.audio_seconds,
        heard.text,
        extract_credits(heard.text).to_dict(),
        heard.cpu_seconds,
        hinted=hinted,
    )


def _listen_window(
    result: ListenResult,
    opener: AudioOpener,
    audio: AudioWindows,
    ref: AudioFileRef,
    kind: str,
    start: float,
    model: WhisperModel,
    settings: Settings,
    candidates: list[Expected],
) -> bool:
    """Transcribe one window, re-read everything heard so far; True when settled."""
    samples = opener.read(audio, ref, start, settings.listen_step_seconds)
    if len(samples) == 0:
        return False
    result.windows.append(
        _window(ref.ino, kind, start, transcribe_window(model, samples, options=decode_options(settings)))
    )
    evaluate(result, candidates)
    return is_settled(result, candidates)


def hotwords_for(result: ListenResult, candidates: list[Expected], limit: int = 6) -> str:
    """The candidates' titles and names (best-scoring first) as a Whisper hotword hint."""
    order = {s.book_id: i for i, s in enumerate(result.judgement.scores)} if result.judgement else {}
    ranked = sorted(candidates, key=lambda c: order.get(c.book_id, len(order)))[:limit]
    return ". ".join(
        ", ".join([c.title, *c.authors[:1], *c.narrators[:1], *([c.series] if c.series else [])])
        for c in ranked
    )


def credit_windows(result: ListenResult) -> list[tuple[str, str, float]]:
    """The windows in which credits were heard (where a hinted re-hearing can sharpen the names); when
    no cue was heard anywhere, the windows whose words hold a name-like span (an opening worded
    without cues) or most of a candidate's title (the credits are said around it)."""
    windows = current_windows(result.windows)
    cued = [
        (w.file_ino, w.window_kind, w.window_start)
        for w in windows
        if w.extracted.get("title") or w.extracted.get("authors") or w.extracted.get("narrators")
    ]
    if cued:
        return cued
    return [
        (w.file_ino, w.window_kind, w.window_start)
        for w in windows
        if generic_spans(w.text)[1]
        or any(phrase_containment(c.title, w.text) >= _TITLE_SAID for c in result.expected)
    ]


def needs_confirmation(result: ListenResult, candidates: list[Expected]) -> bool:
    """Listen again, hinted? Only when credits were heard and either no candidate is identified and
    some candidate is half-heard already (title or author) - hints from unrelated candidates only
    mislead - or one is identified but neither its author nor its narrator was heard whole: the
    evidence would then be its title alone, and the hinted re-hearing may spell the names."""
    if not candidates or result.error_kind is not None or not credit_windows(result):
        return False
    scores = result.judgement.scores if result.judgement else []
    if result.verdict == IDENTIFIED:
        if any(w.hinted for w in result.windows):
            return False
        heard = next((s for s in scores if s.book_id == result.book_id), None)
        return heard is not None and heard.author < NAME_HEARD and (heard.narrator or 0.0) < NAME_HEARD
    return any(max(s.title, s.author) >= 0.5 for s in scores)


def _confirm(
    result: ListenResult,
    job: ListenJob,
    windows: list[tuple[str, str, float]],
    opener: AudioOpener,
    model: WhisperModel,
    settings: Settings,
) -> None:
    """Re-hear the credit windows with the candidates' names as hotwords, then judge again.

    Tiny Whisper models misspell unusual names ("Kleypas" -> "Klapers"); told which names the
    catalogue has, they write them correctly when they are said - and, measured, do not produce them
    when they are not (docs/benchmarks.md), so the usual containment rules still guard the verdict.
    """
    by_ino = {f.ino: f for f in job.files}
    hot = hotwords_for(result, job.candidates)
    for ino, kind, start in windows:
        ref = by_ino.get(ino)
        if ref is None:
            continue
        samples = opener.samples.get((ino, start))
        if samples is None:  # a window first heard by another task (the flow's confirmation pass)
            with opener.open(ref) as audio:
                samples = opener.read(audio, ref, start, settings.listen_step_seconds)
        heard = transcribe_window(model, samples, hotwords=hot, options=decode_options(settings))
        result.windows.append(_window(ino, kind, start, heard, hinted=True))
    evaluate(result, job.candidates)
    finish_verdict(result)


def confirmation_job(job: ListenJob, candidates: list[Expected], result: ListenResult) -> ListenJob:
    return ListenJob(job.item_id, job.files, candidates, confirm_windows=credit_windows(result))


def merge_confirmation(result: ListenResult, confirmation: ListenResult, candidates: list[Expected]) -> None:
    """Fold a confirmation pass (run as its own task) into the item's result and judge again."""
    if confirmation.error_kind is not None:
        return  # the first hearing stands
    result.windows.extend(confirmation.windows)
    result.bytes_read += confirmation.bytes_read
    evaluate(result, candidates)
    finish_verdict(result)


def _fail(result: ListenResult, kind: str, message: str, ref: AudioFileRef) -> None:
    result.verdict, result.book_id, result.complete = "error", None, False
    result.error_kind, result.error = kind, message
    result.error_detail = {"file": ref.path, "ino": ref.ino, "windows_done": len(result.windows)}
