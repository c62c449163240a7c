"""Pure view models: what the pages and the JSON API show of a call (no I/O, no access checks)."""

from __future__ import annotations

import bisect
from typing import Any, Mapping, Sequence

from callcheck.serve.i18n import MEASURES, texts

__all__ = ["mmss", "transcript_turns", "measure_rows", "finding_views", "caveat"]


def mmss(t: float | None) -> str:
    if t is None:
        return "–"
    t = max(0.0, float(t))
    return f"{int(t // 60)}:{t % 60:04.1f}"


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def transcript_turns(call: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Turns with their words (text and start), for click-to-play on any word.

    A word belongs to the turn of its speaker that holds its midpoint; a turn without matching
    words shows its text, each token starting at the turn's start scaled through the turn.
    """
    t = texts(lang)
    by_spk: dict[str, list[tuple[float, Mapping[str, Any]]]] = {}
    for w in call.get("words") or []:
        if isinstance(w, Mapping) and w.get("start_s") is not None:
            mid = 0.5 * (float(w["start_s"]) + float(w["end_s"] if w.get("end_s") is not None else w["start_s"]))
            by_spk.setdefault(str(w.get("speaker")), []).append((mid, w))
    for v in by_spk.values():
        v.sort(key=lambda x: x[0])
    keys = {k: [m for m, _ in v] for k, v in by_spk.items()}
    used: dict[str, set[int]] = {k: set() for k in by_spk}
    out = []
    for i, tu in enumerate(call.get("turns") or []):
        if not isinstance(tu, Mapping) or tu.get("start_s") is None:
            continue
        spk = str(tu.get("speaker"))
        s, e = float(tu["start_s"]), float(tu["end_s"] if tu.get("end_s") is not None else tu["start_s"])
        words = []
        if spk in by_spk:
            lo = bisect.bisect_left(keys[spk], s - 0.05)
            hi = bisect.bisect_right(keys[spk], e + 0.05)
            for k in range(lo, hi):
                if k in used[spk]:
                    continue
                used[spk].add(k)
                w = by_spk[spk][k][1]
                words.append({"text": str(w.get("text", "")), "s": round(float(w["start_s"]), 3),
                              "low": isinstance(w.get("probability"), (int, float)) and w["probability"] < 0.5})
        if not words:
            toks = str(tu.get("text") or "").split()
            words = [{"text": x, "s": round(s + (e - s) * j / max(1, len(toks)), 3), "low": False} for j, x in enumerate(toks)]
        out.append({"idx": i, "speaker": spk, "label": t.get(spk, spk), "start_s": s, "end_s": e, "time": mmss(s), "words": words})
    return out


def measure_rows(call: Mapping[str, Any], lang: str) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Both parties' measures (value or None with a reason) and each party's quality notes."""
    sp = call.get("speakers") or {}
    parties = [p for p in ("agent", "caller") if isinstance(sp.get(p), Mapping)]
    rows = []
    for key, de, en in MEASURES:
        if not any(key in sp[p] for p in parties):
            continue
        cells = []
        for p in parties:
            v = sp[p].get(key)
            cells.append({"party": p, "value": _fmt(v), "missing": v is None})
        rows.append({"key": key, "label": de if lang == "de" else en, "cells": cells})
    quality = {p: [str(q) for q in sp[p].get("quality") or []] for p in parties}
    return rows, quality


def caveat(call: Mapping[str, Any], lang: str, min_confidence: float = 0.5) -> str:
    sep = call.get("separation") or {}
    conf = sep.get("confidence") if isinstance(sep, Mapping) else None
    if call.get("layout") != "mono" or not isinstance(conf, (int, float)) or conf >= min_confidence:
        return ""
    return texts(lang)["mono_caveat"].format(conf=f"{conf:.2f}")


def finding_views(findings: Sequence[Mapping[str, Any]], states: Mapping[str, Mapping[str, Any]],
                  history: Mapping[str, Sequence[Mapping[str, Any]]], lang: str) -> list[dict[str, Any]]:
    """Each finding with its title, evidence lines, quotes, review state and history."""
    from callcheck.report.aggregate import evidence_summary, mistake_meta
    from callcheck.report.evidence import headline

    t = texts(lang)
    meta = mistake_meta(lang)
    out = []
    for f in findings:
        ev = f["evidence"] if isinstance(f.get("evidence"), Mapping) else {}
        m = f.get("mistake")
        mm = meta.get(int(m)) if isinstance(m, int) and int(m) in meta else None
        hist = []
        for r in history.get(f["id"], ()):
            hist.append({"reviewer": r["reviewer"], "role": r["role"], "verdict": r["verdict"],
                         "verdict_label": t.get(f"verdict_{r['verdict']}", r["verdict"]), "comment": r["comment"],
                         "at": str(r["created_at"])[:16].replace("T", " "), "stale": r["fingerprint"] != f.get("fingerprint")})
        st = states.get(f["id"], {})
        out.append({"id": f["id"], "mistake": m, "rule_id": f.get("rule_id"), "title": mm["title"] if mm else str(f.get("rule_id")),
                    "severity": f.get("severity"), "start_s": f.get("start_s"), "end_s": f.get("end_s"),
                    "time": mmss(f.get("start_s")), "end_time": mmss(f.get("end_s")),
                    "message": headline(str(f.get("rule_id") or ""), ev, lang, fallback=str(f.get("message") or "")),
                    "quote": ev.get("quote") if isinstance(ev.get("quote"), str) else "",
                    "caller_quote": ev.get("caller_quote") if isinstance(ev.get("caller_quote"), str) else "",
                    "baseline": t.get(f"baseline_{ev.get('baseline', 'absolute')}", str(ev.get("baseline") or "")),
                    "evidence": evidence_summary(ev, str(f.get("rule_id") or ""), lang), "judgement": st.get("judgement"), "response": st.get("response"),
                    "stale_reviews": st.get("stale_reviews", 0), "history": hist, "fingerprint": f.get("fingerprint")})
    return out
