"""Where data leaves the analysis: muted audio (snippets, clips, streams), owner-only files, the
server database, pseudonymised team views, and ``callcheck forget`` leaving no trace."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest

from callcheck.calljob import analyse_and_write
from callcheck.discover import discover
from callcheck.config import Config, PrivacyConfig
from callcheck.privacy import mute_record_audio, pseudonym, record_intervals
from tests.conftest import SAMPLES, ScriptedTranscriber, truth_of

WAVS = [SAMPLES / "sonja" / "de01_good_practice.wav", SAMPLES / "sonja" / "de05_unclear.wav",
        SAMPLES / "ben" / "en04_rushed_too_fast.wav"]
CALLER_PII = ("Wagner", "Becker")  # callers' surnames in the samples' scripts


def _analyse_folder(out: Path, config: Config) -> None:
    for wav in WAVS:
        info = discover([wav], manifest=None, config=config, out_dir=out).calls[0]
        o = analyse_and_write(info, out, config=config, transcriber=ScriptedTranscriber(truth_of(wav)))
        assert o.status == "done", o.reason
    from callcheck.api import _judge_and_render

    _judge_and_render(out, config)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Three sample calls (scripted transcripts), judged and rendered, indexed by the server with
    a review, an audit entry and a coaching session on de05."""
    out = tmp_path_factory.mktemp("privacy") / "out"
    _analyse_folder(out, Config())
    from callcheck.serve import coaching, db
    from callcheck.serve.index import sync

    engine = db.open_engine(out)
    sync(engine, out)
    with engine.begin() as conn:
        row = conn.execute(db.findings.select().where(db.findings.c.call_id == "de05_unclear")).first()
        fid = row.finding_id if row is not None else "de05_unclear.M5_UNCLEAR.12000"
        conn.execute(db.reviews.insert().values(finding_id=fid, call_id="de05_unclear", rule_id="M5_UNCLEAR",
                                                reviewer="sup", role="supervisor", verdict="confirmed", comment="ok",
                                                fingerprint="0" * 16, created_at=db.now_iso()))
        conn.execute(db.audit.insert().values(at=db.now_iso(), username="sup", role="supervisor", action="open_call",
                                              call_id="de05_unclear", detail=None))
        conn.execute(db.audit.insert().values(at=db.now_iso(), username="sup", role="supervisor", action="review",
                                              call_id="de05_unclear", detail=f"{fid} confirmed"))
        conn.execute(db.users.insert().values(username="ben.c", password_hash="x", role="agent", agent="ben",
                                              created_at=db.now_iso(), updated_at=db.now_iso()))
    sid = coaching.create_session(engine, title="Sonja week 12", created_by="sup", agent="sonja")
    coaching.add_item(engine, sid, kind="finding", call_id="de05_unclear", finding_id=fid)
    coaching.record_coaching(engine, agent="ben", mistake=7, date="2026-03-01", recorded_by="sup")
    engine.dispose()
    return out


def _copy(folder: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "out"
    shutil.copytree(folder, dst)
    return dst


def _mentions(root: Path, pattern: str) -> list[str]:
    rx = re.compile(pattern, re.IGNORECASE)
    hits = []
    for p in root.rglob("*"):  # folder names too (report snippets live in audio/<call_id>/)
        rel = str(p.relative_to(root))
        if rx.search(rel) or p.is_file() and rx.search(p.read_bytes().decode("utf-8", "ignore")):
            hits.append(rel)
    return hits


def _db_mentions(out: Path, needle: str) -> list[str]:
    con = sqlite3.connect(out / "serve" / "callcheck.db")
    try:
        hits = []
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            if t.startswith("turns_fts_"):
                continue  # FTS shadow tables: checked through the index below
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            for row in con.execute(f'SELECT * FROM "{t}"'):
                for c, v in zip(cols, row):
                    if isinstance(v, str) and needle.lower() in v.lower():
                        hits.append(f"{t}.{c}")
        n = con.execute("SELECT count(*) FROM turns_fts WHERE turns_fts MATCH ?", (f'"{needle}"',)).fetchone()[0]
        if n:
            hits.append("turns_fts")
        return hits
    finally:
        con.close()


# ------------------------------------------------------------------------------------------ audio


def test_mute_record_audio_mutes_every_channel_with_offset():
    sr = 8000
    x = np.full((2, sr * 4), 0.5, dtype=np.float32)
    rec = {"privacy": {"mode": "caller", "spans": [{"kind": "iban", "speaker": "caller", "start_s": 2.0, "end_s": 2.5}]},
           "config": {"privacy": {"margin_s": 0.1, "fade_s": 0.0, "audio": "mute"}}}
    y = mute_record_audio(x, sr, rec)  # settings from the record's echoed config
    assert np.all(y[:, int(1.9 * sr):int(2.6 * sr)] == 0) and y[0, int(1.85 * sr)] == 0.5 and y[1, int(2.7 * sr)] == 0.5
    # a piece cut from 1.5 s on: the span sits at 0.5 s in it
    z = mute_record_audio(x[:, int(1.5 * sr):], sr, rec, offset_s=1.5, channel_party="agent")
    assert np.all(z[:, int(0.4 * sr):int(1.1 * sr)] == 0) and z[0, 0] == 0.5
    b = mute_record_audio(x[0], sr, rec, config=PrivacyConfig(audio="beep", margin_s=0.0, fade_s=0.0))
    seg = b[int(2.05 * sr):int(2.45 * sr)]
    assert 0.02 < float(np.sqrt(np.mean(seg ** 2))) < 0.05  # the beep at -30 dBFS, no speech left
    assert record_intervals({"privacy": {"mode": "off", "spans": []}}) == ()


def test_report_and_clip_pieces_are_muted(folder):
    from callcheck.audio.io import load_audio
    from callcheck.record import load_record
    from callcheck.report.audio import cut
    from callcheck.report.digest import digest_call

    rec = load_record(folder / "calls" / "de05_unclear.json")
    span = next(s for s in rec.pii_spans if s.speaker == "caller")
    audio = load_audio(rec.audio_path)
    mute = digest_call(rec, file="de05_unclear.json", verdict="", pad_s=1.0, max_s=12.0).pii  # what pages and clips cut with
    piece, sr = cut(audio, span.start_s, span.end_s, mute=mute, pad_s=1.0, max_s=12.0)
    a = int((1.0 - 0.05) * sr)
    assert np.max(np.abs(piece[a:a + int((span.end_s - span.start_s + 0.1) * sr)])) == 0.0
    assert np.max(np.abs(piece[: int(0.5 * sr)])) > 0.0 or np.max(np.abs(piece)) > 0.0


def test_serve_streams_only_muted_copies(folder, tmp_path):
    import av

    from callcheck.record import load_record
    from callcheck.serve.audio import cache_dir, playable_file

    out = _copy(folder, tmp_path)
    rec = load_record(out / "calls" / "de05_unclear.json")
    assert rec.pii_spans
    path, media = playable_file(out, "de05_unclear", rec.source)
    assert media == "audio/ogg" and path.parent == cache_dir(out) and stat.S_IMODE(path.stat().st_mode) == 0o600
    with av.open(str(path)) as f:
        frames = [fr.to_ndarray() for fr in f.decode(audio=0)]
    y = np.concatenate(frames, axis=1).astype(np.float64)
    y = y / 32768.0 if np.abs(y).max() > 2 else y
    for s in rec.pii_spans:
        a, b = int((s.start_s + 0.03) * 48000), int((s.end_s - 0.03) * 48000)
        if b > a:
            assert np.sqrt(np.mean(y[:, a:b] ** 2)) < 1e-3, s
    assert np.sqrt(np.mean(y ** 2)) > 1e-3  # the rest is there
    # a compressed original (browser-playable) is not served as it is either
    ogg = tmp_path / "de05.ogg"
    with av.open(str(ogg), "w", format="ogg") as o:
        st = o.add_stream("libopus", rate=48000, layout="stereo")
        fr = av.AudioFrame.from_ndarray(np.zeros((2, 48000), np.float32), format="fltp", layout="stereo")
        fr.sample_rate = 48000
        for p in st.encode(fr):
            o.mux(p)
        for p in st.encode(None):
            o.mux(p)
    p2, _ = playable_file(out, "de05_unclear", str(ogg), record=rec)
    assert p2 != ogg and p2.parent == cache_dir(out)
    # no record, no audio
    from callcheck.serve.audio import AudioUnavailable

    with pytest.raises(AudioUnavailable):
        playable_file(out, "no-such-call", rec.source)


def test_database_and_outputs_are_owner_only(folder):
    for p in folder.rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (str(p.relative_to(folder)), oct(mode))


def test_no_caller_pii_outside_private(folder):
    for name in CALLER_PII:
        hits = [h for h in _mentions(folder, rf"\b{name}\b") if not h.startswith("private")]
        assert hits == [], (name, hits)
        assert _db_mentions(folder, name) == [], name
    assert _mentions(folder / "private", r"\bBecker\b")  # the transcript cache has the clear text


# ------------------------------------------------------------------------------------------ forget


def test_forget_call_leaves_no_trace(folder, tmp_path):
    from callcheck.privacy import forget

    out = _copy(folder, tmp_path)
    assert _mentions(out, r"de05_unclear") and _db_mentions(out, "de05_unclear")
    dry = forget(out, call_ids=["de05_unclear"], dry_run=True)
    assert dry.removed_files and (out / "calls" / "de05_unclear.json").is_file()
    s = forget(out, call_ids=["de05_unclear"])
    assert [t.call_id for t in s.targets] == ["de05_unclear"] and not s.leftovers
    text = "\n".join(s.lines)
    assert "removed calls/de05_unclear.json" in text and "transcript cache" in text and "database" in text
    assert _mentions(out, r"de05_unclear") == []
    assert _db_mentions(out, "de05_unclear") == []
    assert b"de05_unclear" not in (out / "serve" / "callcheck.db").read_bytes()
    # the audit log keeps that something was opened, not what
    con = sqlite3.connect(out / "serve" / "callcheck.db")
    assert ("open_call", None, "forgotten call") in con.execute("SELECT action, call_id, detail FROM audit").fetchall()
    con.close()
    # the other calls and the reports stand
    assert {p.stem for p in (out / "calls").glob("*.json")} == {"de01_good_practice", "en04_rushed_too_fast"}
    assert (out / "index.html").is_file() and "de01_good_practice" in (out / "index.html").read_text(encoding="utf-8") \
        or (out / "agents" / "sonja.html").is_file()
    before = sorted(p.name for p in (out / "private" / "transcripts").iterdir())
    assert len(before) == 4  # two calls, two parties each


def test_forget_agent_leaves_no_trace(folder, tmp_path):
    from callcheck.privacy import forget

    out = _copy(folder, tmp_path)
    s = forget(out, agents=["ben"])
    assert [t.call_id for t in s.targets] == ["en04_rushed_too_fast"]
    assert _mentions(out, r"en04_rushed_too_fast") == []
    assert [h for h in _mentions(out, r"(?<!\w)ben(?!\w)")] == []
    assert _db_mentions(out, "en04_rushed") == []
    con = sqlite3.connect(out / "serve" / "callcheck.db")
    assert con.execute("SELECT count(*) FROM users WHERE agent='ben'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM coachings WHERE agent='ben'").fetchone()[0] == 0
    con.close()
    assert not (out / "agents" / "ben.html").exists() and (out / "agents" / "sonja.html").is_file()


def test_forget_before_and_retention(folder, tmp_path):
    from callcheck.privacy.purge import apply_retention, forget, select_calls

    out = _copy(folder, tmp_path)
    dates = {t.call_id: t.date for t in select_calls(out, before="9999-01-01")}
    assert len(dates) == 3 and all(dates.values())
    assert forget(out, before="1900-01-01").targets == ()
    # pretend de01 is from 2001
    f = out / "calls" / "de01_good_practice.json"
    data = json.loads(f.read_text(encoding="utf-8"))
    data["date"] = "2001-02-03"
    f.write_text(json.dumps(data), encoding="utf-8")
    s = apply_retention(out, 365)
    assert s is not None and [t.call_id for t in s.targets] == ["de01_good_practice"]
    assert not f.exists() and apply_retention(out, 365) is None and apply_retention(out, 0) is None


def test_forget_cli(folder, tmp_path):
    from typer.testing import CliRunner

    from callcheck.cli import app

    out = _copy(folder, tmp_path)
    r = CliRunner().invoke(app, ["forget", str(out), "--call", "de01_good_practice", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "would be removed calls/de01_good_practice.json" in r.output and (out / "calls" / "de01_good_practice.json").exists()
    r = CliRunner().invoke(app, ["forget", str(out), "--call", "de01_good_practice"])
    assert r.exit_code == 0 and "1 call forgotten" in r.output
    assert not (out / "calls" / "de01_good_practice.json").exists()
    r = CliRunner().invoke(app, ["forget", str(out)])
    assert r.exit_code == 2
    r = CliRunner().invoke(app, ["forget", str(out), "--before", "3/11/26"])
    assert r.exit_code == 2


# ------------------------------------------------------------------------------------------ pseudonyms


def test_pseudonyms_are_stable_per_folder(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    p = pseudonym("Sonja Müller", a)
    assert re.fullmatch(r"Agent-[0-9A-Z]{5}", p)
    assert pseudonym("sonja   müller", a) == p and pseudonym("Sonja Müller", a) == p
    assert pseudonym("Ben", a) != p and pseudonym("Sonja Müller", b) != p
    assert stat.S_IMODE((a / "private" / "pseudonym.key").stat().st_mode) == 0o600


def test_team_views_use_pseudonyms(tmp_path):
    import dataclasses

    from callcheck.serve import db
    from callcheck.serve.export import export
    from callcheck.serve.index import sync

    out = tmp_path / "out"
    cfg = dataclasses.replace(Config(), privacy=PrivacyConfig(pseudonyms=True))
    _analyse_folder(out, cfg)
    team = (out / "index.html").read_text(encoding="utf-8") + (out / "team.csv").read_text(encoding="utf-8")
    for name in ("sonja", "ben"):
        assert not re.search(rf"(?<!\w){name}(?!\w)", team, re.IGNORECASE), name
        page = out / "agents" / f"{pseudonym(name, out)}.html"
        assert pseudonym(name, out) in team and page.is_file()
        assert re.search(rf"(?<!\w){name}(?!\w)", page.read_text(encoding="utf-8"), re.IGNORECASE)  # own page: the name
    engine = db.open_engine(out)
    sync(engine, out)
    export(engine, "calls", "csv", out / "exports" / "calls.csv", pseudonyms=out)
    engine.dispose()
    csv_text = (out / "exports" / "calls.csv").read_text(encoding="utf-8")
    assert pseudonym("sonja", out) in csv_text and not re.search(r"(?<!\w)sonja(?!\w)", csv_text, re.IGNORECASE)


def test_forget_on_a_postgresql_server_database(folder, tmp_path, pg, monkeypatch):
    """The server's database by URL (``CALLCHECK_DB_URL``, PostgreSQL with its tsvector search):
    forget deletes the call's rows there too and the search finds nothing of it."""
    from sqlalchemy import text

    from callcheck.privacy import forget
    from callcheck.serve import db
    from callcheck.serve.index import sync

    out = _copy(folder, tmp_path)
    shutil.rmtree(out / "serve")
    monkeypatch.setenv(db.DB_URL_ENV, pg.new_database())
    engine = db.open_engine(out)
    sync(engine, out)

    def rows() -> dict[str, int]:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t} WHERE call_id = 'de05_unclear'")).scalar_one()
                    for t in ("calls", "turns", "findings")}

    assert rows()["turns"] > 0
    s = forget(out, call_ids=["de05_unclear"])
    assert not s.leftovers and any("database" in line and "@" not in line for line in s.lines), s.lines
    assert rows() == {"calls": 0, "turns": 0, "findings": 0}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM turns WHERE tsv @@ to_tsquery('simple', 'de05_unclear')")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM calls")).scalar_one() == 2
    engine.dispose()
    assert _mentions(out, r"de05_unclear") == []
