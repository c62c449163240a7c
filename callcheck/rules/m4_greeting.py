"""Mistake 4, "antiquiert klingende und zu lange Meldung" (antiquated, overlong greeting).

Signals (mission.md, norms.md): the greeting's word count (the article's bad example has ~17
words; a short modern greeting 5-7), its stock formulas ("herzlich willkommen", "was kann ich für
Sie tun", "how may I help you"), and its duration in seconds as support (a slow speaker's short
greeting is not long, so duration alone never fires).

Only a greeting is judged: the agent's first turn must be *recognisable* as one — it names the
company (shipped phrases, or a configured company name, matched fuzzily so ASR variants count),
the agent, offers help, uses a stock formula, or is the configured house greeting. A practice
reading or a call picked up mid-sentence has no greeting. The house greeting itself is never
flagged (the company chose it). When the caller's channel opens with a greeting before the agent's
does, the channels are probably swapped: no finding, and ``checks`` says why.
"""

from __future__ import annotations


from callcheck.record import CallRecord
from callcheck.rules.common import GreetingParts, RuleContext, Signal, describe_signal, evidence, greeting_parts, quote, r3
from callcheck.types import Finding, Severity

MISTAKE = 4
RULE_ID = "M4_GREETING"
THRESHOLDS = ("m4_max_words", "m4_max_duration_s", "m4_min_stock_formulas")
SIGNALS = "greeting word count, stock formulas, duration (s) as support; only a turn recognisable as a greeting"
COMPARES = ("absolute",)
MEASURES = ()
CALLER_MEASURE = None


def parts_of(rec: CallRecord, ctx: RuleContext) -> GreetingParts | None:
    """The greeting's parts as the rules see them (configured words included), with the components
    the pipeline recorded; None without a greeting."""
    g = rec.greeting
    if g is None:
        return None
    p = greeting_parts(g.text, ctx)
    extra = [f for f in g.stock_formulas if f not in p.stock_formulas and not any(f in x or x in f for x in p.stock_formulas)]
    if extra:
        import dataclasses

        p = dataclasses.replace(p, stock_formulas=p.stock_formulas + tuple(extra))
    return p


def caller_opens_with_greeting(rec: CallRecord, ctx: RuleContext) -> str | None:
    """The caller's first turn, when it comes before the agent's greeting and is a greeting itself
    (a company phrase, an offer of help or a stock formula; a name alone is not: callers say theirs)."""
    g = rec.greeting
    first = next(iter(sorted(rec.turns_of("caller"), key=lambda t: t.start_s)), None)
    if g is None or first is None or first.start_s > g.start_s + 0.5:
        return None
    p = greeting_parts(first.text, ctx)
    return first.text if (p.company or p.offer_help or p.stock_formulas) else None


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    g = rec.greeting
    parts = parts_of(rec, ctx)
    if g is None or parts is None:
        return ctx.skip(RULE_ID, "no greeting: the agent has no first turn")
    house_min = ctx.words.greeting_match_min if ctx.words is not None else 1.0
    if parts.house_greeting is not None and parts.house_greeting >= house_min:
        return ctx.skip(RULE_ID, f"the first turn is the house greeting (similarity {parts.house_greeting:.2f})")
    if not parts.recognised(house_min):
        return ctx.skip(RULE_ID, "the agent's first turn is not recognisable as a greeting (no company, name, offer of "
                                 f"help or stock formula): \u201c{quote(g.text, max_words=12)}\u201d")
    swapped = caller_opens_with_greeting(rec, ctx)
    if swapped is not None:
        return ctx.skip(RULE_ID, f"the caller's channel opens with a greeting (\u201c{quote(swapped, max_words=12)}\u201d): "
                                 "the channels may be swapped")
    words, dur, formulas = g.word_count, g.duration_s, list(parts.stock_formulas)
    fired: list[Signal] = []
    if words > cfg.m4_max_words:
        fired.append(Signal("greeting_words", words, ">", cfg.m4_max_words))
    if len(formulas) >= cfg.m4_min_stock_formulas:
        fired.append(Signal("stock_formulas", len(formulas), ">=", cfg.m4_min_stock_formulas))
    if not fired:
        return []
    if dur is not None and dur > cfg.m4_max_duration_s:
        fired.append(Signal("greeting_duration", dur, ">", cfg.m4_max_duration_s, unit="s"))
    kinds = {s.signal for s in fired}
    severity: Severity = ("high" if {"greeting_words", "stock_formulas"} <= kinds else
                "medium" if "greeting_words" in kinds or len(fired) >= 2 else "low")
    ev = evidence(fired, stock_formulas=formulas, components=parts.to_json(), caller_can_speak_s=r3(g.caller_can_speak_s),
                  exceeded=[s.signal for s in fired], quote=g.text)
    msg = "The greeting is " + ("long" if "greeting_words" in kinds else "antiquated") + ": " + "; ".join(describe_signal(s) for s in fired)
    if formulas:
        msg += " — " + ", ".join(f"\u201c{f}\u201d" for f in formulas)
    return [Finding(MISTAKE, RULE_ID, severity, g.start_s, g.end_s, ev, msg + ".")]
