"""Analysing one call: a short list of named steps, with a hook after each.

    load → activity → hold → language → transcribe → separate (mono) → agent (mono) → conversation
    → voice → assess → redact

``hold`` finds hold music, queue tones and announcements per channel (:mod:`callcheck.audio.hold`)
and takes them out of the activity, so they are neither talk, transcribed, voice, noise floor nor
dead air. ``assess`` decides whether the call can be assessed at all and how far each reported
number can be trusted (:mod:`callcheck.measures.validity`). ``redact`` takes personal data out of
the transcript and the conversation texts (:mod:`callcheck.privacy.redact`), after every measure
has been taken from the clear words.

``separate`` splits a mono recording into two anonymous voices (:mod:`callcheck.audio.separate`);
``agent`` names them — which voice is the agent, from greeting phrases, first speaker or most talk
(:mod:`callcheck.measures.agent_voice`) — and gives every word its speaker. On stereo both are
no-ops: the layout says who is where.

Each step takes the frozen :class:`State` and returns a new one (``dataclasses.replace``); nothing
is mutated. ``hook(step_name, state)`` is called after every step (tests use it to look inside; the
CLI reports progress per call). Measures are computed by pure functions in
:mod:`callcheck.measures`. The per-call JSON is then built from the final state
(:mod:`callcheck.result`) and the rules read that JSON only (:mod:`callcheck.rules`, called by
:mod:`callcheck.batch`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence

import numpy as np

from callcheck.audio.activity import speech_intervals, stereo_activity
from callcheck.audio.io import load_audio
from callcheck.config import Config
from callcheck.errors import AudioError, ConfigError
from callcheck.intervals import subtract
from callcheck.types import (
    PARTIES,
    CallAudio,
    Interval,
    CallInfo,
    Hold,
    Party,
    PartySignal,
    Separation,
    Transcript,
    Word,
)

if TYPE_CHECKING:
    from callcheck.audio.separate import TwoVoices
    from callcheck.transcribe.whisper import Transcriber

Hook = Callable[[str, "State"], None]

#: mean absolute difference below which the two channels of a "stereo" file count as one mono signal
DUAL_MONO_TOLERANCE = 1e-3


@dataclass(frozen=True)
class State:
    """What is known about a call after each step."""

    info: CallInfo
    config: Config
    audio: CallAudio | None = None
    layout: str | None = None
    notes: tuple[str, ...] = ()
    parties: Mapping[Party, PartySignal] = field(default_factory=dict)
    language: str | None = None
    language_probability: float | None = None
    transcript: Transcript | None = None
    second_reading: tuple[Word, ...] = ()  # the caller's speech decoded again (privacy.second_reading): for the redact step only
    voices: TwoVoices | None = None  # mono: the two anonymous voices, until the agent step names them
    separation: Separation | None = None
    conversation: object | None = None
    voice: Mapping[Party, object] = field(default_factory=dict)
    hold: tuple[Hold, ...] = ()
    assessment: object | None = None  # callcheck.measures.validity.Assessment, after the assess step
    validity: Mapping[Party, Mapping[str, object]] = field(default_factory=dict)
    privacy: object | None = None  # callcheck.privacy.redact.Redaction, after the redact step
    timings_s: Mapping[str, float] = field(default_factory=dict)


def resolve_layout(requested: str, audio: CallAudio) -> tuple[str, np.ndarray | None, tuple[str, ...]]:
    """The layout actually used, the mono signal when one is needed, and notes for the result.

    ``auto``: two channels → ``agent-left``; one channel → ``mono``; two identical channels (a mono
    call stored as stereo) → ``mono``. Nothing is mixed down unless the layout asks for one voice
    track and the file has two channels; that is said in the notes.
    """
    ch = audio.channels
    name = audio.source
    if requested not in ("auto", "agent-left", "agent-right", "mono", "agent-only"):
        raise ConfigError(f"{name}: unknown layout {requested!r}; use auto, agent-left, agent-right, mono or agent-only")
    dual_mono = ch == 2 and float(np.mean(np.abs(audio.samples[0] - audio.samples[1]))) < DUAL_MONO_TOLERANCE
    if requested == "auto":
        if ch == 1:
            return "mono", audio.samples[0], ()
        if dual_mono:
            return "mono", audio.samples[0], ("both channels are identical: analysed as mono",)
        return "agent-left", None, ()
    if requested in ("agent-left", "agent-right"):
        if ch != 2:
            raise AudioError(f"{name} has 1 channel, but layout {requested} needs 2; use --layout mono")
        if dual_mono:
            raise AudioError(f"{name}: both channels are identical, so they cannot hold one party each; use --layout mono")
        return requested, None, ()
    if ch == 1:
        return requested, audio.samples[0], ()
    mixed = (0.5 * (audio.samples[0] + audio.samples[1])).astype(np.float32)
    return requested, mixed, (f"2 channels mixed into one because --layout {requested} was asked for",)


# ----------------------------------------------------------------------------------------- steps


def step_load(state: State, ctx: "Context") -> State:
    return dataclasses.replace(state, audio=load_audio(state.info.path))


def step_activity(state: State, ctx: "Context") -> State:
    audio = state.audio
    assert audio is not None
    cfg = state.config.activity
    layout, mono, notes = resolve_layout(state.info.layout, audio)
    sr = audio.sample_rate
    if layout in ("agent-left", "agent-right"):
        ia, ic = (0, 1) if layout == "agent-left" else (1, 0)
        act = stereo_activity(audio.channel(ia), audio.channel(ic), sr, config=cfg)
        parties: dict[Party, PartySignal] = {
            "agent": PartySignal("agent", audio.channel(ia), sr, act["agent"], exclusive=True),
            "caller": PartySignal("caller", audio.channel(ic), sr, act["caller"], exclusive=True),
        }
    elif layout == "agent-only":
        assert mono is not None  # resolve_layout gives the one voice track for every layout but agent-left/right
        parties = {"agent": PartySignal("agent", mono, sr, speech_intervals(mono, sr, config=cfg), exclusive=True)}
    else:  # mono: the speech of both; the separation step splits it after transcription
        assert mono is not None
        speech = speech_intervals(mono, sr, config=cfg)
        parties = {"agent": PartySignal("agent", mono, sr, speech, exclusive=False)}
    return dataclasses.replace(state, layout=layout, parties=parties, notes=state.notes + notes)


def step_hold(state: State, ctx: "Context") -> State:
    """Hold music, tones and announcements per channel; taken out of that channel's activity."""
    cfg = state.config.activity
    if not cfg.hold_detect:
        return state
    from callcheck.audio.hold import detect_hold

    found: list[Hold] = []
    parties = dict(state.parties)
    notes = list(state.notes)
    for p, sig in state.parties.items():
        spans = detect_hold(sig.samples, sig.sample_rate, sustained_share=cfg.hold_sustained_share,
                            min_level_db=cfg.hold_min_level_db, bridge_s=cfg.hold_bridge_s, min_s=cfg.hold_min_s)
        if not spans:
            continue
        channel = p if sig.exclusive else "mix"
        found.extend(Hold(h.start_s, h.end_s, channel, h.kind) for h in spans)
        ivs = tuple(Interval(h.start_s, h.end_s) for h in spans)
        parties[p] = dataclasses.replace(sig, activity=subtract(sig.activity, ivs, min_s=MIN_SOLO_PIECE_S))
        total = sum(h.duration_s for h in spans)
        where = "the recording" if channel == "mix" else f"the {channel} channel"
        notes.append(f"hold ({', '.join(sorted({h.kind for h in spans}))}) on {where}: {total:.1f} s in "
                     f"{len(spans)} stretch(es), not counted as talk, voice, noise or dead air")
    if not found:
        return state
    if state.layout in ("agent-left", "agent-right"):
        # the leak of one channel into the other is estimated again without the hold (music on one
        # channel and line noise or silence on the other would make the leak look far weaker)
        ia, ic = (0, 1) if state.layout == "agent-left" else (1, 0)
        assert state.audio is not None
        span = tuple(Interval(h.start_s, h.end_s) for h in found)
        act = stereo_activity(state.audio.channel(ia), state.audio.channel(ic), state.audio.sample_rate,
                              config=cfg, exclude=span)
        for p in ("agent", "caller"):
            mine = tuple(Interval(h.start_s, h.end_s) for h in found if h.channel == p)
            parties[p] = dataclasses.replace(parties[p], activity=subtract(act[p], mine, min_s=MIN_SOLO_PIECE_S))
    return dataclasses.replace(state, parties=parties, hold=tuple(sorted(found, key=lambda h: h.start_s)),
                               notes=tuple(notes))


def step_language(state: State, ctx: "Context") -> State:
    """The call's language: as asked, or detected from both parties' first speech.

    Detection is restricted to ``transcribe.language_candidates`` (default de, en; empty = any
    language Whisper knows) and the probability is renormalised over them; a more probable language
    outside them is named in a note. Transcribers without ``language_probabilities`` (test doubles)
    are asked ``detect_language`` on the party that speaks most.
    """
    from callcheck.transcribe.whisper import DEFAULT_LANGUAGE_CANDIDATES, choose_language

    requested = state.info.language
    if requested and requested != "auto":
        return dataclasses.replace(state, language=requested, language_probability=None)
    candidates = tuple(getattr(state.config.transcribe, "language_candidates", DEFAULT_LANGUAGE_CANDIDATES) or ())
    candidates = tuple(c for c in candidates if c and c != "all")
    fallback = candidates[0] if candidates else "en"
    speaking = [p for p in state.parties.values() if p.talk_time_s >= 0.5]
    if not speaking:
        return dataclasses.replace(state, language=fallback, language_probability=None,
                                   notes=state.notes + (f"too little speech to detect the language; assumed {fallback}",))
    probabilities = getattr(ctx.transcriber, "language_probabilities", None)
    if probabilities is None:
        best = max(speaking, key=lambda p: (p.party == "agent" and p.talk_time_s >= 3.0, p.talk_time_s))
        lang, prob = ctx.transcriber.detect_language(best.samples, best.sample_rate, speech=best.activity)
        return dataclasses.replace(state, language=lang, language_probability=round(prob, 4))
    probs = probabilities([(p.samples, p.sample_rate, p.activity) for p in speaking])
    lang, prob, note = choose_language(probs, candidates)
    notes = state.notes + ((note,) if note else ())
    return dataclasses.replace(state, language=lang, language_probability=round(prob, 4), notes=notes)


def step_transcribe(state: State, ctx: "Context") -> State:
    words: list[Word] = []
    for sig in state.parties.values():
        words.extend(ctx.transcribe_cached(state, sig))
    words.sort(key=lambda w: (w.start_s, w.end_s))
    transcript = Transcript(tuple(words), state.language or "en", state.language_probability)
    second: tuple[Word, ...] = ()
    caller = state.parties.get("caller")
    if caller is not None and state.config.privacy.second_reading and state.config.privacy.redact != "off":
        second = ctx.transcribe_second_cached(state, caller)
    return dataclasses.replace(state, transcript=transcript, second_reading=second)


def step_separate(state: State, ctx: "Context") -> State:
    """Mono only: split the one speech track into two anonymous voices."""
    if state.layout != "mono":
        return state
    from callcheck.audio.separate import separate_voices

    sig = state.parties["agent"]
    assert state.transcript is not None
    cfg = state.config.separation
    prepared = ctx.prepared_separation(sig, cfg)
    voices = separate_voices(sig.samples, sig.sample_rate, speech=sig.activity, words=state.transcript.words, config=cfg,
                             prepared=prepared)
    notes = state.notes
    conf = voices.separation.confidence
    if conf is not None and conf < cfg.min_confidence:
        notes += (f"mono speaker separation is unsure (confidence {conf:.2f} < {cfg.min_confidence}); "
                  "who-said-what and the per-party measures may be mixed up",)
    return dataclasses.replace(state, voices=voices, notes=notes)


def step_agent(state: State, ctx: "Context") -> State:
    """Mono only: which voice is the agent (``separation.agent_is``); every word gets its speaker."""
    if state.voices is None:
        return state
    from callcheck.measures.agent_voice import assign_parties, assign_speakers

    sig = state.parties["agent"]
    assert state.transcript is not None
    named = assign_parties(state.voices, state.transcript.words, agent_is=state.config.separation.agent_is)
    parties: dict[Party, PartySignal] = {
        p: PartySignal(p, sig.samples, sig.sample_rate, tuple(named.activity.get(p, ())), exclusive=False) for p in PARTIES
    }
    transcript = dataclasses.replace(state.transcript, words=assign_speakers(state.transcript.words, named.activity))
    return dataclasses.replace(state, parties=parties, transcript=transcript, separation=named.separation)


def step_conversation(state: State, ctx: "Context") -> State:
    from callcheck.measures.conversation import analyse_conversation

    assert state.transcript is not None and state.audio is not None
    conv = analyse_conversation(
        activity={p: s.activity for p, s in state.parties.items()},
        words=state.transcript.words,
        duration_s=state.audio.duration_s,
        language=state.transcript.language,
        config=state.config.turns,
        layout=state.layout or "mono",
        mono_overlaps=state.separation is not None and state.separation.overlaps_observed,
        hold=tuple(Interval(h.start_s, h.end_s) for h in state.hold),
    )
    return dataclasses.replace(state, conversation=conv)


#: pieces of a party's solo speech shorter than this are not measured (a 10 ms-grid crumb left
#: between two overlaps carries no voice), s
MIN_SOLO_PIECE_S = 0.05


def step_voice(state: State, ctx: "Context") -> State:
    from callcheck.measures.voice import measure_voice

    assert state.transcript is not None and state.audio is not None
    def other_activity(p):
        other = state.parties.get("caller" if p == "agent" else "agent")
        return other.activity if other is not None else ()

    def own_voice(p, sig):
        # mono: where both voices speak at once the mix is not this party's voice alone; pitch,
        # loudness and pauses are measured on the party's solo speech (talk time keeps the overlap)
        if sig.exclusive or not other_activity(p):
            return sig
        return dataclasses.replace(sig, activity=subtract(sig.activity, other_activity(p), min_s=MIN_SOLO_PIECE_S))

    def hold_on(p, sig):
        # hold on this party's channel (or on the mono mix) is neither its speech nor line noise
        channel = p if sig.exclusive else "mix"
        return tuple(Interval(h.start_s, h.end_s) for h in state.hold if h.channel == channel)

    voice = {
        p: measure_voice(
            own_voice(p, sig), state.transcript.of(p), language=state.transcript.language, config=state.config.voice,
            duration_s=state.audio.duration_s, other_activity=other_activity(p),
            not_noise=hold_on(p, sig),
        )
        for p, sig in state.parties.items()
    }
    return dataclasses.replace(state, voice=voice)


#: the channel level is read in frames of this length for the silent-channel check, s
PEAK_FRAME_S = 0.032


def _peak_dbfs(x: np.ndarray, sr: int) -> float:
    """Level of the loudest ``PEAK_FRAME_S`` frame of a channel, dBFS (-inf: digital silence)."""
    n = max(1, int(PEAK_FRAME_S * sr))
    m = len(x) // n
    if m == 0:
        return float("-inf")
    ms = np.mean(np.square(np.asarray(x[: m * n], dtype=np.float64)).reshape(m, n), axis=1)
    peak = float(ms.max())
    return 10 * np.log10(peak) if peak > 0 else float("-inf")


def step_assess(state: State, ctx: "Context") -> State:
    """Whether the call can be assessed, and the validity of every party's numbers."""
    from callcheck.measures.validity import (PartyFacts, assess_call, repeated_word_share, speaker_validity,
                                             swapped_channel_evidence)

    assert state.audio is not None and state.transcript is not None
    cfg = state.config.assessment
    layout = state.layout or "mono"
    facts: dict[str, PartyFacts] = {}
    for p, sig in state.parties.items():
        v = state.voice.get(p)
        facts[p] = PartyFacts(
            talk_time_s=sig.talk_time_s, words=len(state.transcript.of(p)),
            peak_dbfs=_peak_dbfs(sig.samples, sig.sample_rate) if (sig.exclusive or p == "agent") else None,
            word_confidence_mean=getattr(v, "word_confidence_mean", None),
            syllables_text=int(getattr(v, "syllables_text", 0) or 0),
            syllables_acoustic=int(getattr(v, "syllables_acoustic", 0) or 0),
            speech_rate_wpm=getattr(v, "speech_rate_wpm", None), speaking_s=float(getattr(v, "speaking_s", 0.0) or 0.0),
            repeated_word_share=repeated_word_share([w.text for w in state.transcript.of(p)]),
        )
    swapped = (False, False)
    if layout in ("agent-left", "agent-right"):
        swapped = _swap_evidence(state, swapped_channel_evidence)
    sep = state.separation
    single = bool(state.voices is not None and getattr(state.voices, "single", False)) or bool(
        sep is not None and any("single voice" in n for n in sep.notes))
    assessment = assess_call(
        layout=layout, parties=facts, duration_s=state.audio.duration_s, sample_rate=state.audio.sample_rate,
        codec=state.audio.codec.rsplit("/", 1)[-1], hold_s=sum(h.duration_s for h in state.hold), single_voice=single,
        separation_confidence=None if sep is None else sep.confidence,
        min_separation_confidence=state.config.separation.min_confidence, swapped=swapped, cfg=cfg,
    )
    from callcheck.audio.speaker_features import low_band_share
    from callcheck.result import speaker_entry

    validity = {}
    for p, sig in state.parties.items():
        share = low_band_share(sig.samples, sig.sample_rate, sig.activity) if sig.activity else None
        entry = speaker_entry(state, p)
        validity[p] = speaker_validity(
            entry, layout=layout, assessment=assessment,
            separation_confidence=None if sep is None else sep.confidence,
            min_separation_confidence=state.config.separation.min_confidence,
            band_limited=share is not None and share < state.config.separation.min_low_band_share,
            cfg=cfg, voice=state.config.voice,
        )
    return dataclasses.replace(state, assessment=assessment, validity=validity)


#: only turns starting this early count as a party's opening (the greeting is at the start), s
OPENING_WINDOW_S = 30.0


def _swap_evidence(state: State, evidence: Callable) -> tuple[bool, bool]:
    """Greeting phrases and first speech of the two channels (see ``validity.swapped_channel_evidence``)."""
    turns = getattr(state.conversation, "turns", ()) or ()
    first: dict[str, str] = {}
    start: dict[str, float | None] = {"agent": None, "caller": None}
    for t in sorted(turns, key=lambda t: t.start_s):
        if t.speaker not in first and t.start_s <= OPENING_WINDOW_S:
            first[t.speaker] = t.text
            start[t.speaker] = t.start_s
    return evidence(first, opening_greetings(first, start, tuple(state.config.turns.company_names)), start)


def opening_greetings(first: Mapping[str, str], start: Mapping[str, float | None], names: Sequence[str]) -> dict[str, bool]:
    """Whether each channel's first turn (``first``, starting at ``start``) is an agent's greeting:
    the agent's with any company phrase, offer of help, stock formula or configured company name;
    the caller's with an offer of help, a stock formula or a name, or with a company phrase when
    the caller also spoke first — never a weak one that opens ordinary sentences too
    (``rules.common.WEAK_COMPANY_PHRASES``: "Sie haben es gerade hochgetragen"; two real-speech
    calls of benchmarks/eval_rules.py were refused as swapped so)."""
    from callcheck.measures.agent_voice import agent_phrases
    from callcheck.measures.turns import contains_phrase
    from callcheck.rules.common import WEAK_COMPANY_PHRASES
    from callcheck.text import normalise_text

    strong_phrases, company = agent_phrases(strong_only=True), agent_phrases(strong_only=False)
    company_caller = [p for p in company if p not in WEAK_COMPANY_PHRASES]

    def hit(text: str, phrases) -> bool:
        norm = normalise_text(text)
        return any(contains_phrase(norm, ph) for ph in (*phrases, *names))

    c, a = start.get("caller"), start.get("agent")
    caller_first = c is not None and (a is None or c + 1.0 < a)
    caller = first.get("caller", "")
    return {"agent": hit(first.get("agent", ""), company),
            "caller": hit(caller, strong_phrases) or (caller_first and hit(caller, company_caller))}


def step_redact(state: State, ctx: "Context") -> State:
    """Personal data out of the transcript and the conversation texts (``privacy.redact``); the
    clear words stay in ``state.privacy.clear_words`` (the record gets them only in
    ``OUT/private/`` when ``privacy.clear_text`` is on)."""
    from callcheck.privacy.redact import redact_conversation, redact_transcript

    assert state.transcript is not None
    red = redact_transcript(state.transcript.words, language=state.transcript.language, config=state.config.privacy,
                            agent_names=(state.info.agent,) if state.info.agent else (),
                            activity={p: sig.activity for p, sig in state.parties.items()},
                            second_reading=state.second_reading)
    return dataclasses.replace(state, privacy=red, transcript=dataclasses.replace(state.transcript, words=red.words),
                               conversation=redact_conversation(state.conversation, red))


STEPS: tuple[tuple[str, Callable[[State, "Context"], State]], ...] = (
    ("load", step_load),
    ("activity", step_activity),
    ("hold", step_hold),
    ("language", step_language),
    ("transcribe", step_transcribe),
    ("separate", step_separate),
    ("agent", step_agent),
    ("conversation", step_conversation),
    ("voice", step_voice),
    ("assess", step_assess),
    ("redact", step_redact),
)


class WordCache(Protocol):
    """Where :class:`Context` keeps transcripts (:class:`callcheck.batch.TranscriptCache`)."""

    def key(self, path: str, sig: PartySignal, identity: str, language: str) -> str: ...

    def get(self, key: str) -> tuple[Word, ...] | None: ...

    def put(self, key: str, words: Sequence[Word]) -> None: ...


@dataclass
class Context:
    """What the steps need besides the state: the transcriber and the transcript cache."""

    transcriber: Transcriber
    cache: WordCache | None = None
    #: the word-independent part of mono separation, being computed while the recogniser runs
    #: (:func:`run_steps`): ``(samples, speech, config, future)`` of the call in progress
    prepare: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    def prepared_separation(self, sig: PartySignal, config: Any) -> Any:
        """:func:`callcheck.audio.separate.prepare_separation` of ``sig`` when it was started for
        exactly this signal, speech and config (its result, or its error raised here); else None."""
        job = self.prepare
        if job is None or job[0] is not sig.samples or job[1] != sig.activity or job[2] != config:
            return None
        return job[3].result()

    def transcribe_cached(self, state: State, sig: PartySignal) -> tuple[Word, ...]:
        return self._cached(state, sig, self.transcriber.identity, self.transcriber.transcribe)

    def transcribe_second_cached(self, state: State, sig: PartySignal) -> tuple[Word, ...]:
        """The transcriber's second reading of ``sig`` (``transcribe_second``), cached like the
        first; () when the transcriber has none (a scripted one, or the caller decoded greedily)."""
        identity = getattr(self.transcriber, "second_identity", None)
        if not identity:
            return ()
        return self._cached(state, sig, identity, self.transcriber.transcribe_second)  # type: ignore[attr-defined]

    def _cached(self, state: State, sig: PartySignal, identity: str, read: Callable[..., Sequence[Word]]) -> tuple[Word, ...]:
        """``read(sig)`` through the transcript cache, keyed by the audio, the party's speech and ``identity``."""
        key = None
        if self.cache is not None:
            key = self.cache.key(state.info.path, sig, identity, state.language or "")
            hit = self.cache.get(key)
            if hit is not None:
                return tuple(dataclasses.replace(w, speaker=sig.party) for w in hit)
        words = tuple(read(sig.samples, sig.sample_rate, speech=sig.activity, language=state.language or "en",
                           speaker=sig.party))
        if self.cache is not None and key is not None:
            self.cache.put(key, words)
        return words


#: the steps that run the recogniser (CTranslate2 has its own threads, ``transcribe.threads``)
ASR_STEPS = frozenset({"language", "transcribe"})


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """The thread pools of the process, looked up once: NumPy's and SciPy's OpenBLAS (SciPy ships
    its own; it is loaded here first so that it is found and limited too)."""
    import scipy.linalg  # noqa: F401
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS on one thread for the steps around the recogniser: their matrix products are small
    (the segmentation model's LSTM steps, the voice models' GMMs), and OpenBLAS's second thread
    cost more than it gave — the segmentation model on 5 minutes of audio took 9.0 s wall / 10.1 s
    CPU with 2 threads, 4.1 s / 3.9 s with one, on the 2-core machine (README, "Long mono calls")."""
    return _blas_controller().limit(limits=1, user_api="blas")


#: the niceness of the separation thread (Linux: per thread), so that the recogniser's threads come
#: first and the separation uses the CPU time they leave
PREPARE_NICE = 10


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PREPARE_NICE)
    except (AttributeError, OSError):  # not Linux, or not allowed: the same work at the same priority
        pass


def _start_preparing(state: State, context: Context) -> Any:
    """Mono: start :func:`callcheck.audio.separate.prepare_separation` in a thread (the voice
    features and the segmentation model need only the audio and its speech activity; the
    recogniser's threads release the GIL while they decode). Returns the thread pool, or None."""
    if state.layout != "mono" or "agent" not in state.parties:
        return None
    from concurrent.futures import ThreadPoolExecutor

    from callcheck.audio.separate import prepare_separation

    sig, cfg = state.parties["agent"], state.config.separation
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callcheck-separation", initializer=_lower_priority)
    future = pool.submit(prepare_separation, sig.samples, sig.sample_rate, speech=sig.activity, config=cfg)
    context.prepare = (sig.samples, sig.activity, cfg, future)
    return pool


#: the step after which mono separation's word-independent part can start (the speech activity
#: of the mix is final: hold removed)
PREPARE_AFTER = "hold"


def run_steps(info: CallInfo, *, config: Config, context: Context, hook: Hook | None = None) -> State:
    """Run every step on one call and return the final state (the per-call JSON is built from it).

    BLAS runs on one thread for every step but the recogniser's (:data:`ASR_STEPS`); on a mono
    call the word-independent part of speaker separation is computed in a thread while the
    recogniser runs (then BLAS stays on one thread throughout)."""
    state = State(info=info, config=config)
    timings: dict[str, float] = {}
    pool = None
    with contextlib.ExitStack() as held:  # BLAS on one thread for the rest of the call once the thread runs
        try:
            for name, fn in STEPS:
                t0 = time.perf_counter()
                if pool is not None or name in ASR_STEPS:
                    state = fn(state, context)
                else:
                    with _one_blas_thread():
                        state = fn(state, context)
                timings[name] = round(time.perf_counter() - t0, 4)
                state = dataclasses.replace(state, timings_s=dict(timings))
                if hook is not None:
                    hook(name, state)
                if name == PREPARE_AFTER and state.layout == "mono":
                    held.enter_context(_one_blas_thread())
                    pool = _start_preparing(state, context)
        finally:
            context.prepare = None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
    return state
