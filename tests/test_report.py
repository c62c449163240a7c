"""Reports rendered from fixture call records and their judgements: files, Markdown content, escaping,
privacy, audio, clips, team.csv; rendering never writes calls/ or judgements/."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck.cli_report import clips_command, report_command, rules_command
from callcheck.config import Config
from callcheck.judge import judge_batch
from callcheck.record import load_judgement
from callcheck.report import agent_slug, export_clips, render_reports
from callcheck.result import write_record
from callfactory import GOOD_DE, GOOD_EN, analysed, make_call, replace_turn

EVIL = "<script>alert('x')</script>"


def write_calls(out: Path, calls) -> None:
    """The records as ``callcheck analyze`` writes them (absolute findings, validated, one serializer)."""
    for c in calls:
        write_record(out / "calls" / f"{c['call_id']}.json", analysed(c))


def report(out: Path, **kw):
    """What ``callcheck report`` does: judge the batch, then render."""
    judge_batch(out, config=Config())
    return render_reports(out, config=Config(), **kw)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.json"))}


def team(out: Path, *, source_for=None):
    """Three agents: Bernadette (barges in), Zoltan (long greeting, English), an evil name (flat voice)."""
    calls = []
    for i in range(4):
        s = replace_turn(GOOD_DE, 4, overlap=1.6) if i % 2 == 0 else GOOD_DE
        calls.append(make_call(s, call_id=f"bern-{i}", agent="Bernadette", date=f"2026-11-{2 + 7 * i:02d}",
                               source=str(source_for) if (source_for and i == 0) else f"/nonexistent/bern-{i}.wav"))
    long = "Thank you for calling Grumps and Sons, my name is Zoltan Miller, how may I help you today?"
    for i in range(3):
        calls.append(make_call(replace_turn(GOOD_EN, 0, text=long, wps=2.4), call_id=f"zolt-{i}", agent="Zoltan",
                               language="en", date=f"2026-11-{3 + 7 * i:02d}"))
    evil_script = replace_turn(GOOD_DE, 2, text=f"Oh, das ist ärgerlich {EVIL} Was zeigt das Display?")
    for i in range(3):
        calls.append(make_call(evil_script, call_id=f"evil-{i}", agent=EVIL, date=None,
                               voice={"agent": {"monotony": 0.88, "f0_variation_st": 1.0}}))
    write_calls(out, calls)
    return calls


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The three agents' team, judged and rendered once (the tests only read it, or re-render it unchanged)."""
    tmp_path = tmp_path_factory.mktemp("rendered")
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(16000 * 120) / 16000)
    wav = tmp_path / "bern-0.wav"
    sf.write(wav, np.stack([tone, tone * 0.5], axis=1).astype(np.float32), 16000)
    out = tmp_path / "out"
    team(out, source_for=wav)
    summary = report(out)
    return out, summary


def test_files_written(rendered):
    out, s = rendered
    assert s.calls == 10 and s.agents == 3
    for p in ("index.html", "team.csv", "agents/Bernadette.html", "agents/Bernadette.md", "agents/Zoltan.html"):
        assert (out / p).is_file(), p
    evil = agent_slug(EVIL)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", evil) and (out / "agents" / f"{evil}.html").is_file()
    assert not list(out.rglob("*.tmp"))


def test_markdown_focus_points_with_moments(rendered):
    out, _ = rendered
    md = (out / "agents" / "Bernadette.md").read_text(encoding="utf-8")
    assert md.startswith("# Coaching-Bericht: Bernadette\n")  # German calls → German report
    assert "## Ihre Schwerpunkte" in md
    assert md.index("## Was gut lief") < md.index("## Ihre Schwerpunkte")  # strengths first
    focus = md.split("## Ihre Schwerpunkte")[1].split("## Ihre Zusagen")[0].split("## Ihre Zusagen")[0]
    assert "### 1. Stimme drückt Ungeduld aus (2 von 4)" in focus  # below 5 calls: a count, no percentage
    assert "0:44,5–0:46,1" in focus and "Ihr Anrufer: „Da steht Papierstau" in focus
    assert "Sie begannen zu sprechen, während Ihr Anrufer noch redete: 1,6\u202fs gleichzeitig" in focus
    assert "Lassen Sie den Kunden ausreden" in focus  # advice from the article file
    assert "| 3. Stimme drückt Ungeduld aus | 1 von 2 | 1 von 2 | 2 von 4 | 2 von 10 (20\u202f%) |" in md  # every share with its n
    en = (out / "agents" / "Zoltan.md").read_text(encoding="utf-8")
    assert en.startswith("# Coaching report: Zoltan") and "Antiquated, overlong greeting" in en
    assert "Asked questions" in en and "I'll send you" in en  # strengths and the promise ledger


def test_moments_carry_their_finding_ids(rendered):
    """Each moment, strength example and promise on an agent page is anchored by its stable id
    (``agents/<agent>.html#<finding id>``), the judgement's."""
    out, _ = rendered
    html = (out / "agents" / "Bernadette.html").read_text(encoding="utf-8")
    ids = [f["id"] for c in ("bern-0", "bern-2") for f in load_judgement(out / "judgements" / f"{c}.json")["findings"]]
    assert ids and all(i.startswith(("bern-0.M3_IMPATIENT.", "bern-2.M3_IMPATIENT.")) for i in ids)
    for i in ids:
        assert html.count(f'id="{i}"') == 1, i
    promise = load_judgement(out / "judgements" / "bern-0.json")["promises"][0]["id"]
    assert f'<tr id="{promise}">' in html


def test_forced_language(tmp_path):
    out = tmp_path / "o"
    team(out)
    report(out, language="en")
    assert (out / "agents" / "Bernadette.md").read_text(encoding="utf-8").startswith("# Coaching report: Bernadette")


def test_escaping_everywhere(rendered):
    out, _ = rendered
    for p in [out / "index.html", *out.glob("agents/*.html")]:
        html = p.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), p
        assert "onerror" not in html
    page = (out / "agents" / f"{agent_slug(EVIL)}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    for p in out.glob("agents/*.md"):
        assert "<script" not in p.read_text(encoding="utf-8")


def test_agent_page_shows_no_other_agent(rendered):
    out, _ = rendered
    names = {"Bernadette": "bern-", "Zoltan": "zolt-", EVIL: "evil-"}
    for agent in names:
        for ext in ("html", "md"):
            text = (out / "agents" / f"{agent_slug(agent)}.{ext}").read_text(encoding="utf-8")
            for other, prefix in names.items():
                if other == agent:
                    continue
                assert other not in text and "alert" not in (text if agent != EVIL else "")
                assert prefix not in text, (agent, prefix)  # not even another agent's call ids
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Bernadette" in index and "Zoltan" in index


def test_audio_snippet_embedded_when_source_exists(rendered):
    out, _ = rendered
    html = (out / "agents" / "Bernadette.html").read_text(encoding="utf-8")
    srcs = re.findall(r'<audio controls preload="none" src="([^"]+)"', html)
    assert srcs and all(s.startswith("../audio/bern-0/") and s.endswith(".opus") for s in srcs)
    for s in srcs:
        assert (out / "agents" / s).resolve().is_file()  # a relative link: the copied folder plays offline
    assert "(Audio nicht verfügbar)" in html  # bern-2's source does not exist: still renders
    assert "http://" not in html and "https://" not in html  # self-contained


def test_team_csv_opens_in_german_excel(rendered):
    out, _ = rendered
    raw = (out / "team.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the umlauts right
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and text.count("\r\n") == 4  # header + 3 agents, CRLF
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # German team (most calls de): ; and decimal comma
    by = {r["Agent"]: r for r in rows}
    assert set(by) == {"Bernadette", "Zoltan", EVIL}
    assert by["Bernadette"]["M3 Stimme drückt Ungeduld aus: Gespräche"] == "2"
    assert by["Bernadette"]["M3 Stimme drückt Ungeduld aus: Anteil der Gespräche %"] == "50,0"
    assert by["Zoltan"]["M4 Antiquiert klingende und zu lange Meldung: Gespräche"] == "3"
    assert by[EVIL]["M1 Stimme klingt tonlos: Gespräche"] == "3" and by[EVIL]["Gespräche"] == "3"
    assert by["Bernadette"]["Befunde pro Gespräch"] == "0,5"
    assert "Zusagen" in rows[0] and "Stärken" in rows[0]


def test_team_csv_in_english(tmp_path):
    out = tmp_path / "o"
    team(out)
    report(out, language="en")
    text = (out / "team.csv").read_bytes().decode("utf-8-sig")
    by = {r["Agent"]: r for r in csv.DictReader(io.StringIO(text))}
    assert by["Bernadette"]["M3 Impatient voice: share of calls %"] == "50.0"
    assert by["Zoltan"]["Calls"] == "3"


def test_report_leaves_the_records_untouched_and_judges_them(rendered):
    """`callcheck report` writes judgements/ and pages; every byte of calls/*.json stays as analyze wrote it."""
    out, s = rendered
    before = digests(out / "calls")
    assert report_command(out, None) == 0
    assert digests(out / "calls") == before
    j = load_judgement(out / "judgements" / "bern-0.json")  # validates against judgement.schema.json
    assert j["baselines"] == {"agent_calls": 3}
    assert j["record_sha256"] == before["bern-0.json"]
    assert [f["mistake"] for f in j["findings"]] == [3]
    assert s.unjudged == 0
    # rendering alone reads only: no judgements written, nothing in calls/ changed
    judged = digests(out / "judgements")
    render_reports(out, config=Config())
    assert digests(out / "calls") == before and digests(out / "judgements") == judged


def test_judged_findings_reach_the_pages_and_unjudged_calls_show_their_own(tmp_path):
    """Flat voices only the team comparison reveals: shown once judged; before, the records' findings."""
    out = tmp_path / "o"
    calls = [make_call(GOOD_DE, call_id=f"t{i}", agent=f"a{i % 4}", voice={"agent": {"monotony": 0.30 + 0.01 * i}}) for i in range(14)]
    calls.append(make_call(GOOD_DE, call_id="flat", agent="Fritz", voice={"agent": {"monotony": 0.62}}))
    write_calls(out, calls)
    s = render_reports(out, config=Config())  # nothing judged yet
    assert s.unjudged == 15 and not (out / "judgements").exists()
    assert "Ihre Schwerpunkte" in (out / "agents" / "Fritz.md").read_text(encoding="utf-8")
    assert "Stimme klingt tonlos" not in (out / "agents" / "Fritz.md").read_text(encoding="utf-8").split("## Ihre Schwerpunkte")[1].split("## Ihre Zusagen")[0]
    s = report(out)
    assert s.unjudged == 0
    focus = (out / "agents" / "Fritz.md").read_text(encoding="utf-8").split("## Ihre Schwerpunkte")[1].split("## Ihre Zusagen")[0]
    assert "Stimme klingt tonlos" in focus and "dem Team" in focus  # baseline: the team


def test_csv_injection_guard(tmp_path):
    out = tmp_path / "o"
    write_calls(out, [make_call(GOOD_DE, call_id="a", agent="=HYPERLINK(1)")])
    report(out)
    assert "'=HYPERLINK(1)" in (out / "team.csv").read_text(encoding="utf-8-sig")


def test_index_sections(rendered):
    out, _ = rendered
    html = (out / "index.html").read_text(encoding="utf-8")
    for heading in ("Aufnahmen ohne Bewertung", "Agenten × Punkte", "Häufigste Punkte", "Auffällige Agenten", "Messwerte je Agent", "Verlauf nach Wochen",
                    "Gespräche, die sich anzuhören lohnen", "Beispiele guter Praxis", "Verteilungen"):
        assert heading in html, heading
    assert "<svg" in html and ">KW 45</th>" in html and ">KW 47</th>" in html  # every week labelled


def test_clips(rendered, tmp_path):
    out, _ = rendered
    s = export_clips(out, tmp_path / "clips", config=Config(), per_mistake=2)
    m3 = tmp_path / "clips" / "de" / "m3_M3_IMPATIENT"
    wavs = sorted(m3.glob("*.wav"))
    assert len(wavs) == 1 and len(list(m3.glob("*.txt"))) == 2  # bern-2 has no audio: transcript only
    data, sr = sf.read(wavs[0])
    assert sr == 16000 and 1.0 < len(data) / sr <= Config().report.snippet_max_s
    outline = (m3 / "outline.md").read_text(encoding="utf-8")
    assert outline.startswith("# Stimme drückt Ungeduld aus") and "Da steht Papierstau" in outline
    assert (tmp_path / "clips" / "de" / "good_practice" / "outline.md").is_file()
    assert s.audio_missing == s.clips - 1


def test_cli_functions(rendered, tmp_path, capsys):
    import shutil
    out = tmp_path / "copy"
    shutil.copytree(rendered[0], out)  # English pages must not replace the shared German ones
    assert report_command(out, "en") == 0
    printed = capsys.readouterr().out
    assert "10 calls of 3 agents" in printed
    assert "judged 10 calls" in printed and "0 judgements written, 10 unchanged, 0 removed" in printed
    assert report_command(tmp_path / "missing", None) == 2
    assert "no calls/ folder" in capsys.readouterr().err
    assert rules_command(None, "de") == 0
    text = capsys.readouterr().out
    assert text.count("rules.m") > 20 and "Grumps + Söhne" in text and "M8_KNOW_IT_ALL" in text
    assert rules_command(None, "fr") == 2
    assert clips_command(out, tmp_path / "c", 1) == 0


def test_broken_json_is_skipped_not_fatal(tmp_path):
    out = tmp_path / "o"
    write_calls(out, [make_call(GOOD_DE, call_id="ok")])
    (out / "calls" / "bad.json").write_text("{not json", encoding="utf-8")
    (out / "calls" / "old.json").write_text('{"call_id": "old"}', encoding="utf-8")  # JSON, but not a record
    s = report(out)
    assert s.calls == 1 and len(s.skipped) == 2
    bad, old = s.skipped
    assert bad.startswith(str(out / "calls" / "bad.json") + ": not readable JSON")
    assert old.startswith(str(out / "calls" / "old.json") + ": breaks callcheck/schema/call.schema.json (data must contain")
    assert "\n" not in bad + old
    assert report_command(out, None) == 1


def test_markdown_moment_details_start_their_own_lines(rendered):
    out, _ = rendered
    for md in (out / "agents").glob("*.md"):
        for line in md.read_text(encoding="utf-8").splitlines():
            # a quote or evidence bullet must never be glued to the end of the previous line
            assert "  - " not in line.strip() or line.startswith("  - "), (md.name, line)


def test_unsure_mono_separation_is_flagged_at_its_moments(tmp_path):
    """A mono call whose voices could not be told apart with confidence: its moments and its row in
    the calls table carry the caveat (both languages); a sure mono call and stereo calls do not."""
    out = tmp_path / "out"
    barge = replace_turn(GOOD_DE, 4, overlap=1.6)
    calls = [make_call(barge, call_id="unsure", agent="Mona", date="2026-11-02", layout="mono",
                       separation={"method": "test", "confidence": 0.2, "notes": []}),
             make_call(barge, call_id="sure", agent="Mona", date="2026-11-09", layout="mono",
                       separation={"method": "test", "confidence": 0.9, "notes": []})]
    write_calls(out, calls)
    report(out)
    md = (out / "agents" / f"{agent_slug('Mona')}.md").read_text(encoding="utf-8")
    html = (out / "agents" / f"{agent_slug('Mona')}.html").read_text(encoding="utf-8")
    caveat = "Die beiden Stimmen ließen sich nicht sicher trennen (0,20)"
    assert md.count(caveat) == 1 and "Verlässlichkeit: gering" in md  # the unsure call's moment only
    assert html.count(caveat) == 2  # its moment and its row in the calls table
    report(out, language="en")
    md_en = (out / "agents" / f"{agent_slug('Mona')}.md").read_text(encoding="utf-8")
    assert "Mono recording" in md_en
