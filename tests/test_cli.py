"""The command line: documented commands, config round trip, exact messages and exit codes."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from callcheck import __version__
from callcheck.cli import app
from callcheck.config import Config, iter_documented, load_config

from conftest import REPO

runner = CliRunner()


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert set(names) >= {"analyze", "report", "rules", "clips", "config", "version"}
    for name in names:
        assert re.search(rf"callcheck {name}\b", readme), name


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


def test_usage_errors_exit_2(tmp_path):
    r = runner.invoke(app, ["analyze", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    r = runner.invoke(app, ["analyze", str(tmp_path), "--out", str(tmp_path / "o"), "--layout", "left"])
    assert r.exit_code == 2


def test_missing_input_is_a_failure_not_a_crash(tmp_path):
    missing = tmp_path / "nope.wav"
    r = runner.invoke(app, ["analyze", str(missing), "--out", str(tmp_path / "o"), "--no-report"])
    assert r.exit_code == 1
    assert (tmp_path / "o" / "failures.csv").read_text().splitlines()[1].endswith(f"{missing}: file not found")


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
