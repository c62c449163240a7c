"""The spine: layouts, activity against the samples' truth, the per-call JSON (contract, schema,
invariants) and batches (failures, atomic results, resume) — with a scripted transcriber.
The real model is exercised in test_end_to_end.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck.audio.activity import stereo_activity
from callcheck.audio.io import load_audio
from callcheck.calljob import analyse_and_write
from callcheck.discover import discover
from callcheck.batch import write_failures
from callcheck.config import Config
from callcheck.errors import AudioError, ConfigError
from callcheck.pipeline import resolve_layout
from callcheck.result import validate_call_json
from callcheck.types import CallAudio, Interval

from conftest import ScriptedTranscriber, sample_wavs, truth_of

CONTRACT_SPEAKER_KEYS = {
    "talk_time_s", "talk_share", "speech_rate_wpm", "articulation_rate_sps", "f0_median_hz",
    "f0_variation_st", "word_confidence_mean", "monotony",
}
CONTRACT_TOP_KEYS = {
    "schema_version", "call_id", "agent", "source", "duration_s", "language", "layout", "speakers",
    "words", "turns", "overlaps", "greeting", "findings",
}


def _audio(ch: int, *, same: bool = False) -> CallAudio:
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.1, (ch, 8000)).astype(np.float32)
    if same and ch == 2:
        x[1] = x[0]
    return CallAudio("x.wav", x, 8000)


def test_layout_resolution():
    assert resolve_layout("auto", _audio(2))[0] == "agent-left"
    assert resolve_layout("auto", _audio(1))[0] == "mono"
    lay, mono, notes = resolve_layout("auto", _audio(2, same=True))
    assert lay == "mono" and notes == ("both channels are identical: analysed as mono",)
    assert resolve_layout("agent-right", _audio(2))[0] == "agent-right"
    with pytest.raises(AudioError, match=r"^x.wav has 1 channel, but layout agent-left needs 2; use --layout mono$"):
        resolve_layout("agent-left", _audio(1))
    lay, mono, notes = resolve_layout("mono", _audio(2))
    assert lay == "mono" and mono.shape == (8000,) and "mixed" in notes[0]
    with pytest.raises(ConfigError):
        resolve_layout("left", _audio(2))


def _coverage(found: tuple[Interval, ...], truth: list[tuple[float, float]]) -> tuple[float, float]:
    """(share of true speech found, share of found activity that is true speech ±0.15 s)."""
    t_total = sum(e - s for s, e in truth)
    hit = sum(Interval(s, e).overlap_s(f) for s, e in truth for f in found)
    f_total = sum(f.duration_s for f in found)
    inside = sum(Interval(s - 0.15, e + 0.15).overlap_s(f) for s, e in truth for f in found)
    return hit / t_total, inside / f_total


@pytest.mark.parametrize("wav", sample_wavs(), ids=lambda p: p.stem)
def test_activity_matches_truth_and_ignores_crosstalk(wav):
    truth = truth_of(wav)
    audio = load_audio(wav)
    cfg = Config().activity
    segs = {p: [(s["start_s"], s["end_s"]) for s in truth["segments"] if s["speaker"] == p] for p in ("agent", "caller")}
    base = stereo_activity(audio.channel(0), audio.channel(1), audio.sample_rate, config=cfg)
    for party in ("agent", "caller"):
        recall, precision = _coverage(base[party], segs[party])
        assert recall > 0.85, (party, recall)
        assert precision > 0.85, (party, precision)
    # a -20 dB leak of each party into the other channel must not become speech of the other party
    left = audio.channel(0) + 0.1 * audio.channel(1)
    right = audio.channel(1) + 0.1 * audio.channel(0)
    leaked = stereo_activity(left, right, audio.sample_rate, config=cfg)
    for party in ("agent", "caller"):
        recall, precision = _coverage(leaked[party], segs[party])
        assert recall > 0.85, (party, recall)
        assert precision > 0.85, (party, precision)


def _analyse(wav: Path, out: Path, **info_kw):
    truth = truth_of(wav)
    calls = discover([wav], manifest=None, config=Config(), out_dir=out, **info_kw).calls
    tr = ScriptedTranscriber(truth)
    outcome = analyse_and_write(calls[0], out, config=Config(), transcriber=tr)
    return outcome, tr


@pytest.mark.parametrize("wav", sample_wavs(), ids=lambda p: p.stem)
def test_call_json_contract_schema_and_invariants(tmp_path, wav):
    outcome, _ = _analyse(wav, tmp_path)
    assert outcome.status == "done", outcome.reason
    data = json.loads((tmp_path / "calls" / f"{wav.stem}.json").read_text())
    validate_call_json(data)
    assert CONTRACT_TOP_KEYS <= set(data)
    assert data["layout"] == "agent-left" and data["agent"] == wav.parent.name
    assert data["language"] == truth_of(wav)["language"]
    for party in ("agent", "caller"):
        assert CONTRACT_SPEAKER_KEYS <= set(data["speakers"][party])
    shares = [data["speakers"][p]["talk_share"] for p in ("agent", "caller")]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    dur = data["duration_s"]
    activity = {p: data["speakers"][p]["activity"] for p in ("agent", "caller")}
    prev = -1.0
    for w in data["words"]:
        assert 0 <= w["start_s"] <= w["end_s"] <= dur
        assert w["start_s"] >= prev - 1e-9
        prev = w["start_s"]
        mid = 0.5 * (w["start_s"] + w["end_s"])
        assert any(s - 1e-6 <= mid <= e + 1e-6 for s, e in activity[w["speaker"]]), w
    for t in data["turns"]:
        assert 0 <= t["start_s"] <= t["end_s"] <= dur
    for o in data["overlaps"]:
        assert 0 <= o["start_s"] <= o["end_s"] <= dur
    assert data["config"]["turns"]["interruption_grace_s"] == Config().turns.interruption_grace_s
    assert data["callcheck_version"] and data["model"]["name"] == "scripted"


def test_talk_time_agrees_with_truth(tmp_path):
    """Truth segments are whole utterances including the synthesiser's sentence pauses, which the
    VAD rightly leaves out: talk time must lie between 85 % of the segments' union and the union
    plus the VAD's padding. (Exact 5 % checks on pause-free utterances: test_conversation.py.)"""
    for wav in sample_wavs():
        truth = truth_of(wav)
        _analyse(wav, tmp_path)
        data = json.loads((tmp_path / "calls" / f"{wav.stem}.json").read_text())
        for party in ("agent", "caller"):
            segs = [(s["start_s"], s["end_s"]) for s in truth["segments"] if s["speaker"] == party]
            union = sum(e - s for s, e in _union(segs))
            got = data["speakers"][party]["talk_time_s"]
            assert 0.85 * union <= got <= union + 0.1 * len(segs), (wav.stem, party, got, union)


def _union(segs):
    out = []
    for s, e in sorted(segs):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def test_agent_right_swaps_parties(tmp_path):
    wav = sample_wavs()[0]
    audio = load_audio(wav)
    swapped = tmp_path / "in" / "x" / "swapped.wav"
    swapped.parent.mkdir(parents=True)
    sf.write(swapped, audio.samples[::-1].T, audio.sample_rate, subtype="PCM_16")
    truth = dict(truth_of(wav))
    tr = ScriptedTranscriber(truth)
    calls = discover([swapped], manifest=None, config=Config(), layout="agent-right").calls
    analyse_and_write(calls[0], tmp_path / "out", config=Config(), transcriber=tr)
    right = json.loads((tmp_path / "out" / "calls" / "swapped.json").read_text())
    _analyse(wav, tmp_path / "ref")
    ref = json.loads((tmp_path / "ref" / "calls" / f"{wav.stem}.json").read_text())
    for party in ("agent", "caller"):
        assert right["speakers"][party]["talk_time_s"] == pytest.approx(ref["speakers"][party]["talk_time_s"], abs=0.2)


def test_discovery_manifest_agent_pattern_and_ids(tmp_path):
    a = tmp_path / "team" / "anna"
    b = tmp_path / "team" / "bert"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    src = sample_wavs()[0]
    shutil.copy(src, a / "call1.wav")
    shutil.copy(src, b / "call1.wav")
    (a / "notes.txt").write_text("not audio, not listed")
    calls = discover([tmp_path / "team"], manifest=None, config=Config()).calls
    assert sorted(c.agent for c in calls) == ["anna", "bert"]
    assert [c.call_id for c in calls] == ["anna__call1", "bert__call1"]  # the same file name: folder + name

    import dataclasses

    cfg = dataclasses.replace(Config(), batch=dataclasses.replace(Config().batch, agent_pattern=r"^(?P<agent>[a-z]+)_"))
    shutil.copy(src, a / "carla_0042.wav")
    calls = discover([a / "carla_0042.wav"], manifest=None, config=cfg).calls
    assert calls[0].agent == "carla" and calls[0].call_id == "carla_0042"

    m = tmp_path / "manifest.csv"
    m.write_text("path,agent,call_id,date,layout,language\nteam/anna/call1.wav,Anna M.,c-001,2026-11-02,agent-left,de\nteam/none.wav,X,,,,\n")
    calls = discover([], manifest=m, config=Config()).calls
    assert [(c.call_id, c.agent, c.date, c.layout, c.language) for c in calls][0] == ("c-001", "Anna M.", "2026-11-02", "agent-left", "de")
    assert len(calls) == 2  # the missing file fails later, at analysis, with its own line

    bad = tmp_path / "bad.csv"
    bad.write_text("file,who\nx.wav,y\n")
    with pytest.raises(ConfigError, match="manifest needs a header with the columns path,agent"):
        discover([], manifest=bad, config=Config())


def test_batch_goes_on_after_bad_files_and_lists_them(tmp_path):
    good = sample_wavs()[0]
    empty = tmp_path / "in" / "empty.wav"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    junk = tmp_path / "in" / "junk.mp3"
    junk.write_text("junk\n" * 50)
    calls = discover([empty, good, junk], manifest=None, config=Config()).calls
    tr = ScriptedTranscriber(truth_of(good))
    outcomes = [analyse_and_write(c, tmp_path / "out", config=Config(), transcriber=tr) for c in calls]
    assert [o.status for o in outcomes] == ["failed", "done", "failed"]
    assert outcomes[0].reason == f"{empty}: empty file (0 bytes)"
    assert outcomes[2].reason == f"{junk}: not a readable audio file (format not recognised or data corrupt)"
    from callcheck.calljob import Failure

    path = write_failures(tmp_path / "out", [Failure(o.info.path, o.reason, o.info.call_id) for o in outcomes if o.status == "failed"])
    rows = path.read_text().splitlines()
    assert rows[0] == "path,call_id,reason" and len(rows) == 3
    assert sorted(p.name for p in (tmp_path / "out" / "calls").iterdir()) == [f"{good.stem}.json"]


def test_rerun_uses_cached_result_and_transcripts(tmp_path):
    wav = sample_wavs()[0]
    o1, tr1 = _analyse(wav, tmp_path)
    assert o1.status == "done" and tr1.calls == ["agent", "caller"]
    o2, tr2 = _analyse(wav, tmp_path)
    assert o2.status == "cached" and tr2.calls == []
    # a changed setting re-analyses, but the transcripts come from the cache
    import dataclasses

    cfg = dataclasses.replace(Config(), turns=dataclasses.replace(Config().turns, dead_air_min_s=5.0))
    calls = discover([wav], manifest=None, config=cfg, out_dir=tmp_path).calls
    tr3 = ScriptedTranscriber(truth_of(wav))
    o3 = analyse_and_write(calls[0], tmp_path, config=cfg, transcriber=tr3)
    assert o3.status == "done" and tr3.calls == []
    assert list((tmp_path / "private" / "transcripts").glob("*.json"))
    assert not list((tmp_path / "calls").glob(".*"))  # no temporary files left behind


def test_every_speaker_and_conversation_key_is_in_the_readme_measure_table(tmp_path):
    wav = sample_wavs()[0]
    _analyse(wav, tmp_path)
    data = json.loads((tmp_path / "calls" / f"{wav.stem}.json").read_text())
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Measures"):readme.index("## How well it works")]
    missing = [k for p in ("agent", "caller") for k in data["speakers"][p] if f"`{k}`" not in table and k != "quality"]
    missing += [k for k in data["conversation"] if k != "notes" and k not in table]
    assert not missing, f"document these keys in the README's measure tables: {sorted(set(missing))}"


def test_steps_run_in_order_and_the_hook_sees_each(tmp_path):
    from callcheck.pipeline import STEPS, Context, run_steps

    wav = sample_wavs()[0]
    calls = discover([wav], manifest=None, config=Config()).calls
    seen = []
    state = run_steps(calls[0], config=Config(), context=Context(transcriber=ScriptedTranscriber(truth_of(wav))),
                      hook=lambda name, st: seen.append((name, st.layout)))
    assert [n for n, _ in STEPS] == ["load", "activity", "hold", "language", "transcribe", "separate", "agent", "conversation",
                                    "voice", "assess", "redact"]
    assert [n for n, _ in seen] == [n for n, _ in STEPS]
    assert seen[0][1] is None and seen[1][1] == "agent-left"  # the layout is known from the activity step on
    assert set(state.timings_s) == {n for n, _ in STEPS}


def _crashing_worker(info, out_dir):
    import os as _os

    from callcheck.calljob import Outcome

    if "crash" in info.path:
        _os._exit(3)  # a worker killed for memory looks like this to the pool
    return Outcome(info, "done", duration_s=1.0)


def _no_transcriber(cpu_threads):
    return None


def test_a_dying_worker_fails_one_call_and_the_batch_goes_on(tmp_path, monkeypatch):
    import callcheck.batch as batch

    monkeypatch.setattr(batch, "_worker_analyse", _crashing_worker)  # pickled by reference: the workers run it too
    calls = [batch.CallInfo(path=f"/x/{name}.wav", call_id=name) for name in ("a", "crash", "b", "c", "d")]
    run = batch.run_batch(calls, tmp_path / "out", config=Config(), factory=_no_transcriber, workers=2)
    status = {o.info.call_id: o.status for o in run.outcomes}
    assert status["crash"] == "failed" and sorted(status) == ["a", "b", "c", "crash", "d"] and not run.interrupted
    assert [k for k, v in status.items() if v == "failed"] == ["crash"]  # no innocent call is blamed
    assert [o.reason for o in run.outcomes if o.info.call_id == "crash"] == [
        "/x/crash.wav: the worker process analysing it died (out of memory?); the other calls go on"]


def test_mono_separate_gives_two_voices_and_the_agent_step_names_them(tmp_path):
    from callcheck.audio.separate import TwoVoices
    from callcheck.pipeline import Context, run_steps
    from callcheck.types import CallInfo

    wav = next(w for w in sample_wavs() if w.stem.startswith("de01"))
    audio = load_audio(wav)
    mono = tmp_path / "de01_mono.wav"
    sf.write(mono, audio.samples.mean(axis=0), audio.sample_rate)
    truth = dict(truth_of(wav), layout="mono")  # the scripted transcriber then hears both parties in the mix
    seen = {}
    run_steps(CallInfo(path=str(mono), call_id="m", layout="mono"), config=Config(),
              context=Context(transcriber=ScriptedTranscriber(truth)), hook=lambda name, st: seen.__setitem__(name, st))
    sep, named = seen["separate"], seen["agent"]
    assert isinstance(sep.voices, TwoVoices) and sep.separation is None and set(sep.parties) == {"agent"}
    assert set(named.parties) == {"agent", "caller"} and named.separation.notes[0].startswith("agent = ")
    assert {w.speaker for w in named.transcript.words} == {"agent", "caller"}

    def hit(party, who):
        segs = [Interval(s["start_s"], s["end_s"]) for s in truth["segments"] if s["speaker"] == who]
        return sum(a.overlap_s(b) for a in named.parties[party].activity for b in segs)

    assert hit("agent", "agent") > 3 * hit("agent", "caller")  # the agent greets: the right voice is named
    # stereo: nothing to separate or name
    stereo = {}
    calls = discover([wav], manifest=None, config=Config()).calls
    run_steps(calls[0], config=Config(), context=Context(transcriber=ScriptedTranscriber(truth_of(wav))),
              hook=lambda name, st: stereo.__setitem__(name, st))
    assert stereo["agent"].voices is None and stereo["agent"].parties == stereo["transcribe"].parties


def test_mono_separation_prepared_while_the_recogniser_runs_changes_nothing(tmp_path, monkeypatch):
    """The word-independent part of mono separation (voice features, the segmentation model's cues,
    the overlap decision) runs in a thread during transcription; the separation, the parties and
    the words are exactly those of computing it inside the separate step."""
    import callcheck.audio.separate as sep
    import callcheck.pipeline as pl
    from callcheck.pipeline import Context, run_steps
    from callcheck.types import CallInfo

    wav = next(w for w in sample_wavs() if w.stem.startswith("de01"))
    audio = load_audio(wav)
    mono = tmp_path / "de01_mono.wav"
    sf.write(mono, audio.samples.mean(axis=0), audio.sample_rate)
    truth = dict(truth_of(wav), layout="mono")
    threads: list[str] = []
    real = sep.prepare_separation
    monkeypatch.setattr(sep, "prepare_separation", lambda *a, **k: threads.append(__import__("threading").current_thread().name) or real(*a, **k))

    def run() -> dict:
        seen: dict = {}
        ctx = Context(transcriber=ScriptedTranscriber(truth))
        run_steps(CallInfo(path=str(mono), call_id="m", layout="mono"), config=Config(), context=ctx,
                  hook=lambda name, st: seen.__setitem__(name, st))
        assert ctx.prepare is None  # nothing of the call is kept
        return seen

    a = run()
    assert threads and threads[0].startswith("callcheck-separation")
    monkeypatch.setattr(pl, "PREPARE_AFTER", "never")  # no thread: computed inside the separate step
    b = run()
    assert len(threads) == 1
    va, vb = a["separate"].voices, b["separate"].voices
    assert va.activity == vb.activity and (va.frame_voice == vb.frame_voice).all() and va.separation == vb.separation
    assert a["agent"].transcript.words == b["agent"].transcript.words and a["voice"].voice == b["voice"].voice


def test_steps_around_the_recogniser_use_one_blas_thread(monkeypatch):
    """OpenBLAS's threads cost more than they give on the small products of separation and the voice
    measures (README, "Long mono calls"); the recogniser's steps keep their own threading."""
    from threadpoolctl import threadpool_info

    import callcheck.pipeline as pl
    from callcheck.config import Config as Cfg
    from callcheck.types import CallInfo

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    seen: dict[str, list[int]] = {}

    def probe(name):
        def fn(state, ctx):
            seen[name] = blas_threads()
            return state
        return fn

    import scipy.linalg  # noqa: F401  (SciPy's own OpenBLAS is limited too)

    outside = blas_threads()
    assert len(outside) >= 1
    monkeypatch.setattr(pl, "STEPS", (("activity", probe("activity")), ("transcribe", probe("transcribe")),
                                      ("voice", probe("voice"))))
    pl.run_steps(CallInfo("x.wav", "x"), config=Cfg(), context=pl.Context(transcriber=None))
    assert seen["activity"] == seen["voice"] == [1] * len(outside)
    assert seen["transcribe"] == outside and blas_threads() == outside
