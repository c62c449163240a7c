"""Batch and command-line findings of the fuzz corpus (issue 15, part 2: ``batch.py``/``cli.py``).

Each test states the behaviour the issue asks for. Those that fail on the current batch/cli code
are marked ``xfail`` with the finding; they pass (``XPASS``, not strict) once part 2 is merged, and
the mark is then removed. They run ``python -m callcheck analyze`` in a subprocess; those that need
the real model to analyse a good call are ``slow``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from conftest import REPO, SAMPLES

PART2 = "issue 15 part 2 (batch.py/cli.py, helper api): "
GOOD_DE = SAMPLES / "sonja" / "de01_good_practice.wav"


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def _analyze(args, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """The run with stdout/stderr decoded as they are (no newline translation: a raw CR counts)."""
    r = subprocess.run([sys.executable, "-m", "callcheck", "analyze", *map(str, args)], cwd=cwd, env=_env(),
                       capture_output=True, timeout=timeout)
    r.stdout = r.stdout.decode("utf-8", "surrogateescape")
    r.stderr = r.stderr.decode("utf-8", "surrogateescape")
    return r


def _short_call(path: Path, seconds: float = 6.0) -> Path:
    x, rate = sf.read(GOOD_DE, dtype="float32", always_2d=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, x[: int(seconds * rate)], rate, subtype="PCM_16")
    return path


def _error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.split("\n") if ln.startswith("error: ")]


def _failure_rows(out: Path) -> list[dict]:
    with (out / "failures.csv").open(newline="", encoding="utf-8", errors="surrogateescape") as fh:
        return list(csv.DictReader(fh))


def _sources(out: Path) -> set[str]:
    return {os.path.abspath(json.loads(f.read_text())["source"]) for f in (out / "calls").glob("*.json")}


# ------------------------------------------------------------------------------ names and paths


@pytest.mark.slow
def test_long_name_in_a_batch_of_three_leaves_the_other_two_analysed(tmp_path):
    inbox = tmp_path / "in" / "sonja"
    a = _short_call(inbox / "a.wav")
    shutil.copy(a, inbox / "b.wav")
    long_ = inbox / ("x" * 251 + ".wav")
    shutil.copy(a, long_)
    out = tmp_path / "out"
    r = _analyze([tmp_path / "in", "--out", out, "--no-report"], tmp_path)
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    assert r.returncode in (0, 1), r.stderr[-2000:]
    done = _sources(out)
    assert {str(inbox / "a.wav"), str(inbox / "b.wav")} <= done
    failed = {os.path.abspath(row["path"]) for row in _failure_rows(out)}
    assert str(long_) in done | failed  # all three in the outcome
    for f in (out / "calls").glob("*.json"):
        assert len(f.name.encode()) <= 255


@pytest.mark.slow
def test_stem_of_250_characters_and_long_manifest_call_id_are_analysed(tmp_path):
    inbox = tmp_path / "in" / "sonja"
    stem = "y" * 250
    _short_call(inbox / f"{stem}.wav")
    (tmp_path / "m.csv").write_text(f"path,agent,call_id\nin/sonja/{stem}.wav,sonja,{'c' * 300}\n")
    for args, out in (([tmp_path / "in"], tmp_path / "out1"), (["--manifest", tmp_path / "m.csv"], tmp_path / "out2")):
        r = _analyze([*args, "--out", out, "--no-report"], tmp_path)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
        (f,) = list((out / "calls").glob("*.json"))
        assert len(f.name.encode()) <= 200  # room for the temporary name's prefix and suffix
    # the id is stable: the same input gives the same shortened id
    r = _analyze([tmp_path / "in", "--out", tmp_path / "out1", "--no-report"], tmp_path)
    assert "0 analysed, 1 unchanged" in r.stdout


@pytest.mark.slow
def test_agent_is_the_same_however_the_path_is_typed(tmp_path):
    folder = tmp_path / "sonja"
    _short_call(folder / "call.wav", 3.0)
    agents = {}
    for name, cwd, arg in (("bare", folder, "call.wav"), ("dot", folder, "./call.wav"),
                           ("abs", tmp_path, folder / "call.wav"), ("up", folder, "../sonja/call.wav")):
        out = tmp_path / f"out-{name}"
        r = _analyze([arg, "--out", out, "--no-report"], cwd)
        assert r.returncode == 0, r.stderr[-2000:]
        (f,) = list((out / "calls").glob("*.json"))
        d = json.loads(f.read_text())
        agents[name] = (d["agent"], d["settings_hash"])
    assert len(set(agents.values())) == 1, agents
    assert agents["abs"][0] == "sonja"


# --------------------------------------------------------------------------- non-regular files


@pytest.mark.slow
def test_fifo_device_links_and_loops_in_a_folder_are_reported_and_skipped(tmp_path):
    inbox = tmp_path / "in" / "sonja"
    _short_call(inbox / "good.wav", 3.0)
    os.mkfifo(inbox / "fifo.wav")
    (inbox / "zero.wav").symlink_to("/dev/zero")
    (inbox / "loop.wav").symlink_to(inbox / "loop.wav")
    (inbox / "dangling.wav").symlink_to(inbox / "missing.wav")
    (inbox / "folder.wav").mkdir()
    out = tmp_path / "out"
    r = _analyze([tmp_path / "in", "--out", out, "--no-report"], tmp_path, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert _sources(out) == {str(inbox / "good.wav")}
    lines = _error_lines(r.stderr)
    rows = {os.path.abspath(row["path"]) for row in _failure_rows(out)}
    for name, why in (("fifo.wav", "named pipe"), ("zero.wav", "device"), ("loop.wav", "loop"),
                      ("dangling.wav", "dangling"), ("folder.wav", "folder")):
        p = str(inbox / name)
        assert p in rows, (name, rows)
        naming = [ln for ln in lines if p in ln]
        assert len(naming) == 1 and why in naming[0], (name, naming)


def test_dev_zero_and_a_fifo_as_arguments_end_with_one_line(tmp_path):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    try:
        r = _analyze(["/dev/zero", fifo, "--out", out, "--no-report"], tmp_path, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("analyze /dev/zero pipe.wav hangs")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    lines = _error_lines(r.stderr)
    assert lines == [
        "error: /dev/zero: is a character device, not an audio file; callcheck reads regular files only",
        f"error: {fifo}: is a named pipe (FIFO), not an audio file; callcheck reads regular files only",
    ]


def test_a_30_percent_truncated_mp3_is_refused_in_one_line(tmp_path):
    x, rate = sf.read(GOOD_DE, dtype="float32", always_2d=True)
    full = tmp_path / "full.mp3"
    sf.write(full, x, rate, format="MP3", subtype="MPEG_LAYER_III")
    cut = tmp_path / "in" / "sonja" / "cut.mp3"
    cut.parent.mkdir(parents=True)
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) * 30 // 100])
    out = tmp_path / "out"
    r = _analyze([tmp_path / "in", "--out", out, "--no-report"], tmp_path, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-1500:]
    (line,) = _error_lines(r.stderr)
    assert re.fullmatch(rf"error: {re.escape(str(cut))}: decoded \d+\.\d s of the 42\.7 s the file header states \(\d\d %\); the file is truncated or damaged", line), line
    assert [row["path"] for row in _failure_rows(out)] == [str(cut)]
    assert not list((out / "calls").glob("*.json"))


# ------------------------------------------------------------------------- usage and manifests


def test_usage_errors_are_one_line_and_exit_2(tmp_path):
    call = tmp_path / "call.wav"
    call.write_bytes(b"")  # never reached
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    cases = [
        ["--config", tmp_path / "dir", call, "--out", tmp_path / "o1"],
        ["--manifest", tmp_path / "dir", "--out", tmp_path / "o2"],
        [call, "--out", tmp_path / "file"],
        [call, "--out", tmp_path / "file" / "sub"],
    ]
    for args in cases:
        r = _analyze(args, tmp_path, timeout=120)
        assert "Traceback" not in r.stderr, (args, r.stderr[-1500:])
        assert r.returncode == 2, (args, r.returncode, r.stderr[-500:])
        assert len(_error_lines(r.stderr)) == 1, (args, r.stderr)


def test_manifest_row_pointing_to_a_symlink_loop_is_one_failure(tmp_path):
    (tmp_path / "l1.wav").symlink_to(tmp_path / "l2.wav")
    (tmp_path / "l2.wav").symlink_to(tmp_path / "l1.wav")
    (tmp_path / "m.csv").write_text("path,agent\nl1.wav,a\n")
    out = tmp_path / "out"
    r = _analyze(["--manifest", tmp_path / "m.csv", "--out", out], tmp_path, timeout=120)
    assert "Traceback" not in r.stderr, r.stderr[-1500:]
    assert r.returncode == 1
    assert [ln for ln in _error_lines(r.stderr)] == [f"error: {tmp_path / 'l1.wav'}: symbolic link loop (the link never reaches a file)"]


# --------------------------------------------------------------------------- what users see


def test_failures_csv_cells_cannot_start_a_formula(tmp_path):
    names = ["=HYPERLINK(1).wav", "+1+2.wav", "@SUM(A1).wav", "-1-2.wav"]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    out = tmp_path / "out"
    r = _analyze([".", "--out", out], tmp_path, timeout=120)
    assert r.returncode == 1, r.stderr[-1500:]
    rows = list(csv.reader((out / "failures.csv").open(encoding="utf-8")))
    assert len(rows) == 1 + len(names)
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", row


def test_error_lines_escape_control_characters(tmp_path):
    names = ["bad\nnewline.wav", "bad\x1b[31mred.wav", "bad\rreturn.wav"]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    out = tmp_path / "out"
    r = _analyze([tmp_path, "--out", out], tmp_path, timeout=120)
    assert r.returncode == 1
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", r.stderr), repr(r.stderr)
    lines = _error_lines(r.stderr)
    assert len(lines) == len(names), lines
    for ln in lines:
        assert "empty file (0 bytes)" in ln
    assert any("bad\\nnewline.wav" in ln for ln in lines) and any("bad\\x1b[31mred.wav" in ln for ln in lines), lines
    # the CSV keeps the real path (quoted), so the file can be found
    assert {row["path"] for row in _failure_rows(out)} == {str(tmp_path / n) for n in names}


# ------------------------------------------------------------------------ leftovers and locks


def test_stale_temporary_files_anywhere_in_out_are_removed(tmp_path):
    out = tmp_path / "out"
    stale = [out / "agents" / ".sonja.html.k2j3h4.tmp", out / ".cache" / "transcripts" / ".abc.json.x1.tmp",
             out / "calls" / ".c.json.y2.tmp", out / ".index.html.z3.tmp"]
    for f in stale:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"x" * 1000)
    keep = out / "agents" / "notes.tmp"  # not one of ours (no leading dot)
    keep.write_text("mine")
    (tmp_path / "empty.wav").write_bytes(b"")
    r = _analyze([tmp_path / "empty.wav", "--out", out], tmp_path, timeout=120)
    assert r.returncode == 1
    assert [f for f in stale if f.exists()] == []
    assert keep.exists()


def _children(pid: int) -> list[int]:
    kids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                kids.append(int(d.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_kill_9_of_the_parent_leaves_no_worker_after_5_s(tmp_path):
    inbox = tmp_path / "in" / "sonja"
    a = _short_call(inbox / "a.wav", 20.0)
    for k in range(3):
        shutil.copy(a, inbox / f"b{k}.wav")
    cmd = [sys.executable, "-m", "callcheck", "analyze", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--workers", "2", "--no-report"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 300
        kids: list[int] = []
        while time.time() < deadline and proc.poll() is None:
            kids = _children(proc.pid)
            if len(kids) >= 2:
                break
            time.sleep(0.2)
        assert len(kids) >= 2, "the workers never started"
        time.sleep(2.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(5.0)
        left = [k for k in kids if _alive(k)]
        assert left == [], f"workers {left} outlived their parent"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_a_second_concurrent_run_on_the_same_out_exits_2_or_waits(tmp_path):
    inbox = tmp_path / "in" / "sonja"
    a = _short_call(inbox / "a.wav", 40.0)
    for k in range(2):
        shutil.copy(a, inbox / f"b{k}.wav")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "callcheck", "analyze", str(tmp_path / "in"), "--out", str(out), "--no-report"]
    first = subprocess.Popen(cmd, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not out.exists():
            time.sleep(0.1)
        assert out.exists()
        second = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=900)
        first_out, _ = first.communicate(timeout=900)
        assert first.returncode == 0
        if second.returncode == 2:
            assert len(_error_lines(second.stderr)) == 1 and str(out) in second.stderr, second.stderr
        else:  # it waited for the first run and then found everything done
            assert second.returncode == 0 and "0 analysed, 3 unchanged" in second.stdout, (second.stdout, second.stderr[-800:])
    finally:
        try:
            os.killpg(first.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_run_on_a_held_out_folder_exits_2_naming_the_holder(tmp_path):
    """The fast half of the lock test: this process holds OUT's lock, the command line stops at once."""
    from callcheck.batch import OutLock

    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "empty.wav").write_bytes(b"")
    stale = out / "agents" / ".a.html.x1.tmp"
    stale.parent.mkdir()
    stale.write_bytes(b"x")
    with OutLock(out):
        assert not stale.exists()  # removed once the lock is held
        stale.write_bytes(b"x")  # the holder's own temporary file: the refused run leaves it alone
        r = _analyze([tmp_path / "empty.wav", "--out", out], tmp_path, timeout=120)
        assert r.returncode == 2, r.stderr[-800:]
        assert _error_lines(r.stderr) == [f"error: {out}: another callcheck run (pid {os.getpid()}) is writing to this "
                                          "folder; wait for it to finish, or give another --out"]
        assert stale.exists() and not (out / "failures.csv").exists()
    r = _analyze([tmp_path / "empty.wav", "--out", out], tmp_path, timeout=120)  # released: runs
    assert r.returncode == 1 and not stale.exists(), r.stderr[-800:]


def test_agent_from_odd_folder_names_stays_sane():
    import unicodedata

    from callcheck.discover import agent_from_path

    assert agent_from_path(Path("/call.wav"), "") is None  # no folder: 'unknown' in the record
    assert agent_from_path(Path("/calls/.../a.wav"), "") == "..."
    assert agent_from_path(Path("/calls/sonja/./a.wav"), "") == "sonja"
    assert agent_from_path(Path("/calls/sonja/x/../a.wav"), "") == "sonja"
    nfd = unicodedata.normalize("NFD", "Jürgen")  # how macOS names the folder
    assert agent_from_path(Path(f"/calls/{nfd}/a.wav"), "") == unicodedata.normalize("NFC", "Jürgen")
    assert agent_from_path(Path("/calls/ an\x1b[31mna\u202e\n /a.wav"), "") == "an[31mna"
    assert agent_from_path(Path("/calls/\u200b\x07/a.wav"), "") == "\u200b"  # format characters other than bidi controls stay (ZWNJ in Persian names); the bell goes
    assert agent_from_path(Path("/calls/\x07\t/a.wav"), "") is None


def test_a_name_that_is_not_utf8_survives_records_and_failures_csv(tmp_path):
    from callcheck.calljob import Failure
    from callcheck.batch import write_failures
    from callcheck.fsutil import atomic_write
    from callcheck.result import dumps

    name = os.fsdecode(b"/calls/latin1_\xe9t\xe9.wav")  # lone surrogates, as os.listdir gives them
    text = dumps({"source": name})
    text.encode("utf-8")  # strict: the record is valid UTF-8
    assert json.loads(text)["source"] == name
    atomic_write(tmp_path / "page.html", f"<p>{name}</p>")
    assert (tmp_path / "page.html").read_bytes() == b"<p>/calls/latin1_\xe9t\xe9.wav</p>"
    write_failures(tmp_path, [Failure(name, f"{name}: empty file (0 bytes)", "latin1_tt")])
    assert [r["path"] for r in _failure_rows(tmp_path)] == [name]
