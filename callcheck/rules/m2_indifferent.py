"""Mistake 2, "Telefonstimme klingt teilnahmslos" (indifferent voice).

Signals (mission.md): flat prosody (``monotony`` beyond the team's / own calls, or in absolute terms
together with ``f0_variation_st``, as mistake 1's backstop), low vocal energy (agent quieter than the caller,
or quieter than the team / own calls), slow responses (median reply latency), few acknowledgements
(agent backchannels per minute of caller talk), no empathy phrases. It fires when
``m2_min_signals`` are present and at least one of them is a voice signal (flat or quiet): the
article's mistake is about how the voice sounds, not about words alone. Needs a caller.
"""

from __future__ import annotations

from callcheck.record import CallRecord
from callcheck.rules.common import (
    RuleContext, Signal, agent_backchannels, compare, describe_signal, evidence, fired_signals, longest_turn, quote, r3,
    reply_gaps, reply_latency_median, span, talk_time, turn_quote,
)
from callcheck.types import Finding, Severity

MISTAKE = 2
RULE_ID = "M2_INDIFFERENT"
THRESHOLDS = ("m2_monotony_min", "m1_f0_variation_st_max", "m1_monotony_min_delta", "m2_quiet_vs_caller_db", "m2_reply_latency_s", "m2_backchannels_per_min",
              "m2_min_caller_talk_s", "m2_min_signals", "m1_min_talk_s")
SIGNALS = "flat prosody, quiet vs caller/team/own, slow replies, few backchannels, no empathy phrases"
COMPARES = ("absolute", "caller", "team", "own")
MEASURES = ("agent.monotony", "agent.loudness_dbfs")
CALLER_MEASURE = "loudness_dbfs"


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    if not rec.speaker("caller").present:
        return ctx.skip(RULE_ID, "no caller in this recording (agent-only)")
    if talk_time(rec, "agent") < cfg.m1_min_talk_s:
        return ctx.skip(RULE_ID, f"the agent speaks less than rules.m1_min_talk_s = {cfg.m1_min_talk_s:g} s")
    ag, ca = rec.speaker("agent"), rec.speaker("caller")
    groups: dict[str, list[Signal]] = {}
    mono = ag.monotony
    if mono is not None:
        cm = compare(mono, measure="agent.monotony", higher_is_worse=True, absolute=cfg.m2_monotony_min, ctx=ctx, min_delta=cfg.m1_monotony_min_delta,
                     own_beyond_team_median=True)
        flat = fired_signals(cm, signal="monotony", value=mono, higher_is_worse=True)
        f0sd = ag.f0_variation_st
        if any(s.comparison == "absolute" for s in flat):  # the absolute bar needs both flat measures, as mistake 1's
            if f0sd is not None and f0sd <= cfg.m1_f0_variation_st_max:
                flat.append(Signal("f0_variation_st", f0sd, "<=", cfg.m1_f0_variation_st_max, unit="st"))
            else:
                flat = [s for s in flat if s.comparison != "absolute"]
        if flat:
            groups["flat_prosody"] = flat
    loud, caller_loud = ag.loudness_dbfs, ca.loudness_dbfs
    quiet: list[Signal] = []
    if loud is not None and caller_loud is not None:  # both trusted: the conversation's difference is of the same numbers
        rel_db = loud - caller_loud
        if rel_db <= cfg.m2_quiet_vs_caller_db:
            quiet.append(Signal("agent_minus_caller_loudness", rel_db, "<=", cfg.m2_quiet_vs_caller_db, "caller",
                                reference=caller_loud, unit="dB"))
    if loud is not None:
        cl = compare(loud, measure="agent.loudness_dbfs", higher_is_worse=False, absolute=None, ctx=ctx)
        quiet += fired_signals(cl, signal="loudness", value=loud, higher_is_worse=False, unit="dBFS")
    if quiet:
        groups["low_energy"] = quiet
    lat = reply_latency_median(rec)
    slowest = None
    if lat is not None and lat > cfg.m2_reply_latency_s:
        gaps = reply_gaps(rec, "agent")
        slowest = max(gaps, key=lambda g: g[0]) if gaps else None
        groups["slow_replies"] = [Signal("reply_latency_median", lat, ">", cfg.m2_reply_latency_s, unit="s")]
    caller_talk = talk_time(rec, "caller")
    if caller_talk >= cfg.m2_min_caller_talk_s:
        bc = agent_backchannels(rec)
        if bc is not None:
            rate = bc / (caller_talk / 60.0)
            if rate < cfg.m2_backchannels_per_min:
                groups["few_backchannels"] = [Signal("backchannels_per_min_caller_talk", rate, "<", cfg.m2_backchannels_per_min, unit="1/min")]
        if not ctx.hits(rec, "agent", "empathy"):
            groups["no_empathy_phrases"] = [Signal("empathy_phrases", 0, "<", 1)]
    voice = "flat_prosody" in groups or "low_energy" in groups
    if len(groups) < cfg.m2_min_signals or not voice:
        return []
    start_s: float | None
    end_s: float | None
    if slowest is not None:
        gap, before, reply = slowest
        start_s, end_s = before.end_s, reply.start_s + min(3.0, reply.end_s - reply.start_s)
        q = f"caller: {quote(before.text, max_words=cfg.quote_max_words // 2)} / agent (after {gap:.1f} s): {quote(reply.text, max_words=cfg.quote_max_words // 2)}"
        where = "the slowest agent reply"
    else:
        turn = longest_turn(rec, "agent")
        start_s, end_s = span(turn)
        q = turn_quote(turn, max_words=cfg.quote_max_words)
        where = "agent's longest turn"
    fired = [s for g in groups.values() for s in g]
    severity: Severity = "high" if len(groups) >= cfg.m2_min_signals + 1 else "medium"
    signals = {k: {s.signal: r3(s.value) for s in g} | {"baseline": g[0].baseline} for k, g in groups.items()}
    ev = evidence(fired, signals=signals, signal_count=len(groups), min_signals=cfg.m2_min_signals, span=where, quote=q)
    msg = "The agent sounds indifferent: " + "; ".join(f"{k.replace('_', ' ')} ({describe_signal(g[0])})" for k, g in groups.items()) + "."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, ev, msg)]
