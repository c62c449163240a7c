"""Batches as a supervisor uses them: stable call ids, no stale or duplicate records, moved
folders, the manifest as Excel writes it, and the public Python API — with a scripted transcriber."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import callcheck
from callcheck import analyze_batch, analyze_call
from callcheck.discover import discover, parse_date, safe_id
from callcheck.record import locate_source
from callcheck.config import Config
from callcheck.errors import AudioError, ConfigError
from callcheck.languages import WHISPER_LANGUAGES, normalize_language
from callcheck.result import validate_call_json

from conftest import ScriptedTranscriber, sample_wavs, truth_of

WAVS = sample_wavs()


def _factory(wav: Path):
    tr = ScriptedTranscriber(truth_of(wav))
    return lambda cpu_threads: tr


def _batch(inputs, out, wav=WAVS[0], **kw):
    return analyze_batch(inputs, out, transcriber_factory=_factory(wav), report=False, **kw)


def _records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "calls").glob("*.json")}


def test_a_same_named_file_under_a_second_agent_keeps_both_ids_stable(tmp_path, capsys):
    inbox, out = tmp_path / "calls", tmp_path / "out"
    (inbox / "anna").mkdir(parents=True)
    shutil.copy(WAVS[0], inbox / "anna" / "a001.wav")
    s1 = _batch([inbox], out)
    assert [c.call_id for c in s1.calls] == ["a001"] and s1.analysed == 1 and s1.exit_code == 0
    first = _records(out)["a001"]

    (inbox / "markus").mkdir()
    shutil.copy(WAVS[1], inbox / "markus" / "a001.wav")  # another recording, the same file name
    s2 = _batch([inbox], out)
    assert {c.call_id: c.agent for c in s2.calls} == {"a001": "anna", "markus__a001": "markus"}
    assert {o.info.call_id: o.status for o in s2.outcomes} == {"a001": "cached", "markus__a001": "done"}
    records = _records(out)
    assert sorted(records) == ["a001", "markus__a001"]  # nothing stale, nothing renamed
    assert records["a001"] == first and records["a001"]["agent"] == "anna"
    assert records["markus__a001"]["source"] == str((inbox / "markus" / "a001.wav").resolve())
    assert s2.removed == () and "removed" not in capsys.readouterr().err

    s3 = _batch([inbox / "markus", inbox / "anna"], out)  # given another way round: the same ids
    assert sorted(c.call_id for c in s3.calls) == ["a001", "markus__a001"] and s3.unchanged == 2
    fresh = _batch([inbox], tmp_path / "fresh")  # a new folder: both names are shared, both qualified
    assert sorted(c.call_id for c in fresh.calls) == ["anna__a001", "markus__a001"]


def test_moved_audio_and_results_keep_ids_and_find_the_audio(tmp_path):
    project = tmp_path / "project"
    (project / "audio" / "anna").mkdir(parents=True)
    shutil.copy(WAVS[0], project / "audio" / "anna" / "a001.wav")
    _batch([project / "audio"], project / "out")
    rec = _records(project / "out")["a001"]
    assert rec["source_relative"] == "../audio/anna/a001.wav"

    moved = tmp_path / "elsewhere"
    shutil.move(str(project), str(moved))  # audio and results moved together
    rec = _records(moved / "out")["a001"]
    assert not Path(rec["source"]).exists()
    assert locate_source(rec, moved / "out") == moved / "out" / "../audio/anna/a001.wav"
    s = _batch([moved / "audio"], moved / "out")
    assert [(o.info.call_id, o.status) for o in s.outcomes] == [("a001", "cached")]
    assert _records(moved / "out")["a001"]["source"] == str((moved / "audio" / "anna" / "a001.wav").resolve())


def test_a_renamed_file_keeps_its_id_and_an_older_duplicate_is_removed(tmp_path):
    inbox, out = tmp_path / "in" / "anna", tmp_path / "out"
    inbox.mkdir(parents=True)
    shutil.copy(WAVS[0], inbox / "a001.wav")
    _batch([inbox], out)
    (inbox / "a001.wav").rename(inbox / "a001-final.wav")  # renamed: found by its content
    s = _batch([inbox], out)
    assert [(c.call_id, o.status) for c, o in zip(s.calls, s.outcomes)] == [("a001", "cached")]
    assert sorted(_records(out)) == ["a001"]
    assert _records(out)["a001"]["source"].endswith("a001-final.wav")

    # a second record of the same recording, as older versions left one ("anna shows 2 calls")
    shutil.copy(out / "calls" / "a001.json", out / "calls" / "a001-3fa2c1.json")
    notes = []
    s = _batch([inbox], out, on_notice=notes.append)
    assert sorted(_records(out)) == ["a001"]
    assert notes == [f"note: removed {out / 'calls' / 'a001-3fa2c1.json'}: the same recording is a001.json"]
    assert s.removed == tuple(notes)


def test_yesterdays_calls_stay_when_todays_are_analysed(tmp_path):
    out = tmp_path / "out"
    for day, wav in (("mon", WAVS[0]), ("tue", WAVS[1])):
        (tmp_path / day / "anna").mkdir(parents=True)
        shutil.copy(wav, tmp_path / day / "anna" / "c1.wav")
    _batch([tmp_path / "mon"], out)
    s = _batch([tmp_path / "tue"], out)  # the same agent/file name on another day: a new call
    assert [c.call_id for c in s.calls] == ["anna__c1"]
    assert sorted(_records(out)) == ["anna__c1", "c1"]
    assert _records(out)["c1"]["source"].startswith(str((tmp_path / "mon").resolve()))


def test_ids_are_safe_bounded_and_case_insensitive_unique(tmp_path):
    assert safe_id("Jürgen Müller/02 März") == "Jurgen_Muller_02_Marz"
    long = "x" * 150
    assert len(safe_id(long)) == 91 and safe_id(long) == safe_id(long) and safe_id(long).startswith("x" * 80 + "-")
    for folder, name in (("a", "Call.wav"), ("b", "call.wav")):
        (tmp_path / "in" / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(WAVS[0], tmp_path / "in" / folder / name)
    plan = discover([tmp_path / "in"], manifest=None, config=Config())
    assert [c.call_id for c in plan.calls] == ["a__Call", "b__call"]  # one file system may not tell Call from call


def test_results_folder_inside_the_input_is_not_analysed(tmp_path):
    (tmp_path / "anna").mkdir()
    shutil.copy(WAVS[0], tmp_path / "anna" / "a.wav")
    (tmp_path / "out" / "clips").mkdir(parents=True)
    shutil.copy(WAVS[0], tmp_path / "out" / "clips" / "01.wav")
    plan = discover([tmp_path], manifest=None, config=Config(), out_dir=tmp_path / "out")
    assert [c.call_id for c in plan.calls] == ["a"]


def test_manifest_as_german_excel_writes_it(tmp_path):
    for name in ("a.wav", "b.wav"):
        shutil.copy(WAVS[0], tmp_path / name)
    m = tmp_path / "calls.csv"
    text = "sep=;\r\nPath;Agent;Date;Language;Layout\r\na.wav;Jürgen;03.11.2026;DE;Mono\r\nb.wav;Anna;2026-11-04;;\r\n;;;;\r\n"
    m.write_bytes(text.encode("cp1252"))
    calls = discover([], manifest=m, config=Config()).calls
    assert [(c.agent, c.date, c.language, c.layout) for c in calls] == [
        ("Jürgen", "2026-11-03", "de", "mono"), ("Anna", "2026-11-04", "auto", "auto")]
    m.write_text("path\tagent\tcall_id\na.wav\tanna\tx-1\n", encoding="utf-8")
    assert [(c.call_id, c.agent) for c in discover([], manifest=m, config=Config()).calls] == [("x-1", "anna")]


@pytest.mark.parametrize("rows, message", [
    ("a.wav;anna;3/11/26", "calls.csv:2: date '3/11/26' is not a date; use YYYY-MM-DD or DD.MM.YYYY"),
    ("a.wav;anna;31.02.2026", "calls.csv:2: date '31.02.2026' is not a date; use YYYY-MM-DD or DD.MM.YYYY"),
    ("a.wav;anna;;german", "calls.csv:2: language 'german' is not a language code; did you mean de? (use auto or an ISO 639-1 code such as de or en)"),
    ("a.wav;anna;;;left", "calls.csv:2: layout 'left' is not one of: auto, agent-left, agent-right, mono, agent-only"),
    (";anna", "calls.csv:2: empty path"),
    ("a.wav;anna;;;;c1\nb.wav;bert;;;;c1", "calls.csv:3: call_id 'c1' is also used in row 2; call ids must be unique"),
    ("a.wav;anna\n./a.wav;bert", "calls.csv:3: ./a.wav is already listed in row 2"),
    ("a.wav;anna;1.1.26\nb.wav;bert;x", "calls.csv:2: date '1.1.26' is not a date; use YYYY-MM-DD or DD.MM.YYYY (and 1 more row with problems)"),
])
def test_bad_manifest_rows_stop_before_any_work_naming_the_row(tmp_path, rows, message):
    m = tmp_path / "calls.csv"
    m.write_text("path;agent;date;language;layout;call_id\n" + rows + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        discover([], manifest=m, config=Config())
    assert str(exc.value) == f"{tmp_path}/{message}"


def test_manifest_without_the_needed_columns(tmp_path):
    m = tmp_path / "calls.csv"
    m.write_text("file;who\nx.wav;y\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        discover([], manifest=m, config=Config())
    assert str(exc.value) == (f"{m}: manifest needs a header with the columns path,agent (optional: call_id,date,layout,language; "
                              "delimiter , ; or tab); found: file, who")


def test_dates_and_languages():
    assert parse_date("2026-11-03") == parse_date("03.11.2026") == parse_date("3.11.2026 14:05") == "2026-11-03"
    assert parse_date("2026-11-03T10:15:00") == "2026-11-03" and parse_date("") is None
    for bad in ("11/03/2026", "2026-13-01", "03.11.26"):
        with pytest.raises(ConfigError, match="is not a date"):
            parse_date(bad)
    assert [normalize_language(v) for v in ("DE", "de-DE", "en_US", " en ", "Auto", "", None, "yue")] == [
        "de", "de", "en", "en", "auto", "auto", "auto", "yue"]
    with pytest.raises(ConfigError, match=r"^--language 'Deutsch' is not a language code; did you mean de\?"):
        normalize_language("Deutsch", what="--language")
    faster_whisper = pytest.importorskip("faster_whisper.tokenizer")
    assert WHISPER_LANGUAGES == tuple(faster_whisper._LANGUAGE_CODES)


def test_analyze_call_returns_the_record_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    wav = WAVS[0]
    rec = analyze_call(wav, transcriber=ScriptedTranscriber(truth_of(wav)), language="DE" if truth_of(wav)["language"] == "de" else "en")
    validate_call_json(rec)
    assert rec["call_id"] == wav.stem and rec["agent"] == wav.parent.name and rec["source_relative"] is None
    assert rec["language"] == truth_of(wav)["language"] and isinstance(rec["findings"], list)
    assert list(tmp_path.iterdir()) == []  # no disk writes
    rec2 = analyze_call(wav, transcriber=ScriptedTranscriber(truth_of(wav)), out_dir=tmp_path / "o", agent="Sonja M.", date="03.11.2026")
    assert json.loads((tmp_path / "o" / "calls" / f"{wav.stem}.json").read_text()) == rec2
    assert rec2["agent"] == "Sonja M." and rec2["date"] == "2026-11-03"
    with pytest.raises(AudioError, match="file not found"):
        analyze_call(tmp_path / "nope.wav", transcriber=ScriptedTranscriber(truth_of(wav)))
    bad = tmp_path / "o" / "c.toml"
    bad.write_text('[separation]\ncluster = "x"\n')
    with pytest.raises(ConfigError, match="separation.cluster = 'x' is not one of: best-of"):
        analyze_call(wav, config=bad)


def test_public_names():
    assert {"analyze_call", "analyze_batch", "BatchSummary", "Config", "load_config", "CallcheckError", "Layout"} <= set(callcheck.__all__)
    for name in callcheck.__all__:
        assert getattr(callcheck, name) is not None
    from callcheck import Layout

    assert [v.value for v in Layout] == ["auto", "agent-left", "agent-right", "mono", "agent-only"]
    with pytest.raises(AttributeError):
        callcheck.no_such_name  # noqa: B018


def test_batch_summary_failures_and_reports(tmp_path):
    inbox = tmp_path / "in" / "sonja"
    inbox.mkdir(parents=True)
    shutil.copy(WAVS[0], inbox / "good.wav")
    (inbox / "empty.wav").write_bytes(b"")
    out = tmp_path / "out"
    (out / "agents").mkdir(parents=True)
    (out / "agents" / "gone.html").write_text("an agent without calls")  # left from an older batch
    seen, started = [], []
    s = analyze_batch([tmp_path / "in"], out, transcriber_factory=_factory(WAVS[0]),
                      on_start=lambda calls, d: started.append((len(calls), sorted(d))), on_outcome=seen.append)
    assert started == [(2, ["empty", "good"])] and [o.status for o in seen] == ["failed", "done"]
    assert (s.analysed, s.unchanged, s.exit_code, s.interrupted) == (1, 0, 1, False)
    assert [f.line for f in s.failures] == [f"{inbox / 'empty.wav'}: empty file (0 bytes)"]
    assert (out / "failures.csv").read_text().splitlines()[1].endswith("empty file (0 bytes)")
    assert s.report is not None and s.report_error is None and (out / "index.html").is_file()
    assert (out / "agents" / "sonja.html").is_file() and not (out / "agents" / "gone.html").exists()
    with pytest.raises(ConfigError, match=r"^--workers 0 must be a whole number >= 1$"):
        analyze_batch([tmp_path / "in"], out, workers=0)
