"""Keep the database's call/finding/turn index in step with the results folder.

The per-call records are canonical; the index is derived. :func:`sync` compares each call's change
key (mtime and size of its record and judgement) with the stored one and re-indexes only what
changed, adds new calls and drops calls whose record is gone. Reviews are never touched here: they
are keyed by finding id and carry the fingerprint of the finding they judged, so a re-analysis that
changes a finding makes its reviews *stale* (shown, not lost), see :mod:`callcheck.serve.reviews`.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from callcheck.serve import db
from callcheck.serve.source import CallSource, call_date, list_sources, load_call

__all__ = ["SyncSummary", "sync", "Indexer", "summary_of", "turn_rows"]

#: Scalar per-party measures copied into ``calls.summary_json`` (lists, exports, team aggregates).
PARTY_KEYS = ("talk_time_s", "talk_share", "speech_rate_wpm", "articulation_rate_sps", "f0_median_hz",
              "f0_variation_st", "monotony", "loudness_dbfs", "word_confidence_mean", "pause_share",
              "reply_latency_median_s", "interruptions", "questions", "word_count")


@dataclass(frozen=True)
class SyncSummary:
    """What one :func:`sync` did."""

    calls: int
    added: int
    updated: int
    removed: int
    skipped: tuple[str, ...]
    seconds: float


def summary_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar measures of a call kept in the index (per party, plus conversation counts)."""
    out: dict[str, Any] = {}
    for party in ("agent", "caller"):
        sp = (data.get("speakers") or {}).get(party)
        if not isinstance(sp, Mapping):
            continue
        for k in PARTY_KEYS:
            v = sp.get(k)
            if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
                out[f"{party}.{k}"] = v
    conv = data.get("conversation") or {}
    out["dead_air_count"] = len(conv.get("dead_air") or []) if isinstance(conv.get("dead_air"), list) else None
    out["strengths"] = len(data.get("strengths") or [])
    out["promises"] = len(data.get("promises") or [])
    sep = data.get("separation") or {}
    out["separation_confidence"] = sep.get("confidence") if isinstance(sep, Mapping) else None
    return out


_TOKEN = re.compile(r"\S+")


def turn_rows(call_id: str, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per turn: its text and, for each token of the text, the start of the matching word.

    Words are assigned to the turn of their speaker that contains their midpoint; when the words of
    a turn are the turn's tokens (the usual case) their starts are used, else the start of the
    nearest word at or before the token's proportional position (so a hit can still jump close).
    """
    import bisect

    by_spk: dict[str, tuple[list[float], list[float]]] = {}
    for w in data.get("words") or []:
        if isinstance(w, Mapping) and w.get("start_s") is not None:
            st = float(w["start_s"])
            mid = 0.5 * (st + float(w["end_s"] if w.get("end_s") is not None else st))
            by_spk.setdefault(str(w.get("speaker") or ""), ([], []))[0].append(mid)
            by_spk[str(w.get("speaker") or "")][1].append(st)
    for k, (mids, starts_) in by_spk.items():
        order = sorted(range(len(mids)), key=mids.__getitem__)
        by_spk[k] = ([mids[i] for i in order], [starts_[i] for i in order])
    rows = []
    for i, t in enumerate(data.get("turns") or []):
        if not isinstance(t, Mapping) or t.get("start_s") is None or t.get("end_s") is None:
            continue
        s, e, spk = float(t["start_s"]), float(t["end_s"]), str(t.get("speaker") or "")
        text = str(t.get("text") or "")
        toks = _TOKEN.findall(text)
        mids, wstarts = by_spk.get(spk, ([], []))
        ws = wstarts[bisect.bisect_left(mids, s - 0.05):bisect.bisect_right(mids, e + 0.05)]
        if len(ws) == len(toks):
            starts = ws
        elif ws:
            starts = [ws[min(len(ws) - 1, int(k * len(ws) / max(1, len(toks))))] for k in range(len(toks))]
        else:
            starts = [s + (e - s) * k / max(1, len(toks)) for k in range(len(toks))]
        rows.append({"call_id": call_id, "idx": i, "speaker": spk, "start_s": s, "end_s": e, "text": text,
                     "word_starts": json.dumps([round(x, 3) for x in starts], separators=(",", ":"))})
    return rows


def _call_row(c: CallSource, key: str) -> dict[str, Any]:
    d = c.data
    fs = c.findings
    mistakes = sorted({int(f["mistake"]) for f in fs if isinstance(f.get("mistake"), int)})
    dur = d.get("duration_s")
    return {"call_id": c.call_id, "agent": c.agent, "date": call_date(d), "language": d.get("language"),
            "layout": d.get("layout"), "duration_s": float(dur) if isinstance(dur, (int, float)) else None,
            "source": d.get("source"), "record_path": str(c.files.record), "source_key": key,
            "n_findings": len(fs), "mistakes": "," + ",".join(map(str, mistakes)) + "," if mistakes else ",",
            "summary_json": json.dumps(summary_of(d), separators=(",", ":")), "indexed_at": db.now_iso()}


def _finding_rows(c: CallSource) -> list[dict[str, Any]]:
    rows = []
    for i, f in enumerate(c.findings):
        ev = f["evidence"] if isinstance(f.get("evidence"), Mapping) else {}
        m = f.get("mistake")
        rows.append({"finding_id": f["id"], "call_id": c.call_id, "position": i,
                     "mistake": int(m) if isinstance(m, int) else None, "rule_id": f.get("rule_id"),
                     "severity": f.get("severity"), "start_s": f.get("start_s"), "end_s": f.get("end_s"),
                     "message": f.get("message"), "quote": ev.get("quote") if isinstance(ev.get("quote"), str) else None,
                     "baseline": ev.get("baseline") if isinstance(ev.get("baseline"), str) else None,
                     "fingerprint": f["fingerprint"]})
    return rows


def _drop(conn, call_id: str) -> None:
    conn.execute(delete(db.turns).where(db.turns.c.call_id == call_id))
    conn.execute(delete(db.findings).where(db.findings.c.call_id == call_id))
    conn.execute(delete(db.calls).where(db.calls.c.call_id == call_id))


def sync(engine: Engine, out_dir: Path, *, batch_size: int = 200) -> SyncSummary:
    """Bring the index in step with ``out_dir/calls`` (+ ``judgements``); see the module doc."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    sources = list_sources(out_dir)
    with engine.connect() as conn:
        known = {r.call_id: r.source_key for r in conn.execute(select(db.calls.c.call_id, db.calls.c.source_key))}
    todo = [s for s in sources if known.get(s.call_id) != s.key]
    present = {s.call_id for s in sources}
    gone = [cid for cid in known if cid not in present]
    skipped: list[str] = []
    added = updated = 0
    for k in range(0, len(todo), batch_size):
        chunk = todo[k:k + batch_size]
        loaded = []
        for s in chunk:
            try:
                loaded.append((s, load_call(s)))
            except (OSError, ValueError) as exc:
                skipped.append(f"{s.record}: not readable ({str(exc).splitlines()[0][:120]})")
        with engine.begin() as conn:
            call_rows, f_rows, t_rows = [], [], []
            for s, c in loaded:
                if c.call_id in known or s.call_id in known:
                    _drop(conn, s.call_id)
                    if c.call_id != s.call_id:
                        _drop(conn, c.call_id)
                    updated += 1
                else:
                    added += 1
                call_rows.append(_call_row(c, s.key))
                f_rows += _finding_rows(c)
                t_rows += turn_rows(c.call_id, c.data)
            # a call id can appear twice only when two files claim it: keep the first
            seen: set[str] = set()
            uniq = []
            for r in call_rows:
                if r["call_id"] in seen:
                    skipped.append(f"{r['record_path']}: call_id {r['call_id']!r} is also in another file; ignored")
                    continue
                seen.add(r["call_id"])
                uniq.append(r)
            if uniq:
                conn.execute(insert(db.calls), uniq)
            fseen: set[str] = set()
            f_rows = [r for r in f_rows if r["call_id"] in seen and not (r["finding_id"] in fseen or fseen.add(r["finding_id"]))]  # type: ignore[func-returns-value]  # set.add marks it seen
            if f_rows:
                conn.execute(insert(db.findings), f_rows)
            t_rows = [r for r in t_rows if r["call_id"] in seen]
            if t_rows:
                conn.execute(insert(db.turns), t_rows)
    if gone:
        with engine.begin() as conn:
            for cid in gone:
                _drop(conn, cid)
    with engine.connect() as conn:
        n = conn.execute(select(db.calls.c.call_id)).all()
    return SyncSummary(len(n), added, updated, len(gone), tuple(skipped), time.perf_counter() - t0)


class Indexer:
    """Re-syncs lazily: at most every ``min_interval_s``, and only when ``calls/`` or
    ``judgements/`` changed (their directory mtimes change on every atomic replace)."""

    def __init__(self, engine: Engine, out_dir: Path, *, min_interval_s: float = 2.0) -> None:
        self.engine, self.out_dir, self.min_interval_s = engine, Path(out_dir), min_interval_s
        self._lock = threading.Lock()
        self._dir_key: str | None = None
        self._checked = 0.0
        self.last: SyncSummary | None = None

    def _key(self) -> str:
        parts = []
        for sub in ("calls", "judgements"):
            try:
                st = os.stat(self.out_dir / sub)
                parts.append(f"{st.st_mtime_ns}")
            except OSError:
                parts.append("-")
        return "|".join(parts)

    def sync(self) -> SyncSummary:
        with self._lock:
            key = self._key()
            self.last = sync(self.engine, self.out_dir)
            self._dir_key, self._checked = key, time.monotonic()
            return self.last

    def maybe_sync(self) -> None:
        if time.monotonic() - self._checked < self.min_interval_s:
            return
        self._checked = time.monotonic()
        if self._key() != self._dir_key:
            self.sync()
