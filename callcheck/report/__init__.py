"""Coaching reports rendered from the call records and their judgements: per agent, team overview, clips.

Rendering only reads: the measured records ``OUT/calls/*.json`` and the judgements
``OUT/judgements/*.json`` (through :func:`callcheck.record.load_batch`), plus the call's audio
``source`` for snippets when it exists; it writes the pages and nothing else. A judged call shows
its judged findings (team and own-history comparisons, :mod:`callcheck.judge`); a call without a
current judgement shows the absolute findings of its record. Pages are self-contained HTML (inline
CSS and SVG, audio as ``data:`` URIs, no scripts) with Jinja2 autoescaping on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from callcheck.config import Config
from callcheck.errors import CallcheckError
from callcheck.fsutil import atomic_write
from callcheck.record import CallRecord, load_batch
from callcheck.report import aggregate as agg
from callcheck.report.audio import AudioCache, cut_muted, data_uri, wav_bytes
from callcheck.report.i18n import texts
from callcheck.rules import RULE_IDS, build_baselines

__all__ = ["ReportError", "ReportSummary", "ClipsSummary", "render_reports", "export_clips", "agent_slug", "team_csv"]


class ReportError(CallcheckError):
    """The output folder cannot be reported on (missing, no calls)."""


@dataclass(frozen=True)
class ReportSummary:
    """What :func:`render_reports` wrote."""

    calls: int
    agents: int
    pages: tuple[str, ...]
    unjudged: int = 0  # calls shown with their record's absolute findings (no current judgement)
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "agents": self.agents, "pages": list(self.pages), "unjudged": self.unjudged,
                "skipped": list(self.skipped), "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class ClipsSummary:
    """What :func:`export_clips` wrote."""

    clips: int
    audio_missing: int
    folders: tuple[str, ...]
    files: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"clips": self.clips, "audio_missing": self.audio_missing, "folders": list(self.folders)}


# --- helpers ---------------------------------------------------------------------------------------

def agent_slug(agent: str | None, taken: set[str] | None = None) -> str:
    """A safe file name for an agent (ASCII letters, digits, ``._-``); unique within ``taken``."""
    name = "unknown" if agent is None else str(agent)
    a = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    a = re.sub(r"[^A-Za-z0-9._-]+", "_", a).strip("._-")[:60] or "agent"
    if taken is not None:
        if a in taken or a.lower() in {x.lower() for x in taken}:
            a = f"{a}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}"
        taken.add(a)
    return a


def _env(markdown: bool = False) -> Environment:
    if markdown:
        def md_escape(v: Any) -> Any:
            if v is None:
                return ""
            s = str(v)
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")
        env = Environment(loader=PackageLoader("callcheck.report", "templates"), autoescape=False, finalize=md_escape,
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    else:
        env = Environment(loader=PackageLoader("callcheck.report", "templates"), autoescape=select_autoescape(("html", "j2")),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: f"{x:.0%}"
    return env


def _lang(requested: str | None, config: Config, calls: Sequence[CallRecord]) -> str:
    lang = requested or config.report.language
    if lang in ("de", "en"):
        return lang
    if lang not in (None, "", "auto"):
        raise ReportError(f"report language {lang!r} is not supported; use de, en or auto")
    return agg.call_language(calls)


# --- render ----------------------------------------------------------------------------------------
def render_reports(out_dir: Path, *, config: Config, language: str | None = None) -> ReportSummary:
    """Write the agent pages, ``index.html`` and ``team.csv`` from the records and their judgements.

    Read-only on ``calls/`` and ``judgements/``: run :func:`callcheck.judge.judge_batch` first for
    the team and own-history comparisons (``callcheck report`` and ``callcheck analyze`` do).

    Parameters
    ----------
    out_dir : Path
        An output folder of ``callcheck analyze`` (reads ``calls/*.json`` and ``judgements/*.json``).
    config : Config
        Rules and report settings.
    language : str or None
        'de' or 'en' for every page; None uses ``config.report.language`` ('auto': per agent, the
        language of most of their calls).

    Returns
    -------
    ReportSummary
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    calls, skipped = load_batch(out_dir)
    if not calls:
        raise ReportError(f"{out_dir / 'calls'}: no call JSON files to report on")
    baselines = build_baselines(calls, config=config.rules)  # the team's distributions shown on the pages
    by_agent: dict[str, list[CallRecord]] = defaultdict(list)
    for c in calls:
        by_agent["unknown" if c.agent is None else c.agent].append(c)
    taken: set[str] = set()
    pages = {a: f"agents/{agent_slug(a, taken)}.html" for a in sorted(by_agent)}
    shown = {a: a for a in by_agent}  # how team views name each agent
    if config.privacy.pseudonyms:  # stable pseudonyms in team views and page names; own pages keep the name
        from callcheck.privacy import pseudonym

        shown = {a: pseudonym(a, out_dir) for a in by_agent}
        pages = {a: f"agents/{shown[a]}.html" for a in by_agent}
    html_env, md_env = _env(), _env(markdown=True)
    agent_html, agent_md = html_env.get_template("agent.html.j2"), md_env.get_template("agent.md.j2")
    audio = AudioCache()
    rc = config.report

    def snippet(call: CallRecord, f: Mapping[str, Any]) -> str | None:
        if not rc.embed_audio:
            return None
        return data_uri(audio.get(call.audio_path), f.get("start_s"), f.get("end_s"), pad_s=rc.snippet_pad_s, max_s=rc.snippet_max_s,
                        record=call)

    written = []
    generated = time.strftime("%Y-%m-%d %H:%M")
    for a, cs in by_agent.items():
        lang = _lang(language, config, cs)
        ctx = agg.agent_context(a, cs, calls, baselines=baselines, config=config, lang=lang, snippet_fn=snippet)
        ctx["generated"] = generated
        base = out_dir / pages[a]
        atomic_write(base, agent_html.render(ctx))
        atomic_write(base.with_suffix(".md"), agent_md.render(ctx))
        written += [pages[a], pages[a][:-5] + ".md"]
    lang = _lang(language, config, calls)
    tctx = agg.team_context({shown[a]: cs for a, cs in by_agent.items()}, {shown[a]: p for a, p in pages.items()},
                            baselines=baselines, config=config, lang=lang)
    tctx["generated"] = generated
    tctx["skipped"] = skipped
    atomic_write(out_dir / "index.html", html_env.get_template("index.html.j2").render(tctx))
    atomic_write(out_dir / "team.csv", team_csv(tctx["csv_rows"], lang))
    written += ["index.html", "team.csv"]
    unjudged = sum(not c.judged for c in calls)
    return ReportSummary(len(calls), len(by_agent), tuple(written), unjudged, tuple(skipped), time.perf_counter() - t0)


def _csv_safe(v: Any) -> Any:
    """Spreadsheet-safe cell: text starting with = + - @ is prefixed with ' (CSV injection)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


#: team.csv columns: (key in the team context's rows, text key of the header). ``{m}``/``{title}``: the mistake.
TEAM_CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("agent", "csv_agent"), ("calls", "csv_calls"),
    *((f"m{m}_calls", "csv_m_calls") for m in RULE_IDS), *((f"m{m}_share", "csv_m_share") for m in RULE_IDS),
    ("findings", "csv_findings"), ("findings_per_call", "csv_findings_per_call"), ("weighted_score", "csv_weighted_score"),
    ("strengths", "csv_strengths"), ("promises", "csv_promises"),
)


def team_csv(rows: Sequence[Mapping[str, Any]], lang: str) -> str:
    """``team.csv`` for spreadsheets in the report language (docs/reports.md).

    German (``de``): ``;`` between cells and decimal commas, as German Excel reads a CSV;
    English: ``,`` and decimal points. Both start with a UTF-8 byte-order mark (so Excel reads
    umlauts right), have readable headers, CRLF line ends, and shares in percent.
    """
    t = texts(lang)
    titles = {m: v["title"] for m, v in agg.mistake_meta(lang).items()}
    sep, comma = (";", ",") if lang == "de" else (",", ".")

    def header(key: str, text_key: str) -> str:
        m = int(key[1:key.index("_")]) if key.startswith("m") and key[1:2].isdigit() else None
        return t[text_key].format(m=m, title=titles.get(m, "")) if m is not None else t[text_key]

    def cell(key: str, v: Any) -> Any:
        if key.endswith("_share") and isinstance(v, (int, float)):
            v = round(100.0 * v, 1)
        if isinstance(v, float):
            return str(v).replace(".", comma)
        return _csv_safe(v)

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    w.writerow([header(k, tk) for k, tk in TEAM_CSV_COLUMNS])
    for r in rows:
        w.writerow([cell(k, r.get(k)) for k, _ in TEAM_CSV_COLUMNS])
    return "\ufeff" + buf.getvalue()


# --- clips -----------------------------------------------------------------------------------------
def _transcript(call: CallRecord, start_s: float, end_s: float) -> str:
    lines = [f"[{agg.mmss(t.start_s)}] {t.speaker}: {t.text}" for t in call.turns if t.end_s >= start_s and t.start_s <= end_s]
    return "\n".join(lines) + "\n"


def export_clips(out_dir: Path, dest: Path, *, config: Config, per_mistake: int = 3, language: str | None = None) -> ClipsSummary:
    """The clearest examples of each mistake (and of good practice) as WAV + transcript + outline.

    For each mistake the findings across the team are ranked by severity (then by how many signals
    carried them), one per call, ``per_mistake`` of them; each becomes ``NN.wav`` (when the source
    audio exists) and ``NN.txt`` (the turns around the moment) in ``dest/m<k>_<rule_id>/`` with an
    ``outline.md`` for a coaching session (article quote, what to listen for, questions, exercise).
    Good practice (empathy, questions from calls without findings) goes to ``dest/good_practice/``.
    """
    out_dir, dest = Path(out_dir), Path(dest)
    calls, _ = load_batch(out_dir)
    if not calls:
        raise ReportError(f"{out_dir / 'calls'}: no call JSON files to take clips from")
    lang = _lang(language, config, calls)
    meta = agg.mistake_meta(lang)
    t = agg.texts(lang)
    rc = config.report
    audio = AudioCache()
    md = _env(markdown=True).get_template("outline.md.j2")
    n_clips = missing = 0
    folders, files = [], []

    def write_clip(folder: Path, k: int, call: CallRecord, s: float | None, e: float | None) -> dict[str, Any]:
        nonlocal n_clips, missing
        s = 0.0 if s is None else float(s)
        e = s if e is None else float(e)
        a = max(0.0, s - rc.snippet_pad_s)
        b = min(a + rc.snippet_max_s, e + rc.snippet_pad_s)
        stem = f"{k:02d}_{agent_slug(call.call_id)}"
        atomic_write(folder / f"{stem}.txt", _transcript(call, a, b))
        files.append(str(folder / f"{stem}.txt"))
        piece = cut_muted(audio.get(call.audio_path), call, s, e, pad_s=rc.snippet_pad_s, max_s=rc.snippet_max_s)
        wav = None
        if piece is not None:
            atomic_write(folder / f"{stem}.wav", wav_bytes(*piece))
            wav = f"{stem}.wav"
            files.append(str(folder / wav))
        else:
            missing += 1
        n_clips += 1
        return {"stem": stem, "wav": wav, "txt": f"{stem}.txt", "time": agg.mmss(s), "call_id": call.call_id,
                "transcript": _transcript(call, a, b).strip()}

    share = {m: sum(m in agg.mistakes_in(c) for c in calls) / len(calls) for m in RULE_IDS}
    for m, rule_id in RULE_IDS.items():
        cands = [(c, f) for c in calls for f in agg.findings(c) if int(f["mistake"]) == m]
        if not cands:
            continue
        cands.sort(key=lambda cf: (-agg.SEV.index(cf[1].get("severity", "info")) if cf[1].get("severity") in agg.SEV else 0,
                                   -int((cf[1].get("evidence") or {}).get("signal_count") or 0), cf[0].call_id))
        folder = dest / f"m{m}_{rule_id}"
        chosen, seen = [], set()
        for c, f in cands:
            if c.call_id in seen:
                continue
            seen.add(c.call_id)
            clip = write_clip(folder, len(chosen) + 1, c, f.get("start_s"), f.get("end_s"))
            clip.update(message=f.get("message", ""), severity=f.get("severity"), evidence=agg.evidence_summary(f.get("evidence") or {}))
            chosen.append(clip)
            if len(chosen) >= per_mistake:
                break
        atomic_write(folder / "outline.md", md.render(t=t, lang=lang, m=meta[m], clips=chosen, share=f"{share[m]:.0%}", good=False, no_audio=t["no_audio"]))
        folders.append(str(folder))
    good = []
    for c in sorted(calls, key=lambda c: (len(agg.findings(c)), -len(c.strengths), c.call_id)):
        ss = [s for s in c.strengths if s.get("kind") in ("empathy", "questions") and s.get("start_s") is not None]
        if ss:
            good.append((c, ss[0]))
        if len(good) >= per_mistake:
            break
    if good:
        folder = dest / "good_practice"
        chosen = []
        for c, s in good:
            clip = write_clip(folder, len(chosen) + 1, c, s.get("start_s"), s.get("end_s"))
            clip.update(message=t.get(f"strength_{s.get('kind')}", s.get("kind")), severity="", evidence=[str(s.get("text", ""))])
            chosen.append(clip)
        praise = {"title": t["praise"], "quote": agg.load_article().get("praise", {}).get(f"quote_{lang}", ""), "advice": [], "exercise": ""}
        atomic_write(folder / "outline.md", md.render(t=t, lang=lang, m=praise, clips=chosen, share="", good=True, no_audio=t["no_audio"]))
        folders.append(str(folder))
    return ClipsSummary(n_clips, missing, tuple(folders), tuple(files))
