"""Mistake 6, "nachlässige, undeutliche Aussprache" (sloppy, unclear pronunciation).

Signals (mission.md): low ASR word confidence of the agent (mean and share of low-confidence words)
and the caller's repair requests ("Wie bitte?", "Können Sie das wiederholen?", "Sorry, what?").
ASR confidence also drops with line noise and codecs, so confidence alone yields at most a 'low'
finding, only when both the mean and the share fail, and only when the transcript is plausible
(``m6_min_words_per_min`` recognised words per minute of talk: a recogniser that lost the speech
says nothing about the pronunciation). A repair request after an agent turn is the strong
evidence, and each one is a moment (the agent turn before it, and the request).
"""

from __future__ import annotations

import statistics

from callcheck.record import CallRecord
from callcheck.rules.common import RuleContext, Signal, evidence, prev_turn, quote, r3, talk_time, turn_quote, turn_words
from callcheck.types import Finding, Severity, Turn

MISTAKE = 6
RULE_ID = "M6_UNCLEAR"
THRESHOLDS = ("m6_confidence_mean_min", "m6_low_confidence_share_max", "m6_confidence_alone_mean_max", "m6_min_repairs",
              "m6_min_words_per_min", "max_findings_per_rule")
SIGNALS = "ASR word confidence (mean, low-confidence share) of a plausible transcript, caller repair requests"
COMPARES = ("absolute", "caller")
MEASURES = ()
CALLER_MEASURE = None
LOW_WORD_P = 0.5


def confidence(rec: CallRecord) -> tuple[float | None, float | None]:
    """The agent's mean word confidence and low-confidence share (from the words when null, never
    when the measure is unsure)."""
    ag = rec.speaker("agent")
    mean, share = ag.word_confidence_mean, ag.low_confidence_word_share
    ps = [w.probability for w in rec.words_of("agent")]
    if mean is None and ps and not ag.distrusted("word_confidence_mean"):
        mean = statistics.fmean(ps)
    if share is None and ps and not ag.distrusted("low_confidence_word_share"):
        share = sum(p < LOW_WORD_P for p in ps) / len(ps)
    return mean, share


def words_per_min(rec: CallRecord) -> float | None:
    """Recognised agent words per minute of talk time (``speech_rate_wpm`` when trusted)."""
    ag = rec.speaker("agent")
    if ag.speech_rate_wpm is not None:
        return ag.speech_rate_wpm
    if ag.distrusted("speech_rate_wpm"):
        return None
    talk = talk_time(rec, "agent")
    return len(rec.words_of("agent")) / (talk / 60.0) if talk > 0 else None


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
    wpm = words_per_min(rec)
    plausible = wpm is not None and wpm >= cfg.m6_min_words_per_min
    conf: list[Signal] = []
    if plausible and mean is not None and mean < cfg.m6_confidence_mean_min:
        conf.append(Signal("word_confidence_mean", mean, "<", cfg.m6_confidence_mean_min))
    if plausible and share is not None and share > cfg.m6_low_confidence_share_max:
        conf.append(Signal("low_confidence_word_share", share, ">", cfg.m6_low_confidence_share_max))
    repairs: list = []
    for h in ctx.hits(rec, "caller", "repair_requests"):  # one per caller turn
        if not any(r.turn_start_s == h.turn_start_s for r in repairs):
            repairs.append(h)
    n = len(repairs)
    very_low = (plausible and mean is not None and mean < cfg.m6_confidence_alone_mean_max
                and share is not None and share > cfg.m6_low_confidence_share_max)
    if not ((n >= cfg.m6_min_repairs and conf) or n >= cfg.m6_min_repairs + 1 or very_low):
        if (mean is not None and mean < cfg.m6_confidence_alone_mean_max) and not plausible:
            ctx.skip(RULE_ID, f"ASR confidence not used: {r3(wpm)} recognised words per minute of talk is below "
                              f"rules.m6_min_words_per_min = {cfg.m6_min_words_per_min:g} (the recogniser lost the speech)")
        return []
    out: list[Finding] = []
    if n:
        severity: Severity = "high" if conf and n >= cfg.m6_min_repairs else "medium"
        for h in repairs[: cfg.max_findings_per_rule]:
            before = prev_turn(rec, h.start_s, "agent")
            s = before.start_s if before else h.start_s
            need = cfg.m6_min_repairs if conf else cfg.m6_min_repairs + 1
            fired = [Signal("repair_requests", n, ">=", need, "caller", at_s=h.start_s)] + conf
            ev = evidence(fired, quote=turn_quote(before, max_words=cfg.quote_max_words),
                          caller_quote=quote(h.turn_text, max_words=cfg.quote_max_words, around=h.matched),
                          repair_request={"phrase": h.matched, "start_s": r3(h.start_s), "end_s": r3(h.end_s)})
            msg = f"The caller asked to repeat (\u201c{h.matched}\u201d at {h.start_s:.1f} s)" + (
                f"; the agent's words were hard to recognise (mean confidence {mean:.2f})." if conf and mean is not None else ".")
            out.append(Finding(MISTAKE, RULE_ID, severity, s, h.end_s, ev, msg))
        return out
    t = _worst_turn(rec)
    assert mean is not None and share is not None and wpm is not None  # very_low
    fired = [Signal("word_confidence_mean", mean, "<", cfg.m6_confidence_alone_mean_max),
             Signal("low_confidence_word_share", share, ">", cfg.m6_low_confidence_share_max),
             Signal("recognised_words_per_min", wpm, ">=", cfg.m6_min_words_per_min, unit="wpm")]
    ev = evidence(fired, quote=turn_quote(t, max_words=cfg.quote_max_words), span="the agent turn with the lowest word confidence")
    msg = f"Many of the agent's words were hard to recognise (mean confidence {mean:.2f}, {share:.0%} low)."
    return [Finding(MISTAKE, RULE_ID, "low", t.start_s if t else None, t.end_s if t else None, ev, msg)]
