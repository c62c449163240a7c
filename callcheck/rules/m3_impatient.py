"""Mistake 3, "Stimme drückt Ungeduld aus" (impatience): the agent barges in, or says "wie gesagt".

Signals (mission.md): agent interruptions — ``overlaps[]`` of kind ``interruption`` only, started
by the agent, lasting at least the 0.5 s grace window of call-ai-metrics, and not backchannel-like
(a short "mhm" inside the caller's story, however it was labelled or transcribed:
:func:`callcheck.rules.common.backchannel_like`) — and impatience phrases ("wie gesagt", "ja ja",
"kommen Sie zum Punkt", "as I said"). Each is a moment: one finding per interruption or phrase,
the most severe first, at most ``max_findings_per_rule`` per call; the evidence counts all of them.
"""

from __future__ import annotations

from callcheck.record import CallRecord
from callcheck.rules.common import (
    PhraseHit, RuleContext, Signal, agent_interruptions, evidence, hit_json, prev_turn, quote, turn_at, turn_quote,
)
from callcheck.types import Finding, Overlap, Severity, Turn

MISTAKE = 3
RULE_ID = "M3_IMPATIENT"
THRESHOLDS = ("m3_min_interruption_s", "m3_high_interruptions", "m3_backchannel_max_s", "max_findings_per_rule")
SIGNALS = "agent interruptions (overlap >= grace window, not backchannel-like), impatience phrases"
COMPARES = ("absolute", "caller")
MEASURES = ()
CALLER_MEASURE = None


BARGE_IN_WINDOW_S = 3.0


def _during(h: PhraseHit, o: Overlap, own: Turn | None) -> bool:
    """The phrase belongs to the barge-in: said in the interrupting turn or within 3 s of the overlap."""
    if own is not None and own.start_s <= h.start_s <= own.end_s:
        return True
    return o.start_s <= h.start_s <= o.end_s + BARGE_IN_WINDOW_S


def _phrase_signal(h: PhraseHit) -> Signal:
    return Signal("impatience_phrase", 1, ">=", 1, at_s=h.start_s)


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    qmax = cfg.quote_max_words
    inter = agent_interruptions(rec, cfg.m3_min_interruption_s, ctx) if rec.has_party("caller") else []
    phrases = ctx.hits(rec, "agent", "impatience")
    if not inter and not phrases:
        return []
    found: list[tuple[int, float, Finding]] = []
    sev_rank = {"low": 1, "medium": 2, "high": 3}
    for o in inter:
        s, e = o.start_s, o.end_s
        cut = prev_turn(rec, s + 1e-6, "caller") or turn_at(rec, "caller", s, e)
        own = turn_at(rec, "agent", s, e)
        with_phrase = [h for h in phrases if _during(h, o, own)]
        severity: Severity = "high" if len(inter) >= cfg.m3_high_interruptions or with_phrase else "medium"
        fired = [Signal("interruption_overlap", e - s, ">=", cfg.m3_min_interruption_s, "caller", unit="s", at_s=s)]
        if len(inter) >= cfg.m3_high_interruptions:
            fired.append(Signal("agent_interruptions_in_call", len(inter), ">=", cfg.m3_high_interruptions))
        fired += [_phrase_signal(h) for h in with_phrase]
        ev = evidence(fired, kind="interruption", caller_quote=turn_quote(cut, max_words=qmax), quote=turn_quote(own, max_words=qmax),
                      phrases=[hit_json(h, max_words=qmax) for h in with_phrase], agent_interruptions_in_call=len(inter))
        msg = f"The agent talked over the caller for {e - s:.1f} s at {s:.1f} s" + (
            f", saying \u201c{with_phrase[0].matched}\u201d." if with_phrase else ".")
        found.append((sev_rank[severity], e - s, Finding(MISTAKE, RULE_ID, severity, s, e, ev, msg)))
    inter_turns = [(o, turn_at(rec, "agent", o.start_s, o.end_s)) for o in inter]
    for h in phrases:
        if any(_during(h, o, t) for o, t in inter_turns):
            continue  # already evidence of that interruption
        severity = "high" if len(phrases) >= 3 else "medium"
        fired = [_phrase_signal(h)] + ([Signal("impatience_phrases_in_call", len(phrases), ">=", 3)] if len(phrases) >= 3 else [])
        ev = evidence(fired, kind="phrase", phrase=h.matched, quote=quote(h.turn_text, max_words=qmax, around=h.matched),
                      phrase_list="impatience")
        msg = f"Impatience phrase \u201c{h.matched}\u201d at {h.start_s:.1f} s."
        found.append((sev_rank[severity], h.end_s - h.start_s, Finding(MISTAKE, RULE_ID, severity, h.start_s, h.end_s, ev, msg)))
    found.sort(key=lambda x: (-x[0], -x[1]))
    return [f for _, _, f in found[: cfg.max_findings_per_rule]]
