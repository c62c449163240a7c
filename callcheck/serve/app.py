"""The web application of ``callcheck serve``: Starlette routes for the pages and the JSON API.

Why Starlette (+ uvicorn): a small, well-kept ASGI toolkit (BSD) with what this server needs and
nothing it does not — routing, Jinja2 templates, range-aware ``FileResponse`` for streaming audio,
gzip — without a validation/ORM layer to learn. Every route resolves the session first, checks CSRF
on state-changing requests, then asks :mod:`callcheck.serve.access` what the user may see; a
resource the user may not see answers 404 exactly as a missing one does.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from callcheck.serve import access, auth, coaching, db, reviews
from callcheck.serve.audio import AudioUnavailable, playable_file
from callcheck.serve.i18n import texts
from callcheck.serve.index import Indexer
from callcheck.serve.search import REVIEW_STATES, search
from callcheck.serve.source import load_call, source_for
from callcheck.serve.timeline import timeline_svg
from callcheck.serve.views import caveat, finding_views, measure_rows, mmss, transcript_turns

__all__ = ["create_app", "ServeState", "COOKIE", "CSP"]

COOKIE = "cc_session"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
MAX_COMMENT_CHARS = 2000
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass
class ServeState:
    """What the routes share: the results folder, the database and the index."""

    out_dir: Path
    engine: Engine
    indexer: Indexer
    env: Environment
    allowed_hosts: tuple[str, ...] | None = None
    audio_logged: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Ctx:
    request: Request
    session: auth.Session | None
    user: auth.User | None
    lang: str

    @property
    def t(self) -> dict[str, str]:
        return texts(self.lang)

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session else ""


def _q(s: Any) -> str:
    return urllib.parse.quote(str(s), safe="")


def _env() -> Environment:
    env = Environment(loader=PackageLoader("callcheck.serve", "templates"), autoescape=select_autoescape(("html", "j2")),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["urlq"] = _q
    env.filters["mmss"] = mmss
    env.filters["pct"] = lambda x: "–" if x is None else f"{x:.0%}"
    env.filters["iv"] = lambda v: "–" if not v else f"{v[0]:.0%}–{v[1]:.0%}"
    return env


def _safe_next(v: str | None, default: str = "/calls") -> str:
    if not v or not v.startswith("/") or v.startswith("//") or "\\" in v or any(ord(c) < 32 for c in v):
        return default
    return v


def _ip(request: Request) -> str:
    return request.client.host if request.client else "-"


class App:
    """Route handlers bound to one :class:`ServeState`."""

    def __init__(self, state: ServeState) -> None:
        self.s = state

    # --- plumbing ---------------------------------------------------------------------------------
    def ctx(self, request: Request) -> Ctx:
        sess = auth.get_session(self.s.engine, request.cookies.get(COOKIE))
        user = sess.user if sess else None
        lang = user.language if user else ("en" if request.headers.get("accept-language", "de")[:2].lower() == "en" else "de")
        return Ctx(request, sess, user, lang)

    def render(self, c: Ctx, name: str, status: int = 200, **kw: Any) -> HTMLResponse:
        html = self.s.env.get_template(name).render(
            t=c.t, lang=c.lang, user=c.user, csrf=c.csrf, path=c.request.url.path,
            sees_team=bool(c.user and access.sees_team(c.user)), can_coach=bool(c.user and access.can_coach(c.user)),
            can_audit=bool(c.user and access.can_see_audit(c.user)), **kw)
        return HTMLResponse(html, status_code=status)

    def not_found(self, c: Ctx, api: bool) -> Response:
        if api:
            return JSONResponse({"error": "not found"}, status_code=404)
        return self.render(c, "error.html.j2", status=404, title=c.t["page_not_found"], message=c.t["not_found_text"])

    def forbidden(self, c: Ctx, api: bool, why: str = "forbidden") -> Response:
        if api:
            return JSONResponse({"error": why}, status_code=403)
        return self.render(c, "error.html.j2", status=403, title="403", message=why)

    def need_login(self, c: Ctx, api: bool) -> Response:
        if api:
            return JSONResponse({"error": "login required"}, status_code=401)
        nxt = c.request.url.path + (f"?{c.request.url.query}" if c.request.url.query else "")
        return RedirectResponse(f"/login?next={_q(nxt)}", status_code=303)

    def set_cookie(self, request: Request, resp: Response, token: str) -> None:
        resp.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")

    async def body(self, request: Request) -> dict[str, Any]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json":
            try:
                data = json.loads(await request.body() or b"{}")
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            return {k: v for k, v in form.items() if isinstance(v, str)}
        return {}

    def origin_ok(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:  # same-origin navigations and non-browser clients send none
            return True
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        return origin == own

    async def csrf_ok(self, c: Ctx, data: dict[str, Any]) -> bool:
        sent = c.request.headers.get("x-csrf-token") or data.get("csrf_token")
        return self.origin_ok(c.request) and auth.check_csrf(c.session, sent)

    def audit(self, c: Ctx, action: str, call_id: str | None = None, detail: str | None = None) -> None:
        from sqlalchemy import insert

        u = c.user
        with self.s.engine.begin() as conn:
            conn.execute(insert(db.audit).values(at=db.now_iso(), user_id=u.id if u else None, username=u.username if u else None,
                                                 role=u.role if u else None, action=action, call_id=call_id,
                                                 detail=detail, ip=_ip(c.request)))

    def call_row(self, c: Ctx, call_id: str):
        """The index row of a call the user may see, else None."""
        self.s.indexer.maybe_sync()
        with self.s.engine.connect() as conn:
            row = conn.execute(select(db.calls).where(db.calls.c.call_id == call_id)).first()
        if row is None or c.user is None or not access.can_see_call(c.user, row.agent):
            return None
        return row

    def load(self, row) -> dict[str, Any] | None:
        try:
            return load_call(source_for(self.s.out_dir, row.record_path)).data
        except (OSError, ValueError):
            return None

    # --- login ------------------------------------------------------------------------------------
    async def login_page(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user:
            return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
        resp_token = None
        if c.session is None:
            token, csrf = auth.new_session(self.s.engine, None)
            c = Ctx(request, auth.get_session(self.s.engine, token), None, c.lang)
            resp_token = token
        resp = self.render(c, "login.html.j2", next=_safe_next(request.query_params.get("next")), error="")
        if resp_token:
            self.set_cookie(request, resp, resp_token)
        return resp

    async def login(self, request: Request) -> Response:
        c = self.ctx(request)
        data = await self.body(request)
        if not await self.csrf_ok(c, data):
            return self.forbidden(c, False, "CSRF token missing or wrong")
        username = str(data.get("username") or "").strip()[:100]
        password = str(data.get("password") or "")
        nxt = _safe_next(data.get("next"))
        ip = _ip(request)
        if auth.rate_limited(self.s.engine, username, ip):
            self.audit(c, "login_limited", detail=username)
            resp: Response = self.render(c, "login.html.j2", status=429, next=nxt, error=c.t["login_limited"])
            resp.headers["Retry-After"] = str(auth.LOGIN_WINDOW_S)
            return resp
        user = await run_in_threadpool(auth.authenticate, self.s.engine, username, password)
        auth.record_attempt(self.s.engine, username, ip, user is not None)
        if user is None:
            self.audit(c, "login_failed", detail=username)
            return self.render(c, "login.html.j2", status=401, next=nxt, error=c.t["login_failed"])
        token, _ = auth.new_session(self.s.engine, user, replace_token=request.cookies.get(COOKIE))
        self.audit(Ctx(request, None, user, user.language), "login")
        resp = RedirectResponse(nxt, status_code=303)
        self.set_cookie(request, resp, token)
        return resp

    async def logout(self, request: Request) -> Response:
        c = self.ctx(request)
        data = await self.body(request)
        if not await self.csrf_ok(c, data):
            return self.forbidden(c, False, "CSRF token missing or wrong")
        auth.drop_session(self.s.engine, request.cookies.get(COOKIE))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    async def set_language(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        data = await self.body(request)
        if not await self.csrf_ok(c, data):
            return self.forbidden(c, False, "CSRF token missing or wrong")
        lang = str(data.get("language") or "")
        if lang in auth.LANGUAGES:
            auth.set_language(self.s.engine, c.user.id, lang)
        return RedirectResponse(_safe_next(data.get("next")), status_code=303)

    async def root(self, request: Request) -> Response:
        return RedirectResponse("/calls", status_code=303)

    # --- JSON API ---------------------------------------------------------------------------------
    async def api_session(self, request: Request) -> Response:
        c = self.ctx(request)
        resp_token = None
        if c.session is None:
            resp_token, _ = auth.new_session(self.s.engine, None)
            c = Ctx(request, auth.get_session(self.s.engine, resp_token), None, c.lang)
        u = c.user
        resp = JSONResponse({"user": u.username if u else None, "role": u.role if u else None,
                             "agent": u.agent if u else None, "language": c.lang, "csrf_token": c.csrf})
        if resp_token:
            self.set_cookie(request, resp, resp_token)
        return resp

    def _list_calls(self, c: Ctx, params) -> dict[str, Any]:
        assert c.user is not None  # the callers send anonymous requests to the login
        self.s.indexer.maybe_sync()
        cl = db.calls
        q = select(cl).where(access.call_filter(c.user))
        if params.get("agent"):
            q = q.where(cl.c.agent == params["agent"])
        if params.get("mistake", "").isdigit():
            q = q.where(cl.c.mistakes.like(f"%,{int(params['mistake'])},%"))
        if params.get("date_from"):
            q = q.where(cl.c.date >= params["date_from"])
        if params.get("date_to"):
            q = q.where(cl.c.date <= params["date_to"])
        if params.get("reviewed") in REVIEW_STATES:
            from sqlalchemy import text as sqltext

            from callcheck.serve.search import review_clause

            q = q.where(sqltext(review_clause(params["reviewed"], "calls")))
        limit = max(1, min(500, int(params.get("limit") or 100))) if str(params.get("limit") or "100").isdigit() else 100
        offset = int(params.get("offset")) if str(params.get("offset") or "").isdigit() else 0
        with self.s.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(q.subquery())).scalar()
            rows = conn.execute(q.order_by(cl.c.date.desc(), cl.c.call_id).limit(limit).offset(offset)).all()
            ids = [r.call_id for r in rows]
            revs = reviews.reviews_by_finding(conn, call_ids=ids)
            fps: dict[str, list[tuple[str, str]]] = {}
            for f in conn.execute(select(db.findings.c.finding_id, db.findings.c.call_id, db.findings.c.fingerprint)
                                  .where(db.findings.c.call_id.in_(ids))):
                fps.setdefault(f.call_id, []).append((f.finding_id, f.fingerprint))
        out = []
        for r in rows:
            judged = disputed = stale = 0
            for fid, fp in fps.get(r.call_id, ()):
                st = reviews.finding_state(revs.get(fid, ()), fp)
                judged += st["judgement"] is not None
                disputed += st["response"] == "dispute"
                stale += st["stale_reviews"] > 0
            out.append({"call_id": r.call_id, "agent": r.agent, "date": r.date, "duration_s": r.duration_s,
                        "language": r.language, "layout": r.layout, "findings": r.n_findings,
                        "mistakes": [int(x) for x in r.mistakes.strip(",").split(",") if x],
                        "judged": judged, "disputed": disputed, "stale": stale})
        return {"total": int(total or 0), "limit": limit, "offset": offset, "calls": out}

    async def api_calls(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, True)
        return JSONResponse(self._list_calls(c, dict(request.query_params)))

    def _call_detail(self, c: Ctx, row) -> dict[str, Any] | None:
        data = self.load(row)
        if data is None:
            return None
        fs = data.get("findings") or []
        with self.s.engine.connect() as conn:
            revs = reviews.reviews_by_finding(conn, call_ids=[row.call_id])
        states = {f["id"]: reviews.finding_state(revs.get(f["id"], ()), f["fingerprint"]) for f in fs}
        current = {f["id"] for f in fs}
        orphans = [dict(r, stale=True) for fid, rs in revs.items() if fid not in current for r in rs]
        return {"data": data, "states": states, "history": revs, "orphans": orphans}

    async def api_call(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, True)
        row = self.call_row(c, request.path_params["call_id"])
        if row is None:
            return self.not_found(c, True)
        d = self._call_detail(c, row)
        if d is None:
            return self.not_found(c, True)
        self.audit(c, "open_call_api", row.call_id)
        data = d["data"]
        keep = ("schema_version", "call_id", "agent", "date", "file_date", "duration_s", "language", "layout", "separation",
                "notes", "speakers", "conversation", "greeting", "words", "turns", "overlaps", "strengths", "promises",
                "judgement")
        out = {k: data.get(k) for k in keep if k in data}
        out["findings"] = [dict(f, review=d["states"][f["id"]],
                                reviews=[{k: v for k, v in r.items() if k not in ("user_id",)} | {"stale": r["fingerprint"] != f["fingerprint"]}
                                         for r in d["history"].get(f["id"], ())]) for f in data.get("findings") or []]
        out["orphaned_reviews"] = [{k: v for k, v in r.items() if k != "user_id"} for r in d["orphans"]]
        out["audio_url"] = f"/api/calls/{_q(row.call_id)}/audio"
        out["verdicts"] = list(access.verdicts_for(c.user))
        return JSONResponse(out)

    async def api_audio(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, True)
        row = self.call_row(c, request.path_params["call_id"])
        if row is None:
            return self.not_found(c, True)
        try:
            path, media = await run_in_threadpool(playable_file, self.s.out_dir, row.call_id, row.source)
        except AudioUnavailable:
            return self.not_found(c, True)
        key = (c.session.token_hash if c.session else "", row.call_id)
        if key not in self.s.audio_logged:
            with self.s.lock:
                self.s.audio_logged.add(key)
            self.audit(c, "audio", row.call_id)
        return FileResponse(path, media_type=media, headers={"Cache-Control": "private, max-age=3600"})

    async def api_review(self, request: Request) -> Response:
        c = self.ctx(request)
        is_api = request.url.path.startswith("/api/")
        data = await self.body(request)
        form = "application/json" not in request.headers.get("content-type", "")
        if c.user is None:
            return self.need_login(c, not form)
        if not await self.csrf_ok(c, data):
            return self.forbidden(c, is_api and not form, "CSRF token missing or wrong")
        fid = request.path_params["finding_id"]
        with self.s.engine.connect() as conn:
            frow = conn.execute(select(db.findings).where(db.findings.c.finding_id == fid)).first()
        row = self.call_row(c, frow.call_id) if frow is not None else None
        if frow is None or row is None:
            return self.not_found(c, not form)
        verdict = str(data.get("verdict") or "")
        comment = str(data.get("comment") or "").strip()
        if verdict not in access.VERDICTS:
            return JSONResponse({"error": f"verdict must be one of {', '.join(access.VERDICTS)}"}, status_code=400)
        if verdict not in access.verdicts_for(c.user):
            return self.forbidden(c, not form, f"role {c.user.role} cannot {verdict}")
        if len(comment) > MAX_COMMENT_CHARS:
            return JSONResponse({"error": f"comment longer than {MAX_COMMENT_CHARS} characters"}, status_code=400)
        if verdict == "dispute" and not comment:
            return JSONResponse({"error": "a dispute needs a comment (why the finding is wrong)"}, status_code=400)
        rev = reviews.add_review(self.s.engine, c.user, dict(frow._mapping), verdict, comment)
        self.audit(c, "review", frow.call_id, f"{fid} {verdict}")
        if form:
            return RedirectResponse(f"/calls/{_q(frow.call_id)}#f-{_q(fid)}", status_code=303)
        with self.s.engine.connect() as conn:
            revs = reviews.reviews_by_finding(conn, [fid])
        state = reviews.finding_state(revs.get(fid, ()), frow.fingerprint)
        return JSONResponse({"review": {k: v for k, v in rev.items() if k != "user_id"}, "state": state})

    def _agreement(self) -> dict[str, Any]:

        return {"method": "jeffreys", "level": 0.9,
                "rules": [r.to_json() for r in reviews.agreement(self.s.engine)]}

    async def api_agreement(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, True)
        self.s.indexer.maybe_sync()
        return JSONResponse(self._agreement())

    def _search(self, c: Ctx, p) -> dict[str, Any]:
        assert c.user is not None  # the callers send anonymous requests to the login
        self.s.indexer.maybe_sync()
        mistake = int(p["mistake"]) if str(p.get("mistake") or "").isdigit() else None
        reviewed = p.get("reviewed") if p.get("reviewed") in REVIEW_STATES else None
        limit = int(p["limit"]) if str(p.get("limit") or "").isdigit() else 50
        offset = int(p["offset"]) if str(p.get("offset") or "").isdigit() else 0
        return search(self.s.engine, str(p.get("q") or ""), scope=access.call_scope(c.user),
                      speaker=p.get("speaker") or None, agent=p.get("agent") or None, mistake=mistake,
                      date_from=p.get("date_from") or None, date_to=p.get("date_to") or None, reviewed=reviewed,
                      limit=limit, offset=offset)

    async def api_search(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, True)
        return JSONResponse(self._search(c, dict(request.query_params)))

    def _team(self, c: Ctx) -> dict[str, Any]:
        assert c.user is not None  # the callers send anonymous requests to the login
        from callcheck.rules import RULE_IDS

        self.s.indexer.maybe_sync()
        with self.s.engine.connect() as conn:
            rows = conn.execute(select(db.calls.c.agent, db.calls.c.mistakes)).all()
        n = len(rows)
        team = {m: (sum(f",{m}," in r.mistakes for r in rows) / n if n else None) for m in RULE_IDS}
        out: dict[str, Any] = {"calls": n, "mistake_share": {str(m): v for m, v in team.items()}, "agents": None, "mine": None}
        if access.sees_team(c.user):
            by: dict[str, list[str]] = {}
            for r in rows:
                by.setdefault("" if r.agent is None else r.agent, []).append(r.mistakes)
            out["agents"] = [{"agent": a or None, "calls": len(ms),
                              "mistake_share": {str(m): sum(f",{m}," in x for x in ms) / len(ms) for m in RULE_IDS}}
                             for a, ms in sorted(by.items(), key=lambda kv: kv[0].lower())]
        elif c.user.agent:
            mine = [r.mistakes for r in rows if r.agent == c.user.agent]
            out["mine"] = {"calls": len(mine), "mistake_share": {str(m): (sum(f",{m}," in x for x in mine) / len(mine)) if mine else None
                                                                 for m in RULE_IDS}}
        return out

    async def api_team(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, True)
        return JSONResponse(self._team(c))

    def _agent(self, c: Ctx, agent: str) -> dict[str, Any] | None:
        assert c.user is not None  # the callers send anonymous requests to the login
        from callcheck.rules import RULE_IDS

        if not access.can_see_agent(c.user, agent):
            return None
        self.s.indexer.maybe_sync()
        with self.s.engine.connect() as conn:
            rows = conn.execute(select(db.calls.c.call_id, db.calls.c.date, db.calls.c.mistakes, db.calls.c.duration_s,
                                       db.calls.c.n_findings).where(db.calls.c.agent == agent)
                                .order_by(db.calls.c.date, db.calls.c.call_id)).all()
            all_rows = conn.execute(select(db.calls.c.mistakes)).all()
        records = coaching.coachings_of(self.s.engine, agent)
        if not rows and not records:
            return None
        n, N = len(rows), len(all_rows)
        shares = [{"mistake": m, "share": (sum(f",{m}," in r.mistakes for r in rows) / n) if n else None,
                   "team_share": (sum(f",{m}," in r.mistakes for r in all_rows) / N) if N else None} for m in RULE_IDS]
        effects = [dict(coaching.coaching_effect(self.s.engine, agent, r["mistake"], r["date"]), id=r["id"], note=r["note"],
                        recorded_by=r["recorded_by"]) for r in records]
        calls_ = [{"call_id": r.call_id, "date": r.date, "duration_s": r.duration_s, "findings": r.n_findings,
                   "mistakes": [int(x) for x in r.mistakes.strip(",").split(",") if x]} for r in rows]
        return {"agent": agent, "calls": calls_, "mistakes": shares, "coachings": effects}

    async def api_agent(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, True)
        d = self._agent(c, request.path_params["name"])
        return self.not_found(c, True) if d is None else JSONResponse(d)

    # --- pages ------------------------------------------------------------------------------------
    async def page_calls(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        p = defaultdict(str, request.query_params)
        data = self._list_calls(c, p)
        agents = []
        if access.sees_team(c.user):
            with self.s.engine.connect() as conn:
                agents = [r[0] for r in conn.execute(select(db.calls.c.agent).distinct().order_by(db.calls.c.agent)) if r[0] is not None]
        return self.render(c, "calls.html.j2", data=data, p=p, agents=agents, meta=self._meta(c), states=REVIEW_STATES)

    def _meta(self, c: Ctx) -> dict[int, dict[str, Any]]:
        from callcheck.report.aggregate import mistake_meta

        return mistake_meta(c.lang)

    async def page_call(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        row = self.call_row(c, request.path_params["call_id"])
        if row is None:
            return self.not_found(c, False)
        d = self._call_detail(c, row)
        if d is None:
            return self.not_found(c, False)
        self.audit(c, "open_call", row.call_id)
        data = d["data"]
        fviews = finding_views(data.get("findings") or [], d["states"], d["history"], c.lang)
        labels = {k: c.t[k] for k in ("agent", "caller", "findings", "interruption", "backchannel", "dead_air", "hold", "timeline")}
        svg = timeline_svg(data, [dict(f, title=f["title"]) for f in fviews], labels)
        measures, quality = measure_rows(data, c.lang)
        sessions = coaching.list_sessions(self.s.engine) if access.can_coach(c.user) else []
        strengths = [{"kind": s.get("kind"), "text": s.get("text") or "", "start_s": s.get("start_s"), "end_s": s.get("end_s"),
                      "time": mmss(s.get("start_s"))} for s in data.get("strengths") or [] if isinstance(s, dict)]
        promises = [{"kind": s.get("kind"), "text": s.get("text") or "", "start_s": s.get("start_s"), "time": mmss(s.get("start_s"))}
                    for s in data.get("promises") or [] if isinstance(s, dict)]
        t0 = request.query_params.get("t")
        try:
            t0f = float(t0) if t0 is not None else None
        except ValueError:
            t0f = None
        # start the listening copy now, so it is ready when the user presses play
        threading.Thread(target=self._warm_audio, args=(row.call_id, row.source), daemon=True).start()
        return self.render(c, "call.html.j2", call=data, row=row, findings=fviews, svg=svg, measures=measures, quality=quality,
                           turns=transcript_turns(data, c.lang), verdicts=access.verdicts_for(c.user), sessions=sessions,
                           strengths=strengths, promises=promises, caveat=caveat(data, c.lang), t0=t0f,
                           orphans=d["orphans"], audio_url=f"/api/calls/{_q(row.call_id)}/audio",
                           duration=mmss(row.duration_s))

    def _warm_audio(self, call_id: str, source: str | None) -> None:
        try:
            playable_file(self.s.out_dir, call_id, source)
        except Exception:  # the audio route reports it when asked
            pass

    async def page_search(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        p = defaultdict(str, request.query_params)
        res = self._search(c, p) if any(p.get(k) for k in ("q", "mistake", "reviewed", "agent", "date_from", "date_to")) else None
        agents = []
        if access.sees_team(c.user):
            with self.s.engine.connect() as conn:
                agents = [r[0] for r in conn.execute(select(db.calls.c.agent).distinct().order_by(db.calls.c.agent)) if r[0] is not None]
        return self.render(c, "search.html.j2", res=res, p=p, agents=agents, meta=self._meta(c), states=REVIEW_STATES)

    async def page_rules(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        from callcheck.config import Config
        from callcheck.rules import list_rules

        self.s.indexer.maybe_sync()
        ag = {r["rule_id"]: r for r in self._agreement()["rules"]}
        rules = [{"info": r, "agreement": ag.get(r.rule_id)} for r in list_rules(config=Config().rules, language=c.lang)]
        return self.render(c, "rules.html.j2", rules=rules, agreement=list(ag.values()), meta=self._meta(c))

    async def page_team(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        return self.render(c, "team.html.j2", team=self._team(c), meta=self._meta(c), agreement=self._agreement()["rules"])

    async def page_agent(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        d = self._agent(c, request.path_params["name"])
        if d is None:
            return self.not_found(c, False)
        return self.render(c, "agent.html.j2", a=d, meta=self._meta(c), sessions=coaching.list_sessions(self.s.engine) if access.can_coach(c.user) else [])

    async def page_me(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        if c.user.role == "agent" and c.user.agent:
            return RedirectResponse(f"/agents/{_q(c.user.agent)}", status_code=303)
        return RedirectResponse("/team", status_code=303)

    async def page_audit(self, request: Request) -> Response:
        c = self.ctx(request)
        if c.user is None:
            return self.need_login(c, False)
        if not access.can_see_audit(c.user):
            return self.not_found(c, False)
        with self.s.engine.connect() as conn:
            rows = conn.execute(select(db.audit).order_by(db.audit.c.id.desc()).limit(500)).all()
        return self.render(c, "audit.html.j2", rows=rows)

    # --- coaching (trainers and supervisors) -----------------------------------------------------
    async def _coach_ctx(self, request: Request, post: bool) -> tuple[Ctx, dict[str, Any], Response | None]:
        c = self.ctx(request)
        data = await self.body(request) if post else {}
        if c.user is None:
            return c, data, self.need_login(c, False)
        if post and not await self.csrf_ok(c, data):
            return c, data, self.forbidden(c, False, "CSRF token missing or wrong")
        if not access.can_coach(c.user):
            return c, data, self.not_found(c, False)
        return c, data, None

    async def page_sessions(self, request: Request) -> Response:
        c, _, err = await self._coach_ctx(request, False)
        if err:
            return err
        return self.render(c, "sessions.html.j2", sessions=coaching.list_sessions(self.s.engine), agents=self._agents())

    def _agents(self) -> list[str]:
        with self.s.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(db.calls.c.agent).distinct().order_by(db.calls.c.agent)) if r[0] is not None]

    async def create_session(self, request: Request) -> Response:
        c, data, err = await self._coach_ctx(request, True)
        if err:
            return err
        assert c.user is not None  # _coach_ctx has answered anonymous requests (err)
        sid = coaching.create_session(self.s.engine, title=str(data.get("title") or ""), created_by=c.user.username,
                                      agent=str(data.get("agent") or "") or None, date=str(data.get("date") or "") or None,
                                      notes=str(data.get("notes") or ""), language=data["language"] if data.get("language") in auth.LANGUAGES else c.lang)
        return RedirectResponse(f"/sessions/{sid}", status_code=303)

    def _sid(self, request: Request) -> int | None:
        v = request.path_params.get("sid", "")
        return int(v) if str(v).isdigit() else None

    async def page_session(self, request: Request) -> Response:
        c, _, err = await self._coach_ctx(request, False)
        if err:
            return err
        sid = self._sid(request)
        s = coaching.get_session(self.s.engine, sid) if sid is not None else None
        if s is None:
            return self.not_found(c, False)
        return self.render(c, "session.html.j2", s=s, meta=self._meta(c), agents=self._agents())

    async def update_session(self, request: Request) -> Response:
        c, data, err = await self._coach_ctx(request, True)
        if err:
            return err
        sid = self._sid(request)
        if sid is None or coaching.get_session(self.s.engine, sid) is None:
            return self.not_found(c, False)
        coaching.update_session(self.s.engine, sid, title=str(data.get("title") or ""), agent=str(data.get("agent") or "") or None,
                                date=str(data.get("date") or "") or None, notes=str(data.get("notes") or ""),
                                language=data["language"] if data.get("language") in auth.LANGUAGES else c.lang)
        return RedirectResponse(f"/sessions/{sid}", status_code=303)

    async def add_item(self, request: Request) -> Response:
        c, data, err = await self._coach_ctx(request, True)
        if err:
            return err
        sid = self._sid(request)
        if sid is None or coaching.get_session(self.s.engine, sid) is None:
            return self.not_found(c, False)
        fid = str(data.get("finding_id") or "") or None
        call_id = str(data.get("call_id") or "")
        if fid:
            with self.s.engine.connect() as conn:
                f = conn.execute(select(db.findings).where(db.findings.c.finding_id == fid)).first()
            if f is None:
                return self.not_found(c, False)
            call_id = f.call_id
        if self.call_row(c, call_id) is None:
            return self.not_found(c, False)

        def fnum(k: str) -> float | None:
            try:
                return float(data[k]) if data.get(k) not in (None, "") else None
            except ValueError:
                return None
        coaching.add_item(self.s.engine, sid, kind="finding" if fid else "moment", call_id=call_id, finding_id=fid,
                          start_s=fnum("start_s"), end_s=fnum("end_s"), note=str(data.get("note") or "")[:MAX_COMMENT_CHARS])
        return RedirectResponse(_safe_next(data.get("next"), f"/sessions/{sid}"), status_code=303)

    async def item_action(self, request: Request) -> Response:
        c, data, err = await self._coach_ctx(request, True)
        if err:
            return err
        sid = self._sid(request)
        iid = request.path_params.get("iid", "")
        if sid is None or not str(iid).isdigit() or coaching.get_session(self.s.engine, sid) is None:
            return self.not_found(c, False)
        act = request.path_params["action"]
        if act == "up":
            coaching.move_item(self.s.engine, sid, int(iid), -1)
        elif act == "down":
            coaching.move_item(self.s.engine, sid, int(iid), +1)
        elif act == "remove":
            coaching.remove_item(self.s.engine, sid, int(iid))
        else:
            return self.not_found(c, False)
        return RedirectResponse(f"/sessions/{sid}", status_code=303)

    async def export_session(self, request: Request) -> Response:
        c, data, err = await self._coach_ctx(request, True)
        if err:
            return err
        sid = self._sid(request)
        if sid is None or coaching.get_session(self.s.engine, sid) is None:
            return self.not_found(c, False)
        dest = self.s.out_dir / "serve" / "exports" / f"session-{sid}"
        folder = await run_in_threadpool(coaching.export_session, self.s.engine, self.s.out_dir, sid, dest)
        blob = await run_in_threadpool(coaching.zip_folder, folder)
        self.audit(c, "export_session", detail=str(sid))
        return Response(blob, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="coaching-session-{sid}.zip"'})

    async def record_coaching(self, request: Request) -> Response:
        c, data, err = await self._coach_ctx(request, True)
        if err:
            return err
        assert c.user is not None  # _coach_ctx has answered anonymous requests (err)
        agent = str(data.get("agent") or "")
        sid = int(data["session_id"]) if str(data.get("session_id") or "").isdigit() else None
        try:
            coaching.record_coaching(self.s.engine, agent=agent, mistake=int(data.get("mistake") or 0),
                                     date=str(data.get("date") or ""), recorded_by=c.user.username, session_id=sid,
                                     note=str(data.get("note") or "")[:MAX_COMMENT_CHARS])
        except (coaching.CoachingError, ValueError) as exc:
            return self.render(c, "error.html.j2", status=400, title="400", message=str(exc))
        return RedirectResponse(f"/agents/{_q(agent)}", status_code=303)


def _security_headers(app: Callable) -> Callable:
    async def wrapped(scope, receive, send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
                            (b"cross-origin-opener-policy", b"same-origin"),
                            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
                if not path.startswith("/static/") and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def _host_guard(app: Callable, allowed: tuple[str, ...] | None) -> Callable:
    """Refuse requests whose Host header is not ours (DNS rebinding) when bound to loopback."""
    async def wrapped(scope, receive, send) -> None:
        if scope["type"] == "http" and allowed is not None:
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
            if name not in allowed:
                resp = JSONResponse({"error": "unknown host"}, status_code=421)
                await resp(scope, receive, send)
                return
        await app(scope, receive, send)

    return wrapped


def create_app(out_dir: Path, *, url: str | None = None, allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS,
               sync: bool = True) -> Starlette:
    """The ASGI app serving ``out_dir`` (database ``DIR/serve/callcheck.db`` unless ``url``).

    Parameters
    ----------
    out_dir : Path
        A results folder of ``callcheck analyze`` (``calls/*.json``).
    url : str or None
        Database URL (default SQLite in ``out_dir``).
    allowed_hosts : tuple of str or None
        Host names the server answers to (default: loopback names only); None accepts any.
    sync : bool
        Index the results folder now (else at the first request that needs it).
    """
    out_dir = Path(out_dir)
    engine = db.open_engine(out_dir, url=url)
    indexer = Indexer(engine, out_dir)
    if sync:
        indexer.sync()
    state = ServeState(out_dir, engine, indexer, _env(), allowed_hosts)
    a = App(state)
    static = Path(__file__).with_name("static")
    routes = [
        Route("/", a.root), Route("/login", a.login_page, methods=["GET"]), Route("/login", a.login, methods=["POST"]),
        Route("/logout", a.logout, methods=["POST"]), Route("/settings/language", a.set_language, methods=["POST"]),
        Route("/api/session", a.api_session), Route("/api/calls", a.api_calls), Route("/api/calls/{call_id}", a.api_call),
        Route("/api/calls/{call_id}/audio", a.api_audio),
        Route("/api/findings/{finding_id}/review", a.api_review, methods=["POST"]),
        Route("/api/rules/agreement", a.api_agreement), Route("/api/search", a.api_search), Route("/api/team", a.api_team),
        Route("/api/agents/{name:path}", a.api_agent),
        Route("/calls", a.page_calls), Route("/calls/{call_id}", a.page_call), Route("/search", a.page_search),
        Route("/rules", a.page_rules), Route("/team", a.page_team), Route("/agents/{name:path}", a.page_agent),
        Route("/me", a.page_me), Route("/audit", a.page_audit),
        Route("/sessions", a.page_sessions, methods=["GET"]), Route("/sessions", a.create_session, methods=["POST"]),
        Route("/sessions/{sid}", a.page_session, methods=["GET"]), Route("/sessions/{sid}", a.update_session, methods=["POST"]),
        Route("/sessions/{sid}/items", a.add_item, methods=["POST"]),
        Route("/sessions/{sid}/items/{iid}/{action}", a.item_action, methods=["POST"]),
        Route("/sessions/{sid}/export", a.export_session, methods=["POST"]),
        Route("/coachings", a.record_coaching, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        c = a.ctx(request)
        return a.not_found(c, request.url.path.startswith("/api/"))

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "method not allowed"}, status_code=405)

    app = Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=1000)],
                    exception_handlers={404: not_found, 405: method_not_allowed})
    app.state.serve = state
    outer = _host_guard(_security_headers(app), allowed_hosts)
    outer.serve_state = state  # type: ignore[attr-defined]
    return outer  # type: ignore[return-value]
