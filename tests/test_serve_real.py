"""callcheck serve on a really analysed sample (real Whisper model: slow, ``pytest -m slow``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("starlette")

from serve_support import REPO, Client, Server

pytestmark = pytest.mark.slow


def test_analysed_sample_is_served_with_findings_words_and_audio(tmp_path):
    wav = REPO / "samples" / "ben" / "en03_impatient_knowitall.wav"
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "callcheck", "analyze", str(wav), "--out", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    rec = json.loads((out / "calls" / "en03_impatient_knowitall.json").read_text(encoding="utf-8"))
    from callcheck.serve.auth import add_user
    from callcheck.serve.db import open_engine

    add_user(open_engine(out), "sup", role="supervisor", password="sup-password-1")
    with Server(out) as srv:
        c = Client(srv.url)
        c.login("sup", "sup-password-1")
        d = c.get("/api/calls/en03_impatient_knowitall").json()
        assert {f["rule_id"] for f in d["findings"]} >= {"M3_IMPATIENT"} and len(d["words"]) == len(rec["words"])
        page = c.get("/calls/en03_impatient_knowitall").text
        assert page.count('class="w') >= len(rec["words"]) - 2 and "M3_IMPATIENT" in page
        hits = c.get("/api/search", params={"q": "router"}).json()["hits"]
        assert hits and all(abs(h["start_s"] - next(w["start_s"] for w in rec["words"]
                                                      if w["start_s"] >= h["turn_start_s"] - 0.01 and "router" in w["text"].lower())) < 0.01
                            for h in hits)
        a = c.get("/api/calls/en03_impatient_knowitall/audio", headers={"Range": "bytes=0-3"})
        assert a.status_code == 206 and a.content == b"OggS"
        c.close()
