"""callcheck serve without HTTP: database migrations, the index, finding ids, reviews across
re-analysis, the agreement statistic, search, exports, coaching effect, the users commands."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from sqlalchemy import insert, select, text

from callcheck.serve import auth, coaching, db, export, reviews
from callcheck.serve.index import sync
from callcheck.serve.search import parse_query, search
from callcheck.rules import moment_id
from callcheck.serve.source import assign_finding_ids, fingerprint
from serve_support import build_results


@pytest.fixture
def results(tmp_path):
    calls = build_results(tmp_path, audio=False)
    return tmp_path, calls


def judge():
    return auth.User(1, "sup", "supervisor", None, "en")


def test_finding_ids_follow_the_agreed_form():
    fs = [{"rule_id": "M3_IMPATIENT", "start_s": 7.8544}, {"rule_id": "M3_IMPATIENT", "start_s": 7.854},
          {"rule_id": "M4_GREETING", "start_s": None}, {"rule_id": "M1_TONELESS", "id": "given.id"}]
    ids = [f["id"] for f in assign_finding_ids("c-1", fs)]
    assert ids == ["c-1.M3_IMPATIENT.7854", "c-1.M3_IMPATIENT.7854-2", "c-1.M4_GREETING.call", "given.id"]
    assert moment_id("x", "R", 0.0005) == "x.R.1"
    a = {"rule_id": "R", "start_s": 1.0, "evidence": {"v": 1}}
    assert fingerprint(a) == fingerprint(dict(a)) and fingerprint(a) != fingerprint(dict(a, evidence={"v": 2}))


def test_migrations_from_the_previous_version_keep_the_data(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    (tmp_path / "calls").mkdir()
    eng = db.open_engine(tmp_path, migrate_to_head=False)
    db.migrate(eng, "0001")
    assert db.current_revision(eng) == "0001"
    assert "coaching_sessions" not in db.table_names(eng)
    with eng.begin() as conn:  # data written by the previous version
        conn.execute(insert(db.users).values(username="old", password_hash="x", role="supervisor", language="de",
                                             created_at=db.now_iso(), updated_at=db.now_iso()))
        conn.execute(insert(db.reviews).values(finding_id="c.M3_IMPATIENT.1000", call_id="c", rule_id="M3_IMPATIENT",
                                               reviewer="old", role="supervisor", verdict="confirm", comment="kept",
                                               fingerprint="f" * 16, created_at=db.now_iso()))
    eng.dispose()
    eng = db.open_engine(tmp_path)  # opening migrates to head
    assert db.current_revision(eng) == db.head_revision() != "0001"
    with eng.connect() as conn:
        assert conn.execute(select(db.reviews.c.comment)).scalar() == "kept"
        assert conn.execute(select(db.users.c.username)).scalar() == "old"
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    # the migrations build exactly the tables the code uses (the search structures aside: FTS5's
    # shadow tables on SQLite, the tsvector column and its GIN index on PostgreSQL)
    def search_only(d) -> bool:
        return ((d[0] == "remove_table" and d[1].name.startswith("turns_fts"))
                or (d[0] == "remove_index" and d[1].name == "ix_turns_tsv")
                or (d[0] == "remove_column" and d[2] == "turns" and d[3].name == "tsv"))
    assert [d for d in diff if not search_only(d)] == []


def test_sync_adds_updates_and_removes(results):
    out, calls = results
    eng = db.open_engine(out)
    s = sync(eng, out)
    assert (s.calls, s.added, s.updated, s.removed) == (len(calls), len(calls), 0, 0)
    assert len(s.skipped) == 1 and "forged.json" in s.skipped[0]  # HTML in its call id: refused
    assert sync(eng, out).added == 0  # nothing changed, nothing re-read
    with eng.connect() as conn:
        n_f = conn.execute(text("select count(*) from findings")).scalar()
    assert n_f == sum(len(c["findings"]) for c in calls.values()) > 0
    (out / "calls" / "a2.json").unlink()
    (out / "calls" / "bad.json").write_text("{not json", encoding="utf-8")
    s = sync(eng, out)
    assert s.removed == 1 and len(s.skipped) == 2 and any("bad.json" in x for x in s.skipped)


def test_judgement_findings_are_preferred(results):
    out, calls = results
    import hashlib

    from callcheck.judge import validate_judgement

    (out / "judgements").mkdir()
    j = {"schema_version": "1.0", "call_id": "a2",
         "record_sha256": hashlib.sha256((out / "calls" / "a2.json").read_bytes()).hexdigest(),
         "comparison_sha256": "0" * 64, "baselines": {"agent_calls": 2},
         "findings": [{"id": "a2.M1_TONELESS.1000", "mistake": 1, "rule_id": "M1_TONELESS", "severity": "medium",
                       "start_s": 1.0, "end_s": 5.0, "evidence": {"baseline": "team"}, "message": "flat"}],
         "strengths": [], "promises": []}
    validate_judgement(j)
    (out / "judgements" / "a2.json").write_text(json.dumps(j), encoding="utf-8")
    eng = db.open_engine(out)
    sync(eng, out)
    with eng.connect() as conn:
        rows = conn.execute(select(db.findings.c.finding_id, db.findings.c.baseline).where(db.findings.c.call_id == "a2")).all()
    assert [(r.finding_id, r.baseline) for r in rows] == [("a2.M1_TONELESS.1000", "team")]


def _review_first(eng, call_id, verdict="confirm"):
    with eng.connect() as conn:
        f = conn.execute(select(db.findings).where(db.findings.c.call_id == call_id).order_by(db.findings.c.position)).first()
    return f, reviews.add_review(eng, judge(), dict(f._mapping), verdict, "c")


def test_reviews_survive_reanalysis_and_are_flagged_when_the_finding_changes(results):
    out, calls = results
    eng = db.open_engine(out)
    sync(eng, out)
    f, _ = _review_first(eng, "a1")
    # re-analysis with unchanged inputs: the record is rewritten with the same findings
    time.sleep(0.01)
    p = out / "calls" / "a1.json"
    p.write_text(json.dumps(calls["a1"], ensure_ascii=False, indent=1), encoding="utf-8")
    assert sync(eng, out).updated == 1
    with eng.connect() as conn:
        st = reviews.finding_state(reviews.reviews_by_finding(conn, [f.finding_id])[f.finding_id],
                                   conn.execute(select(db.findings.c.fingerprint).where(db.findings.c.finding_id == f.finding_id)).scalar())
    assert st["judgement"] == "confirm" and st["stale_reviews"] == 0
    # a re-analysis that changes the finding: same id, other evidence -> the review is stale, kept
    changed = json.loads(p.read_text(encoding="utf-8"))
    changed["findings"][0]["evidence"]["measures"] = {"overlap_s": 9.9}
    p.write_text(json.dumps(changed), encoding="utf-8")
    sync(eng, out)
    with eng.connect() as conn:
        revs = reviews.reviews_by_finding(conn, [f.finding_id])[f.finding_id]
        fp = conn.execute(select(db.findings.c.fingerprint).where(db.findings.c.finding_id == f.finding_id)).scalar()
    st = reviews.finding_state(revs, fp)
    assert len(revs) == 1 and st["judgement"] is None and st["stale_reviews"] == 1
    a = {r.rule_id: r for r in reviews.agreement(eng)}
    assert a[f.rule_id].judged == 0 and a[f.rule_id].stale == 1


def test_jeffreys_interval_matches_the_beta_quantiles():
    from scipy.stats import beta

    for x, n in ((3, 10), (1, 4), (19, 20)):
        lo, hi = reviews.jeffreys_interval(x, n)
        assert lo == pytest.approx(beta.ppf(0.05, x + 0.5, n - x + 0.5)) and hi == pytest.approx(beta.ppf(0.95, x + 0.5, n - x + 0.5))
    assert reviews.jeffreys_interval(0, 5)[0] == 0.0 and reviews.jeffreys_interval(5, 5)[1] == 1.0
    assert reviews.jeffreys_interval(0, 0) is None
    lo, hi = reviews.jeffreys_interval(7, 10)
    assert lo < 0.7 < hi and hi - lo < reviews.jeffreys_interval(1, 2)[1] - reviews.jeffreys_interval(1, 2)[0]


def test_agreement_counts_latest_judgement_per_finding(results):
    out, _ = results
    eng = db.open_engine(out)
    sync(eng, out)
    with eng.connect() as conn:
        fs = conn.execute(select(db.findings).where(db.findings.c.rule_id == "M3_IMPATIENT")).all()
    assert len(fs) >= 3
    sup, tr = judge(), auth.User(2, "tom", "trainer", None, "en")
    ag = auth.User(3, "anna", "agent", "anna", "de")
    reviews.add_review(eng, sup, dict(fs[0]._mapping), "reject", "")
    reviews.add_review(eng, sup, dict(fs[0]._mapping), "confirm", "changed my mind")  # latest counts
    reviews.add_review(eng, tr, dict(fs[1]._mapping), "reject", "")
    reviews.add_review(eng, ag, dict(fs[1]._mapping), "dispute", "I waited")
    reviews.add_review(eng, tr, dict(fs[2]._mapping), "unsure", "")
    reviews.add_review(eng, tr, dict(fs[0]._mapping), "confirm", "")
    a = {r.rule_id: r for r in reviews.agreement(eng)}["M3_IMPATIENT"]
    assert (a.confirmed, a.rejected, a.unsure, a.judged, a.disputed, a.disputes_upheld) == (1, 1, 1, 2, 1, 1)
    assert a.agreement == 0.5 and a.interval90 == reviews.jeffreys_interval(1, 2)
    assert (a.multi_judged, a.judges_agree) == (1, 1)


def test_query_parsing_never_passes_fts_syntax_through():
    assert parse_query('Drucker "kein Papier" Pap*').fts == '"drucker" AND "kein papier" AND "pap"*'
    for evil in ('NEAR(a b)', 'a OR b', '"unclosed', 'col:x', '^x', '***', ")(", "Müller-Lüdenscheid"):
        q = parse_query(evil)
        assert q is None or all(tok.startswith('"') for tok in q.fts.split(" AND "))


def test_search_words_phrases_speaker_filters_and_scope(results):
    out, calls = results
    eng = db.open_engine(out)
    sync(eng, out)
    all_ = ("all", None)
    r = search(eng, "papierstau", scope=all_)
    assert r["total"] >= 3 and all(h["speaker"] == "caller" for h in r["hits"])
    h = next(h for h in r["hits"] if h["call_id"] == "a1")
    word = next(w for w in calls["a1"]["words"] if w["text"].lower().startswith("papierstau"))
    assert h["start_s"] == pytest.approx(word["start_s"])  # jumps to the word, not the turn
    assert any(s["hit"] and s["text"].lower() == "papierstau" for s in h["snippet"])
    assert search(eng, '"steht papierstau"', scope=all_)["total"] >= 1
    assert search(eng, '"papierstau steht"', scope=all_)["total"] == 0
    assert search(eng, "papierstau", scope=all_, speaker="agent")["total"] == 0
    assert {h["call_id"] for h in search(eng, "papierstau", scope=("agent", "anna"))["hits"]} <= {"a1", "a2", "a3"}
    assert search(eng, "papierstau", scope=("none", None))["total"] == 0
    assert search(eng, "drucker", scope=all_, agent="ben")["total"] == 0
    assert search(eng, "printer", scope=all_, agent="ben")["total"] >= 1
    assert {h["call_id"] for h in search(eng, "printer", scope=all_, date_from="2026-11-05", date_to="2026-11-10")["hits"]} == {"b2"}
    assert search(eng, "muller", scope=all_)["total"] >= 1  # diacritics ignored
    # findings mode: no words, a mistake and a review state
    fm = search(eng, "", scope=all_, mistake=3)
    assert fm["mode"] == "findings" and fm["total"] >= 4 and all(h["mistake"] == 3 for h in fm["hits"])
    f, _ = _review_first(eng, "a1")
    assert {h["call_id"] for h in search(eng, "", scope=all_, reviewed="judged")["hits"]} == {"a1"}
    assert "a1" not in {h["call_id"] for h in search(eng, "", scope=all_, reviewed="unreviewed")["hits"]}


def test_csv_export_is_safe_against_formula_injection_and_parquet_keeps_types(results, tmp_path):
    out, calls = results
    eng = db.open_engine(out)
    sync(eng, out)
    f, _ = _review_first(eng, "a1")
    reviews.add_review(eng, judge(), dict(f._mapping), "reject", "=HYPERLINK(\"http://x\")")
    with eng.begin() as conn:
        conn.execute(text("update calls set agent='@SUM(1)' where call_id='a2'"))
    cols, rows = export.rows_for(eng, "reviews")
    assert len(rows) == 2
    text_csv = export.to_csv(cols, rows)
    parsed = list(csv.DictReader(io.StringIO(text_csv)))
    assert parsed[1]["comment"].startswith("'=") and all(not v.startswith(("=", "+", "@")) for r in parsed for v in r.values())
    c_csv = list(csv.DictReader(io.StringIO(export.to_csv(*export.rows_for(eng, "calls")))))
    assert {r["agent"] for r in c_csv} >= {"'@SUM(1)", "anna"} and len(c_csv) == len(calls)
    assert float(c_csv[0]["duration_s"]) > 0  # numbers stay numbers
    pq = pytest.importorskip("pyarrow.parquet")
    n = export.export(eng, "findings", "parquet", tmp_path / "f.parquet")
    t = pq.read_table(tmp_path / "f.parquet")
    assert t.num_rows == n == sum(len(c["findings"]) for c in calls.values())
    assert str(t.schema.field("start_s").type) == "double" and str(t.schema.field("mistake").type) == "int64"
    assert "reject" in t.column("judgement").to_pylist()


def test_coaching_effect_before_and_after(results):
    out, _ = results
    eng = db.open_engine(out)
    sync(eng, out)
    coaching.record_coaching(eng, agent="anna", mistake=3, date="2026-11-05", recorded_by="tom")
    e = coaching.coaching_effect(eng, "anna", 3, "2026-11-05")
    assert e["before"] == {"calls": 1, "with_mistake": 1, "share": 1.0, "interval90": [round(x, 4) for x in reviews.jeffreys_interval(1, 1)]}
    assert e["after"]["calls"] == 2 and e["after"]["with_mistake"] == 1 and e["after"]["share"] == 0.5
    with pytest.raises(coaching.CoachingError, match="1..8"):
        coaching.record_coaching(eng, agent="anna", mistake=9, date="2026-11-05", recorded_by="tom")
    with pytest.raises(coaching.CoachingError, match="ISO date"):
        coaching.record_coaching(eng, agent="anna", mistake=3, date="5.11.2026", recorded_by="tom")


def test_session_export_is_self_contained(results, tmp_path):
    build_results(tmp_path / "r2")
    out = tmp_path / "r2"
    eng = db.open_engine(out)
    sync(eng, out)
    sid = coaching.create_session(eng, title="Unterbrechungen", created_by="tom", agent="anna", date="2026-11-21", language="de")
    with eng.connect() as conn:
        f = conn.execute(select(db.findings).where(db.findings.c.call_id == "a1")).first()
    coaching.add_item(eng, sid, kind="finding", call_id="a1", finding_id=f.finding_id, note="hör hin")
    coaching.add_item(eng, sid, kind="moment", call_id="a2", start_s=3.0, end_s=8.0, note="gut gefragt")
    i1, i2 = [it["id"] for it in coaching.get_session(eng, sid)["items"]]
    coaching.move_item(eng, sid, i2, -1)
    assert [it["id"] for it in coaching.get_session(eng, sid)["items"]] == [i2, i1]
    folder = coaching.export_session(eng, out, sid, tmp_path / "exp")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["01.txt", "01.wav", "02.txt", "02.wav", "index.html", "outline.md", "session.json"]
    outline = (folder / "outline.md").read_text(encoding="utf-8")
    assert "# Unterbrechungen" in outline and "gute Praxis" in outline and "Stimme drückt Ungeduld aus" in outline
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert 'src="01.wav"' in html and "http" not in html.replace("http-equiv", "")
    import soundfile as sf
    assert 5.0 <= sf.info(str(folder / "01.wav")).duration <= 13.0


def run_cli(*args, stdin: str | None = None):
    """The real CLI in-process (typer's runner): exit code, stdout and stderr apart."""
    from typer.testing import CliRunner

    from callcheck.cli import app

    return _Res(CliRunner().invoke(app, list(args), input=stdin))


class _Res:
    def __init__(self, r) -> None:
        self.returncode, self.stdout = r.exit_code, r.stdout
        try:
            self.stderr = r.stderr
        except ValueError:  # older click mixes the streams
            self.stderr = r.output


def test_users_commands(results):
    out, _ = results
    r = run_cli("users", "add", "lea", "--role", "agent", "--agent", "anna", "--password-stdin", "--dir", str(out), stdin="long-password-1\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "added lea (agent, agent anna, de)"
    r = run_cli("users", "add", "lea", "--role", "agent", "--agent", "anna", "--password-stdin", "--dir", str(out), stdin="long-password-1\n")
    assert r.returncode == 2 and r.stderr.strip() == "error: user 'lea' exists already; use `callcheck users reset` to change the password"
    r = run_cli("users", "add", "max", "--role", "boss", "--password-stdin", "--dir", str(out), stdin="long-password-1\n")
    assert r.returncode == 2 and "role 'boss' is not one of supervisor, agent, trainer" in r.stderr
    r = run_cli("users", "add", "max", "--role", "agent", "--password-stdin", "--dir", str(out), stdin="long-password-1\n")
    assert r.returncode == 2 and "no --agent NAME" in r.stderr
    r = run_cli("users", "add", "max", "--role", "trainer", "--password-stdin", "--dir", str(out), stdin="short\n")
    assert r.returncode == 2 and "at least 10" in r.stderr
    r = run_cli("users", "add", "max", "--role", "trainer", "--dir", str(out))
    assert r.returncode == 2 and "--password-stdin" in r.stderr
    r = run_cli("users", "add", "max", "--role", "trainer", "--password-stdin", "--dir", str(out / "nope"), stdin="long-password-1\n")
    assert r.returncode == 2 and "not a results folder" in r.stderr
    r = run_cli("users", "list", "--dir", str(out))
    assert r.returncode == 0 and r.stdout.startswith("lea\tagent\tanna\tde\tnever")
    eng = db.open_engine(out)
    assert auth.authenticate(eng, "lea", "long-password-1") is not None
    r = run_cli("users", "reset", "lea", "--password-stdin", "--dir", str(out), stdin="other-password-2\n")
    assert r.returncode == 0
    assert auth.authenticate(eng, "lea", "long-password-1") is None and auth.authenticate(eng, "lea", "other-password-2")
    with eng.connect() as conn:
        h = conn.execute(select(db.users.c.password_hash).where(db.users.c.username == "lea")).scalar()
    assert h.startswith("$argon2id$") and "other-password-2" not in h
    assert run_cli("users", "remove", "lea", "--dir", str(out)).returncode == 0
    r = run_cli("users", "remove", "lea", "--dir", str(out))
    assert r.returncode == 2 and "no user 'lea'" in r.stderr


def test_production_hash_parameters(monkeypatch):
    monkeypatch.delenv("CALLCHECK_TEST_FAST_HASH", raising=False)
    h = auth._hasher().hash("long-password-1")
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv("CALLCHECK_TEST_FAST_HASH", "1")
    weak = auth._hasher().hash("long-password-1")
    monkeypatch.delenv("CALLCHECK_TEST_FAST_HASH")
    assert auth._hasher().check_needs_rehash(weak)  # a test-made hash is upgraded at the next login


def test_export_and_agreement_commands(results, tmp_path):
    out, calls = results
    r = run_cli("export", str(out), "--what", "findings", "--format", "csv")
    assert r.returncode == 1 and "forged.json" in r.stderr, r.stderr  # the refused record is named; the rest exported
    n = sum(len(c["findings"]) for c in calls.values())
    assert r.stdout.strip() == f"{n} rows → {out / 'exports' / 'findings.csv'}"
    assert len(list(csv.DictReader(open(out / "exports" / "findings.csv", encoding="utf-8")))) == n
    r = run_cli("export", str(out), "--what", "people", "--format", "csv")
    assert r.returncode == 2 and "--what 'people' is not one of calls, findings, reviews" in r.stderr
    r = run_cli("export", str(out), "--what", "calls", "--format", "xlsx")
    assert r.returncode == 2 and "--format 'xlsx'" in r.stderr
    from callcheck.serve.cli import agreement_lines

    eng = db.open_engine(out)
    sync(eng, out)
    f, _ = _review_first(eng, "a1")
    lines = agreement_lines(out)
    row = next(line for line in lines if line.startswith(f.rule_id))
    assert "\t1/1\t100%\t" in row and "23%-100%" in row
