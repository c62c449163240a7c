"""Mistake 8, "mangelndes Einfühlungsvermögen und Besserwisserei" (no empathy, know-it-all).

Signals (mission.md, norms.md): talk dominance (agent share > 0.7, call-ai-metrics), a long
monologue, few questions, contradiction phrases ("nein, das ist falsch", "that's wrong"),
you-messages outnumbering I-messages ("Sie müssen …" vs "ich schlage vor …"), agent interruptions
(not backchannel-like ones), no empathy phrases. It fires with a contradiction phrase plus one more
signal, or with ``m8_min_signals`` signals. Moments: each agent turn with a contradiction phrase or
two you-messages (most loaded first, at most ``max_findings_per_rule``), otherwise the longest
monologue. Needs a caller.
"""

from __future__ import annotations

from typing import Any

from callcheck.record import CallRecord
from callcheck.rules.common import (
    RuleContext, Signal, agent_interruptions, evidence, hit_json, longest_turn, quote, r3, span, talk_time, turn_quote,
)
from callcheck.types import Finding, Severity

MISTAKE = 8
RULE_ID = "M8_KNOW_IT_ALL"
THRESHOLDS = ("m8_talk_share_max", "m8_monologue_s", "m8_min_questions", "m8_you_i_ratio", "m8_min_signals",
              "m2_min_caller_talk_s", "max_findings_per_rule")
SIGNALS = "talk share, long monologue, few questions, contradiction phrases, you- vs I-messages, interruptions, no empathy"
COMPARES = ("absolute", "caller")
MEASURES = ()
CALLER_MEASURE = None


def agent_questions(rec: CallRecord) -> int | None:
    """``speakers.agent.questions``, else the agent's entries of ``conversation.questions`` (None when unsure)."""
    ag = rec.speaker("agent")
    v = ag.questions
    if v is None and ag.distrusted("questions"):
        return None
    return v if v is not None else len(rec.conversation.questions_of("agent"))


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    if not rec.has_party("caller"):
        return ctx.skip(RULE_ID, "no caller in this recording (agent-only)")
    qmax = cfg.quote_max_words
    groups: dict[str, list[Signal]] = {}
    ag = rec.speaker("agent")
    share = ag.talk_share
    if share is None and not ag.distrusted("talk_share"):
        a, c = talk_time(rec, "agent"), talk_time(rec, "caller")
        share = a / (a + c) if a + c > 0 else None
    if share is not None and share > cfg.m8_talk_share_max:
        groups["talk_dominance"] = [Signal("talk_share", share, ">", cfg.m8_talk_share_max, "caller")]
    lt = longest_turn(rec, "agent")
    mono = rec.conversation.longest_agent_monologue_s
    if mono is None and lt is not None:
        mono = lt.end_s - lt.start_s
    if mono is not None and mono > cfg.m8_monologue_s:
        groups["long_monologue"] = [Signal("longest_agent_monologue", mono, ">", cfg.m8_monologue_s, unit="s")]
    nq = agent_questions(rec)
    if nq is not None and nq < cfg.m8_min_questions:
        groups["few_questions"] = [Signal("agent_questions", nq, "<", cfg.m8_min_questions)]
    contra = ctx.hits(rec, "agent", "contradiction")
    if contra:
        groups["contradiction_phrases"] = [Signal("contradiction_phrases", len(contra), ">=", 1, at_s=contra[0].start_s)]
    you, me = ctx.hits(rec, "agent", "you_messages"), ctx.hits(rec, "agent", "i_messages")
    if len(you) >= 2 and len(you) >= cfg.m8_you_i_ratio * max(len(me), 0.5):
        groups["you_messages"] = [Signal("you_to_i_messages", len(you) / max(len(me), 0.5), ">=", cfg.m8_you_i_ratio)]
    inter = agent_interruptions(rec, cfg.m3_min_interruption_s, ctx)
    if len(inter) >= 2:
        groups["interruptions"] = [Signal("agent_interruptions", len(inter), ">=", 2, "caller")]
    if talk_time(rec, "caller") >= cfg.m2_min_caller_talk_s and not ctx.hits(rec, "agent", "empathy"):
        groups["no_empathy_phrases"] = [Signal("empathy_phrases", 0, "<", 1)]
    others = len(groups) - (1 if contra else 0)
    if not ((contra and others >= 1) or len(groups) >= cfg.m8_min_signals):
        return []
    severity: Severity = "high" if (contra and others >= 2) or len(groups) >= cfg.m8_min_signals + 2 else "medium"
    fired = [s for g in groups.values() for s in g]
    signals: dict[str, dict[str, Any]] = {k: {s.signal: r3(s.value) for s in g} for k, g in groups.items()}
    if "you_messages" in signals:
        signals["you_messages"].update(you_messages=len(you), i_messages=len(me), examples=[hit_json(h, max_words=qmax) for h in you[:2]])
    base = dict(signals=signals, signal_count=len(groups), min_signals=cfg.m8_min_signals)
    names = ", ".join(k.replace("_", " ") for k in groups)
    # moments: agent turns with a contradiction phrase or at least two you-messages, most loaded first
    moments = []
    for turn in rec.turns_of("agent"):
        c_in = [h for h in contra if turn.start_s <= h.start_s <= turn.end_s]
        y_in = [h for h in you if turn.start_s <= h.start_s <= turn.end_s]
        if c_in or len(y_in) >= 2:
            moments.append((len(c_in) * 2 + len(y_in), turn, c_in, y_in))
    if moments:
        moments.sort(key=lambda m: (-m[0], m[1].start_s))
        out = []
        for _, turn, c_in, y_in in sorted(moments[: cfg.max_findings_per_rule], key=lambda m: m[1].start_s):
            first = (c_in or y_in)[0]
            ev = evidence(fired, **base, phrases=[h.matched for h in c_in + y_in], phrase=first.matched,
                          quote=quote(turn.text, max_words=qmax, around=first.matched))
            what = "contradicts the caller" if c_in else "talks in you-messages"
            out.append(Finding(MISTAKE, RULE_ID, severity, turn.start_s, turn.end_s, ev,
                               f"The agent {what} (\u201c{first.matched}\u201d) — {names}."))
        return out
    ev = evidence(fired, **base, span="agent's longest turn", quote=turn_quote(lt, max_words=qmax))
    start_s, end_s = span(lt)
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, ev, f"The agent dominates the conversation: {names}.")]
