"""Mistake 7, "zu schnelles Sprechen" (speaking too fast): a high articulation rate.

Signals (mission.md, norms.md): the agent's articulation rate (syllables/s, pauses removed — so it
compares across German and English) above the norm (read speech 5.97-6.19 syll/s, Pellegrino et
al. 2011), above the team / own calls, *and* above the caller's rate by ``m7_caller_ratio``; the
caller asking to slow down ("langsamer bitte") is direct evidence. Pauses and gaps are mistake 5.
"""

from __future__ import annotations

from callcheck.record import CallRecord
from callcheck.rules.common import (
    RuleContext, compare, longest_turn, prev_turn, primary, quote, r3, span as turn_span, talk_time, turn_at, turn_quote,
)
from callcheck.types import Finding, Severity

MISTAKE = 7
RULE_ID = "M7_TOO_FAST"
THRESHOLDS = ("m7_articulation_sps", "m7_caller_ratio", "m1_min_talk_s", "team_percentile", "agent_mad_k")
SIGNALS = "articulation rate (syll/s) vs norm/team/own and vs the caller; caller asks to slow down"


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    ag, ca = rec.speaker("agent"), rec.speaker("caller")
    rate = ag.articulation_rate_sps
    caller_rate = ca.articulation_rate_sps
    slow_down = ctx.hits(rec, "caller", "slow_down_requests")
    if talk_time(rec, "agent") < cfg.m1_min_talk_s and not slow_down:
        return []
    whole_rate = rate
    comps = compare(rate, measure="agent.articulation_rate_sps", higher_is_worse=True, absolute=cfg.m7_articulation_sps, ctx=ctx) if rate is not None else []
    main = primary(comps)
    ratio = rate / caller_rate if rate is not None and caller_rate else None
    above_caller = ratio is None or ratio >= cfg.m7_caller_ratio
    rate_fires = main is not None and above_caller
    # a too-fast stretch: a window of rate_over_time above the norm and above the caller
    fast_windows = [w for w in ag.rate_over_time
                    if (w.articulation_rate_sps or 0.0) > cfg.m7_articulation_sps
                    and (not caller_rate or w.articulation_rate_sps / caller_rate >= cfg.m7_caller_ratio)]
    if not rate_fires and fast_windows:
        rate_fires, main = True, "absolute"
        fastest = max(fast_windows, key=lambda w: w.articulation_rate_sps or 0.0)
        rate = fastest.articulation_rate_sps
        ratio = rate / caller_rate if caller_rate else None
    if not rate_fires and not slow_down:
        return []
    if rate_fires and slow_down:
        severity: Severity = "high"
    elif rate_fires:
        severity = "medium" if ratio is not None else "low"
    else:
        severity = "medium" if (ratio is not None and ratio > 1.0) else "low"
    start_s: float | None
    end_s: float | None
    if slow_down:
        h = slow_down[0]
        before = prev_turn(rec, h.start_s, "agent")
        start_s = before.start_s if before else h.start_s
        end_s, span = h.end_s, "the agent turn before the caller asked to slow down"
        turn = before
    else:
        ws = fast_windows or [w for w in ag.rate_over_time if w.articulation_rate_sps is not None]
        if ws:
            w = max(ws, key=lambda w: w.articulation_rate_sps or 0.0)
            start_s, end_s, span = w.start_s, w.end_s, "the window with the highest articulation rate"
            turn = turn_at(rec, "agent", start_s, end_s)
        else:
            turn = longest_turn(rec, "agent")
            start_s, end_s = turn_span(turn)
            span = "agent's longest turn"
    evidence = {
        "baseline": main or "absolute",
        "measures": {"articulation_rate_sps": r3(rate), "call_articulation_rate_sps": r3(whole_rate),
                     "fast_windows": len(fast_windows), "caller_articulation_rate_sps": r3(caller_rate),
                     "agent_to_caller_ratio": r3(ratio), "speech_rate_wpm": r3(ag.speech_rate_wpm),
                     "slow_down_requests": len(slow_down)},
        "thresholds": {"articulation_sps": cfg.m7_articulation_sps, "caller_ratio": cfg.m7_caller_ratio},
        "comparisons": [c.to_json() for c in comps],
        "span": span,
        "quote": turn_quote(turn, max_words=cfg.quote_max_words),
    }
    if slow_down:
        evidence["caller_quote"] = quote(slow_down[0].turn_text, max_words=cfg.quote_max_words, around=slow_down[0].matched)
    what = f"{rate:.1f} syllables/s" if rate is not None else "the caller asked to slow down"
    if ratio is not None:
        what += f", {ratio:.2f}x the caller"
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, f"The agent speaks too fast ({what}).")]
