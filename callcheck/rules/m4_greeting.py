"""Mistake 4, "antiquiert klingende und zu lange Meldung" (antiquated, overlong greeting).

Signals (mission.md, norms.md): the greeting's duration in seconds and its word count (the
article's bad example has ~17 words; a short modern greeting 5-7 words, 2-3 s), the time until the
caller can speak, and stock formulas ("herzlich willkommen", "was kann ich für Sie tun", "how may I
help you") matched with the phrase list on the greeting text (plus ``greeting.stock_formulas`` when
the conversation stage found them). No greeting in the JSON: no finding.
"""

from __future__ import annotations

from typing import Iterable

from callcheck.record import CallRecord
from callcheck.rules.common import RuleContext, normalise, r3
from callcheck.types import Finding, Severity

MISTAKE = 4
RULE_ID = "M4_GREETING"
THRESHOLDS = ("m4_max_words", "m4_max_duration_s", "m4_min_stock_formulas")
SIGNALS = "greeting duration (s) and word count, stock formulas, time until the caller can speak"


def stock_formulas(text: str, ctx: RuleContext, given: Iterable[str] = ()) -> list[str]:
    norm = normalise(text)
    found: list[str] = []
    for pat in ctx.phrases.get("stock_formulas"):
        for m in pat.finditer(norm):
            if m.group(0) not in found:
                found.append(m.group(0))
    for g in given or ():
        g = normalise(str(g))
        if g and not any(g in f or f in g for f in found):
            found.append(g)
    return found


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    g = rec.greeting
    if g is None:
        return []
    text, start_s, end_s, dur, words = g.text, g.start_s, g.end_s, g.duration_s, g.word_count
    formulas = stock_formulas(text, ctx, g.stock_formulas)
    too_many = words > cfg.m4_max_words
    too_long = dur is not None and dur > cfg.m4_max_duration_s
    stock = len(formulas) >= cfg.m4_min_stock_formulas
    if not (too_many or too_long or stock):
        return []
    if too_many and too_long:
        severity: Severity = "high" if formulas else "medium"
    elif too_many or too_long:
        severity = "medium"
    else:
        severity = "low"
    evidence = {
        "baseline": "absolute",
        "measures": {"duration_s": r3(dur), "word_count": int(words), "stock_formula_count": len(formulas),
                     "caller_can_speak_s": r3(g.caller_can_speak_s)},
        "thresholds": {"max_words": cfg.m4_max_words, "max_duration_s": cfg.m4_max_duration_s,
                       "min_stock_formulas": cfg.m4_min_stock_formulas},
        "exceeded": [k for k, v in (("word_count", too_many), ("duration_s", too_long), ("stock_formulas", stock)) if v],
        "stock_formulas": formulas,
        "quote": text,
    }
    parts = []
    if too_many:
        parts.append(f"{int(words)} words")
    if too_long:
        parts.append(f"{dur:.1f} s")
    if formulas:
        parts.append("stock formulas: " + ", ".join(f"\u201c{f}\u201d" for f in formulas))
    msg = "The greeting is " + ("long and " if (too_many or too_long) else "") + "antiquated (" + "; ".join(parts) + ")."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, evidence, msg)]
