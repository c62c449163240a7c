"""Mistake 5, "Stimme klingt gehetzt" (rushed voice): little breathing room, short gaps, speeding up.

Distinct from mistake 7 (norms.md): "rushed" is about the room around the words — few and short
pauses (``pause_share``), very short reply gaps (median reply latency against the ~0.2 s typical gap
of Stivers et al. 2009), speeding up over the call (``rate_over_time``, last third vs first third)
and a high speech rate *with pauses included* (wpm, language-specific norm). It fires when
``m5_min_signals`` of these are present. The articulation rate (mistake 7) is not one of them, and a
speed-up into a too-fast articulation rate is left to mistake 7.

Moments: a *stretch* of ``m5_min_run`` consecutive agent replies with very short gaps (0 <= gap <
``m5_reply_gap_max_s``) that also speeds up turn by turn, exceeds the speech-rate norm or comes with
little breathing room is its own finding. Without such a stretch, the whole call is rushed only
with little breathing room *and* a speed-up (plus the wpm norm as a further signal): a fast talker
with few pauses at a steady pace is not rushed, and a high articulation rate is mistake 7.
"""

from __future__ import annotations

import statistics
from typing import Any

from callcheck.record import CallRecord, RateWindow, Speaker
from callcheck.rules.common import (
    RuleContext, compare, longest_turn, primary, quote, r3, reply_gaps, reply_latency_median, talk_time, turn_at, turn_quote,
)
from callcheck.types import Finding, Severity, Turn

MISTAKE = 5
RULE_ID = "M5_RUSHED"
THRESHOLDS = ("m5_pause_share_max", "m5_reply_gap_max_s", "m5_min_run", "m5_speedup_ratio", "m5_speech_rate_wpm_en",
              "m5_speech_rate_wpm_de", "m5_min_signals", "m1_min_talk_s")
SIGNALS = "low pause share, very short reply gaps, speeding up over the call, speech rate (wpm, pauses included)"


def _windows(ag: Speaker) -> list[RateWindow]:
    return [w for w in ag.rate_over_time if w.speech_rate_wpm is not None]


def speedup(ag: Speaker) -> tuple[float | None, RateWindow | None]:
    """Mean speech rate of the last third of the windows / the first third, and the fastest late window."""
    ws = _windows(ag)
    if len(ws) < 3:
        return None, None
    k = max(1, len(ws) // 3)
    first = statistics.fmean(w.speech_rate_wpm or 0.0 for w in ws[:k])
    last = statistics.fmean(w.speech_rate_wpm or 0.0 for w in ws[-k:])
    if first <= 0:
        return None, None
    return last / first, max(ws[-k:], key=lambda w: w.speech_rate_wpm or 0.0)


def turn_wpm(turn: Turn) -> float | None:
    d = turn.end_s - turn.start_s
    n = len(turn.text.split())
    return n / (d / 60.0) if d > 0.5 and n >= 3 else None


def rushed_runs(rec: CallRecord, max_gap_s: float, min_run: int, min_gap_s: float = 0.0) -> list[list[tuple[float, Turn]]]:
    """Maximal runs of consecutive agent replies starting ``min_gap_s < gap < max_gap_s`` after the caller stopped."""
    runs, cur = [], []
    for gap, _, reply in reply_gaps(rec, "agent"):
        if min_gap_s < gap < max_gap_s:
            cur.append((gap, reply))
        else:
            if len(cur) >= min_run:
                runs.append(cur)
            cur = []
    if len(cur) >= min_run:
        runs.append(cur)
    return runs


def _local(rec: CallRecord, ctx: RuleContext, little_room: dict | None) -> list[Finding]:
    """Rushed stretches: consecutive very short reply gaps plus speeding up, a high rate or no pauses."""
    cfg = ctx.config
    lang = rec.language
    limit = cfg.m5_speech_rate_wpm_de if lang == "de" else cfg.m5_speech_rate_wpm_en if lang == "en" else None
    out = []
    for run in rushed_runs(rec, cfg.m5_reply_gap_max_s, cfg.m5_min_run, -cfg.m3_min_interruption_s):
        turns = [r for _, r in run]
        rates = [turn_wpm(t) for t in turns]
        signals: dict[str, Any] = {"short_reply_gaps": {"gaps_s": [r3(g) for g, _ in run], "threshold_s": cfg.m5_reply_gap_max_s, "baseline": "absolute"}}
        known = [r for r in rates if r is not None]
        if len(known) >= 2 and known[0] > 0 and known[-1] / known[0] >= cfg.m5_speedup_ratio:
            signals["speeding_up"] = {"turn_rates_wpm": [r3(r) for r in rates], "last_to_first_ratio": r3(known[-1] / known[0]),
                                      "threshold": cfg.m5_speedup_ratio, "baseline": "absolute"}
        if known and limit is not None and max(known) > limit:
            signals["high_speech_rate"] = {"max_turn_rate_wpm": r3(max(known)), "threshold_wpm": limit, "language": lang, "baseline": "absolute"}
        if little_room:
            signals["little_breathing_room"] = little_room
        if len(signals) < cfg.m5_min_signals:
            continue
        start_s, end_s = turns[0].start_s, turns[-1].end_s
        severity: Severity = "high" if len(signals) >= cfg.m5_min_signals + 2 else "medium"
        evidence = {"baseline": "absolute", "signals": signals, "signal_count": len(signals), "min_signals": cfg.m5_min_signals,
                    "measures": {"replies_in_stretch": len(turns), "articulation_rate_sps": r3(rec.speaker("agent").articulation_rate_sps)},
                    "span": "consecutive agent replies with very short gaps",
                    "quote": quote(" / ".join(t.text for t in turns), max_words=cfg.quote_max_words)}
        msg = f"The agent sounds rushed from {start_s:.1f} s to {end_s:.1f} s: {', '.join(k.replace('_', ' ') for k in signals)}."
        out.append(Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, msg))
    return out[: cfg.max_findings_per_rule]


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    if talk_time(rec, "agent") < cfg.m1_min_talk_s:
        return []
    ag = rec.speaker("agent")
    signals: dict[str, Any] = {}
    comparisons: dict[str, Any] = {}
    ps = ag.pause_share
    if ps is not None:
        cp = compare(ps, measure="agent.pause_share", higher_is_worse=False, absolute=cfg.m5_pause_share_max, ctx=ctx)
        comparisons["pause_share"] = [c.to_json() for c in cp]
        if primary(cp):
            signals["little_breathing_room"] = {"pause_share": r3(ps), "baseline": primary(cp)}
    local = _local(rec, ctx, signals.get("little_breathing_room"))
    if local:
        return local
    lat = reply_latency_median(rec)
    if lat is not None and -cfg.m3_min_interruption_s < lat < cfg.m5_reply_gap_max_s:
        signals["short_reply_gaps"] = {"reply_latency_median_s": r3(lat), "threshold_s": cfg.m5_reply_gap_max_s, "baseline": "absolute"}
    ratio, late = speedup(ag)
    late_art = late.articulation_rate_sps if late is not None else None
    if ratio is not None and ratio >= cfg.m5_speedup_ratio and not (late_art is not None and late_art > cfg.m7_articulation_sps):
        signals["speeding_up"] = {"last_to_first_third_ratio": r3(ratio), "threshold": cfg.m5_speedup_ratio, "baseline": "absolute"}
    wpm = ag.speech_rate_wpm
    lang = rec.language
    if wpm is not None and lang in ("de", "en"):
        limit = cfg.m5_speech_rate_wpm_de if lang == "de" else cfg.m5_speech_rate_wpm_en
        cw = compare(wpm, measure="agent.speech_rate_wpm", higher_is_worse=True, absolute=limit, ctx=ctx)
        comparisons["speech_rate_wpm"] = [c.to_json() for c in cw]
        if primary(cw):
            signals["high_speech_rate"] = {"speech_rate_wpm": r3(wpm), "language": lang, "baseline": primary(cw)}
    signals.pop("short_reply_gaps", None)  # short gaps count in stretches (above); a call median mixes in interruptions
    if len(signals) < cfg.m5_min_signals or not {"speeding_up", "little_breathing_room"} <= set(signals):
        return []  # over the whole call, rushed = no breathing room *and* speeding up; fast alone is not rushed
    start_s: float | None
    end_s: float | None
    if "speeding_up" in signals and late is not None:
        start_s, end_s, span = late.start_s, late.end_s, "the fastest window of the last third of the call"
    elif _windows(ag):
        w = max(_windows(ag), key=lambda w: w.speech_rate_wpm or 0.0)
        start_s, end_s, span = w.start_s, w.end_s, "the window with the highest speech rate"
    else:
        t = longest_turn(rec, "agent")
        start_s, end_s, span = (t.start_s, t.end_s, "agent's longest turn") if t else (None, None, "")
    turn = turn_at(rec, "agent", start_s, end_s) if start_s is not None and end_s is not None else None
    bls = [s["baseline"] for s in signals.values()]
    main = next((b for b in ("agent", "team") if b in bls), "absolute")
    severity: Severity = "high" if len(signals) >= cfg.m5_min_signals + 2 else "medium" if len(signals) > cfg.m5_min_signals or main == "absolute" else "low"
    evidence = {
        "baseline": main, "signals": signals, "signal_count": len(signals), "min_signals": cfg.m5_min_signals,
        "measures": {"pause_share": r3(ps), "reply_latency_median_s": r3(lat), "speech_rate_wpm": r3(wpm),
                     "articulation_rate_sps": r3(ag.articulation_rate_sps), "speedup_ratio": r3(ratio)},
        "comparisons": comparisons, "span": span,
        "quote": turn_quote(turn, max_words=cfg.quote_max_words),
    }
    msg = f"The agent sounds rushed: {', '.join(k.replace('_', ' ') for k in signals)}."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, msg)]
