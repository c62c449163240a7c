"""One configuration tree with documented defaults, loadable from ``callcheck.toml``.

Every field carries ``metadata["doc"]``: what it means, its unit, and where its default comes from.
``callcheck config`` prints the tree; unknown keys in a file are an error that lists the valid ones.
Each section is owned by one stage of the pipeline; add fields freely, keep names stable.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from callcheck.errors import ConfigError


def _f(default: Any, doc: str) -> Any:
    """A config field with its documentation."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("use tuples for config defaults")
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class ActivityConfig:
    """Speech activity per party (Silero VAD) and crosstalk suppression."""

    vad_threshold: float = _f(0.5, "Silero speech probability threshold (faster-whisper default 0.5).")
    min_speech_s: float = _f(0.12, "Shortest speech stretch kept, s. Short enough for 'ja'/'mhm' backchannels.")
    min_silence_s: float = _f(0.25, "Shorter silences inside speech are bridged, s (pauses below ~250 ms are not perceived as pauses, Goldman-Eisler).")
    speech_pad_s: float = _f(0.05, "Padding added to each side of a speech stretch, s.")
    crosstalk_margin_db: float = _f(8.0, "A stereo frame counts as this party's own speech only if its energy exceeds the leak expected from the other channel by this many dB.")
    frame_s: float = _f(0.02, "Frame length for the crosstalk energy comparison, s.")


@dataclass(frozen=True)
class TranscribeConfig:
    """faster-whisper decoding settings (chosen by measuring WER and speed together, see README)."""

    beam_size: int = _f(1, "1 = greedy. Greedy was as accurate as beam 5 on our German/English checks and ~1.6x faster (README, 'Decoding settings').")
    temperature: float = _f(0.0, "Single temperature, no fallback: the fallback made tiny.en run at 0.75x real time on repetitive audio (DEVELOPERS.md).")
    condition_on_previous_text: bool = _f(False, "Off: avoids repetition loops on long calls at no measured WER cost.")
    compute_type: str = _f("int8", "CTranslate2 compute type on CPU.")
    chunk_pad_s: float = _f(0.2, "Audio kept on each side of a speech stretch when it is handed to the model, s.")
    language_detect_s: float = _f(30.0, "Seconds of speech used to detect the language when --language auto.")
    initial_prompt: str = _f("", "Optional prompt, e.g. company and product names.")


@dataclass(frozen=True)
class SeparationConfig:
    """Speaker separation for mono recordings."""

    agent_is: str = _f("first-speaker", "How the agent voice is chosen in mono: 'first-speaker' (the agent greets) or 'most-talk'.")
    window_s: float = _f(1.0, "Length of the analysis windows clustered into two voices, s.")
    hop_s: float = _f(0.5, "Hop between analysis windows, s.")


@dataclass(frozen=True)
class TurnsConfig:
    """Turn-taking."""

    max_pause_in_turn_s: float = _f(1.0, "A party keeps the floor across pauses up to this long, s (Gong/AWS-style turn merging).")
    interruption_grace_s: float = _f(0.5, "An overlap is an interruption only if the second speaker talks past this window, s (call-ai-metrics default, norms.md).")
    backchannel_max_s: float = _f(1.0, "A vocalisation this short inside the other's speech is a backchannel, s.")
    dead_air_min_s: float = _f(3.0, "Both silent at least this long counts as dead air, s (MiiTel counts silences >= 3 s, norms.md).")


@dataclass(frozen=True)
class VoiceConfig:
    """Voice measures per party (speech rate, pauses, pitch, monotony, loudness, clarity)."""


@dataclass(frozen=True)
class RulesConfig:
    """Thresholds and weights of the eight mistake rules."""


@dataclass(frozen=True)
class ReportConfig:
    """Report rendering."""


@dataclass(frozen=True)
class BatchConfig:
    """Batch processing."""

    agent_pattern: str = _f("", "Regular expression with a group named 'agent' applied to the file name (without folder), e.g. '^(?P<agent>[^_]+)_'. Empty: the parent folder's name is the agent.")
    audio_extensions: tuple[str, ...] = _f((".wav", ".flac", ".ogg", ".opus", ".mp3", ".m4a", ".mp4", ".aac", ".wma", ".webm", ".au", ".aiff", ".aif"), "File endings searched in folders.")


@dataclass(frozen=True)
class Config:
    """The whole configuration tree."""

    activity: ActivityConfig = field(default_factory=ActivityConfig)
    transcribe: TranscribeConfig = field(default_factory=TranscribeConfig)
    separation: SeparationConfig = field(default_factory=SeparationConfig)
    turns: TurnsConfig = field(default_factory=TurnsConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    batch: BatchConfig = field(default_factory=BatchConfig)


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}; valid keys are: {', '.join(sorted(fields))}"
        )
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        f = fields[name]
        default = getattr(cls(), name)
        if dataclasses.is_dataclass(default):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}.{name} must be a table, got {value!r}")
            kwargs[name] = _build(type(default), value, f"{where}.{name}")
            continue
        kwargs[name] = _coerce(value, default, f"{where}.{name}")
    return cls(**kwargs)


def _coerce(value: Any, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        return tuple(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    return value


def load_config(path: str | Path | None = None) -> Config:
    """Defaults, overridden by the TOML file at ``path`` (if given)."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    return _build(Config, data, p.name)


def config_to_dict(config: Any) -> dict[str, Any]:
    """The config as plain JSON-able data (echoed into every result)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        if dataclasses.is_dataclass(v):
            out[f.name] = config_to_dict(v)
        elif isinstance(v, tuple):
            out[f.name] = list(v)
        else:
            out[f.name] = v
    return out


def iter_documented(config: Any = None, prefix: str = ""):
    """Yield ``(dotted_key, default, doc)`` for every leaf of the tree (docs and ``callcheck config``)."""
    config = Config() if config is None else config
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(v):
            yield from iter_documented(v, key + ".")
        else:
            yield key, v, f.metadata.get("doc", "")
