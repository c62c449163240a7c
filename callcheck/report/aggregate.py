"""Pure aggregation of call records into what the agent and team pages show (no I/O here).

Calls come as :class:`callcheck.record.CallRecord`; their ``findings``, ``strengths`` and
``promises`` are the judgement's when the call is judged, else the record's own.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from pathlib import Path
from collections import Counter, defaultdict
from typing import Any, Mapping, Sequence

from scipy.stats import percentileofscore

from callcheck.config import Config
from callcheck.record import CallRecord
from callcheck.report.i18n import MEASURE_LABELS, texts
from callcheck.report.svg import bar, histogram, sparkline
from callcheck.rules import BASELINE_MEASURES, RULE_IDS, Baselines, load_article

SEV = ("info", "low", "medium", "high")


def sev_weight(sev: str, config: Config) -> float:
    w = tuple(config.rules.severity_weights) + (0.0, 1.0, 2.0, 3.0)[len(config.rules.severity_weights):]
    return float(w[SEV.index(sev)]) if sev in SEV else 0.0


def mmss(t: float | None) -> str:
    if t is None:
        return "–"
    t = max(0.0, float(t))
    return f"{int(t // 60)}:{t % 60:04.1f}"


def call_date(call: CallRecord) -> str | None:
    """The call's date (ISO ``YYYY-MM-DD``): ``date``, else the recording file's date, else None."""
    for v in (call.date, call.file_date):
        if isinstance(v, str) and len(v) >= 10:
            try:
                return _dt.date.fromisoformat(v[:10]).isoformat()
            except ValueError:
                continue
    return None


def iso_week(date: str | None) -> str | None:
    if not date:
        return None
    y, w, _ = _dt.date.fromisoformat(date).isocalendar()
    return f"{y}-W{w:02d}"


def sort_calls(calls: Sequence[CallRecord]) -> list[CallRecord]:
    """Oldest first: by date (undated last), then call id."""
    return sorted(calls, key=lambda c: (call_date(c) is None, call_date(c) or "", c.call_id))


def call_language(calls: Sequence[CallRecord]) -> str:
    """The language of most calls, 'de' or 'en' (ties and others: 'en')."""
    c = Counter(x.language for x in calls if x.language in ("de", "en"))
    return "de" if c.get("de", 0) > c.get("en", 0) else "en"


def findings(call: CallRecord) -> list[Mapping[str, Any]]:
    """The call's findings of the eight mistakes (judged when a judgement is attached)."""
    return [f for f in call.findings if f.get("mistake") in RULE_IDS]


def mistakes_in(call: CallRecord) -> set[int]:
    return {int(f["mistake"]) for f in findings(call)}


def percent_rank(values: Sequence[float], value: float) -> float:
    """Share of ``values`` below ``value`` (ties count half), % (``scipy.stats.percentileofscore``, kind 'mean')."""
    return float(percentileofscore(values, value, kind="mean")) if len(values) else float("nan")


def call_score(call: CallRecord, config: Config) -> float:
    return sum(sev_weight(str(f.get("severity")), config) for f in findings(call))


def evidence_summary(ev: Mapping[str, Any]) -> list[str]:
    """Readable 'name: value' lines of a finding's measured values, thresholds and signals."""
    out: list[str] = []
    for key in ("measures", "thresholds"):
        for k, v in (ev.get(key) or {}).items():
            if v is not None and not isinstance(v, (dict, list)):
                out.append(f"{k.replace('_', ' ')}: {v}")
    for k, v in (ev.get("signals") or {}).items():
        if isinstance(v, Mapping):
            vals = ", ".join(f"{a.replace('_', ' ')} {b}" for a, b in v.items() if b is not None and not isinstance(b, (dict, list)) and a != "baseline")
            out.append(f"{k.replace('_', ' ')}" + (f" ({vals})" if vals else ""))
    return out


def mistake_meta(lang: str) -> dict[int, dict[str, Any]]:
    art = load_article()["mistakes"]
    return {int(k): {"mistake": int(k), "rule_id": v["rule_id"], "title": v[f"title_{lang}"], "quote": v[f"quote_{lang}"],
                     "quote_de": v["quote_de"], "advice": list(v[f"advice_{lang}"]), "exercise": v[f"exercise_{lang}"]}
            for k, v in art.items()}


def caveat(call: CallRecord, config: Config, lang: str) -> str:
    """A warning for calls whose mono voice separation is unsure (confidence below
    ``separation.min_confidence``): who said what may be mixed up. Empty otherwise."""
    conf = call.separation_confidence
    if call.layout != "mono" or conf is None or conf >= config.separation.min_confidence:
        return ""
    return texts(lang)["caveat_mono"].format(conf=f"{conf:.2f}")


def moment(call: CallRecord, f: Mapping[str, Any], lang: str, snippet: Any = None, note: str = "") -> dict[str, Any]:
    t = texts(lang)
    ev = f.get("evidence") or {}
    return {
        "caveat": note, "id": f.get("id", ""),
        "call_id": call.call_id, "date": call_date(call), "start_s": f.get("start_s"), "end_s": f.get("end_s"),
        "time": mmss(f.get("start_s")), "end_time": mmss(f.get("end_s")), "severity": f.get("severity"),
        "message": f.get("message", ""), "quote": ev.get("quote") or "", "caller_quote": ev.get("caller_quote") or "",
        "baseline": t.get(f"baseline_{ev.get('baseline', 'absolute')}", ev.get("baseline")),
        "evidence": evidence_summary(ev), "audio": snippet,
    }


def agent_context(agent: str, calls: Sequence[CallRecord], all_calls: Sequence[CallRecord], *,
                  baselines: Baselines, config: Config, lang: str, snippet_fn=None) -> dict[str, Any]:
    """Everything the agent page shows. The team appears only as aggregates of ``all_calls``."""
    t = texts(lang)
    meta = mistake_meta(lang)
    calls = sort_calls(calls)
    n = len(calls)
    rc = config.report
    # focus points: mistakes by weighted count
    score: dict[int, float] = defaultdict(float)
    by_m: dict[int, list[tuple[CallRecord, Mapping[str, Any]]]] = defaultdict(list)
    for c in calls:
        for f in findings(c):
            m = int(f["mistake"])
            score[m] += sev_weight(str(f.get("severity")), config)
            by_m[m].append((c, f))
    team_share = {m: sum(m in mistakes_in(c) for c in all_calls) / max(1, len(all_calls)) for m in RULE_IDS}
    focus = []
    for m in sorted(score, key=lambda k: (-score[k], k))[: rc.focus_points]:
        if score[m] <= 0:
            continue
        # the most severe moments first, newest first among equals, one per call
        def _key(cf):
            sev = cf[1].get("severity")
            d = call_date(cf[0])
            src = cf[0].audio_path
            has_audio = bool(src) and Path(src).is_file()
            return (-(SEV.index(sev) if sev in SEV else 0), not has_audio,
                    -(_dt.date.fromisoformat(d).toordinal() if d else 0), cf[0].call_id)
        items = sorted(by_m[m], key=_key)
        seen, moments = set(), []
        for c, f in items:
            if c.call_id in seen:
                continue
            seen.add(c.call_id)
            snip = snippet_fn(c, f) if snippet_fn else None
            moments.append(moment(c, f, lang, snip, caveat(c, config, lang)))
            if len(moments) >= 2:
                break
        n_calls = sum(m in mistakes_in(c) for c in calls)
        focus.append(dict(meta[m], n_calls=n_calls, in_calls=t["in_calls"].format(n=n_calls, total=n), moments=moments,
                          share=n_calls / n, team_share=team_share[m]))
    # strengths
    kinds: dict[str, list[tuple[CallRecord, Mapping[str, Any]]]] = defaultdict(list)
    for c in calls:
        for s in c.strengths:
            if s.get("kind"):
                kinds[str(s["kind"])].append((c, s))
    strengths = []
    for k in ("empathy", "questions", "listening", "backchannels"):
        if not kinds.get(k):
            continue
        ncalls = len({c.call_id for c, _ in kinds[k]})
        ex = [{"call_id": c.call_id, "id": s.get("id", ""), "time": mmss(s.get("start_s")), "text": s.get("text") or ""}
              for c, s in kinds[k] if s.get("text")][-2:]
        strengths.append({"kind": k, "label": t.get(f"strength_{k}", k), "in_calls": t["in_calls"].format(n=ncalls, total=n), "examples": ex})
    promises = [{"call_id": c.call_id, "id": p.get("id", ""), "date": call_date(c) or "", "time": mmss(p.get("start_s")),
                 "kind": t.get(f"promise_{p.get('kind')}", str(p.get("kind"))), "text": p.get("text", "")}
                for c in calls for p in c.promises]
    # trends and own past
    half = max(1, n // 2)
    trend = []
    for m in RULE_IDS:
        per_call = [sum(1 for f in findings(c) if int(f["mistake"]) == m) for c in calls]
        early = sum(1 for c in calls[:half] if m in mistakes_in(c)) / len(calls[:half])
        late_calls = calls[half:] or calls
        late = sum(1 for c in late_calls if m in mistakes_in(c)) / len(late_calls)
        trend.append({"mistake": m, "title": meta[m]["title"], "svg": sparkline(per_call, max_value=max(3, max(per_call)),
                      labels=[f"{c.call_id}: {v}" for c, v in zip(calls, per_call)]),
                      "early": early, "late": late, "share": sum(1 for v in per_call if v) / n, "team_share": team_share[m],
                      "bar": bar(sum(1 for v in per_call if v) / n), "team_bar": bar(team_share[m], color="#8aa7c4")})
    # measures vs the team (aggregates only)
    compare = []
    for key, get in BASELINE_MEASURES.items():
        mine = [v for v in (get(c) for c in calls) if v is not None]
        team = baselines.team_values(key)
        if not mine or len(team) < 2:
            continue
        med = statistics.median(mine)
        compare.append({"label": MEASURE_LABELS[key]["de" if lang == "de" else "en"], "median": f"{med:.3g}",
                        "p": " / ".join(f"{baselines.team_percentile(key, q):.3g}" for q in (10, 50, 90)),
                        "pct": f"{percent_rank(team, med):.0f}",
                        "svg": histogram(team, marks=(("50", baselines.team_percentile(key, 50)),), highlight=med)})
    dates = [d for d in (call_date(c) for c in calls) if d]
    rows = [{"call_id": c.call_id, "date": call_date(c) or "", "duration": mmss(c.duration_s),
             "findings": ", ".join(f"{k}" for k in sorted(mistakes_in(c))) or t["none"],
             "promises": len(c.promises), "caveat": caveat(c, config, lang)} for c in calls]
    return {"lang": lang, "t": t, "agent": agent, "n_calls": n, "period": f"{min(dates)} – {max(dates)}" if dates else "",
            "focus": focus, "strengths": strengths, "promises": promises, "trend": trend, "compare": compare, "calls": rows,
            "praise": load_article().get("praise", {}).get(f"quote_{lang}", ""), "team_calls": len(all_calls)}


def team_context(by_agent: Mapping[str, Sequence[CallRecord]], pages: Mapping[str, str], *, baselines: Baselines,
                 config: Config, lang: str) -> dict[str, Any]:
    """Everything the team overview shows."""
    t = texts(lang)
    meta = mistake_meta(lang)
    rc = config.report
    all_calls = [c for cs in by_agent.values() for c in cs]
    N = max(1, len(all_calls))
    team_share = {m: sum(m in mistakes_in(c) for c in all_calls) / N for m in RULE_IDS}
    matrix, outliers, csv_rows = [], [], []
    for agent in sorted(by_agent, key=str.lower):
        cs = by_agent[agent]
        shares = {m: sum(m in mistakes_in(c) for c in cs) / len(cs) for m in RULE_IDS}
        nf = sum(len(findings(c)) for c in cs)
        matrix.append({"agent": agent, "page": pages.get(agent, ""), "calls": len(cs),
                       "cells": [{"m": m, "share": shares[m], "pct": f"{shares[m]:.0%}",
                                  "alpha": f"{min(1.0, shares[m]):.2f}"} for m in RULE_IDS],
                       "per_call": f"{nf / len(cs):.1f}"})
        for m in RULE_IDS:
            if len(cs) >= rc.outlier_min_calls and shares[m] > 0 and shares[m] >= rc.outlier_factor * team_share[m]:
                outliers.append({"agent": agent, "mistake": meta[m]["title"], "share": f"{shares[m]:.0%}", "team": f"{team_share[m]:.0%}"})
        csv_rows.append({"agent": agent, "calls": len(cs),
                         **{f"m{m}_calls": sum(m in mistakes_in(c) for c in cs) for m in RULE_IDS},
                         **{f"m{m}_share": round(shares[m], 4) for m in RULE_IDS},
                         "findings": nf, "findings_per_call": round(nf / len(cs), 3),
                         "weighted_score": round(sum(call_score(c, config) for c in cs), 2),
                         "strengths": sum(len(c.strengths) for c in cs),
                         "promises": sum(len(c.promises) for c in cs)})
    common = [{"mistake": m, "title": meta[m]["title"], "share": f"{team_share[m]:.0%}", "bar": bar(team_share[m])}
              for m in sorted(RULE_IDS, key=lambda k: -team_share[k])]
    dists = []
    for key in BASELINE_MEASURES:
        vals: Sequence[float] = baselines.team_values(key)
        if len(vals) < 2:
            continue
        marks = tuple((f"{q}", baselines.team_percentile(key, q)) for q in (10, 50, 90))
        dists.append({"label": MEASURE_LABELS[key]["de" if lang == "de" else "en"], "n": len(vals),
                      "p": " / ".join(f"{v:.3g}" for _, v in marks), "svg": histogram(vals, marks=marks)})
    weeks: dict[str, list[CallRecord]] = defaultdict(list)
    for c in all_calls:
        w = iso_week(call_date(c))
        if w:
            weeks[w].append(c)
    week_keys = sorted(weeks)
    weekly = []
    if week_keys:
        for m in RULE_IDS:
            vals = [sum(m in mistakes_in(c) for c in weeks[w]) / len(weeks[w]) for w in week_keys]
            weekly.append({"mistake": m, "title": meta[m]["title"], "svg": sparkline(vals, max_value=1.0, labels=[f"{w}: {v:.0%}" for w, v in zip(week_keys, vals)]),
                           "last": f"{vals[-1]:.0%}", "first": f"{vals[0]:.0%}"})
    agent_of = {id(c): a for a, cs in by_agent.items() for c in cs}
    ranked = sorted(all_calls, key=lambda c: (-call_score(c, config), c.call_id))
    listen = []
    for c in ranked[: rc.listen_top_n]:
        if call_score(c, config) <= 0:
            break
        fs = sorted(findings(c), key=lambda f: -SEV.index(f.get("severity", "info")) if f.get("severity") in SEV else 0)
        listen.append({"call_id": c.call_id, "agent": agent_of[id(c)], "page": pages.get(agent_of[id(c)], ""),
                       "date": call_date(c) or "", "score": f"{call_score(c, config):g}",
                       "mistakes": ", ".join(meta[m]["title"] for m in sorted(mistakes_in(c))),
                       "first": mmss(fs[0].get("start_s")) if fs else "", "quote": (fs[0].get("evidence") or {}).get("quote", "") if fs else ""})
    good = [c for c in all_calls if not findings(c)]
    good.sort(key=lambda c: (-len(c.strengths), c.call_id))
    good_rows = [{"call_id": c.call_id, "agent": agent_of[id(c)], "page": pages.get(agent_of[id(c)], ""), "date": call_date(c) or "",
                  "strengths": ", ".join(sorted({t.get(f"strength_{s.get('kind')}", str(s.get("kind"))) for s in c.strengths}))}
                 for c in good[: rc.listen_top_n]]
    return {"lang": lang, "t": t, "n_calls": len(all_calls), "n_agents": len(by_agent), "mistakes": [meta[m] for m in RULE_IDS],
            "matrix": matrix, "outliers": outliers, "common": common, "dists": dists, "weekly": weekly, "weeks": week_keys,
            "listen": listen, "good": good_rows, "csv_rows": csv_rows,
            "period": (f"{min(d for d in map(call_date, all_calls) if d)} – {max(d for d in map(call_date, all_calls) if d)}"
                       if any(call_date(c) for c in all_calls) else "")}
