"""One pass over an output folder: each call reduced to a small :class:`CallDigest`.

Pages are rendered from digests, not from whole records, so memory stays small however many calls
there are: a record (words, turns, measures; tens of kB) is read, digested and dropped. Each
digest keeps what the agent and team pages count and rank (findings as ids, times and severities,
strengths, promises, the agent's measures and their validity, the snippet span of each moment) —
about 1 kB per call. A page that shows a finding's full evidence reads that call again.

Digests are cached in ``OUT/.report/digests.json``, keyed by the SHA-256 of the record file and of
the verdict (the judgement's findings, strengths and promises): a call whose record and verdict are
unchanged is not parsed again. A record whose judgement was made from exactly its bytes
(``record_sha256``) was schema-checked by the judge and is trusted without a second check; any other
record is validated (:func:`callcheck.record.parse_record`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import statistics
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from callcheck.fsutil import file_key
from callcheck.record import (
    CallRecord, RecordError, duplicate_reason, judgement_path, load_judgement, parse_record, record_paths,
)
from callcheck.report.evidence import evidence_of
from callcheck.result import loads
from callcheck.rules import BASELINE_MEASURES, RULE_IDS, baseline_values

__all__ = ["CallDigest", "FindingRef", "digest_call", "digest_judged", "scan", "verdict_hash", "clip_span", "mean_confidence",
           "DIGEST_VERSION", "AGENT_MEASURES", "call_date", "baseline_rows"]

DIGEST_VERSION = 3
_CALL_ID = re.compile(r"^[A-Za-z0-9._-]+$")

#: The agent's per-call measures the team page shows per agent (medians with n).
AGENT_MEASURES: tuple[str, ...] = ("talk_share", "speech_rate_wpm", "articulation_rate_sps", "duration_s", "dead_air_s",
                                   "interruptions", "word_confidence_mean")


@dataclass(frozen=True)
class FindingRef:
    """A finding of one of the eight mistakes, without its evidence."""

    id: str
    mistake: int
    rule_id: str
    severity: str
    start_s: float | None
    end_s: float | None
    quote_conf: float | None = None    # mean ASR probability of the agent's words in the moment
    caller_conf: float | None = None   # the same for the caller's quoted sentence
    clip: tuple[float, float] | None = None  # the snippet: padded, the caller's sentence included, capped


@dataclass(frozen=True)
class CallDigest:
    """What the pages need of one call (JSON-serialisable; cached between runs)."""

    call_id: str
    file: str
    agent: str
    language: str | None
    date: str | None
    duration_s: float | None
    layout: str | None
    record_sha: str
    verdict_hash: str
    judged: bool
    assessable: bool = True
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    separation_confidence: float | None = None
    audio: str | None = None
    pii: tuple[tuple[float, float], ...] = ()
    findings: tuple[FindingRef, ...] = ()
    strengths: tuple[Mapping[str, Any], ...] = ()
    promises: tuple[Mapping[str, Any], ...] = ()
    measures: Mapping[str, float | None] = field(default_factory=dict)
    validity: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    baseline: Mapping[str, float | None] = field(default_factory=dict)

    @cached_property
    def mistakes(self) -> frozenset[int]:
        return frozenset(f.mistake for f in self.findings)

    @property
    def key(self) -> str:
        """Changes whenever the record or its verdict does."""
        return f"{self.record_sha[:16]}.{self.verdict_hash[:16]}"

    def to_json(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in _FIELDS}
        d["findings"] = [{k: getattr(f, k) for k in _REF_FIELDS} for f in self.findings]
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "CallDigest":
        d = dict(d)
        d.pop("fkey", None)  # the record file's size, mtime and inode, kept next to the digest (scan_one)
        d["findings"] = tuple(FindingRef(**{**f, "clip": tuple(f["clip"]) if f.get("clip") else None}) for f in d.get("findings") or ())
        for k in ("reasons", "warnings", "strengths", "promises"):
            d[k] = tuple(d.get(k) or ())
        d["pii"] = tuple(tuple(x) for x in d.get("pii") or ())
        d["validity"] = {k: tuple(v) for k, v in (d.get("validity") or {}).items()}
        return cls(**d)


_FIELDS = tuple(f.name for f in fields(CallDigest))
_REF_FIELDS = tuple(f.name for f in fields(FindingRef))


def verdict_hash(findings: Any, strengths: Any, promises: Any) -> str:
    """SHA-256 of a call's verdict (findings, strengths, promises), whatever else the judgement holds."""
    blob = json.dumps([findings, strengths, promises], sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def mean_confidence(rec: CallRecord, party: str, start_s: float, end_s: float) -> float | None:
    """Mean ASR probability of ``party``'s words starting in ``[start_s, end_s]`` (None: no words)."""
    ws = rec.words_between(party, start_s - 0.05, end_s + 0.05)
    return round(statistics.fmean(w.probability for w in ws), 3) if ws else None


def _caller_sentence_start(rec: CallRecord, at_s: float) -> float | None:
    """Where the caller's sentence running at (or just before) ``at_s`` began, s; None when the
    caller was not speaking within 2 s before ``at_s``."""
    turn = None
    for t in rec.turns_of("caller"):
        if t.start_s < at_s + 0.05 and t.end_s > at_s - 2.0:
            turn = t
    if turn is None:
        return None
    ws = [w for w in rec.words_between("caller", turn.start_s - 0.05, at_s + 0.05)]
    start = turn.start_s
    for prev, w in zip(ws, ws[1:]):
        if prev.text.rstrip().endswith((".", "?", "!")):
            start = w.start_s
    return start


def clip_span(rec: CallRecord, start_s: float | None, end_s: float | None, *, pad_s: float, max_s: float,
              with_caller: bool) -> tuple[float, float] | None:
    """The stretch a snippet or clip plays: the moment padded by ``pad_s``; with ``with_caller`` it
    starts where the caller's sentence began (so an interruption is heard with what it cut);
    at most ``max_s`` long, keeping the moment's first 3 s. None for a finding without a time."""
    if start_s is None:
        return None
    s, e = float(start_s), float(end_s if end_s is not None else start_s)
    a, b = s - pad_s, max(e + pad_s, s + 0.5)
    if with_caller:
        c = _caller_sentence_start(rec, s)
        if c is not None:
            a = min(a, c - 0.3)
    if b - a > max_s:
        a = max(a, s + min(3.0, e - s + pad_s) - max_s)
        b = a + max_s
    dur = rec.duration_s
    a = max(0.0, a)
    if dur is not None:
        b = min(b, float(dur))
    return (round(a, 3), round(b, 3)) if b > a else None


def _caller_turn_span(rec: CallRecord, start_s: float) -> tuple[float, float] | None:
    """The caller turn a moment's caller quote comes from: the last one starting before the moment
    and ending at most 10 s before it."""
    span = None
    for t in rec.turns_of("caller"):
        if t.start_s < start_s + 0.05 and t.end_s > start_s - 10.0:
            span = (t.start_s, t.end_s)
    return span


def call_date(call: CallRecord) -> str | None:
    """The call's date (ISO ``YYYY-MM-DD``): ``date``, else the recording file's date, else None."""
    for v in (call.date, call.file_date):
        if isinstance(v, str) and len(v) >= 10:
            try:
                return _dt.date.fromisoformat(v[:10]).isoformat()
            except ValueError:
                continue
    return None


def digest_call(rec: CallRecord, *, file: str, verdict: str, pad_s: float, max_s: float) -> CallDigest:
    """The digest of one call (its judged findings when a judgement is attached)."""
    findings = []
    for f in rec.findings:
        if f.get("mistake") not in RULE_IDS:
            continue
        s, e = f.get("start_s"), f.get("end_s")
        ev = evidence_of(f)
        qc = cc = None
        if s is not None:
            qc = mean_confidence(rec, "agent", float(s), float(e if e is not None else s))
            if ev.get("caller_quote"):
                span = _caller_turn_span(rec, float(s))
                cc = mean_confidence(rec, "caller", *span) if span else None
        findings.append(FindingRef(str(f.get("id") or ""), int(f["mistake"]), str(f.get("rule_id") or RULE_IDS[int(f["mistake"])]),
                                   str(f.get("severity") or "info"), s, e, qc, cc,
                                   clip_span(rec, s, e, pad_s=pad_s, max_s=max_s, with_caller=bool(ev.get("caller_quote")))))
    ag = rec.speaker("agent")
    dead = rec.conversation.raw.get("dead_air")
    dead_s = sum(float(d["end_s"]) - float(d["start_s"]) for d in dead or () if isinstance(d, Mapping)) if isinstance(dead, list) else None
    measures = {"talk_share": ag.talk_share, "speech_rate_wpm": ag.speech_rate_wpm, "articulation_rate_sps": ag.articulation_rate_sps,
                "duration_s": rec.duration_s, "dead_air_s": None if dead_s is None else round(dead_s, 3),
                "interruptions": None if ag.interruptions is None else float(ag.interruptions),
                "word_confidence_mean": ag.word_confidence_mean}
    validity = {}
    for key in (ag.raw.get("validity") or {}):
        v = ag.validity(str(key))
        if v is not None and v.cls != "validated":
            validity[str(key)] = (v.cls, v.reason)
    strengths = tuple({"id": str(x.get("id") or ""), "kind": str(x.get("kind") or ""), "start_s": x.get("start_s"),
                       "end_s": x.get("end_s"), "text": str(x.get("text") or "")} for x in rec.strengths)
    promises = tuple({"id": str(x.get("id") or ""), "kind": str(x.get("kind") or ""), "start_s": x.get("start_s"),
                      "text": str(x.get("text") or "")} for x in rec.promises)
    conf = rec.separation_confidence
    a = rec.assessment
    return CallDigest(
        call_id=rec.call_id, file=file, agent="unknown" if rec.agent is None else rec.agent, language=rec.language,
        date=call_date(rec), duration_s=rec.duration_s, layout=rec.layout, record_sha=rec.sha256 or "", verdict_hash=verdict,
        judged=rec.judged, assessable=a.assessable, reasons=a.reasons, warnings=a.warnings,
        separation_confidence=conf if rec.layout == "mono" else None, audio=rec.audio_path,
        pii=tuple((p.start_s, p.end_s) for p in rec.pii_spans), findings=tuple(findings), strengths=strengths,
        promises=promises, measures=measures, validity=validity,
        baseline=baseline_values(rec),
    )


@dataclass
class ScanResult:
    digests: list[CallDigest]
    skipped: list[str]
    parsed: int = 0    # records read and digested in this run
    cached: int = 0    # digests reused (record and verdict unchanged)
    fkeys: dict[str, list[int]] = field(default_factory=dict)  # record file name -> size, mtime, inode


def _judgement_bytes(out_dir: Path, call_id: str) -> bytes | None:
    try:
        return judgement_path(out_dir, call_id).read_bytes()
    except OSError:
        return None


def _fast_verdict(raw: bytes | None, sha: str, call_id: str) -> str | None:
    """The verdict hash of a judgement file as the judge writes it (compact: ``findings`` to the
    end, after a header naming exactly this record), without parsing it; None when the file is not
    in that form."""
    if raw is None:
        return None
    i = raw.find(b',"findings":')
    if i < 0:
        return None
    head = raw[:i]
    if f'"record_sha256":"{sha}"'.encode() not in head or f'"call_id":{json.dumps(call_id)}'.encode() not in head:
        return None
    return "j" + hashlib.sha256(raw[i:]).hexdigest()


def _read_judgement(out_dir: Path, call_id: str, sha: str) -> tuple[Mapping[str, Any] | None, str]:
    """The call's judgement when valid and made from exactly this record, and its verdict hash
    (``unjudged`` without one)."""
    raw = _judgement_bytes(out_dir, call_id)
    if raw is None:
        return None, "unjudged"
    try:
        j = load_judgement(judgement_path(out_dir, call_id))
    except RecordError:
        return None, "unjudged"
    if j.get("record_sha256") != sha or j.get("call_id") != call_id:
        return None, "unjudged"
    return j, _fast_verdict(raw, sha, call_id) or verdict_hash(j["findings"], j["strengths"], j["promises"])


def digest_judged(rec: CallRecord, judgement_text: str, *, pad_s: float, max_s: float) -> tuple[CallRecord, CallDigest]:
    """``rec`` (read from its file, unjudged) with the judgement the judge just wrote for it (its
    file's text) attached, and its digest: what :func:`scan_one` gives for that record and file."""
    if rec.path is None or rec.sha256 is None:
        raise ValueError("digest_judged needs a record read from its file")
    raw = judgement_text.encode("utf-8")
    j = loads(raw)
    vh = _fast_verdict(raw, rec.sha256, rec.call_id) or verdict_hash(j["findings"], j["strengths"], j["promises"])
    judged = rec.with_judgement(j)
    return judged, digest_call(judged, file=rec.path.name, verdict=vh, pad_s=pad_s, max_s=max_s)


def scan(out_dir: Path, *, pad_s: float, max_s: float, cache: Mapping[str, Mapping[str, Any]] | None = None,
         on_record: Callable[[CallRecord, CallDigest], None] | None = None) -> ScanResult:
    """Digest every record of ``out_dir/calls/`` (sorted by file name), one at a time.

    ``cache`` maps record file names to digests of an earlier run (``CallDigest.to_json``); a
    digest is reused when its record and verdict are unchanged. ``on_record(rec, digest)`` is
    called for each record that was read (not for reused digests) while it is in memory.
    """
    out_dir = Path(out_dir)
    res = ScanResult([], [])
    seen: dict[str, Path] = {}
    for p in record_paths(out_dir):
        status, got, fkey = scan_one(out_dir, p, (cache or {}).get(p.name), pad_s=pad_s, max_s=max_s)
        d = got if status == "cached" else got[1] if status == "parsed" else None
        if d is None:
            res.skipped.append(got)
            continue
        if d.call_id in seen:
            res.skipped.append(duplicate_reason(p, d.call_id, seen[d.call_id]))
            continue
        seen[d.call_id] = p
        if status == "cached":
            res.cached += 1
        else:
            res.parsed += 1
            if on_record is not None:
                on_record(got[0], d)
        if fkey is not None:
            res.fkeys[p.name] = fkey
        res.digests.append(d)
    return res


def scan_one(out_dir: Path, p: Path, old: Mapping[str, Any] | None, *, pad_s: float, max_s: float,
             parse: bool = True) -> tuple[str, Any, list[int] | None]:
    """One record file: ``("cached", digest, file key)`` when ``old`` (its cached digest) still holds,
    ``("parsed", (record, digest), file key)`` when it was read, ``("skipped", one line, None)``;
    with ``parse=False`` ``("todo", None, file key)`` instead of reading it.
    A record file whose size, modification time and inode are those kept with ``old`` is not read
    again (its hash is the one kept); duplicates of a call id are left to the caller."""
    fkey = file_key(p)
    usable = old is not None and _CALL_ID.match(str(old.get("call_id"))) is not None
    if not usable and not parse:
        return "todo", None, fkey  # no digest to check: the reader reads it once
    raw: bytes | None = None
    if old is not None and usable and fkey is not None and old.get("fkey") == fkey:
        sha = str(old.get("record_sha"))
    else:
        try:
            raw = p.read_bytes()
        except OSError as exc:
            return "skipped", f"{p}: call record cannot be read ({exc.strerror})", None
        sha = hashlib.sha256(raw).hexdigest()
    if old is not None and usable and old.get("record_sha") == sha:
        cid = str(old["call_id"])
        vh = _fast_verdict(_judgement_bytes(out_dir, cid), sha, cid)
        if vh is None and old.get("verdict_hash") == "unjudged":
            vh = "unjudged" if _read_judgement(out_dir, cid, sha)[0] is None else None
        if vh is not None and vh == old.get("verdict_hash"):
            return "cached", CallDigest.from_json(old), fkey
    if not parse:
        return "todo", None, fkey
    if raw is None:
        try:
            raw = p.read_bytes()
        except OSError as exc:
            return "skipped", f"{p}: call record cannot be read ({exc.strerror})", None
        sha = hashlib.sha256(raw).hexdigest()
    try:
        data = loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        return "skipped", f"{p}: not readable JSON ({str(exc).splitlines()[0][:120]})", None
    rid = data.get("call_id") if isinstance(data, dict) else None
    j, vh = _read_judgement(out_dir, rid, sha) if isinstance(rid, str) and _CALL_ID.match(rid) else (None, "unjudged")
    try:
        # a record judged from exactly these bytes was schema-checked by the judge
        rec = CallRecord(data, j, p, sha) if j is not None else parse_record(data, path=p, sha256=sha)
    except RecordError as exc:
        return "skipped", str(exc), None
    return "parsed", (rec, digest_call(rec, file=p.name, verdict=vh, pad_s=pad_s, max_s=max_s)), fkey


def baseline_rows(digests: list[CallDigest]) -> Iterator[tuple[str, str | None, Mapping[str, float | None]]]:
    """``(call_id, agent, baseline values)`` of the assessable calls (for the team distributions)."""
    for d in digests:
        if d.assessable:
            yield d.call_id, d.agent, {k: d.baseline.get(k) for k in BASELINE_MEASURES}
