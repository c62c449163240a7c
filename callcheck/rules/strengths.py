"""What the article praises, reported as strengths, and the promise ledger.

Strengths (the article's "3 Punkte liebt der Kunde": ask more and listen, solve together, stay
attentive): questions asked, a listening talk share, backchannels, empathy phrases — each with time
and quote. Promises (the sibling article: "Ich rufe zurück" is an obligation): every commitment the
agent makes ("ich rufe Sie zurück", "I'll send you …", "bis morgen erledigt").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from callcheck.rules.common import RuleContext, conversation, find_phrases, hit_json, num, quote, r3, speaker, turns_of
from callcheck.rules.m1_toneless import talk_time
from callcheck.rules.m2_indifferent import agent_backchannels


@dataclass(frozen=True)
class Strength:
    """Something the agent did well: ``kind`` is questions|listening|backchannels|empathy."""

    kind: str
    start_s: float | None
    end_s: float | None
    text: str
    evidence: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "start_s": r3(self.start_s), "end_s": r3(self.end_s), "text": self.text, "evidence": dict(self.evidence)}


@dataclass(frozen=True)
class Promise:
    """A commitment the agent made: ``kind`` is callback|send|deadline."""

    start_s: float
    end_s: float
    text: str
    kind: str
    phrase: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"start_s": r3(self.start_s), "end_s": r3(self.end_s), "text": self.text, "kind": self.kind, "phrase": self.phrase}


def _agent_questions(call: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    qs = conversation(call).get("questions")
    if isinstance(qs, list):
        return [q for q in qs if isinstance(q, Mapping) and q.get("speaker") == "agent"]
    out = []
    for t in turns_of(call, "agent"):
        for part in str(t.get("text", "")).split("?")[:-1]:
            out.append({"speaker": "agent", "start_s": t["start_s"], "end_s": t["end_s"], "text": part.strip().split(".")[-1].strip() + "?", "kind": None})
    return out


def find_strengths(call: Mapping[str, Any], ctx: RuleContext) -> list[Strength]:
    cfg = ctx.config
    out: list[Strength] = []
    g = call.get("greeting") if isinstance(call.get("greeting"), Mapping) else None
    g_end = num(g.get("end_s")) if g else None
    qs = [q for q in _agent_questions(call) if g_end is None or (num(q.get("start_s")) or 0.0) >= g_end - 0.01]  # not the greeting's formula
    n_open = sum(1 for q in qs if q.get("kind") == "open")
    if qs and (len(qs) >= cfg.strength_min_questions or n_open >= 2):
        best = next((q for q in qs if q.get("kind") == "open"), qs[0])
        out.append(Strength("questions", num(best.get("start_s")), num(best.get("end_s")),
                            quote(str(best.get("text", "")), max_words=cfg.quote_max_words),
                            {"questions": len(qs), "open_questions": n_open, "threshold": cfg.strength_min_questions}))
    has_caller = bool(speaker(call, "caller")) or any(t.get("speaker") == "caller" for t in call.get("turns") or [])
    share = num(speaker(call, "agent").get("talk_share"))
    if share is None and has_caller:
        a, c = talk_time(call, "agent"), talk_time(call, "caller")
        share = a / (a + c) if a + c > 0 else None
    lo, hi = (tuple(cfg.strength_listening_share) + (0.3, 0.6))[:2]
    if has_caller and share is not None and lo <= share <= hi:
        out.append(Strength("listening", None, None, "", {"talk_share": r3(share), "range": [lo, hi]}))
    bc = agent_backchannels(call)
    if has_caller and bc >= cfg.strength_min_backchannels:
        first = next((o for o in call.get("overlaps") or [] if o.get("interrupter") == "agent" and o.get("kind") == "backchannel"), None)
        out.append(Strength("backchannels", num(first.get("start_s")) if first else None, num(first.get("end_s")) if first else None,
                            "", {"backchannels": bc, "threshold": cfg.strength_min_backchannels}))
    for h in ctx.hits(call, "agent", "empathy")[: cfg.max_findings_per_rule]:
        j = hit_json(h, max_words=cfg.quote_max_words)
        out.append(Strength("empathy", h.start_s, h.end_s, j["quote"], {"phrase": h.matched}))
    return out


def find_promises(call: Mapping[str, Any], ctx: RuleContext) -> list[Promise]:
    out: list[Promise] = []
    seen: set[tuple[float, str]] = set()
    for kind, pats in ctx.phrases.promises.items():
        for h in find_phrases(call, "agent", kind, pats):
            key = (round(h.start_s, 2), h.turn_text)
            if key in seen:
                continue
            seen.add(key)
            out.append(Promise(h.start_s, h.end_s, quote(h.turn_text, max_words=ctx.config.quote_max_words, around=h.matched), kind, h.matched))
    out.sort(key=lambda p: p.start_s)
    return out
