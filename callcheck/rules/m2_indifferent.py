"""Mistake 2, "Telefonstimme klingt teilnahmslos" (indifferent voice).

Signals (mission.md): flat prosody (``monotony``), low vocal energy (agent quieter than the caller,
or quieter than the team / own calls), slow responses (median reply latency), few acknowledgements
(agent backchannels per minute of caller talk), no empathy phrases. It fires when
``m2_min_signals`` are present and at least one of them is a voice signal (flat or quiet): the
article's mistake is about how the voice sounds, not about words alone.
"""

from __future__ import annotations

from typing import Any, Mapping

from callcheck.record import CallRecord
from callcheck.rules.common import (
    RuleContext, agent_backchannels, compare, longest_turn, primary, quote, r3, reply_gaps, reply_latency_median, span,
    talk_time, turn_quote,
)
from callcheck.types import Finding, Severity

MISTAKE = 2
RULE_ID = "M2_INDIFFERENT"
THRESHOLDS = ("m2_monotony_min", "m2_quiet_vs_caller_db", "m2_reply_latency_s", "m2_backchannels_per_min",
              "m2_min_caller_talk_s", "m2_min_signals", "m1_min_talk_s")
SIGNALS = "flat prosody, quiet vs caller/team/own, slow replies, few backchannels, no empathy phrases"


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    if talk_time(rec, "agent") < cfg.m1_min_talk_s or not rec.speaker("caller").present:
        return []
    ag = rec.speaker("agent")
    signals: dict[str, Any] = {}
    comparisons: dict[str, Any] = {}
    mono = ag.monotony
    if mono is not None:
        cm = compare(mono, measure="agent.monotony", higher_is_worse=True, absolute=cfg.m2_monotony_min, ctx=ctx)
        comparisons["monotony"] = [c.to_json() for c in cm]
        if primary(cm):
            signals["flat_prosody"] = {"monotony": r3(mono), "baseline": primary(cm)}
    rel_db = rec.conversation.agent_minus_caller_loudness_db
    loud = ag.loudness_dbfs
    caller_loud = rec.speaker("caller").loudness_dbfs
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
    lat = reply_latency_median(rec)
    slowest = None
    if lat is not None and lat > cfg.m2_reply_latency_s:
        gaps = reply_gaps(rec, "agent")
        slowest = max(gaps, key=lambda g: g[0]) if gaps else None
        signals["slow_replies"] = {"reply_latency_median_s": r3(lat), "threshold_s": cfg.m2_reply_latency_s, "baseline": "absolute"}
    caller_talk = talk_time(rec, "caller")
    if caller_talk >= cfg.m2_min_caller_talk_s:
        bc = agent_backchannels(rec)
        rate = bc / (caller_talk / 60.0)
        if rate < cfg.m2_backchannels_per_min:
            signals["few_backchannels"] = {"backchannels": bc, "per_min_caller_talk": r3(rate),
                                           "threshold_per_min": cfg.m2_backchannels_per_min, "baseline": "absolute"}
        if not ctx.hits(rec, "agent", "empathy"):
            signals["no_empathy_phrases"] = {"empathy_phrases": 0, "caller_talk_s": r3(caller_talk)}
    voice = "flat_prosody" in signals or "low_energy" in signals
    if len(signals) < cfg.m2_min_signals or not voice:
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
    baselines = [s.get("baseline") for s in signals.values() if isinstance(s, Mapping) and s.get("baseline")]
    main = next((b for b in ("agent", "team") if b in baselines), "absolute")
    severity: Severity = "high" if len(signals) >= cfg.m2_min_signals + 1 else "medium"
    evidence = {"baseline": main, "signals": signals, "signal_count": len(signals), "min_signals": cfg.m2_min_signals,
                "comparisons": comparisons, "span": where, "quote": q}
    msg = f"The agent sounds indifferent: {', '.join(k.replace('_', ' ') for k in signals)}."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, msg)]
