"""The team page a supervisor acts on, the per-call pages it links to, honest shares, small pages,
incremental rendering, muted personal data, and trainer clips that serve a session."""

from __future__ import annotations


import hashlib
import html as html_lib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from callcheck.config import Config
from callcheck.judge import judge_batch
from callcheck.report import export_clips, render_reports
from callcheck.report.clips import parse_mistakes
from callcheck.report.render import ReportError
from callcheck.result import write_record
from callfactory import GOOD_DE, analysed, make_call, replace_turn
from report_support import AGENTS, build


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = build(tmp_path_factory.mktemp("pages") / "out", "de")
    summary = render_reports(out, config=Config())
    return out, summary


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"#]+)(?:#[^"]*)?"', html)


def test_team_page_lists_failed_and_unassessable_recordings_with_reasons(site):
    out, s = site
    html = (out / "index.html").read_text(encoding="utf-8")
    problems = html.split('id="problems"')[1].split('id="matrix"')[0]
    assert "Nicht analysiert (Fehler beim Einlesen) (1)" in problems and "/recordings/broken.wav" in problems
    assert "Nicht bewertbar (1)" in problems and 'href="callpages/dieter-5.html"' in problems
    # the recorded reasons, translated, with their numbers in German format
    assert "Keine Sprache des Agenten erkannt (1,2 s < 5 s); Das Transkript des Agenten ist unplausibel: 35 Wörter/min über 60 s Sprache<" in html_lib.unescape(problems)
    assert s.unassessable == 1
    # not assessable: never "good practice" or "worth listening to", however clean it looks
    for section in ("listen", "good"):
        assert "dieter-5" not in html.split(f'id="{section}"')[1].split("<h2")[0], section
    assert "dieter-5" in html.split('id="good"')[0].split('id="problems"')[1]
    call = (out / "callpages" / "dieter-5.html").read_text(encoding="utf-8")
    assert '<p class="card info">Dieses Gespräch ist nicht bewertbar und zählt in keiner Statistik mit. Keine Sprache des Agenten' in call
    assert "Der Anrufer spricht kaum (0,8 s)" in call.split("<h2")[0]  # its warning, translated
    dieter = (out / "agents" / "Dieter.html").read_text(encoding="utf-8")
    row = dieter.split('id="calls"')[1].split('href="../callpages/dieter-5.html"')[0].rsplit("<tr", 1)[1]
    assert 'class="grey"' in row  # greyed out in the agent's list of calls
    # the unassessable call is kept out of the statistics: Dieter counts 5 calls, the team 23
    matrix = html.split('id="matrix"')[1].split('id="common"')[0]
    row = re.search(r'>Dieter</a></td><td class="num">(\d+)</td>', matrix)
    assert row and row.group(1) == "5"
    assert "von 23" in html.split('id="common"')[1].split('id="outliers"')[0]


def test_every_listed_call_links_to_its_page(site):
    out, _ = site
    html = (out / "index.html").read_text(encoding="utf-8")
    for section in ("listen", "good", "problems"):
        part = html.split(f'id="{section}"')[1].split("<h2")[0]
        hrefs = [h for h in links(part) if h.startswith("callpages/")]
        assert hrefs, section
        for h in hrefs:
            assert (out / h).is_file(), h
    for agent in AGENTS["de"]:
        page = (out / "agents" / f"{agent}.html").read_text(encoding="utf-8")
        calls = [h for h in links(page) if "callpages/" in h]
        assert len(set(calls)) == 6  # every call of the agent, from the calls table
        assert all((out / "agents" / h).resolve().is_file() for h in calls)


def test_call_page_timeline_transcript_findings_and_audio(site):
    out, _ = site
    html = (out / "callpages" / "anna-0.html").read_text(encoding="utf-8")
    assert '<svg class="timeline"' in html and 'class="hold"' in html and 'class="interruption"' in html
    anchors = re.findall(r'<a href="#(f-[^"]+)" class="fmark">', html)
    assert anchors and all(f'id="{a}"' in html for a in anchors)  # timeline findings jump to their cards
    assert html.count('class="turn ') == 11  # the transcript by turn
    srcs = re.findall(r'<audio controls preload="none" src="([^"]+)"', html)
    assert srcs and all((out / "callpages" / s).resolve().is_file() for s in srcs)
    # an unsure measure greyed out, with its class and the recorded reason in German; heuristic ones
    # only named (their English evidence stays in docs/measures.md)
    cells = re.findall(r'<td class="num grey unsure-value">(.*?)</td>', html)
    assert len(cells) == 2, cells
    assert any("(unsicher)" in c and "Übersteuerung in 2,35 % der Sprachabtastwerte" in c for c in cells)
    assert any("Tonhöhe unzuverlässig" in c for c in cells)
    assert "(heuristisch)" in html and "SD of frame levels" not in html
    assert "Warteschleife nimmt 4 s des 60 s langen Gesprächs ein" in html.split("<h2")[0]
    for other in AGENTS["de"][1:]:
        assert other not in html  # a call page names only its own agent


def test_snippets_mute_personal_data(site):
    """anna-0 has a redacted span at 40-41 s; the snippet of the interruption (from the caller's
    sentence at 35.7 s) covers it and is silent there, and only there."""
    import av

    out, _ = site
    html = (out / "callpages" / "anna-0.html").read_text(encoding="utf-8")
    src = next(s for s in re.findall(r'src="\.\./(audio/anna-0/(\d+)-(\d+)-\w+\.opus)"', html) if int(s[1]) < 40000 < int(s[2]))
    start_s = int(src[1]) / 1000
    with av.open(str(out / src[0])) as c:
        sr = c.streams.audio[0].rate
        x = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])

    def rms(a: float, b: float) -> float:
        seg = x[int((a - start_s) * sr):int((b - start_s) * sr)]
        return float(np.sqrt(np.mean(seg ** 2)))
    assert rms(40.2, 40.8) < 0.01 < 0.1 < rms(37.0, 39.0)


def test_shares_with_n_minimum_and_intervals(site):
    out, _ = site
    html = (out / "index.html").read_text(encoding="utf-8")
    outliers = html.split('id="outliers"')[1].split("<h2")[0]
    # 3 of 6 interruptions and 6 of 6 long greetings (rest of the team: 0 of 17) stand out; 2 of 6 flat calls,
    # or the one request to repeat in 5 calls, do not: their intervals overlap the rest's
    assert ">Anna</a>: Stimme drückt Ungeduld aus — 3 von 6 (50\u202f%), 90-%-Intervall" in outliers
    assert ">Bernd</a>: Antiquiert klingende und zu lange Meldung — 6 von 6 (100\u202f%)" in outliers
    assert "Carla" not in outliers and "Dieter" not in outliers
    weekly = html.split('id="weekly"')[1].split("<h2")[0]
    assert weekly.count('class="num small">n = ') == 3 and all(f">KW {w}</th>" in weekly for w in (45, 46, 47))
    carla = (out / "agents" / "Carla.md").read_text(encoding="utf-8")
    assert "| 1. Stimme klingt tonlos | 2 von 3 | 0 von 3 | 2 von 6 (33\u202f%), 90-%-Intervall" in carla
    measures = html.split('id="measures"')[1].split("<h2")[0]
    assert "Redeanteil" in measures and "Unterbrechungen je Gespräch" in measures and "Erkennungssicherheit" in measures


def test_re_render_only_what_changed(site, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(site[0], out)
    s = render_reports(out, config=Config())
    assert sorted(s.pages) == ["index.html", "team.csv"] and s.parsed == 0  # nothing changed: nothing read or rendered
    before = {p: p.read_bytes() for p in (out / "agents").glob("*.html")}
    # re-analyse one of Bernd's calls (a note added): only Bernd's page and that call's page are rendered again
    p = out / "calls" / "bernd-3.json"
    import json
    rec = json.loads(p.read_text(encoding="utf-8"))
    rec["notes"] = ["re-analysed"]
    write_record(p, rec)
    judge_batch(out, config=Config())
    s = render_reports(out, config=Config())
    assert s.parsed == 1
    assert sorted(s.pages) == ["agents/Bernd.html", "agents/Bernd.md", "callpages/bernd-3.html", "index.html", "team.csv"]
    for q, data in before.items():
        if q.name != "Bernd.html":
            assert q.read_bytes() == data, q
    # a call that is gone takes its page and snippets with it
    (out / "calls" / "anna-0.json").unlink()
    judge_batch(out, config=Config())
    render_reports(out, config=Config())
    assert not (out / "callpages" / "anna-0.html").exists() and not (out / "audio" / "anna-0").exists()


def test_agent_page_with_50_calls_is_small(tmp_path):
    out = tmp_path / "out"
    wav = tmp_path / "tone.wav"
    import soundfile as sf
    sf.write(wav, (0.2 * np.sin(2 * np.pi * 200 * np.arange(16000 * 110) / 16000)).astype(np.float32), 16000)
    for i in range(50):
        script = replace_turn(GOOD_DE, 4, overlap=1.6) if i % 2 else GOOD_DE
        c = make_call(script, call_id=f"c{i:02d}", agent="Eva", date=f"2026-{9 + i // 20:02d}-{1 + i % 20:02d}", source=str(wav))
        write_record(out / "calls" / f"c{i:02d}.json", analysed(c))
    judge_batch(out, config=Config())
    render_reports(out, config=Config())
    page = out / "agents" / "Eva.html"
    assert page.stat().st_size < 1_000_000
    audio = list((out / "audio").rglob("*.opus"))
    assert audio and max(a.stat().st_size for a in audio) < 80_000  # a 12 s snippet at 24 kbit/s
    assert "data:audio" not in page.read_text(encoding="utf-8")
    s = render_reports(out, config=Config(), audio=False)
    assert not (out / "audio").exists() or not list((out / "audio").rglob("*.opus"))  # --no-audio: none kept
    assert "<audio" not in page.read_text(encoding="utf-8") and s.audio_files == 0


def test_clips_serve_a_session(tmp_path):
    out = build(tmp_path / "out", "de")
    s = export_clips(out, tmp_path / "clips", config=Config(), per_mistake=3)
    dest = tmp_path / "clips" / "de"
    spans: dict[str, list[tuple[float, float]]] = {}
    for txt in dest.rglob("*.txt"):
        call = txt.stem.split("_", 1)[1]
        times = [float(m.group(1)) * 60 + float(m.group(2).replace(",", ".")) for m in re.finditer(r"\[(\d+):(\d\d,\d)\]", txt.read_text(encoding="utf-8"))]
        spans.setdefault(call, []).append((min(times), max(times)))
    for call, ss in spans.items():  # one moment is never exported twice
        assert len(ss) == len(set(ss)), (call, ss)
    inter = (dest / "m3_M3_IMPATIENT").glob("*.txt")
    first = sorted(inter)[0].read_text(encoding="utf-8").splitlines()
    assert first[0].split("] ")[1].startswith("Anrufer:")  # the clip starts with the caller's sentence it cuts
    assert s.audio_missing < s.clips
    # filters: one agent, one mistake, one language
    s2 = export_clips(out, tmp_path / "c2", config=Config(), agents=["Bernd"], mistakes=parse_mistakes(["M4_GREETING"]))
    assert [Path(f).name for f in s2.folders] == ["m4_M4_GREETING"] and s2.clips == 3
    assert all("bernd" in Path(f).name for f in s2.files)
    with pytest.raises(ReportError):
        export_clips(out, tmp_path / "c3", config=Config(), agents=["Nobody"])
    with pytest.raises(ReportError):
        parse_mistakes(["9"])
    assert parse_mistakes(["3,m4", "M8_KNOW_IT_ALL"]) == {3, 4, 8}
    mixed = tmp_path / "mixed"
    shutil.copytree(out, mixed)
    for c in build(tmp_path / "en" / "out", "en").joinpath("calls").glob("*.json"):
        shutil.copy(c, mixed / "calls" / c.name)
    judge_batch(mixed, config=Config())
    s3 = export_clips(mixed, tmp_path / "c4", config=Config())
    langs = {Path(f).parent.name for f in s3.folders}
    assert langs == {"de", "en"}  # one outline per session, in its language, from calls in that language
    en_outline = (tmp_path / "c4" / "en" / "m3_M3_IMPATIENT" / "outline.md").read_text(encoding="utf-8")
    assert en_outline.startswith("# Impatient voice") and "alice-" in en_outline and "anna-" not in en_outline


def _content(p: Path) -> str:
    """A written file's hash: snippets by name only (an Ogg stream's serial number is random), pages without their date."""
    if p.suffix == ".opus":
        return ""
    text = re.sub(r"(Erstellt|Generated) [0-9.:/ -]+", "", p.read_text(encoding="utf-8"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _files(root: Path, top: tuple[str, ...] = ("agents", "callpages", "audio", "judgements")) -> dict[str, str]:
    """:func:`_content` of every page, snippet and judgement under ``root`` (first path part in ``top``)."""
    return {p.relative_to(root).as_posix(): _content(p) for p in sorted(root.rglob("*"))
            if p.is_file() and "generated" not in p.name and p.suffix in (".html", ".md", ".csv", ".opus", ".json")
            and p.parts[len(root.parts)] in top}


def test_worker_processes_render_the_same_files(tmp_path, monkeypatch):
    """Reading the records and rendering the call pages in worker processes (many calls) writes the
    same files, byte for byte, with the same snippets and bookkeeping, as one process — also when a
    second record file repeats a call id (one skipped line; the first file's page stays)."""
    from callcheck import procpool
    import callcheck.report.render as render

    out = build(tmp_path / "serial", "de")
    dup = json.loads((out / "calls" / "anna-0.json").read_text(encoding="utf-8"))
    dup["agent"] = "Bernd"  # another file, the same call id
    write_record(out / "calls" / "zz-copy.json", dup)
    outs = [out, tmp_path / "workers"]
    shutil.copytree(out, outs[1])
    one = render_reports(outs[0], config=Config())
    monkeypatch.setattr(procpool, "PARALLEL_MIN_ITEMS", 1)
    monkeypatch.setattr(procpool, "CHUNK_ITEMS", 3)
    here: list[str] = []  # records read in this process: none when the workers read them
    real = render._scan_render
    monkeypatch.setattr(render, "_scan_render", lambda pages, item: here.append(item[0].name) or real(pages, item))
    two = render_reports(outs[1], config=Config(), workers=2)
    assert here == []
    assert (two.calls, two.parsed, two.reused, two.audio_files, len(two.skipped)) == \
        (one.calls, one.parsed, one.reused, one.audio_files, len(one.skipped))
    assert len(one.skipped) == 1 and "zz-copy.json" in one.skipped[0] and one.audio_files > 0
    assert sorted(two.pages) == sorted(one.pages)
    a, b = _files(outs[0]), _files(outs[1])
    assert a == b and any(k.startswith("audio/") for k in a) and "callpages/anna-0.html" in a
    for name in ("state.json", "digests.json"):
        sa = json.loads((outs[0] / ".report" / name).read_text(encoding="utf-8"))
        sb = json.loads((outs[1] / ".report" / name).read_text(encoding="utf-8"))
        if name == "digests.json":  # the file keys name each folder's own inodes
            sa, sb = ({f: {k: v for k, v in d.items() if k != "fkey"} for f, d in x["calls"].items()} for x in (sa, sb))
        assert sa == sb, name
    # no snippet is left that no page plays (the skipped second file's page made some, in one process too)
    for o in outs:
        state = json.loads((o / ".report" / "state.json").read_text(encoding="utf-8"))
        played = {a for entry in state["pages"].values() for a in entry.get("audio", ())}
        assert {p.relative_to(o).as_posix() for p in (o / "audio").rglob("*.opus")} == played != set()
    # and again, nothing changed: nothing read (the file keys), nothing rendered
    three = render_reports(outs[1], config=Config(), workers=2)
    assert three.parsed == 0 and sorted(three.pages) == ["index.html", "team.csv"]


def test_pages_made_while_judging_are_those_of_rendering_after_it(tmp_path, monkeypatch):
    """``callcheck report`` (judge_and_render) digests each judged call and makes its call page in
    the judge's pass, where the record is in memory: the same files, byte for byte, as judging and
    then rendering separately (in one process and in worker processes), without the render reading
    those records again; a record re-analysed between the two steps is read again."""

    from callcheck import procpool
    import callcheck.judge as judge
    import callcheck.report.render as render
    from callcheck.report import judge_and_render

    top = ("agents", "callpages", "audio", "judgements", "index.html", "team.csv")
    out = build(tmp_path / "base" / "out", "de")
    shutil.rmtree(out / "judgements")
    shutil.rmtree(out / ".cache")
    folders = {k: tmp_path / k / "out" for k in ("separate", "fused", "workers", "changed")}
    for d in folders.values():
        shutil.copytree(out, d)
        shutil.copy(out.parent / "out-tone.wav", d.parent / "out-tone.wav")
    read_again: list[str] = []
    real = render._scan_render
    monkeypatch.setattr(render, "_scan_render", lambda pages, item: read_again.append(item[0].name) or real(pages, item))
    judge_batch(folders["separate"], config=Config())
    one = render_reports(folders["separate"], config=Config())
    n = len(read_again)
    assert n == one.parsed == one.calls == 24
    read_again.clear()
    j, two = judge_and_render(folders["fused"], config=Config())
    assert read_again == [] and two.parsed == 24 and j.written == 24
    assert sorted(two.pages) == sorted(one.pages) and two.audio_files == one.audio_files > 0
    a = _files(folders["separate"], top)
    assert _files(folders["fused"], top) == a and "callpages/anna-0.html" in a and any(k.startswith("audio/") for k in a)
    for name in ("state.json", "digests.json"):
        sa, sb = (json.loads((folders[k] / ".report" / name).read_text(encoding="utf-8")) for k in ("separate", "fused"))
        if name == "digests.json":
            sa, sb = ({f: {k: v for k, v in d.items() if k != "fkey"} for f, d in x["calls"].items()} for x in (sa, sb))
        assert sa == sb, name
    # in worker processes (each gets its own copy of the page maker)
    monkeypatch.setattr(judge, "PARALLEL_MIN_CALLS", 1)
    monkeypatch.setattr(judge, "CHUNK_CALLS", 5)
    monkeypatch.setattr(procpool, "PARALLEL_MIN_ITEMS", 1)
    here: list[str] = []  # calls judged in this process: none when the workers judge them
    real_one = judge._judge_one
    monkeypatch.setattr(judge, "_judge_one", lambda e, *a, **k: here.append(e.call_id) or real_one(e, *a, **k))
    _, three = judge_and_render(folders["workers"], config=Config(), workers=2)
    assert here == [] and read_again == [] and three.parsed == 24 and _files(folders["workers"], top) == a
    monkeypatch.setattr(judge, "_judge_one", real_one)
    # a record re-analysed after judging: the render does not use what was made from the old bytes
    read_again.clear()
    monkeypatch.setattr(judge, "PARALLEL_MIN_CALLS", 10_000)
    monkeypatch.setattr(procpool, "PARALLEL_MIN_ITEMS", 10_000)
    d = folders["changed"]
    then = render.pages_after_judging(d, config=Config())
    judge_batch(d, config=Config(), then=then)
    assert len(then.results) == 24
    rec = json.loads((d / "calls" / "bernd-1.json").read_text(encoding="utf-8"))
    rec["speakers"]["agent"]["talk_share"] = 0.91
    write_record(d / "calls" / "bernd-1.json", rec)
    four = render_reports(d, config=Config(), prepared=then.results)
    assert read_again == ["bernd-1.json"] and four.parsed == 24
    page = (d / "callpages" / "bernd-1.html").read_text(encoding="utf-8")
    assert "<td>Redeanteil</td><td class=\"num\">91\u202f%</td>" in page


def test_an_unsupported_language_is_refused_before_anything_is_judged(tmp_path):
    from callcheck.report import judge_and_render

    out = build(tmp_path / "out", "de")
    shutil.rmtree(out / "judgements")
    with pytest.raises(ReportError, match=r"^report language 'fr' is not supported; use de, en or auto$"):
        judge_and_render(out, config=Config(), language="fr")
    assert not (out / "judgements").exists() and not (out / "callpages").exists()


def test_transcript_html_is_that_of_escaping_each_word():
    """The call page escapes a run of sure words at once (callpage._words_html): the same HTML as
    escaping word by word, for words with markup characters, empty words and probabilities at and
    around the threshold."""
    import random
    from html import escape

    from callcheck.report.callpage import _words_html
    from callcheck.types import Word

    rng = random.Random(5)
    texts = ["ja", "A&B", "<b>", "x>y", "", "Söhne,", "&amp;", "'quote'", '"q"', "a  b"]
    for _ in range(300):
        words = [Word("agent", rng.choice(texts), 0.0, 1.0, rng.choice([0.0, 0.49, 0.5, 0.51, 1.0])) for _ in range(rng.randint(1, 12))]
        one_by_one = " ".join(f'<span class="low">{escape(w.text, False)}</span>' if w.probability < 0.5 else escape(w.text, False)
                              for w in words)
        assert _words_html(words, 0.5) == one_by_one
