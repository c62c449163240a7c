"""Trainer material: the clearest moments of each mistake (and of good practice) as clips with an outline.

``callcheck clips DIR --to DEST`` writes, per language of the calls (or the one asked for),
``DEST/<lang>/m<k>_<RULE_ID>/`` with ``NN_<call>.wav`` (16 kHz mono, personal data muted),
``NN_<call>.txt`` (the turns of the clip) and ``outline.md`` — one coaching session in that
language, built only from calls in that language. Every moment is used once across all folders (a
greeting that is both long and flat is a greeting example, and the flat-voice folder takes another
turn of the call), and a clip of an interruption starts where the caller's sentence began. The
article's own sharp wording is quoted here, for the trainer; agent pages do not show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from callcheck.config import Config
from callcheck.fsutil import atomic_write
from callcheck.record import CallRecord, RecordError, load_call
from callcheck.report import aggregate as agg
from callcheck.report.audio import AudioCache, cut, wav_bytes
from callcheck.report.digest import CallDigest, FindingRef, clip_span, scan
from callcheck.report.evidence import evidence_of, evidence_sentences, headline
from callcheck.report.i18n import Fmt
from callcheck.report.render import ReportError, _env, _load_digests, agent_slug
from callcheck.rules import RULE_IDS, load_article

__all__ = ["ClipsSummary", "export_clips", "parse_mistakes"]

#: Mistakes whose moment is a specific event first; whole-call voice findings (1, 2) last, so a
#: shared moment goes to the specific mistake.
ORDER = (3, 4, 6, 7, 8, 5, 2, 1)
WHOLE_CALL = {1, 2}


@dataclass(frozen=True)
class ClipsSummary:
    """What :func:`export_clips` wrote."""

    clips: int
    audio_missing: int
    folders: tuple[str, ...]
    files: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"clips": self.clips, "audio_missing": self.audio_missing, "folders": list(self.folders)}


def parse_mistakes(values: Iterable[str]) -> set[int]:
    """``--mistake`` values: numbers 1-8 or rule ids (``M3_IMPATIENT``, ``m3``), comma-separated."""
    out: set[int] = set()
    by_id = {v.lower(): k for k, v in RULE_IDS.items()}
    for raw in values:
        for v in str(raw).split(","):
            v = v.strip().lower()
            if not v:
                continue
            if v.isdigit() and int(v) in RULE_IDS:
                out.add(int(v))
            elif v in by_id:
                out.add(by_id[v])
            elif v[:1] == "m" and v[1:].isdigit() and int(v[1:]) in RULE_IDS:
                out.add(int(v[1:]))
            else:
                raise ReportError(f"--mistake {raw!r}: not a mistake; use 1-8 or a rule id such as M3_IMPATIENT")
    return out


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _transcript(rec: CallRecord, a: float, b: float, fmt: Fmt) -> str:
    lines = [f"[{fmt.mmss(t.start_s)}] {fmt.t.get(f'speaker_{t.speaker}', t.speaker)}: {t.text}"
             for t in rec.turns if t.end_s >= a and t.start_s <= b]
    return "\n".join(lines) + "\n"


class _Picker:
    """Moments used so far (per call), so that no moment is exported twice."""

    def __init__(self) -> None:
        self.used: dict[str, list[tuple[float, float]]] = {}

    def free(self, call_id: str, span: tuple[float, float]) -> bool:
        for u in self.used.get(call_id, ()):
            if _overlap(u, span) > 0.3 * min(span[1] - span[0], u[1] - u[0]):
                return False
        return True

    def take(self, call_id: str, span: tuple[float, float]) -> None:
        self.used.setdefault(call_id, []).append(span)


class _Writer:
    """Writes the clips of one export: records read on demand, moments used once, files counted."""

    def __init__(self, out_dir: Path, dest: Path, config: Config, per_mistake: int) -> None:
        self.out_dir, self.dest, self.config, self.per = out_dir, dest, config, per_mistake
        self.rc = config.report
        self.audio = AudioCache(max_items=2)
        self.md = _env(markdown=True).get_template("outline.md.j2")
        self.picker = _Picker()
        self.rate = max(r for r in (8000, 12000, 16000) if r <= self.rc.audio_rate_hz)
        self.records: dict[str, CallRecord | None] = {}
        self.clips = self.missing = 0
        self.folders: list[str] = []
        self.files: list[str] = []

    def record(self, call_id: str) -> CallRecord | None:
        if call_id not in self.records:
            if len(self.records) > 32:
                self.records.pop(next(iter(self.records)))
            try:
                self.records[call_id] = load_call(self.out_dir, call_id)
            except RecordError:
                self.records[call_id] = None
        return self.records[call_id]

    def write(self, folder: Path, k: int, d: CallDigest, rec: CallRecord, span: tuple[float, float], fmt: Fmt) -> dict[str, Any]:
        stem = f"{k:02d}_{agent_slug(d.call_id)}"
        text = _transcript(rec, span[0], span[1], fmt)
        atomic_write(folder / f"{stem}.txt", text)
        self.files.append(str(folder / f"{stem}.txt"))
        piece = cut(self.audio.get(d.audio), span[0], span[1], mute=d.pii, rate_hz=self.rate)
        wav = None
        if piece is not None:
            atomic_write(folder / f"{stem}.wav", wav_bytes(*piece))
            wav = f"{stem}.wav"
            self.files.append(str(folder / wav))
        else:
            self.missing += 1
        self.clips += 1
        self.picker.take(d.call_id, span)
        return {"stem": stem, "wav": wav, "txt": f"{stem}.txt", "time": fmt.mmss(span[0]), "end_time": fmt.mmss(span[1]),
                "call_id": d.call_id, "date": fmt.date(d.date), "transcript": text.strip()}

    def mistake(self, lang: str, m: int, mine: Sequence[CallDigest]) -> None:
        """``dest/<lang>/m<k>_<rule>/``: the most severe free moments of mistake ``m``, one per call."""
        fmt = Fmt(lang)
        t = fmt.t
        meta = agg.mistake_meta(lang)[m]
        cands = [(d, f) for d in mine for f in d.findings if f.mistake == m and f.clip is not None]
        cands.sort(key=lambda df: (-(agg.SEV.index(df[1].severity) if df[1].severity in agg.SEV else 0),
                                   -(df[1].quote_conf or 0.0), df[0].call_id))
        folder = self.dest / lang / f"m{m}_{RULE_IDS[m]}"
        chosen: list[dict[str, Any]] = []
        seen: set[str] = set()
        for d, f in cands:
            if len(chosen) >= self.per or d.call_id in seen:
                continue
            span = _free_span(d, f, self.picker, self.record, self.rc, whole_call=m in WHOLE_CALL)
            rec = self.record(d.call_id) if span is not None else None
            if span is None or rec is None:
                continue
            seen.add(d.call_id)
            clip = self.write(folder, len(chosen) + 1, d, rec, span, fmt)
            full = next((x for x in rec.findings if x.get("id") == f.id), {})
            ev = evidence_of(full)
            clip.update(headline=headline(f.rule_id, ev, lang, fallback=meta["title"]), severity=t.get(f"sev_{f.severity}", f.severity),
                        evidence=evidence_sentences(f.rule_id, ev, lang))
            chosen.append(clip)
        if not chosen:
            return
        share = fmt.share(sum(m in d.mistakes for d in mine), len(mine), min_n=self.rc.min_calls)
        atomic_write(folder / "outline.md", self.md.render(t=t, lang=lang, m=dict(meta, advice=agg.advice(meta, self.config, lang)),
                                                           clips=chosen, share=t["outline_share"].format(share=share),
                                                           good=False, no_audio=t["no_audio"]))
        self.folders.append(str(folder))

    def good_practice(self, lang: str, mine: Sequence[CallDigest]) -> None:
        """``dest/<lang>/good_practice/``: empathy and question moments from the calls with the fewest findings."""
        fmt = Fmt(lang)
        t = fmt.t
        rc = self.rc
        good = []
        for d in sorted(mine, key=lambda d: (len(d.findings), -len(d.strengths), d.call_id)):
            for s in d.strengths:
                span = agg._plain_clip(s.get("start_s"), s.get("end_s"), d.duration_s, rc.snippet_pad_s, rc.snippet_max_s)
                if s.get("kind") in ("empathy", "questions") and span is not None and self.picker.free(d.call_id, span):
                    good.append((d, s, span))
                    break
            if len(good) >= self.per:
                break
        folder = self.dest / lang / "good_practice"
        chosen: list[dict[str, Any]] = []
        for d, s, span in good:
            rec = self.record(d.call_id)
            if rec is not None:
                clip = self.write(folder, len(chosen) + 1, d, rec, span, fmt)
                clip.update(headline=t.get(f"strength_{s.get('kind')}", str(s.get("kind"))), severity="", evidence=[])
                chosen.append(clip)
        if not chosen:
            return
        art = load_article().get("praise", {})
        praise = {"title": t["good_practice"], "quote": art.get(f"quote_{lang}", ""), "advice": [], "exercise": ""}
        atomic_write(folder / "outline.md", self.md.render(t=t, lang=lang, m=praise, clips=chosen, share="", good=True, no_audio=t["no_audio"]))
        self.folders.append(str(folder))


def export_clips(out_dir: Path, dest: Path, *, config: Config, per_mistake: int = 3, language: str | None = None,
                 agents: Sequence[str] = (), mistakes: Iterable[int] = ()) -> ClipsSummary:
    """The clearest moments of each mistake and of good practice as clips with a session outline.

    Parameters
    ----------
    out_dir, dest : Path
        The results folder and where the clips go (``dest/<lang>/m<k>_<rule_id>/``, ``dest/<lang>/good_practice/``).
    per_mistake : int
        Clips per mistake (one per call, the most severe first).
    language : str or None
        'de' or 'en': only calls in that language; None: one set of folders per language of the calls.
    agents : sequence of str
        Only these agents' calls (empty: all).
    mistakes : iterable of int
        Only these mistakes (empty: all eight; good practice is written when none is chosen).
    """
    out_dir, dest = Path(out_dir), Path(dest)
    rc = config.report
    if language not in (None, "", "auto", "de", "en"):
        raise ReportError(f"clips language {language!r} is not supported; use de or en")
    res = scan(out_dir, pad_s=rc.snippet_pad_s, max_s=rc.snippet_max_s, cache=_load_digests(out_dir, config))
    calls = [d for d in res.digests if d.assessable]
    if agents:
        missing = [a for a in agents if a not in {d.agent for d in calls}]
        if missing:
            raise ReportError(f"{out_dir}: no assessable calls of agent {missing[0]!r}")
        calls = [d for d in calls if d.agent in set(agents)]
    if not calls:
        raise ReportError(f"{out_dir / 'calls'}: no call JSON files to take clips from")
    want = set(mistakes)

    def lang_of(d: CallDigest) -> str:
        return d.language if d.language in ("de", "en") else "en"
    langs = [language] if language in ("de", "en") else sorted({lang_of(d) for d in calls})
    w = _Writer(out_dir, dest, config, per_mistake)
    for lang in langs:
        mine = [d for d in calls if lang_of(d) == lang]
        for m in ORDER:
            if not want or m in want:
                w.mistake(lang, m, mine)
        if not want:
            w.good_practice(lang, mine)
    return ClipsSummary(w.clips, w.missing, tuple(w.folders), tuple(w.files))


def _free_span(d: CallDigest, f: FindingRef, picker: _Picker, record: Any, rc: Any, *, whole_call: bool) -> tuple[float, float] | None:
    """The finding's clip when that moment is still free; for a whole-call finding (voice) another
    agent turn of the call when it is not."""
    if f.clip is not None and picker.free(d.call_id, f.clip):
        return f.clip
    if not whole_call:
        return None
    rec = record(d.call_id)
    if rec is None:
        return None
    for turn in sorted(rec.turns_of("agent"), key=lambda t: -(t.end_s - t.start_s)):
        span = clip_span(rec, turn.start_s, turn.end_s, pad_s=rc.snippet_pad_s, max_s=rc.snippet_max_s, with_caller=False)
        if span is not None and picker.free(d.call_id, span):
            return span
    return None
