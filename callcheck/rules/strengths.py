"""What the article praises, reported as strengths, and the promise ledger.

Strengths (the article's "3 Punkte liebt der Kunde": ask more and listen, solve together, stay
attentive): questions asked, a listening talk share, backchannels, empathy phrases — each with time
and quote. Promises (the sibling article: "Ich rufe zurück" is an obligation): every commitment the
agent makes ("ich rufe Sie zurück", "I'll send you …", "bis morgen erledigt").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from callcheck.record import CallRecord
from callcheck.rules.common import (
    RuleContext, agent_backchannels, compile_phrases, configured_pattern, find_phrases, hit_json, quote, r3, talk_time,
)


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


def find_strengths(rec: CallRecord, ctx: RuleContext) -> list[Strength]:
    cfg = ctx.config
    out: list[Strength] = []
    g_end = rec.greeting.end_s if rec.greeting is not None else None
    qs = [q for q in rec.conversation.questions_of("agent") if g_end is None or q.start_s >= g_end - 0.01]  # not the greeting's formula
    n_open = sum(1 for q in qs if q.kind == "open")
    if qs and (len(qs) >= cfg.strength_min_questions or n_open >= 2):
        best = next((q for q in qs if q.kind == "open"), qs[0])
        out.append(Strength("questions", best.start_s, best.end_s, quote(best.text, max_words=cfg.quote_max_words),
                            {"questions": len(qs), "open_questions": n_open, "threshold": cfg.strength_min_questions}))
    has_caller = rec.has_party("caller")
    share = rec.speaker("agent").talk_share
    if share is None and has_caller:
        a, c = talk_time(rec, "agent"), talk_time(rec, "caller")
        share = a / (a + c) if a + c > 0 else None
    lo, hi = (tuple(cfg.strength_listening_share) + (0.3, 0.6))[:2]
    if has_caller and share is not None and lo <= share <= hi:
        out.append(Strength("listening", None, None, "", {"talk_share": r3(share), "range": [lo, hi]}))
    bc = agent_backchannels(rec)
    if has_caller and bc is not None and bc >= cfg.strength_min_backchannels:
        first = next((o for o in rec.overlaps if o.interrupter == "agent" and o.kind == "backchannel"), None)
        out.append(Strength("backchannels", first.start_s if first else None, first.end_s if first else None,
                            "", {"backchannels": bc, "threshold": cfg.strength_min_backchannels}))
    for h in ctx.hits(rec, "agent", "empathy")[: cfg.max_findings_per_rule]:
        j = hit_json(h, max_words=cfg.quote_max_words)
        out.append(Strength("empathy", h.start_s, h.end_s, j["quote"], {"phrase": h.matched}))
    return out


def find_promises(rec: CallRecord, ctx: RuleContext) -> list[Promise]:
    out: list[Promise] = []
    seen: set[tuple[float, str]] = set()
    for kind, pats in ctx.phrases.promises.items():
        for h in find_phrases(rec, "agent", kind, pats, ctx.cache):
            key = (round(h.start_s, 2), h.turn_text)
            if key in seen:
                continue
            seen.add(key)
            out.append(Promise(h.start_s, h.end_s, quote(h.turn_text, max_words=ctx.config.quote_max_words, around=h.matched), kind, h.matched))
    out.sort(key=lambda p: p.start_s)
    return out


def find_trackers(rec: CallRecord, ctx: RuleContext) -> list[dict[str, Any]]:
    """The ``[[words.trackers]]`` of the config in this call: per tracker (of the call's language)
    ``{name, party, required, found, status, hits[]}``; ``status`` is ``said``, ``not said`` or — for a
    required tracker not said — ``missing``. Each hit: who said which phrase when, with the quote."""
    if ctx.words is None:
        return []
    out = []
    for t in ctx.words.trackers:
        if t.language != "any" and t.language != rec.language:
            continue
        pats = compile_phrases((configured_pattern(p) for p in t.phrases), f"callcheck.toml [[words.trackers]] {t.name}")
        parties = ("agent", "caller") if t.party == "any" else (t.party,)
        hits = [h for party in parties for h in find_phrases(rec, party, f"tracker:{t.name}", pats)
                if h.start_s >= t.from_s and (not t.to_s or h.start_s <= t.to_s)]
        hits.sort(key=lambda h: h.start_s)
        status = "said" if hits else "missing" if t.required else "not said"
        out.append({"name": t.name, "party": t.party, "required": t.required, "window_s": [t.from_s, t.to_s or None],
                    "found": bool(hits), "status": status,
                    "hits": [hit_json(h, max_words=ctx.config.quote_max_words) for h in hits[: ctx.config.max_findings_per_rule * 3]],
                    "count": len(hits)})
    return out
