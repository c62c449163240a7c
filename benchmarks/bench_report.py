"""Benchmark: judge and render 200 fixture calls of 20 agents from their records.

    python benchmarks/bench_report.py [--calls 200] [--agents 20] [--keep DIR]

Prints the time of the first judgement (every call compared with the team and its agent's own
calls, judgements/ written), of a second one (nothing changed, nothing written) and of rendering
the pages. No audio: snippets are skipped (sources absent).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from callfactory import GOOD_DE, GOOD_EN, T, analysed, insert_turns, make_call, replace_turn  # noqa: E402

from callcheck.config import Config  # noqa: E402
from callcheck.judge import judge_batch  # noqa: E402
from callcheck.report import render_reports  # noqa: E402
from callcheck.result import write_record  # noqa: E402


def fixture_calls(n_calls: int, n_agents: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    calls = []
    for i in range(n_calls):
        de = rng.random() < 0.7
        script = GOOD_DE if de else GOOD_EN
        if rng.random() < 0.2:
            script = replace_turn(script, 4, overlap=rng.uniform(0.6, 2.0))
        if rng.random() < 0.15:
            script = replace_turn(script, 0, text="Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?" if de
                                  else "Thank you for calling Grumps and Sons, my name is Sonja Miller, how may I help you today?", wps=2.4)
        if rng.random() < 0.1:
            script = insert_turns(script, 7, T("caller", "Wie bitte? Das habe ich nicht verstanden." if de else "Sorry, what? I didn't catch that."))
        voice = {"agent": {"monotony": rng.uniform(0.15, 0.85), "articulation_rate_sps": rng.uniform(4.3, 7.4),
                           "loudness_dbfs": rng.uniform(-30, -16), "pause_share": rng.uniform(0.04, 0.3),
                           "f0_variation_st": rng.uniform(1.0, 4.5)}}
        calls.append(make_call(script, call_id=f"call-{i:04d}", agent=f"agent-{i % n_agents:02d}", language="de" if de else "en",
                               date=f"2026-{10 + (i * 7 // n_calls) // 4:02d}-{1 + (i * 3) % 28:02d}", voice=voice))
    return calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--keep", type=Path, default=None, help="write the output folder here instead of a temp folder")
    a = ap.parse_args()
    out = a.keep or Path(tempfile.mkdtemp(prefix="bench_report_"))
    for c in fixture_calls(a.calls, a.agents):
        write_record(out / "calls" / f"{c['call_id']}.json", analysed(c))
    cfg = Config()
    t0 = time.perf_counter()
    j1 = judge_batch(out, config=cfg)
    t1 = time.perf_counter()
    j2 = judge_batch(out, config=cfg)
    t2 = time.perf_counter()
    s = render_reports(out, config=cfg)
    t3 = time.perf_counter()
    print(f"{s.calls} calls, {s.agents} agents: first judgement {t1 - t0:.2f} s ({j1.written} written), "
          f"second {t2 - t1:.2f} s ({j2.written} written, {j2.unchanged} unchanged), render {t3 - t2:.2f} s; output {out}")


if __name__ == "__main__":
    main()
