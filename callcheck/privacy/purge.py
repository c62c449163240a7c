"""``callcheck forget``: remove every trace of calls from a results folder.

A call is selected by its id (``--call``), its agent (``--agent``: every call of that agent and
the agent's own traces) or its date (``--before``: the call's ``date``, else the recording's
file date, else the day it was analysed). :func:`forget` then removes, in this order:

1. the files of each call: ``calls/<id>.json``, ``judgements/<id>.json``, ``private/<id>.json``
   (clear text), its transcript-cache entries in ``private/transcripts/`` (found by the audio's
   hash; kept while another remaining record was made from the same audio), the web app's muted
   listening copies ``serve/audio/<id>.*.opus``, its rows in ``failures.csv``;
2. the server database (``serve/callcheck.db``), if there is one: the call's index rows
   (``calls``, ``findings``, ``turns`` and the full-text index), reviews, coaching-session items;
   for an agent also coaching records and sessions for that agent and the agent's user accounts
   (with their sessions and login attempts). Audit entries are kept as accountability (who looked
   at what, when) but no longer name the call: ``call_id`` is cleared and the detail becomes
   ``forgotten call`` (for an agent's accounts the user name becomes ``forgotten user``). The
   database is then compacted (FTS ``optimize``, WAL checkpoint, ``VACUUM``; deletes run with
   ``secure_delete``) so no freed page still holds the text;
3. the reports: judged and rendered again from the remaining calls (an agent page without calls
   is removed), or removed when no call is left; exports in ``exports/`` are written again from
   the cleaned database (removed without one);
4. a sweep of every other file under the folder (and of ``also`` folders, e.g. trainer clips
   written elsewhere with ``callcheck clips --to``): a file whose name carries a forgotten call id
   is removed; a file whose text still names one is removed in ``also`` folders and reported
   otherwise (``leftovers``: not made by callcheck, so not touched).

``privacy.retention_days`` runs the same with ``before`` = today minus that many days at the start
of every ``callcheck analyze`` (:func:`apply_retention`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from callcheck.errors import CallcheckError
from callcheck.fsutil import atomic_write

__all__ = ["ForgetError", "ForgetSummary", "Target", "select_calls", "forget", "apply_retention", "FORGOTTEN"]

FORGOTTEN = "forgotten call"
FORGOTTEN_USER = "forgotten user"
#: folders whose files are callcheck's own derived outputs (re-rendered or removed by forget)
_REPORT_FILES = ("index.html", "team.csv")
_TEXT_SUFFIXES = {".json", ".html", ".md", ".csv", ".txt", ".jsonl", ".tsv", ".xml", ".svg", ".js", ".log"}


class ForgetError(CallcheckError):
    """``callcheck forget`` was asked something it cannot do."""


@dataclass(frozen=True)
class Target:
    """A call to forget: its id, agent, date and the SHA-256 of its audio (for the cache)."""

    call_id: str
    agent: str | None = None
    date: str | None = None
    input_sha256: str | None = None


@dataclass(frozen=True)
class ForgetSummary:
    """What :func:`forget` removed (``lines``: one per file or group, for printing)."""

    targets: tuple[Target, ...]
    agents: tuple[str, ...]
    lines: tuple[str, ...]
    removed_files: tuple[str, ...]
    db_rows: dict[str, int] = field(default_factory=dict)
    leftovers: tuple[str, ...] = ()
    dry_run: bool = False


# ------------------------------------------------------------------------------------ selection


def _record_keys(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _date_of(data: dict[str, Any]) -> str | None:
    for key in ("date", "file_date", "analysed_at"):
        v = data.get(key)
        if isinstance(v, str) and len(v) >= 10:
            try:
                return _dt.date.fromisoformat(v[:10]).isoformat()
            except ValueError:
                continue
    return None


def select_calls(out_dir: Path, *, call_ids: Sequence[str] = (), agents: Sequence[str] = (),
                 before: str | None = None) -> list[Target]:
    """The calls of ``out_dir`` that match any of the criteria (an id given that has no record is
    still a target: its other traces are removed)."""
    out_dir = Path(out_dir)
    wanted = set(call_ids)
    agent_set = set(agents)
    found: dict[str, Target] = {}
    for f in sorted((out_dir / "calls").glob("*.json")) if (out_dir / "calls").is_dir() else []:
        data = _record_keys(f)
        cid = str(data.get("call_id") or f.stem)
        agent = data.get("agent")
        date = _date_of(data)
        sha = data.get("input_sha256") if isinstance(data.get("input_sha256"), str) else None
        hit = cid in wanted or f.stem in wanted or (agent is not None and str(agent) in agent_set) or (
            before is not None and date is not None and date < before)
        if hit:
            found[f.stem] = Target(f.stem, None if agent is None else str(agent), date, sha)
    for cid in wanted:
        if cid not in found:
            found[cid] = Target(cid)
    return sorted(found.values(), key=lambda t: t.call_id)


# ------------------------------------------------------------------------------------- helpers


def _id_pattern(ids: Iterable[str]) -> re.Pattern[str] | None:
    """A call id as a whole token: not inside a longer id (``a001`` does not match ``a0011``); a
    finding id (``a001.M3_IMPATIENT.1200``) and a file (``a001.json``) name their call, ``a001.5``
    is another call."""
    ids = sorted(set(ids), key=len, reverse=True)
    if not ids:
        return None
    alt = "|".join(re.escape(i) for i in ids)
    return re.compile(rf"(?<![A-Za-z0-9_\-.])(?:{alt})(?![A-Za-z0-9_\-]|\.\d)", re.IGNORECASE)


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted({n for n in names if n and n.strip()}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(re.escape(n) for n in names), re.IGNORECASE)


def _slug(text: str) -> str:
    import unicodedata

    a = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", a).strip("._-")


def _db_file(out_dir: Path) -> Path:
    """The server's SQLite file (``callcheck.serve.db.db_path``, without importing the server)."""
    return Path(out_dir) / "serve" / "callcheck.db"


class _Log:
    def __init__(self, out_dir: Path, dry_run: bool) -> None:
        self.out_dir = out_dir
        self.dry_run = dry_run
        self.lines: list[str] = []
        self.files: list[str] = []

    def rel(self, p: Path) -> str:
        try:
            return str(p.relative_to(self.out_dir))
        except ValueError:
            return str(p)

    def remove(self, p: Path, what: str = "") -> None:
        if not (p.is_file() or p.is_symlink()):
            return
        self.files.append(str(p))
        self.lines.append(f"removed {self.rel(p)}" + (f" ({what})" if what else ""))
        if not self.dry_run:
            p.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------ database


def _forget_in_db(out_dir: Path, ids: Sequence[str], agents: Sequence[str], log: _Log) -> dict[str, int]:
    """Delete/mark the database rows of the calls and agents; compact the file."""
    import os

    path = _db_file(out_dir)
    pg_url = os.environ.get("CALLCHECK_DB_URL")  # the server's database by URL (PostgreSQL), as serve opens it
    if not path.is_file() and not pg_url:
        return {}
    try:
        from sqlalchemy import delete, func, or_, select, text, update

        from callcheck.serve import db
    except ImportError:
        raise ForgetError(f"{path}: the server database can only be cleaned with the server's packages: "
                          "pip install 'callcheck[serve]', then run forget again") from None

    engine = db.open_engine(out_dir)
    sqlite = engine.dialect.name == "sqlite"
    path = path if sqlite else Path(db.database_url(out_dir).split("@", 1)[-1])  # named without the password
    counts: dict[str, int] = {}
    id_rx = _id_pattern(ids)

    def add(name: str, n: int | None) -> None:
        if n:
            counts[name] = counts.get(name, 0) + int(n)

    try:
        with engine.begin() as conn:
            if sqlite:
                conn.execute(text("PRAGMA secure_delete=ON"))
            agent_calls = set()
            if agents:
                agent_calls = {r.call_id for r in conn.execute(select(db.calls.c.call_id).where(db.calls.c.agent.in_(list(agents))))}
            all_ids = sorted(set(ids) | agent_calls)
            id_rx = _id_pattern(all_ids)
            for t in (db.turns, db.findings, db.reviews, db.coaching_items):
                if all_ids:
                    q = (select(func.count()).select_from(t).where(t.c.call_id.in_(all_ids)))
                    n = conn.execute(q).scalar()
                    if not log.dry_run:
                        conn.execute(delete(t).where(t.c.call_id.in_(all_ids)))
                    add(t.name, n)
            if all_ids:
                n = conn.execute(select(func.count()).select_from(db.calls).where(db.calls.c.call_id.in_(all_ids))).scalar()
                if not log.dry_run:
                    conn.execute(delete(db.calls).where(db.calls.c.call_id.in_(all_ids)))
                add("calls", n)
            # audit: kept, but no longer naming the call
            a = db.audit
            rows = conn.execute(select(a.c.id, a.c.call_id, a.c.detail)).all()
            marked = [r.id for r in rows if (r.call_id is not None and r.call_id in all_ids)
                      or (id_rx is not None and r.detail and id_rx.search(r.detail))]
            if marked and not log.dry_run:
                conn.execute(update(a).where(a.c.id.in_(marked)).values(call_id=None, detail=FORGOTTEN))
            add("audit entries marked 'forgotten call'", len(marked))
            if agents:
                cs = db.coaching_sessions
                sids = [r.id for r in conn.execute(select(cs.c.id).where(cs.c.agent.in_(list(agents))))]
                if sids:
                    add("coaching_items", conn.execute(select(func.count()).select_from(db.coaching_items)
                                                       .where(db.coaching_items.c.session_id.in_(sids))).scalar())
                    if not log.dry_run:
                        conn.execute(delete(db.coaching_items).where(db.coaching_items.c.session_id.in_(sids)))
                        conn.execute(delete(cs).where(cs.c.id.in_(sids)))
                    add("coaching_sessions", len(sids))
                n = conn.execute(select(func.count()).select_from(db.coachings).where(db.coachings.c.agent.in_(list(agents)))).scalar()
                if not log.dry_run:
                    conn.execute(delete(db.coachings).where(db.coachings.c.agent.in_(list(agents))))
                add("coachings", n)
                u = db.users
                users = conn.execute(select(u.c.id, u.c.username).where(u.c.agent.in_(list(agents)))).all()
                if users:
                    uids = [x.id for x in users]
                    names = [x.username for x in users]
                    if not log.dry_run:
                        conn.execute(update(a).where(or_(a.c.user_id.in_(uids), a.c.username.in_(names)))
                                     .values(username=FORGOTTEN_USER, user_id=None))
                        conn.execute(update(a).where(a.c.detail.in_(names)).values(detail=FORGOTTEN_USER))
                        conn.execute(delete(db.sessions).where(db.sessions.c.user_id.in_(uids)))
                        conn.execute(delete(db.login_attempts).where(db.login_attempts.c.username.in_(names)))
                        conn.execute(delete(u).where(u.c.id.in_(uids)))
                    add("users", len(users))
                # free text naming the agent elsewhere (review comments, session notes)
                name_rx = _name_pattern(agents)
                for t, col in ((db.reviews, "comment"), (db.coaching_sessions, "notes"), (db.coaching_sessions, "title"),
                               (db.coaching_items, "note"), (db.coachings, "note")):
                    c = t.c[col]
                    for r in conn.execute(select(t.c.id, c)).all():
                        val = r[1]
                        if val and name_rx is not None and name_rx.search(val):
                            if not log.dry_run:
                                conn.execute(update(t).where(t.c.id == r.id).values({col: name_rx.sub("[forgotten]", val)}))
                            add(f"{t.name}.{col} texts cleaned", 1)
        if not log.dry_run and counts:
            _compact(engine)
    finally:
        engine.dispose()
    if counts:
        log.lines.append("database " + log.rel(path) + ": " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return counts


def _compact(engine: Any) -> None:
    """Leave no freed page with the deleted text: SQLite FTS ``optimize``, WAL checkpoint and
    ``VACUUM``; PostgreSQL ``VACUUM`` of the tables that held it (the search vectors are a column
    of ``turns`` and go with the rows)."""
    from sqlalchemy import text

    if engine.dialect.name != "sqlite":
        raw = engine.raw_connection()  # VACUUM runs outside a transaction only
        try:
            raw.rollback()  # the pool's ping opened a transaction
            raw.driver_connection.autocommit = True
            cur = raw.cursor()
            for t in ("turns", "findings", "calls", "audit"):
                cur.execute(f"VACUUM {t}")
            cur.close()
        finally:
            raw.close()
        return
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO turns_fts(turns_fts) VALUES('optimize')"))
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        conn.exec_driver_sql("VACUUM")
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


# ------------------------------------------------------------------------------------ main entry


def forget(out_dir: Path, *, call_ids: Sequence[str] = (), agents: Sequence[str] = (), before: str | None = None,
           dry_run: bool = False, also: Sequence[Path] = (), config: Any = None, rerender: bool = True) -> ForgetSummary:
    """Remove every trace of the selected calls (and agents) from ``out_dir``; see the module doc.

    Parameters
    ----------
    out_dir : Path
        A results folder of ``callcheck analyze``.
    call_ids, agents : sequence of str
        Calls by id; agents by name (every call of theirs, and their own traces).
    before : str or None
        ISO date: calls dated before it.
    dry_run : bool
        Only list what would be removed.
    also : sequence of Path
        More folders to sweep (trainer clips exported elsewhere).
    config : Config or None
        Settings for re-rendering the reports (None: the defaults).
    rerender : bool
        Judge and render the reports again from the remaining calls (``analyze`` passes False:
        it renders after the batch anyway).
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ForgetError(f"{out_dir}: no such results folder")
    if not call_ids and not agents and before is None:
        raise ForgetError("say what to forget: --call ID, --agent NAME or --before DATE")
    targets = select_calls(out_dir, call_ids=call_ids, agents=agents, before=before)
    ids = [t.call_id for t in targets]
    log = _Log(out_dir, dry_run)
    remaining_shas = set()
    id_set = set(ids)
    for f in (out_dir / "calls").glob("*.json") if (out_dir / "calls").is_dir() else []:
        if f.stem not in id_set:
            sha = _record_keys(f).get("input_sha256")
            if isinstance(sha, str):
                remaining_shas.add(sha[:16])
    # 1. per-call files (and the judge's index, which lists every call's id and agent)
    if targets and not dry_run:
        (out_dir / ".cache" / "judge-index.json").unlink(missing_ok=True)
    for t in targets:
        log.remove(out_dir / "calls" / f"{t.call_id}.json", "record")
        log.remove(out_dir / "judgements" / f"{t.call_id}.json", "judgement")
        log.remove(out_dir / "private" / f"{t.call_id}.json", "clear text")
        if t.input_sha256 and t.input_sha256[:16] not in remaining_shas:
            cache = out_dir / "private" / "transcripts"
            entries = sorted(cache.glob(f"{t.input_sha256[:16]}.*.json")) if cache.is_dir() else []
            for p in entries:
                log.files.append(str(p))
                if not dry_run:
                    p.unlink(missing_ok=True)
            if entries:
                log.lines.append(f"removed {len(entries)} transcript cache entr{'y' if len(entries) == 1 else 'ies'} of {t.call_id}")
        for p in sorted((out_dir / "serve" / "audio").glob(f"{t.call_id}.*.opus")) if (out_dir / "serve" / "audio").is_dir() else []:
            log.remove(p, "listening copy")
    _clean_failures(out_dir, ids, log)
    # 2. the database
    db_rows = _forget_in_db(out_dir, ids, agents, log)
    # 3. reports and exports
    if not dry_run:
        _rerender(out_dir, config, log, rerender=rerender)
        _reexport(out_dir, log)
    # 4. sweep (a dry run lists only files named after a call: the pages are not rendered again)
    names = list(agents)
    leftovers = _sweep(out_dir, ids, names, log, also=also, contents=not dry_run)
    if dry_run and (out_dir / "index.html").exists():
        log.lines.append("the reports would be judged and rendered again from the remaining calls")
    if not targets and not db_rows:
        log.lines.append("nothing to forget: no call matches")
    return ForgetSummary(tuple(targets), tuple(agents), tuple(log.lines), tuple(log.files), db_rows,
                         tuple(leftovers), dry_run)


def _clean_failures(out_dir: Path, ids: Sequence[str], log: _Log) -> None:
    f = out_dir / "failures.csv"
    if not f.is_file() or not ids:
        return
    rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"))))
    if not rows:
        return
    keep = [rows[0]] + [r for r in rows[1:] if not (len(r) > 1 and r[1] in set(ids))]
    if len(keep) == len(rows):
        return
    log.lines.append(f"removed {len(rows) - len(keep)} row(s) of failures.csv")
    if not log.dry_run:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(keep)
        atomic_write(f, buf.getvalue())


def _rerender(out_dir: Path, config: Any, log: _Log, *, rerender: bool) -> None:
    has_reports = any((out_dir / n).exists() for n in _REPORT_FILES) or (out_dir / "agents").is_dir()
    left = list((out_dir / "calls").glob("*.json")) if (out_dir / "calls").is_dir() else []
    if not left:
        for n in _REPORT_FILES:
            log.remove(out_dir / n, "report")
        if (out_dir / "agents").is_dir():
            for p in sorted((out_dir / "agents").rglob("*")):
                log.remove(p, "report")
            shutil.rmtree(out_dir / "agents", ignore_errors=True)
        return
    if not (has_reports and rerender):
        return
    from callcheck.api import _judge_and_render
    from callcheck.config import as_config

    try:
        _judge_and_render(out_dir, as_config(config))
        log.lines.append("judged and rendered the reports again from the remaining calls")
    except Exception as exc:  # the forgotten files are gone either way; say why the pages are not fresh
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.lines.append(f"warning: the reports could not be rendered again ({first}); run callcheck report {out_dir}")


def _reexport(out_dir: Path, log: _Log) -> None:
    folder = out_dir / "exports"
    if not folder.is_dir():
        return
    for p in sorted(folder.iterdir()):
        m = re.fullmatch(r"(calls|findings|reviews)\.(csv|parquet)", p.name)
        if not m or not _db_file(out_dir).is_file():
            continue
        from callcheck.privacy.pseudonyms import folder_uses_pseudonyms
        from callcheck.serve import db
        from callcheck.serve.export import export

        engine = db.open_engine(out_dir)
        try:
            export(engine, m.group(1), m.group(2), p, pseudonyms=out_dir if folder_uses_pseudonyms(out_dir) else None)
        finally:
            engine.dispose()
        log.lines.append(f"wrote {log.rel(p)} again from the cleaned database")


def _sweep(out_dir: Path, ids: Sequence[str], agents: Sequence[str], log: _Log, *, also: Sequence[Path],
           contents: bool = True) -> list[str]:
    """Remove files named after a forgotten call; report (or, in ``also`` folders, remove) files
    whose text still names one or a forgotten agent."""
    id_rx = _id_pattern(list(ids) + [_slug(i) for i in ids])
    name_rx = _name_pattern(list(agents) + [_slug(a) for a in agents])
    if id_rx is None and name_rx is None:
        return []
    dbf = _db_file(out_dir)
    skip = {dbf} | {dbf.with_name(dbf.name + s) for s in ("-wal", "-shm")}
    leftovers: list[str] = []
    for root, owned in [(out_dir, False)] + [(Path(a), True) for a in also]:
        if not root.is_dir():
            continue
        for p in sorted(root.rglob("*")):
            if not p.is_file() or p in skip or p.name.startswith(".") and p.name.endswith(".tmp"):
                continue
            if str(p) in log.files:
                continue
            stem = re.sub(r"^\d+_", "", p.name)  # trainer clips: 01_<call id>.wav
            if id_rx is not None and id_rx.search(stem) or name_rx is not None and name_rx.search(p.stem):
                log.remove(p, "named after a forgotten call" if id_rx is not None and id_rx.search(stem) else "named after a forgotten agent")
                continue
            if not contents or p.suffix.lower() not in _TEXT_SUFFIXES or p.stat().st_size > 200_000_000:
                continue
            try:
                txt = p.read_text(encoding="utf-8", errors="ignore")
            except OSError:
                continue
            if id_rx is not None and id_rx.search(txt) or name_rx is not None and name_rx.search(txt):
                if owned or p.parent == out_dir / "exports":
                    log.remove(p, "mentions a forgotten call or agent; export the clips again")
                else:
                    leftovers.append(str(p))
    for left in leftovers:
        log.lines.append(f"warning: {log.rel(Path(left))} still mentions a forgotten call or agent (not made by callcheck; not removed)")
    return leftovers


# ------------------------------------------------------------------------------------ retention


def retention_cutoff(days: int, today: _dt.date | None = None) -> str | None:
    """The ISO date before which calls are forgotten (None when ``days`` is 0: no retention)."""
    if days <= 0:
        return None
    return ((today or _dt.date.today()) - _dt.timedelta(days=days)).isoformat()


def apply_retention(out_dir: Path, days: int, *, config: Any = None) -> ForgetSummary | None:
    """``privacy.retention_days``: forget the calls of ``out_dir`` older than ``days`` days (no
    re-render: the batch renders afterwards). None when retention is off or nothing is due."""
    cutoff = retention_cutoff(days)
    if cutoff is None or not (Path(out_dir) / "calls").is_dir():
        return None
    if not select_calls(out_dir, before=cutoff):
        return None
    return forget(out_dir, before=cutoff, config=config, rerender=False)
