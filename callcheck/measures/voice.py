"""All voice measures of one party, computed together from one frame analysis.

One pass over the party's speech intervals gives a 10 ms frame grid with level (dBFS) and F0;
every measure (rates, pauses, pitch, monotony, loudness, clarity) is derived from that grid and
the party's words. Nothing but the noise floor (measured between the activity on an exclusive
channel) is computed outside ``signal.activity``, so a mono mix can be measured per party, and
memory stays bounded by the number of frames (~100 per second of speech). Levels and pitch are
computed on the same grid frames (:func:`callcheck.dsp.timebase.frames_inside`), so their tracks
share one index by construction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np

from callcheck.config import VoiceConfig
from callcheck.dsp.pitch import correct_octaves, track_pitch
from callcheck.dsp.timebase import FrameSet, frames_inside
from callcheck.intervals import clip, complement, erode, intersect, merge, total_s
from callcheck.measures.clarity import clarity_stats
from callcheck.measures.loudness import LoudnessStats, clipping_share, frame_levels, loudness_stats
from callcheck.measures.monotony import monotony_score
from callcheck.measures.pauses import PauseStats, find_pauses, pause_stats, speech_segments
from callcheck.measures.pitch import PitchStats, pitch_stats
from callcheck.measures.rate import (
    RateWindow,
    articulation_rate_sps,
    rate_over_time,
    rate_trend,
    speech_rate_wpm,
)
from callcheck.measures.syllables import count_syllables, syllable_nuclei
from callcheck.types import Interval, PartySignal, Word

__all__ = ["VoiceMeasures", "measure_voice", "compare_parties"]


@dataclass(frozen=True)
class VoiceMeasures:
    """Voice measures of one party. ``None`` = not measurable; ``quality`` says why.

    Units are in the names: ``_wpm`` words/min, ``_sps`` syllables/s, ``_hz``, ``_st``
    semitones (relative to the party's median F0), ``_st_per_s``, ``_dbfs`` (RMS re full-scale
    square wave), ``_db``, ``_s``, ``_per_min``; ``_share`` is 0..1.
    """

    speech_rate_wpm: float | None = None
    articulation_rate_sps: float | None = None
    articulation_rate_acoustic_sps: float | None = None
    articulation_rate_trend_sps_per_min: float | None = None
    word_count: int = 0
    syllables_text: int = 0
    syllables_acoustic: int = 0
    phonation_s: float = 0.0
    speaking_s: float = 0.0
    pause_count: int = 0
    pause_count_per_min: float | None = None
    pause_mean_s: float | None = None
    pause_max_s: float | None = None
    pause_share: float | None = None
    rate_over_time: tuple[RateWindow, ...] = ()
    f0_median_hz: float | None = None
    f0_variation_st: float | None = None
    f0_range_st: float | None = None
    f0_movement_st_per_s: float | None = None
    voiced_s: float = 0.0
    monotony: float | None = None
    loudness_dbfs: float | None = None
    loudness_variation_db: float | None = None
    loudness_range_db: float | None = None
    snr_db: float | None = None
    clipping_share: float = 0.0
    word_confidence_mean: float | None = None
    word_confidence_p10: float | None = None
    low_confidence_word_share: float | None = None
    syllable_realisation_ratio: float | None = None
    phonation_word_share: float | None = None
    quality: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        """Plain dict with rounded floats (keys as the agreed ``speakers.<party>`` names)."""
        out: dict = {}
        for k, v in asdict(self).items():
            if k == "rate_over_time":
                out[k] = [w.to_json() for w in self.rate_over_time]
            elif k == "quality":
                out[k] = list(self.quality)
            elif isinstance(v, float):
                out[k] = round(v, 4)
            else:
                out[k] = v
        return out


# --- named numbers of the level/noise analysis (not settings: changing them changes what the
# measures mean; each is documented in docs/measures.md, "Noise floor and silence threshold")
#: percentile of the speech-frame levels taken as the party's peak level, % (robust to clicks)
PEAK_PERCENTILE = 95.0
#: noise floor of an exclusive channel: median level of the frames outside the activity, %
NOISE_PERCENTILE_OUTSIDE = 50.0
#: the noise frames' spread is P50 - P(this) of their levels, % (the lower half: speech that the
#: VAD missed between the activity, a breath or a click, lies above the median and cannot widen it)
NOISE_SPREAD_PERCENTILE = 10.0
#: noise floor of a shared (mono) channel: the quietest activity frames, %
NOISE_PERCENTILE_INSIDE = 5.0
#: gaps between activity are shrunk by this much at both ends before measuring the noise, s
#: (keeps VAD padding and speech edges out), and must be longer than this after shrinking, s
NOISE_GAP_MARGIN_S = 0.1
NOISE_GAP_MIN_S = 0.1
#: at most this many gaps are measured for the noise floor (bounded cost on long calls)
NOISE_MAX_GAPS = 200
#: the noise floor is measured on a grid this many times coarser than ``hop_s`` (speed)
NOISE_HOP_FACTOR = 5
#: fewer noise frames than this: the floor falls back to the quiet activity frames
NOISE_MIN_FRAMES = 20
#: the silence threshold stays at least this far below the peak level, dB (a steady signal has no
#: noise floor to speak of)
SILENCE_MAX_BELOW_PEAK_DB = 10.0
#: fewer activity frames than this: nothing but word confidence is measured
MIN_ACTIVITY_FRAMES = 10
#: the syllable-realisation ratio needs at least this many transcript syllables
MIN_SYLLABLES_FOR_RATIO = 20


@dataclass(frozen=True)
class LevelAnalysis:
    """Step 1: frame levels inside the activity, the noise floor and the silence threshold.

    ``level_dbfs`` is the full-band level of each frame (loudness); ``band_dbfs`` the level in the
    speech band (``voice.speech_band_hz``), on which the noise floor, the SNR and the silence
    threshold are measured. ``speech`` marks the frames (of ``frames``) whose band level is above
    ``silence_db``. ``noise_spread_db`` is how far the noise frames fluctuate above the floor
    (P50 - P10 of the noise frames; None when the floor came from the activity frames).
    """

    frames: FrameSet
    level_dbfs: np.ndarray
    band_dbfs: np.ndarray
    noise_db: float
    noise_spread_db: float | None
    snr_db: float
    silence_db: float
    speech: np.ndarray


@dataclass(frozen=True)
class RateAnalysis:
    """Step 3: speech segments, pauses, syllables and the rates derived from them."""

    pauses: PauseStats
    n_words: int
    syllables_text: int
    syllables_acoustic: int
    speech_rate_wpm: float | None
    articulation_rate_sps: float | None
    articulation_rate_acoustic_sps: float | None
    rate_over_time: tuple[RateWindow, ...]
    syllable_realisation_ratio: float | None
    word_time_s: float
    quality: tuple[str, ...]


def _noise_floor_db(x: np.ndarray, sr: int, activity: Sequence[Interval], band_dbfs: np.ndarray, *,
                    not_noise: Sequence[Interval] | None, duration_s: float, cfg: VoiceConfig) -> tuple[float, float | None]:
    """Noise floor (dBFS, speech band) and the noise frames' spread above it (dB, or None).

    Measured in the gaps between ``activity`` and ``not_noise`` (the other party's speech in a
    mono mix, hold music): their median band level and P50 - P10. ``not_noise`` None (a mono mix
    whose other party is not known) or too few gap frames: the quietest activity frames (P5).
    """
    if not_noise is not None:
        busy = merge(list(activity) + list(not_noise))
        gaps = erode(complement(busy, start_s=0.0, end_s=duration_s), NOISE_GAP_MARGIN_S, min_s=NOISE_GAP_MIN_S)
        if gaps:
            g = frame_levels(x, sample_rate=sr, frames=frames_inside(gaps[:NOISE_MAX_GAPS], cfg.hop_s * NOISE_HOP_FACTOR),
                             frame_s=cfg.level_frame_s, band_hz=_band(cfg))
            if len(g.level_dbfs) >= NOISE_MIN_FRAMES:
                p_lo, p50 = np.percentile(g.level_dbfs, [NOISE_SPREAD_PERCENTILE, NOISE_PERCENTILE_OUTSIDE])
                return float(p50), float(p50 - p_lo)
    return float(np.percentile(band_dbfs, NOISE_PERCENTILE_INSIDE)), None


def _band(cfg: VoiceConfig) -> tuple[float, float]:
    """``voice.speech_band_hz`` as the (low, high) pair the config validated (Hz)."""
    return float(cfg.speech_band_hz[0]), float(cfg.speech_band_hz[1])


def silence_threshold_db(*, peak_db: float, noise_db: float, silence_below_peak_db: float, margin_db: float) -> float:
    """The level (dBFS, speech band) below which a frame is silence: de Jong & Wempe's
    ``silence_below_peak_db`` below the peak, raised to ``margin_db`` above the noise floor, but
    never closer than :data:`SILENCE_MAX_BELOW_PEAK_DB` to the peak."""
    return max(peak_db - silence_below_peak_db, min(noise_db + margin_db, peak_db - SILENCE_MAX_BELOW_PEAK_DB))


def hysteresis_mask(frame_index: np.ndarray, level_db: np.ndarray, *, high_db: float, low_db: float) -> np.ndarray:
    """Frames in runs above ``low_db`` that reach ``high_db`` somewhere (Rabiner & Sambur 1975's
    two energy thresholds): a run of consecutive grid frames above the lower threshold is speech
    when it holds at least one frame above the upper one, so soft word edges join their word while
    the noise's own flickers above the lower threshold do not become speech."""
    above = level_db > low_db
    out = np.zeros(len(level_db), dtype=bool)
    if not above.any():
        return out
    k = np.flatnonzero(above)
    brk = np.flatnonzero((np.diff(k) > 1) | (np.diff(frame_index[k]) > 1))
    starts = np.r_[0, brk + 1]
    ends = np.r_[brk, len(k) - 1]
    high = level_db > high_db
    for a, b in zip(starts, ends):
        idx = k[a:b + 1]
        if high[idx].any():
            out[idx] = True
    return out


def analyse_levels(x: np.ndarray, sr: int, activity: Sequence[Interval], *, not_noise: Sequence[Interval] | None,
                   duration_s: float, cfg: VoiceConfig) -> LevelAnalysis | None:
    """Frame levels, noise floor, SNR and silence threshold of the party (None with too few frames).

    The speech/silence decision is made on the speech-band level (``voice.speech_band_hz``):
    rumble, mains hum and hiss outside the band neither mask pauses nor pass for speech. Two
    thresholds (:func:`hysteresis_mask`): the upper is :func:`silence_threshold_db` with the
    noise margin ``silence_above_noise_db``; the lower the same with the margin
    ``silence_above_noise_spread`` x the noise frames' spread (at least ``silence_low_min_db``),
    so that in noise the quiet edges of words stay speech. ``not_noise``: see
    :func:`_noise_floor_db` (an exclusive channel passes ``()``).
    """
    frames = frames_inside(activity, cfg.hop_s)
    lv = frame_levels(x, sample_rate=sr, frames=frames, frame_s=cfg.level_frame_s)
    if len(lv.level_dbfs) < MIN_ACTIVITY_FRAMES:
        return None
    band = frame_levels(x, sample_rate=sr, frames=frames, frame_s=cfg.level_frame_s, band_hz=_band(cfg)).level_dbfs
    peak = float(np.percentile(band, PEAK_PERCENTILE))
    noise_db, spread = _noise_floor_db(x, sr, activity, band, not_noise=not_noise, duration_s=duration_s, cfg=cfg)
    snr_db = peak - noise_db
    high = silence_threshold_db(peak_db=peak, noise_db=noise_db, silence_below_peak_db=cfg.silence_below_peak_db,
                                margin_db=cfg.silence_above_noise_db)
    low_margin = max(cfg.silence_low_min_db, cfg.silence_above_noise_spread * (spread if spread is not None else 0.0))
    low = min(high, silence_threshold_db(peak_db=peak, noise_db=noise_db, silence_below_peak_db=cfg.silence_below_peak_db,
                                         margin_db=low_margin))
    speech = hysteresis_mask(frames.index, band, high_db=high, low_db=low)
    return LevelAnalysis(frames, lv.level_dbfs, band, noise_db, spread, snr_db, low, speech)


def analyse_pitch(x: np.ndarray, sr: int, lv: LevelAnalysis, cfg: VoiceConfig) -> tuple[np.ndarray, PitchStats]:
    """F0 per frame of ``lv.frames`` (Hz, NaN = unvoiced; voiced = periodic and above silence) and its statistics."""
    tr = track_pitch(
        x, sample_rate=sr, frames=lv.frames, f0_min_hz=cfg.f0_min_hz,
        f0_max_hz=cfg.f0_max_hz, window_s=cfg.pitch_window_s, threshold=cfg.pitch_threshold,
        relative_margin=cfg.pitch_relative_margin, analysis_rate_hz=cfg.pitch_rate_hz,
        nonlinear_weight=cfg.pitch_nonlinear_weight,
    )
    voiced = lv.speech & (tr.aperiodicity < cfg.voicing_max_aperiodicity)
    f0 = correct_octaves(
        tr, voiced=voiced, max_deviation_st=cfg.octave_deviation_st, outlier_st=cfg.pitch_outlier_st,
        min_run_frames=cfg.min_voiced_run_frames, continuity_weight=cfg.pitch_continuity_weight,
        context_frames=cfg.pitch_context_frames, iterations=cfg.pitch_continuity_iterations,
    )
    ps = pitch_stats(
        frame_index=tr.frame_index, f0_hz=f0, hop_s=cfg.hop_s, min_voiced_s=cfg.min_voiced_s,
        smooth_frames=cfg.movement_smooth_frames, max_step_st=cfg.movement_max_step_st,
        range_percentiles=(cfg.f0_range_low_pct, cfg.f0_range_high_pct),
    )
    return f0, ps


def analyse_rates(lv: LevelAnalysis, f0_hz: np.ndarray, words: Sequence[Word], *, language: str, duration_s: float,
                  other_activity: Sequence[Interval], cfg: VoiceConfig) -> RateAnalysis:
    """Speech segments and pauses from the silence threshold; syllables (transcript and acoustic); rates."""
    quality: list[str] = []
    segs = speech_segments(frame_index=lv.frames.index, speech=lv.speech, hop_s=cfg.hop_s,
                           min_pause_s=cfg.min_pause_s, min_segment_s=cfg.min_segment_s)
    pauses = find_pauses(segs, min_pause_s=cfg.min_pause_s, max_pause_s=cfg.max_pause_s,
                         other_activity=other_activity, max_other_share=cfg.pause_max_other_share)
    pst = pause_stats(segments=segs, pauses=pauses)
    nuclei = syllable_nuclei(
        times_s=lv.frames.times_s, level_db=lv.band_dbfs, voiced=np.isfinite(f0_hz), silence_db=lv.silence_db,
        min_dip_db=cfg.nuclei_min_dip_db, min_gap_s=cfg.nuclei_min_gap_s,
    )
    word_syll = np.array([count_syllables(w.text, language=language) for w in words], dtype=int)
    word_mid = np.array([(w.start_s + w.end_s) / 2 for w in words], dtype=float)
    n_words = int((word_syll > 0).sum())
    syl_text = int(word_syll.sum())
    wpm = speech_rate_wpm(word_count=n_words, speaking_s=pst.speaking_s, min_speaking_s=cfg.min_speaking_s)
    art_text = articulation_rate_sps(syllables=syl_text, phonation_s=pst.phonation_s, min_phonation_s=cfg.min_phonation_s)
    art_ac = articulation_rate_sps(syllables=len(nuclei), phonation_s=pst.phonation_s, min_phonation_s=cfg.min_phonation_s)
    if words:
        art = art_text
        syl_times = np.repeat(word_mid, word_syll)
    else:
        art = art_ac
        syl_times = nuclei
        if art is not None:
            quality.append("no transcript: articulation rate from acoustic syllable nuclei")
    if pst.speaking_s < cfg.min_speaking_s:
        quality.append(f"too little speech for rates ({pst.speaking_s:.1f} s < {cfg.min_speaking_s} s)")
    realisation = None
    if syl_text >= MIN_SYLLABLES_FOR_RATIO and len(nuclei) > 0:
        realisation = len(nuclei) / syl_text
        r = cfg.syllable_mismatch_ratio
        if not (1 / r <= realisation <= r):
            quality.append(
                f"acoustic syllable count {len(nuclei)} disagrees with the transcript's {syl_text}: "
                "check the transcript or the recording"
            )
    word_time = total_s(intersect(merge(Interval(w.start_s, w.end_s) for w in words), segs_span(segs)))
    if words and pst.phonation_s < cfg.min_phonation_word_share * word_time:
        quality.append(
            f"phonation {pst.phonation_s:.1f} s covers less than {cfg.min_phonation_word_share:.0%} of the "
            f"{word_time:.1f} s the words take: the level analysis misses speech (noise?), so rates and pauses are unsure"
        )
    windows = rate_over_time(
        segments=segs, pauses=pauses, word_times_s=word_mid[word_syll > 0], syllable_times_s=syl_times,
        duration_s=duration_s, window_s=cfg.rate_window_s, min_window_phonation_s=cfg.rate_window_min_phonation_s,
    )
    if not words:
        windows = tuple(RateWindow(w.start_s, w.end_s, None, w.articulation_rate_sps) for w in windows)
    return RateAnalysis(pst, n_words, syl_text, int(len(nuclei)), wpm, art, art_ac, windows, realisation, word_time,
                        tuple(quality))


def segs_span(segs: Sequence[Interval]) -> tuple[Interval, ...]:
    """The stretch from the first to the last speech segment (empty without segments)."""
    return (Interval(segs[0].start_s, segs[-1].end_s),) if segs else ()


def analyse_loudness(lv: LevelAnalysis, ps: PitchStats, cfg: VoiceConfig) -> tuple[LoudnessStats, float | None]:
    """Speech level and its variation, and the monotony score (pitch movement + loudness variation)."""
    ls = loudness_stats(level_dbfs=lv.level_dbfs, speech=lv.speech)
    mono = monotony_score(
        f0_movement_st_per_s=ps.f0_movement_st_per_s, loudness_variation_db=ls.loudness_variation_db,
        movement_flat_st_per_s=cfg.monotony_movement_flat_st_per_s,
        movement_lively_st_per_s=cfg.monotony_movement_lively_st_per_s,
        loudness_flat_db=cfg.monotony_loudness_flat_db, loudness_lively_db=cfg.monotony_loudness_lively_db,
        movement_weight=cfg.monotony_movement_weight,
    )
    return ls, mono


def measure_voice(
    signal: PartySignal,
    words: Sequence[Word],
    *,
    language: str,
    config: VoiceConfig,
    duration_s: float,
    other_activity: Sequence[Interval] = (),
    not_noise: Sequence[Interval] = (),
) -> VoiceMeasures:
    """Every voice measure of one party.

    Steps: :func:`analyse_levels` (frame levels, noise floor, silence threshold), clipping,
    :func:`analyse_pitch`, :func:`analyse_rates` (segments, pauses, syllables, rates),
    :func:`analyse_loudness` (loudness, monotony), clarity (word confidence).

    Parameters
    ----------
    signal : PartySignal
        The party's audio (1-D float32, native rate) and speech intervals (s). When
        ``signal.exclusive`` is False only ``activity`` is analysed.
    words : sequence of Word
        The party's transcribed words (may be empty: rates then come from acoustic syllable
        nuclei and word measures are null).
    language : str
        ISO 639-1 code, for syllable counting.
    config : VoiceConfig
        Thresholds and windows (each documented there).
    duration_s : float
        Length of the recording, s.
    other_activity : sequence of Interval, optional
        The other party's speech, s; silences filled by it are hand-overs, not pauses.
    not_noise : sequence of Interval, optional
        Stretches that are neither this party's speech nor line noise (hold music, s): kept out of
        the noise floor. On a shared (mono) channel the noise floor is measured between both
        parties' speech when ``other_activity`` is given, else on the quietest activity frames.

    Returns
    -------
    VoiceMeasures
        See the class; methods and references are in the docstrings of the measure modules and
        in ``docs/measures.md``.
    """
    cfg = config
    quality: list[str] = []
    x = np.asarray(signal.samples)
    sr = int(signal.sample_rate)
    activity = clip(signal.activity, 0.0, duration_s)
    words = [w for w in words if w.text.strip()]
    cl = clarity_stats(words=words, low_threshold=cfg.low_confidence, min_words=cfg.min_words)

    if signal.exclusive:
        busy: Sequence[Interval] | None = tuple(not_noise)
    else:
        busy = tuple(other_activity) + tuple(not_noise) if other_activity else None
    lv = analyse_levels(x, sr, activity, not_noise=busy, duration_s=duration_s, cfg=cfg)
    if lv is None:
        return VoiceMeasures(
            word_count=len(words),
            word_confidence_mean=cl.word_confidence_mean,
            word_confidence_p10=cl.word_confidence_p10,
            low_confidence_word_share=cl.low_confidence_word_share,
            quality=("no speech activity",),
        )
    if lv.snr_db < cfg.min_snr_db:
        quality.append(f"low signal-to-noise ({lv.snr_db:.0f} dB): pauses, syllable nuclei and pitch are less reliable")
    clip_share = clipping_share(x, sample_rate=sr, intervals=activity, level=cfg.clipping_level)
    if clip_share > cfg.max_clipping_share:
        quality.append(f"clipping in {100 * clip_share:.2f} % of speech samples: loudness and pitch are distorted")

    f0, ps = analyse_pitch(x, sr, lv, cfg)
    if ps.f0_median_hz is None:
        quality.append(f"too little voiced speech for pitch ({ps.voiced_s:.1f} s < {cfg.min_voiced_s} s)")
    elif ps.f0_movement_st_per_s is None:
        quality.append("voiced stretches too short for pitch movement")

    rt = analyse_rates(lv, f0, words, language=language, duration_s=duration_s, other_activity=other_activity, cfg=cfg)
    quality.extend(rt.quality)
    ls, mono = analyse_loudness(lv, ps, cfg)
    if cl.word_confidence_mean is not None and lv.snr_db < cfg.min_snr_db:
        quality.append("word confidence may reflect line noise rather than pronunciation")
    if not signal.exclusive:
        quality.append("mono mix: measured only inside this party's activity")

    pst = rt.pauses
    return VoiceMeasures(
        speech_rate_wpm=rt.speech_rate_wpm,
        articulation_rate_sps=rt.articulation_rate_sps,
        articulation_rate_acoustic_sps=rt.articulation_rate_acoustic_sps,
        articulation_rate_trend_sps_per_min=rate_trend(rt.rate_over_time),
        word_count=rt.n_words,
        syllables_text=rt.syllables_text,
        syllables_acoustic=rt.syllables_acoustic,
        phonation_s=pst.phonation_s,
        speaking_s=pst.speaking_s,
        pause_count=pst.pause_count,
        pause_count_per_min=pst.pause_count_per_min,
        pause_mean_s=pst.pause_mean_s,
        pause_max_s=pst.pause_max_s,
        pause_share=pst.pause_share,
        rate_over_time=rt.rate_over_time,
        f0_median_hz=ps.f0_median_hz,
        f0_variation_st=ps.f0_variation_st,
        f0_range_st=ps.f0_range_st,
        f0_movement_st_per_s=ps.f0_movement_st_per_s,
        voiced_s=ps.voiced_s,
        monotony=mono,
        loudness_dbfs=ls.loudness_dbfs,
        loudness_variation_db=ls.loudness_variation_db,
        loudness_range_db=ls.loudness_range_db,
        snr_db=lv.snr_db,
        clipping_share=clip_share,
        word_confidence_mean=cl.word_confidence_mean,
        word_confidence_p10=cl.word_confidence_p10,
        low_confidence_word_share=cl.low_confidence_word_share,
        syllable_realisation_ratio=rt.syllable_realisation_ratio,
        phonation_word_share=(pst.phonation_s / rt.word_time_s) if rt.word_time_s > 0 else None,
        quality=tuple(quality),
    )


def compare_parties(agent: VoiceMeasures, caller: VoiceMeasures) -> dict:
    """Agent-versus-caller comparisons (``conversation.agent_to_caller``); None where a side is missing.

    * ``agent_minus_caller_loudness_db``: difference of speech levels, dB (meaningful on stereo
      recordings with similar channel gains).
    * ``agent_to_caller_articulation_ratio``, ``agent_to_caller_speech_rate_ratio``: ratios
      (> 1: the agent is faster; mistake 7 "faster than the caller").
    * ``agent_minus_caller_f0_movement_st_per_s``, ``agent_minus_caller_monotony``.
    """

    def diff(a, b):
        return None if a is None or b is None else round(a - b, 4)

    def ratio(a, b):
        return None if a is None or b is None or b == 0 else round(a / b, 4)

    return {
        "agent_minus_caller_loudness_db": diff(agent.loudness_dbfs, caller.loudness_dbfs),
        "agent_to_caller_articulation_ratio": ratio(agent.articulation_rate_sps, caller.articulation_rate_sps),
        "agent_to_caller_speech_rate_ratio": ratio(agent.speech_rate_wpm, caller.speech_rate_wpm),
        "agent_minus_caller_f0_movement_st_per_s": diff(agent.f0_movement_st_per_s, caller.f0_movement_st_per_s),
        "agent_minus_caller_monotony": diff(agent.monotony, caller.monotony),
    }
