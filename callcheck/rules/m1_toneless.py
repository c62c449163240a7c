"""Mistake 1, "Stimme klingt tonlos" (toneless voice): flat pitch, compared with the team and the agent.

Signals (mission.md): ``speakers.agent.monotony`` (0..1, 1 = flat) against an absolute backstop, the
team's distribution and the agent's own calls; ``f0_variation_st`` (F0 SD in semitones around the
speaker's median, eGeMAPS/DisVoice vocabulary) as support. No sourced absolute cut-off exists for
either (norms.md), so the relative comparisons carry the rule once baselines exist; the absolute
backstop fires only when monotony and F0 SD both cross their bars (calibrated on real Emo-DB
deliveries, ``benchmarks/eval_rules.py``). F0 SD alone decides only when monotony is not measured
(it separated flat from lively deliveries less well: docs/measures.md).
"""

from __future__ import annotations

from callcheck.record import CallRecord
from callcheck.rules.common import (
    RuleContext, Signal, compare, describe_signal, evidence, fired_signals, longest_turn, main_baseline, span, talk_time,
    turn_quote,
)
from callcheck.types import Finding, Severity

MISTAKE = 1
RULE_ID = "M1_TONELESS"
THRESHOLDS = ("m1_monotony_min", "m1_f0_variation_st_max", "m1_monotony_min_delta", "m1_min_talk_s", "team_percentile", "agent_mad_k")
SIGNALS = "monotony (0..1) vs absolute/team/own; F0 SD in semitones"
COMPARES = ("absolute", "team", "own")
MEASURES = ("agent.monotony", "agent.f0_variation_st")


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    ag = rec.speaker("agent")
    talk_s = talk_time(rec, "agent")
    if talk_s < cfg.m1_min_talk_s:
        return ctx.skip(RULE_ID, f"the agent speaks {talk_s:.1f} s, less than rules.m1_min_talk_s = {cfg.m1_min_talk_s:g} s")
    mono, f0sd = ag.monotony, ag.f0_variation_st
    if mono is None and f0sd is None:
        return ctx.skip(RULE_ID, "neither monotony nor F0 variation is measured (or trusted)")
    cm = compare(mono, measure="agent.monotony", higher_is_worse=True, absolute=cfg.m1_monotony_min, ctx=ctx,
                 min_delta=cfg.m1_monotony_min_delta, own_beyond_team_median=True) if mono is not None else []
    cf = compare(f0sd, measure="agent.f0_variation_st", higher_is_worse=False, absolute=cfg.m1_f0_variation_st_max, ctx=ctx,
                 own_beyond_team_median=True) if f0sd is not None else []
    both_absolute = bool(cm and cf and cm[0].fired and cf[0].fired)
    sm = fired_signals(cm, signal="monotony", value=mono, higher_is_worse=True) if mono is not None else []
    sf = fired_signals(cf, signal="f0_variation_st", value=f0sd, higher_is_worse=False, unit="st") if f0sd is not None else []
    if not both_absolute:  # the absolute backstop needs both flat measures
        sm = [s for s in sm if s.comparison != "absolute"]
        sf = [s for s in sf if s.comparison != "absolute"]
    carrying = sm if mono is not None else sf
    if not carrying:
        return []
    fired: list[Signal] = sm + sf
    main = main_baseline(carrying)
    severity: Severity = "high" if len(fired) >= 3 else "medium" if len(fired) == 2 or main != "team" else "low"
    turn = longest_turn(rec, "agent")
    start_s, end_s = span(turn)
    ev = evidence(fired, span="agent's longest turn (the measures cover all of the agent's speech)",
                  quote=turn_quote(turn, max_words=cfg.quote_max_words), talk_time_s=round(talk_s, 3))
    msg = "The agent's voice is flat: " + "; ".join(describe_signal(s) for s in fired) + "."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, ev, msg)]
