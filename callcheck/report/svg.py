"""Tiny inline-SVG charts (no scripts, no external resources). Every label is escaped here."""

from __future__ import annotations

from typing import Callable, Sequence

from markupsafe import Markup, escape


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def sparkline(values: Sequence[float | None], *, width: int = 180, height: int = 40, max_value: float | None = None,
              labels: Sequence[str] | None = None, color: str = "#b4442f") -> Markup:
    """A line of ``values`` (None = gap) left to right; each point has an escaped ``<title>``."""
    vals = [v for v in values if v is not None]
    if not vals:
        return Markup(f'<svg class="spark" width="{width}" height="{height}" role="img" aria-hidden="true"></svg>')
    top = max_value if max_value is not None else max(vals)
    top = top if top > 0 else 1.0
    n = len(values)
    pad = 4
    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = height - pad - (height - 2 * pad) * (v / top)
        return x, y
    pts = [xy(i, v) for i, v in enumerate(values) if v is not None]
    parts = [f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#ccc" stroke-width="1"/>']
    if len(pts) > 1:
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts)}"/>')
    k = 0
    for i, v in enumerate(values):
        if v is None:
            continue
        x, y = pts[k]
        k += 1
        label = escape(labels[i]) if labels and i < len(labels) else escape(f"{v:g}")
        parts.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.2" fill="{color}"><title>{label}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(values: Sequence[float], *, bins: int = 14, width: int = 260, height: int = 70,
              marks: Sequence[tuple[str, float]] = (), highlight: float | None = None,
              fmt: Callable[[float], str] | None = None) -> Markup:
    """Histogram of ``values`` with vertical marks (e.g. percentiles) and an optional highlighted
    value; ``fmt`` writes the range's ends (default ``{:.3g}``)."""
    if fmt is None:
        def fmt(v: float) -> str:
            return f"{v:.3g}"
    if not values:
        return Markup(f'<svg class="hist" width="{width}" height="{height}" role="img" aria-hidden="true"></svg>')
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    top = max(counts)
    bw = (width - 8) / bins
    base = height - 14
    parts = [f'<svg class="hist" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for i, c in enumerate(counts):
        h = (base - 12) * c / top  # the top 12 px hold the marks' labels
        parts.append(f'<rect x="{_fmt(4 + i * bw)}" y="{_fmt(base - h)}" width="{_fmt(bw - 1)}" height="{_fmt(h)}" fill="#8aa7c4"><title>{c}</title></rect>')
    def xpos(v: float) -> float:
        return 4 + (width - 8) * (v - lo) / (hi - lo)
    for name, v in marks:
        x = xpos(v)
        # labels on top, the range (min, max) at the bottom: they never overlap
        parts.append(f'<line x1="{_fmt(x)}" y1="11" x2="{_fmt(x)}" y2="{base}" stroke="#555" stroke-dasharray="2,2"/>'
                     f'<text x="{_fmt(x)}" y="9" font-size="9" text-anchor="middle" fill="#333">{escape(name)}</text>')
    if highlight is not None:
        x = xpos(min(max(highlight, lo), hi))
        parts.append(f'<line x1="{_fmt(x)}" y1="0" x2="{_fmt(x)}" y2="{base}" stroke="#b4442f" stroke-width="2"/>')
    parts.append(f'<text x="4" y="{height - 2}" font-size="9" fill="#666">{escape(fmt(lo))}</text>'
                 f'<text x="{width - 4}" y="{height - 2}" font-size="9" text-anchor="end" fill="#666">{escape(fmt(hi))}</text></svg>')
    return Markup("".join(parts))


def bar(value: float, *, max_value: float = 1.0, width: int = 120, height: int = 12, color: str = "#b4442f") -> Markup:
    """One horizontal bar (share, count)."""
    w = 0 if max_value <= 0 else max(0.0, min(1.0, value / max_value)) * width
    return Markup(f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
                  f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eee"/>'
                  f'<rect x="0" y="0" width="{_fmt(w)}" height="{height}" fill="{color}"/></svg>')
