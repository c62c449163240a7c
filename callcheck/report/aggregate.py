"""Pure aggregation of call digests into what the agent and team pages show (no I/O here).

Only assessable calls count (``assessment.assessable``): the rest is listed, never counted. Every
share carries its n; below ``report.min_calls`` a share is written as a count (or "too few
calls"), and where a share is compared (an agent with the team) its 90 % Jeffreys interval decides.
A page that shows a finding's full evidence gets it from ``load_finding(call_id, finding_id)``.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import partial
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup
from scipy.stats import percentileofscore

from callcheck.config import Config
from callcheck.report.digest import AGENT_MEASURES, CallDigest, FindingRef, call_date
from callcheck.report.evidence import FindingFacts, comparison_sentences, confidence, evidence_of, evidence_sentences, headline
from callcheck.report.i18n import MEASURES, Fmt
from callcheck.report.stats import Share
from callcheck.report.svg import bar, histogram, sparkline
from callcheck.rules import BASELINE_MEASURES, RULE_IDS, Baselines, baselines_from_values, load_article

__all__ = ["mmss", "evidence_summary", "SEV", "sev_weight", "call_date", "iso_week", "call_language", "mistake_meta", "Links", "TeamStats",
           "team_stats", "agent_context", "team_context", "moment_view", "call_score", "sort_calls", "greeting_example"]

SEV = ("info", "low", "medium", "high")
FindingLoader = Callable[[str, str], Mapping[str, Any] | None]


def sev_weight(sev: str, config: Config) -> float:
    w = tuple(config.rules.severity_weights) + (0.0, 1.0, 2.0, 3.0)[len(config.rules.severity_weights):]
    return float(w[SEV.index(sev)]) if sev in SEV else 0.0


def mmss(t: float | None) -> str:
    """A moment as ``m:ss.s`` (language-neutral; pages use :meth:`callcheck.report.i18n.Fmt.mmss`)."""
    if t is None:
        return "–"
    t = max(0.0, float(t))
    return f"{int(t // 60)}:{t % 60:04.1f}"


def evidence_summary(ev: Mapping[str, Any], rule_id: str = "", lang: str = "en") -> list[str]:
    """A finding's evidence as sentences in ``lang`` (:func:`callcheck.report.evidence.evidence_sentences`)."""
    rid = rule_id or str(ev.get("rule_id") or "")
    return evidence_sentences(rid, ev, lang) + comparison_sentences(rid, ev, lang)


def iso_week(date: str | None) -> str | None:
    if not date:
        return None
    y, w, _ = _dt.date.fromisoformat(date).isocalendar()
    return f"{y}-W{w:02d}"


def sort_calls(calls: Sequence[CallDigest]) -> list[CallDigest]:
    """Oldest first: by date (undated last), then call id."""
    return sorted(calls, key=lambda c: (c.date is None, c.date or "", c.call_id))


def call_language(calls: Sequence[Any]) -> str:
    """The language of most calls, 'de' or 'en' (ties and others: 'en')."""
    c = Counter(x.language for x in calls if x.language in ("de", "en"))
    return "de" if c.get("de", 0) > c.get("en", 0) else "en"


def call_score(call: CallDigest, config: Config) -> float:
    return sum(sev_weight(f.severity, config) for f in call.findings)


def mistake_meta(lang: str) -> dict[int, dict[str, Any]]:
    art = load_article()["mistakes"]
    return {int(k): {"mistake": int(k), "rule_id": v["rule_id"], "title": v[f"title_{lang}"], "quote": v[f"quote_{lang}"],
                     "why": v.get(f"why_{lang}", ""), "quote_de": v["quote_de"], "advice": list(v[f"advice_{lang}"]),
                     "exercise": v[f"exercise_{lang}"]} for k, v in art.items()}


def greeting_example(config: Config, lang: str) -> str:
    """The good greeting the advice quotes: ``report.greeting_example`` (``{company}`` filled in),
    else company, name and a greeting with the configured company (``report.company_name``, else the
    first of ``turns.company_names``) or a placeholder."""
    company = config.report.company_name or (config.turns.company_names[0] if config.turns.company_names else "")
    if config.report.greeting_example:
        return config.report.greeting_example.replace("{company}", company or ("[Firma]" if lang == "de" else "[company]"))
    if lang == "de":
        return f"{company or '[Firma]'}, [Ihr Vor- und Nachname], guten Tag"
    return f"{company or '[company]'}, [your name], good morning"


def advice(meta: Mapping[str, Any], config: Config, lang: str) -> list[str]:
    g = greeting_example(config, lang)
    return [a.replace("{greeting}", g) for a in meta["advice"]]


@dataclass(frozen=True)
class Links:
    """Relative links from a page: ``prefix`` leads from the page's folder to the output folder."""

    prefix: str
    call_pages: bool
    agent_pages: Mapping[str, str]

    def call(self, call_id: str, anchor: str | None = None) -> str | None:
        if not self.call_pages:
            return None
        return f"{self.prefix}callpages/{call_id}.html" + (f"#f-{anchor}" if anchor else "")

    def agent(self, agent: str) -> str | None:
        p = self.agent_pages.get(agent)
        return f"{self.prefix}{p}" if p else None

    def audio(self, name: str | None) -> str | None:
        return f"{self.prefix}{name}" if name else None


@dataclass(frozen=True)
class TeamStats:
    """The team's numbers every page compares with (assessable calls only)."""

    n: int
    mistake_calls: Mapping[int, int]
    baselines: Baselines

    def share(self, m: int, min_n: int) -> Share:
        return Share(self.mistake_calls.get(m, 0), self.n, min_n)


def team_stats(digests: Sequence[CallDigest]) -> TeamStats:
    ok = [d for d in digests if d.assessable]
    counts = {m: sum(m in d.mistakes for d in ok) for m in RULE_IDS}
    bl = baselines_from_values((d.call_id, d.agent, {k: d.baseline.get(k) for k in BASELINE_MEASURES}) for d in ok)
    return TeamStats(len(ok), counts, bl)


def team_fingerprint(team: TeamStats, lang: str, config: Config) -> list[Any]:
    """The team figures an agent page quotes, as it writes them (rounded): an agent page is
    rendered again when one of these changes, not for every call added elsewhere."""
    fmt = Fmt(lang)
    out: list[Any] = [fmt.pct(team.share(m, 1).value) for m in RULE_IDS]
    for key in BASELINE_MEASURES:
        if team.baselines.team_count(key) >= 2:
            mk = key.split(".", 1)[1]
            out.append([fmt.measure(mk, team.baselines.team_percentile(key, q), unit=False) for q in (10, 50, 90)])
    return out


def share_text(s: Share, fmt: Fmt, *, interval: bool = False) -> str:
    """``2 von 4 (50 %)`` / with n below the minimum: ``2 von 4``; ``interval`` adds the 90 % range."""
    text = fmt.share(s.x, s.n, min_n=s.min_n)
    if interval and s.enough and s.interval is not None:
        text += f", {fmt.t['interval']} {fmt.interval(s.interval)}"
    return text


def pct_or_few(s: Share, fmt: Fmt) -> str:
    return fmt.pct(s.value) if s.enough else fmt.t["too_few"]


# --- moments ----------------------------------------------------------------------------------------
def moment_view(d: CallDigest, ref: FindingRef, finding: Mapping[str, Any] | None, *, lang: str, config: Config,
                links: Links, audio_name: str | None) -> dict[str, Any]:
    """A finding as a moment card: headline, one sentence per signal, comparisons, quotes (marked
    when the recogniser was unsure), how far it can be trusted, the snippet."""
    fmt = Fmt(lang)
    t = fmt.t
    f = finding or {}
    ev = evidence_of(f)
    rc = config.report
    sep = d.separation_confidence
    sep_low = sep if (sep is not None and sep < config.separation.min_confidence) else None
    facts = FindingFacts(validity=d.validity, separation_confidence=sep_low, quote_confidence=ref.quote_conf, warnings=d.warnings)
    level, why = confidence(ref.rule_id, ev, facts, lang, quote_min_confidence=rc.quote_min_confidence)
    meta = mistake_meta(lang).get(ref.mistake, {})
    baseline = str(ev.get("baseline") or "absolute")
    return {
        "id": ref.id, "call_id": d.call_id, "call_href": links.call(d.call_id, ref.id), "date": fmt.date(d.date),
        "time": fmt.mmss(ref.start_s), "end_time": fmt.mmss(ref.end_s), "start_s": ref.start_s,
        "severity": ref.severity, "severity_label": t.get(f"sev_{ref.severity}", ref.severity),
        "title": meta.get("title", ref.rule_id), "mistake": ref.mistake,
        "headline": headline(ref.rule_id, ev, lang, fallback=str(f.get("message") or "") if lang == "en" else meta.get("title", "")),
        "sentences": evidence_sentences(ref.rule_id, ev, lang),
        "comparisons": comparison_sentences(ref.rule_id, ev, lang, team_percentile=config.rules.team_percentile),
        "quote": str(ev.get("quote") or "") if isinstance(ev.get("quote"), str) else "",
        "quote_unsure": ref.quote_conf is not None and ref.quote_conf < rc.quote_min_confidence,
        "caller_quote": str(ev.get("caller_quote") or "") if isinstance(ev.get("caller_quote"), str) else "",
        "caller_unsure": ref.caller_conf is not None and ref.caller_conf < rc.quote_min_confidence,
        "baseline": t.get(f"baseline_{baseline}", baseline),
        "confidence": level, "confidence_label": t[f"conf_{level}"], "confidence_why": why,
        "caveat": t["caveat_mono"].format(conf=fmt.num(sep_low, 2)) if sep_low is not None else "",
        "audio": links.audio(audio_name), "language": d.language,
    }


# --- agent page -------------------------------------------------------------------------------------
def _median(vals: Sequence[float]) -> float | None:
    return float(statistics.median(vals)) if vals else None


def percent_rank(values: Sequence[float], value: float) -> float:
    """Share of ``values`` below ``value`` (ties count half), % (``scipy.stats.percentileofscore``, kind 'mean')."""
    return float(percentileofscore(values, value, kind="mean")) if len(values) else float("nan")


def agent_context(agent: str, calls: Sequence[CallDigest], team: TeamStats, *, config: Config, lang: str, links: Links,
                  load_finding: FindingLoader, audio_name: Callable[[CallDigest, tuple[float, float] | None], str | None]) -> dict[str, Any]:
    """Everything the agent page shows. The team appears only as aggregates."""
    fmt = Fmt(lang)
    t = fmt.t
    meta = mistake_meta(lang)
    rc = config.report
    min_n = rc.min_calls
    calls = sort_calls(calls)
    ok = [c for c in calls if c.assessable]
    n = len(ok)
    # strengths first: what went well, with examples to listen to
    kinds: dict[str, list[tuple[CallDigest, Mapping[str, Any]]]] = defaultdict(list)
    for c in ok:
        for s in c.strengths:
            if s.get("kind"):
                kinds[str(s["kind"])].append((c, s))
    strengths = []
    for k in ("empathy", "questions", "listening", "backchannels"):
        if not kinds.get(k):
            continue
        ncalls = len({c.call_id for c, _ in kinds[k]})
        ex = []
        for c, s in [x for x in kinds[k] if x[1].get("text")][-2:]:
            span = _plain_clip(s.get("start_s"), s.get("end_s"), c.duration_s, rc.snippet_pad_s, rc.snippet_max_s)
            ex.append({"call_id": c.call_id, "call_href": links.call(c.call_id), "id": s.get("id", ""), "date": fmt.date(c.date),
                       "time": fmt.mmss(s.get("start_s")), "text": s.get("text") or "", "audio": links.audio(audio_name(c, span))})
        strengths.append({"kind": k, "label": t.get(f"strength_{k}", k), "in_calls": share_text(Share(ncalls, n, min_n), fmt), "examples": ex})
    clean = [meta[m]["title"] for m in RULE_IDS if n >= min_n and not any(m in c.mistakes for c in ok)]
    # focus points: mistakes by weighted count
    score: dict[int, float] = defaultdict(float)
    by_m: dict[int, list[tuple[CallDigest, FindingRef]]] = defaultdict(list)
    for c in ok:
        for f in c.findings:
            score[f.mistake] += sev_weight(f.severity, config)
            by_m[f.mistake].append((c, f))
    focus = []
    for m in sorted(score, key=lambda k: (-score[k], k))[: rc.focus_points]:
        if score[m] <= 0:
            continue
        items = sorted(by_m[m], key=lambda cf: (-(SEV.index(cf[1].severity) if cf[1].severity in SEV else 0), cf[0].audio is None,
                                              -(_dt.date.fromisoformat(cf[0].date).toordinal() if cf[0].date else 0), cf[0].call_id))
        seen: set[str] = set()
        moments = []
        for c, f in items:
            if c.call_id in seen:
                continue
            seen.add(c.call_id)
            moments.append(moment_view(c, f, load_finding(c.call_id, f.id), lang=lang, config=config, links=links,
                                       audio_name=audio_name(c, f.clip)))
            if len(moments) >= 2:
                break
        mine = Share(sum(m in c.mistakes for c in ok), n, min_n)
        ts = team.share(m, min_n)
        focus.append(dict(meta[m], advice=advice(meta[m], config, lang), moments=moments, in_calls=share_text(mine, fmt),
                          team_share=share_text(ts, fmt) if ts.n else "–"))
    promises = [{"call_id": c.call_id, "call_href": links.call(c.call_id), "id": p.get("id", ""), "date": fmt.date(c.date),
                 "time": fmt.mmss(p.get("start_s")), "kind": t.get(f"promise_{p.get('kind')}", t["promise_action"]), "text": p.get("text", "")}
                for c in calls for p in c.promises]
    # trend: earlier and recent half of the assessable calls, each with its n
    half = n // 2
    trend = []
    for m in RULE_IDS:
        per_call = [sum(1 for f in c.findings if f.mistake == m) for c in ok]
        early = Share(sum(1 for c in ok[:half] if m in c.mistakes), half, min_n)
        late = Share(sum(1 for c in ok[half:] if m in c.mistakes), n - half, min_n)
        allc = Share(sum(1 for v in per_call if v), n, min_n)
        ts = team.share(m, min_n)
        trend.append({"mistake": m, "title": meta[m]["title"],
                      "svg": sparkline(per_call, max_value=max(3, max(per_call, default=0)),
                                       labels=[f"{c.call_id} ({fmt.date(c.date)}): {v}" for c, v in zip(ok, per_call)]),
                      "early": share_text(early, fmt), "late": share_text(late, fmt),
                      "share": share_text(allc, fmt, interval=True), "team_share": share_text(ts, fmt) if ts.n else "–",
                      "bar": bar(allc.value or 0.0) if allc.enough else Markup(""),
                      "team_bar": bar(ts.value or 0.0, color="#8aa7c4")})
    # the agent's medians against the team (aggregates only)
    compare = []
    for key in BASELINE_MEASURES:
        mine_v = [v for v in (c.baseline.get(key) for c in ok) if v is not None]
        tv = team.baselines.team_values(key)
        if not mine_v or len(tv) < 2:
            continue
        mk = key.split(".", 1)[1]
        med = float(statistics.median(mine_v))
        compare.append({"label": _label(mk, lang), "median": fmt.measure(mk, med, unit=False), "n": fmt.whole(len(mine_v)),
                        "p": " / ".join(fmt.measure(mk, team.baselines.team_percentile(key, q), unit=False) for q in (10, 50, 90)),
                        "team_n": fmt.whole(len(tv)), "pct": fmt.num(percent_rank(tv, med), 0),
                        "svg": histogram(tv, marks=(("50", team.baselines.team_percentile(key, 50)),), highlight=med,
                                         fmt=partial(fmt.measure, mk, unit=False))})
    dates = [c.date for c in calls if c.date]
    rows = [{"call_id": c.call_id, "call_href": links.call(c.call_id), "date": fmt.date(c.date), "duration": fmt.duration(c.duration_s),
             "findings": ", ".join(str(k) for k in sorted(c.mistakes)) or t["none"],
             "titles": "; ".join(meta[k]["title"] for k in sorted(c.mistakes)),
             "assessable": c.assessable, "reasons": [reason_text(r, lang) for r in c.reasons],
             "caveat": t["caveat_mono"].format(conf=fmt.num(c.separation_confidence, 2))
             if c.separation_confidence is not None and c.separation_confidence < config.separation.min_confidence else ""}
            for c in calls]
    unassessed = len(calls) - n
    art = load_article().get("praise", {})
    return {"lang": lang, "t": t, "agent": agent, "n_calls": len(calls), "n_assessable": n,
            "calls_text": fmt.count(len(calls), "call"), "unassessed": fmt.count(unassessed, "call") if unassessed else "",
            "period": f"{fmt.date(min(dates))} – {fmt.date(max(dates))}" if dates else "",
            "focus": focus, "strengths": strengths, "clean": clean, "promises": promises, "trend": trend, "compare": compare,
            "calls": rows, "praise": art.get(f"summary_{lang}", ""), "min_n": min_n,
            "trend_note": t["trend_note"].format(min=min_n)}


def _label(key: str, lang: str) -> str:
    m = MEASURES.get(key)
    if m is None:
        return key
    u = m.unit(lang)
    return f"{m.label(lang)} ({u})" if u and m.kind not in ("pct", "int", "mmss") else m.label(lang)


def _plain_clip(start_s: Any, end_s: Any, duration_s: float | None, pad_s: float, max_s: float) -> tuple[float, float] | None:
    """A snippet span for a moment without a caller sentence (strength examples)."""
    if start_s is None:
        return None
    s = float(start_s)
    e = float(end_s) if end_s is not None else s
    a, b = max(0.0, s - pad_s), max(e + pad_s, s + 0.5)
    b = min(b, a + max_s)
    if duration_s is not None:
        b = min(b, float(duration_s))
    return (round(a, 3), round(b, 3)) if b > a else None


# --- team page --------------------------------------------------------------------------------------
def reason_text(reason: str, lang: str) -> str:
    """A recorded reason in ``lang`` when it is one callcheck knows (else as recorded)."""
    from callcheck.report.i18n import reason_text as rt
    return rt(reason, lang)


def team_context(by_agent: Mapping[str, Sequence[CallDigest]], team: TeamStats, *, config: Config, lang: str, links: Links,
                 load_finding: FindingLoader, failures: Sequence[Mapping[str, str]], skipped: Sequence[str]) -> dict[str, Any]:
    """Everything the team overview shows."""
    fmt = Fmt(lang)
    t = fmt.t
    meta = mistake_meta(lang)
    rc = config.report
    min_n = max(1, rc.min_calls)
    all_calls = [c for cs in by_agent.values() for c in cs]
    ok_all = [c for c in all_calls if c.assessable]
    matrix, outliers, csv_rows, measure_rows = [], [], [], []
    for agent in sorted(by_agent, key=lambda a: (a.lower(), a)):
        cs = by_agent[agent]
        ok = [c for c in cs if c.assessable]
        cells = []
        for m in RULE_IDS:
            s = Share(sum(m in c.mistakes for c in ok), len(ok), min_n)
            v = s.value or 0.0
            cells.append({"m": m, "text": fmt.pct(s.value) if s.enough else (f"{s.x}/{s.n}" if s.n else "–"),
                          "title": f"{meta[m]['title']}: {share_text(s, fmt, interval=True)}",
                          "alpha": f"{min(1.0, v):.2f}" if s.enough else "0", "dark": s.enough and v > 0.55})
            # compared with the rest of the team: both 90 % intervals apart, and the share a factor above
            rest = Share(team.mistake_calls.get(m, 0) - s.x, team.n - len(ok), min_n)
            iv, riv = s.interval, rest.interval
            if (len(ok) >= max(rc.outlier_min_calls, min_n) and s.x > 0 and rest.value is not None and iv is not None
                    and riv is not None and v >= rc.outlier_factor * rest.value and iv[0] > riv[1]):
                outliers.append({"agent": agent, "href": links.agent(agent), "mistake": meta[m]["title"],
                                 "share": share_text(s, fmt, interval=True), "team": share_text(rest, fmt, interval=True)})
        nf = sum(len(c.findings) for c in ok)
        matrix.append({"agent": agent, "page": links.agent(agent), "calls": fmt.whole(len(ok)), "all_calls": fmt.whole(len(cs)),
                       "cells": cells, "per_call": fmt.num(nf / len(ok), 1) if ok else "–"})
        mcells: list[dict[str, Any]] = []
        for key in AGENT_MEASURES:
            got = [float(x) for c in ok if (x := c.measures.get(key)) is not None and c.validity.get(key, ("",))[0] != "unsure"]
            if key in ("dead_air_s", "interruptions"):
                mean = statistics.fmean(got) if got else None
                shown = fmt.num(mean, 1) if mean is not None else "–"
            else:
                med = _median(got)
                shown = fmt.measure(key, med, unit=False) if med is not None else "–"
            mcells.append({"key": key, "value": shown, "n": fmt.whole(len(got)), "partial": 0 < len(got) < len(ok)})
        measure_rows.append({"agent": agent, "page": links.agent(agent), "n": fmt.whole(len(ok)), "cells": mcells})
        csv_rows.append({"agent": agent, "calls": len(cs), "assessable": len(ok),
                         **{f"m{m}_calls": sum(m in c.mistakes for c in ok) for m in RULE_IDS},
                         **{f"m{m}_share": round(sum(m in c.mistakes for c in ok) / len(ok), 4) if ok else None for m in RULE_IDS},
                         "findings": nf, "findings_per_call": round(nf / len(ok), 3) if ok else None,
                         "weighted_score": round(sum(call_score(c, config) for c in ok), 2),
                         "strengths": sum(len(c.strengths) for c in ok), "promises": sum(len(c.promises) for c in cs)})
    measure_heads: list[dict[str, str]] = []
    for k in AGENT_MEASURES:
        if k == "dead_air_s":
            measure_heads.append({"label": t["dead_air_per_call"], "unit": "s"})
        elif k == "interruptions":
            measure_heads.append({"label": t["interruptions_per_call"], "unit": ""})
        else:
            ms = MEASURES[k]
            measure_heads.append({"label": ms.label(lang), "unit": ms.unit(lang) if ms.kind not in ("pct", "int", "mmss") else ""})
    common = []
    for m in sorted(RULE_IDS, key=lambda k: (-team.mistake_calls.get(k, 0), k)):
        s = team.share(m, min_n)
        common.append({"mistake": m, "title": meta[m]["title"], "share": share_text(s, fmt, interval=True), "bar": bar(s.value or 0.0)})
    dists = []
    for key in BASELINE_MEASURES:
        tvals = team.baselines.team_values(key)
        if len(tvals) < 2:
            continue
        mk = key.split(".", 1)[1]
        marks = tuple((f"{q}", team.baselines.team_percentile(key, q)) for q in (10, 50, 90))
        dists.append({"label": _label(mk, lang), "n": fmt.whole(len(tvals)), "p": " / ".join(fmt.measure(mk, v, unit=False) for _, v in marks),
                      "svg": histogram(tvals, marks=marks, fmt=partial(fmt.measure, mk, unit=False))})
    # weekly trend: every week labelled, each share with its n
    weeks: dict[str, list[CallDigest]] = defaultdict(list)
    for c in ok_all:
        w = iso_week(c.date)
        if w:
            weeks[w].append(c)
    week_keys = sorted(weeks)[-rc.trend_weeks:]
    years = {w[:4] for w in week_keys}
    weekly = []
    for m in RULE_IDS:
        shares = [Share(sum(m in c.mistakes for c in weeks[w]), len(weeks[w]), min_n) for w in week_keys]
        wvals = [s.value if s.enough else None for s in shares]
        weekly.append({"mistake": m, "title": meta[m]["title"],
                       "svg": sparkline(wvals, max_value=1.0, labels=[f"{fmt.week(w)}: {share_text(s, fmt)}" for w, s in zip(week_keys, shares)]),
                       "cells": [{"text": fmt.pct(s.value) if s.enough else "–", "title": share_text(s, fmt)} for s in shares]})
    week_heads = [{"label": fmt.week(w, with_year=len(years) > 1), "n": fmt.whole(len(weeks[w]))} for w in week_keys]
    # calls to listen to, good practice, problems
    ranked = sorted((c for c in ok_all if c.findings), key=lambda c: (-call_score(c, config), c.call_id))
    listen = []
    for c in ranked[: rc.listen_top_n]:
        if call_score(c, config) <= 0:
            break
        first = sorted(c.findings, key=lambda f: (-(SEV.index(f.severity) if f.severity in SEV else 0), f.start_s or 0))[0]
        full = load_finding(c.call_id, first.id) or {}
        ev = evidence_of(full)
        listen.append({"call_id": c.call_id, "href": links.call(c.call_id, first.id), "agent": c.agent, "page": links.agent(c.agent),
                       "date": fmt.date(c.date), "score": fmt.num(call_score(c, config), 0),
                       "mistakes": "; ".join(meta[m]["title"] for m in sorted(c.mistakes)),
                       "first": fmt.mmss(first.start_s), "quote": str(ev.get("quote") or "") if isinstance(ev.get("quote"), str) else "",
                       "quote_unsure": first.quote_conf is not None and first.quote_conf < rc.quote_min_confidence})
    good = sorted((c for c in ok_all if not c.findings), key=lambda c: (-len(c.strengths), c.call_id))
    good_rows = [{"call_id": c.call_id, "href": links.call(c.call_id), "agent": c.agent, "page": links.agent(c.agent), "date": fmt.date(c.date),
                  "strengths": ", ".join(sorted({t.get(f"strength_{s.get('kind')}", str(s.get("kind"))) for s in c.strengths})) or t["none"]}
                 for c in good[: rc.listen_top_n]]
    unassessable = [{"call_id": c.call_id, "href": links.call(c.call_id), "agent": c.agent, "page": links.agent(c.agent),
                     "date": fmt.date(c.date), "reasons": [reason_text(r, lang) for r in c.reasons] or [t["not_assessable"]]}
                    for c in sort_calls([c for c in all_calls if not c.assessable])]
    dates = [c.date for c in all_calls if c.date]
    return {"lang": lang, "t": t, "n_calls": len(all_calls), "n_assessable": len(ok_all),
            "calls_text": fmt.count(len(all_calls), "call"), "agents_text": fmt.count(len(by_agent), "agent"),
            "assessable_text": f"{fmt.whole(len(ok_all))} {t['assessable_n']}",
            "mistakes": [meta[m] for m in RULE_IDS], "matrix": matrix, "outliers": outliers, "common": common, "dists": dists,
            "weekly": weekly, "week_heads": week_heads, "listen": listen, "good": good_rows, "csv_rows": csv_rows,
            "measure_rows": measure_rows, "measure_heads": measure_heads, "failures": list(failures), "skipped": list(skipped),
            "unassessable": unassessable, "min_n": min_n,
            "notes": {"matrix": t["matrix_note"].format(min=min_n), "weekly": t["weekly_note"].format(min=min_n),
                      "outliers": t["outliers_note"].format(min=max(rc.outlier_min_calls, min_n), factor=fmt.num(rc.outlier_factor, 1))},
            "period": f"{fmt.date(min(dates))} – {fmt.date(max(dates))}" if dates else ""}
