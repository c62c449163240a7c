"""Mistake 7, "zu schnelles Sprechen" (speaking too fast): a high articulation rate.

Signals (mission.md, norms.md): the agent's articulation rate (syllables/s, pauses removed — so it
compares across German and English) above the norm *and* above the caller's rate by
``m7_caller_ratio`` (read speech 5.97-6.19 syll/s, Pellegrino et al. 2011), or above the team /
own calls together (and the caller; the team alone would flag its naturally fastest speaker,
whose own calls are all as fast), or at least ``m7_own_ratio`` times the agent's own median rate
and not slower than the caller (the same speaker speeding up); the caller asking to slow down ("langsamer bitte") is direct
evidence. **Without a caller to compare with** (agent-only practice recordings, or the caller's
rate not measured) the bar is ``m7_articulation_sps_alone``, calibrated on real read and
spontaneous speech (``benchmarks/eval_rules.py``): the norm alone sits inside normal read rates.
Pauses and gaps are mistake 5.
"""

from __future__ import annotations

from typing import Any

from callcheck.record import CallRecord
from callcheck.rules.common import (
    RuleContext, Signal, compare, describe_signal, evidence, fired_signals, longest_turn, prev_turn, quote, span as turn_span,
    talk_time, turn_at, turn_quote,
)
from callcheck.types import Finding, Severity

MISTAKE = 7
RULE_ID = "M7_TOO_FAST"
THRESHOLDS = ("m7_articulation_sps", "m7_articulation_sps_alone", "m7_caller_ratio", "m7_own_ratio", "m7_own_caller_ratio_min", "m7_slow_down_min_ratio", "m1_min_talk_s",
              "team_percentile", "agent_mad_k")
SIGNALS = "articulation rate (syll/s) vs norm/team/own and vs the caller (no caller: a higher norm); caller asks to slow down"
COMPARES = ("absolute", "caller", "team", "own")
MEASURES = ("agent.articulation_rate_sps",)
CALLER_MEASURE = "articulation_rate_sps"


def own_pace_signals(rate: float, ratio: float | None, caller_rate: float | None, ctx: RuleContext) -> list[Signal]:
    """The own-pace verdict: the agent at least ``m7_own_ratio`` times their own median articulation
    rate (other calls, at least ``agent_min_calls``) and not slower than the caller
    (``m7_own_caller_ratio_min``). It tells a naturally fast speaker's normal calls (no finding)
    from the calls in which the same speaker speeds up — what no single bar can do."""
    cfg, bl = ctx.config, ctx.baselines
    if bl is None:
        return []
    n_own, med, _ = bl.agent_stats(ctx.agent, "agent.articulation_rate_sps", exclude_call=ctx.call_id)
    if n_own < cfg.agent_min_calls or not med > 0:
        return []
    own = Signal("articulation_rate", rate, ">=", med * cfg.m7_own_ratio, "own", n=n_own, reference=med, unit="syll/s")
    if not own.holds():
        return []
    if ratio is None:
        return [own]
    vs_caller = Signal("agent_to_caller_articulation_ratio", ratio, ">=", cfg.m7_own_caller_ratio_min, "caller", reference=caller_rate)
    return [own, vs_caller] if vs_caller.holds() else []


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    ag, ca = rec.speaker("agent"), rec.speaker("caller")
    rate, caller_rate = ag.articulation_rate_sps, ca.articulation_rate_sps
    ratio = rate / caller_rate if rate is not None and caller_rate else None
    requests = ctx.hits(rec, "caller", "slow_down_requests")
    if requests and ratio is not None and ratio < cfg.m7_slow_down_min_ratio:
        requests = []  # the agent speaks slower than the caller: the request is about something else
    voice_ok = talk_time(rec, "agent") >= cfg.m1_min_talk_s
    if not voice_ok and not requests:
        return ctx.skip(RULE_ID, f"the agent speaks less than rules.m1_min_talk_s = {cfg.m1_min_talk_s:g} s")
    norm = cfg.m7_articulation_sps if caller_rate else cfg.m7_articulation_sps_alone
    caller_sig = Signal("agent_to_caller_articulation_ratio", ratio, ">=", cfg.m7_caller_ratio, "caller",
                        reference=caller_rate) if ratio is not None else None
    fired: list[Signal] = []
    if voice_ok and rate is not None and (caller_sig is None or caller_sig.holds()):
        comps = compare(rate, measure="agent.articulation_rate_sps", higher_is_worse=True, absolute=norm, ctx=ctx)
        fired = fired_signals(comps, signal="articulation_rate", value=rate, higher_is_worse=True, unit="syll/s")
        kinds = {x.comparison for x in fired}
        if "absolute" not in kinds and not {"team", "own"} <= kinds:
            fired = []  # a relative verdict needs the team *and* the agent's own calls: the team alone flags its naturally fastest speaker
        if fired and caller_sig is not None:
            fired.append(caller_sig)
    if voice_ok and rate is not None and not fired:
        fired = own_pace_signals(rate, ratio, caller_rate, ctx)
    window = None
    if voice_ok and not fired:  # a too-fast stretch: a window above the norm (and above the caller)
        fast = [w for w in ag.rate_over_time if w.articulation_rate_sps is not None and w.articulation_rate_sps > norm
                and (not caller_rate or w.articulation_rate_sps / caller_rate >= cfg.m7_caller_ratio)]
        if fast:
            window = max(fast, key=lambda w: w.articulation_rate_sps or 0.0)
            wr = window.articulation_rate_sps or 0.0
            fired = [Signal("window_articulation_rate", wr, ">", norm, unit="syll/s", at_s=window.start_s)]
            if caller_rate:
                fired.append(Signal("window_to_caller_articulation_ratio", wr / caller_rate, ">=", cfg.m7_caller_ratio, "caller",
                                    reference=caller_rate))
    for h in requests:
        fired.append(Signal("slow_down_request", 1, ">=", 1, "caller", at_s=h.start_s))
    if not fired:
        return []
    rate_fired = any(s.signal != "slow_down_request" for s in fired)
    severity: Severity = "high" if rate_fired and requests else "medium" if rate_fired and caller_sig is not None else "low" if rate_fired else (
        "medium" if ratio is not None and ratio > 1.0 else "low")
    start_s: float | None
    end_s: float | None
    if requests:
        h = requests[0]
        before = prev_turn(rec, h.start_s, "agent")
        start_s, end_s = (before.start_s if before else h.start_s), h.end_s
        where, turn = "the agent turn before the caller asked to slow down", before
    elif window is not None:
        start_s, end_s, where = window.start_s, window.end_s, "the window with the highest articulation rate"
        turn = turn_at(rec, "agent", start_s, end_s)
    else:
        ws = [w for w in ag.rate_over_time if w.articulation_rate_sps is not None]
        if ws:
            w = max(ws, key=lambda w: w.articulation_rate_sps or 0.0)
            start_s, end_s, where = w.start_s, w.end_s, "the window with the highest articulation rate"
            turn = turn_at(rec, "agent", start_s, end_s)
        else:
            turn = longest_turn(rec, "agent")
            start_s, end_s = turn_span(turn)
            where = "agent's longest turn"
    extra: dict[str, Any] = {"span": where, "quote": turn_quote(turn, max_words=cfg.quote_max_words)}
    if requests:
        extra["caller_quote"] = quote(requests[0].turn_text, max_words=cfg.quote_max_words, around=requests[0].matched)
        extra["slow_down_requests"] = len(requests)
    ev = evidence(fired, **extra)
    parts = [describe_signal(s) for s in fired if s.signal != "slow_down_request"]
    if requests:
        parts.append(f"the caller asked to slow down (\u201c{requests[0].matched}\u201d at {requests[0].start_s:.1f} s)")
    if rate_fired:
        msg = "The agent speaks too fast: " + "; ".join(parts) + "."
    else:
        msg = f"The caller asked the agent to slow down (\u201c{requests[0].matched}\u201d at {requests[0].start_s:.1f} s)."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, ev, msg)]
