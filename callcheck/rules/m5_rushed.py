"""Mistake 5, "Stimme klingt gehetzt" (rushed voice): little breathing room, short gaps, speeding up.

Distinct from mistake 7 (norms.md): "rushed" is about the room around the words — few and short
pauses (``pause_share``), very short reply gaps (median reply latency against the ~0.2 s typical gap
of Stivers et al. 2009), speeding up over the call (``rate_over_time``, last third vs first third)
and a high speech rate *with pauses included* (wpm, language-specific norm). It fires when
``m5_min_signals`` of these are present. The articulation rate (mistake 7) is not one of them.
"""

from __future__ import annotations

import statistics
from typing import Any, Mapping

from callcheck.rules.common import RuleContext, compare, longest_turn, num, primary, quote, r3, speaker, turn_at
from callcheck.rules.m1_toneless import talk_time
from callcheck.rules.m2_indifferent import reply_latency_median
from callcheck.types import Finding

MISTAKE = 5
RULE_ID = "M5_RUSHED"
THRESHOLDS = ("m5_pause_share_max", "m5_reply_gap_max_s", "m5_speedup_ratio", "m5_speech_rate_wpm_en",
              "m5_speech_rate_wpm_de", "m5_min_signals", "m1_min_talk_s")
SIGNALS = "low pause share, very short reply gaps, speeding up over the call, speech rate (wpm, pauses included)"


def _windows(ag: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [w for w in (ag.get("rate_over_time") or []) if isinstance(w, Mapping) and num(w.get("speech_rate_wpm")) is not None]


def speedup(ag: Mapping[str, Any]) -> tuple[float | None, Mapping[str, Any] | None]:
    """Mean speech rate of the last third of the windows / the first third, and the fastest late window."""
    ws = _windows(ag)
    if len(ws) < 3:
        return None, None
    k = max(1, len(ws) // 3)
    first = statistics.fmean(float(w["speech_rate_wpm"]) for w in ws[:k])
    last = statistics.fmean(float(w["speech_rate_wpm"]) for w in ws[-k:])
    if first <= 0:
        return None, None
    return last / first, max(ws[-k:], key=lambda w: float(w["speech_rate_wpm"]))


def check(call: Mapping[str, Any], ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    if talk_time(call, "agent") < cfg.m1_min_talk_s:
        return []
    ag = speaker(call, "agent")
    signals: dict[str, Any] = {}
    comparisons: dict[str, Any] = {}
    ps = num(ag.get("pause_share"))
    if ps is not None:
        cp = compare(ps, measure="agent.pause_share", higher_is_worse=False, absolute=cfg.m5_pause_share_max, ctx=ctx)
        comparisons["pause_share"] = [c.to_json() for c in cp]
        if primary(cp):
            signals["little_breathing_room"] = {"pause_share": r3(ps), "baseline": primary(cp)}
    lat = reply_latency_median(call)
    if lat is not None and lat < cfg.m5_reply_gap_max_s:
        signals["short_reply_gaps"] = {"reply_latency_median_s": r3(lat), "threshold_s": cfg.m5_reply_gap_max_s, "baseline": "absolute"}
    ratio, late = speedup(ag)
    if ratio is not None and ratio >= cfg.m5_speedup_ratio:
        signals["speeding_up"] = {"last_to_first_third_ratio": r3(ratio), "threshold": cfg.m5_speedup_ratio, "baseline": "absolute"}
    wpm = num(ag.get("speech_rate_wpm"))
    lang = call.get("language")
    if wpm is not None and lang in ("de", "en"):
        limit = cfg.m5_speech_rate_wpm_de if lang == "de" else cfg.m5_speech_rate_wpm_en
        cw = compare(wpm, measure="agent.speech_rate_wpm", higher_is_worse=True, absolute=limit, ctx=ctx)
        comparisons["speech_rate_wpm"] = [c.to_json() for c in cw]
        if primary(cw):
            signals["high_speech_rate"] = {"speech_rate_wpm": r3(wpm), "language": lang, "baseline": primary(cw)}
    if len(signals) < cfg.m5_min_signals:
        return []
    if "speeding_up" in signals and late is not None:
        start_s, end_s, span = float(late["start_s"]), float(late["end_s"]), "the fastest window of the last third of the call"
    elif _windows(ag):
        w = max(_windows(ag), key=lambda w: float(w["speech_rate_wpm"]))
        start_s, end_s, span = float(w["start_s"]), float(w["end_s"]), "the window with the highest speech rate"
    else:
        t = longest_turn(call, "agent")
        start_s, end_s, span = (float(t["start_s"]), float(t["end_s"]), "agent's longest turn") if t else (None, None, "")
    turn = turn_at(call, "agent", start_s, end_s) if start_s is not None else None
    bls = [s["baseline"] for s in signals.values()]
    main = next((b for b in ("agent", "team") if b in bls), "absolute")
    severity = "high" if len(signals) >= cfg.m5_min_signals + 2 else "medium" if len(signals) > cfg.m5_min_signals or main == "absolute" else "low"
    evidence = {
        "baseline": main, "signals": signals, "signal_count": len(signals), "min_signals": cfg.m5_min_signals,
        "measures": {"pause_share": r3(ps), "reply_latency_median_s": r3(lat), "speech_rate_wpm": r3(wpm),
                     "articulation_rate_sps": r3(num(ag.get("articulation_rate_sps"))), "speedup_ratio": r3(ratio)},
        "comparisons": comparisons, "span": span,
        "quote": quote(str(turn.get("text", "")), max_words=cfg.quote_max_words) if turn else "",
    }
    msg = f"The agent sounds rushed: {', '.join(k.replace('_', ' ') for k in signals)}."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, msg)]
