"""Search across calls: words and phrases in the transcripts (SQLite FTS5), said by the agent or
the caller, filtered by agent, mistake, date and review state; each hit carries the time of the
first matching word, so the page can jump there.

Query language (deliberately small, never passed to FTS5 raw): words must all occur in one turn;
``"two words"`` is a phrase; ``word*`` matches a prefix. Case and diacritics are ignored
("muller" finds "Müller"). On PostgreSQL the same queries run on the ``turns.tsv`` column
(``to_tsvector('simple', callcheck_fold(text))``, GIN index, migration 0003) with ``to_tsquery``;
only this module and the migrations know either.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Sequence

from sqlalchemy import text
from sqlalchemy.engine import Engine

from callcheck.serve.access import JUDGE_VERDICTS

__all__ = ["Query", "parse_query", "search", "review_clause", "REVIEW_STATES", "norm"]

REVIEW_STATES = ("unreviewed", "judged", "confirmed", "rejected", "unsure", "disputed", "acknowledged", "stale")
_MARK_ON, _MARK_OFF = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_QTOK = re.compile(r'"([^"]*)"?|(\S+)')


def norm(s: str) -> str:
    """Case-folded, diacritics removed (as FTS5's ``unicode61 remove_diacritics 2`` does)."""
    d = unicodedata.normalize("NFKD", s.casefold())
    return "".join(ch for ch in d if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Query:
    """A parsed query: the FTS5 expression and, per term, its words and whether it is a prefix."""

    fts: str
    terms: tuple[tuple[tuple[str, ...], bool], ...]


def parse_query(q: str) -> Query | None:
    """The safe FTS5 expression for the user's query (None when it has no words)."""
    parts, terms = [], []
    for m in _QTOK.finditer(q or ""):
        phrase, tok = m.group(1), m.group(2)
        raw = phrase if phrase is not None else tok
        prefix = phrase is None and raw.endswith("*")
        words = tuple(norm(w) for w in _WORD.findall(raw))
        if not words:
            continue
        expr = '"' + " ".join(words) + '"'
        parts.append(expr + ("*" if prefix else ""))
        terms.append((words, prefix))
        if len(parts) >= 12:
            break
    if not parts:
        return None
    return Query(" AND ".join(parts), tuple(terms))


def _jump(query: Query, text_: str, starts: Sequence[float]) -> float | None:
    """Start time of the first token of ``text_`` holding the first word of a query term
    (a phrase's whole sequence is preferred where it occurs)."""
    toks = [_WORD.findall(norm(t)) for t in text_.split()]

    def has(i: int, w: str, prefix: bool) -> bool:
        return i < len(toks) and any(s == w or (prefix and s.startswith(w)) for s in toks[i])

    best = None
    for words, prefix in query.terms:
        n = len(words)
        hit = next((i for i in range(len(toks)) if all(has(i + k, w, prefix and k == n - 1) for k, w in enumerate(words))), None)
        if hit is None:
            hit = next((i for i in range(len(toks)) if has(i, words[0], prefix and n == 1)), None)
        if hit is not None and hit < len(starts):
            best = starts[hit] if best is None else min(best, starts[hit])
    return best


def pg_tsquery(query: Query) -> str:
    """The PostgreSQL ``to_tsquery('simple', ...)`` text of a parsed query: the words of a term in
    sequence (``<->``, a phrase), a prefix term's last word with ``:*``, all terms required (``&``).
    Words are runs of word characters already folded (:func:`norm`) and quoted, so no syntax passes through."""
    parts = []
    for words, prefix in query.terms:
        toks = [f"'{w}'" for w in words]
        if prefix:
            toks[-1] += ":*"
        parts.append("(" + " <-> ".join(toks) + ")")
    return " & ".join(parts)


def mark_snippet(query: Query, text_: str, tokens: int = 14) -> str:
    """A snippet as FTS5's ``snippet()`` gives it (for PostgreSQL): about ``tokens`` tokens around
    the first hit, the tokens matching a query word between the markers, ``…`` where text was cut."""
    toks = text_.split()
    words = {w for ws, _ in query.terms for w in ws}
    prefixes = {ws[-1] for ws, p in query.terms if p}

    def matches(word: str) -> bool:
        w = norm(word)
        return w in words or any(w.startswith(p) for p in prefixes)

    def marked(tok: str) -> str:  # the matching words of a token, without its punctuation (as FTS5)
        return _WORD.sub(lambda m: f"{_MARK_ON}{m.group(0)}{_MARK_OFF}" if matches(m.group(0)) else m.group(0), tok)

    marks = [any(matches(w) for w in _WORD.findall(t)) for t in toks]
    first = next((i for i, m in enumerate(marks) if m), 0)
    a = max(0, min(first - tokens // 3, len(toks) - tokens))
    b = min(len(toks), a + tokens)
    body = " ".join(marked(t) for t in toks[a:b])
    return ("…" if a > 0 else "") + body + ("…" if b < len(toks) else "")


def _snippet(s: str) -> list[dict[str, Any]]:
    """FTS5 snippet with markers -> [{text, hit}] (no HTML in the data: pages escape it)."""
    buf: list[str]
    out, hit, buf = [], False, []
    for ch in s:
        if ch in (_MARK_ON, _MARK_OFF):
            if buf:
                out.append({"text": "".join(buf), "hit": hit})
                buf = []
            hit = ch == _MARK_ON
        else:
            buf.append(ch)
    if buf:
        out.append({"text": "".join(buf), "hit": hit})
    return out


def review_clause(state: str, calls: str = "c") -> str:
    """SQL for "the call (table or alias ``calls``) has a finding in review ``state``" (current
    reviews only; ``stale``: a review whose finding changed or is gone). ``state`` must be one of
    :data:`REVIEW_STATES` (checked: nothing from the request reaches the SQL text)."""
    if state not in REVIEW_STATES or not calls.isidentifier():
        raise ValueError(state)
    cur = ("SELECT 1 FROM findings f JOIN reviews r ON r.finding_id = f.finding_id AND r.fingerprint = f.fingerprint "
           f"WHERE f.call_id = {calls}.call_id")
    judge = "(" + ",".join(f"'{v}'" for v in JUDGE_VERDICTS) + ")"
    if state == "unreviewed":
        return f"({calls}.n_findings > 0 AND NOT EXISTS ({cur}))"
    if state == "judged":
        return f"EXISTS ({cur} AND r.verdict IN {judge})"
    if state == "stale":
        return ("EXISTS (SELECT 1 FROM reviews r LEFT JOIN findings f ON f.finding_id = r.finding_id "
                f"WHERE r.call_id = {calls}.call_id AND (f.finding_id IS NULL OR f.fingerprint != r.fingerprint))")
    v = {"confirmed": "confirm", "rejected": "reject", "unsure": "unsure", "disputed": "dispute",
         "acknowledged": "acknowledge"}[state]
    return f"EXISTS ({cur} AND r.verdict = '{v}')"


def search(engine: Engine, q: str, *, scope: tuple[str, str | None], speaker: str | None = None,
           agent: str | None = None, mistake: int | None = None, date_from: str | None = None,
           date_to: str | None = None, reviewed: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Search the transcripts (``q``) or, without words, list the findings of matching calls.

    Parameters
    ----------
    scope : (kind, agent)
        From :func:`callcheck.serve.access.call_scope`: which calls the user may see.
    speaker : 'agent', 'caller' or None
    agent, mistake, date_from, date_to, reviewed
        Filters on the call (agent name, a mistake 1..8 among its findings, ISO dates inclusive,
        a review state of :data:`REVIEW_STATES`).
    """
    kind, me = scope
    params: dict[str, Any]
    where, params = ["1=1"], {"limit": int(max(1, min(limit, 200))), "offset": int(max(0, offset))}
    if kind == "none":
        return {"query": q, "total": 0, "hits": [], "mode": "text"}
    if kind == "agent":
        where.append("c.agent = :me")
        params["me"] = me
    if agent:
        where.append("c.agent = :agent")
        params["agent"] = agent
    if mistake is not None:
        where.append("c.mistakes LIKE :mk")
        params["mk"] = f"%,{int(mistake)},%"
    if date_from:
        where.append("c.date >= :df")
        params["df"] = date_from
    if date_to:
        where.append("c.date <= :dt")
        params["dt"] = date_to
    if reviewed:
        where.append(review_clause(reviewed))
    query = parse_query(q)
    with engine.connect() as conn:
        if query is None:
            fw = list(where)
            if mistake is not None:
                fw.append("f.mistake = :m")
                params["m"] = int(mistake)
            sql = (f"SELECT f.finding_id, f.call_id, f.rule_id, f.mistake, f.severity, f.start_s, f.end_s, f.message, "
                   f"f.quote, c.agent, c.date FROM findings f JOIN calls c ON c.call_id = f.call_id WHERE {' AND '.join(fw)} "
                   f"ORDER BY c.date DESC, f.call_id, f.position LIMIT :limit OFFSET :offset")
            rows = conn.execute(text(sql), params).all()
            total = conn.execute(text(f"SELECT count(*) FROM findings f JOIN calls c ON c.call_id = f.call_id WHERE {' AND '.join(fw)}"),
                                 params).scalar()
            hits = [{"kind": "finding", "finding_id": r.finding_id, "call_id": r.call_id, "agent": r.agent, "date": r.date,
                     "rule_id": r.rule_id, "mistake": r.mistake, "severity": r.severity, "start_s": r.start_s,
                     "end_s": r.end_s, "message": r.message, "quote": r.quote,
                     "snippet": [{"text": r.quote or r.message or "", "hit": False}]} for r in rows]
            return {"query": q, "total": int(total or 0), "hits": hits, "mode": "findings"}
        if speaker in ("agent", "caller"):
            where.append("t.speaker = :spk")
            params["spk"] = speaker
        if engine.dialect.name == "postgresql":  # the tsvector column of migration 0003
            params["match"] = pg_tsquery(query)
            base = (f"FROM turns t JOIN calls c ON c.call_id = t.call_id "
                    f"WHERE t.tsv @@ to_tsquery('simple', :match) AND {' AND '.join(where)}")
            sql = (f"SELECT t.call_id, t.idx, t.speaker, t.start_s, t.end_s, t.text, t.word_starts, c.agent, c.date, "
                   f"t.text AS snip {base} "
                   f"ORDER BY ts_rank(t.tsv, to_tsquery('simple', :match)) DESC, c.date DESC, t.call_id, t.idx "
                   f"LIMIT :limit OFFSET :offset")
            turn_rows: Sequence[Any] = [SimpleNamespace(**{**dict(r._mapping), "snip": mark_snippet(query, r.text)})
                                        for r in conn.execute(text(sql), params).all()]
        else:
            params["match"] = query.fts
            base = (f"FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid JOIN calls c ON c.call_id = t.call_id "
                    f"WHERE turns_fts MATCH :match AND {' AND '.join(where)}")
            sql = (f"SELECT t.call_id, t.idx, t.speaker, t.start_s, t.end_s, t.text, t.word_starts, c.agent, c.date, "
                   f"snippet(turns_fts, 0, '{_MARK_ON}', '{_MARK_OFF}', '…', 14) AS snip {base} "
                   f"ORDER BY bm25(turns_fts), c.date DESC LIMIT :limit OFFSET :offset")
            turn_rows = conn.execute(text(sql), params).all()
        total = conn.execute(text(f"SELECT count(*) {base}"), params).scalar()
    hits = []
    for r in turn_rows:
        starts = json.loads(r.word_starts)
        at = _jump(query, r.text, starts)
        hits.append({"kind": "turn", "call_id": r.call_id, "agent": r.agent, "date": r.date, "speaker": r.speaker,
                     "turn": r.idx, "turn_start_s": r.start_s, "start_s": at if at is not None else r.start_s,
                     "snippet": _snippet(r.snip)})
    return {"query": q, "total": int(total or 0), "hits": hits, "mode": "text"}
