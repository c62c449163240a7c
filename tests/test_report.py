"""Reports rendered from fixture call JSONs: files, Markdown content, escaping, privacy, audio, clips."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck.cli_report import clips_command, report_command, rules_command
from callcheck.config import Config
from callcheck.report import agent_slug, export_clips, render_reports
from callfactory import GOOD_DE, GOOD_EN, make_call, replace_turn

EVIL = "<script>alert('x')</script>"


def write_calls(out: Path, calls) -> None:
    (out / "calls").mkdir(parents=True, exist_ok=True)
    for c in calls:
        (out / "calls" / f"{c['call_id']}.json").write_text(json.dumps(c, ensure_ascii=False), encoding="utf-8")


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


@pytest.fixture()
def rendered(tmp_path):
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(16000 * 120) / 16000)
    wav = tmp_path / "bern-0.wav"
    sf.write(wav, np.stack([tone, tone * 0.5], axis=1).astype(np.float32), 16000)
    out = tmp_path / "out"
    team(out, source_for=wav)
    summary = render_reports(out, config=Config())
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
    focus = md.split("## Ihre Schwerpunkte")[1].split("## Was gut lief")[0]
    assert "### 1. Stimme drückt Ungeduld aus (in 2 von 4 Gesprächen)" in focus
    assert "0:44.5–0:46.1" in focus and "Anrufer: „Da steht Papierstau" in focus
    assert "Lassen Sie den Kunden ausreden" in focus  # advice from the article file
    assert "| 3. Stimme drückt Ungeduld aus | 50% |" in md  # trend table: early calls 2 of 2... half
    en = (out / "agents" / "Zoltan.md").read_text(encoding="utf-8")
    assert en.startswith("# Coaching report: Zoltan") and "Antiquated, overlong greeting" in en
    assert "Asked questions" in en and "I'll send you" in en  # strengths and the promise ledger


def test_forced_language(tmp_path):
    out = tmp_path / "o"
    team(out)
    render_reports(out, config=Config(), language="en")
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
    for agent, own_prefix in names.items():
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
    assert html.count('src="data:audio/wav;base64,') >= 1
    assert "(Audio nicht verfügbar)" in html  # bern-2's source does not exist: still renders
    assert "http://" not in html and "https://" not in html  # self-contained


def test_team_csv_and_baseline_rewrite(rendered):
    out, s = rendered
    rows = list(csv.DictReader((out / "team.csv").open(encoding="utf-8")))
    by = {r["agent"]: r for r in rows}
    assert by["Bernadette"]["m3_calls"] == "2" and by["Zoltan"]["m4_calls"] == "3"
    assert by[EVIL]["m1_calls"] == "3"
    assert s.rewritten_calls == 10  # each call now carries rules_baselines
    call = json.loads((out / "calls" / "bern-0.json").read_text(encoding="utf-8"))
    assert call["rules_baselines"] == {"team_calls": 10, "agent_calls": 3}
    assert [f["mistake"] for f in call["findings"]] == [3]
    again = render_reports(out, config=Config())
    assert again.rewritten_calls == 0  # idempotent


def test_csv_injection_guard(tmp_path):
    out = tmp_path / "o"
    write_calls(out, [make_call(GOOD_DE, call_id="a", agent="=HYPERLINK(1)")])
    render_reports(out, config=Config())
    assert "'=HYPERLINK(1)" in (out / "team.csv").read_text(encoding="utf-8")


def test_index_sections(rendered):
    out, _ = rendered
    html = (out / "index.html").read_text(encoding="utf-8")
    for heading in ("Agenten × Fehler", "Häufigste Fehler", "Ausreißer", "Verlauf nach Wochen",
                    "Gespräche, die sich anzuhören lohnen", "Beispiele guter Praxis", "Verteilungen"):
        assert heading in html, heading
    assert "<svg" in html and "2026-W45" in html


def test_clips(rendered, tmp_path):
    out, _ = rendered
    s = export_clips(out, tmp_path / "clips", config=Config(), per_mistake=2)
    m3 = tmp_path / "clips" / "m3_M3_IMPATIENT"
    wavs = sorted(m3.glob("*.wav"))
    assert len(wavs) == 1 and len(list(m3.glob("*.txt"))) == 2  # bern-2 has no audio: transcript only
    data, sr = sf.read(wavs[0])
    assert sr == 16000 and 1.0 < len(data) / sr <= Config().report.snippet_max_s
    outline = (m3 / "outline.md").read_text(encoding="utf-8")
    assert outline.startswith("# Stimme drückt Ungeduld aus") and "Da steht Papierstau" in outline
    assert (tmp_path / "clips" / "good_practice" / "outline.md").is_file()
    assert s.audio_missing == s.clips - 1


def test_cli_functions(rendered, tmp_path, capsys):
    out, _ = rendered
    assert report_command(out, "en") == 0
    assert "10 calls of 3 agents" in capsys.readouterr().out
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
    s = render_reports(out, config=Config())
    assert s.calls == 1 and len(s.skipped) == 1 and "bad.json" in s.skipped[0]
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
    calls = [make_call(barge, call_id="unsure", agent="Mona", date="2026-11-02"),
             make_call(barge, call_id="sure", agent="Mona", date="2026-11-09")]
    calls[0].update(layout="mono", separation={"method": "test", "confidence": 0.2, "notes": []})
    calls[1].update(layout="mono", separation={"method": "test", "confidence": 0.9, "notes": []})
    write_calls(out, calls)
    render_reports(out, config=Config())
    md = (out / "agents" / f"{agent_slug('Mona')}.md").read_text(encoding="utf-8")
    html = (out / "agents" / f"{agent_slug('Mona')}.html").read_text(encoding="utf-8")
    assert md.count("Mono-Aufnahme") == 1 and "(0.20)" in md  # the unsure call's moment only
    assert html.count("Mono-Aufnahme") == 2  # its moment and its row in the calls table
    render_reports(out, config=Config(), language="en")
    md_en = (out / "agents" / f"{agent_slug('Mona')}.md").read_text(encoding="utf-8")
    assert "Mono recording" in md_en
