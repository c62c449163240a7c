"""benchmarks/eval_pii.py: its leak check (section 3) finds a dictated string in a file or a
database cell, and not in the index's file identities (``calls.source_key``: times and sizes)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from script_module import load_script

ep = load_script("benchmarks/eval_pii.py")


def _db(out: Path, source_key: str, summary: str) -> None:
    (out / "serve").mkdir(parents=True)
    con = sqlite3.connect(out / "serve" / "callcheck.db")
    con.execute("CREATE TABLE calls (call_id TEXT, source_key TEXT, summary_json TEXT)")
    con.execute("CREATE VIRTUAL TABLE turns_fts USING fts5(text)")
    con.execute("INSERT INTO calls VALUES (?, ?, ?)", ("c1", source_key, summary))
    con.commit()
    con.close()


def test_leak_check_reads_database_cells_but_not_file_identities(tmp_path):
    strings = [("card", "4918"), ("name", "Johnson")]
    clean = tmp_path / "clean"
    _db(clean, "1796159963544504737:41205|1796160405118627857:4918", json.dumps({"text": "Ihre [NUMMER], danke"}))
    assert ep.find_leaks(clean, strings) == []
    leaky = tmp_path / "leaky"
    _db(leaky, "1796159963544504737:41205|1796160405118627857:3281", json.dumps({"text": "die Karte endet auf 4918"}))
    (leaky / "calls").mkdir()
    (leaky / "calls" / "c1.json").write_text(json.dumps({"words": [{"text": "Johnson"}]}), encoding="utf-8")
    leaks = ep.find_leaks(leaky, strings)
    assert any("database table calls: card '4918'" in x for x in leaks)
    assert any(x.startswith("calls/c1.json: name 'Johnson'") for x in leaks)


def test_leak_check_reads_json_kept_as_text_in_json(tmp_path):
    """The judge index keeps each judgement's lookups as a JSON text inside its JSON: the measures
    in it ("160.0928") are numbers, not dictated digits; a string in it is still read."""
    strings = [("iban", "0928"), ("name", "Johnson")]
    out = tmp_path / "out"
    (out / ".cache").mkdir(parents=True)
    lookups = json.dumps([[["team", "agent.speech_rate_wpm", 90.0, 160.0928, 1.0], False]])
    (out / ".cache" / "judge-index.json").write_text(json.dumps({"judged": {"c1": ["ab" * 32, lookups]}}), encoding="utf-8")
    assert ep.find_leaks(out, strings) == []
    (out / ".cache" / "judge-index.json").write_text(
        json.dumps({"judged": {"c1": ["ab" * 32, json.dumps([["own", "Johnson"]])]}}), encoding="utf-8")
    assert [x.split(":")[0] for x in ep.find_leaks(out, strings)] == [".cache/judge-index.json"]


def test_leak_check_skips_the_calls_own_date_stamps(tmp_path):
    """An IBAN digit group "2026" is the year of the calls: the report's ISO dates, times and weeks
    are callcheck's own stamps, not dictated digits; the same group in words is still a leak."""
    strings = [("iban", "2026")]
    out = tmp_path / "out"
    (out / ".cache").mkdir(parents=True)
    (out / ".cache" / "state.json").write_text(json.dumps(
        {"c1": {"date": "2026-11-02", "started": "2026-11-02T09:30:00+01:00", "week": "2026-W45"}}), encoding="utf-8")
    (out / "index.html").write_text("<td>2026-11-02</td><td>Woche 2026-W45</td>", encoding="utf-8")
    assert ep.find_leaks(out, strings) == []
    (out / "index.html").write_text("<td>2026-11-02</td><q>die Gruppe 2026 bitte</q>", encoding="utf-8")
    assert [x.split(":")[0] for x in ep.find_leaks(out, strings)] == ["index.html"]


def test_leak_check_skips_the_pages_dates_and_snippet_names(tmp_path):
    """A page's own date ("03.12.2026", the day of the analysis) and a snippet's file name of
    millisecond offsets ("30706-38062-….opus") hold no dictated digits; a postcode in the page's
    text, or a date of birth written with dots, still is a leak."""
    strings = [("iban", "2026"), ("postcode", "30706"), ("date", "1969")]
    out = tmp_path / "out"
    (out / "callpages").mkdir(parents=True)
    page = out / "callpages" / "c1.html"
    page.write_text('<p class="sub">3 Gespräche · 03.12.2026 – 03.12.2026</p>'
                    '<audio src="../audio/c1/30706-38062-ab12cd34.opus"></audio>', encoding="utf-8")
    assert ep.find_leaks(out, strings) == []
    page.write_text("<p>Die Postleitzahl ist 30706, geboren am 17.06.1969</p>", encoding="utf-8")
    assert sorted(x.split(": ")[1].split(" ")[0] for x in ep.find_leaks(out, strings)) == ["date", "postcode"]


def test_leak_check_skips_the_moments_ids():
    """A finding's or strength's stable id ends in its start in ms ("pii_de10.strength-questions.28780",
    "c1.M3_IMPATIENT.30706-2"): no dictated digits; the same digits in the quote still leak."""
    text = ('<div id="pii_de10.strength-questions.28780"></div> <a href="#c1.M3_IMPATIENT.30706-2">'
            '<span data-id="c1.promise-callback.12345">')
    assert "28780" not in ep._not_dictated(text) and "30706" not in ep._not_dictated(text)
    assert "12345" not in ep._not_dictated(text)
    assert "28780" in ep._not_dictated("Meine Postleitzahl ist 28780.")


def test_sets_pool_with_one_results_folder_each(tmp_path):
    """``--set`` repeats (the figures pool several sets); each set has its own results folder."""
    import argparse

    import pytest

    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        (d / "pii_set.json").write_text(json.dumps({"calls": []}), encoding="utf-8")
    args = argparse.Namespace(set=[str(a), str(b)], out=None, calls=24)
    assert ep._runs(args) == [(a, a / "analysed"), (b, b / "analysed")]
    args.out = [str(tmp_path / "oa"), str(tmp_path / "ob")]
    assert ep._runs(args) == [(a, tmp_path / "oa"), (b, tmp_path / "ob")]
    args.out = [str(tmp_path / "oa")]
    with pytest.raises(SystemExit, match="2 --set but 1 --out"):
        ep._runs(args)
