"""Coaching sessions for trainers and the record of who was coached on what, and its effect.

A session is an ordered list of moments across calls — findings, or any stretch a trainer picks as
good practice — with notes, a date and the agent it is for. :func:`export_session` writes it as a
self-contained folder: one WAV clip and one transcript per moment, ``outline.md`` and ``index.html``
(no external resources) in the session's language. A *coaching record* ("agent X coached on
mistake N on date D") makes the agent page show that mistake's rate before and after D.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from callcheck.errors import CallcheckError
from callcheck.fsutil import atomic_write, make_dirs
from callcheck.serve import db
from callcheck.serve.reviews import jeffreys_interval
from callcheck.serve.source import load_call, source_for

__all__ = ["CoachingError", "create_session", "list_sessions", "get_session", "update_session", "add_item",
           "move_item", "remove_item", "record_coaching", "coachings_of", "coaching_effect", "export_session",
           "zip_folder", "CLIP_PAD_S", "CLIP_MAX_S"]

CLIP_PAD_S = 2.0     # seconds of context before and after a moment in an exported clip
CLIP_MAX_S = 40.0    # longest exported clip


class CoachingError(CallcheckError):
    """A coaching session or record cannot be changed as asked."""


def create_session(engine: Engine, *, title: str, created_by: str, agent: str | None = None, date: str | None = None,
                   notes: str = "", language: str = "de") -> int:
    now = db.now_iso()
    with engine.begin() as conn:
        return int(conn.execute(insert(db.coaching_sessions).values(
            title=title.strip()[:200] or "—", agent=agent or None, date=date or None, notes=notes, language=language,
            created_by=created_by, created_at=now, updated_at=now)).inserted_primary_key[0])  # type: ignore[index]  # one-row INSERT


def list_sessions(engine: Engine) -> list[dict[str, Any]]:
    s, i = db.coaching_sessions, db.coaching_items
    with engine.connect() as conn:
        n: dict[Any, int] = dict(conn.execute(select(i.c.session_id, func.count()).group_by(i.c.session_id)).all())
        return [dict(r._mapping, n_items=int(n.get(r.id, 0))) for r in conn.execute(select(s).order_by(s.c.id.desc()))]


def get_session(engine: Engine, session_id: int) -> dict[str, Any] | None:
    s, i = db.coaching_sessions, db.coaching_items
    with engine.connect() as conn:
        row = conn.execute(select(s).where(s.c.id == session_id)).first()
        if row is None:
            return None
        items = [dict(r._mapping) for r in conn.execute(select(i).where(i.c.session_id == session_id).order_by(i.c.position, i.c.id))]
        fids = [it["finding_id"] for it in items if it["finding_id"]]
        frows = {r.finding_id: dict(r._mapping) for r in conn.execute(select(db.findings).where(db.findings.c.finding_id.in_(fids)))}
        cids = list({it["call_id"] for it in items})
        crows = {r.call_id: dict(r._mapping) for r in conn.execute(select(db.calls.c.call_id, db.calls.c.agent, db.calls.c.date,
                                                                          db.calls.c.record_path).where(db.calls.c.call_id.in_(cids)))}
    for it in items:
        it["finding"] = frows.get(it["finding_id"]) if it["finding_id"] else None
        it["call"] = crows.get(it["call_id"])
    return dict(row._mapping, items=items)


def update_session(engine: Engine, session_id: int, *, title: str, agent: str | None, date: str | None, notes: str,
                   language: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(db.coaching_sessions).where(db.coaching_sessions.c.id == session_id).values(
            title=title.strip()[:200] or "—", agent=agent or None, date=date or None, notes=notes, language=language,
            updated_at=db.now_iso()))


def add_item(engine: Engine, session_id: int, *, kind: str, call_id: str, finding_id: str | None = None,
             start_s: float | None = None, end_s: float | None = None, note: str = "") -> int:
    if kind not in ("finding", "moment"):
        raise CoachingError(f"item kind {kind!r} is not finding or moment")
    i = db.coaching_items
    with engine.begin() as conn:
        pos = conn.execute(select(func.coalesce(func.max(i.c.position), 0)).where(i.c.session_id == session_id)).scalar_one()
        iid = conn.execute(insert(i).values(session_id=session_id, position=int(pos) + 1, kind=kind, finding_id=finding_id,
                                            call_id=call_id, start_s=start_s, end_s=end_s, note=note,
                                            created_at=db.now_iso())).inserted_primary_key[0]  # type: ignore[index]  # one-row INSERT
        conn.execute(update(db.coaching_sessions).where(db.coaching_sessions.c.id == session_id).values(updated_at=db.now_iso()))
    return int(iid)


def move_item(engine: Engine, session_id: int, item_id: int, delta: int) -> None:
    """Swap the item with its neighbour (``delta`` −1 up, +1 down); positions renumbered 1..n."""
    i = db.coaching_items
    with engine.begin() as conn:
        ids = [r.id for r in conn.execute(select(i.c.id).where(i.c.session_id == session_id).order_by(i.c.position, i.c.id))]
        if item_id not in ids:
            return
        k = ids.index(item_id)
        j = max(0, min(len(ids) - 1, k + delta))
        ids[k], ids[j] = ids[j], ids[k]
        for pos, iid in enumerate(ids, 1):
            conn.execute(update(i).where(i.c.id == iid).values(position=pos))


def remove_item(engine: Engine, session_id: int, item_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(db.coaching_items).where(db.coaching_items.c.id == item_id,
                                                     db.coaching_items.c.session_id == session_id))


def record_coaching(engine: Engine, *, agent: str, mistake: int, date: str, recorded_by: str,
                    session_id: int | None = None, note: str = "") -> int:
    import datetime as _dt

    from callcheck.rules import RULE_IDS

    if int(mistake) not in RULE_IDS:
        raise CoachingError(f"mistake {mistake!r} is not one of 1..8")
    try:
        date = _dt.date.fromisoformat(date).isoformat()
    except (TypeError, ValueError):
        raise CoachingError(f"date {date!r} is not an ISO date (YYYY-MM-DD)") from None
    if not agent:
        raise CoachingError("a coaching record needs the agent's name")
    with engine.begin() as conn:
        return int(conn.execute(insert(db.coachings).values(agent=agent, mistake=int(mistake), date=date, session_id=session_id,
                                                            note=note, recorded_by=recorded_by,
                                                            created_at=db.now_iso())).inserted_primary_key[0])  # type: ignore[index]  # one-row INSERT


def coachings_of(engine: Engine, agent: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(db.coachings).where(db.coachings.c.agent == agent)
                                                       .order_by(db.coachings.c.date, db.coachings.c.id))]


def coaching_effect(engine: Engine, agent: str, mistake: int, date: str) -> dict[str, Any]:
    """The agent's share of calls with ``mistake`` before ``date`` and after it (the day itself not
    counted), with the call counts behind each and a 90 % Jeffreys interval."""
    c = db.calls
    with engine.connect() as conn:
        rows = conn.execute(select(c.c.date, c.c.mistakes).where(c.c.agent == agent, c.c.date.is_not(None))).all()
    tag = f",{int(mistake)},"
    out: dict[str, Any] = {"agent": agent, "mistake": int(mistake), "date": date}
    for name, sel in (("before", [r for r in rows if r.date < date]), ("after", [r for r in rows if r.date > date])):
        n = len(sel)
        x = sum(tag in (r.mistakes or "") for r in sel)
        iv = jeffreys_interval(x, n)
        out[name] = {"calls": n, "with_mistake": x, "share": x / n if n else None,
                     "interval90": None if iv is None else [round(iv[0], 4), round(iv[1], 4)]}
    return out


def _turns_text(call: Mapping[str, Any], a: float, b: float, lang: str) -> str:
    from callcheck.report.aggregate import mmss

    who = {"agent": "Agent" if lang == "en" else "Agent", "caller": "Caller" if lang == "en" else "Anrufer"}
    lines = []
    for t in call.get("turns") or []:
        if isinstance(t, Mapping) and (t.get("end_s") or 0) >= a and (t.get("start_s") or 0) <= b:
            lines.append(f"[{mmss(t.get('start_s'))}] {who.get(str(t.get('speaker')), t.get('speaker'))}: {t.get('text', '')}")
    return "\n".join(lines) + "\n"


def _muted(audio: Any, call: Mapping[str, Any]) -> Any:
    """The decoded call with its redacted spans muted (``privacy.spans``), before any clip is cut."""
    from dataclasses import replace

    from callcheck.privacy.audio import mute_record_audio, record_intervals

    if audio is None or not record_intervals(call):
        return audio
    return replace(audio, samples=mute_record_audio(audio.samples, audio.sample_rate, call))


def export_session(engine: Engine, out_dir: Path, session_id: int, dest: Path) -> Path:
    """Write the session as a self-contained folder under ``dest`` and return it."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    from callcheck.report.aggregate import evidence_summary, mistake_meta, mmss
    from callcheck.report.audio import AudioCache, cut, wav_bytes
    from callcheck.serve.i18n import texts

    s = get_session(engine, session_id)
    if s is None:
        raise CoachingError(f"no coaching session {session_id}")
    lang = s["language"] if s["language"] in ("de", "en") else "de"
    t = texts(lang)
    meta = mistake_meta(lang)
    folder = Path(dest)
    make_dirs(folder)
    audio = AudioCache(max_items=2)
    moments = []
    for k, it in enumerate(s["items"], 1):
        call_row = it["call"]
        if call_row is None:
            continue
        try:
            call = load_call(source_for(out_dir, call_row["record_path"])).data
        except (OSError, ValueError):
            continue
        f = next((x for x in call.get("findings") or [] if x.get("id") == it["finding_id"]), None) if it["finding_id"] else None
        a = it["start_s"] if it["start_s"] is not None else (f or {}).get("start_s") or 0.0
        b = it["end_s"] if it["end_s"] is not None else (f or {}).get("end_s") or a
        a, b = float(a), float(b)
        stem = f"{k:02d}"
        lo, hi = max(0.0, a - CLIP_PAD_S), min(a - CLIP_PAD_S + CLIP_MAX_S, b + CLIP_PAD_S)
        transcript = _turns_text(call, lo, hi, lang)
        atomic_write(folder / f"{stem}.txt", transcript)
        piece = cut(_muted(audio.get(call.get("source")), call), a, b, pad_s=CLIP_PAD_S, max_s=CLIP_MAX_S)
        wav = None
        if piece is not None:
            atomic_write(folder / f"{stem}.wav", wav_bytes(*piece))
            wav = f"{stem}.wav"
        m = meta.get(int(f["mistake"])) if f and isinstance(f.get("mistake"), int) else None
        moments.append({"n": k, "stem": stem, "wav": wav, "txt": f"{stem}.txt", "kind": it["kind"], "call_id": call.get("call_id"),
                        "time": mmss(a), "end_time": mmss(b), "note": it["note"], "transcript": transcript.strip(),
                        "title": m["title"] if m else t["good_practice"], "message": (f or {}).get("message", ""),
                        "evidence": evidence_summary((f or {}).get("evidence") or {}), "advice": m["advice"] if m else [],
                        "exercise": m["exercise"] if m else "", "quote": m["quote"] if m else ""})
    env = Environment(loader=PackageLoader("callcheck.serve", "templates"), autoescape=select_autoescape(("html", "j2")),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    ctx = {"s": s, "t": t, "lang": lang, "moments": moments}
    atomic_write(folder / "index.html", env.get_template("export_index.html.j2").render(ctx))
    md = Environment(loader=PackageLoader("callcheck.serve", "templates"), autoescape=False, undefined=StrictUndefined,
                     trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    atomic_write(folder / "outline.md", md.get_template("export_outline.md.j2").render(ctx))
    atomic_write(folder / "session.json", json.dumps({"session": {k: v for k, v in s.items() if k != "items"},
                                                      "moments": moments}, ensure_ascii=False, indent=1, default=str) + "\n")
    return folder


def zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(Path(folder).rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                z.write(p, arcname=f"{Path(folder).name}/{p.relative_to(folder)}")
    return buf.getvalue()
