"""Shared helpers of the ``callcheck serve`` tests: a results folder built from callfactory records
(with findings from the real rules and a synthetic stereo recording per call), the real server
started in a subprocess on a free loopback port, and a logged-in HTTP client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from callcheck.config import Config
from callcheck.rules import evaluate_call
from callfactory import GOOD_DE, GOOD_EN, make_call, replace_turn

REPO = Path(__file__).resolve().parents[1]
# cheaper Argon2 parameters for the many test logins (see callcheck.serve.auth._hasher); the
# production parameters are tested in test_serve_db.test_production_hash_parameters
os.environ["CALLCHECK_TEST_FAST_HASH"] = "1"
EVIL_AGENT = '<img src=x onerror="document.title=\'PWNED\'">'
EVIL_TEXT = "<script>document.title='PWNED'</script>"
EVIL_CALL = "c9"  # the call of the agent with HTML in the name
# a forged record with HTML in its call id: the schema allows only [A-Za-z0-9._-], so the read model
# refuses it and the server must never show it
EVIL_ID = "c9<img src=x onerror=alert(1)>'\"&"
PASSWORDS = {"sup": "sup-password-1", "tom": "trainer-pass-1", "anna": "anna-password1", "ben": "ben-password-1",
             "evil": "evil-password-1"}


def impatient(script=GOOD_DE):
    """The good call with the agent barging in twice (mistake 3)."""
    s = replace_turn(script, 2, overlap=1.6)
    return replace_turn(s, 4, overlap=1.2)


def stereo_wav(path: Path, call: dict[str, Any], sr: int = 16000) -> None:
    """A two-channel recording that follows the call's turns: agent = 220 Hz on the left,
    caller = 330 Hz on the right, amplitude-modulated like syllables."""
    import soundfile as sf

    n = int(round(float(call["duration_s"]) * sr))
    x = np.zeros((n, 2), dtype=np.float32)
    t = np.arange(n) / sr
    for tu in call["turns"]:
        a, b = int(tu["start_s"] * sr), min(n, int(tu["end_s"] * sr))
        ch, f = (0, 220.0) if tu["speaker"] == "agent" else (1, 330.0)
        seg = t[a:b]
        x[a:b, ch] += 0.3 * np.sin(2 * np.pi * f * seg) * (0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * seg))
    sf.write(str(path), x, sr, subtype="PCM_16")


def with_rules(call: dict[str, Any]) -> dict[str, Any]:
    res = evaluate_call(call, config=Config().rules).to_json()
    call.update(res)
    return call


def build_results(out: Path, *, audio: bool = True) -> dict[str, dict[str, Any]]:
    """A results folder: agents anna (3 calls), ben (2 calls), one with an HTML agent name; the
    calls carry findings of the real rules. Returns the records by call id."""
    (out / "calls").mkdir(parents=True, exist_ok=True)
    (out / "audio").mkdir(exist_ok=True)
    specs = [
        ("a1", "anna", "2026-11-02", impatient(GOOD_DE), "de"),
        ("a2", "anna", "2026-11-09", GOOD_DE, "de"),
        ("a3", "anna", "2026-11-20", impatient(GOOD_DE), "de"),
        ("b1", "ben", "2026-11-03", impatient(GOOD_EN), "en"),
        ("b2", "ben", "2026-11-10", replace_turn(GOOD_EN, 3, text=f"It says paper jam {EVIL_TEXT} I checked everywhere."), "en"),
        (EVIL_CALL, EVIL_AGENT, "2026-11-11", impatient(GOOD_EN), "en"),
    ]
    calls = {}
    for cid, agent, date, script, lang in specs:
        wav = out / "audio" / f"{len(calls)}.wav"
        c = make_call(script, call_id=cid, agent=agent, date=date, language=lang, source=str(wav))
        with_rules(c)
        if audio:
            stereo_wav(wav, c)
        (out / "calls" / f"{cid}.json").write_text(json.dumps(c, ensure_ascii=False), encoding="utf-8")
        calls[cid] = c
    forged = dict(calls[EVIL_CALL], call_id=EVIL_ID)
    (out / "calls" / "forged.json").write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    return calls


def add_users(out: Path) -> None:
    from callcheck.serve.auth import add_user
    from callcheck.serve.db import open_engine

    eng = open_engine(out)
    add_user(eng, "sup", role="supervisor", password=PASSWORDS["sup"], language="en")
    add_user(eng, "tom", role="trainer", password=PASSWORDS["tom"], language="en")
    add_user(eng, "anna", role="agent", agent="anna", password=PASSWORDS["anna"], language="de")
    add_user(eng, "ben", role="agent", agent="ben", password=PASSWORDS["ben"], language="en")
    add_user(eng, "evil", role="agent", agent=EVIL_AGENT, password=PASSWORDS["evil"], language="en")
    eng.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m callcheck serve DIR --port P`` in a subprocess (the real command and server)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.startup_s = 0.0
        self.extra_args: list[str] = []  # e.g. ["--db", URL]

    def start(self, timeout_s: float = 60.0) -> "Server":
        import httpx

        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "callcheck", "serve", str(self.out), "--port", str(self.port), *self.extra_args],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.proc.stderr.read()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/session", timeout=1.0).status_code == 200:
                    self.startup_s = time.perf_counter() - t0
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None:
            for f in (self.proc.stdout, self.proc.stderr):
                if f:
                    f.close()
        self.proc = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Client:
    """An HTTP client with its own cookie jar; ``login`` goes through ``POST /login``."""

    def __init__(self, url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=30.0)
        self.csrf = ""
        self.user = None

    def session(self) -> dict[str, Any]:
        r = self.http.get("/api/session")
        assert r.status_code == 200
        self.csrf = r.json()["csrf_token"]
        return r.json()

    def login(self, user: str, password: str | None = None):
        self.session()
        r = self.http.post("/login", data={"username": user, "password": password or PASSWORDS[user], "csrf_token": self.csrf})
        if r.status_code == 303:
            self.session()
            self.user = user
        return r

    def get(self, path: str, **kw):
        return self.http.get(path, **kw)

    def post(self, path: str, *, json_body: Any = None, data: Any = None, csrf: str | None = "auto", **kw):
        headers = dict(kw.pop("headers", {}) or {})
        if csrf == "auto":
            csrf = self.csrf
        if csrf is not None and json_body is not None:
            headers["X-CSRF-Token"] = csrf
        if data is not None and csrf is not None:
            data = dict(data, csrf_token=csrf)
        return self.http.post(path, json=json_body, data=data, headers=headers, **kw)

    def close(self) -> None:
        self.http.close()
