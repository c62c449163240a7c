"""Rendering an output folder: one streaming pass over the calls, then the agent and team pages.

1. **Scan** (:func:`_scan`, with :func:`callcheck.report.digest.scan_one`): every new or changed
   record is read once, digested and dropped; while it is in memory its call page is rendered when
   that page is out of date — in worker processes when there are many (``workers``). In
   ``callcheck report`` (:func:`judge_and_render`) that is done in the judge's pass for the calls it
   judges (:class:`PagesAfterJudging`), and the scan takes it from there while the file is unchanged.
2. **Agent pages**: per agent, from the digests of its calls; the few moments a page shows are
   read again (their findings' full evidence). A page is rendered only when what it shows changed:
   its context (the agent's calls and verdicts, the team figures it quotes, settings, language) is
   hashed and compared with the hash stored for the file in ``OUT/.report/state.json``.
3. **Team page** and ``team.csv``: always (one page).

Memory holds the digests (about 1 kB per call) and one record at a time, so it grows slowly with
the number of calls; a re-run parses only changed records and renders only changed pages.
"""

from __future__ import annotations

import dataclasses
import csv
import datetime as _dt
import hashlib
import io
import json
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from callcheck import procpool
from callcheck.config import Config, config_to_dict
from callcheck.errors import CallcheckError
from callcheck.fsutil import atomic_write as _atomic_write
from callcheck.record import CALLS_DIR, CallRecord, RecordError, duplicate_reason, load_call, record_paths
from callcheck.report import aggregate as agg
from callcheck.report.audio import AudioCache, Snippet, snippet_name, write_snippet
from callcheck.report.callpage import call_context
from callcheck.report.digest import CallDigest, ScanResult, digest_judged, scan_one
from callcheck.report.i18n import Fmt, texts
from callcheck.rules import RULE_IDS

if TYPE_CHECKING:
    from callcheck.judge import JudgeSummary

__all__ = ["PagesAfterJudging", "ReportError", "ReportSummary", "TEMPLATE_VERSION", "agent_slug", "judge_and_render",
           "pages_after_judging", "read_failures", "render_reports", "team_csv"]

#: Bump when a template or context changes what a page shows (forces every page to re-render).
TEMPLATE_VERSION = "11.1"
STATE_DIR = ".report"
CALL_PAGES = "callpages"


class ReportError(CallcheckError):
    """The output folder cannot be reported on (missing, no calls)."""


@dataclass(frozen=True)
class ReportSummary:
    """What :func:`render_reports` wrote."""

    calls: int
    agents: int
    pages: tuple[str, ...]          # files written in this run
    unjudged: int = 0               # calls shown with their record's absolute findings (no current judgement)
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0
    reused: int = 0                 # pages up to date, not rendered again
    parsed: int = 0                 # records read (the rest: digests reused)
    unassessable: int = 0
    audio_files: int = 0            # snippet files written in this run

    def to_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "agents": self.agents, "pages": list(self.pages), "unjudged": self.unjudged,
                "skipped": list(self.skipped), "seconds": round(self.seconds, 3), "reused": self.reused,
                "parsed": self.parsed, "unassessable": self.unassessable, "audio_files": self.audio_files}


def agent_slug(agent: str | None, taken: set[str] | None = None) -> str:
    """A safe file name for an agent (ASCII letters, digits, ``._-``); unique within ``taken``."""
    import re
    import unicodedata

    name = "unknown" if agent is None else str(agent)
    a = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    a = re.sub(r"[^A-Za-z0-9._-]+", "_", a).strip("._-")[:60] or "agent"
    if taken is not None:
        if a in taken or a.lower() in {x.lower() for x in taken}:
            a = f"{a}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}"
        taken.add(a)
    return a


class _Env(Environment):
    """Templates read plain dicts by key first: ``{{ mo.time }}`` costs no failed attribute lookup."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _env(markdown: bool = False) -> Environment:
    # auto_reload off: the templates are the package's own files, so a render need not stat each
    # template (and the ones it imports and includes) again for every page
    if markdown:
        def md_escape(v: Any) -> Any:
            if v is None:
                return ""
            s = str(v)
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")
        return _Env(loader=PackageLoader("callcheck.report", "templates"), autoescape=False, finalize=md_escape,
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)
    return _Env(loader=PackageLoader("callcheck.report", "templates"), autoescape=select_autoescape(("html", "j2")),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def resolve_language(requested: str | None, config: Config, calls: Sequence[Any]) -> str:
    lang = requested or config.report.language
    if lang in ("de", "en"):
        return lang
    if lang not in (None, "", "auto"):
        raise ReportError(f"report language {lang!r} is not supported; use de, en or auto")
    return agg.call_language(calls)


def read_failures(out_dir: Path) -> list[dict[str, str]]:
    """The rows of ``OUT/failures.csv`` (inputs the last batch could not analyse), [] when none."""
    p = Path(out_dir) / "failures.csv"
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        if r.get("path") or r.get("reason"):
            rows.append({"path": str(r.get("path") or ""), "call_id": str(r.get("call_id") or ""), "reason": str(r.get("reason") or "")})
    return rows


def atomic_write(path: Path, data: str | bytes) -> None:
    """Pages, snippets and bookkeeping are made again from the records: atomic, not fsync'ed."""
    _atomic_write(path, data, fsync=False)


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


@dataclass
class _State:
    """``OUT/.report/state.json``: per page written, the hash of what it shows and the snippets it plays."""

    path: Path
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path, version: str) -> "_State":
        p = out_dir / STATE_DIR / "state.json"
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
            if d.get("version") == version and isinstance(d.get("pages"), dict):
                return cls(p, d["pages"])
        except (OSError, ValueError):
            pass
        return cls(p)

    def fresh(self, out_dir: Path, rel: str, key: str) -> bool:
        e = self.pages.get(rel) or {}
        return (bool(e) and e.get("key") == key and (out_dir / rel).is_file()
                and all((out_dir / a).is_file() for a in e.get("audio", ())))

    def save(self, version: str) -> None:
        atomic_write(self.path, json.dumps({"version": version, "pages": self.pages}, ensure_ascii=False, sort_keys=True))


class _Snippets:
    """Snippet files: names from the call and span, written on first use, counted."""

    def __init__(self, out_dir: Path, config: Config, enabled: bool) -> None:
        self.out_dir = out_dir
        rc = config.report
        self.rate = max(r for r in (8000, 12000, 16000) if r <= rc.audio_rate_hz)
        self.bitrate = rc.audio_bitrate_kbps
        self.enabled = enabled
        self.audio = AudioCache(max_items=2)
        self.written = 0
        self.used: set[str] = set()

    def name(self, d: CallDigest, span: tuple[float, float] | None) -> str | None:
        """The snippet's file (written now when missing), None when there is no audio for it."""
        if not self.enabled or span is None or not d.audio:
            return None
        s = Snippet(d.call_id, span[0], span[1])
        name = snippet_name(s, f"{d.record_sha}|{self.rate}|{self.bitrate}")
        if not (self.out_dir / name).is_file():
            if not write_snippet(self.out_dir, name, self.audio.get(d.audio), s, mute=d.pii, rate_hz=self.rate, bitrate_kbps=self.bitrate):
                return None
            self.written += 1
        self.used.add(name)
        return name


class _Findings:
    """The full findings of the calls read in this run (kept as compact JSON, parsed on demand),
    and of any other call read again when a page shows one of its moments."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._json: dict[str, str] = {}
        self._last: tuple[str, dict[str, Mapping[str, Any]]] | None = None

    def put(self, rec: CallRecord) -> None:
        self._json[rec.call_id] = _findings_json(rec)

    def put_json(self, call_id: str, text: str) -> None:
        self._json[call_id] = text

    def get(self, call_id: str, finding_id: str) -> Mapping[str, Any] | None:
        if self._last is None or self._last[0] != call_id:
            if call_id not in self._json:
                try:
                    self.put(load_call(self.out_dir, call_id))
                except RecordError:
                    return None
            self._last = (call_id, {str(f.get("id")): f for f in json.loads(self._json[call_id])})
        return self._last[1].get(finding_id)


class _CallPages:
    """Renders call pages (in this process or in a worker): whether a page is up to date, and the
    page with the snippets it plays."""

    def __init__(self, out_dir: Path, config: Config, language: str | None, use_audio: bool,
                 state_pages: Mapping[str, Mapping[str, Any]]) -> None:
        self.out_dir, self.config, self.language = out_dir, config, language
        self.state = _State(out_dir / STATE_DIR / "state.json", {k: dict(v) for k, v in state_pages.items()})
        self.snippets = _Snippets(out_dir, config, use_audio)
        self.template = _env().get_template("call.html.j2")

    def lang(self, d: CallDigest) -> str:
        forced = self.language or self.config.report.language
        if forced in ("de", "en"):
            return forced
        return d.language if d.language in ("de", "en") else "en"

    def key(self, d: CallDigest, slug: str) -> str:
        return _hash([d.key, self.lang(d), slug])

    def fresh(self, d: CallDigest, slug: str) -> Mapping[str, Any] | None:
        """The page's state entry when the page is up to date, else None."""
        rel = f"{CALL_PAGES}/{d.call_id}.html"
        return self.state.pages[rel] if self.state.fresh(self.out_dir, rel, self.key(d, slug)) else None

    def page(self, rec: CallRecord, d: CallDigest, slug: str) -> tuple[str, dict[str, Any]]:
        """The call page's HTML (its snippets written) and its state entry ``{key, audio}``."""
        before = set(self.snippets.used)
        self.snippets.used = set()
        links = agg.Links("../", True, {d.agent: f"agents/{slug}.html"})
        ctx = call_context(rec, d, lang=self.lang(d), config=self.config, links=links, audio_name=self.snippets.name)
        ctx["generated"] = ""
        html = self.template.render(ctx)
        entry = {"key": self.key(d, slug), "audio": sorted(self.snippets.used)}
        self.snippets.used |= before
        return html, entry

    def render(self, rec: CallRecord, d: CallDigest, slug: str) -> dict[str, Any]:
        """Write the call page; its state entry."""
        html, entry = self.page(rec, d, slug)
        atomic_write(self.out_dir / f"{CALL_PAGES}/{d.call_id}.html", html)
        return entry


def _findings_json(rec: CallRecord) -> str:
    return json.dumps(list(rec.findings), ensure_ascii=False, separators=(",", ":"), default=str)


_WORKER: dict[str, Any] = {}


def _worker_init(out_dir: Path, config: Config, language: str | None, use_audio: bool,
                 state_pages: Mapping[str, Mapping[str, Any]]) -> None:
    _WORKER["pages"] = _CallPages(out_dir, config, language, use_audio, state_pages)


def _scan_render(pages: _CallPages, item: tuple[Path, Mapping[str, Any] | None]) -> tuple[str, Any, list[int] | None]:
    """One record read and digested, and its call page made when out of date (in a worker; the
    caller writes it, after its check for a repeated call id): ``("parsed", (digest JSON, findings
    JSON, page state entry, page HTML or None when up to date, snippets written), file key)`` or
    what :func:`callcheck.report.digest.scan_one` says."""
    p, old = item
    rc = pages.config.report
    status, got, fkey = scan_one(pages.out_dir, p, old, pad_s=rc.snippet_pad_s, max_s=rc.snippet_max_s)
    if status == "cached":
        return status, None, fkey
    if status != "parsed":
        return status, got, fkey
    rec, d = got
    return status, _digested(pages, rec, d), fkey


def _digested(pages: _CallPages, rec: CallRecord, d: CallDigest, *, write: bool = False) -> tuple[Any, ...]:
    """What :func:`_scan` needs of a record in memory: ``(digest JSON, findings JSON, page state
    entry, page HTML or None when up to date, snippets written)``; with ``write`` the page is
    written here and ``True`` stands for its HTML."""
    rc = pages.config.report
    entry: Mapping[str, Any] | None = None
    html: str | bool | None = None
    before, used = pages.snippets.written, set(pages.snippets.used)
    if rc.call_pages:
        slug = agent_slug(d.agent)
        entry = pages.fresh(d, slug)
        if entry is None:
            html, entry = pages.page(rec, d, slug)
            if write:
                atomic_write(pages.out_dir / f"{CALL_PAGES}/{d.call_id}.html", html)
                html = True
    # counted and kept by the caller (from the entry), only for a page it keeps: not the page of a
    # second record file of a call id, whose snippets are then removed as no page plays them
    audio_written, pages.snippets.written, pages.snippets.used = pages.snippets.written - before, before, used
    return d.to_json(), _findings_json(rec), entry, html, audio_written


class PagesAfterJudging:
    """The render's per-call work done by the judge while it holds each record
    (:func:`callcheck.judge.judge_batch` ``then=``): the call's digest and, when out of date, its
    call page, written there (the judge judges only the first record file of a call id, as the
    render shows only that one) — as :func:`render_reports` would make them after reading the
    record and the new judgement once more. ``results`` (record file name → ``(file key,
    result)``, about 2 kB pickled per call) goes to :func:`render_reports` ``prepared=``, which uses a
    result only while the record file's size, modification time and inode are those it was listed
    with, and empties it. Picklable: each judge worker gets a copy and makes its own
    :class:`_CallPages`."""

    def __init__(self, out_dir: Path, config: Config, language: str | None, use_audio: bool, state_pages: Mapping[str, Mapping[str, Any]]) -> None:
        self.args = (Path(out_dir), config, language, use_audio, dict(state_pages))
        self.results: dict[str, tuple[list[int], Any]] = {}
        self._pages: _CallPages | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"args": self.args, "results": {}, "_pages": None}

    def __call__(self, rec: CallRecord, judgement_text: str) -> tuple[Any, ...]:
        """The digest, findings, page state entry, whether the page was written and the snippets
        written of ``rec`` (read from its file) with the judgement whose file text is ``judgement_text``."""
        if self._pages is None:
            self._pages = _CallPages(*self.args)
        rc = self._pages.config.report
        judged, d = digest_judged(rec, judgement_text, pad_s=rc.snippet_pad_s, max_s=rc.snippet_max_s)
        return _digested(self._pages, judged, d, write=True)


def pages_after_judging(out_dir: Path, *, config: Config, language: str | None = None, audio: bool | None = None) -> PagesAfterJudging:
    """The :class:`PagesAfterJudging` of a :func:`render_reports` run with these arguments."""
    out_dir = Path(out_dir)
    use_audio = config.report.audio if audio is None else bool(audio)
    state = _State.load(out_dir, _version(config, language, use_audio))
    return PagesAfterJudging(out_dir, config, language, use_audio, state.pages)


def _check_language(language: str | None, config: Config) -> None:
    if (language or config.report.language) not in ("de", "en", "auto", None, ""):
        raise ReportError(f"report language {language or config.report.language!r} is not supported; use de, en or auto")


def judge_and_render(out_dir: Path, *, config: Config, language: str | None = None, audio: bool | None = None,
                     workers: int = 1) -> tuple[JudgeSummary, ReportSummary]:
    """``callcheck report``: :func:`callcheck.judge.judge_batch`, then :func:`render_reports` — each
    record judged is digested and its call page made while the judge holds it (not read again).
    A language that is not supported is refused before anything is judged or written."""
    from callcheck.judge import judge_batch

    _check_language(language, config)
    then = pages_after_judging(out_dir, config=config, language=language, audio=audio) if (Path(out_dir) / CALLS_DIR).is_dir() else None
    j = judge_batch(out_dir, config=config, workers=workers, then=then)
    s = render_reports(out_dir, config=config, language=language, audio=audio, workers=workers,
                       prepared=None if then is None else then.results)
    return j, s


def _scan_render_chunk(chunk: list[tuple[Path, Mapping[str, Any] | None]]) -> list[tuple[str, Any, list[int] | None]]:
    return [_scan_render(_WORKER["pages"], item) for item in chunk]


def _code_key() -> str:
    """SHA-256 of the report package's code, templates and article text: a new version re-renders every page."""
    from importlib import resources

    h = hashlib.sha256()
    pkg = resources.files("callcheck.report")
    for entry in sorted((*pkg.iterdir(), *pkg.joinpath("templates").iterdir()), key=lambda e: e.name):
        if entry.name.endswith((".py", ".j2")):
            h.update(entry.name.encode() + b"\0" + entry.read_bytes())
    h.update(resources.files("callcheck.data").joinpath("article.toml").read_bytes())
    return h.hexdigest()[:16]


def _version(config: Config, language: str | None, use_audio: bool) -> str:
    """What every page of a run depends on besides its content (a new one re-renders all)."""
    return f"{TEMPLATE_VERSION}|{_code_key()}|{_config_key(config)}|{language or ''}|audio={int(use_audio)}"


def _config_key(config: Config) -> str:
    return _hash({"report": config_to_dict(config.report), "weights": list(config.rules.severity_weights),
                  "team_percentile": config.rules.team_percentile, "min_conf": config.separation.min_confidence,
                  "company": list(config.turns.company_names)})


def render_reports(out_dir: Path, *, config: Config, language: str | None = None, audio: bool | None = None,
                   workers: int = 1, prepared: dict[str, tuple[list[int], Any]] | None = None) -> ReportSummary:
    """Write the agent pages, the call pages, ``index.html`` and ``team.csv`` from the records and
    their judgements (only what changed; see the module docstring).

    Read-only on ``calls/`` and ``judgements/``: run :func:`callcheck.judge.judge_batch` first for
    the team and own-history comparisons (``callcheck report`` and ``callcheck analyze`` do).

    Parameters
    ----------
    out_dir : Path
        An output folder of ``callcheck analyze`` (reads ``calls/*.json`` and ``judgements/*.json``).
    config : Config
        Rules and report settings.
    language : str or None
        'de' or 'en' for every page; None uses ``config.report.language`` ('auto': per agent the
        language of most of their calls, the team page that of most calls, a call page its call's).
    audio : bool or None
        Write and play snippets; None: ``config.report.audio``.
    workers : int
        Worker processes that read the new or changed records and render their call pages (1:
        this process only, the default; ``callcheck report`` uses one per usable CPU). Used only
        when :data:`callcheck.procpool.PARALLEL_MIN_ITEMS` or more records are to be read; started
        with ``spawn`` (a script that calls this with ``workers > 1`` needs the
        ``if __name__ == "__main__":`` guard).
    prepared : mapping or None
        :attr:`PagesAfterJudging.results` of the judge run just before (:func:`judge_and_render`):
        records digested there are not read again while their file is unchanged (emptied here).

    Returns
    -------
    ReportSummary
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    if not (out_dir / CALLS_DIR).is_dir():
        raise ReportError(f"{out_dir}: no calls/ folder; run `callcheck analyze ... --out {out_dir}` first")
    _check_language(language, config)
    rc = config.report
    use_audio = rc.audio if audio is None else bool(audio)
    version = _version(config, language, use_audio)
    state = _State.load(out_dir, version)
    digest_cache = _load_digests(out_dir, config)
    html_env, md_env = _env(), _env(markdown=True)
    call_pages = _CallPages(out_dir, config, language, use_audio, state.pages)
    snippets = call_pages.snippets
    findings = _Findings(out_dir)
    written: list[str] = []
    reused = 0
    new_state: dict[str, dict[str, Any]] = {}
    provisional: dict[str, str] = {}  # call_id -> the agent page its call page links to

    def render_call(rec: CallRecord, d: CallDigest, slug: str) -> None:
        nonlocal reused
        rel = f"{CALL_PAGES}/{d.call_id}.html"
        entry = call_pages.fresh(d, slug)
        if entry is not None:
            snippets.used.update(entry.get("audio", ()))
            new_state[rel] = dict(entry)
            reused += 1
            return
        new_state[rel] = call_pages.render(rec, d, slug)
        written.append(rel)

    res = _scan(out_dir, config, language, use_audio, state, digest_cache, call_pages, findings, workers, prepared or {})
    for cid, (entry, rendered, slug) in res.pages.items():
        rel = f"{CALL_PAGES}/{cid}.html"
        new_state[rel], provisional[cid] = dict(entry), slug
        snippets.used.update(entry.get("audio", ()))
        if rendered:
            written.append(rel)
        else:
            reused += 1
    digests = res.digests
    if not digests:
        raise ReportError(f"{out_dir / 'calls'}: no call JSON files to report on")
    by_agent: dict[str, list[CallDigest]] = defaultdict(list)
    for d in digests:
        by_agent[d.agent].append(d)
    taken: set[str] = set()
    pages = {a: f"agents/{agent_slug(a, taken)}.html" for a in sorted(by_agent)}
    shown = {a: a for a in by_agent}  # how the team page and team.csv name each agent
    if config.privacy.pseudonyms:  # stable pseudonyms in team views and page names; own pages keep the name
        from callcheck.privacy import pseudonym

        shown = {a: pseudonym(a, out_dir) for a in by_agent}
        pages = {a: f"agents/{shown[a]}.html" for a in by_agent}
    # call pages not read in this scan (digest reused) are kept when their key still matches
    if rc.call_pages:
        for d in digests:
            slug = pages[d.agent][len("agents/"):-len(".html")]
            rel = f"{CALL_PAGES}/{d.call_id}.html"
            if rel in new_state and provisional.get(d.call_id, slug) == slug:
                continue
            kept = call_pages.fresh(d, slug)
            if kept is not None:
                new_state[rel] = dict(kept)
                snippets.used.update(kept.get("audio", ()))
                reused += 1
                continue
            try:  # re-read: a new slug (a name collision) or a page deleted by hand
                rec = load_call(out_dir, d.call_id)
            except RecordError:
                continue
            render_call(rec, d, slug)
    team = agg.team_stats(digests)
    now = _dt.datetime.now()
    fingerprints: dict[str, Any] = {}
    for a in sorted(by_agent):
        cs = by_agent[a]
        lang = resolve_language(language, config, cs)
        links = agg.Links("../", rc.call_pages, {a: pages[a]})
        rel = pages[a]
        md_rel = rel[:-5] + ".md"
        # what the page shows: the agent's calls and verdicts, and the team figures as the page writes them
        key = _hash([lang, rel, sorted((d.call_id, d.key, d.audio is not None) for d in cs), fingerprints.setdefault(lang, agg.team_fingerprint(team, lang, config))])
        if state.fresh(out_dir, rel, key) and state.fresh(out_dir, md_rel, key):
            new_state[rel], new_state[md_rel] = state.pages[rel], state.pages[md_rel]
            snippets.used.update(state.pages[rel].get("audio", ()))
            reused += 2
            continue
        before = set(snippets.used)
        snippets.used = set()
        ctx = agg.agent_context(a, cs, team, config=config, lang=lang, links=links, load_finding=findings.get, audio_name=snippets.name)
        refs = sorted(snippets.used)
        snippets.used |= before
        ctx["generated"] = Fmt(lang).datetime(now)
        atomic_write(out_dir / rel, html_env.get_template("agent.html.j2").render(ctx))
        atomic_write(out_dir / md_rel, md_env.get_template("agent.md.j2").render(ctx))
        written += [rel, md_rel]
        new_state[rel] = {"key": key, "audio": refs}
        new_state[md_rel] = {"key": key}
    lang = resolve_language(language, config, digests)
    links = agg.Links("", rc.call_pages, {shown[a]: p for a, p in pages.items()})
    tctx = agg.team_context({shown[a]: [dataclasses.replace(d, agent=shown[a]) for d in cs] for a, cs in by_agent.items()}, team, config=config, lang=lang, links=links, load_finding=findings.get,
                            failures=read_failures(out_dir), skipped=res.skipped)
    tctx["generated"] = Fmt(lang).datetime(now)
    atomic_write(out_dir / "index.html", html_env.get_template("index.html.j2").render(tctx))
    atomic_write(out_dir / "team.csv", team_csv(tctx["csv_rows"], lang))
    written += ["index.html", "team.csv"]
    _remove_stale(out_dir, set(pages.values()), {d.call_id for d in digests} if rc.call_pages else set(), snippets.used)
    state.pages = new_state
    state.save(version)
    if res.parsed or len(digest_cache) != len(digests) or any(digest_cache.get(f, {}).get("fkey") != k for f, k in res.fkeys.items()):
        _save_digests(out_dir, config, digests, res.fkeys)
    unjudged = sum(not d.judged for d in digests)
    return ReportSummary(len(digests), len(by_agent), tuple(written), unjudged, tuple(res.skipped), time.perf_counter() - t0,
                         reused, res.parsed, sum(not d.assessable for d in digests), snippets.written)


@dataclass
class _Scanned(ScanResult):
    pages: dict[str, tuple[Mapping[str, Any], bool, str]] = field(default_factory=dict)  # call id -> (state entry, rendered, slug)


def _scan(out_dir: Path, config: Config, language: str | None, use_audio: bool, state: _State,
          digest_cache: Mapping[str, Mapping[str, Any]], call_pages: _CallPages, findings: _Findings, workers: int,
          prepared: dict[str, tuple[list[int], Any]]) -> _Scanned:
    """Every record of ``calls/`` in name order: its cached digest when record and verdict are
    unchanged, else what the judge ``prepared`` for it while its file is unchanged, else read,
    digested and its call page rendered when out of date — in worker processes
    when there are many (:func:`callcheck.procpool.in_workers`), streaming: each page is written
    here as its result arrives. A call id found in a second record file is one skipped line (its
    page is not written)."""
    rc = config.report
    paths = record_paths(out_dir)
    pre = [scan_one(out_dir, p, digest_cache.get(p.name), pad_s=rc.snippet_pad_s, max_s=rc.snippet_max_s, parse=False)
           for p in paths]
    ready = {p.name for p, r in zip(paths, pre)
             if r[0] == "todo" and r[2] is not None and prepared.get(p.name, (None,))[0] == r[2]}
    todo = [(p, digest_cache.get(p.name)) for p, r in zip(paths, pre) if r[0] == "todo" and p.name not in ready]
    results = iter(procpool.in_workers(todo, lambda item: _scan_render(call_pages, item), _scan_render_chunk, workers,
                                       initializer=_worker_init, initargs=(out_dir, config, language, use_audio, state.pages)))
    res = _Scanned([], [])
    seen: dict[str, Path] = {}
    for p, first in zip(paths, pre):
        if p.name in ready:
            status, got, fkey = "parsed", prepared.pop(p.name)[1], first[2]
        else:
            status, got, fkey = next(results) if first[0] == "todo" else first
        if status == "skipped":
            res.skipped.append(got)
            continue
        d = got if status == "cached" and first[0] == "cached" else CallDigest.from_json(
            digest_cache[p.name] if status == "cached" else got[0])
        if d.call_id in seen:
            res.skipped.append(duplicate_reason(p, d.call_id, seen[d.call_id]))
            continue
        seen[d.call_id] = p
        if fkey is not None:
            res.fkeys[p.name] = fkey
        res.digests.append(d)
        if status == "cached":
            res.cached += 1
            continue
        res.parsed += 1
        _, fjson, entry, html, audio_written = got
        findings.put_json(d.call_id, fjson)
        call_pages.snippets.written += audio_written
        if entry is not None:
            if isinstance(html, str):  # True: written where it was made (the judge's pass)
                atomic_write(out_dir / f"{CALL_PAGES}/{d.call_id}.html", html)
            res.pages[d.call_id] = (entry, html is not None, agent_slug(d.agent))
    prepared.clear()
    return res


def _remove_stale(out_dir: Path, agent_pages: set[str], call_ids: set[str], audio: set[str]) -> None:
    """Pages of agents and calls that are gone, and snippets no page plays any more."""
    folder = out_dir / "agents"
    if folder.is_dir():
        keep = agent_pages | {p[:-5] + ".md" for p in agent_pages}
        for p in folder.iterdir():
            if p.suffix in (".html", ".md") and f"agents/{p.name}" not in keep:
                p.unlink(missing_ok=True)
    folder = out_dir / CALL_PAGES
    if folder.is_dir():
        for p in folder.iterdir():
            if p.suffix == ".html" and p.stem not in call_ids:
                p.unlink(missing_ok=True)
    folder = out_dir / "audio"
    if folder.is_dir():
        for sub in folder.iterdir():
            if not sub.is_dir():
                continue
            for p in sub.iterdir():
                if p.suffix == ".opus" and f"audio/{sub.name}/{p.name}" not in audio:
                    p.unlink(missing_ok=True)
            if not any(sub.iterdir()):
                shutil.rmtree(sub, ignore_errors=True)


def _digests_path(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / "digests.json"


def _load_digests(out_dir: Path, config: Config) -> dict[str, Mapping[str, Any]]:
    from callcheck.report.digest import DIGEST_VERSION

    try:
        d = json.loads(_digests_path(out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    want = [DIGEST_VERSION, config.report.snippet_pad_s, config.report.snippet_max_s]
    if d.get("version") != want or not isinstance(d.get("calls"), dict):
        return {}
    return d["calls"]


def _save_digests(out_dir: Path, config: Config, digests: Sequence[CallDigest], fkeys: Mapping[str, list[int]]) -> None:
    from callcheck.report.digest import DIGEST_VERSION

    data = {"version": [DIGEST_VERSION, config.report.snippet_pad_s, config.report.snippet_max_s],
            "calls": {d.file: {**d.to_json(), **({"fkey": fkeys[d.file]} if d.file in fkeys else {})} for d in digests}}
    atomic_write(_digests_path(out_dir), json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _csv_safe(v: Any) -> Any:
    """Spreadsheet-safe cell: text starting with = + - @ is prefixed with ' (CSV injection)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


#: team.csv columns: (key in the team context's rows, text key of the header). ``{m}``/``{title}``: the mistake.
TEAM_CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("agent", "csv_agent"), ("calls", "csv_calls"), ("assessable", "csv_assessable"),
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
        if v is None:
            return ""
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
