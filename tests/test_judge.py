"""The judgement step: judgements/<call_id>.json next to the immutable records, schema-valid, rewritten
only when their content changes, stable finding ids, and a baseline-set hash that follows the inputs."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from callcheck.config import Config, RulesConfig, load_config
from callcheck.judge import baseline_set_sha256, judge_batch
from callcheck.record import load_batch, load_judgement, load_record
from callcheck.result import schema_problem, write_record
from callcheck.rules import baseline_values
from callfactory import GOOD_DE, analysed, make_call, replace_turn

from conftest import SAMPLES, ScriptedTranscriber, truth_of


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.json"))}


def team(out: Path, n: int = 14, **extra) -> list[dict]:
    """n calls of 4 agents with spread-out voices, one barge-in, one flat voice only the team reveals."""
    calls = [make_call(GOOD_DE, call_id=f"t{i:02d}", agent=f"a{i % 4}", voice={"agent": {"monotony": 0.30 + 0.01 * i}})
             for i in range(n)]
    calls.append(make_call(replace_turn(GOOD_DE, 4, overlap=1.6), call_id="barge", agent="a0"))
    calls.append(make_call(GOOD_DE, call_id="flat", agent="Fritz", voice={"agent": {"monotony": 0.62}}, **extra))
    for c in calls:
        write_record(out / "calls" / f"{c['call_id']}.json", analysed(c))
    return calls


def assert_same_as_judged_afresh(out: Path) -> None:
    """The judgements of ``out`` are byte for byte those of judging its records from scratch."""
    fresh = out.parent / f"{out.name}-fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(out / "calls", fresh / "calls")
    judge_batch(fresh, config=Config())
    assert digests(out / "judgements") == digests(fresh / "judgements")


def test_judgements_are_schema_valid_and_records_stay_untouched(tmp_path):
    team(tmp_path)
    before = digests(tmp_path / "calls")
    s = judge_batch(tmp_path, config=Config())
    assert (s.calls, s.written, s.unchanged, s.removed, s.skipped) == (16, 16, 0, 0, ())
    assert digests(tmp_path / "calls") == before
    for p in sorted((tmp_path / "judgements").glob("*.json")):
        j = json.loads(p.read_text(encoding="utf-8"))
        assert schema_problem(j, "judgement") is None, p
        assert j["call_id"] == p.stem and j["record_sha256"] == before[p.name]
        assert len(j["comparison_sha256"]) == 64 and int(j["comparison_sha256"], 16) >= 0
        assert p.read_text(encoding="utf-8") == json.dumps(j, ensure_ascii=False, separators=(",", ":")) + "\n"  # the one serializer, compact
    flat = load_judgement(tmp_path / "judgements" / "flat.json")
    assert flat["baselines"] == {"agent_calls": 0}
    (f,) = flat["findings"]  # the team comparison finds what the record alone could not
    assert f["rule_id"] == "M1_TONELESS" and f["evidence"]["baseline"] == "team"
    assert load_record(tmp_path / "calls" / "flat.json").record_findings == ()
    # the barge-in: the same moment, the same id in the record and in the judgement
    rec = load_record(tmp_path / "calls" / "barge.json")
    judged = load_judgement(tmp_path / "judgements" / "barge.json")
    assert [x["id"] for x in rec.record_findings] == [x["id"] for x in judged["findings"]] == [f"barge.M3_IMPATIENT.{round(rec.record_findings[0]['start_s'] * 1000)}"]
    # a tampered judgement fails its schema (the check can fail)
    bad = dict(judged, findings=[{k: v for k, v in judged["findings"][0].items() if k != "id"}])
    assert "must contain ['id']" in schema_problem(bad, "judgement")


def test_rewritten_only_when_content_changes_and_stale_ones_removed(tmp_path):
    team(tmp_path)
    first = judge_batch(tmp_path, config=Config())
    jdir = tmp_path / "judgements"
    stamps = {p.name: p.stat().st_mtime_ns for p in jdir.glob("*.json")}
    again = judge_batch(tmp_path, config=Config())
    assert (again.written, again.unchanged) == (0, 16) and again.baseline_set_sha256 == first.baseline_set_sha256
    assert {p.name: p.stat().st_mtime_ns for p in jdir.glob("*.json")} == stamps  # not even rewritten
    # a call is removed: its judgement goes, the others are judged against the new team (again only
    # where a figure they were compared with moved: the agent's other calls, a team verdict)
    (tmp_path / "calls" / "t03.json").unlink()
    (jdir / ".t00.json.123.tmp").write_text("half", encoding="utf-8")  # left by a killed write
    third = judge_batch(tmp_path, config=Config())
    assert third.removed == 1 and not (jdir / "t03.json").exists() and not list(jdir.glob(".*.tmp"))
    assert third.baseline_set_sha256 != first.baseline_set_sha256 and 0 < third.written < 15  # those whose figures moved
    assert_same_as_judged_afresh(tmp_path)
    # a record that cannot be read any more: one line, and its judgement is removed too
    (tmp_path / "calls" / "t04.json").write_text("{broken", encoding="utf-8")
    fourth = judge_batch(tmp_path, config=Config())
    assert len(fourth.skipped) == 1 and fourth.skipped[0].startswith(f"{tmp_path / 'calls' / 't04.json'}: not readable JSON")
    assert fourth.removed == 1 and not (jdir / "t04.json").exists()


def test_an_unchanged_folder_reads_no_record_the_second_time(tmp_path, monkeypatch):
    """The judge's index (OUT/.cache/judge-index.json): unchanged record files are not parsed, unchanged
    calls not judged; a changed record, a changed setting or other code means the work again."""
    import callcheck.judge as judge

    team(tmp_path)
    first = judge_batch(tmp_path, config=Config())
    assert (tmp_path / judge.INDEX_NAME).is_file()
    parsed: list[str] = []
    real_load, real_judge = judge.load_record, judge.judge_record
    monkeypatch.setattr(judge, "load_record", lambda p: parsed.append(p.name) or real_load(p))
    judged: list[str] = []
    monkeypatch.setattr(judge, "judge_record", lambda rec, *a, **k: judged.append(rec.call_id) or real_judge(rec, *a, **k))
    again = judge_batch(tmp_path, config=Config())
    assert (parsed, judged) == ([], [])
    assert (again.calls, again.written, again.unchanged) == (16, 0, 16)
    assert again.baseline_set_sha256 == first.baseline_set_sha256
    # one record re-analysed: only it is parsed; judged again are the calls whose figures moved — the
    # agent's own calls (their own history changed) and those whose team verdict or quoted threshold did
    calls = team(tmp_path / "other")
    c = dict(calls[0])
    c["speakers"] = dict(c["speakers"], agent=dict(c["speakers"]["agent"], monotony=0.95))
    write_record(tmp_path / "calls" / "t00.json", analysed(c))
    third = judge_batch(tmp_path, config=Config())
    assert parsed == ["t00.json"] and {"t00", "t04", "t08", "t12", "barge"} <= set(judged) and len(judged) < 16
    assert third.baseline_set_sha256 != first.baseline_set_sha256
    assert_same_as_judged_afresh(tmp_path)
    # a judgement file deleted by hand is made again
    parsed.clear(), judged.clear()
    (tmp_path / "judgements" / "t05.json").unlink()
    judge_batch(tmp_path, config=Config())
    assert judged == ["t05"] and (tmp_path / "judgements" / "t05.json").is_file()
    # an index of other code is ignored
    data = json.loads((tmp_path / judge.INDEX_NAME).read_text(encoding="utf-8"))
    (tmp_path / judge.INDEX_NAME).write_text(json.dumps(dict(data, code="other")), encoding="utf-8")
    parsed.clear(), judged.clear()
    judge_batch(tmp_path, config=Config())
    assert len(parsed) == 16 and len(judged) == 16
    # a damaged index is ignored too
    (tmp_path / judge.INDEX_NAME).write_text("{half", encoding="utf-8")
    parsed.clear()
    judge_batch(tmp_path, config=Config())
    assert len(parsed) == 16


def test_baseline_set_hash_follows_the_comparison_inputs_only(tmp_path):
    calls = team(tmp_path)
    recs = [load_record(tmp_path / "calls" / f"{c['call_id']}.json") for c in calls]
    rows = [(r.call_id, r.agent, baseline_values(r)) for r in recs]
    h = baseline_set_sha256(rows, config=RulesConfig())
    assert h == baseline_set_sha256(list(reversed(rows)), config=RulesConfig())  # order of the files does not matter
    assert h != baseline_set_sha256(rows[:-1], config=RulesConfig())  # a call less
    assert h != baseline_set_sha256(rows, config=RulesConfig(team_percentile=85.0))  # another setting
    moved = [(cid, "someone" if cid == "t00" else agent, v) for cid, agent, v in rows]
    assert h != baseline_set_sha256(moved, config=RulesConfig())  # a call of another agent
    # a transcript change that leaves every baseline measure as it was: same hash; only that
    # call's judgement is rewritten (its record hash changed)
    first = judge_batch(tmp_path, config=Config())
    c = json.loads((tmp_path / "calls" / "t05.json").read_text(encoding="utf-8"))
    c["turns"][-1]["text"] = "Gern geschehen, auf Wiederhören."
    write_record(tmp_path / "calls" / "t05.json", c)
    second = judge_batch(tmp_path, config=Config())
    assert second.baseline_set_sha256 == first.baseline_set_sha256
    assert (second.written, second.unchanged) == (1, 15)
    # another rules setting: every judgement carries the new hash
    cfg_file = tmp_path / "callcheck.toml"
    cfg_file.write_text("[rules]\nteam_percentile = 80.0\n", encoding="utf-8")
    third = judge_batch(tmp_path, config=load_config(cfg_file))
    assert third.baseline_set_sha256 != first.baseline_set_sha256 and third.written == 16


def test_load_batch_attaches_only_current_judgements(tmp_path):
    team(tmp_path)
    judge_batch(tmp_path, config=Config())
    recs, skipped = load_batch(tmp_path)
    assert not skipped and all(r.judged for r in recs)
    flat = next(r for r in recs if r.call_id == "flat")
    assert [f["rule_id"] for f in flat.findings] == ["M1_TONELESS"] and flat.record_findings == ()
    # re-analysed (another record): the old judgement no longer belongs to it
    c = json.loads((tmp_path / "calls" / "flat.json").read_text(encoding="utf-8"))
    c["analysed_at"] = "2026-12-01T08:00:00+00:00"
    write_record(tmp_path / "calls" / "flat.json", c)
    recs, _ = load_batch(tmp_path)
    flat = next(r for r in recs if r.call_id == "flat")
    assert not flat.judged and flat.findings == ()
    from callcheck.record import RecordError, load_call
    assert load_call(tmp_path, "barge").judged and not load_call(tmp_path, "flat").judged
    with pytest.raises(RecordError, match=r"^'\.\./x': not a call id"):
        load_call(tmp_path, "../x")
    with pytest.raises(RecordError, match=r"nope\.json: call record not found$"):
        load_call(tmp_path, "nope")
    # a second record with the same call id is skipped, named
    shutil.copy(tmp_path / "calls" / "flat.json", tmp_path / "calls" / "zz-copy.json")
    recs, skipped = load_batch(tmp_path)
    assert len(recs) == 16 and skipped == [f"{tmp_path / 'calls' / 'zz-copy.json'}: call_id 'flat' is already used by flat.json; "
                                           "give each call its own id (the manifest's call_id column)"]


@pytest.mark.skipif(not list(SAMPLES.glob("*/*.wav")), reason="samples/ not generated")
def test_finding_ids_are_stable_across_two_analyses(tmp_path):
    """The samples analysed twice, into two folders, with the scripted transcriber, then judged:
    the same finding, strength and promise ids (reviews are keyed by them), the same judgements."""
    from callcheck.calljob import analyse_and_write
    from callcheck.discover import discover

    wavs = sorted(SAMPLES.glob("*/*.wav"))[:3]  # en03 (barge-ins), en04, de01 (strengths, a promise)
    ids = []
    for run in ("a", "b"):
        out = tmp_path / run
        for wav in wavs:
            calls = discover([wav], manifest=None, config=Config()).calls
            o = analyse_and_write(calls[0], out, config=Config(), transcriber=ScriptedTranscriber(truth_of(wav)))
            assert o.status == "done", o.reason
        s = judge_batch(out, config=Config())
        assert s.calls == len(wavs) and not s.skipped
        got = {}
        for p in sorted((out / "judgements").glob("*.json")):
            j = load_judgement(p)
            rec = load_record(out / "calls" / p.name)
            got[p.stem] = ([x["id"] for k in ("findings", "strengths", "promises") for x in j[k]],
                           [x["id"] for x in rec.record_findings], s.baseline_set_sha256)
        ids.append(got)
    assert ids[0] == ids[1]
    all_ids = [i for judged, own, _ in ids[0].values() for i in judged + own]
    assert any(".M3_IMPATIENT." in i for i in all_ids) and any(".strength-" in i for i in all_ids)
    assert len({i for judged, _, _ in ids[0].values() for i in judged}) == sum(len(j) for j, _, _ in ids[0].values())


def test_no_calls_folder_is_one_line(tmp_path):
    from callcheck.record import RecordError

    with pytest.raises(RecordError, match=r"^.*: no calls/ folder; run `callcheck analyze \.\.\. --out .*` first$"):
        judge_batch(tmp_path / "nothing", config=Config())


def test_worker_processes_write_the_same_judgements(tmp_path, monkeypatch):
    """Reading and judging in worker processes (many calls) gives byte-identical judgements, index and summary."""
    import callcheck.judge as judge

    team(tmp_path / "serial")
    team(tmp_path / "workers")
    one = judge_batch(tmp_path / "serial", config=Config())
    monkeypatch.setattr(judge, "PARALLEL_MIN_CALLS", 1)
    monkeypatch.setattr(judge, "CHUNK_CALLS", 5)  # 16 calls: four tasks on two processes
    two = judge_batch(tmp_path / "workers", config=Config(), workers=2)
    assert (two.calls, two.written, two.unchanged, two.skipped, two.baseline_set_sha256) == \
        (one.calls, one.written, one.unchanged, one.skipped, one.baseline_set_sha256) == (16, 16, 0, (), one.baseline_set_sha256)
    for p in sorted((tmp_path / "serial" / "judgements").glob("*.json")):
        assert (tmp_path / "workers" / "judgements" / p.name).read_bytes() == p.read_bytes()
    idx = [json.loads((tmp_path / d / judge.INDEX_NAME).read_text(encoding="utf-8")) for d in ("serial", "workers")]
    assert idx[0]["judged"] == idx[1]["judged"]
    assert [v[1:] for v in idx[0]["records"].values()] == [v[1:] for v in idx[1]["records"].values()]  # read in the workers
    assert len(idx[1]["records"]) == 16
    # a record broken in between is one skipped line in worker mode too, and the rest is judged
    (tmp_path / "workers" / "calls" / "t03.json").write_text("{broken", encoding="utf-8")
    three = judge_batch(tmp_path / "workers", config=Config(), workers=2)
    assert len(three.skipped) == 1 and "t03.json" in three.skipped[0] and three.calls == 15


def test_incremental_judging_equals_judging_afresh_after_random_changes(tmp_path, monkeypatch):
    """The judge's lookup log: after each random re-analysis (several measures of one call moved, near
    and across the team's percentiles), an added call or a removed one, the judgements made
    incrementally are byte for byte those of judging every call from scratch — and fewer calls than
    all are judged again when only one call was re-analysed."""
    import random

    import callcheck.judge as judge

    rng = random.Random(5)

    def voice() -> dict:
        return {"agent": {"monotony": rng.uniform(0.15, 0.85), "articulation_rate_sps": rng.uniform(4.3, 7.4),
                          "loudness_dbfs": rng.uniform(-30, -16), "pause_share": rng.uniform(0.04, 0.3),
                          "f0_variation_st": rng.uniform(1.0, 4.5)}}

    def write(i: int, v: dict) -> None:
        c = make_call(GOOD_DE, call_id=f"r{i:02d}", agent=f"a{i % 3}", voice=v)
        write_record(tmp_path / "calls" / f"r{i:02d}.json", analysed(c))

    for i in range(36):
        write(i, voice())
    judge_batch(tmp_path, config=Config())
    real_judge = judge.judge_record
    judged: list[str] = []
    monkeypatch.setattr(judge, "judge_record", lambda rec, *a, **k: judged.append(rec.call_id) or real_judge(rec, *a, **k))
    counts = []
    for step in range(8):
        judged.clear()
        if step == 5:
            write(36, voice())  # a call added
        elif step == 6:
            (tmp_path / "calls" / "r07.json").unlink()  # a call removed
        else:
            write(rng.choice([0, 1, 2, 3, 4, 5, 8, 9]), voice())  # one call re-analysed
        judge_batch(tmp_path, config=Config())
        counts.append(len(judged))
        assert_same_as_judged_afresh(tmp_path)
    assert min(c for i, c in enumerate(counts) if i not in (5, 6)) < 36  # re-analysis: not everything again
