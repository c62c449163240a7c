"""Evaluate mono speaker separation against RTTM ground truth.

Usage: python benchmarks/eval_mono.py DATA_DIR [--collar 0.25]

DATA_DIR is the real-speech folder (``/work/shared/data``). Uses ``pyannote-sample`` (real
two-party phone call, ``sample.rttm``) and, as a sanity check, ``picovoice/falcon_test.wav``
(three speakers back to back; we can only find two, so its error is at least the third speaker's share).

DER = (missed speech + false alarm + speaker confusion) / reference speech, computed on a 10 ms
grid with the optimal one-to-one mapping of hypothesis to reference speakers (pyannote.metrics
definition). Overlapping reference speech counts once per speaker. A collar (default 0.25 s, the
NIST convention; 0 gives the strict figure) around every reference boundary is not scored.
Speech activity: Silero VAD via ``callcheck.audio.activity.speech_intervals``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.audio.activity import speech_intervals
from callcheck.audio.separate import separate_speakers
from callcheck.config import ActivityConfig, SeparationConfig
from callcheck.types import Interval

STEP = 0.01


def read_rttm(path: Path) -> dict[str, list[Interval]]:
    out: dict[str, list[Interval]] = {}
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            s, d = float(f[3]), float(f[4])
            out.setdefault(f[7], []).append(Interval(s, s + d))
    return out


def _grid(ivs, n):
    m = np.zeros(n, dtype=bool)
    for i in ivs:
        m[int(round(i.start_s / STEP)):int(round(i.end_s / STEP))] = True
    return m


def der(ref: dict[str, list[Interval]], hyp: dict[str, list[Interval]], duration_s: float, collar_s: float) -> dict:
    n = int(np.ceil(duration_s / STEP)) + 1
    R = {k: _grid(v, n) for k, v in ref.items()}
    H = {k: _grid(v, n) for k, v in hyp.items()}
    scored = np.ones(n, dtype=bool)
    if collar_s > 0:
        c = int(round(collar_s / STEP))
        for ivs in ref.values():
            for i in ivs:
                for b in (i.start_s, i.end_s):
                    k = int(round(b / STEP))
                    scored[max(0, k - c):k + c] = False
    rk, hk = list(R), list(H)
    n_ref = sum(R[k] for k in rk).astype(int)
    n_hyp = sum(H[k] for k in hk).astype(int) if hk else np.zeros(n, int)
    total = float((n_ref * scored).sum())
    miss = float((np.maximum(0, n_ref - n_hyp) * scored).sum())
    fa = float((np.maximum(0, n_hyp - n_ref) * scored).sum())
    best_corr, best_map = -1.0, {}
    for perm in itertools.permutations(rk, min(len(rk), len(hk))):
        mapping = dict(zip(hk, perm))
        corr = float(sum((H[h] & R[r] & scored).sum() for h, r in mapping.items()))
        if corr > best_corr:
            best_corr, best_map = corr, mapping
    conf = float((np.minimum(n_ref, n_hyp) * scored).sum()) - best_corr
    return {"der": (miss + fa + conf) / total, "missed": miss / total, "false_alarm": fa / total,
            "confusion": conf / total, "mapping": best_map, "collar_s": collar_s}


def evaluate(wav: Path, ref: dict[str, list[Interval]], collar_s: float, config: SeparationConfig) -> dict:
    x, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    x = x[:, 0]
    dur = len(x) / sr
    t0 = time.perf_counter()
    speech = speech_intervals(x, sr, config=ActivityConfig())
    act, sep = separate_speakers(x, sr, speech=speech, words=(), config=config)
    took = time.perf_counter() - t0
    res = der(ref, {"agent": list(act["agent"]), "caller": list(act["caller"])}, dur, collar_s)
    res_strict = der(ref, {"agent": list(act["agent"]), "caller": list(act["caller"])}, dur, 0.0)
    talk = {}
    for h, r in res["mapping"].items():
        true_s = float(_grid(ref[r], int(np.ceil(dur / STEP)) + 1).sum() * STEP)
        got_s = float(sum(i.duration_s for i in act[h]))
        talk[r] = {"party": h, "ref_talk_s": round(true_s, 2), "hyp_talk_s": round(got_s, 2),
                   "rel_error": round((got_s - true_s) / true_s, 3)}
    return {"file": wav.name, "duration_s": round(dur, 2), "der_collar": round(res["der"], 4),
            "collar_s": collar_s, "der_no_collar": round(res_strict["der"], 4),
            "missed": round(res["missed"], 4), "false_alarm": round(res["false_alarm"], 4),
            "confusion": round(res["confusion"], 4), "talk": talk, "confidence": sep.confidence,
            "notes": list(sep.notes), "seconds": round(took, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--collar", type=float, default=0.25)
    ap.add_argument("--window", type=float, default=None)
    ap.add_argument("--hop", type=float, default=None)
    a = ap.parse_args(argv)
    cfg = SeparationConfig()
    if a.window or a.hop:
        import dataclasses
        cfg = dataclasses.replace(cfg, **{k: v for k, v in (("window_s", a.window), ("hop_s", a.hop)) if v})
    results = []
    ps = a.data_dir / "pyannote-sample"
    if ps.exists():
        results.append(evaluate(ps / "sample.wav", read_rttm(ps / "sample.rttm"), a.collar, cfg))
    fal = a.data_dir / "picovoice" / "falcon_test_data.json"
    if fal.exists():
        d = json.loads(fal.read_text())["tests"]["diarization_tests"][0]
        ref: dict[str, list[Interval]] = {}
        for s in d["segments"]:
            ref.setdefault(str(s["speaker_tag"]), []).append(Interval(s["start_sec"], s["end_sec"]))
        results.append(evaluate(fal.parent / "falcon_test.wav", ref, a.collar, cfg))
    if not results:
        print(f"no evaluation data under {a.data_dir}", file=sys.stderr)
        return 2
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
