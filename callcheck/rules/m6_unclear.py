"""Mistake 6, "nachlässige, undeutliche Aussprache" (sloppy, unclear pronunciation).

Signals (mission.md): low ASR word confidence of the agent (mean and share of low-confidence words)
and the caller's repair requests ("Wie bitte?", "Können Sie das wiederholen?", "Sorry, what?").
ASR confidence also drops with line noise, so confidence alone yields at most a 'low' finding and
only when both the mean and the share fail; a repair request after an agent turn is the strong
evidence, and each one is a moment (the agent turn before it, and the request).
"""

from __future__ import annotations

import statistics

from callcheck.record import CallRecord
from callcheck.rules.common import RuleContext, prev_turn, quote, r3, turn_quote, turn_words
from callcheck.types import Finding, Severity, Turn

MISTAKE = 6
RULE_ID = "M6_UNCLEAR"
THRESHOLDS = ("m6_confidence_mean_min", "m6_low_confidence_share_max", "m6_confidence_alone_mean_max", "m6_min_repairs", "max_findings_per_rule")
SIGNALS = "ASR word confidence (mean, low-confidence share), caller repair requests"
LOW_WORD_P = 0.5


def confidence(rec: CallRecord) -> tuple[float | None, float | None]:
    """The agent's mean word confidence and low-confidence share (from the words when null)."""
    ag = rec.speaker("agent")
    mean, share = ag.word_confidence_mean, ag.low_confidence_word_share
    ps = [w.probability for w in rec.words_of("agent")]
    if mean is None and ps:
        mean = statistics.fmean(ps)
    if share is None and ps:
        share = sum(p < LOW_WORD_P for p in ps) / len(ps)
    return mean, share


def _worst_turn(rec: CallRecord) -> Turn | None:
    best, best_p = None, 2.0
    for t in rec.turns_of("agent"):
        ps = [w.probability for w in turn_words(rec, t)]
        if len(ps) >= 3 and statistics.fmean(ps) < best_p:
            best, best_p = t, statistics.fmean(ps)
    return best


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    mean, share = confidence(rec)
    low_mean = mean is not None and mean < cfg.m6_confidence_mean_min
    low_share = share is not None and share > cfg.m6_low_confidence_share_max
    low_conf = low_mean or low_share
    repairs: list = []
    for h in ctx.hits(rec, "caller", "repair_requests"):  # one per caller turn
        if not any(r.turn_start_s == h.turn_start_s for r in repairs):
            repairs.append(h)
    n = len(repairs)
    very_low = mean is not None and mean < cfg.m6_confidence_alone_mean_max and low_share
    if not ((n >= cfg.m6_min_repairs and low_conf) or n >= cfg.m6_min_repairs + 1 or very_low):
        return []
    base = {
        "baseline": "absolute",
        "measures": {"word_confidence_mean": r3(mean), "low_confidence_word_share": r3(share), "repair_requests": n},
        "thresholds": {"confidence_mean_min": cfg.m6_confidence_mean_min, "low_confidence_share_max": cfg.m6_low_confidence_share_max,
                       "low_word_probability": LOW_WORD_P, "min_repairs": cfg.m6_min_repairs,
                       "confidence_alone_mean_max": cfg.m6_confidence_alone_mean_max},
    }
    out: list[Finding] = []
    if n:
        severity: Severity = "high" if low_conf and n >= cfg.m6_min_repairs else "medium"
        for h in repairs[: cfg.max_findings_per_rule]:
            before = prev_turn(rec, h.start_s, "agent")
            s = before.start_s if before else h.start_s
            ev = dict(base, quote=turn_quote(before, max_words=cfg.quote_max_words),
                      caller_quote=quote(h.turn_text, max_words=cfg.quote_max_words, around=h.matched),
                      repair_request={"phrase": h.matched, "start_s": r3(h.start_s), "end_s": r3(h.end_s)})
            msg = f"The caller asked to repeat (\u201c{h.matched}\u201d at {h.start_s:.1f} s)."
            out.append(Finding(MISTAKE, RULE_ID, severity, s, h.end_s, ev, msg))
        return out
    t = _worst_turn(rec)
    ev = dict(base, quote=turn_quote(t, max_words=cfg.quote_max_words),
              span="the agent turn with the lowest word confidence")
    msg = f"Many of the agent's words were hard to recognise (mean confidence {mean:.2f}, {share:.0%} low)."
    return [Finding(MISTAKE, RULE_ID, "low", t.start_s if t else None, t.end_s if t else None, ev, msg)]
