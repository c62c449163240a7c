"""Mistake 1, "Stimme klingt tonlos" (toneless voice): flat pitch, compared with the team and the agent.

Signals (mission.md): ``speakers.agent.monotony`` (0..1, 1 = flat) against an absolute backstop, the
team's distribution and the agent's own calls; ``f0_variation_st`` (F0 SD in semitones around the
speaker's median, eGeMAPS/DisVoice vocabulary) as support. No sourced absolute cut-off exists for
either (norms.md), so the relative comparisons carry the rule once baselines exist; the absolute
backstop fires only when monotony and F0 SD both cross their bars.
"""

from __future__ import annotations

import dataclasses

from callcheck.record import CallRecord
from callcheck.rules.common import RuleContext, compare, longest_turn, primary, r3, span, talk_time, turn_quote
from callcheck.types import Finding, Severity

MISTAKE = 1
RULE_ID = "M1_TONELESS"
THRESHOLDS = ("m1_monotony_min", "m1_f0_variation_st_max", "m1_min_talk_s", "team_percentile", "agent_mad_k")
SIGNALS = "monotony (0..1) vs absolute/team/own; F0 SD in semitones"


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    ag = rec.speaker("agent")
    talk_s = talk_time(rec, "agent")
    if talk_s < cfg.m1_min_talk_s:
        return []
    mono = ag.monotony
    f0sd = ag.f0_variation_st
    comps_m = compare(mono, measure="agent.monotony", higher_is_worse=True, absolute=cfg.m1_monotony_min, ctx=ctx) if mono is not None else []
    comps_f = compare(f0sd, measure="agent.f0_variation_st", higher_is_worse=False, absolute=cfg.m1_f0_variation_st_max, ctx=ctx) if f0sd is not None else []
    if comps_m and comps_f:  # the absolute backstop needs both flat measures to agree
        both = comps_m[0].fired and comps_f[0].fired
        comps_m[0] = dataclasses.replace(comps_m[0], fired=both)
    main = primary(comps_m) if comps_m else primary(comps_f)
    if main is None:
        return []
    fired = sum(c.fired for c in comps_m) + sum(c.fired for c in comps_f)
    severity: Severity = "high" if fired >= 3 else "medium" if fired == 2 or main != "team" else "low"
    turn = longest_turn(rec, "agent")
    start_s, end_s = span(turn)
    evidence = {
        "baseline": main,
        "measures": {"monotony": r3(mono), "f0_variation_st": r3(f0sd), "f0_range_st": r3(ag.f0_range_st),
                     "loudness_variation_db": r3(ag.loudness_variation_db), "talk_time_s": r3(talk_s)},
        "comparisons": {"monotony": [c.to_json() for c in comps_m], "f0_variation_st": [c.to_json() for c in comps_f]},
        "span": "agent's longest turn (the measures cover all of the agent's speech)",
        "quote": turn_quote(turn, max_words=cfg.quote_max_words),
    }
    what = f"monotony {mono:.2f}" if mono is not None else f"F0 variation {f0sd:.1f} st"
    msg = f"The agent's voice is flat ({what}; compared with the {main} baseline)."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, msg)]
