"""Run ``callcheck analyze`` over the fuzz corpus and print the outcome table.

Usage::

    python tools/fuzz/run.py CORPUS [--work DIR] [--classes a,b] [--single] [--no-report]
                                    [--class-timeout S] [--direct-timeout S] [--json FILE]

``CORPUS`` is a folder made by ``tools/fuzz/generate.py`` (one command does both:
``python tools/fuzz/run.py --generate /tmp/fuzz``). Each class folder is analysed by one
``python -m callcheck analyze CORPUS/<class> --out WORK/<class>`` run (``--single``: one run over
the whole corpus), under a wall-clock limit that detects hangs; entries marked ``direct`` (the
filesystem oddities, ``/dev/zero``, ``/dev/urandom``) are also given alone on the command line with
a short limit, and a class run that hangs is split into one run per entry so the hang is named.
The ``cli`` cases run usage errors (``--config DIR``, ``--out FILE``, ...) and manifest rows.

Each entry ends in exactly one outcome:

========================  =====  ================================================================
outcome                   good?  meaning
========================  =====  ================================================================
``analysed``              yes    a result JSON with the full duration
``refused``               yes    one ``error:`` line naming the file (control characters escaped)
                                 and one ``failures.csv`` row, no internal error
``noted-partial``         yes    analysed short, with a note in the result saying so
``known-limit``           (yes)  analysed short where the file gives no way to tell (listed)
``duplicate``             yes    a link to a file analysed under its own name (counted once)
``ignored``               yes    a link to a folder inside an input folder (not followed)
``hang``                  no     the run did not end within its limit
``traceback``             no     the run printed a Python traceback (the entry was not handled)
``internal-error``        no     refused with "internal error ..." (a bug, not a reason)
``silent-skip``           no     neither a result nor a failure row
``silent-partial``        no     analysed, but shorter than the recording by > 2 %, without a note
``accepted-nonsense``     no     analysed although it must be refused (10^9 Hz, 1 sample, ...)
``wrongly-refused``       no     refused although it is a good recording
``unclear-line``          no     refused, but not in exactly one escaped line
``both``                  no     a result and a failure row
========================  =====  ================================================================

Peak RSS is the largest resident set of any ``analyze`` process of the class (``wait4``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tools.fuzz.generate import BIG_CLASS, Entry, build_corpus, load_manifest  # noqa: E402

GOOD = ("analysed", "refused", "noted-partial", "known-limit", "duplicate", "ignored")
DEFECTS = ("hang", "traceback", "internal-error", "silent-skip", "silent-partial", "accepted-nonsense",
           "wrongly-refused", "unclear-line", "both")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class Run:
    args: list[str]
    out: Path
    rc: int | None = None
    timed_out: bool = False
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
    stdout: str = ""
    stderr: str = ""
    orphans: bool = False

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr

    @property
    def warnings(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if re.search(r"\b\w*Warning\b", ln) and not ln.startswith("error: ")]

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.stderr.split("\n") if ln.startswith("error: ")]


@dataclass
class Result:
    entry: Entry
    outcome: str
    detail: str = ""
    run: str = ""


@dataclass
class ClassStats:
    entries: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    runs: int = 0
    tracebacks: int = 0
    hangs: int = 0
    warnings: int = 0
    orphans: int = 0
    peak_rss_mb: float = 0.0
    wall_s: float = 0.0


def _progress(out: Path, se: Path) -> tuple[int, int]:
    calls = out / "calls"
    try:
        n = sum(1 for _ in calls.iterdir()) if calls.is_dir() else 0
    except OSError:
        n = 0
    try:
        return n, se.stat().st_size
    except OSError:
        return n, 0


def run_analyze(args: list[str], out: Path, *, timeout_s: float, python: str, cwd: Path, env: dict,
                idle_s: float = 0.0) -> Run:
    """One ``python -m callcheck analyze ...``, its peak RSS and output.

    It counts as hanging when it runs longer than ``timeout_s`` or, with ``idle_s``, when neither a
    result file nor a line on stderr appears for ``idle_s`` seconds (a slow machine is not a hang).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if "--out" not in args:
        args = [*args, "--out", str(out)]
    r = Run(args=args, out=out)
    so, se = out.parent / f".{out.name}.stdout", out.parent / f".{out.name}.stderr"
    t0 = time.monotonic()
    with so.open("wb") as fo, se.open("wb") as fe:
        proc = subprocess.Popen([python, "-m", "callcheck", "analyze", *args], stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=env, start_new_session=True)
        status = None
        last, last_t = _progress(out, se), time.monotonic()
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                now = time.monotonic()
                if idle_s:
                    cur = _progress(out, se)
                    if cur != last:
                        last, last_t = cur, now
                if now - t0 > timeout_s or (idle_s and now - last_t > idle_s):
                    r.timed_out = True
                    _kill_group(proc.pid)
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.05)
        except BaseException:  # interrupted ourselves: leave no analyze process behind
            _kill_group(proc.pid)
            raise
        try:  # a process of the run's group still alive after it ended: an orphan (a worker)
            os.killpg(proc.pid, 0)
            r.orphans = not r.timed_out
        except (ProcessLookupError, PermissionError):
            pass
        _kill_group(proc.pid)
        proc.returncode = os.waitstatus_to_exitcode(status)
    r.wall_s = time.monotonic() - t0
    r.rc = proc.returncode
    r.peak_rss_mb = usage.ru_maxrss / 1024.0  # Linux: kB
    r.stdout = so.read_bytes().decode("utf-8", "replace")
    r.stderr = se.read_bytes().decode("utf-8", "replace")
    (out.parent / f".{out.name}.run.json").write_text(json.dumps(
        {"args": args, "rc": r.rc, "timed_out": r.timed_out, "wall_s": r.wall_s, "peak_rss_mb": r.peak_rss_mb, "orphans": r.orphans}))
    return r


def load_run(work: Path, name: str) -> Run | None:
    """A run of an earlier invocation from its saved outputs (``--rerender``)."""
    out = work / name
    se, so, meta = work / f".{name}.stderr", work / f".{name}.stdout", work / f".{name}.run.json"
    if not se.is_file():
        return None
    info = json.loads(meta.read_text()) if meta.is_file() else {"args": [], "rc": 1, "timed_out": False}
    r = Run(args=info.get("args", []), out=out, rc=info.get("rc", 1), timed_out=info.get("timed_out", False))
    r.stderr = se.read_bytes().decode("utf-8", "replace")
    r.stdout = so.read_bytes().decode("utf-8", "replace") if so.is_file() else ""
    return r


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


_SPLIT = re.compile(r"[\x00-\x1f\x7f]")


def _markers(path: str) -> list[str]:
    """Pieces of a path that any faithful display of it contains (control characters split it)."""
    parts = [p for p in _SPLIT.split(path) if p]
    return parts or [path]


def _names(line: str, path: str) -> bool:
    pos = 0
    for m in _markers(path):
        k = line.find(m, pos)
        if k < 0:
            return False
        pos = k + len(m)
    return True


def _failure_rows(out: Path) -> list[dict]:
    f = out / "failures.csv"
    if not f.is_file():
        return []
    with f.open(newline="", encoding="utf-8", errors="surrogateescape") as fh:
        return list(csv.DictReader(fh))


def _records(out: Path) -> dict[str, dict]:
    recs = {}
    for f in sorted((out / "calls").glob("*.json")) if (out / "calls").is_dir() else ():
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        recs[os.path.abspath(d.get("source", ""))] = d
    return recs


def classify(entries: list[tuple[Entry, str]], run: Run, run_name: str) -> list[Result]:
    """The outcome of each ``(entry, path as given)`` in one run."""
    recs = _records(run.out)
    rows = _failure_rows(run.out)
    lines = run.error_lines
    out = []
    for e, path in entries:
        ap = os.path.abspath(path)
        rec = recs.get(ap)
        my_rows = [r for r in rows if os.path.abspath(r.get("path", "")) == ap]
        naming = [ln for ln in lines if _names(ln, ap) or _names(ln, path)]
        if run.timed_out and rec is None and not my_rows:
            out.append(Result(e, "hang", f"no result after {run.wall_s:.0f} s", run_name))
            continue
        if rec is not None and my_rows:
            out.append(Result(e, "both", my_rows[0].get("reason", ""), run_name))
            continue
        if rec is not None:
            dur = float(rec.get("duration_s") or 0.0)
            notes = " ".join(rec.get("notes") or [])
            if e.expect == "refused":
                out.append(Result(e, "accepted-nonsense", f"analysed: duration {dur:.3f} s, {rec.get('sample_rate')} Hz", run_name))
            elif e.duration_s and dur < e.duration_s * 0.98 - 0.05:
                missing = re.search(r"missing|truncat|damag|short", notes, re.I)
                out.append(Result(e, "noted-partial" if missing else "known-limit" if e.limit else "silent-partial",
                                  f"duration {dur:.3f} of {e.duration_s:.3f} s" + (f"; note: {notes[:120]}" if missing else ""), run_name))
            else:
                out.append(Result(e, "analysed", f"{dur:.3f} s", run_name))
            continue
        if my_rows:
            reason = my_rows[0].get("reason", "")
            if "internal error" in reason:
                out.append(Result(e, "internal-error", reason, run_name))
            elif len(my_rows) != 1 or len(naming) != 1 or any(_CTRL.search(ln) for ln in naming):
                why = f"{len(naming)} error lines name it" if len(naming) != 1 else "raw control characters in the line"
                out.append(Result(e, "unclear-line", f"{why}: {reason!r}"[:300], run_name))
            elif e.expect == "analysed":
                out.append(Result(e, "wrongly-refused", reason, run_name))
            else:
                out.append(Result(e, "refused", reason, run_name))
            continue
        if (not run.traceback and run.rc == 2 and e.expect == "refused" and run_name.startswith("direct") and len(naming) == 1
                and len(lines) == 1 and not _CTRL.search(naming[0])):
            # given alone and refused as a usage error before any work (a folder without audio):
            # the documented exit 2 with one line naming it; there is no batch, so no failures.csv
            out.append(Result(e, "refused", naming[0][:300] + " (exit 2)", run_name))
            continue
        if run.traceback or run.rc not in (0, 1):
            tb = run.stderr.strip().splitlines()[-1:] if run.traceback else [f"exit {run.rc}"]
            out.append(Result(e, "traceback", (tb[0] if tb else "")[:300], run_name))
        else:
            outcome = _unlisted(path, recs)
            raw = (run.out / "failures.csv").read_bytes().decode("utf-8", "surrogateescape") if (run.out / "failures.csv").is_file() else ""
            if outcome == "silent-skip" and ap in raw:
                out.append(Result(e, "unclear-line", "its failures.csv row is broken (an unquoted control character)", run_name))
            else:
                out.append(Result(e, outcome, "", run_name))
    return out


def _unlisted(path: str, recs: dict) -> str:
    """An entry with neither a result nor a failure: a link to a folder is not followed
    (``ignored``), a link to a file that was analysed under its own name is a ``duplicate``."""
    if os.path.islink(path) and os.path.isdir(path):
        return "ignored"
    if os.path.islink(path) and os.path.isfile(path):
        target = os.path.realpath(path)
        if any(os.path.realpath(k) == target for k in recs):
            return "duplicate"
    return "silent-skip"


# ------------------------------------------------------------------------------------- cli cases


def cli_cases(work: Path, corpus: Path) -> list[tuple[str, list[str], set[int], str]]:
    """``(name, analyze args, allowed exit codes, what)`` for usage errors and manifest oddities."""
    d = work / "cli-inputs"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    good = corpus / "filesystem" / "good.wav"
    if not good.is_file():
        good = next(corpus.rglob("pcm_16.wav"), None) or next(corpus.rglob("*.wav"))
    (d / "afile").write_text("x")
    (d / "cfgdir").mkdir()
    (d / "mandir").mkdir()
    os.symlink("loop2.wav", d / "loop1.wav")
    os.symlink("loop1.wav", d / "loop2.wav")
    try:
        os.mkfifo(d / "pipe.wav")
    except OSError:
        pass
    (d / "loop.csv").write_text(f"path,agent\nloop1.wav,a\n{good},a\n")
    (d / "longid.csv").write_text(f"path,agent,call_id\n{good},a,{'c' * 300}\n")
    (d / "fifo.csv").write_text(f"path,agent\npipe.wav,a\n{good},a\n")
    (d / "garbage.toml").write_bytes(b"\xff\xfe\x00binary")
    cases = [
        ("config-is-folder", ["--config", str(d / "cfgdir"), str(good)], {2}, "--config DIR"),
        ("config-binary", ["--config", str(d / "garbage.toml"), str(good)], {2}, "--config with binary bytes"),
        ("manifest-is-folder", ["--manifest", str(d / "mandir")], {2}, "--manifest DIR"),
        ("out-is-file", [str(good)], {2}, "--out FILE"),
        ("out-uncreatable", [str(good)], {2}, "--out under a file"),
        ("manifest-symlink-loop", ["--manifest", str(d / "loop.csv")], {1}, "manifest row pointing to a symlink loop"),
        ("manifest-long-call-id", ["--manifest", str(d / "longid.csv")], {0}, "manifest call_id of 300 characters"),
        ("manifest-fifo", ["--manifest", str(d / "fifo.csv")], {1}, "manifest row pointing to a FIFO"),
        ("direct-dev-zero", ["/dev/zero"], {1}, "/dev/zero as input"),
        ("direct-dev-urandom", ["/dev/urandom"], {1}, "/dev/urandom as input"),
    ]
    outs = {"out-is-file": str(d / "afile"), "out-uncreatable": str(d / "afile" / "sub")}
    return [(n, a + ["--out", outs.get(n, str(work / "cli" / n))], rc, w) for n, a, rc, w in cases]


def check_cli(name: str, run: Run, allowed: set[int]) -> str:
    if run.timed_out:
        return "hang"
    if run.traceback:
        return "traceback"
    if "internal error" in run.stderr:
        return "internal-error"
    if run.rc not in allowed:
        return f"exit {run.rc} (expected {'/'.join(map(str, sorted(allowed)))})"
    if run.rc == 2 and len(run.error_lines) != 1:
        return f"{len(run.error_lines)} error lines"
    return "ok"


# ------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="corpus folder (tools/fuzz/generate.py)")
    ap.add_argument("--generate", action="store_true", help="build the corpus into CORPUS first (it must be new or empty)")
    ap.add_argument("--seconds", type=float, default=6.0, help="with --generate: seconds of the sample (default %(default)s)")
    ap.add_argument("--big", action="store_true", help=f"with --generate: add the {BIG_CLASS} class")
    ap.add_argument("--work", type=Path, default=None, help="folder for the outputs (default CORPUS/../<name>-work)")
    ap.add_argument("--classes", default="", help="comma-separated subset of classes (and 'cli')")
    ap.add_argument("--single", action="store_true", help="one analyze run over the whole corpus instead of one per class")
    ap.add_argument("--no-report", action="store_true", help="pass --no-report (faster)")
    ap.add_argument("--idle-timeout", type=float, default=300.0, help="a class run without a new result or error line for this long hangs, s (default %(default)s)")
    ap.add_argument("--class-timeout", type=float, default=4 * 3600.0, help="hard limit per class run, s (default %(default)s)")
    ap.add_argument("--direct-timeout", type=float, default=120.0, help="limit per single-entry run, s (default %(default)s)")
    ap.add_argument("--python", default=sys.executable, help="interpreter that has callcheck importable")
    ap.add_argument("--json", type=Path, default=None, help="write every entry's outcome here")
    ap.add_argument("--label", default="", help="a title for the table")
    ap.add_argument("--rerender", type=Path, default=None, help="print the table of an earlier --json FILE again (no runs)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the running analyze is killed too

    if args.generate:
        build_corpus(args.corpus, seconds=args.seconds, big=args.big)
    meta, entries = load_manifest(args.corpus)
    if args.rerender:
        return rerender(args.rerender, args.corpus, meta, entries, label=args.label, work=args.work)
    corpus = args.corpus.resolve()
    work = (args.work or corpus.parent / f"{corpus.name}-work").resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = dict(os.environ)
    repo = str(HERE.parents[1])
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    wanted = [c for c in args.classes.split(",") if c]
    classes = [c for c in dict.fromkeys(e.cls for e in entries) if not wanted or c in wanted]
    extra = ["--no-report"] if args.no_report else []
    results: list[Result] = []
    stats: dict[str, ClassStats] = {}

    def account(cls: str, run: Run) -> None:
        s = stats.setdefault(cls, ClassStats())
        s.runs += 1
        s.tracebacks += int(run.traceback)
        s.hangs += int(run.timed_out)
        s.warnings += len(run.warnings)
        s.orphans += int(run.orphans)
        s.peak_rss_mb = max(s.peak_rss_mb, run.peak_rss_mb)
        s.wall_s += run.wall_s

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    groups = [("all", [e for e in entries if e.cls in classes])] if args.single else [(c, [e for e in entries if e.cls == c]) for c in classes]
    for gname, group in groups:
        folder = corpus if args.single else corpus / gname
        run = run_analyze([str(folder), *extra], work / gname, timeout_s=args.class_timeout, python=args.python, cwd=work,
                          env=env, idle_s=args.idle_timeout)
        say(f"{gname}: {len(group)} entries, exit {run.rc}{' (timed out)' if run.timed_out else ''}, {run.wall_s:.0f} s, {run.peak_rss_mb:.0f} MB")
        if (run.timed_out or run.traceback) and not args.single:
            # name the hang or the abort: every entry alone (the class run's stats stay counted)
            account(gname, run)
            for i, e in enumerate(group):
                p = str(corpus / e.name)
                r1 = run_analyze([p, *extra], work / f"{gname}-{i:03d}", timeout_s=max(args.direct_timeout, 300.0),
                                 python=args.python, cwd=work, env=env)
                account(e.cls, r1)
                results.extend(classify([(e, p)], r1, f"{gname}-{i:03d}"))
            continue
        account("all" if args.single else gname, run)
        results.extend(classify([(e, str(corpus / e.name)) for e in group], run, gname))
    # direct runs: each oddity alone on the command line
    for i, e in enumerate(e for e in entries if e.direct and e.cls in classes):
        p = str(corpus / e.name)
        run = run_analyze([p, *extra], work / f"direct-{i:03d}", timeout_s=args.direct_timeout, python=args.python, cwd=work, env=env)
        account(e.cls, run)
        res = classify([(e, p)], run, f"direct-{i:03d}")[0]
        res.entry = dataclasses.replace(e, name=e.name + " (direct)")
        results.append(res)
        say(f"direct {e.name}: {res.outcome} ({run.wall_s:.1f} s)")
    cli_results: list[tuple[str, str, str, Run]] = []
    if not wanted or "cli" in wanted:
        for name, a, allowed, what in cli_cases(work, corpus):
            run = run_analyze(a, work / "cli" / name, timeout_s=args.direct_timeout, python=args.python, cwd=work, env=env)
            verdict = check_cli(name, run, allowed)
            cli_results.append((name, what, verdict, run))
            s = stats.setdefault("cli", ClassStats())
            s.entries += 1
            key = "ok" if verdict == "ok" else ("hang" if verdict == "hang" else "traceback" if verdict == "traceback" else "internal-error" if verdict == "internal-error" else "wrong-exit")
            s.outcomes[key] = s.outcomes.get(key, 0) + 1
            s.runs += 1
            s.tracebacks += int(run.traceback)
            s.hangs += int(run.timed_out)
            s.peak_rss_mb = max(s.peak_rss_mb, run.peak_rss_mb)
            s.wall_s += run.wall_s
            say(f"cli {name}: {verdict}")

    for r in results:
        s = stats.setdefault(r.entry.cls, ClassStats())
        s.entries += 1
        s.outcomes[r.outcome] = s.outcomes.get(r.outcome, 0) + 1
    print_table(stats, results, cli_results, label=args.label, meta=meta)
    if args.json:
        args.json.write_text(json.dumps({
            "results": [{"entry": r.entry.name, "class": r.entry.cls, "expect": r.entry.expect, "outcome": r.outcome,
                         "detail": r.detail, "run": r.run} for r in results],
            "cli": [{"case": n, "what": w, "verdict": v, "rc": run.rc, "stderr_tail": run.stderr[-400:]} for n, w, v, run in cli_results],
            "classes": {k: vars(v) for k, v in stats.items()},
        }, indent=1, ensure_ascii=True))
    bad = sum(1 for r in results if r.outcome in DEFECTS) + sum(1 for c in cli_results if c[2] != "ok")
    return 1 if bad else 0


def rerender(path: Path, corpus: Path, meta: dict, entries: list[Entry], *, label: str, work: Path | None = None) -> int:
    """The table of an earlier run, with today's rules for entries that had no outcome."""
    data = json.loads(path.read_text())
    by_name = {e.name: e for e in entries}
    analysed = {str(corpus.resolve() / r["entry"]) for r in data["results"] if r["outcome"] == "analysed"}
    results, stats = [], {}
    for r in data["results"]:
        base = r["entry"].removesuffix(" (direct)")
        e = by_name.get(base) or Entry(base, r["class"], r["expect"], "")
        e = dataclasses.replace(e, name=r["entry"])
        outcome, detail = r["outcome"], r["detail"]
        run = load_run(work, r["run"]) if work else None
        if run is not None and outcome in ("silent-skip", "unclear-line", "traceback"):
            again = classify([(by_name.get(base, e), str(corpus.resolve() / base))], run, r["run"])[0]
            outcome, detail = again.outcome, again.detail
        elif outcome == "silent-skip":
            outcome = _unlisted(str(corpus.resolve() / base), {a: None for a in analysed})
        results.append(Result(e, outcome, detail, r["run"]))
    for k, v in data["classes"].items():
        stats[k] = ClassStats(**{**v, "entries": 0, "outcomes": {}}) if k != "cli" else ClassStats(**v)
    for r in results:
        s = stats.setdefault(r.entry.cls, ClassStats())
        s.entries += 1
        s.outcomes[r.outcome] = s.outcomes.get(r.outcome, 0) + 1
    stats.pop("all", None)

    class _R:  # what print_table reads from a cli run
        def __init__(self, tail):
            self.stderr = tail

    cli = [(c["case"], c["what"], c["verdict"], _R(c["stderr_tail"])) for c in data["cli"]]
    print_table(stats, results, cli, label=label, meta=meta)
    return 0


def print_table(stats: dict[str, ClassStats], results: list[Result], cli_results, *, label: str, meta: dict) -> None:
    cols = ["entries", "analysed", "refused", "noted-partial", "known-limit", "duplicate", "ignored", *DEFECTS]
    short = {"noted-partial": "noted partial", "known-limit": "known limit", "internal-error": "internal error", "silent-skip": "silent skip",
             "silent-partial": "silent partial", "accepted-nonsense": "nonsense accepted",
             "wrongly-refused": "good refused", "unclear-line": "unclear line", "traceback": "traceback/abort"}
    keep = {"entries", "analysed", "refused", "hang", "traceback", "internal-error", "silent-skip", "silent-partial",
            "accepted-nonsense", "unclear-line"}
    used = {k for st in stats.values() for k, v in st.outcomes.items() if v}
    cols = [c for c in cols if c in keep or c in used]  # columns that are 0 everywhere and not a headline defect go
    head = ["class", *[short.get(c, c) for c in cols], "warnings", "orphans", "peak RSS MB"]
    print()
    if label:
        print(f"**{label}**\n")
    direct = sum(1 for r in results if r.entry.name.endswith(" (direct)"))
    print(f"corpus: {len(results) - direct} entries from {Path(meta.get('sample', '')).name} ({meta.get('seconds')} s), "
          f"+ {direct} of them given alone on the command line, + {len(cli_results)} command-line cases\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["--:"] * (len(head) - 1)) + "|")
    total = ClassStats()
    for cls, s in stats.items():
        if cls == "cli":
            continue
        row = [cls, str(s.entries)] + [str(s.outcomes.get(c, 0) or "") for c in cols[1:]] + [str(s.warnings or ""), str(s.orphans or ""), f"{s.peak_rss_mb:.0f}"]
        print("| " + " | ".join(row) + " |")
        total.entries += s.entries
        for k, v in s.outcomes.items():
            total.outcomes[k] = total.outcomes.get(k, 0) + v
        total.warnings += s.warnings
        total.orphans += s.orphans
        total.peak_rss_mb = max(total.peak_rss_mb, s.peak_rss_mb)
    row = ["**all**", f"**{total.entries}**"] + [f"**{total.outcomes.get(c, 0)}**" for c in cols[1:]] + [f"**{total.warnings}**", f"**{total.orphans}**", f"**{total.peak_rss_mb:.0f}**"]
    print("| " + " | ".join(row) + " |")
    if cli_results:
        ok = sum(1 for c in cli_results if c[2] == "ok")
        print(f"\ncommand-line cases: {ok} of {len(cli_results)} as expected")
        for name, what, verdict, run in cli_results:
            if verdict != "ok":
                last = (run.stderr.strip().splitlines() or [""])[-1][:160]
                print(f"  - {name} ({what}): {verdict}: {last}")
    limits = [r for r in results if r.outcome == "known-limit"]
    for r in limits:
        print(f"\nknown limit: {r.entry.name!r} {r.detail}: {r.entry.limit}")
    defects = [r for r in results if r.outcome in DEFECTS]
    if defects:
        print(f"\ndefects ({len(defects)}):")
        for r in defects:
            print(f"  - {r.outcome}: {r.entry.name!r} [{r.entry.what}] {r.detail[:200]}")


if __name__ == "__main__":
    sys.exit(main())
