"""The eight mistake rules on constructed call records whose right answer is known by construction;
the factory's records against the schema and the pipeline's real shape; stable finding ids."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

from callcheck.config import RulesConfig, load_config
from callcheck.record import CallRecord, parse_record
from callcheck.result import schema_problem
from callcheck.rules import RULE_IDS, build_baselines, evaluate_call, finding_to_json, list_rules, moment_id
from callcheck.rules.common import find_phrases, load_phrases, normalise
from callfactory import (
    GOOD_DE, GOOD_EN, T, analysed, good_call, insert_turns, make_call, questions_of, record, replace_turn, speaker_entry,
)

CFG = RulesConfig()
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SAMPLE_TRUTHS = sorted(SAMPLES.glob("*/*.truth.json"))


def fired(f, signal):
    """The fired signals of finding ``f`` named ``signal``, by comparison."""
    return {x["comparison"]: x for x in f.evidence["fired"] if x["signal"] == signal}


def mistakes(call, baselines=None, cfg=CFG):
    return sorted({f.mistake for f in evaluate_call(parse_record(call), config=cfg, baselines=baselines).findings})


def only(call, mistake, baselines=None):
    res = evaluate_call(parse_record(call), config=CFG, baselines=baselines)
    fs = [f for f in res.findings if f.mistake == mistake]
    assert fs, f"no finding for mistake {mistake}: {[f.rule_id for f in res.findings]}"
    assert {f.mistake for f in res.findings} == {mistake}, [f.message for f in res.findings]
    for f in fs:
        assert f.rule_id == RULE_IDS[mistake]
        assert f.severity in ("low", "medium", "high")
        assert f.evidence["baseline"] in ("absolute", "team", "agent")
        assert f.evidence.get("quote"), f.evidence
        assert f.start_s is not None and f.end_s is not None and f.end_s >= f.start_s
        json.dumps(finding_to_json(f))  # plain JSON
    return fs


@pytest.mark.parametrize("lang", ["de", "en"])
def test_good_practice_call_yields_none_of_the_eight(lang):
    res = evaluate_call(good_call(lang), config=CFG)
    assert res.findings == ()
    kinds = {s.kind for s in res.strengths}
    assert {"questions", "listening", "backchannels", "empathy"} <= kinds
    assert [p.kind for p in res.promises] == ["send"]


def test_result_to_json_has_the_three_lists():
    j = evaluate_call(good_call(), config=CFG).to_json()
    assert set(j) == {"findings", "strengths", "promises", "checks", "trackers"}
    assert j["promises"][0]["text"].startswith("Sehr schön")
    p = j["promises"][0]
    assert p["id"] == f"call-0001.promise-send.{round(p['start_s'] * 1000)}"
    assert {s["id"].split(".")[1] for s in j["strengths"]} == {"strength-questions", "strength-listening", "strength-backchannels", "strength-empathy"}
    assert [s["id"] for s in j["strengths"] if s["kind"] == "listening"] == ["call-0001.strength-listening.call"]  # no moment


def test_finding_ids_follow_the_agreed_format_and_number_repeats():
    assert moment_id("c-1", "M3_IMPATIENT", 7.8544) == "c-1.M3_IMPATIENT.7854"  # start as rounded in the JSON, in ms
    assert moment_id("c-1", "M3_IMPATIENT", 0.0005) == "c-1.M3_IMPATIENT.1"
    assert moment_id("c-1", "M8_KNOW_IT_ALL", None) == "c-1.M8_KNOW_IT_ALL.call"
    # the same rule at the same moment twice: -2 (two impatience phrases in one word span are impossible, so
    # build it from two findings with the same start by hand through the rules' serializer)
    from callcheck.rules import RulesResult
    from callcheck.types import Finding
    f = Finding(3, "M3_IMPATIENT", "medium", 1.0, 2.0, {"baseline": "absolute"}, "x")
    ids = [x["id"] for x in RulesResult((f, f, Finding(3, "M3_IMPATIENT", "medium", 1.001, 2.0, {"baseline": "absolute"}, "y")),
                                        call_id="c9").to_json()["findings"]]
    assert ids == ["c9.M3_IMPATIENT.1000", "c9.M3_IMPATIENT.1000-2", "c9.M3_IMPATIENT.1001"]
    # real findings: ids are URL-safe, unique in the call, and carry call, rule and start
    script = replace_turn(replace_turn(GOOD_DE, 4, overlap=1.6), 6, text="Wie gesagt, beim Laser fünfhundert gibt es einen Sensor. Wie gesagt, öffnen Sie die Klappe.")
    j = evaluate_call(parse_record(make_call(script, call_id="bern.2026-11_03")), config=CFG).to_json()
    assert len(j["findings"]) >= 2
    all_ids = [x["id"] for k in ("findings", "strengths", "promises") for x in j[k]]
    assert len(set(all_ids)) == len(all_ids)
    for f in j["findings"]:
        assert re.fullmatch(r"[A-Za-z0-9._-]+", f["id"])
        assert f["id"] == f"bern.2026-11_03.{f['rule_id']}.{round(f['start_s'] * 1000)}"
        assert next(iter(f)) == "id"


def test_finding_ids_are_stable_across_runs_and_baselines_keep_moments():
    team = [good_call(call_id=f"t{i}", agent=f"a{i % 3}", voice={"agent": {"monotony": 0.3 + 0.02 * i}}) for i in range(14)]
    team.append(make_call(replace_turn(GOOD_DE, 4, overlap=1.6), call_id="barge", agent="a0"))
    first = [evaluate_call(parse_record(c), config=CFG).to_json() for c in team]
    again = [evaluate_call(parse_record(json.loads(json.dumps(c))), config=CFG).to_json() for c in team]
    assert first == again
    bl = build_baselines([parse_record(c) for c in team], config=CFG)
    judged = {c["call_id"]: evaluate_call(parse_record(c), config=CFG, baselines=bl).to_json() for c in team}
    barge = judged["barge"]["findings"]
    assert [f["id"] for f in barge] == [f["id"] for f in first[-1]["findings"]]  # the absolute moment keeps its id
    assert any(f["evidence"]["baseline"] == "team" for j in judged.values() for f in j["findings"])  # the flattest calls


def test_m1_toneless_absolute_and_with_baselines():
    call = good_call(voice={"agent": {"monotony": 0.86, "f0_variation_st": 0.8}})
    (f,) = only(call, 1)
    assert f.evidence["measures"]["monotony"] == 0.86
    assert f.evidence["baseline"] == "absolute"
    assert f.severity == "medium"  # two absolute comparisons, no baseline
    # a flat call for this agent that only the own history shows: below the absolute backstop
    hist = [good_call(call_id=f"h{i}", voice={"agent": {"monotony": 0.30 + 0.01 * (i % 3)}}) for i in range(12)]
    flat = good_call(call_id="x", voice={"agent": {"monotony": 0.55, "f0_variation_st": 2.0}})
    assert mistakes(flat) == []
    bl = build_baselines(hist + [flat], config=CFG)
    (f,) = only(flat, 1, baselines=bl)
    assert f.evidence["baseline"] == "agent"
    comps = fired(f, "monotony")
    assert set(comps) == {"own", "team"}  # the absolute backstop did not fire, and is not shown
    assert comps["own"]["n_calls"] == 12  # the call itself is left out
    assert comps["own"]["value"] == 0.55 and comps["own"]["op"] == ">" and comps["own"]["threshold"] < 0.55


def test_m1_team_comparison_without_own_history():
    team = [good_call(call_id=f"t{i}", agent=f"a{i}", voice={"agent": {"monotony": 0.3 + 0.01 * i}}) for i in range(15)]
    flat = good_call(call_id="x", agent="new", voice={"agent": {"monotony": 0.62}})
    bl = build_baselines(team + [flat], config=CFG)
    (f,) = only(flat, 1, baselines=bl)
    assert f.evidence["baseline"] == "team" and f.severity == "low"


def test_m2_indifferent():
    script = tuple(t if t.speaker == "caller" else T(t.speaker, t.text.replace("das ist ärgerlich", "so"), gap=1.9)
                   for t in GOOD_DE)
    script = tuple(T(t.speaker, t.text, gap=t.gap, bc=0) for t in script)
    call = make_call(script, voice={"agent": {"monotony": 0.88, "f0_variation_st": 0.5, "loudness_dbfs": -31.0}})
    (f,) = [x for x in evaluate_call(parse_record(call), config=CFG).findings if x.mistake == 2]  # (so flat it is mistake 1 too)
    sig = f.evidence["signals"]
    assert {"flat_prosody", "low_energy", "slow_replies", "few_backchannels", "no_empathy_phrases"} <= set(sig)
    assert sig["low_energy"]["agent_minus_caller_loudness"] == -9.0
    assert fired(f, "agent_minus_caller_loudness")["caller"]["threshold"] == CFG.m2_quiet_vs_caller_db
    assert f.severity == "high"
    assert f.evidence["quote"].startswith("caller:")


def test_m2_needs_a_voice_signal():
    script = tuple(T(t.speaker, t.text.replace("das ist ärgerlich", "so"), gap=1.9 if t.speaker == "agent" else t.gap) for t in GOOD_DE)
    assert 2 not in mistakes(make_call(script))  # slow, no backchannels, no empathy, but a lively voice


def test_m3_barge_in_at_that_moment():
    script = replace_turn(GOOD_DE, 4, overlap=1.6)  # the agent starts 1.6 s before the caller ends
    call = make_call(script)
    caller_turn, agent_turn = call["turns"][3], call["turns"][4]
    (f,) = only(call, 3)
    assert f.start_s == pytest.approx(agent_turn["start_s"])
    assert f.end_s == pytest.approx(caller_turn["end_s"])
    assert f.evidence["measures"]["interruption_overlap"] == pytest.approx(1.6, abs=0.01)
    assert f.evidence["caller_quote"].startswith("Da steht Papierstau")
    assert f.evidence["quote"].startswith("Verstehe")


def test_m3_short_overlap_inside_grace_window_is_not_impatience():
    assert mistakes(make_call(replace_turn(GOOD_DE, 4, overlap=0.3))) == []


def test_m3_impatience_phrase():
    script = replace_turn(GOOD_DE, 6, text="Wie gesagt, beim Laser fünfhundert gibt es einen Sensor an der Klappe. Öffnen Sie die Klappe und schauen Sie, ob der Hebel links frei ist?")
    (f,) = only(make_call(script), 3)
    assert f.evidence["kind"] == "phrase" and f.evidence["phrase"] == "wie gesagt"
    words = [w for w in make_call(script)["words"] if w["text"] == "Wie"]
    assert f.start_s == pytest.approx(words[0]["start_s"])


def test_m4_antiquated_greeting():
    script = replace_turn(GOOD_DE, 0, text="Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?", wps=2.4)
    (f,) = only(make_call(script), 4)
    assert f.start_s == 0.5
    ev = f.evidence
    assert ev["measures"]["greeting_words"] == 17 and ev["measures"]["greeting_duration"] > 5.0
    assert ev["components"]["company"] and ev["components"]["offer_help"]
    assert set(ev["stock_formulas"]) == {"herzlich willkommen", "mein name ist", "was kann ich für sie tun"}
    assert f.severity == "high" and ev["quote"].startswith("Herzlich willkommen")


def test_m4_short_modern_greeting_passes_and_missing_greeting_is_silent():
    assert mistakes(good_call()) == []
    assert mistakes(good_call(greeting=None)) == []


def test_m5_rushed_is_not_m7():
    script = tuple(T(t.speaker, t.text, gap=0.05 if t.speaker == "agent" else t.gap, bc=t.bc) for t in GOOD_DE)
    call = make_call(script, voice={"agent": {"pause_share": 0.03, "articulation_rate_sps": 5.6}},
                     rate_over_time=[(140, 5.4), (150, 5.5), (165, 5.6), (175, 5.8), (190, 5.9), (200, 6.0)])
    (f,) = only(call, 5)
    assert {"little_breathing_room", "short_reply_gaps"} <= set(f.evidence["signals"])
    replies = [t for t in call["turns"] if t["speaker"] == "agent"][1:]  # every reply after the greeting
    assert (f.start_s, f.end_s) == (replies[0]["start_s"], replies[-1]["end_s"])  # the rushed stretch


def test_m5_speeding_up_stretch():
    script = (T("agent", "Grumps and Sons, Ben Carter, good morning."),
              T("caller", "Hello, I would like to change my delivery address please."),
              T("agent", "Sure, I can do that right away, just give me the order number and the name on the order.", gap=0.08, wps=2.5),
              T("caller", "It is for the blue sofa."),
              T("agent", "Okay, got it, the blue sofa, now tell me the new address please, street and town.", gap=0.08, wps=2.9),
              T("caller", "It is Park Lane in Bristol."),
              T("agent", "Park Lane Bristol, done, it is changed, the delivery stays on Friday, anything else for you today?", gap=0.06, wps=3.3),
              T("caller", "No, thank you, that is all for today, goodbye."),
              T("agent", "You are welcome, goodbye.", gap=0.5))
    call = make_call(script, language="en")
    (f,) = only(call, 5)
    assert f.evidence["signals"]["speeding_up"]["last_to_first_turn_rate_ratio"] == pytest.approx(3.3 / 2.5, abs=0.02)
    assert (f.start_s, f.end_s) == (call["turns"][2]["start_s"], call["turns"][6]["end_s"])


def test_m7_too_fast_is_not_m5():
    call = good_call(voice={"agent": {"articulation_rate_sps": 7.4}})
    (f,) = only(call, 7)
    m = f.evidence["measures"]
    assert m["articulation_rate"] == 7.4 and m["agent_to_caller_articulation_ratio"] == pytest.approx(7.4 / 5.0, abs=1e-3)
    assert f.evidence["thresholds"]["articulation_rate"] == CFG.m7_articulation_sps


def test_m7_fast_caller_too_means_no_finding():
    assert 7 not in mistakes(good_call(voice={"agent": {"articulation_rate_sps": 7.0}, "caller": {"articulation_rate_sps": 6.8}}))


def test_m7_caller_asks_to_slow_down():
    script = insert_turns(GOOD_DE, 7, T("caller", "Nicht so schnell bitte, welcher Hebel genau?"))
    call = make_call(script, voice={"agent": {"articulation_rate_sps": 7.6}})
    (f,) = only(call, 7)
    assert f.severity == "high" and f.evidence["slow_down_requests"] == 1
    assert f.start_s == call["turns"][6]["start_s"] and "Nicht so schnell" in f.evidence["caller_quote"]


def test_m6_repair_requests_with_low_confidence():
    script = replace_turn(replace_turn(GOOD_DE, 6, p=0.35), 4, p=0.4)
    script = insert_turns(script, 7, T("caller", "Wie bitte? Das habe ich nicht verstanden."))
    call = make_call(script)
    (f,) = only(call, 6)
    assert f.start_s == call["turns"][6]["start_s"]
    assert f.evidence["repair_request"]["phrase"] == "wie bitte"
    assert f.evidence["measures"]["low_confidence_word_share"] > CFG.m6_low_confidence_share_max
    assert f.severity == "high"


def test_m6_one_repair_request_alone_is_not_enough():
    assert mistakes(make_call(insert_turns(GOOD_DE, 7, T("caller", "Wie bitte?")))) == []


def test_m8_know_it_all():
    script = replace_turn(GOOD_DE, 4, text="Nein, das ist falsch. Sie müssen das Papier richtig einlegen, Sie hätten die Anleitung lesen sollen, das steht doch in der Anleitung.")
    call = make_call(script)
    (f,) = only(call, 8)  # one moment: the turn with both contradictions and the you-messages
    assert (f.start_s, f.end_s) == (call["turns"][4]["start_s"], call["turns"][4]["end_s"])
    assert f.evidence["phrase"] == "nein das ist falsch"
    assert set(f.evidence["phrases"]) == {"nein das ist falsch", "das steht doch in der anleitung", "sie müssen", "sie hätten"}
    assert {"contradiction_phrases", "you_messages"} <= set(f.evidence["signals"])


def test_m8_dominance_without_contradiction():
    long = " ".join(["Das Gerät hat mehrere Sensoren und die müssen alle frei sein damit es funktioniert."] * 14)
    script = (T("agent", "Grumps und Söhne, Sonja Müller, guten Tag."),
              T("caller", "Mein Drucker zieht kein Papier ein, ich habe schon alles versucht und weiß nicht weiter, bitte helfen Sie mir, es ist dringend."),
              T("agent", long), T("caller", "Aha."), T("agent", long))
    (f,) = only(make_call(script), 8)
    assert {"talk_dominance", "long_monologue", "few_questions"} <= set(f.evidence["signals"])


def test_english_phrases():
    script = replace_turn(GOOD_EN, 6, text="As I said, the Laser five hundred has a sensor at the back flap. Open it and check the lever on the left.")
    (f,) = only(make_call(script, language="en"), 3)
    assert f.evidence["phrase"] == "as i said"
    script = insert_turns(GOOD_EN, 7, T("caller", "Sorry, what? I didn't catch that."))
    assert [p.kind for p in evaluate_call(make_call(script, language="en"), config=CFG).promises] == ["send"]


def test_promise_ledger_de():
    script = replace_turn(GOOD_DE, 8, text="Ich rufe Sie morgen früh zurück, und bis Freitag ist das erledigt. Gibt es sonst noch etwas?")
    ps = evaluate_call(make_call(script), config=CFG).promises
    assert [p.kind for p in ps] == ["callback", "deadline"]
    assert ps[0].phrase.startswith("ich rufe sie")


def test_phrase_matching_times_by_words_and_normalises():
    assert normalise("Wie bitte?! – Sorry, what’s") == "wie bitte sorry what's"
    call = make_call(insert_turns(GOOD_DE, 3, T("caller", "Äh, wie bitte?")))
    (h,) = find_phrases(parse_record(call), "caller", "repair_requests", load_phrases("de").get("repair_requests"))
    w = [x for x in call["words"] if x["text"] == "wie"][0]
    assert h.start_s == w["start_s"]


def test_missing_optional_keys_do_not_crash():
    call = {"call_id": "x", "agent": None, "language": "fr", "speakers": {"agent": {}}, "turns": [], "words": [],
            "overlaps": [], "greeting": None}
    assert evaluate_call(CallRecord(call), config=CFG).findings == ()  # a partial dict, wrapped unvalidated
    # the emptiest valid record: agent-only, nothing said, every measure null
    empty = record(call_id="x", agent=None, language="fr", duration_s=3.0, speakers={"agent": speaker_entry(talk_time_s=0.0)},
                   words=[], turns=[], overlaps=[], greeting=None, conversation={}, layout="agent-only")
    res = evaluate_call(parse_record(empty), config=CFG)
    assert res.findings == () and res.promises == ()


# --- the factory: schema-valid records of the pipeline's real shape -----------------------------------
FACTORY_CALLS = {
    "good_de": lambda: good_call("de"), "good_en": lambda: good_call("en"),
    "barge_in": lambda: make_call(replace_turn(GOOD_DE, 4, overlap=1.6)),
    "no_greeting": lambda: good_call(greeting=None),
    "rate_windows": lambda: make_call(GOOD_DE, rate_over_time=[(140, 5.4), (150, 5.5), (200, 7.0)]),
    "mono": lambda: make_call(GOOD_DE, layout="mono", separation={"method": "test", "confidence": 0.4, "notes": []}),
    "agent_only": lambda: make_call(tuple(t for t in GOOD_DE if t.speaker == "agent"), layout="agent-only"),
    "analysed": lambda: analysed(make_call(replace_turn(GOOD_DE, 0, text="Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?"))),
}


@pytest.mark.parametrize("name", sorted(FACTORY_CALLS))
def test_factory_records_are_schema_valid(name):
    data = FACTORY_CALLS[name]()
    assert schema_problem(data) is None
    assert schema_problem(json.loads(json.dumps(data))) is None
    bad = json.loads(json.dumps(data))
    bad["words"][0]["start_s"] = -1.0  # the schema does check (a test that can fail)
    assert "words[0].start_s" in (schema_problem(bad) or "")


@pytest.mark.skipif(not SAMPLE_TRUTHS, reason="samples/ not generated")
def test_factory_writes_only_keys_the_pipeline_writes(tmp_path):
    """Every key path of the factory's records (and of truth_to_call's) occurs in a record the real
    pipeline writes (the samples through analyse_and_write with the scripted transcriber)."""
    from callcheck.calljob import analyse_and_write
    from callcheck.discover import discover
    from callcheck.config import Config
    from conftest import ScriptedTranscriber, truth_of


    def paths(x, prefix=""):
        if isinstance(x, dict):
            out = set()
            for k, v in x.items():
                if prefix == "" and k in ("findings", "strengths", "promises", "config", "separation"):
                    out.add(k)  # rules' output and the config echo: their own tests; separation: below
                    continue
                out |= {f"{prefix}{k}"} | paths(v, f"{prefix}{k}.")
            return out
        if isinstance(x, list):
            return set().union(*(paths(v, f"{prefix}[].") for v in x)) if x else set()
        return set()

    real: set[str] = set()
    for truth_path in SAMPLE_TRUTHS[:2]:
        wav = truth_path.with_name(truth_path.name.replace(".truth.json", ".wav"))
        calls = discover([wav], manifest=None, config=Config()).calls
        o = analyse_and_write(calls[0], tmp_path, config=Config(), transcriber=ScriptedTranscriber(truth_of(wav)))
        assert o.status == "done", o.reason
        real |= paths(json.loads((tmp_path / "calls" / f"{calls[0].call_id}.json").read_text(encoding="utf-8")))
    made = [f() for f in FACTORY_CALLS.values()] + [truth_to_call(json.loads(p.read_text(encoding="utf-8"))) for p in SAMPLE_TRUTHS]
    for data in made:
        extra = paths(data) - real
        assert not extra, extra
        if data.get("separation") is not None:  # result.build_call_json's separation object
            assert set(data["separation"]) == {"method", "confidence", "notes"}


def test_list_rules_has_eight_with_thresholds_and_article():
    rules = list_rules(config=CFG, language="de")
    assert [r.mistake for r in rules] == list(range(1, 9))
    assert rules[3].title == "Antiquiert klingende und zu lange Meldung"
    assert "Grumps" in rules[3].article_de and "Grumps" in rules[3].article_en
    for r in rules:
        assert r.thresholds and all(doc for _, _, doc in r.thresholds)


def test_thresholds_come_from_config(tmp_path):
    p = tmp_path / "callcheck.toml"
    p.write_text("[rules]\nm4_max_words = 20\nm4_max_duration_s = 9.0\nm4_min_stock_formulas = 4\n")
    cfg = load_config(p).rules
    script = replace_turn(GOOD_DE, 0, text="Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?", wps=2.4)
    assert 4 in mistakes(make_call(script)) and 4 not in mistakes(make_call(script), cfg=cfg)


def test_docs_name_every_rule_and_setting():
    import dataclasses
    from pathlib import Path

    from callcheck.config import ReportConfig
    docs = Path(__file__).resolve().parents[1] / "docs"
    rules_md = (docs / "rules.md").read_text(encoding="utf-8")
    for rid in RULE_IDS.values():
        assert f"`{rid}`" in rules_md
    for f in dataclasses.fields(RulesConfig):
        assert f"`rules.{f.name}`" in rules_md, f.name
    reports_md = (docs / "reports.md").read_text(encoding="utf-8")
    for f in dataclasses.fields(ReportConfig):
        assert f"`report.{f.name}`" in reports_md, f.name


# --- the project's sample calls (samples/*/*.truth.json) ---------------------------------------------


def _syllables(text: str) -> int:
    import re as _re
    return sum(max(1, len(_re.findall(r"[aeiouyäöü]+", w.lower()))) for w in text.split())


def truth_to_call(truth: dict) -> dict:
    """The measured record the pipeline would write if every measure were exact (the sample's design).

    Turns, overlaps, greeting and words come from the truth's segments (words spread evenly over their
    segment; degraded segments get low ASR probabilities). Voice measures are the design the truth
    records: loudness from ``level_dbfs``, rates from text and times, a flat pitch range (SSML x-low)
    as high monotony. The acoustic measures themselves are tested on the audio elsewhere.
    """
    segs = truth["segments"]
    turns = [{"speaker": s["speaker"], "start_s": s["start_s"], "end_s": s["end_s"], "text": s["text"]}
             for s in segs if s["kind"] != "backchannel"]
    words = []
    for s in segs:
        toks = s["text"].split()
        step = (s["end_s"] - s["start_s"]) / len(toks)
        for k, w in enumerate(toks):
            words.append({"speaker": s["speaker"], "text": w, "start_s": round(s["start_s"] + k * step, 3),
                          "end_s": round(s["start_s"] + (k + 0.8) * step, 3), "probability": 0.35 if s.get("degraded") else 0.93})
    words.sort(key=lambda w: w["start_s"])
    speakers = {}
    for p in ("agent", "caller"):
        ps = [s for s in segs if s["speaker"] == p and s["kind"] != "backchannel"]
        if not ps:
            continue
        talk = truth["talk_time_s"][p]
        syl = sum(_syllables(s["text"]) for s in ps)
        flat = all(s["voice"].get("ssml_prosody_range") == "x-low" for s in ps)
        speakers[p] = speaker_entry(
            talk_time_s=talk, talk_share=talk / sum(truth["talk_time_s"].values()),
            speech_rate_wpm=sum(len(s["text"].split()) for s in ps) / (talk / 60),
            articulation_rate_sps=syl / talk, monotony=0.85 if flat else 0.35, f0_variation_st=1.0 if flat else 3.0,
            loudness_dbfs=statistics.fmean(s["level_dbfs"] for s in ps),
            rate_over_time=[{"start_s": s["start_s"], "end_s": s["end_s"],
                             "speech_rate_wpm": len(s["text"].split()) / ((s["end_s"] - s["start_s"]) / 60),
                             "articulation_rate_sps": _syllables(s["text"]) / (s["end_s"] - s["start_s"])}
                            for s in ps if s["end_s"] - s["start_s"] > 1.5])
    first = turns[0]
    greeting = None
    if first["speaker"] == "agent":
        greeting = {"start_s": first["start_s"], "end_s": first["end_s"], "duration_s": first["end_s"] - first["start_s"],
                    "word_count": len(first["text"].split()), "text": first["text"]}
    conv = {"agent_to_caller": {"agent_minus_caller_loudness_db": speakers["agent"]["loudness_dbfs"] - speakers["caller"]["loudness_dbfs"]},
            "questions": questions_of(words, truth["language"])}
    return record(call_id=truth["call_id"], agent=truth["agent"], language=truth["language"], layout=truth["layout"],
                  duration_s=truth["duration_s"], speakers=speakers, turns=turns, words=words,
                  overlaps=[{k: o[k] for k in ("start_s", "end_s", "interrupter", "kind")} for o in truth["overlaps"]],
                  greeting=greeting, conversation=conv, source="")


def _overlaps(a0, a1, b0, b1) -> bool:
    return min(a1, b1) - max(a0, b0) >= -0.25


@pytest.mark.skipif(not SAMPLE_TRUTHS, reason="samples/ not generated")
@pytest.mark.parametrize("truth_path", SAMPLE_TRUTHS, ids=lambda p: p.stem.replace(".truth", ""))
def test_each_sample_yields_exactly_its_intended_findings(truth_path):
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    res = evaluate_call(truth_to_call(truth), config=CFG)
    intended = truth["intended_findings"]
    assert {f.mistake for f in res.findings} == {i["mistake"] for i in intended}, [f.message for f in res.findings]
    for i in intended:  # every intended moment is covered by a finding of that mistake ...
        assert any(f.mistake == i["mistake"] and _overlaps(f.start_s, f.end_s, i["start_s"], i["end_s"]) for f in res.findings), i
    for f in res.findings:  # ... and every finding lies at an intended moment
        assert any(f.mistake == i["mistake"] and _overlaps(f.start_s, f.end_s, i["start_s"], i["end_s"]) for i in intended), f.message
    promised = [p["text"] for p in truth.get("promises") or []]
    for text in promised:  # the promise ledger finds every promise the sample makes
        assert any(normalise(text)[:12] in normalise(p.text) for p in res.promises), (text, [p.text for p in res.promises])


@pytest.mark.skipif(not SAMPLE_TRUTHS, reason="samples/ not generated")
def test_good_practice_sample_strengths():
    path = next(p for p in SAMPLE_TRUTHS if "good_practice" in p.name)
    truth = json.loads(path.read_text(encoding="utf-8"))
    res = evaluate_call(truth_to_call(truth), config=CFG)
    wanted = {"question": "questions", "empathy": "empathy", "backchannel": "backchannels", "listening": "listening"}
    expected = {wanted[g["what"]] for g in truth["good_practice"] if g["what"] in wanted}
    assert expected <= {s.kind for s in res.strengths}


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE_TRUTHS, reason="samples/ not generated")
def test_samples_end_to_end_yield_exactly_their_intended_findings(tmp_path):
    """The real pipeline (ASR, turns, voice measures) + rules with baselines (the judgement step),
    then the samples' truth."""
    import subprocess
    import sys

    from callcheck.config import Config
    from callcheck.judge import judge_batch
    from callcheck.record import load_judgement

    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "callcheck", "analyze", str(SAMPLES), "--out", str(out), "--workers", "1"],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    judge_batch(out, config=Config())
    for truth_path in SAMPLE_TRUTHS:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        got = load_judgement(out / "judgements" / f"{truth['call_id']}.json")["findings"]
        intended = truth["intended_findings"]
        assert {f["mistake"] for f in got} == {i["mistake"] for i in intended}, (truth["call_id"], [f["message"] for f in got])
        for f in got:  # every finding at an intended moment (an intended moment may be lost to ASR errors:
            # in en03 Whisper base hears "I said reset it" for "As I said, reset it")
            assert any(f["mistake"] == i["mistake"] and _overlaps(f["start_s"], f["end_s"], i["start_s"], i["end_s"]) for i in intended), f
    # the contract's promise for monotony: the same agent voice, flat (de02) vs normal (de01)
    calls = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "calls").glob("*.json")}
    flat, lively = calls["de02_greeting_toneless_indifferent"], calls["de01_good_practice"]
    assert flat["speakers"]["agent"]["monotony"] > lively["speakers"]["agent"]["monotony"]
    assert flat["speakers"]["agent"]["f0_variation_st"] < lively["speakers"]["agent"]["f0_variation_st"]


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE_TRUTHS, reason="samples/ not generated")
def test_samples_mixed_to_mono_yield_the_same_findings(tmp_path):
    """The samples summed to one channel and analysed with --layout mono (voice separation with the
    segmentation model's overlap detection): the same mistakes as in stereo, and the impatient
    agent's two barge-ins found by who and when."""
    import subprocess
    import sys

    import soundfile as sf

    mono = tmp_path / "mono"
    mono.mkdir()
    for truth_path in SAMPLE_TRUTHS:
        x, sr = sf.read(str(truth_path.with_name(truth_path.name.replace(".truth.json", ".wav"))))
        sf.write(str(mono / truth_path.name.replace(".truth.json", ".wav")), x.mean(axis=1), sr)
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "callcheck", "analyze", str(mono), "--layout", "mono", "--out", str(out),
                          "--workers", "1", "--no-report"], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    for truth_path in SAMPLE_TRUTHS:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        call = json.loads((out / "calls" / f"{truth['call_id']}.json").read_text(encoding="utf-8"))
        assert call["conversation"]["overlaps_reliable"] is True
        got = {f["mistake"] for f in call["findings"]}
        assert got == {i["mistake"] for i in truth["intended_findings"]}, (truth["call_id"], [f["message"] for f in call["findings"]])
        want = [o for o in truth["overlaps"] if o["kind"] == "interruption"]
        found = [o for o in call["overlaps"] if o["kind"] == "interruption"]
        assert len(found) == len(want), (truth["call_id"], found)
        for o in want:  # measured: starts within 0.04 s, ends within 0.2 s
            assert any(f["interrupter"] == o["interrupter"] and abs(f["start_s"] - o["start_s"]) <= 0.2
                       and abs(f["end_s"] - o["end_s"]) <= 0.3 for f in found), (o, found)
