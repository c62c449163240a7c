"""Voice measures on synthetic signals whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from callcheck.config import VoiceConfig
from callcheck.dsp.pitch import correct_octaves, track_pitch
from callcheck.dsp.timebase import frames_inside
from callcheck.measures.loudness import frame_levels, loudness_stats
from callcheck.measures.monotony import monotony_score
from callcheck.measures.pitch import pitch_stats
from callcheck.measures.syllables import count_syllables
from callcheck.measures.voice import VoiceMeasures, compare_parties, measure_voice
from callcheck.types import Interval, PartySignal, Word

CFG = VoiceConfig()
RNG = np.random.default_rng(7)


def harmonic(f0_hz, sr, *, first=1, last=10, amp=0.3):
    """Harmonic complex with instantaneous F0 ``f0_hz`` (array per sample), harmonics first..last."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / sr
    x = sum(np.sin(k * phase) / k for k in range(first, last + 1))
    return (amp * x / np.max(np.abs(x))).astype(np.float32)


#: the tracker alone: plain YIN (no squared-signal channel), the classic 0.3 voicing bar
PLAIN_YIN = dict(f0_min_hz=60.0, f0_max_hz=500.0, window_s=0.03, threshold=0.15, relative_margin=0.05,
                 analysis_rate_hz=8000, nonlinear_weight=0.0)
OCTAVES = dict(max_deviation_st=CFG.octave_deviation_st, outlier_st=CFG.pitch_outlier_st,
               min_run_frames=CFG.min_voiced_run_frames, continuity_weight=CFG.pitch_continuity_weight,
               context_frames=CFG.pitch_context_frames, iterations=CFG.pitch_continuity_iterations)
STATS = dict(min_voiced_s=1.0, smooth_frames=CFG.movement_smooth_frames, max_step_st=CFG.movement_max_step_st,
             range_percentiles=(CFG.f0_range_low_pct, CFG.f0_range_high_pct))


def f0_of(x, sr, **kw):
    tr = track_pitch(x, sample_rate=sr, frames=frames_inside([Interval(0.0, len(x) / sr)], 0.01), **{**PLAIN_YIN, **kw})
    f0 = correct_octaves(tr, voiced=tr.aperiodicity < 0.3, **OCTAVES)
    return tr, f0


def party(x, sr, activity=None, exclusive=True):
    act = activity if activity is not None else (Interval(0.0, len(x) / sr),)
    return PartySignal("agent", x, sr, tuple(act), exclusive)


@pytest.mark.parametrize("sr", [8000, 16000, 44100])
@pytest.mark.parametrize("f0", [85.0, 150.0, 310.0])
def test_steady_harmonic_tone(sr, f0):
    x = harmonic(np.full(sr, f0), sr)
    _, est = f0_of(x, sr)
    ok = np.isfinite(est)
    assert ok.mean() > 0.9
    assert np.median(est[ok]) == pytest.approx(f0, rel=0.01)


@pytest.mark.parametrize("period,smooth", [(160, 0), (133, 16), (57, 16)])
def test_pulse_train(period, smooth):
    """Pulse trains; a non-integer period at the 8 kHz analysis rate needs glottal-like smoothing
    (1 ms): a raw click train there has no integer-lag periodicity (documented limitation)."""
    sr = 16000
    x = np.zeros(sr, np.float32)
    x[::period] = 0.8
    if smooth:
        x = np.convolve(x, np.hanning(smooth), "same").astype(np.float32)
    _, est = f0_of(x, sr)
    assert np.nanmedian(est) == pytest.approx(sr / period, rel=0.01)


@pytest.mark.parametrize("f0", [90.0, 110.0, 140.0])
def test_missing_fundamental_at_8k(f0):
    """Telephone band: harmonics 300..3400 Hz only, the fundamental and (for low voices) more missing."""
    sr = 8000
    t = np.arange(2 * sr) / sr
    x = sum(np.sin(2 * np.pi * k * f0 * t) / np.sqrt(k) for k in range(1, 40) if 300 <= k * f0 <= 3400)
    x = (0.3 * x / np.abs(x).max()).astype(np.float32)
    _, est = f0_of(x, sr)
    ok = np.isfinite(est)
    assert ok.mean() > 0.9
    assert np.median(est[ok]) == pytest.approx(f0, rel=0.02)


@pytest.mark.parametrize("f0_start", [85.0, 110.0, 150.0])
def test_telephone_bandpass_removes_fundamental(f0_start):
    """A gliding harmonic voice (F0 f0_start -> 1.3 * f0_start), band-passed 300-3400 Hz at 8 kHz
    by the same 8th-order Butterworth (zero phase) as benchmarks/eval_voice.py: the fundamental
    and, for low voices, the 2nd and 3rd harmonics are gone. The median F0 must stay within 2 %."""
    import scipy.signal

    sr = 8000
    n = 2 * sr
    f_true = f0_start * 1.3 ** (np.arange(n) / n)
    x = harmonic(f_true, sr, last=int(3400 // f0_start))
    b, a = scipy.signal.butter(4, [300, 3400], btype="band", fs=sr)
    y = scipy.signal.filtfilt(b, a, x).astype(np.float32)
    spec_x, spec_y = (np.abs(np.fft.rfft(s * np.hanning(n))) for s in (x, y))  # 0.5 Hz bins
    fund = slice(int(f0_start * 2), int(f0_start * 2.6))
    assert spec_y[fund].max() < 0.02 * spec_x[fund].max()  # the fundamental is really gone (< -34 dB)
    v = measure_voice(party(y, sr), [], language="de", config=CFG, duration_s=n / sr)
    true_median = float(np.median(f_true))
    assert v.f0_median_hz == pytest.approx(true_median, rel=0.02)
    assert v.voiced_s > 1.5


def test_glide_tracks_contour_and_movement():
    sr = 16000
    n = 2 * sr
    f_true = 100 * 2 ** (np.arange(n) / n)  # one octave up in 2 s: 6 st/s
    x = harmonic(f_true, sr)
    tr, est = f0_of(x, sr)
    t = tr.times_s
    truth = 100 * 2 ** (t / 2.0)
    ok = np.isfinite(est) & (t > 0.05) & (t < 1.95)
    assert ok.mean() > 0.85
    assert np.max(np.abs(est[ok] / truth[ok] - 1)) < 0.03
    st = pitch_stats(frame_index=tr.frame_index, f0_hz=est, hop_s=0.01, **STATS)
    assert st.f0_movement_st_per_s == pytest.approx(6.0, rel=0.15)
    # a uniform glide over 12 st: SD = 12/sqrt(12) st, 10-90 range = 0.8 * 12 st
    assert st.f0_variation_st == pytest.approx(12 / np.sqrt(12), rel=0.1)
    assert st.f0_range_st == pytest.approx(9.6, rel=0.1)


def test_vibrato_sd_in_semitones():
    sr = 16000
    t = np.arange(3 * sr) / sr
    a_st = 2.0
    f = 200 * 2 ** (a_st * np.sin(2 * np.pi * 2.0 * t) / 12)  # 6 whole cycles
    tr, est = f0_of(harmonic(f, sr), sr)
    st = pitch_stats(frame_index=tr.frame_index, f0_hz=est, hop_s=0.01, **STATS)
    assert st.f0_median_hz == pytest.approx(200, rel=0.02)
    assert st.f0_variation_st == pytest.approx(a_st / np.sqrt(2), rel=0.1)
    # mean |d/dt| of A sin(2 pi f t) = 4 A f st/s
    assert st.f0_movement_st_per_s == pytest.approx(4 * a_st * 2.0, rel=0.15)


def test_octave_error_is_corrected():
    """A stretch with a dominant 2nd harmonic and weak odd ones makes YIN report 2*f0 there;
    the correction against the speaker's median must bring it back to f0."""
    sr = 8000
    t = np.arange(int(1.6 * sr)) / sr
    f0 = 100.0
    normal = harmonic(np.full(len(t), f0), sr)
    t2 = np.arange(int(0.4 * sr)) / sr
    odd = 0.05 * np.sin(2 * np.pi * f0 * t2) + np.sin(2 * np.pi * 2 * f0 * t2) + 0.05 * np.sin(2 * np.pi * 3 * f0 * t2) + 0.5 * np.sin(2 * np.pi * 4 * f0 * t2)
    x = np.concatenate([normal, (0.3 * odd / np.abs(odd).max()).astype(np.float32)])
    tr, est = f0_of(x, sr)
    raw = np.where(tr.aperiodicity < 0.3, tr.f0_hz, np.nan)
    assert np.nanmax(raw[tr.times_s > 1.7]) > 190  # the raw tracker errs there...
    late = est[tr.times_s > 1.7]
    assert np.isfinite(late).mean() > 0.8
    assert np.nanmax(late) == pytest.approx(f0, rel=0.02)  # ...the corrected track does not


def speechlike(sr, pauses_s, *, syll_s=0.18, sylls=5, f0=140.0, noise=0.002):
    """Bursts of 'syllables' (AM harmonic tones) in groups separated by pauses of known length.

    Returns the signal, the true pause intervals and the number of syllables.
    """
    parts, truth, t = [], [], 0.3
    parts.append(np.zeros(int(0.3 * sr)))
    groups = len(pauses_s) + 1
    for g in range(groups):
        for s in range(sylls):
            n = int(syll_s * sr)
            env = np.sin(np.pi * np.arange(n) / n) ** 2
            # syllables joined by a 40 ms dip (no pause), as in connected speech
            f = np.full(n, f0 * (1 + 0.05 * np.sin(s)))
            parts.append(harmonic(f, sr) * env)
            t += syll_s
            if s < sylls - 1:
                parts.append(np.zeros(int(0.04 * sr)))
                t += 0.04
        if g < len(pauses_s):
            parts.append(np.zeros(int(pauses_s[g] * sr)))
            truth.append((t, t + pauses_s[g]))
            t += pauses_s[g]
    parts.append(np.zeros(int(0.3 * sr)))
    x = np.concatenate(parts).astype(np.float32)
    x += (noise * RNG.standard_normal(len(x))).astype(np.float32)
    return x, truth, groups * sylls


def test_inserted_pauses_found_with_known_lengths():
    sr = 16000
    x, truth, n_syll = speechlike(sr, [0.4, 0.6, 0.9])
    d = len(x) / sr
    v = measure_voice(party(x, sr), [], language="de", config=VoiceConfig(min_speaking_s=1, min_phonation_s=1), duration_s=d)
    assert v.pause_count == 3
    # syllable envelopes start and end at zero: the edges fall below the threshold a little earlier
    assert v.pause_max_s == pytest.approx(0.9, abs=0.1)
    assert v.pause_mean_s == pytest.approx(np.mean([0.4, 0.6, 0.9]), abs=0.1)
    assert v.syllables_acoustic == n_syll
    phon = n_syll * 0.18 + (n_syll - 4) * 0.04
    assert v.phonation_s == pytest.approx(phon, rel=0.15)
    assert v.articulation_rate_acoustic_sps == pytest.approx(n_syll / phon, rel=0.15)


def test_pause_longer_than_turn_limit_is_not_a_pause_and_other_party_gap_neither():
    sr = 16000
    x, truth, _ = speechlike(sr, [0.5, 1.5])
    d = len(x) / sr
    cfg = VoiceConfig(min_speaking_s=1, min_phonation_s=1)
    v = measure_voice(party(x, sr), [], language="de", config=cfg, duration_s=d)
    assert v.pause_count == 1
    a, b = truth[0]
    v2 = measure_voice(party(x, sr), [], language="de", config=cfg, duration_s=d,
                       other_activity=[Interval(a + 0.05, b - 0.05)])
    assert v2.pause_count == 0


def test_words_give_speech_and_articulation_rate():
    sr = 16000
    x, truth, n_syll = speechlike(sr, [0.5])
    d = len(x) / sr
    # 10 one-syllable words laid over the 10 syllables
    words = [Word("agent", "ja", 0.3 + i * 0.22, 0.3 + i * 0.22 + 0.18, 0.9) for i in range(10)]
    v = measure_voice(party(x, sr), words, language="de", config=VoiceConfig(min_speaking_s=1, min_phonation_s=1), duration_s=d)
    assert v.syllables_text == 10
    assert v.articulation_rate_sps == pytest.approx(10 / v.phonation_s)
    assert v.speech_rate_wpm == pytest.approx(600 / v.speaking_s)
    assert v.word_confidence_mean == pytest.approx(0.9)
    assert v.low_confidence_word_share == 0.0


def test_loudness_of_sine_in_dbfs():
    sr = 16000
    t = np.arange(2 * sr) / sr
    x = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    lv = frame_levels(x, sample_rate=sr, frames=frames_inside([Interval(0, 2)], 0.01), frame_s=0.04)
    st = loudness_stats(level_dbfs=lv.level_dbfs, speech=np.ones(len(lv.level_dbfs), bool))
    assert st.loudness_dbfs == pytest.approx(20 * np.log10(0.1 / np.sqrt(2)), abs=0.1)
    assert st.loudness_variation_db < 0.2


def test_monotony_ranks_flat_above_lively():
    sr = 16000
    t = np.arange(3 * sr) / sr
    flat = harmonic(np.full(len(t), 120.0) * 2 ** (0.3 * np.sin(2 * np.pi * 0.5 * t) / 12), sr)
    lively_f = 120 * 2 ** (6 * np.sin(2 * np.pi * 1.5 * t) / 12)  # 36 st/s
    lively = harmonic(lively_f, sr) * (0.4 + 0.6 * np.abs(np.sin(2 * np.pi * 2 * t))).astype(np.float32)
    cfg = VoiceConfig(min_speaking_s=1, min_phonation_s=1)
    vf = measure_voice(party(flat, sr), [], language="en", config=cfg, duration_s=3)
    vl = measure_voice(party(lively, sr), [], language="en", config=cfg, duration_s=3)
    assert vf.monotony > 0.9
    assert vl.monotony < 0.3
    assert monotony_score(f0_movement_st_per_s=None, loudness_variation_db=3, movement_flat_st_per_s=12,
                          movement_lively_st_per_s=30, loudness_flat_db=4, loudness_lively_db=8,
                          movement_weight=0.75) is None


def test_activity_limits_the_analysis_in_a_mono_mix():
    sr = 16000
    a = harmonic(np.full(sr, 110.0), sr)
    b = harmonic(np.full(sr, 240.0), sr)
    x = np.concatenate([a, b])
    v = measure_voice(party(x, sr, [Interval(0.0, 1.0)], exclusive=False), [], language="en",
                      config=VoiceConfig(min_speaking_s=0.5, min_phonation_s=0.5), duration_s=2)
    assert v.f0_median_hz == pytest.approx(110, rel=0.01)
    assert any("mono" in q for q in v.quality)


def test_no_activity_and_silence_give_nulls_with_reasons():
    sr = 8000
    x = np.zeros(sr * 3, np.float32)
    v = measure_voice(party(x, sr, []), [], language="de", config=CFG, duration_s=3)
    assert v.f0_median_hz is None and v.speech_rate_wpm is None and v.monotony is None
    assert "no speech activity" in v.quality
    v = measure_voice(party(x, sr), [], language="de", config=CFG, duration_s=3)
    assert v.f0_median_hz is None and v.articulation_rate_sps is None
    assert v.quality


def test_clipping_is_flagged():
    sr = 16000
    x = np.clip(harmonic(np.full(2 * sr, 150.0), sr, amp=1.0) * 3, -1, 1)
    v = measure_voice(party(x, sr), [], language="en", config=CFG, duration_s=2)
    assert v.clipping_share > 0.01
    assert any("clipping" in q for q in v.quality)


def test_json_has_contract_keys_and_comparison():
    sr = 16000
    x, _, _ = speechlike(sr, [0.5])
    v = measure_voice(party(x, sr), [], language="en", config=VoiceConfig(min_speaking_s=1, min_phonation_s=1), duration_s=len(x) / sr)
    j = v.to_json()
    for key in ("speech_rate_wpm", "articulation_rate_sps", "f0_median_hz", "f0_variation_st",
                "word_confidence_mean", "monotony", "quality", "f0_range_st", "f0_movement_st_per_s",
                "loudness_dbfs", "loudness_variation_db", "low_confidence_word_share", "pause_count_per_min",
                "pause_mean_s", "pause_max_s", "pause_share", "rate_over_time"):
        assert key in j
    assert isinstance(j["quality"], list)
    louder = VoiceMeasures(loudness_dbfs=-20.0, articulation_rate_sps=6.0)
    quieter = VoiceMeasures(loudness_dbfs=-26.0, articulation_rate_sps=4.0)
    c = compare_parties(louder, quieter)
    assert c["agent_minus_caller_loudness_db"] == pytest.approx(6.0)
    assert c["agent_to_caller_articulation_ratio"] == pytest.approx(1.5)
    assert compare_parties(louder, VoiceMeasures())["agent_to_caller_articulation_ratio"] is None


@pytest.mark.parametrize(
    "word,n",
    [("Eisschrank", 2), ("Feuer", 2), ("Häuser", 2), ("Liebe", 2), ("vielleicht", 2), ("Bäume", 2),
     ("Freude", 2), ("Theater", 3), ("Museum", 3), ("beeilen", 3), ("Lappen", 2), ("abgeben", 3),
     ("Telefon", 3), ("Straße", 2), ("Zeitungspapier", 4), ("Leute", 2), ("Biene", 2)],
)
def test_german_syllables(word, n):
    assert count_syllables(word, language="de") == n


@pytest.mark.parametrize(
    "word,n",
    [("table", 2), ("the", 1), ("idea", 3), ("science", 2), ("people", 2), ("radio", 3), ("little", 2),
     ("made", 1), ("hello", 2), ("walked", 1), ("wanted", 2), ("makes", 1), ("nation", 2),
     ("computer", 3), ("problem", 2), ("information", 4), ("area", 3), ("beautiful", 3 + 1)],
)
def test_english_syllables(word, n):
    assert count_syllables(word, language="en") == n


def test_digits_and_abbreviations():
    assert count_syllables("42", language="de") == 4  # zwei-und-vier-zig
    assert count_syllables("42", language="en") == 3  # for-ty two
    assert count_syllables("USB", language="en") == 3
    assert count_syllables("Ihre Nummer ist 7, danke!", language="de") == 2 + 2 + 1 + 2 + 2
    assert count_syllables("...", language="de") == 0


def test_levels_and_pitch_share_the_frames_they_are_given():
    """One frame set feeds both tracks (no second frame definition that could drift)."""
    sr = 8000
    x = harmonic(np.full(3 * sr, 150.0), sr)
    frames = frames_inside([Interval(0.004, 0.731), Interval(0.731, 0.75), Interval(1.2049, 2.5)], CFG.hop_s)
    lv = frame_levels(x, sample_rate=sr, frames=frames, frame_s=CFG.level_frame_s)
    tr = track_pitch(x, sample_rate=sr, frames=frames, **PLAIN_YIN)
    np.testing.assert_array_equal(lv.frame_index, frames.index)
    np.testing.assert_array_equal(tr.frame_index, frames.index)
    assert frames.index[0] == 1 and frames.index[-1] == 249 and len(frames) == len(frames.index)
    assert 73 in frames.index and 74 in frames.index and 120 not in frames.index and 121 in frames.index


def test_the_one_resampler():
    from math import gcd

    from scipy.signal import resample_poly

    from callcheck.dsp.resample import resample, to_16k

    x = RNG.normal(0, 0.1, 4410).astype(np.float32)
    g = gcd(44100, 16000)
    np.testing.assert_array_equal(to_16k(x, 44100), resample_poly(x, 16000 // g, 44100 // g).astype(np.float32))
    assert resample(x, 8000, 8000) is x and to_16k(x, 16000).dtype == np.float32
    assert len(resample(x, 44100, 8000)) == 800
