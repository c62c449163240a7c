"""The static page of one call (``OUT/callpages/<call_id>.html``): what the agent and team pages link to.

Timeline (talk, overlaps, dead air, hold, findings), every finding with its sentences, quotes,
confidence and snippet, strengths and promises, the transcript by turn (low-confidence words
marked) and both parties' measures with their validity. The page names only its own call's agent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from html import escape as _esc

from markupsafe import Markup

from callcheck.config import Config
from callcheck.record import CallRecord
from callcheck.report.aggregate import Links, _plain_clip, mistake_meta, moment_view, reason_text
from callcheck.report.digest import CallDigest
from callcheck.report.i18n import MEASURES, Fmt
from callcheck.report.timeline import timeline_svg
from callcheck.types import Word

__all__ = ["call_context", "CALL_MEASURES"]

#: The measures of both parties on a call page, in this order.
CALL_MEASURES: tuple[str, ...] = (
    "talk_time_s", "talk_share", "speech_rate_wpm", "articulation_rate_sps", "pause_share", "f0_median_hz", "f0_variation_st",
    "f0_movement_st_per_s", "monotony", "loudness_dbfs", "loudness_variation_db", "snr_db", "word_confidence_mean",
    "low_confidence_word_share", "reply_latency_median_s", "interruptions", "backchannels", "questions", "longest_turn_s", "word_count",
)


def _words_html(words: Sequence[Word], low_p: float) -> str:
    """The words, space-separated, as escaped HTML; those below ``low_p`` underlined. A run of sure
    words is escaped at once: escaping works character by character (``&<>``, never a space), so
    the text is that of escaping each word."""
    out: list[str] = []
    run: list[str] = []
    for w in words:
        if w.probability < low_p:
            if run:
                out.append(_esc(" ".join(run), False))
                run = []
            out.append(f'<span class="low">{_esc(w.text, False)}</span>')
        else:
            run.append(w.text)
    if run:
        out.append(_esc(" ".join(run), False))
    return " ".join(out)


def _transcript(rec: CallRecord, fmt: Fmt, low_p: float) -> list[dict[str, Any]]:
    """Turns with their text as escaped HTML (words the recogniser was unsure of underlined)."""
    t = fmt.t
    out = []
    for i, tu in enumerate(rec.turns):
        ws = rec.words_between(tu.speaker, tu.start_s - 0.05, tu.end_s + 0.05)
        html = _words_html(ws, low_p) if ws else _esc(tu.text, False)
        out.append({"idx": i, "speaker": tu.speaker, "label": t.get(f"speaker_{tu.speaker}", tu.speaker),
                    "time": fmt.mmss(tu.start_s), "html": Markup(html)})
    return out


def _measures(rec: CallRecord, fmt: Fmt) -> list[dict[str, Any]]:
    speakers = {p: rec.speaker(p) for p in ("agent", "caller")}
    parties = [p for p, sp in speakers.items() if sp.present]
    rows = []
    for key in CALL_MEASURES:
        if not any(key in speakers[p].raw for p in parties):
            continue
        cells = []
        for p in parties:
            sp = speakers[p]
            v = sp.num(key)
            val = sp.validity(key)
            unsure = val is not None and val.cls == "unsure"
            # an unsure value is shown greyed out with why (translated); the evidence behind a
            # validated or heuristic class is in docs/measures.md, not on the page
            cells.append({"party": p, "value": fmt.measure(key, v) if v is not None else "—",
                          "cls": val.cls if val is not None else "", "unsure": unsure,
                          "why": reason_text(val.reason, fmt.lang) if unsure and val is not None and val.reason else ""})
        rows.append({"key": key, "label": MEASURES[key].label(fmt.lang), "cells": cells})
    return rows


def call_context(rec: CallRecord, d: CallDigest, *, lang: str, config: Config, links: Links,
                 audio_name: Callable[[CallDigest, tuple[float, float] | None], str | None]) -> dict[str, Any]:
    """Everything the call page shows."""
    fmt = Fmt(lang)
    t = fmt.t
    meta = mistake_meta(lang)
    by_id: dict[str, Mapping[str, Any]] = {str(f.get("id")): f for f in rec.findings}
    refs = sorted(d.findings, key=lambda r: (r.start_s if r.start_s is not None else float("inf"), r.mistake))
    findings = [moment_view(d, ref, by_id.get(ref.id), lang=lang, config=config, links=links, audio_name=audio_name(d, ref.clip))
                for ref in refs]
    labels = {"agent": t["speaker_agent"], "caller": t["speaker_caller"], "findings": t["findings"], "interruption": t["interruption"],
              "backchannel": t["backchannel"], "dead_air": t["dead_air"], "hold": t["hold"], "timeline": t["timeline_aria"]}
    svg = timeline_svg(rec.raw, [{"id": f["id"], "start_s": r.start_s, "end_s": r.end_s, "severity": r.severity,
                                  "title": meta.get(r.mistake, {}).get("title", r.rule_id)}
                                 for f, r in zip(findings, refs)],
                       labels, sec=lambda v: fmt.num(v, 1))
    rc = config.report
    strengths = [{"label": t.get(f"strength_{s.get('kind')}", str(s.get("kind"))), "time": fmt.mmss(s.get("start_s")),
                  "text": s.get("text") or "", "id": s.get("id", ""),
                  "audio": links.audio(audio_name(d, _plain_clip(s.get("start_s"), s.get("end_s"), d.duration_s, rc.snippet_pad_s, rc.snippet_max_s)))}
                 for s in d.strengths]
    promises = [{"kind": t.get(f"promise_{p.get('kind')}", t["promise_action"]), "time": fmt.mmss(p.get("start_s")),
                 "text": p.get("text") or "", "id": p.get("id", "")} for p in d.promises]
    sep = d.separation_confidence
    return {"lang": lang, "t": t, "call_id": d.call_id, "agent": d.agent, "agent_href": links.agent(d.agent),
            "date": fmt.date(d.date), "duration": fmt.duration(d.duration_s), "language": fmt.language(d.language),
            "layout": t.get(f"layout_{d.layout}", str(d.layout or "")), "assessable": d.assessable,
            "reasons": [reason_text(r, lang) for r in d.reasons], "warnings": [reason_text(w, lang) for w in d.warnings],
            "caveat": t["caveat_mono"].format(conf=fmt.num(sep, 2)) if sep is not None and sep < config.separation.min_confidence else "",
            "svg": svg, "findings": findings, "strengths": strengths, "promises": promises,
            "turns": _transcript(rec, fmt, 0.5), "measures": _measures(rec, fmt),
            "parties": [p for p in ("agent", "caller") if rec.speaker(p).present]}
