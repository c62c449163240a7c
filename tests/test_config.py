"""The config tree: every field documented and constrained, every kind of bad value stopped when the
config is built, with one exact line naming the file, the key, the value and what is allowed."""

from __future__ import annotations

import dataclasses
import math

import pytest

from callcheck.config import (
    Config,
    SeparationConfig,
    VoiceConfig,
    allowed,
    as_config,
    choices,
    field_specs,
    iter_documented,
    load_config,
)
from callcheck.errors import ConfigError

SECTIONS = [f.default_factory for f in dataclasses.fields(Config)]


def test_every_field_is_documented_constrained_and_its_default_valid():
    cfg = Config()  # building the defaults runs every check: an invalid default fails here
    assert cfg == Config()
    for key, _value, doc in iter_documented(cfg):
        assert len(doc.strip()) > 10, f"{key} has no documentation"
    for cls in SECTIONS:
        for spec in field_specs(cls):
            key = f"{dataclasses.fields(Config)[SECTIONS.index(cls)].name}.{spec.name}"
            c = spec.constraints
            if spec.kind in ("int", "float"):
                assert {"ge", "gt"} & set(c), f"{key}: give the number a lower bound (ge= or gt=)"
            if spec.kind == "str":
                assert c.get("free_text") or c.get("regex_group"), f"{key}: a string needs Literal choices or free_text=True"
            if spec.kind == "tuple" and spec.item in ("int", "float"):
                assert {"ge", "gt"} & set(c) and ("length" in c or "min_length" in c), key
            assert spec.kind == "bool" or allowed(key) or c.get("free_text"), key


def test_dead_key_is_gone():
    assert "frame_s" not in {s.name for s in field_specs(type(Config().activity))}


def test_choices_come_from_the_annotations():
    assert choices(SeparationConfig, "cluster") == ("best-of", "kmeans", "ward", "ward-kmeans", "pitch")
    assert choices(SeparationConfig, "agent_is") == ("first-speaker", "most-talk", "greeting-words")
    assert choices(SeparationConfig, "segmentation") == ("cues", "none")


@pytest.mark.parametrize("toml, message", [
    ('[separation]\ncluster = "kmean"', "separation.cluster = 'kmean' is not one of: best-of, kmeans, ward, ward-kmeans, pitch"),
    ('[separation]\nsegmentation = "pyannote"', "separation.segmentation = 'pyannote' is not one of: cues, none"),
    ("[voice]\nhop_s = 0", "voice.hop_s = 0 must be > 0"),
    ("[transcribe]\nbeam_size = 0", "transcribe.beam_size = 0 must be >= 1"),
    ("[transcribe]\ntemperature = nan", "transcribe.temperature = nan must be a finite number"),
    ("[transcribe]\ntemperature = 1.5", "transcribe.temperature = 1.5 must be >= 0 and <= 1"),
    ("[voice]\nf0_min_hz = 0", "voice.f0_min_hz = 0 must be > 0"),
    ("[voice]\nmax_pause_s = inf", "voice.max_pause_s = inf must be a finite number"),
    ("[voice]\nf0_min_hz = 600", "voice.f0_min_hz = 600.0 must be below voice.f0_max_hz = 500.0"),
    ("[voice]\nf0_max_hz = 4500", "voice.f0_max_hz = 4500.0 must be below half of voice.pitch_rate_hz = 8000"),
    ("[voice]\nmovement_smooth_frames = 4", "voice.movement_smooth_frames = 4 must be an odd whole number"),
    ("[transcribe]\nbeam_size = 1.5", "transcribe.beam_size = 1.5 is not a whole number"),
    ('[turns]\ninterruption_grace_s = "half a second"', "turns.interruption_grace_s = 'half a second' is not a number"),
    ("[report]\naudio = 1", "report.audio = 1 is not true or false"),
    ("[transcribe]\ninitial_prompt = 3", "transcribe.initial_prompt = 3 is not a string"),
    ("[rules]\nseverity_weights = [0, 1, 2]", "rules.severity_weights = [0, 1, 2] must be a list of 4 numbers"),
    ('[rules]\nseverity_weights = [0, 1, "x", 3]', "rules.severity_weights = [0, 1, 'x', 3] has an item 'x' that is not a number"),
    ("[rules]\nstrength_listening_share = [0.6, 0.3]", "rules.strength_listening_share = [0.6, 0.3] must be in ascending order"),
    ('[turns]\ncompany_names = "Grumps"', "turns.company_names = 'Grumps' is not a list"),
    ('[batch]\naudio_extensions = ["wav"]', r"batch.audio_extensions = ['wav'] has an item 'wav' that does not match ^\.[A-Za-z0-9]+$ (e.g. '.wav')"),
    ("[batch]\naudio_extensions = []", "batch.audio_extensions = [] must not be empty"),
    ('[batch]\nagent_pattern = "("', "batch.agent_pattern = '(' is not a valid regular expression (missing ), unterminated subpattern at position 0)"),
    ('[batch]\nagent_pattern = "^([a-z]+)_"', "batch.agent_pattern = '^([a-z]+)_' needs a group named 'agent', e.g. '^(?P<agent>[^_]+)_'"),
    ("[turns]\ngrace = 0.3", "unknown key turns.grace; valid keys in [turns]: backchannel_max_s, company_names, dead_air_min_s, "
                             "interruption_grace_s, max_pause_in_turn_s, min_overlap_s"),
    ("[activity]\nframe_s = 0.02", "unknown key activity.frame_s; valid keys in [activity]: crosstalk_margin_db, hold_bridge_s, "
                                   "hold_detect, hold_min_level_db, hold_min_s, hold_sustained_share, min_silence_s, "
                                   "min_speech_s, speech_pad_s, vad_level_dbfs, vad_max_gain_db, vad_threshold"),
    ("[sepration]\ncluster = 'ward'", "unknown section sepration; valid sections: activity, assessment, batch, privacy, report, rules, separation, transcribe, turns, voice, words"),
    ("turns = 3", "turns must be a table ([turns]), got 3"),
])
def test_each_kind_of_bad_value_is_one_exact_line(tmp_path, toml, message):
    f = tmp_path / "callcheck.toml"
    f.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert str(exc.value) == f"{f}: {message}"


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match=r": config file not found$"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[voice\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: not valid TOML \("):
        load_config(bad)


def test_values_built_in_code_are_checked_too_and_normalised():
    with pytest.raises(ConfigError, match=r"^separation.cluster = 'kmean' is not one of: best-of, kmeans, ward, ward-kmeans, pitch$"):
        SeparationConfig(cluster="kmean")
    with pytest.raises(ConfigError, match=r"^voice.hop_s = 0 must be > 0$"):
        dataclasses.replace(VoiceConfig(), hop_s=0)
    v = VoiceConfig(hop_s=1)  # an int for a float field is stored as a float: equal settings hash equally
    assert isinstance(v.hop_s, float) and v == VoiceConfig(hop_s=1.0)
    assert not math.isnan(Config().transcribe.temperature)


def test_valid_file_overrides_defaults(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[transcribe]\nbeam_size = 5\n[separation]\ncluster = "ward"\n[rules]\nseverity_weights = [0, 1, 2, 4]\n', encoding="utf-8")
    cfg = load_config(f)
    assert cfg.transcribe.beam_size == 5 and cfg.separation.cluster == "ward"
    assert cfg.rules.severity_weights == (0.0, 1.0, 2.0, 4.0)
    assert as_config(f) == cfg and as_config(cfg) is cfg and as_config(None) == Config()
    with pytest.raises(ConfigError, match="config must be a Config"):
        as_config(3)
