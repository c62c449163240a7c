"""The transcriber interface and its faster-whisper adapter.

Layers above see only :class:`Transcriber`: ``transcribe(samples, sample_rate, speech=…,
language=…, speaker=…) -> tuple[Word, ...]``. Tests of those layers use a scripted transcriber; the
real model is tested end to end on real audio (``tests/test_end_to_end.py``).

The adapter hands Whisper only the party's own speech: the VAD intervals of that party (crosstalk
removed) are padded, cut out and concatenated — what faster-whisper's ``vad_filter`` does, but with
our activity, so the VAD runs once and leaked speech of the other party is never transcribed as this
party's words. Timestamps are mapped back to the recording. The audio is resampled to Whisper's
16 kHz here with the one resampler (:func:`callcheck.dsp.resample.to_16k`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from callcheck.audio.activity import VAD_RATE
from callcheck.config import TranscribeConfig
from callcheck.dsp.resample import to_16k
from callcheck.errors import ModelError
from callcheck.transcribe.models import ModelSpec
from callcheck.types import Interval, Party, Word


#: languages a call may be in unless ``transcribe.language_candidates`` says otherwise (empty = any)
DEFAULT_LANGUAGE_CANDIDATES: tuple[str, ...] = ("de", "en")
#: an excluded language this probable (of all Whisper's languages) is named in a note
OTHER_LANGUAGE_NOTE_P = 0.5


class Transcriber(Protocol):
    """What the pipeline needs from a speech recogniser."""

    @property
    def identity(self) -> str:
        """Names the model and every setting that changes its output (part of the cache key)."""
        ...

    def detect_language(self, samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval]) -> tuple[str, float]:
        """ISO 639-1 code and its probability, from the given speech."""
        ...

    # Optional (the pipeline uses it when present): every language's probability from the speech of
    # several signals, e.g. both parties of a stereo call.
    # def language_probabilities(self, signals: Sequence[tuple[np.ndarray, int, Sequence[Interval]]]) -> dict[str, float]

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval], language: str, speaker: Party
    ) -> tuple[Word, ...]:
        """Words (seconds from the start of ``samples``) spoken inside ``speech``."""
        ...

    # Optional (the pipeline uses it when present): ``second_identity`` (str | None) and
    # ``transcribe_second(...)``, a second reading of the caller's speech with another decoding,
    # read only for personal data (``privacy.second_reading``).


def speech_chunks(speech: Sequence[Interval], *, pad_s: float, duration_s: float) -> list[tuple[float, float]]:
    """Padded, merged ``(start_s, end_s)`` chunks covering ``speech``."""
    out: list[list[float]] = []
    for iv in speech:
        s = max(0.0, iv.start_s - pad_s)
        e = min(duration_s, iv.end_s + pad_s)
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


#: most seconds of speech handed to the model in one call: faster-whisper computes the features of
#: all the audio it is given at once, ~0.86 MB per second (120 s: +0.12 GB; a whole hour: +1.5 GB).
#: Each batch ends in a part-filled 30 s window (about half a window of extra encoding per 4).
TRANSCRIBE_BATCH_S = 120.0


def speech_batches(chunks: Sequence[tuple[float, float]], *, max_s: float) -> list[list[tuple[float, float]]]:
    """Consecutive groups of speech chunks, each holding at most ``max_s`` seconds of speech (a
    single longer chunk is a group of its own)."""
    out: list[list[tuple[float, float]]] = []
    total = 0.0
    for s, e in chunks:
        if out and total + (e - s) <= max_s:
            out[-1].append((s, e))
            total += e - s
        else:
            out.append([(s, e)])
            total = e - s
    return out


def _concatenate(x16: np.ndarray, chunks: list[tuple[float, float]]) -> tuple[np.ndarray, list[dict]]:
    sample_chunks = [{"start": int(round(s * VAD_RATE)), "end": int(round(e * VAD_RATE))} for s, e in chunks]
    sample_chunks = [c for c in sample_chunks if c["end"] > c["start"]]
    if not sample_chunks:
        return np.zeros(0, dtype=np.float32), []
    audio = np.concatenate([x16[c["start"] : c["end"]] for c in sample_chunks]).astype(np.float32)
    return audio, sample_chunks


def speech_budget(talk_s: Sequence[float], budget_s: float) -> list[float]:
    """Seconds of speech to take from each signal so that all of them are heard.

    Each gets up to an equal share of ``budget_s``; what one cannot use goes to the others.
    """
    take = [0.0] * len(talk_s)
    left = budget_s
    open_ = [i for i, t in enumerate(talk_s) if t > 0]
    while open_ and left > 1e-9:
        share = left / len(open_)
        for i in list(open_):
            add = min(share, talk_s[i] - take[i])
            take[i] += add
            left -= add
            if talk_s[i] - take[i] <= 1e-9:
                open_.remove(i)
    return take


def choose_language(probabilities: dict[str, float], candidates: Sequence[str]) -> tuple[str, float, str | None]:
    """The most probable of ``candidates`` (all languages when empty), its probability renormalised
    over the candidates, and a note when a language outside them is more probable than
    ``OTHER_LANGUAGE_NOTE_P`` (a call in a language nobody configured should not pass unnoticed).
    """
    if not probabilities:
        lang = candidates[0] if candidates else "en"
        return lang, 0.0, None
    top = max(probabilities, key=lambda k: probabilities[k])
    if not candidates:
        return top, float(probabilities[top]), None
    restricted = {c: float(probabilities.get(c, 0.0)) for c in candidates}
    total = sum(restricted.values())
    lang = max(restricted, key=lambda k: restricted[k]) if total > 0 else candidates[0]
    prob = restricted[lang] / total if total > 0 else 0.0
    note = None
    if top not in restricted and probabilities[top] > OTHER_LANGUAGE_NOTE_P:
        note = (f"the speech sounds most like {top!r} (probability {probabilities[top]:.2f}), which is not among the "
                f"languages allowed (transcribe.language_candidates: {', '.join(candidates)}); analysed as {lang!r}")
    return lang, prob, note


def snap_words(words: Sequence[Word], speech: Sequence[Interval], *, tolerance_s: float) -> tuple[Word, ...]:
    """Keep each word inside the party's speech: clip it to the speech interval holding its middle.

    A word whose middle lies more than ``tolerance_s`` from any speech interval is dropped (it came
    from the padding around a chunk, i.e. from noise or the other party's leak).
    """
    out: list[Word] = []
    if not speech:
        return ()
    starts = np.array([iv.start_s for iv in speech])
    for w in words:
        mid = 0.5 * (w.start_s + w.end_s)
        k = int(np.searchsorted(starts, mid, side="right")) - 1
        best: Interval | None = None
        best_d = float("inf")
        for j in (k, k + 1):
            if 0 <= j < len(speech):
                iv = speech[j]
                d = 0.0 if iv.start_s <= mid <= iv.end_s else min(abs(mid - iv.start_s), abs(mid - iv.end_s))
                if d < best_d:
                    best, best_d = iv, d
        if best is None or best_d > tolerance_s:
            continue
        s = min(max(w.start_s, best.start_s), best.end_s)
        e = min(max(w.end_s, best.start_s), best.end_s)
        if e <= s:
            e = min(best.end_s, s + 0.02)
            s = max(best.start_s, e - 0.02)
        out.append(Word(w.speaker, w.text, round(s, 3), round(e, 3), w.probability))
    return tuple(out)


def _norm_token(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


#: a phrase of this many tokens or more repeated LONG_LOOP_REPEATS times in a row is a decoding loop
LONG_NGRAM = 5
LONG_LOOP_REPEATS = 3
#: longest digit run kept inside one token: an IBAN has at most 34 characters (ISO 13616)
MAX_DIGIT_RUN = 34
_TOKEN_RUN = re.compile(r"(.{1,10}?)\1{4,}", re.S)
_DIGIT_RUN = re.compile(r"\d{%d,}" % (MAX_DIGIT_RUN + 1))


def drop_repetition_loops(words: Sequence[Word], *, min_repeats: int = 4, max_ngram: int = 10) -> tuple[Word, ...]:
    """Collapse decoding loops: an n-gram repeated in a row is kept once when it repeats
    ``min_repeats`` or more times (n < ``LONG_NGRAM``) or ``LONG_LOOP_REPEATS`` or more times
    (``LONG_NGRAM`` <= n <= ``max_ngram``).

    Greedy decoding without temperature fallback (chosen for speed) can loop on noise or degraded
    speech ("1 1 1 1 …", "I'm sorry I'm sorry …", a 5-token phrase 45 times); real speech rarely
    repeats a word or short phrase four times, or a phrase of five words three times.
    "ja ja ja" (three) is kept: it is evidence for the impatience rule.
    """
    toks = [_norm_token(w.text) for w in words]
    out: list[Word] = []
    i = 0
    while i < len(words):
        skipped = False
        for n in range(1, max_ngram + 1):
            gram = toks[i : i + n]
            if len(gram) < n or not all(gram):
                break
            reps = 1
            while toks[i + reps * n : i + (reps + 1) * n] == gram:
                reps += 1
            if reps >= (min_repeats if n < LONG_NGRAM else LONG_LOOP_REPEATS):
                out.extend(words[i : i + n])
                i += reps * n
                skipped = True
                break
        if not skipped:
            out.append(words[i])
            i += 1
    return tuple(out)


def collapse_token_runs(words: Sequence[Word]) -> tuple[Word, ...]:
    """Loops inside one token: a unit of 1-10 characters repeated five or more times over at least
    10 characters is kept once ("1111111111" -> "1", "hahahahaha" -> "ha"), and a digit run longer
    than ``MAX_DIGIT_RUN`` (34, the longest IBAN) is cut to that length: no speaker dictates more
    digits in one breath (issue 15: a dictated IBAN came out as one 150-digit "word"). "100000" and
    "0800" are kept; a token left empty is dropped.
    """
    out: list[Word] = []
    for w in words:
        text = _TOKEN_RUN.sub(lambda m: m.group(1) if len(m.group(0)) >= 10 else m.group(0), w.text)
        text = _DIGIT_RUN.sub(lambda m: m.group(0)[:MAX_DIGIT_RUN], text)
        if not text.strip():
            continue
        out.append(w if text == w.text else Word(w.speaker, text, w.start_s, w.end_s, w.probability))
    return tuple(out)


@dataclass
class FasterWhisperTranscriber:
    """faster-whisper (CTranslate2) on the CPU, loaded lazily and once per process."""

    spec: ModelSpec
    config: TranscribeConfig
    cpu_threads: int = 0

    def __post_init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    @property
    def identity(self) -> str:
        c = self.config
        device, compute = resolve_device(c)
        where = "" if device == "cpu" else f":{device}"  # the CPU's identity is what it always was
        batched = "" if c.batch_size <= 1 else f":batch{c.batch_size}"
        caller = f"/caller{c.caller_beam_size}r" if c.caller_beam_size and c.caller_beam_size != c.beam_size else ""  # r: refilled
        return (
            f"faster-whisper:{self.spec.name}:{compute}{where}{batched}:beam{c.beam_size}{caller}:t{c.temperature}:"
            f"prev{int(c.condition_on_previous_text)}:pad{c.chunk_pad_s}:prompt={c.initial_prompt}"
        )

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        from faster_whisper import WhisperModel

        device, compute = resolve_device(self.config)
        try:
            return WhisperModel(
                self.spec.path_or_name,
                device=device,
                compute_type=compute,
                cpu_threads=self.cpu_threads,
                download_root=self.spec.download_root,
            )
        except Exception as exc:  # hub errors, corrupt files: one line with the fix
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if self.spec.source == "hub":
                raise ModelError(
                    f"model {self.spec.name!r} is not in {self.spec.download_root} and could not be downloaded "
                    f"({first[:160]}); omit --model to use the embedded offline model, or pass --model PATH"
                ) from None
            raise ModelError(f"{self.spec.path_or_name}: cannot load the model ({first[:200]})") from None

    def detect_language(self, samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval]) -> tuple[str, float]:
        probs = self.language_probabilities([(samples, sample_rate, speech)])
        if not probs:
            return "en", 0.0
        lang = max(probs, key=lambda k: probs[k])
        return lang, probs[lang]

    def language_probabilities(self, signals: Sequence[tuple[np.ndarray, int, Sequence[Interval]]]) -> dict[str, float]:
        """Every language's probability from the first speech of all ``signals`` in one Whisper window.

        ``signals``: ``(samples, sample_rate, speech)`` per party. Each party contributes up to an equal
        share of ``language_detect_s`` (what one party cannot fill goes to the other), so a short
        greeting is judged together with the caller's reply instead of alone (issue 15: 3.7 s of
        a German agent alone read as Thai in 47 of 102 fuzzed copies).
        """
        per_signal = []
        for samples, rate, speech in signals:
            duration_s = samples.shape[0] / float(rate)
            chunks = speech_chunks(speech, pad_s=self.config.chunk_pad_s, duration_s=duration_s)
            per_signal.append((samples, rate, chunks))
        talks = [sum(e - s for s, e in chunks) for _, _, chunks in per_signal]
        budget = speech_budget(talks, min(self.config.language_detect_s, 30.0))
        pieces: list[np.ndarray] = []
        for (samples, rate, chunks), take_s in zip(per_signal, budget):
            if take_s <= 0:
                continue
            first: list[tuple[float, float]] = []  # only the chunks that fill this party's share
            left = take_s
            for s, e in chunks:
                if left <= 0:
                    break
                first.append((s, min(e, s + left)))
                left -= first[-1][1] - s
            end = first[-1][1]
            x16 = to_16k(samples[: int(np.ceil(end * rate)) + 1], rate)  # never the whole call
            audio, _ = _concatenate(x16, first)
            pieces.append(audio[: int(take_s * VAD_RATE)])
        audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        if audio.shape[0] < VAD_RATE // 2:
            return {}
        _lang, _prob, all_probs = self.model.detect_language(audio=audio, language_detection_segments=1)
        return {str(k): float(v) for k, v in all_probs}

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval], language: str, speaker: Party
    ) -> tuple[Word, ...]:
        c = self.config
        beam = c.caller_beam_size if speaker == "caller" and c.caller_beam_size else c.beam_size
        return self._read(samples, sample_rate, speech=speech, language=language, speaker=speaker, beam=beam)

    def _read(self, samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval], language: str,
              speaker: Party, beam: int) -> tuple[Word, ...]:
        """Words of ``speech`` decoded with ``beam``; with another beam than ``beam_size`` the
        chunks it left without words or looped over are decoded again with ``beam_size``."""
        x16 = to_16k(samples, sample_rate)
        chunks = speech_chunks(speech, pad_s=self.config.chunk_pad_s, duration_s=len(x16) / VAD_RATE)
        c = self.config
        words: list[Word] = []
        # a long call goes to the model in batches of speech (TRANSCRIBE_BATCH_S); without
        # previous-text conditioning nothing is carried across a batch boundary anyway
        for batch in speech_batches(chunks, max_s=TRANSCRIBE_BATCH_S):
            got = self._decode(x16, batch, language=language, speaker=speaker, beam=beam)
            if beam != c.beam_size:
                # beam search now and then ends a window early or loops, and the speech after it
                # gets no words (a dictation left unredacted in text and audio): such chunks are
                # decoded again with the base decoding
                collapsed = collapse_token_runs(got)
                kept = drop_repetition_loops(collapsed)
                redo = uncovered_chunks(batch, kept, min_s=REFILL_MIN_S)
                # ... and chunks where it looped (a loop of an earlier sentence over a dictation,
                # "0000000000" in one token): the words the loop removal dropped (by identity: a
                # set, linear in a long batch) and the tokens collapse_token_runs cut
                kept_ids = {id(w) for w in kept}
                looped = [w for w in collapsed if id(w) not in kept_ids]
                looped += [w for w in got if collapse_token_runs((w,)) != (w,)]
                redo += [ch for ch in batch if ch not in redo and any(ch[0] <= w.start_s < ch[1] for w in looped)]
                if redo:
                    got = [w for w in got if not any(a <= w.start_s < b for a, b in redo)]
                    got += self._decode(x16, redo, language=language, speaker=speaker, beam=c.beam_size)
            words.extend(got)
        words.sort(key=lambda w: (w.start_s, w.end_s))
        return snap_words(drop_repetition_loops(collapse_token_runs(words)), speech, tolerance_s=c.chunk_pad_s + 0.1)

    @property
    def second_identity(self) -> str | None:
        """Cache-key identity of :meth:`transcribe_second` (None when there is no second reading:
        the caller is decoded with the base decoding already)."""
        c = self.config
        if not c.caller_beam_size or c.caller_beam_size == c.beam_size:
            return None
        return self.identity + ":second"

    def transcribe_second(
        self, samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval], language: str, speaker: Party
    ) -> tuple[Word, ...]:
        """A second reading of the caller's speech with the base decoding (``beam_size``), only to
        find personal data in (``privacy.second_reading``): the beam search and the greedy
        decoding garble a dictation differently, and what either reading shows is redacted."""
        return self._read(samples, sample_rate, speech=speech, language=language, speaker=speaker,
                          beam=self.config.beam_size)

    def _decode(self, x16: np.ndarray, batch: list[tuple[float, float]], *, language: str, speaker: Party,
                beam: int) -> list[Word]:
        """Words of the speech chunks ``batch`` (s) of ``x16``, decoded in one call with ``beam``."""
        from faster_whisper.vad import SpeechTimestampsMap

        c = self.config
        words: list[Word] = []
        audio, sample_chunks = _concatenate(x16, batch)
        if audio.shape[0] < VAD_RATE // 10:
            return words
        if c.batch_size > 1:  # faster-whisper's batched pipeline, on <= 30 s clips of our chunks
            from faster_whisper import BatchedInferencePipeline

            segments, _info = BatchedInferencePipeline(self.model).transcribe(
                audio, language=language, beam_size=beam, temperature=c.temperature,
                condition_on_previous_text=c.condition_on_previous_text, word_timestamps=True, vad_filter=False,
                clip_timestamps=batch_clips(sample_chunks), batch_size=c.batch_size, without_timestamps=True,
                initial_prompt=c.initial_prompt or None,
            )
        else:
            segments, _info = self.model.transcribe(
                audio,
                language=language,
                beam_size=beam,
                best_of=1,
                temperature=c.temperature,
                condition_on_previous_text=c.condition_on_previous_text,
                word_timestamps=True,
                vad_filter=False,
                initial_prompt=c.initial_prompt or None,
            )
        ts_map = SpeechTimestampsMap(sample_chunks, VAD_RATE)
        for seg in segments:
            for w in seg.words or ():
                text = w.word.strip()
                if not text:
                    continue
                idx = ts_map.get_chunk_index(w.start)
                start = ts_map.get_original_time(w.start, idx)
                end = ts_map.get_original_time(w.end, idx, is_end=True)
                words.append(Word(speaker, text, float(start), float(max(end, start)), float(w.probability)))
        del audio, segments
        return words


#: a speech chunk at least this long that beam search left without a word is decoded again, s
REFILL_MIN_S = 1.0


def uncovered_chunks(chunks: Sequence[tuple[float, float]], words: Sequence[Word], *,
                     min_s: float) -> list[tuple[float, float]]:
    """The chunks (s) of at least ``min_s`` in which no word of ``words`` starts or ends."""
    out = []
    for a, b in chunks:
        if b - a >= min_s and not any(a <= w.start_s < b or a < w.end_s <= b for w in words):
            out.append((a, b))
    return out


#: the longest piece the batched pipeline decodes at once (Whisper's window), s
BATCH_CLIP_S = 30.0


def batch_clips(sample_chunks: Sequence[dict], *, max_s: float = BATCH_CLIP_S, rate: int = VAD_RATE) -> list[dict]:
    """Clips (``{"start", "end"}`` in seconds of the concatenated speech) for the batched pipeline:
    consecutive chunks packed into pieces of at most ``max_s``, a longer chunk cut every ``max_s``."""
    clips: list[list[float]] = []
    pos = 0.0
    for ch in sample_chunks:
        start = pos
        pos = end = pos + (ch["end"] - ch["start"]) / rate
        if clips and end - clips[-1][0] <= max_s:  # the chunks are contiguous in the concatenation
            clips[-1][1] = end
            continue
        while end - start > max_s:
            clips.append([start, start + max_s])
            start += max_s
        if end > start:
            clips.append([start, end])
    return [{"start": round(a, 3), "end": round(b, 3)} for a, b in clips]


def resolve_device(config: TranscribeConfig) -> tuple[str, str]:
    """``(device, compute_type)`` for CTranslate2: ``auto`` is ``cuda`` when CTranslate2 sees a GPU,
    else ``cpu``; compute type ``default`` is float16 on CUDA and int8 on the CPU.

    Raises
    ------
    ModelError
        ``device = "cuda"`` on a machine where CTranslate2 sees no GPU.
    """
    device = config.device
    if device in ("auto", "cuda"):
        n = cuda_devices()
        if device == "cuda" and n == 0:
            raise ModelError("transcribe.device = 'cuda', but CTranslate2 sees no GPU on this machine "
                             "(ctranslate2.get_cuda_device_count() = 0); use device = 'auto' or 'cpu'")
        device = "cuda" if n > 0 else "cpu"
    compute = config.compute_type
    if compute == "default":
        compute = "float16" if device == "cuda" else "int8"
    return device, compute


def cuda_devices() -> int:
    """GPUs CTranslate2 can use here (0 without CUDA, or with a CPU-only build)."""
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # no CUDA runtime, a CPU-only wheel: no GPU
        return 0


def make_transcriber(spec: ModelSpec, config: TranscribeConfig, *, cpu_threads: int = 0) -> FasterWhisperTranscriber:
    if spec is None:
        raise ModelError("no model given")
    return FasterWhisperTranscriber(spec=spec, config=config, cpu_threads=cpu_threads)
