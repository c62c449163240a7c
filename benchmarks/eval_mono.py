"""Evaluate mono speaker separation (diarization error rate, talk time per party, confidence).

Usage: python benchmarks/eval_mono.py DATA_DIR [--collar 0.25] [--samples SAMPLES_DIR] [--words] [--telephone g711|bandpass]

DATA_DIR is the real-speech folder (``/work/shared/data``). Test set:

- ``real``: ``pyannote-sample/sample.wav`` (real two-party phone call, ``sample.rttm``);
- ``mix``: the project's stereo sample calls (``samples/*/*.wav``, truth ``*.truth.json``)
  mixed down to mono (sum of the channels) — two synthetic (espeak) voices per call;
- ``emodb``: constructed two-party calls from real Emo-DB utterances of two different speakers
  (all 10 pairs of speakers 03, 08, 09, 10, 11: 6 male/female, 3 male/male, 1 female/female), alternating turns with 0.2-0.9 s gaps, some
  turns of two utterances (seeded, reproducible); in ``emodb`` both speak calmly (neutral and
  boredom takes), in ``emodb-upset`` the caller is neutral, angry or anxious (emotion changes a
  voice about as much as a change of speaker does, so this is the hard case);
- ``sanity`` (more than two speakers, so a two-voice split cannot be right; reported, not
  averaged): ``picovoice/falcon_test.wav`` (3 speakers) and ``pyannote-ami-debug`` tst00/tst01
  (4 speakers, meeting).

DER = (missed speech + false alarm + speaker confusion) / reference speech, computed on a 10 ms
grid with the optimal one-to-one mapping of hypothesis to reference speakers (pyannote.metrics
definition). Overlapping reference speech counts once per speaker. A collar (default 0.25 s, the
NIST convention; 0 gives the strict figure) around every reference boundary is not scored.
Speech activity: Silero VAD via ``callcheck.audio.activity.speech_intervals`` on the mix.
``--words`` also transcribes each call with faster-whisper (``base``, CPU) and passes the words to
the separation (word-boundary snapping, utterance-level assignment, greeting vote).
``--telephone g711`` first turns every call into 8 kHz G.711 mu-law audio (what most contact-centre
recorders store); ``--telephone bandpass`` also band-passes it to 300-3400 Hz (the analogue band). The two-party summary also gives the mean and maximum absolute talk-time error over all parties
and the number of calls with every party's talk time within 20 %.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf

from callcheck.audio.activity import speech_intervals
from callcheck.audio.separate import separate_voices
from callcheck.config import ActivityConfig, SeparationConfig
from callcheck.measures.agent_voice import assign_parties
from callcheck.dsp.timebase import HOP_S
from callcheck.intervals import to_mask
from callcheck.types import Interval

STEP = HOP_S  # the scoring grid: callcheck's 10 ms frames
SR = 16000
# Emo-DB speakers (Emo-DB documentation, erklaerung.txt): 03, 10, 11 male; 08, 09 female
EMODB_PAIRS = (("03", "08", "m/f"), ("03", "09", "m/f"), ("10", "08", "m/f"), ("10", "09", "m/f"),
               ("11", "08", "m/f"), ("11", "09", "m/f"), ("03", "10", "m/m"), ("03", "11", "m/m"),
               ("10", "11", "m/m"), ("08", "09", "f/f"))


def read_rttm(path: Path, file_id: str | None = None) -> dict[str, list[Interval]]:
    out: dict[str, list[Interval]] = {}
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER" and (file_id is None or f[1] == file_id):
            s, d = float(f[3]), float(f[4])
            out.setdefault(f[7], []).append(Interval(s, s + d))
    return out


def _grid(ivs, n):
    return to_mask(ivs, n, STEP)


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


def _words(x: np.ndarray, sr: int, cache: Path | None, name: str):
    """faster-whisper words of the mix (cached as JSON next to the temp dir)."""
    from callcheck.types import Word

    if cache is not None and (cache / f"{name}.json").exists():
        return tuple(Word("agent", w[0], w[1], w[2], w[3]) for w in json.loads((cache / f"{name}.json").read_text()))
    from faster_whisper import WhisperModel

    from callcheck.transcribe.models import resolve_model

    model = _words.model = getattr(_words, "model", None) or WhisperModel(
        resolve_model(None).path_or_name, device="cpu", compute_type="int8")  # the embedded model, offline
    segs, _ = model.transcribe(x.astype(np.float32) if sr == 16000 else _to16(x, sr), word_timestamps=True, beam_size=1)
    ws = [(w.word.strip(), round(w.start, 3), round(w.end, 3), round(w.probability, 3)) for s in segs for w in (s.words or [])]
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / f"{name}.json").write_text(json.dumps(ws))
    return tuple(Word("agent", *w) for w in ws)


def telephone(x: np.ndarray, sr: int, bandpass: bool = True) -> np.ndarray:
    """8 kHz G.711 mu-law telephone audio: resampled to 8 kHz, optionally band-passed to 300-3400 Hz
    (the analogue telephone band), mu-law coded and decoded."""
    from math import gcd

    from scipy.signal import butter, resample_poly, sosfiltfilt

    g = gcd(int(sr), 8000)
    y = resample_poly(np.asarray(x, dtype=np.float64), 8000 // g, int(sr) // g)
    if bandpass:
        y = sosfiltfilt(butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos"), y)
    y = np.clip(y / max(1e-9, float(np.max(np.abs(y)))) * 0.7, -1, 1)
    mu = 255.0
    q = np.round((np.sign(y) * np.log1p(mu * np.abs(y)) / np.log1p(mu) + 1) / 2 * 255)  # 8-bit code
    z = q / 255 * 2 - 1
    return (np.sign(z) * np.expm1(np.abs(z) * np.log1p(mu)) / mu).astype(np.float32)


def _to16(x: np.ndarray, sr: int) -> np.ndarray:
    import librosa

    return librosa.resample(x.astype(np.float32), orig_sr=sr, target_sr=SR) if sr != SR else x.astype(np.float32)


def evaluate_signal(name: str, x: np.ndarray, sr: int, ref: dict[str, list[Interval]], collar_s: float,
                    config: SeparationConfig, words=()) -> dict:
    """Separate one mono signal and score it against the reference speaker intervals."""
    dur = len(x) / sr
    t0 = time.perf_counter()
    speech = speech_intervals(x, sr, config=ActivityConfig())
    t1 = time.perf_counter()
    named = assign_parties(separate_voices(x, sr, speech=speech, words=words, config=config), words, agent_is=config.agent_is)
    act, sep = named.activity, named.separation
    took = time.perf_counter() - t1
    hyp = {"agent": list(act["agent"]), "caller": list(act["caller"])}
    res = der(ref, hyp, dur, collar_s)
    res_strict = der(ref, hyp, dur, 0.0)
    talk = {}
    for h, r in res["mapping"].items():
        true_s = float(_grid(ref[r], int(np.ceil(dur / STEP)) + 1).sum() * STEP)
        got_s = float(sum(i.duration_s for i in act[h]))
        talk[r] = {"party": h, "ref_talk_s": round(true_s, 2), "hyp_talk_s": round(got_s, 2),
                   "rel_error": round((got_s - true_s) / true_s, 3)}
    n = int(np.ceil(dur / STEP)) + 1
    ref_ov = sum(_grid(v, n).astype(int) for v in ref.values()) >= 2
    hyp_ov = _grid(act["agent"], n) & _grid(act["caller"], n)
    overlap = {"ref_s": round(float(ref_ov.sum() * STEP), 2), "hyp_s": round(float(hyp_ov.sum() * STEP), 2),
               "hit_s": round(float((ref_ov & hyp_ov).sum() * STEP), 2)}
    return {"file": name, "duration_s": round(dur, 2), "n_ref_speakers": len(ref), "der_collar": round(res["der"], 4), "overlap": overlap,
            "collar_s": collar_s, "der_no_collar": round(res_strict["der"], 4),
            "missed": round(res["missed"], 4), "false_alarm": round(res["false_alarm"], 4),
            "confusion": round(res["confusion"], 4), "talk": talk, "confidence": sep.confidence,
            "method": sep.method, "notes": list(sep.notes), "vad_seconds": round(t1 - t0, 2),
            "separation_seconds": round(took, 3)}


def evaluate(wav: Path, ref: dict[str, list[Interval]], collar_s: float, config: SeparationConfig, words=()) -> dict:
    """Score one mono file (first channel) against ``ref``."""
    x, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    return evaluate_signal(wav.name, x[:, 0], sr, ref, collar_s, config, words)


def emodb_call(emo_dir: Path, spk_a: str, spk_b: str, *, seed: int, n_turns: int = 14, caller_emotions: str = "NL") -> tuple[np.ndarray, dict[str, list[Interval]]]:
    """A mono two-party call from real Emo-DB utterances of two speakers with known turns (16 kHz)."""
    import librosa

    rng = np.random.default_rng(seed)
    # the agent (first speaker) talks calmly (neutral, boredom takes); the caller in ``caller_emotions``
    files = {s: sorted(f for f in emo_dir.glob(f"{s}*.wav") if f.stem[5] in emos)
             for s, emos in ((spk_a, "NL"), (spk_b, caller_emotions))}
    for s in files:
        rng.shuffle(files[s])
    track, truth, t, used = [np.zeros(int(0.5 * SR), np.float32)], {spk_a: [], spk_b: []}, 0.5, {spk_a: 0, spk_b: 0}
    for k in range(n_turns):
        who = (spk_a, spk_b)[k % 2]
        for _ in range(1 if rng.random() < 0.7 else 2):  # some turns are two utterances
            f = files[who][used[who] % len(files[who])]
            used[who] += 1
            y, _ = librosa.load(f, sr=SR)
            y, _ = librosa.effects.trim(y, top_db=35)
            y = y / (np.sqrt(np.mean(y ** 2)) + 1e-9) * 10 ** (rng.uniform(-26, -20) / 20)  # level per utterance
            track.append(y.astype(np.float32))
            truth[who].append(Interval(round(t, 3), round(t + len(y) / SR, 3)))
            t += len(y) / SR
            gap = rng.uniform(0.15, 0.35)  # pause inside a turn
            track.append(np.zeros(int(gap * SR), np.float32))
            t += int(gap * SR) / SR
        gap = rng.uniform(0.2, 0.9)  # hand-over gap
        track.append(np.zeros(int(gap * SR), np.float32))
        t += int(gap * SR) / SR
    x = np.concatenate(track)
    x = x + rng.normal(0, 10 ** (-60 / 20), len(x)).astype(np.float32)  # faint line noise
    return x, truth


def test_set(data_dir: Path, samples_dir: Path | None) -> Iterator[tuple[str, str, np.ndarray, int, dict[str, list[Interval]]]]:
    """(group, name, mono signal, sample rate, reference) for every call of the test set that exists."""
    ps = data_dir / "pyannote-sample"
    if (ps / "sample.wav").exists():
        x, sr = sf.read(str(ps / "sample.wav"), dtype="float32", always_2d=True)
        yield "real", "pyannote-sample", x[:, 0], sr, read_rttm(ps / "sample.rttm")
    if samples_dir is not None:
        for wav in sorted(samples_dir.glob("*/*.wav")):
            tj = wav.with_suffix(".truth.json")
            if not tj.exists():
                continue
            truth = json.loads(tj.read_text())
            x, sr = sf.read(str(wav), dtype="float32", always_2d=True)
            ref: dict[str, list[Interval]] = {}
            for s in truth["segments"]:
                ref.setdefault(s["speaker"], []).append(Interval(s["start_s"], s["end_s"]))
            yield "mix", f"samples/{wav.stem}", x.sum(1) * 0.5, sr, ref
    emo = data_dir / "emodb" / "wav"
    if emo.exists():
        for k, (a, b, kind) in enumerate(EMODB_PAIRS):
            x, ref = emodb_call(emo, a, b, seed=100 + k)
            yield "emodb", f"emodb {a}+{b} ({kind})", x, SR, ref
        for k, (a, b, kind) in enumerate(EMODB_PAIRS):
            x, ref = emodb_call(emo, a, b, seed=200 + k, caller_emotions="NWA")
            yield "emodb-upset", f"emodb-upset {a}+{b} ({kind})", x, SR, ref
    fal = data_dir / "picovoice" / "falcon_test_data.json"
    if fal.exists():
        d = json.loads(fal.read_text())["tests"]["diarization_tests"][0]
        ref = {}
        for s in d["segments"]:
            ref.setdefault(str(s["speaker_tag"]), []).append(Interval(s["start_sec"], s["end_sec"]))
        x, sr = sf.read(str(fal.parent / "falcon_test.wav"), dtype="float32", always_2d=True)
        yield "sanity", "picovoice/falcon_test (3 spk)", x[:, 0], sr, ref
    ami = data_dir / "pyannote-ami-debug"
    for fid in ("tst00", "tst01"):
        if (ami / f"{fid}.wav").exists():
            x, sr = sf.read(str(ami / f"{fid}.wav"), dtype="float32", always_2d=True)
            yield "sanity", f"ami {fid} (4 spk)", x[:, 0], sr, read_rttm(ami / "debug.test.rttm", fid)


def summary(results: list[dict]) -> dict:
    """Mean DER per group and overall for two-party calls; confidence against DER."""
    two = [r for r in results if r["group"] != "sanity"]
    out: dict = {}
    for g in sorted({r["group"] for r in results}):
        rs = [r for r in results if r["group"] == g]
        out[g] = {"n": len(rs), "der_collar_mean": round(float(np.mean([r["der_collar"] for r in rs])), 4),
                  "der_no_collar_mean": round(float(np.mean([r["der_no_collar"] for r in rs])), 4),
                  "max_abs_talk_error": round(max((abs(t["rel_error"]) for r in rs for t in r["talk"].values()), default=0.0), 3)}
    if two:
        out["two_party"] = {"n": len(two), "der_collar_mean": round(float(np.mean([r["der_collar"] for r in two])), 4),
                            "der_no_collar_mean": round(float(np.mean([r["der_no_collar"] for r in two])), 4),
                            "mean_abs_talk_error": round(float(np.mean([abs(t["rel_error"]) for r in two for t in r["talk"].values()])), 3),
                            "max_abs_talk_error": round(max((abs(t["rel_error"]) for r in two for t in r["talk"].values()), default=0.0), 3),
                            "calls_talk_within_20pct": sum(all(abs(t["rel_error"]) <= 0.2 for t in r["talk"].values()) for r in two),
                            "overlap_ref_s": round(sum(r["overlap"]["ref_s"] for r in two), 2),
                            "overlap_hyp_s": round(sum(r["overlap"]["hyp_s"] for r in two), 2),
                            "overlap_hit_s": round(sum(r["overlap"]["hit_s"] for r in two), 2)}
        c = np.array([r["confidence"] or 0.0 for r in two])
        d = np.array([r["der_collar"] for r in two])
        if len(two) > 2 and c.std() > 0:
            out["two_party"]["spearman_confidence_vs_der"] = round(float(_spearman(c, d)), 3)
        for lo, hi in ((0.0, 0.5), (0.5, 0.8), (0.8, 1.01)):
            sel = (c >= lo) & (c < hi)
            if sel.any():
                out["two_party"][f"confidence {lo:.1f}-{min(hi, 1.0):.1f}"] = {
                    "n": int(sel.sum()), "der_collar_mean": round(float(d[sel].mean()), 4),
                    "der_collar_max": round(float(d[sel].max()), 4)}
    return out


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--collar", type=float, default=0.25)
    ap.add_argument("--samples", type=Path, default=Path(__file__).resolve().parents[1] / "samples",
                    help="folder of the project's stereo sample calls (mixed to mono)")
    ap.add_argument("--words", action="store_true", help="transcribe (faster-whisper base) and pass words")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/callcheck_eval_mono_words"), help="word cache folder")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="override a SeparationConfig field")
    ap.add_argument("--only", default=None, help="evaluate only calls whose name contains this")
    ap.add_argument("--brief", action="store_true", help="one line per call instead of JSON")
    ap.add_argument("--telephone", choices=("g711", "bandpass"), default=None,
                    help="first turn every call into 8 kHz G.711 mu-law audio ('bandpass': also 300-3400 Hz)")
    a = ap.parse_args(argv)
    cfg = SeparationConfig()
    for kv in a.set:
        k, v = kv.split("=", 1)
        typ = type(getattr(cfg, k))
        cfg = dataclasses.replace(cfg, **{k: (v.lower() in ("1", "true", "yes")) if typ is bool else typ(v)})
    results = []
    for group, name, x, sr, ref in test_set(a.data_dir, a.samples if a.samples.exists() else None):
        if a.only and a.only not in name:
            continue
        if a.telephone:
            x, sr = telephone(x, sr, bandpass=a.telephone == "bandpass"), 8000
        key = name.replace("/", "_").replace(" ", "_") + {None: "", "bandpass": "_tel", "g711": "_g711"}[a.telephone]
        words = _words(x, sr, a.cache, key) if a.words else ()
        r = evaluate_signal(name, x, sr, ref, a.collar, cfg, words)
        r["group"] = group
        results.append(r)
        if a.brief:
            talk = " ".join(f"{k}:{v['rel_error']:+.0%}" for k, v in r["talk"].items())
            print(f"{group:6s} {name:38s} DER {r['der_collar']:6.1%} / {r['der_no_collar']:6.1%}  conf {r['confidence']:.2f}"
                  f"  talk {talk}  overlap ref {r['overlap']['ref_s']:.1f}s hyp {r['overlap']['hyp_s']:.1f}s hit {r['overlap']['hit_s']:.1f}s"
                  f"  {r['separation_seconds']:.2f}s" + ("  [single voice?]" if any("single voice" in n for n in r["notes"]) else ""),
                  flush=True)
    if not results:
        print(f"no evaluation data under {a.data_dir}", file=sys.stderr)
        return 2
    summ = summary(results)
    if a.brief:
        print(json.dumps(summ, indent=1))
    else:
        print(json.dumps({"config": dataclasses.asdict(cfg), "results": results, "summary": summ}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
