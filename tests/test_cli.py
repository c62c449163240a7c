"""The command line: documented commands, config round trip, exact messages and exit codes."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from callcheck import __version__
from callcheck.cli import app
from callcheck.config import Config, iter_documented, load_config

from conftest import REPO

runner = CliRunner()


def _readme_command_lines() -> list[str]:
    """The ``callcheck ...`` command lines inside the README's fenced code blocks (not prose)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", readme, flags=re.S | re.M)
    lines = []
    for b in blocks:
        for line in b.splitlines():
            m = re.search(r"(?:^\s*(?:\$\s+)?|&&\s*|\.venv/bin/)callcheck ([a-z][a-z-]*)", line)
            if m and not line.lstrip().startswith("#"):
                lines.append(m.group(1))
    return lines


def test_every_command_is_in_the_readme():
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    names |= {g.name for g in app.registered_groups if g.name}
    assert names >= {"analyze", "report", "rules", "clips", "config", "version", "serve", "users", "export"}
    documented = set(_readme_command_lines())
    assert names <= documented, f"commands without a command line in a README code block: {sorted(names - documented)}"
    assert documented <= names, f"README code blocks show commands that do not exist: {sorted(documented - names)}"


def test_every_config_key_is_documented_and_config_output_round_trips(tmp_path):
    for key, _default, doc in iter_documented():
        assert doc.strip(), f"config key {key} has no documentation"
    r = runner.invoke(app, ["config"])
    assert r.exit_code == 0
    f = tmp_path / "callcheck.toml"
    f.write_text(r.output, encoding="utf-8")
    assert load_config(f) == Config()


def test_bad_config_exits_2_before_any_audio_is_read(tmp_path):
    f = tmp_path / "callcheck.toml"
    f.write_text('[separation]\ncluster = "kmean"\n', encoding="utf-8")
    line = f"error: {f}: separation.cluster = 'kmean' is not one of: best-of, kmeans, ward, ward-kmeans, pitch"
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "call.wav").write_bytes(b"RIFF")  # never opened: the config is checked first
    r = runner.invoke(app, ["analyze", str(inbox), "--out", str(tmp_path / "o"), "--config", str(f)])
    assert r.exit_code == 2 and r.output.strip() == line
    assert not (tmp_path / "o").exists()  # nothing done, nothing written
    r = runner.invoke(app, ["config", "--config", str(f)])
    assert r.exit_code == 2 and r.output.strip() == line


def _error_lines(r) -> list[str]:
    return [line for line in r.output.splitlines() if line.strip()]


def test_usage_errors_exit_2_before_any_work(tmp_path):
    from conftest import sample_wavs

    out = tmp_path / "o"
    wav = str(sample_wavs()[0])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not audio")
    cases = [
        (["analyze", "--out", str(out)], "error: no input: give audio files, folders or --manifest CSV"),
        (["analyze", str(tmp_path / "nope.wav"), "--out", str(out)],
         f"error: {tmp_path / 'nope.wav'}: no such file or folder; give audio files or folders that exist"),
        (["analyze", str(empty), "--out", str(out)],
         f"error: {empty}: folder holds no audio files (.aac, .aif, .aiff, .amr, .au, .caf, .flac, .m4a, .mka, .mp3, .mp4, .oga, .ogg, .opus, "
         ".w64, .wav, .webm, .wma); give the folder with the recordings, or set batch.audio_extensions"),
        (["analyze", wav, "--out", str(out), "--language", "german"],
         "error: --language 'german' is not a language code; did you mean de? (use auto or an ISO 639-1 code such as de or en)"),
        (["analyze", wav, "--out", str(out), "--language", "xx"],
         "error: --language 'xx' is not a language Whisper knows; use auto or one of: af, am, ar, "),
    ]
    for args, line in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert len(_error_lines(r)) == 1 and _error_lines(r)[0].startswith(line), (args, r.output)
        assert not out.exists(), args  # nothing was done
    r = runner.invoke(app, ["analyze", wav, "--out", str(out), "--layout", "left"])
    assert r.exit_code == 2
    assert "Error: Invalid value for '--layout': Value error, 'left' is not one of 'auto', 'agent-left', 'agent-right', 'mono', 'agent-only'." in r.output
    bad = tmp_path / "calls.csv"
    bad.write_text(f"path;agent;date\n{wav};anna;03.11.2026\n{wav[:-4]}x.wav;anna;3/11/26\n", encoding="utf-8")
    r = runner.invoke(app, ["analyze", "--manifest", str(bad), "--out", str(out)])
    assert r.exit_code == 2 and _error_lines(r) == [f"error: {bad}:3: date '3/11/26' is not a date; use YYYY-MM-DD or DD.MM.YYYY"]
    (tmp_path / "file").write_text("x")
    r = runner.invoke(app, ["analyze", wav, "--out", str(tmp_path / "file")])
    assert r.exit_code == 2 and _error_lines(r) == [f"error: --out {tmp_path / 'file'} is a file; give a folder for the results"]


def test_readme_and_help_agree():
    """Every option of `analyze` is in the README's usage block and has help; every command has help."""
    from typer.main import get_command

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    usage = readme[readme.index("## Using it"):readme.index("## What comes out")]
    group = get_command(app)
    for name, cmd in group.commands.items():
        assert (cmd.help or "").strip(), f"command {name} has no help text"
        for p in cmd.params:
            if p.param_type_name == "option" and p.name != "help":
                assert (p.help or "").strip(), f"{name} {p.opts[0]} has no help text"
    analyze = group.commands["analyze"]
    for p in analyze.params:
        if p.param_type_name == "option" and p.name != "help":
            assert p.opts[0] in usage, f"document {p.opts[0]} in the README's usage"
    from callcheck.types import Layout

    layouts = "|".join(v.value for v in Layout)
    assert f"--layout {layouts}" in usage
    for code in ("0", "1", "2", "130"):
        assert re.search(rf"\b{code}\b", usage[usage.index("Exit codes"):]), code


def test_version():
    r = runner.invoke(app, ["version"])
    assert r.exit_code == 0 and r.output.strip() == f"callcheck {__version__}"


def test_contract_options_of_analyze_exist():
    from typer.main import get_command

    cmd = get_command(app).commands["analyze"]
    opts = {o for p in cmd.params if p.param_type_name == "option" for o in p.opts}
    assert [p.name for p in cmd.params if p.param_type_name == "argument"] == ["inputs"]
    assert {"--out", "--layout", "--language", "--model", "--manifest", "--config", "--workers"} <= opts


def test_unknown_model_stops_the_batch_with_one_line(tmp_path):
    from conftest import sample_wavs

    r = runner.invoke(app, ["analyze", str(sample_wavs()[0]), "--out", str(tmp_path / "o"), "--model", "no-such-model-xyz"])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and lines[0].startswith("error: model 'no-such-model-xyz' is not in ")
    assert "omit --model to use the embedded offline model" in lines[0]


def test_readme_documents_the_python_api_as_it_is():
    import inspect

    import callcheck

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    api = readme[readme.index("### Python API"):]
    assert "from callcheck import analyze_call, analyze_batch" in api
    flat = " ".join(api.split())
    for fn in (callcheck.analyze_call, callcheck.analyze_batch):
        m = re.search(rf"`{fn.__name__}\(([^`]*)\)`", flat)
        assert m, f"README: document the signature of {fn.__name__}"
        documented = [p.split("=")[0].strip() for p in m.group(1).split(",") if p.strip() not in ("*", "")]
        assert documented == list(inspect.signature(fn).parameters), fn.__name__
