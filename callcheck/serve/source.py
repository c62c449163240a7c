"""The one place where ``callcheck serve`` reads analysis results (read-only).

It reads ``OUT/calls/<call_id>.json`` through the read model :mod:`callcheck.record` and, when
present and made from exactly that record, ``OUT/judgements/<call_id>.json`` (the baseline-aware
findings; preferred over the record's own); nothing else in :mod:`callcheck.serve` opens result
files. It never writes ``calls/`` or ``judgements/``.

Findings carry their stable ``id`` (:func:`callcheck.rules.moment_id`). Each finding also
gets a ``fingerprint``: a hash of what it says (rule, severity, span, evidence, message), so a
review can tell when a re-analysis changed the finding it judged.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

__all__ = ["CallSource", "SourceFile", "assign_finding_ids", "fingerprint", "list_sources",
           "load_call", "call_date", "stat_key", "source_for", "iter_calls"]


@dataclass(frozen=True)
class SourceFile:
    """The files behind one call and a cheap change key (mtime + size of each)."""

    call_id: str
    record: Path
    judgement: Path | None
    key: str


@dataclass(frozen=True)
class CallSource:
    """One call as the server sees it: the measured record with the judgement's findings merged in.

    ``data`` is a fresh dict (the record's keys; ``findings``/``strengths``/``promises`` from the
    judgement when there is one), every finding carrying ``id`` and ``fingerprint``.
    """

    call_id: str
    data: dict[str, Any]
    files: SourceFile

    @property
    def agent(self) -> str | None:
        a = self.data.get("agent")
        return None if a is None else str(a)

    @property
    def findings(self) -> list[dict[str, Any]]:
        return [f for f in self.data.get("findings") or [] if isinstance(f, dict)]


def _r3(x: Any) -> float | None:
    try:
        return round(float(x), 3)
    except (TypeError, ValueError):
        return None


def assign_finding_ids(call_id: str, findings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``findings`` with ``id`` (kept when present; else the agreed stable one of
    :func:`callcheck.rules.moment_id`, repeats ``-2``, ``-3``, ...)."""
    from callcheck.rules import assign_ids

    have = [dict(f) for f in findings]
    made = assign_ids(call_id, [(str(f.get("rule_id")), {k: v for k, v in f.items() if k != "id"}) for f in have])
    return [f if isinstance(f.get("id"), str) and f["id"] else m for f, m in zip(have, made)]


def fingerprint(finding: Mapping[str, Any]) -> str:
    """What the finding says, hashed (16 hex digits): rule, severity, span, evidence, message."""
    core = {k: finding.get(k) for k in ("rule_id", "mistake", "severity", "start_s", "end_s", "evidence", "message")}
    raw = json.dumps(core, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def stat_key(*paths: Path | None) -> str:
    """``mtime_ns:size`` of each path (``-`` when absent): changes whenever a file is replaced."""
    parts = []
    for p in paths:
        try:
            st = os.stat(p) if p is not None else None
        except OSError:
            st = None
        parts.append("-" if st is None else f"{st.st_mtime_ns}:{st.st_size}")
    return "|".join(parts)


def list_sources(out_dir: Path) -> list[SourceFile]:
    """Every ``calls/*.json`` of ``out_dir`` with its judgement (if any) and change key."""
    out_dir = Path(out_dir)
    calls = out_dir / "calls"
    judg = out_dir / "judgements"
    have_j = judg.is_dir()
    out = []
    with os.scandir(calls) as it:
        entries = sorted((e.name for e in it if e.name.endswith(".json") and not e.name.startswith(".")))
    for name in entries:
        cid = name[:-5]
        rec = calls / name
        j = judg / name if have_j and (judg / name).is_file() else None
        out.append(SourceFile(cid, rec, j, stat_key(rec, j)))
    return out


def load_call(src: SourceFile) -> CallSource:
    """Read one call through the read model (:mod:`callcheck.record`: schema-checked record, its
    judgement attached when it was made from exactly this record). ``data["source"]`` is where the
    recording is now (a moved results folder still finds it). Raises ``OSError``/``ValueError``
    when unreadable or invalid."""
    from callcheck.record import RecordError, attach_judgement, load_record

    try:
        rec = attach_judgement(src.record.parent.parent, load_record(src.record))
    except RecordError as exc:
        raise ValueError(str(exc)) from None
    data = dict(rec.raw)
    call_id = rec.call_id
    for k in ("strengths", "promises"):
        data[k] = [dict(x) for x in getattr(rec, k)]
    if rec.judgement is not None:
        data["judgement"] = {k: rec.judgement.get(k) for k in ("record_sha256", "comparison_sha256", "baselines")}
    data["source"] = rec.audio_path or rec.source
    findings = assign_finding_ids(call_id, list(rec.findings))
    for f in findings:
        f["fingerprint"] = fingerprint(f)
    data["findings"] = findings
    data["call_id"] = call_id
    return CallSource(call_id, data, src)


def iter_calls(out_dir: Path) -> Iterator[tuple[SourceFile, CallSource | None, str | None]]:
    """Each source with its loaded call, or None and a one-line reason."""
    for s in list_sources(out_dir):
        try:
            yield s, load_call(s), None
        except (OSError, ValueError) as exc:
            yield s, None, f"{s.record}: not readable ({str(exc).splitlines()[0][:120]})"


def call_date(data: Mapping[str, Any]) -> str | None:
    """The call's date (ISO ``YYYY-MM-DD``): ``date``, else ``file_date``, else None."""
    import datetime as _dt

    for key in ("date", "file_date"):
        v = data.get(key)
        if isinstance(v, str) and len(v) >= 10:
            try:
                return _dt.date.fromisoformat(v[:10]).isoformat()
            except ValueError:
                continue
    return None


def source_for(out_dir: Path, record_path: str | Path) -> SourceFile:
    """The :class:`SourceFile` of an indexed record path (its judgement looked up again)."""
    rec = Path(record_path)
    jp = Path(out_dir) / "judgements" / rec.name
    j = jp if jp.is_file() else None
    return SourceFile(rec.name[:-5] if rec.name.endswith(".json") else rec.name, rec, j, stat_key(rec, j))
