"""The real server (``callcheck serve`` in a subprocess) over HTTP: the access matrix of every API
route for every role, CSRF, session fixation and cookie flags, security headers, escaping of
HTML from names/ids/transcripts on every page, streamed audio with ranges, login rate limiting,
the audit log, reviews across restarts and re-analysis, coaching over HTTP."""

from __future__ import annotations

import io
import json
import time
import urllib.parse
import zipfile

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from serve_support import EVIL_AGENT, EVIL_CALL, EVIL_ID, PASSWORDS, Client, Server, add_users, build_results

ROLES = ("sup", "tom", "anna", "ben", "evil")
AGENT_OF = {"anna": "anna", "ben": "ben", "evil": EVIL_AGENT}


def q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("serve")
    calls = build_results(out)
    add_users(out)
    srv = Server(out).start()
    clients = {}
    for u in ROLES:
        c = Client(srv.url)
        assert c.login(u).status_code == 303
        clients[u] = c
    anon = Client(srv.url)
    anon.session()
    clients["anon"] = anon
    yield {"out": out, "calls": calls, "srv": srv, "c": clients}
    for c in clients.values():
        c.close()
    srv.stop()


def visible(role: str, call: dict) -> bool:
    return role in ("sup", "tom") or call["agent"] == AGENT_OF.get(role)


def test_login_and_session(site):
    s = site["c"]["anna"].session()
    assert (s["user"], s["role"], s["agent"]) == ("anna", "agent", "anna") and len(s["csrf_token"]) >= 32
    a = site["c"]["anon"].session()
    assert a["user"] is None and a["role"] is None


def test_calls_list_shows_only_what_each_role_may_see(site):
    calls = site["calls"]
    for role in ROLES:
        r = site["c"][role].get("/api/calls")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        got = {c["call_id"] for c in r.json()["calls"]}
        assert got == {cid for cid, c in calls.items() if visible(role, c)}, role
        if role in AGENT_OF:  # never another agent's name
            assert {c["agent"] for c in r.json()["calls"]} == {AGENT_OF[role]}
            other = [a for a in ("anna", "ben") if a != AGENT_OF[role]]
            assert all(f'"{a}"' not in r.text for a in other)
    assert site["c"]["anon"].get("/api/calls").status_code == 401


def _first_finding(call):
    from callcheck.serve.source import assign_finding_ids

    return assign_finding_ids(call["call_id"], call["findings"])[0]["id"]


def test_access_matrix_every_route_every_role(site):
    calls = site["calls"]
    for cid, call in calls.items():
        for role in (*ROLES, "anon"):
            cl = site["c"][role]
            want = 401 if role == "anon" else (200 if visible(role, call) else 404)
            assert cl.get(f"/api/calls/{q(cid)}").status_code == want, (role, cid)
            ra = cl.get(f"/api/calls/{q(cid)}/audio", headers={"Range": "bytes=0-15"})
            assert ra.status_code == (206 if want == 200 else want), (role, cid)
            page = cl.get(f"/calls/{q(cid)}")
            assert page.status_code == (303 if role == "anon" else want), (role, cid)
    # a call that does not exist answers exactly like one that is hidden
    hidden = site["c"]["anna"].get("/api/calls/b1")
    missing = site["c"]["anna"].get("/api/calls/nope")
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content
    for role in ROLES:
        cl = site["c"][role]
        assert cl.get("/api/rules/agreement").status_code == 200
        assert cl.get("/api/search", params={"q": "printer"}).status_code == 200
        team = cl.get("/api/team").json()
        assert (team["agents"] is not None) == (role in ("sup", "tom"))
        for a in ("anna", "ben"):
            want = 200 if role in ("sup", "tom") or AGENT_OF.get(role) == a else 404
            assert cl.get(f"/api/agents/{q(a)}").status_code == want
            assert cl.get(f"/agents/{q(a)}").status_code == want
        assert cl.get("/audit").status_code == (200 if role == "sup" else 404)
        assert cl.get("/sessions").status_code == (200 if role in ("sup", "tom") else 404)
    for path in ("/api/rules/agreement", "/api/search?q=x", "/api/team", "/api/agents/anna"):
        assert site["c"]["anon"].get(path).status_code == 401


def test_search_is_scoped_to_visible_calls(site):
    for role in ROLES:
        r = site["c"][role].get("/api/search", params={"q": "printer"}).json()
        ids = {h["call_id"] for h in r["hits"]}
        allowed = {cid for cid, c in site["calls"].items() if visible(role, c)}
        assert ids <= allowed and (ids or role == "anna")
    r = site["c"]["anna"].get("/api/search", params={"q": "printer", "agent": "ben"}).json()
    assert r["total"] == 0  # an agent cannot widen the scope


def test_review_permissions(site):
    calls = site["calls"]
    fa1, fb1 = _first_finding(calls["a1"]), _first_finding(calls["b1"])
    anna, sup, tom = site["c"]["anna"], site["c"]["sup"], site["c"]["tom"]
    path = lambda f: f"/api/findings/{q(f)}/review"
    assert anna.post(path(fb1), json_body={"verdict": "acknowledge", "comment": ""}).status_code == 404
    assert anna.post(path("nope.M3_IMPATIENT.1"), json_body={"verdict": "acknowledge"}).status_code == 404
    assert anna.post(path(fa1), json_body={"verdict": "confirm", "comment": ""}).status_code == 403
    assert anna.post(path(fa1), json_body={"verdict": "dispute", "comment": ""}).status_code == 400
    assert anna.post(path(fa1), json_body={"verdict": "maybe"}).status_code == 400
    r = anna.post(path(fa1), json_body={"verdict": "dispute", "comment": "Ich habe nur kurz bestätigt"})
    assert r.status_code == 200 and r.json()["state"]["response"] == "dispute"
    assert tom.post(path(fa1), json_body={"verdict": "acknowledge"}).status_code == 403
    r = tom.post(path(fa1), json_body={"verdict": "reject", "comment": "ok, that was a backchannel"})
    assert r.status_code == 200 and r.json()["state"] == {**r.json()["state"], "judgement": "reject", "response": "dispute"}
    assert site["c"]["anon"].post(path(fa1), json_body={"verdict": "confirm"}).status_code == 401
    d = anna.get("/api/calls/a1").json()
    f = next(x for x in d["findings"] if x["id"] == fa1)
    assert [x["verdict"] for x in f["reviews"]] == ["dispute", "reject"] and f["review"]["judgement"] == "reject"
    ag = {r["rule_id"]: r for r in sup.get("/api/rules/agreement").json()["rules"]}
    rid = f["rule_id"]
    assert ag[rid]["rejected"] >= 1 and ag[rid]["disputes_upheld"] >= 1


def test_agreement_changes_with_a_review(site):
    sup = site["c"]["sup"]
    fid = _first_finding(site["calls"]["b1"])
    rid = fid.split(".")[1]
    before = {r["rule_id"]: r for r in sup.get("/api/rules/agreement").json()["rules"]}[rid]
    assert sup.post(f"/api/findings/{q(fid)}/review", json_body={"verdict": "confirm", "comment": ""}).status_code == 200
    after = {r["rule_id"]: r for r in sup.get("/api/rules/agreement").json()["rules"]}[rid]
    assert after["confirmed"] == before["confirmed"] + 1 and after["judged"] == before["judged"] + 1
    lo, hi = after["interval90"]
    assert 0 <= lo <= after["agreement"] <= hi <= 1


def test_form_review_without_javascript_redirects_back(site):
    sup = site["c"]["sup"]
    fid = _first_finding(site["calls"]["a3"])
    r = sup.post(f"/api/findings/{q(fid)}/review", data={"verdict": "unsure", "comment": "hm"})
    assert r.status_code == 303 and r.headers["location"] == f"/calls/a3#f-{q(fid)}"


def test_call_list_filters(site):
    sup, anna = site["c"]["sup"], site["c"]["anna"]
    ids = lambda r: {c["call_id"] for c in r.json()["calls"]}
    assert "a1" in ids(sup.get("/api/calls", params={"reviewed": "disputed"}))  # disputed in test_review_permissions
    assert "a1" not in ids(sup.get("/api/calls", params={"reviewed": "unreviewed"}))
    m3 = sup.get("/api/calls", params={"mistake": "3"}).json()["calls"]
    assert m3 and all(3 in c["mistakes"] for c in m3) and "a2" not in {c["call_id"] for c in m3}
    assert ids(sup.get("/api/calls", params={"date_from": "2026-11-09", "date_to": "2026-11-10"})) == {"a2", "b2"}
    assert ids(anna.get("/api/calls", params={"agent": "ben"})) == set()
    assert sup.get("/api/calls", params={"reviewed": "x'; drop table calls; --"}).status_code == 200  # unknown state ignored
    assert sup.get("/api/calls").json()["total"] == len(site["calls"])


def test_csrf_missing_or_wrong_is_403(site):
    sup = site["c"]["sup"]
    fid = _first_finding(site["calls"]["a1"])
    path = f"/api/findings/{q(fid)}/review"
    assert sup.post(path, json_body={"verdict": "confirm"}, csrf=None).status_code == 403
    assert sup.post(path, json_body={"verdict": "confirm"}, csrf="wrong").status_code == 403
    assert sup.post(path, json_body={"verdict": "confirm"}, csrf=site["c"]["tom"].csrf).status_code == 403  # another session's
    assert sup.post(path, json_body={"verdict": "confirm"}, headers={"Origin": "http://evil.example"}).status_code == 403
    for p, data in (("/settings/language", {"language": "de"}), ("/sessions", {"title": "x"}), ("/logout", {}),
                    ("/coachings", {"agent": "anna", "mistake": "3", "date": "2026-11-01"})):
        assert sup.post(p, data=data, csrf=None).status_code == 403, p
        assert sup.post(p, data=data, csrf="nope").status_code == 403, p
    fresh = Client(site["srv"].url)
    fresh.session()
    assert fresh.http.post("/login", data={"username": "sup", "password": PASSWORDS["sup"]}).status_code == 403
    assert fresh.http.post("/login", data={"username": "sup", "password": PASSWORDS["sup"], "csrf_token": "x"}).status_code == 403
    bare = httpx.Client(base_url=site["srv"].url)
    assert bare.post("/login", data={"username": "sup", "password": PASSWORDS["sup"], "csrf_token": "x"}).status_code == 403
    bare.close()
    fresh.close()
    assert sup.get("/api/session").json()["user"] == "sup"  # still logged in


def test_session_fixation_and_cookie_flags(site):
    c = Client(site["srv"].url)
    r = c.http.get("/login")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback; Secure is set when served over https
    planted = c.http.cookies.get("cc_session")
    c.csrf = c.http.get("/api/session").json()["csrf_token"]
    r = c.http.post("/login", data={"username": "ben", "password": PASSWORDS["ben"], "csrf_token": c.csrf})
    assert r.status_code == 303
    new = c.http.cookies.get("cc_session")
    assert new and new != planted
    attacker = httpx.Client(base_url=site["srv"].url, cookies={"cc_session": planted})
    assert attacker.get("/api/calls").status_code == 401  # the pre-login token opens nothing
    attacker.close()
    assert c.get("/api/calls").status_code == 200
    c.session()
    assert c.post("/logout", data={}).status_code == 303
    after = httpx.Client(base_url=site["srv"].url, cookies={"cc_session": new})
    assert after.get("/api/calls").status_code == 401  # logged out means the token is dead
    after.close()
    c.close()


def test_security_headers(site):
    sup = site["c"]["sup"]
    for path in ("/calls", "/api/calls", "/calls/a1", "/login"):
        h = sup.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert "server" not in h or "uvicorn" not in h["server"].lower()
    assert sup.get("/api/calls").headers["cache-control"] == "no-store"
    # DNS rebinding: a foreign Host header is refused on the loopback default
    assert httpx.get(site["srv"].url + "/api/session", headers={"Host": "evil.example"}).status_code == 421


def test_html_from_names_ids_and_transcripts_is_escaped_everywhere(site):
    sup, evil = site["c"]["sup"], site["c"]["evil"]
    pages = ["/calls", "/search?q=paper", "/search?q=printer", "/team", "/rules", "/audit", "/sessions",
             f"/agents/{q(EVIL_AGENT)}", *[f"/calls/{q(cid)}" for cid in site["calls"]], "/search?mistake=3"]
    raw = ["<img src=x onerror", "<script>document.title", EVIL_ID]
    for p in pages:
        r = sup.get(p)
        assert r.status_code == 200, p
        for bad in raw:
            assert bad not in r.text, (p, bad)
    call_page = sup.get("/calls/b2").text
    assert "&lt;script&gt;document.title" in call_page
    assert "alert(1)" not in sup.get("/calls").text  # the forged record is refused, not shown
    assert sup.get(f"/calls/{q(EVIL_ID)}").status_code == 404 and sup.get(f"/api/calls/{q(EVIL_ID)}").status_code == 404
    assert "&lt;img src=x onerror=" in sup.get(f"/calls/{q(EVIL_CALL)}").text
    r = evil.get(f"/calls/{q(EVIL_CALL)}")
    assert r.status_code == 200 and "<img src=x" not in r.text
    # JSON carries the text as data, with a JSON content type (never HTML)
    j = sup.get(f"/api/calls/{q(EVIL_CALL)}")
    assert j.headers["content-type"].startswith("application/json") and j.json()["call_id"] == EVIL_CALL


def test_audio_is_streamed_with_range_requests(site):
    sup = site["c"]["sup"]
    r = sup.get("/api/calls/a1/audio")
    assert r.status_code == 200 and r.headers["content-type"] == "audio/ogg" and r.headers["accept-ranges"] == "bytes"
    assert r.content[:4] == b"OggS" and "content-encoding" not in r.headers
    size = len(r.content)
    wav = (site["out"] / "audio" / "0.wav").stat().st_size
    assert size < wav / 5  # compressed listening copy of the WAV
    p = sup.get("/api/calls/a1/audio", headers={"Range": "bytes=100-199"})
    assert p.status_code == 206 and p.headers["content-range"] == f"bytes 100-199/{size}" and p.content == r.content[100:200]
    assert sup.get("/api/calls/a1/audio", headers={"Range": f"bytes={size + 10}-"}).status_code == 416


def test_login_rate_limiting(site):
    c = Client(site["srv"].url)
    for _ in range(5):
        assert c.login("ghost-user", "wrong-password").status_code == 401
    assert c.login("ghost-user", "wrong-password").status_code == 429
    c.close()
    c = Client(site["srv"].url)
    for _ in range(5):
        assert c.login("tom", "wrong-password").status_code == 401
    r = c.login("tom")  # even the right password waits
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert site["c"]["tom"].get("/api/calls").status_code == 200  # existing sessions go on
    c.close()


def test_audit_log_records_who_opened_which_call(site):
    anna = site["c"]["anna"]
    anna.get("/calls/a2")
    anna.get("/api/calls/a2/audio", headers={"Range": "bytes=0-1"})
    from sqlalchemy import select

    from callcheck.serve import db

    eng = db.open_engine(site["out"])
    with eng.connect() as conn:
        rows = [(r.username, r.action, r.call_id) for r in conn.execute(select(db.audit))]
    assert ("anna", "open_call", "a2") in rows and ("anna", "audio", "a2") in rows
    assert ("sup", "login", None) in rows
    page = site["c"]["sup"].get("/audit").text
    assert "open_call" in page and "/calls/a2" in page


def test_coaching_over_http(site):
    tom, anna = site["c"]["tom"], site["c"]["anna"]
    r = tom.post("/sessions", data={"title": "Ausreden lassen", "agent": "anna", "date": "2026-11-21", "language": "de"})
    assert r.status_code == 303
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    fid = _first_finding(site["calls"]["a1"])
    assert tom.post(f"/sessions/{sid}/items", data={"finding_id": fid, "note": "hier"}).status_code == 303
    assert tom.post(f"/sessions/{sid}/items", data={"call_id": "a2", "start_s": "3.0", "end_s": "6.0"}).status_code == 303
    assert tom.post(f"/sessions/{sid}/items", data={"finding_id": "nope.X.1"}).status_code == 404
    page = tom.get(f"/sessions/{sid}").text
    assert "Ausreden lassen" in page and "a1" in page and "a2" in page
    z = tom.post(f"/sessions/{sid}/export", data={})
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert f"session-{sid}/outline.md" in names and f"session-{sid}/01.wav" in names and f"session-{sid}/02.txt" in names
    assert anna.get(f"/sessions/{sid}").status_code == 404
    assert anna.post("/sessions", data={"title": "x"}).status_code == 404
    assert tom.post("/coachings", data={"agent": "anna", "mistake": "3", "date": "2026-11-05", "session_id": str(sid)}).status_code == 303
    a = anna.get("/api/agents/anna").json()
    e = next(x for x in a["coachings"] if x["mistake"] == 3)
    assert e["before"]["calls"] == 1 and e["after"]["calls"] == 2 and e["before"]["share"] == 1.0
    assert "coaching-effect" in anna.get("/agents/anna").text


def test_reviews_survive_restart_and_reanalysis(tmp_path):
    calls = build_results(tmp_path, audio=False)
    add_users(tmp_path)
    fid = _first_finding(calls["a1"])
    with Server(tmp_path) as srv:
        c = Client(srv.url)
        c.login("sup")
        assert c.post(f"/api/findings/{q(fid)}/review", json_body={"verdict": "confirm", "comment": "ja"}).status_code == 200
        c.close()
    with Server(tmp_path) as srv:  # a new process on the same folder
        c = Client(srv.url)
        c.login("sup")
        f = next(x for x in c.get("/api/calls/a1").json()["findings"] if x["id"] == fid)
        assert f["review"]["judgement"] == "confirm" and f["reviews"][0]["comment"] == "ja"
        # re-analysis while the server runs: the finding changes -> the review is flagged, not lost
        p = tmp_path / "calls" / "a1.json"
        d = json.loads(p.read_text(encoding="utf-8"))
        d["findings"][0]["severity"] = "low" if d["findings"][0]["severity"] != "low" else "high"
        p.write_text(json.dumps(d), encoding="utf-8")
        time.sleep(2.2)  # the index re-checks the folder at most every 2 s
        f = next(x for x in c.get("/api/calls/a1").json()["findings"] if x["id"] == fid)
        assert f["review"]["judgement"] is None and f["review"]["stale_reviews"] == 1
        assert f["reviews"][0]["stale"] is True and f["reviews"][0]["comment"] == "ja"
        assert "veraltet" in c.get("/calls/a1").text or "stale" in c.get("/calls/a1").text
        c.close()
