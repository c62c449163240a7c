"""Speed and memory of the voice measures on a synthetic 1-hour stereo call.

``python benchmarks/bench_voice.py [--minutes 60] [--rate 8000]``

Builds a two-channel call (agent left, caller right) from 20-s blocks: each party talks for half
of the time in speech-like syllable bursts (harmonic tones with a moving F0, 4-5 syll/s) with
pauses, over a little line noise, plus words for the transcript. Prints the time of
``measure_voice`` for both channels, the real-time factor (call seconds per compute second, per
channel), and the peak memory: tracemalloc peak of the measurement (numpy buffers included) and
the process' maximum resident size. Budget (issue 3): <= 3 % of transcription time (Whisper base
runs ~14x real time on our machine, so >= ~470x real time for both channels together, i.e.
>= ~940x per channel), and < 1 GB for a 1-hour call.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from callcheck.config import VoiceConfig
from callcheck.measures.voice import measure_voice
from callcheck.types import Interval, PartySignal, Word


def build_call(minutes: float, sr: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    block_s = 20.0
    n_blocks = int(np.ceil(minutes * 60 / block_s))
    bn = int(block_s * sr)
    t = np.arange(bn) / sr
    # one speech-like 10-s stretch: syllables of 0.2 s at 4.5/s with a pause every 2 s
    env = np.zeros(bn)
    syl = 0.2
    starts = [s for s in np.arange(0.2, 9.6, 0.22) if (s % 2.0) < 1.6]
    for s in starts:
        a, b = int(s * sr), int((s + syl) * sr)
        env[a:b] = np.sin(np.pi * np.arange(b - a) / (b - a)) ** 2
    f0 = 130 * 2 ** (3 * np.sin(2 * np.pi * 0.7 * t) / 12)
    ph = 2 * np.pi * np.cumsum(f0) / sr
    voice = sum(np.sin(k * ph) / k for k in range(1, 12)) * env * 0.2
    agent_block = voice.astype(np.float32)
    caller_block = np.roll(agent_block, bn // 2)  # caller talks in the other half
    reps = n_blocks
    noise = (0.001 * rng.standard_normal(bn * reps)).astype(np.float32)
    left = np.tile(agent_block, reps) + noise
    right = np.tile(caller_block, reps) + noise[::-1]
    dur = bn * reps / sr
    act_a = tuple(Interval(k * block_s + 0.1, k * block_s + 9.8) for k in range(reps))
    act_c = tuple(Interval(k * block_s + 10.1, k * block_s + 19.8) for k in range(reps))
    words_a = [Word("agent", "Kundenservice", k * block_s + s, k * block_s + s + 0.4, 0.9)
               for k in range(reps) for s in starts[::2]]
    words_c = [Word("caller", "ja", k * block_s + 10 + s, k * block_s + 10 + s + 0.2, 0.8)
               for k in range(reps) for s in starts[::2]]
    return left, right, dur, (act_a, act_c), (words_a, words_c)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--rate", type=int, default=8000, help="sample rate of the synthetic call, Hz")
    ap.add_argument("--no-tracemalloc", action="store_true", help="time without tracemalloc overhead")
    a = ap.parse_args(argv)
    left, right, dur, acts, words = build_call(a.minutes, a.rate)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cfg = VoiceConfig()
    if not a.no_tracemalloc:
        tracemalloc.start()
    t0 = time.perf_counter()
    results = []
    for party, x, act, w, other in (("agent", left, acts[0], words[0], acts[1]),
                                    ("caller", right, acts[1], words[1], acts[0])):
        sig = PartySignal(party, x, a.rate, act, True)
        results.append(measure_voice(sig, w, language="de", config=cfg, duration_s=dur, other_activity=other))
    dt = time.perf_counter() - t0
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20 if not a.no_tracemalloc else float("nan")
    if not a.no_tracemalloc:
        tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    input_mb = (left.nbytes + right.nbytes) / 2**20
    print(f"call: {dur / 60:.1f} min stereo at {a.rate} Hz (input arrays {input_mb:.0f} MB)")
    print(f"voice measures, both channels: {dt:.2f} s  -> {dur / dt:.0f}x real time per call, "
          f"{2 * dur / dt:.0f}x per channel")
    print(f"share of Whisper-base transcription time (14x real time, both channels): "
          f"{100 * dt / (2 * dur / 14):.2f} %  (budget 3 %)")
    print(f"peak memory of the measurement (tracemalloc): {peak_mb:.0f} MB; process max RSS "
          f"{rss1:.0f} MB (before measuring {rss0:.0f} MB)  (budget 1024 MB)")
    r = results[0]
    print(f"agent: f0 {r.f0_median_hz:.1f} Hz, articulation {r.articulation_rate_acoustic_sps:.2f} sps (acoustic), "
          f"pauses {r.pause_count_per_min:.1f}/min, monotony {r.monotony:.2f}, windows {len(r.rate_over_time)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
