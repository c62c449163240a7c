"""Throughput of callcheck's engines on this machine, and a plan for a large contact centre.

    python benchmarks/bench_scale.py ../shared/data [--calls 4] [--minutes 3] [--model NAME_OR_PATH]
                                     [--batched] [--skip-engine]

Builds ``--calls`` different stereo calls of ``--minutes`` from real speech (as
``bench_pipeline.py``: German agent, English caller, -30 dB crosstalk; each call its own seed, so
no transcript is shared) and analyses them, each time into a fresh results folder (a cold run),
with the real model:

  local, 1 worker | local, 2 workers | dask, 1 worker | dask, 2 workers (a local Dask cluster of
  worker processes, as ``--engine dask --workers N`` starts it)

and prints for each: wall time, calls per hour, audio hours per CPU-core-hour (audio ÷ wall ÷ the
machine's cores) and from the CPU time the run used (driver and worker processes: on a shared
machine the honest figure, as other programs' load does not count), scaling efficiency against
local with 1 worker, and, for the engine, its overhead per call against local with the same
workers (cluster start-up shown apart). ``--batched`` also
times faster-whisper's batched pipeline (``transcribe.batch_size = 8``) against sequential decoding
on one call. A GPU is used when CTranslate2 sees one (``transcribe.device = auto``): then the same
figures are the GPU's, and batched decoding is timed on it; without one the GPU part is skipped
with a message. The machine's load average is printed before and after: on a shared machine the
absolute figures are inflated, the ratios within one run much less so.

The last block is a plan for 1,000 agents (40,000 calls, 2,500 audio hours a day) from the best
measured audio-hours per core-hour, at a stated price per vCPU-hour.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pipeline import build_call  # noqa: E402

from callcheck import analyze_batch  # noqa: E402
from callcheck.config import Config  # noqa: E402
from callcheck.transcribe.whisper import cuda_devices  # noqa: E402

#: the plan's assumptions (README states them)
AGENTS = 1000
CALLS_PER_AGENT_DAY = 40
AUDIO_H_PER_DAY = 2500.0
NODE_VCPUS = 16
PRICE_PER_VCPU_H = 0.045  # USD, on-demand compute-optimised x86 in 2026, roughly (e.g. 16 vCPU for ~$0.72/h)
WINDOW_H = 12.0  # the calls of a day analysed within this many hours (overnight and off-peak)


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its ended children (worker processes)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _run(calls_dir: Path, out: Path, *, workers: int, engine: str, model: str | None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (driver + its worker processes, all ended when it returns)."""
    t0, c0 = time.perf_counter(), _cpu_s()
    s = analyze_batch([calls_dir], out, model=model, workers=workers, engine=engine, report=False, language="auto")
    wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
    if s.exit_code != 0 or s.analysed != len(s.calls):
        raise SystemExit(f"{engine}/{workers}: {s.analysed} of {len(s.calls)} analysed: {[f.line for f in s.failures]}")
    return wall, cpu


def _cluster_start_s(workers: int) -> float:
    from callcheck.engine.dask import connect

    t0 = time.perf_counter()
    client, cluster = connect(None, workers=workers, retries=2)
    client.wait_for_workers(workers)
    took = time.perf_counter() - t0
    client.close()
    cluster.close()
    return took


def _batched(call: Path, model: str | None) -> tuple[float, float]:
    """Seconds for one call: sequential decoding, then batch_size 8 (same model, same device)."""
    import dataclasses

    from callcheck import analyze_call
    from callcheck.calljob import WhisperFactory

    times = []
    for bs in (1, 8):
        cfg = Config()
        cfg = dataclasses.replace(cfg, transcribe=dataclasses.replace(cfg.transcribe, batch_size=bs))
        tr = WhisperFactory.resolve(model, cfg.transcribe)(0)
        _ = tr.model
        t0 = time.perf_counter()
        analyze_call(call, config=cfg, transcriber=tr)
        times.append(time.perf_counter() - t0)
    return times[0], times[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--calls", type=int, default=4)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--model", default=None)
    ap.add_argument("--batched", action="store_true", help="also time batch_size 8 against sequential decoding")
    ap.add_argument("--skip-engine", action="store_true", help="local runs only")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    gpus = cuda_devices()
    load0 = os.getloadavg()
    print(f"machine: {cores} CPU cores, load average {load0[0]:.1f} / {load0[1]:.1f} / {load0[2]:.1f} (1/5/15 min)")
    if gpus:
        print(f"GPU: CTranslate2 sees {gpus} CUDA device(s): transcription runs there (float16); the figures below are GPU figures")
    else:
        print("GPU: skipped — CTranslate2 sees no CUDA device here (ctranslate2.get_cuda_device_count() = 0); CPU figures only")
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        calls_dir = tmpd / "calls" / "agent1"
        calls_dir.mkdir(parents=True)
        for k in range(args.calls):
            built = build_call(args.data, args.minutes, tmpd / f"b{k}", seed=100 + k)
            built.rename(calls_dir / f"call{k}.wav")
        audio_s = sum(sf.info(str(p)).duration for p in calls_dir.glob("*.wav"))
        print(f"{args.calls} stereo calls of {args.minutes:g} min built from real speech ({audio_s / 60:.1f} min of audio)")
        runs = [("local", 1), ("local", 2)] + ([] if args.skip_engine else [("dask", 1), ("dask", 2)])
        walls: dict[tuple[str, int], float] = {}
        cpus: dict[tuple[str, int], float] = {}
        for engine, w in runs:
            walls[(engine, w)], cpus[(engine, w)] = _run(calls_dir.parent, tmpd / f"out-{engine}-{w}", workers=w,
                                                         engine=engine, model=args.model)
        starts = {} if args.skip_engine else {w: _cluster_start_s(w) for w in (1, 2)}
        base = walls[("local", 1)]
        print()
        print("| engine | workers | wall s | calls/hour | audio h per CPU-core-hour (wall × cores) | CPU s used | "
              "audio h per CPU-core-hour (CPU used) | × real time | efficiency vs local 1 | engine overhead per call |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for (engine, w), wall in walls.items():
            per_core = audio_s / (wall * cores)
            per_cpu = audio_s / cpus[(engine, w)]
            over = ""
            if engine == "dask":
                over = f"{(wall - starts[w] - walls[('local', w)]) / args.calls:+.2f} s (+ cluster start {starts[w]:.1f} s)"
            print(f"| {engine} | {w} | {wall:.1f} | {args.calls / wall * 3600:.0f} | {per_core:.2f} | {cpus[(engine, w)]:.0f} | "
                  f"{per_cpu:.2f} | {audio_s / wall:.1f} | {base / wall:.2f} | {over} |")
        if args.batched:
            seq, bat = _batched(next(calls_dir.glob("*.wav")), args.model)
            print(f"\nbatched decoding ({'GPU' if gpus else 'CPU'}): sequential {seq:.1f} s, batch_size 8 {bat:.1f} s per call "
                  f"(ratio {bat / seq:.2f})")
        best = min(walls, key=lambda k: walls[k])
        per_core = audio_s / (walls[best] * cores)
        per_cpu = audio_s / cpus[best]
        core_h = AUDIO_H_PER_DAY / per_core
        nodes = math.ceil(core_h / (NODE_VCPUS * WINDOW_H))
        load1 = os.getloadavg()
        print(f"\nload average after: {load1[0]:.1f} / {load1[1]:.1f} / {load1[2]:.1f}")
        print(f"\nplan for {AGENTS} agents ({AGENTS * CALLS_PER_AGENT_DAY:,} calls, {AUDIO_H_PER_DAY:,.0f} audio hours a day), "
              f"from the best run here ({best[0]}, {best[1]} workers: {per_core:.2f} audio h per core-hour):")
        print(f"  {core_h:,.0f} CPU-core-hours a day = {core_h / NODE_VCPUS:,.0f} node-hours of {NODE_VCPUS}-vCPU nodes; "
              f"{nodes} nodes finish a day's calls in {WINDOW_H:g} h ({math.ceil(core_h / (NODE_VCPUS * 24))} nodes around the clock)")
        print(f"  at ${PRICE_PER_VCPU_H:.3f} per vCPU-hour: ${core_h * PRICE_PER_VCPU_H:,.0f} a day, "
              f"${PRICE_PER_VCPU_H / per_core:.3f} per audio hour")
        cpu_h = AUDIO_H_PER_DAY / per_cpu
        print(f"  from the CPU time that run used ({per_cpu:.2f} audio h per CPU-hour; what a machine of our own, "
              f"not shared, would give): {cpu_h:,.0f} core-hours a day, {math.ceil(cpu_h / (NODE_VCPUS * WINDOW_H))} nodes "
              f"in {WINDOW_H:g} h, ${PRICE_PER_VCPU_H / per_cpu:.3f} per audio hour")


if __name__ == "__main__":
    main()
