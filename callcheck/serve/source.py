"""The one place where ``callcheck serve`` reads analysis results (read-only).

Today it reads ``OUT/calls/<call_id>.json`` and, when present, ``OUT/judgements/<call_id>.json``
(the baseline-aware findings; preferred over the record's own). At merge this module switches to
:func:`callcheck.record.load_batch`; nothing else in :mod:`callcheck.serve` opens result files.
It never writes ``calls/`` or ``judgements/``.

Findings that lack an ``id`` get the agreed stable one (see :func:`finding_id`). Each finding also
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

__all__ = ["CallSource", "SourceFile", "finding_id", "assign_finding_ids", "fingerprint", "list_sources",
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


def finding_id(call_id: str, finding: Mapping[str, Any]) -> str:
    """The agreed base id ``f"{call_id}.{rule_id}.{t}"``, ``t`` = start in ms or ``"call"``."""
    start = _r3(finding.get("start_s"))
    t = "call" if start is None else str(int(round(start * 1000)))
    return f"{call_id}.{finding.get('rule_id')}.{t}"


def assign_finding_ids(call_id: str, findings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``findings`` with ``id`` (kept when present; else the base id, then ``-2``, ``-3``, ...)."""
    out, seen = [], set()
    for f in findings:
        g = dict(f)
        fid = g.get("id")
        if not isinstance(fid, str) or not fid:
            base = finding_id(call_id, g)
            fid, k = base, 1
            while fid in seen:
                k += 1
                fid = f"{base}-{k}"
        seen.add(fid)
        g["id"] = fid
        out.append(g)
    return out


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


def _read(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def load_call(src: SourceFile) -> CallSource:
    """Read one call (record + judgement). Raises ``OSError``/``ValueError`` when unreadable."""
    data = _read(src.record)
    call_id = str(data.get("call_id") or src.call_id)
    if src.judgement is not None:
        try:
            j = _read(src.judgement)
        except (OSError, ValueError):
            j = None
        if j is not None and str(j.get("call_id", call_id)) == call_id:
            for k in ("findings", "strengths", "promises"):
                if isinstance(j.get(k), list):
                    data[k] = j[k]
            data["judgement"] = {k: j.get(k) for k in ("record_sha256", "baseline_set_sha256", "baselines")}
    findings = assign_finding_ids(call_id, [f for f in data.get("findings") or [] if isinstance(f, Mapping)])
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
    j = Path(out_dir) / "judgements" / rec.name
    j = j if j.is_file() else None
    return SourceFile(rec.name[:-5] if rec.name.endswith(".json") else rec.name, rec, j, stat_key(rec, j))
