"""Mistake 2, "Telefonstimme klingt teilnahmslos" (indifferent voice).

Signals (mission.md): flat prosody (``monotony``), low vocal energy (agent quieter than the caller,
or quieter than the team / own calls), slow responses (median reply latency), few acknowledgements
(agent backchannels per minute of caller talk), no empathy phrases. It fires when
``m2_min_signals`` are present and at least one of them is a voice signal (flat or quiet): the
article's mistake is about how the voice sounds, not about words alone.
"""

from __future__ import annotations

import statistics
from typing import Any, Mapping

from callcheck.rules.common import (
    RuleContext, compare, conversation, longest_turn, num, primary, quote, r3, reply_gaps, speaker,
)
from callcheck.rules.m1_toneless import talk_time
from callcheck.types import Finding

MISTAKE = 2
RULE_ID = "M2_INDIFFERENT"
THRESHOLDS = ("m2_monotony_min", "m2_quiet_vs_caller_db", "m2_reply_latency_s", "m2_backchannels_per_min",
              "m2_min_caller_talk_s", "m2_min_signals", "m1_min_talk_s")
SIGNALS = "flat prosody, quiet vs caller/team/own, slow replies, few backchannels, no empathy phrases"


def agent_backchannels(call: Mapping[str, Any]) -> int:
    v = num(speaker(call, "agent").get("backchannels"))
    if v is not None:
        return int(v)
    return sum(1 for o in (call.get("overlaps") or []) if o.get("interrupter") == "agent" and o.get("kind") == "backchannel")


def reply_latency_median(call: Mapping[str, Any]) -> float | None:
    v = num(speaker(call, "agent").get("reply_latency_median_s"))
    if v is not None:
        return v
    gaps = [g for g, _, _ in reply_gaps(call, "agent")]
    return statistics.median(gaps) if gaps else None


def check(call: Mapping[str, Any], ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    if talk_time(call, "agent") < cfg.m1_min_talk_s or not speaker(call, "caller"):
        return []
    ag = speaker(call, "agent")
    signals: dict[str, Any] = {}
    comparisons: dict[str, Any] = {}
    mono = num(ag.get("monotony"))
    if mono is not None:
        cm = compare(mono, measure="agent.monotony", higher_is_worse=True, absolute=cfg.m2_monotony_min, ctx=ctx)
        comparisons["monotony"] = [c.to_json() for c in cm]
        if primary(cm):
            signals["flat_prosody"] = {"monotony": r3(mono), "baseline": primary(cm)}
    a2c = conversation(call).get("agent_to_caller") or {}
    rel_db = num(a2c.get("loudness_db"))
    if rel_db is None:
        rel_db = num(a2c.get("agent_minus_caller_loudness_db"))
    loud = num(ag.get("loudness_dbfs"))
    caller_loud = num(speaker(call, "caller").get("loudness_dbfs"))
    if rel_db is None and loud is not None and caller_loud is not None:
        rel_db = loud - caller_loud
    quiet_by = None
    if rel_db is not None and rel_db <= cfg.m2_quiet_vs_caller_db:
        quiet_by = "caller"
    if loud is not None:
        cl = compare(loud, measure="agent.loudness_dbfs", higher_is_worse=False, absolute=None, ctx=ctx)
        comparisons["loudness_dbfs"] = [c.to_json() for c in cl]
        quiet_by = quiet_by or primary(cl)
    if quiet_by:
        signals["low_energy"] = {"agent_to_caller_loudness_db": r3(rel_db), "loudness_dbfs": r3(loud),
                                 "threshold_db": cfg.m2_quiet_vs_caller_db, "baseline": quiet_by}
    lat = reply_latency_median(call)
    slowest = None
    if lat is not None and lat > cfg.m2_reply_latency_s:
        gaps = reply_gaps(call, "agent")
        slowest = max(gaps, key=lambda g: g[0]) if gaps else None
        signals["slow_replies"] = {"reply_latency_median_s": r3(lat), "threshold_s": cfg.m2_reply_latency_s, "baseline": "absolute"}
    caller_talk = talk_time(call, "caller")
    if caller_talk >= cfg.m2_min_caller_talk_s:
        bc = agent_backchannels(call)
        rate = bc / (caller_talk / 60.0)
        if rate < cfg.m2_backchannels_per_min:
            signals["few_backchannels"] = {"backchannels": bc, "per_min_caller_talk": r3(rate),
                                           "threshold_per_min": cfg.m2_backchannels_per_min, "baseline": "absolute"}
        if not ctx.hits(call, "agent", "empathy"):
            signals["no_empathy_phrases"] = {"empathy_phrases": 0, "caller_talk_s": r3(caller_talk)}
    voice = "flat_prosody" in signals or "low_energy" in signals
    if len(signals) < cfg.m2_min_signals or not voice:
        return []
    if slowest is not None:
        gap, before, reply = slowest
        start_s, end_s = float(before["end_s"]), float(reply["start_s"]) + min(3.0, float(reply["end_s"]) - float(reply["start_s"]))
        q = f"caller: {quote(before.get('text', ''), max_words=cfg.quote_max_words // 2)} / agent (after {gap:.1f} s): {quote(reply.get('text', ''), max_words=cfg.quote_max_words // 2)}"
        span = "the slowest agent reply"
    else:
        turn = longest_turn(call, "agent")
        start_s, end_s = (float(turn["start_s"]), float(turn["end_s"])) if turn else (None, None)
        q = quote(str(turn.get("text", "")), max_words=cfg.quote_max_words) if turn else ""
        span = "agent's longest turn"
    baselines = [s.get("baseline") for s in signals.values() if isinstance(s, Mapping) and s.get("baseline")]
    main = next((b for b in ("agent", "team") if b in baselines), "absolute")
    severity = "high" if len(signals) >= cfg.m2_min_signals + 1 else "medium"
    evidence = {"baseline": main, "signals": signals, "signal_count": len(signals), "min_signals": cfg.m2_min_signals,
                "comparisons": comparisons, "span": span, "quote": q}
    msg = f"The agent sounds indifferent: {', '.join(k.replace('_', ' ') for k in signals)}."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, msg)]
