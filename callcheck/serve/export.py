"""Exports for BI tools: one row per call, per finding or per review, as CSV or Parquet.

Read from the server database after a sync with the results folder (so reviews and the call index
agree). CSV cells that a spreadsheet would run as a formula (text starting with ``= + - @``, tab
or carriage return) are prefixed with ``'``; numbers stay numbers. Parquet (``pyarrow``) keeps
types: numbers as float64/int64, text as UTF-8, missing values as nulls.

Personal data: the rows come from the records, whose texts (quotes) are already redacted. With
``pseudonyms`` (``privacy.pseudonyms``) the ``agent`` column holds the agent's stable pseudonym
(:func:`callcheck.privacy.pseudonym`) and the ``source`` path (whose folders often name the
agent) is left empty.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine

from callcheck.errors import CallcheckError
from callcheck.fsutil import atomic_write
from callcheck.serve import db
from callcheck.serve.reviews import finding_state, reviews_by_finding

__all__ = ["ExportError", "WHAT", "FORMATS", "rows_for", "to_csv", "to_parquet", "export"]

WHAT = ("calls", "findings", "reviews")
FORMATS = ("csv", "parquet")


class ExportError(CallcheckError):
    """An export cannot be written as asked."""


def _calls(engine: Engine) -> tuple[list[str], list[dict[str, Any]]]:
    from callcheck.rules import RULE_IDS

    with engine.connect() as conn:
        rows = conn.execute(select(db.calls).order_by(db.calls.c.call_id)).all()
    summ_keys: list[str] = []
    out = []
    for r in rows:
        s = json.loads(r.summary_json)
        for k in s:
            if k not in summ_keys:
                summ_keys.append(k)
        d = {"call_id": r.call_id, "agent": r.agent, "date": r.date, "language": r.language, "layout": r.layout,
             "duration_s": r.duration_s, "source": r.source, "findings": r.n_findings}
        for m in RULE_IDS:
            d[f"m{m}"] = int(f",{m}," in r.mistakes)
        d.update(s)
        out.append(d)
    cols = ["call_id", "agent", "date", "language", "layout", "duration_s", "source", "findings",
            *[f"m{m}" for m in RULE_IDS], *summ_keys]
    return cols, out


def _findings(engine: Engine) -> tuple[list[str], list[dict[str, Any]]]:
    f, c = db.findings, db.calls
    with engine.connect() as conn:
        rows = conn.execute(select(f, c.c.agent, c.c.date).join(c, c.c.call_id == f.c.call_id)
                            .order_by(f.c.call_id, f.c.position)).all()
        revs = reviews_by_finding(conn)
    out = []
    for r in rows:
        st = finding_state(revs.get(r.finding_id, ()), r.fingerprint)
        out.append({"finding_id": r.finding_id, "call_id": r.call_id, "agent": r.agent, "date": r.date,
                    "mistake": r.mistake, "rule_id": r.rule_id, "severity": r.severity, "start_s": r.start_s,
                    "end_s": r.end_s, "baseline": r.baseline, "message": r.message, "quote": r.quote,
                    "judgement": st["judgement"], "agent_response": st["response"], "stale_reviews": st["stale_reviews"]})
    cols = ["finding_id", "call_id", "agent", "date", "mistake", "rule_id", "severity", "start_s", "end_s", "baseline",
            "message", "quote", "judgement", "agent_response", "stale_reviews"]
    return cols, out


def _reviews(engine: Engine) -> tuple[list[str], list[dict[str, Any]]]:
    r, f, c = db.reviews, db.findings, db.calls
    with engine.connect() as conn:
        fp = {x.finding_id: x.fingerprint for x in conn.execute(select(f.c.finding_id, f.c.fingerprint))}
        agents = {x.call_id: x.agent for x in conn.execute(select(c.c.call_id, c.c.agent))}
        rows = conn.execute(select(r).order_by(r.c.id)).all()
    out = [{"review_id": x.id, "finding_id": x.finding_id, "call_id": x.call_id, "agent": agents.get(x.call_id),
            "rule_id": x.rule_id, "reviewer": x.reviewer, "reviewer_role": x.role, "verdict": x.verdict, "comment": x.comment,
            "created_at": x.created_at, "stale": fp.get(x.finding_id) != x.fingerprint,
            "finding_exists": x.finding_id in fp} for x in rows]
    cols = ["review_id", "finding_id", "call_id", "agent", "rule_id", "reviewer", "reviewer_role", "verdict", "comment",
            "created_at", "stale", "finding_exists"]
    return cols, out


def rows_for(engine: Engine, what: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Column names and rows of one export."""
    if what not in WHAT:
        raise ExportError(f"--what {what!r} is not one of {', '.join(WHAT)}")
    return {"calls": _calls, "findings": _findings, "reviews": _reviews}[what](engine)


def _safe(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def to_csv(cols: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(cols), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: _safe(r.get(k)) for k in cols})
    return buf.getvalue()


def to_parquet(cols: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet needs pyarrow: pip install 'callcheck[serve]' (or use --format csv)") from None
    arrays = {}
    for k in cols:
        vals = [r.get(k) for r in rows]
        kinds = {type(v) for v in vals if v is not None}
        if kinds and kinds <= {bool}:
            arrays[k] = pa.array(vals, type=pa.bool_())
        elif kinds and kinds <= {int}:
            arrays[k] = pa.array(vals, type=pa.int64())
        elif kinds and kinds <= {int, float}:
            arrays[k] = pa.array([None if v is None else float(v) for v in vals], type=pa.float64())
        else:
            arrays[k] = pa.array([None if v is None else str(v) for v in vals], type=pa.string())
    buf = io.BytesIO()
    pq.write_table(pa.table(arrays), buf)
    return buf.getvalue()


def pseudonymise(rows: Sequence[dict[str, Any]], out_dir: Path) -> list[dict[str, Any]]:
    """The rows with ``agent`` replaced by its pseudonym and ``source`` emptied."""
    from callcheck.privacy import pseudonym

    return [dict(r, agent=pseudonym(r.get("agent"), out_dir), **({"source": None} if "source" in r else {}))
            for r in rows]


def export(engine: Engine, what: str, fmt: str, dest: Path, *, pseudonyms: Path | None = None) -> int:
    """Write one export to ``dest`` (atomically) and return the number of rows; ``pseudonyms``:
    the results folder whose pseudonym key names the agents (None: their names)."""
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    cols, rows = rows_for(engine, what)
    if pseudonyms is not None:
        rows = pseudonymise(rows, pseudonyms)
    atomic_write(Path(dest), to_csv(cols, rows) if fmt == "csv" else to_parquet(cols, rows))
    return len(rows)
