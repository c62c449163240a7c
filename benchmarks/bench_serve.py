"""Benchmark: `callcheck serve` over 5,000 generated call records.

    python benchmarks/bench_serve.py [--calls 5000] [--agents 40] [--keep DIR]

Generates the records (callfactory scripts of 1-3 minutes, findings from the real rules, one
10-minute call with a real 10-minute stereo WAV), then measures over HTTP against the real server
process (`python -m callcheck serve DIR`): server start with the first index build and again with
the index in place, the first call list page, the per-call page of the 10-minute call, search
(median of 5 runs per query), and — in Debian's Chromium when present — the bytes the per-call
page transfers before audio plays.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from callfactory import GOOD_DE, GOOD_EN, T, insert_turns, make_call, replace_turn  # noqa: E402
from serve_support import Client, Server, stereo_wav, with_rules  # noqa: E402


def script_for(rng: random.Random, de: bool, repeats: int):
    base = GOOD_DE if de else GOOD_EN
    s = base
    if rng.random() < 0.25:
        s = replace_turn(s, 4, overlap=rng.uniform(0.6, 2.0))
    if rng.random() < 0.1:
        s = insert_turns(s, 7, T("caller", "Wie bitte? Das habe ich nicht verstanden." if de else "Sorry, what? I didn't catch that."))
    body = list(s[1:-1])
    out = [s[0]]
    for _ in range(repeats):
        out += body
    return tuple(out + [s[-1]])


def generate(out: Path, n_calls: int, n_agents: int, seed: int = 11) -> str:
    rng = random.Random(seed)
    (out / "calls").mkdir(parents=True, exist_ok=True)
    agents = [f"agent{k:02d}" for k in range(n_agents)]
    for i in range(n_calls):
        de = rng.random() < 0.7
        c = make_call(script_for(rng, de, rng.choice((1, 2, 3))), call_id=f"call-{i:05d}", agent=rng.choice(agents),
                      language="de" if de else "en", date=f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                      voice={"agent": {"monotony": rng.uniform(0.15, 0.85), "articulation_rate_sps": rng.uniform(4.3, 7.4)}})
        with_rules(c)
        (out / "calls" / f"{c['call_id']}.json").write_text(json.dumps(c, ensure_ascii=False), encoding="utf-8")
    # the long call for the page-size measure: ten minutes, with its recording
    long = make_call(script_for(rng, True, 10), call_id="long-10min", agent=agents[0], language="de", date="2026-11-30",
                     source=str(out / "long-10min.wav"))
    with_rules(long)
    stereo_wav(out / "long-10min.wav", long)
    (out / "calls" / "long-10min.json").write_text(json.dumps(long, ensure_ascii=False), encoding="utf-8")
    return "long-10min"


def timed(fn, n: int = 5) -> float:
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def browser_bytes(url: str, call_id: str) -> int | None:
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--mute-audio"])
        page = b.new_page()
        page.goto(url + "/login")
        page.fill("#username", "bench")
        page.fill("#password", "bench-password-1")
        page.click("form.login button[type=submit]")
        page.wait_for_url(url + "/calls")
        sizes: list[int] = []
        page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
        page.goto(f"{url}/calls/{call_id}")
        page.wait_for_load_state("networkidle")
        b.close()
    return sum(sizes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--agents", type=int, default=40)
    ap.add_argument("--keep", type=Path, default=None, help="folder to generate into and keep")
    a = ap.parse_args()
    os.environ.setdefault("PYTHONPATH", str(REPO))
    out = a.keep or Path(tempfile.mkdtemp(prefix="bench_serve_"))
    t0 = time.perf_counter()
    long_id = generate(out, a.calls, a.agents)
    n_words = sum(1 for _ in json.loads((out / "calls" / f"{long_id}.json").read_text())["words"])
    print(f"generated {a.calls + 1} records in {time.perf_counter() - t0:.1f} s "
          f"({sum(p.stat().st_size for p in (out / 'calls').glob('*.json')) / 1e6:.0f} MB of JSON)")
    from callcheck.serve.auth import add_user
    from callcheck.serve.db import open_engine

    os.environ.pop("CALLCHECK_TEST_FAST_HASH", None)  # the production hash parameters
    add_user(open_engine(out, migrate_to_head=True), "bench", role="supervisor", password="bench-password-1", language="de")
    for label in ("cold (first index build)", "warm (index in place)"):
        srv = Server(out).start(timeout_s=900)
        print(f"server start, {label}: {srv.startup_s:.1f} s")
        if label.startswith("warm"):
            break
        srv.stop()
    try:
        c = Client(srv.url)
        t = time.perf_counter()
        c.login("bench", "bench-password-1")
        print(f"login (Argon2id, default parameters): {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        r = c.get("/calls")
        print(f"first page /calls ({len(r.content) / 1e3:.0f} kB): {time.perf_counter() - t:.3f} s")
        t = time.perf_counter()
        r = c.get(f"/calls/{long_id}", headers={"Accept-Encoding": "gzip"})
        print(f"call page of the 10-minute call ({n_words} words): {time.perf_counter() - t:.3f} s, "
              f"{len(r.content) / 1e3:.0f} kB HTML, {r.num_bytes_downloaded / 1e3:.0f} kB transferred (gzip)")
        for label, params in (("common word 'Drucker'", {"q": "Drucker"}), ("phrase '\"kein Papier\"'", {"q": '"kein Papier"'}),
                              ("prefix 'Papier*', said by the caller", {"q": "Papier*", "speaker": "caller"}),
                              ("word + agent + date filter", {"q": "Display", "agent": "agent03", "date_from": "2026-06-01"}),
                              ("findings of mistake 3, unreviewed", {"mistake": "3", "reviewed": "unreviewed"})):
            res = c.get("/api/search", params=params).json()
            m = timed(lambda: c.get("/api/search", params=params))
            print(f"search {label}: {res['total']} hits, median {m * 1000:.0f} ms")
        m = timed(lambda: c.get("/api/calls", params={"mistake": "3"}))
        print(f"call list filtered by mistake: median {m * 1000:.0f} ms")
        b = browser_bytes(srv.url, long_id)
        print("per-call page before audio plays (Chromium, HTML + CSS + JS, compressed): "
              + ("chromium/playwright absent" if b is None else f"{b / 1e3:.0f} kB"))
    finally:
        srv.stop()
        if a.keep is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
