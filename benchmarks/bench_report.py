"""Benchmark: judge and render generated call records (no model, no audio).

    python benchmarks/bench_report.py [--calls 10000] [--agents 50] [--weeks 12] [--keep DIR] [--runs cold,warm,changed]
                                      [--audio] [--workers N]

Writes ``--calls`` generated records of ``--agents`` agents over ``--weeks`` weeks (reused when
``--keep DIR`` already holds them), then times what ``callcheck report`` does — judge (which, as
``callcheck.report.judge_and_render``, also digests each call it judges and makes its call page),
then render (the agent and team pages, and what the judge did not do) — in three runs: cold (judgements, pages and the caches deleted first: every record read, everything
written, as on the first report or after a code update), warm (nothing
changed) and after one agent's call was re-analysed (one record changed); ``--runs ...,added``
also after one new call was added (the team's distributions and that agent's own history change). Each run is a fresh
child process: wall and CPU time of each step (CPU of the worker processes included;
``--workers`` as ``callcheck report --workers``), and the peak memory (maximum resident set size,
``resource.getrusage``) after judging and in all. At the end: the size of the pages, and with
``--audio`` (every call's ``source`` is one generated 2-minute recording, so the moments get Opus
snippets) the audio files each agent page plays — e.g. ``--calls 500 --agents 10 --audio`` for
agent pages of 50 calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from callfactory import GOOD_DE, GOOD_EN, T, analysed, insert_turns, make_call, replace_turn  # noqa: E402

from callcheck.result import write_record  # noqa: E402


def fixture_call(i: int, n_calls: int, n_agents: int, n_weeks: int, rng: random.Random, source: str | None = None) -> dict:
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
    day = dt.date(2026, 9, 7) + dt.timedelta(days=(i * 7 * n_weeks) // n_calls)
    return make_call(script, call_id=f"call-{i:05d}", agent=f"agent-{i % n_agents:02d}", language="de" if de else "en",
                     date=day.isoformat(), voice=voice, **({"source": source} if source else {}))


def fixture_calls(n_calls: int, n_agents: int, n_weeks: int = 12, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [fixture_call(i, n_calls, n_agents, n_weeks, rng) for i in range(n_calls)]


def recording(path: Path, seconds: float = 120.0, sr: int = 16000) -> str:
    """A stereo 'call' for the snippets: two noise-excited voices taking turns (speech-like for the codec)."""
    import numpy as np
    import soundfile as sf

    if not path.is_file():
        g = np.random.default_rng(3)
        t = np.arange(int(sr * seconds)) / sr
        voice = np.sin(2 * np.pi * (140 + 30 * np.sin(2 * np.pi * 0.7 * t)) * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3.1 * t)) ** 2
        x = (0.2 * voice + 0.02 * g.standard_normal(t.size)).astype(np.float32)
        turn = (np.floor(t / 4.0) % 2).astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, np.stack([x * turn, x * (1 - turn)], axis=1), sr)
    return str(path)


def write_fixture(out: Path, n_calls: int, n_agents: int, n_weeks: int, audio: bool = False) -> None:
    marker = out / "calls" / ".bench.json"
    want = {"calls": n_calls, "agents": n_agents, "weeks": n_weeks, **({"audio": True} if audio else {})}
    if marker.is_file() and json.loads(marker.read_text()) == want:
        return
    rng = random.Random(7)
    source = recording(out / "recording.wav") if audio else None
    for i in range(n_calls):
        c = fixture_call(i, n_calls, n_agents, n_weeks, rng, source)
        write_record(out / "calls" / f"{c['call_id']}.json", analysed(c))
    marker.write_text(json.dumps(want))


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from callcheck.config import Config
from callcheck.judge import default_workers, judge_batch
from callcheck.report import render_reports
from callcheck.report.render import pages_after_judging
out = Path({out!r})
cfg = Config()
then = pages_after_judging(out, config=cfg)  # as callcheck report (judge_and_render), each step timed
def cpu():  # this process and its finished children (the judge's worker processes)
    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime
t0, c0 = time.perf_counter(), cpu()
j = judge_batch(out, config=cfg, workers={workers} or default_workers(), then=then)
t1, c1 = time.perf_counter(), cpu()
peak_judge = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
s = render_reports(out, config=cfg, workers={workers} or default_workers(), prepared=then.results)
t2, c2 = time.perf_counter(), cpu()
print(json.dumps({{"judge_s": t1 - t0, "render_s": t2 - t1, "judge_cpu_s": c1 - c0, "render_cpu_s": c2 - c1,
                  "written": j.written, "unchanged": j.unchanged, "calls": s.calls, "agents": s.agents,
                  "rendered": len(s.pages), "reused": getattr(s, "reused", None), "peak_judge_mb": peak_judge,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "peak_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}))
"""


def run_once(out: Path, workers: int = 0) -> dict:
    code = CHILD.format(root=str(ROOT), out=str(out), workers=int(workers))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def add_one_call(out: Path, n_calls: int, n_agents: int, n_weeks: int) -> str:
    """A new call of the first agent (the team's size and distributions change)."""
    rng = random.Random(11)
    i = len([q for q in (out / "calls").glob("*.json") if not q.name.startswith(".")])
    c = fixture_call(i, n_calls, n_agents, n_weeks, rng)
    c = dict(c, call_id=f"call-new-{i:05d}", agent="agent-00")
    write_record(out / "calls" / f"{c['call_id']}.json", analysed(c))
    return c["call_id"]


def touch_one_call(out: Path) -> str:
    """Re-analyse one call: a new record for the first agent's newest call (its agent's pages change)."""
    p = sorted(q for q in (out / "calls").glob("*.json") if not q.name.startswith("."))[0]
    rec = json.loads(p.read_text(encoding="utf-8"))
    rec["speakers"]["agent"]["monotony"] = 0.95 if (rec["speakers"]["agent"].get("monotony") or 0) < 0.9 else 0.2
    write_record(p, rec)
    return rec["call_id"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--keep", type=Path, default=None, help="write the output folder here (reused when it holds the same fixture)")
    ap.add_argument("--runs", default="cold,warm,changed", help="which runs, in order: cold, warm, changed, added")
    ap.add_argument("--workers", type=int, default=0,
                    help="worker processes that judge and render (0: as `callcheck report`, one per usable CPU, at most 8)")
    ap.add_argument("--audio", action="store_true", help="give every call a recording, so the pages get Opus snippets")
    a = ap.parse_args()
    out = a.keep or Path(tempfile.mkdtemp(prefix="bench_report_"))
    t0 = time.perf_counter()
    write_fixture(out, a.calls, a.agents, a.weeks, a.audio)
    print(f"fixture: {a.calls} records of {a.agents} agents over {a.weeks} weeks in {out} ({time.perf_counter() - t0:.0f} s)")
    labels = {"cold": "cold", "warm": "warm (nothing changed)", "changed": "one record changed", "added": "one call added"}
    for run in a.runs.split(","):
        label = labels[run]
        if run == "cold":
            import shutil
            for d in ("judgements", "agents", "callpages", "audio", ".report", ".cache"):
                shutil.rmtree(out / d, ignore_errors=True)
        if run == "changed":
            touch_one_call(out)
        if run == "added":
            add_one_call(out, a.calls, a.agents, a.weeks)
        r = run_once(out, a.workers)
        print(f"{label:24s} judge {r['judge_s']:6.1f} s wall / {r['judge_cpu_s']:6.1f} s CPU ({r['written']} judgements written), "
              f"render {r['render_s']:6.1f} s wall / {r['render_cpu_s']:6.1f} s CPU ({r['rendered']} files written, "
              f"{r['reused']} pages up to date); peak RSS {r['peak_judge_mb']:.0f} MB after judging, {r['peak_mb']:.0f} MB in all, "
              f"{r['peak_worker_mb']:.0f} MB per judge worker; "
              f"{r['calls']} calls, {r['agents']} agents; load average {os.getloadavg()[0]:.1f}", flush=True)
    import re

    html = {p: p.stat().st_size for p in (out / "agents").glob("*.html")}
    calls = [p.stat().st_size for p in (out / "callpages").glob("*.html")]
    if html:
        played = []
        for p in html:
            srcs = set(re.findall(r'<audio[^>]* src="([^"]+)"', p.read_text(encoding="utf-8")))
            played.append((len(srcs), sum((p.parent / s).stat().st_size for s in srcs if (p.parent / s).is_file())))
        audio = sum(f.stat().st_size for f in (out / "audio").rglob("*.opus")) if (out / "audio").is_dir() else 0
        print(f"agent pages: {len(html)} of {a.calls // a.agents} calls each, HTML {min(html.values()) / 1e3:.0f}-{max(html.values()) / 1e3:.0f} kB, "
              f"each playing {min(n for n, _ in played)}-{max(n for n, _ in played)} snippets of "
              f"{min(b for _, b in played) / 1e3:.0f}-{max(b for _, b in played) / 1e3:.0f} kB in all; "
              f"index.html {(out / 'index.html').stat().st_size / 1e3:.0f} kB; call pages: {len(calls)}, "
              f"{sum(calls) / max(1, len(calls)) / 1e3:.0f} kB each on average; audio/ {audio / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
