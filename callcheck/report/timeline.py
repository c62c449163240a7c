"""The dual-track timeline of one call as inline SVG (every label escaped here).

Shared by the static per-call pages (``callcheck report``) and the web app (``callcheck serve``).
Rows: agent talk, caller talk (each party's speech activity, else its turns), then findings.
Marked across both rows: interruptions (red, by who interrupted), backchannels (ticks), dead air
(grey), hold (violet: the record's ``hold[]``, or ``conversation.hold`` of older records). In the
web app a click on the SVG seeks the player (``data-duration`` lets its script map x to seconds);
findings link to their card (``#f-<finding id>``) on both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["timeline_svg"]

W, LEFT, RIGHT = 1000, 70, 8
ROW_H, GAP = 22, 6
SEV_COLOR = {"high": "#b4442f", "medium": "#d98b2b", "low": "#6f8fb0", "info": "#999"}


def _f(x: float) -> str:
    return f"{x:.1f}"


def _intervals(call: Mapping[str, Any], party: str) -> list[tuple[float, float]]:
    sp = (call.get("speakers") or {}).get(party) or {}
    act = sp.get("activity") if isinstance(sp, Mapping) else None
    out = []
    if isinstance(act, list) and act:
        for iv in act:
            if isinstance(iv, (list, tuple)) and len(iv) == 2:
                out.append((float(iv[0]), float(iv[1])))
            elif isinstance(iv, Mapping) and "start_s" in iv:
                out.append((float(iv["start_s"]), float(iv["end_s"])))
    else:
        out = [(float(t["start_s"]), float(t["end_s"])) for t in call.get("turns") or []
               if isinstance(t, Mapping) and t.get("speaker") == party and t.get("start_s") is not None]
    return out


def _spans(items: Any) -> list[tuple[float, float]]:
    out = []
    for d in items or []:
        if isinstance(d, Mapping) and d.get("start_s") is not None and d.get("end_s") is not None:
            out.append((float(d["start_s"]), float(d["end_s"])))
        elif isinstance(d, (list, tuple)) and len(d) == 2:
            out.append((float(d[0]), float(d[1])))
    return out


def timeline_svg(call: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], labels: Mapping[str, str],
                 sec: Callable[[float], str] | None = None) -> Markup:
    """The timeline SVG. ``labels``: agent, caller, findings, interruption, backchannel, dead_air,
    hold, timeline; ``sec`` writes a time in seconds for the tooltips (default ``12.3``)."""
    if sec is None:
        def sec(v: float) -> str:
            return f"{v:.1f}"
    dur = float(call.get("duration_s") or 0.0)
    if dur <= 0:
        ends = [float(t.get("end_s") or 0) for t in call.get("turns") or [] if isinstance(t, Mapping)]
        dur = max(ends or [1.0])
    span = W - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + span * max(0.0, min(1.0, t / dur))

    rows = [("agent", labels["agent"]), ("caller", labels["caller"])]
    y_f = GAP + 2 * (ROW_H + GAP)
    height = y_f + ROW_H + 22
    p = [f'<svg class="timeline" id="timeline" viewBox="0 0 {W} {height}" width="100%" role="img" '
         f'aria-label="{escape(labels["timeline"])}" data-duration="{dur:.3f}" data-left="{LEFT}" data-span="{span}" '
         f'preserveAspectRatio="none">']
    conv = call.get("conversation") or {}
    y0, y1 = GAP, GAP + 2 * ROW_H + GAP
    for a, b in _spans(conv.get("dead_air")):
        p.append(f'<rect class="deadair" x="{_f(x(a))}" y="{y0}" width="{_f(max(1.0, x(b) - x(a)))}" height="{y1 - y0}" fill="#d9d9d9">'
                 f'<title>{escape(labels["dead_air"])} {sec(a)}–{sec(b)} s</title></rect>')
    for a, b in _spans(list(call.get("hold") or []) + list(conv.get("hold") or [])):
        p.append(f'<rect class="hold" x="{_f(x(a))}" y="{y0}" width="{_f(max(1.0, x(b) - x(a)))}" height="{y1 - y0}" fill="#c9c2e6">'
                 f'<title>{escape(labels["hold"])} {sec(a)}–{sec(b)} s</title></rect>')
    for i, (party, label) in enumerate(rows):
        y = GAP + i * (ROW_H + GAP)
        color = "#2a5d8f" if party == "agent" else "#5a9c6e"
        p.append(f'<text x="4" y="{y + ROW_H - 6}" font-size="12" fill="#333">{escape(label)}</text>')
        p.append(f'<rect x="{LEFT}" y="{y}" width="{span}" height="{ROW_H}" fill="#f3f3f3"/>')
        for a, b in _intervals(call, party):
            p.append(f'<rect class="talk {party}" x="{_f(x(a))}" y="{y + 3}" width="{_f(max(0.8, x(b) - x(a)))}" '
                     f'height="{ROW_H - 6}" fill="{color}"/>')
    for o in call.get("overlaps") or []:
        if not isinstance(o, Mapping) or o.get("start_s") is None:
            continue
        a, b = float(o["start_s"]), float(o.get("end_s") or o["start_s"])
        who = o.get("interrupter")
        row = 0 if who == "agent" else 1
        y = GAP + row * (ROW_H + GAP)
        if o.get("kind") == "interruption":
            p.append(f'<rect class="interruption" x="{_f(x(a))}" y="{GAP}" width="{_f(max(2.0, x(b) - x(a)))}" '
                     f'height="{2 * ROW_H + GAP}" fill="#b4442f" fill-opacity="0.35" stroke="#b4442f">'
                     f'<title>{escape(labels["interruption"])} ({escape(labels.get(str(who), str(who)))}) {sec(a)}–{sec(b)} s</title></rect>')
        else:
            p.append(f'<rect class="backchannel" x="{_f(x(a))}" y="{y}" width="2" height="{ROW_H}" fill="#222" fill-opacity="0.5">'
                     f'<title>{escape(labels["backchannel"])} {sec(a)} s</title></rect>')
    p.append(f'<text x="4" y="{y_f + ROW_H - 6}" font-size="12" fill="#333">{escape(labels["findings"])}</text>')
    for f in findings:
        if f.get("start_s") is None:
            continue
        a = float(f["start_s"])
        b = float(f["end_s"] if f.get("end_s") is not None else a)
        col = SEV_COLOR.get(str(f.get("severity")), "#999")
        fid = escape(str(f.get("id")))
        title = escape(f"{f.get('title') or f.get('rule_id')} · {sec(a)} s")
        p.append(f'<a href="#f-{fid}" class="fmark"><rect x="{_f(x(a))}" y="{y_f + 4}" width="{_f(max(4.0, x(b) - x(a)))}" '
                 f'height="{ROW_H - 8}" rx="3" fill="{col}"><title>{title}</title></rect></a>')
    # time axis
    step = next(s for s in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600) if dur / s <= 12)
    ya = y_f + ROW_H + 14
    t = 0.0
    while t <= dur + 1e-9:
        p.append(f'<line x1="{_f(x(t))}" y1="{ya - 10}" x2="{_f(x(t))}" y2="{ya - 6}" stroke="#888"/>'
                 f'<text x="{_f(x(t))}" y="{ya + 4}" font-size="10" text-anchor="middle" fill="#555">{int(t // 60)}:{int(t % 60):02d}</text>')
        t += step
    p.append(f'<line id="playhead" x1="{LEFT}" y1="0" x2="{LEFT}" y2="{y_f + ROW_H}" stroke="#000" stroke-width="1.5"/>')
    p.append("</svg>")
    return Markup("".join(p))
