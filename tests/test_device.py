"""Where Whisper runs: transcribe.device auto|cpu|cuda with the matching compute type, and the
clips of faster-whisper's batched pipeline. On a CPU-only machine 'auto' is the CPU and 'cuda' is a
one-line model error; with a GPU (CTranslate2 sees one) 'auto' is CUDA with float16."""

from __future__ import annotations

import pytest

from callcheck.config import Config, load_config
from callcheck.errors import ConfigError, ModelError
from callcheck.transcribe import whisper
from callcheck.transcribe.models import resolve_model
from callcheck.transcribe.whisper import batch_clips, cuda_devices, make_transcriber, resolve_device


def _tc(**kw):
    import dataclasses

    return dataclasses.replace(Config().transcribe, **kw)


def test_auto_uses_the_gpu_only_when_ctranslate2_sees_one(monkeypatch):
    monkeypatch.setattr(whisper, "cuda_devices", lambda: 0)
    assert resolve_device(_tc()) == ("cpu", "int8")
    assert resolve_device(_tc(device="cpu", compute_type="float32")) == ("cpu", "float32")
    with pytest.raises(ModelError, match="sees no GPU"):
        resolve_device(_tc(device="cuda"))
    monkeypatch.setattr(whisper, "cuda_devices", lambda: 1)
    assert resolve_device(_tc()) == ("cuda", "float16")
    assert resolve_device(_tc(device="cpu")) == ("cpu", "int8")
    assert resolve_device(_tc(compute_type="int8_float16")) == ("cuda", "int8_float16")


def test_the_identity_on_the_cpu_is_unchanged_and_names_a_gpu(monkeypatch):
    spec = resolve_model(None)
    monkeypatch.setattr(whisper, "cuda_devices", lambda: 0)
    cpu = make_transcriber(spec, _tc()).identity
    assert cpu.startswith("faster-whisper:whisper-base-embedded:int8:beam1/caller5r:")
    monkeypatch.setattr(whisper, "cuda_devices", lambda: 2)
    assert ":float16:cuda:" in make_transcriber(spec, _tc()).identity
    assert ":batch8:" in make_transcriber(spec, _tc(batch_size=8)).identity


def test_this_machine_reports_its_gpus_without_error():
    assert cuda_devices() >= 0


def test_bad_device_values_stop_when_the_config_is_read(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[transcribe]\ndevice = "gpu"\n')
    with pytest.raises(ConfigError, match="auto, cpu, cuda"):
        load_config(f)
    f.write_text("[transcribe]\nbatch_size = 0\n")
    with pytest.raises(ConfigError, match="batch_size"):
        load_config(f)


def test_batch_clips_pack_chunks_into_30_s_pieces():
    rate = 16000
    chunks = [{"start": 0, "end": 10 * rate}, {"start": 20 * rate, "end": 35 * rate}, {"start": 40 * rate, "end": 110 * rate}]
    clips = batch_clips(chunks, rate=rate)
    assert clips == [{"start": 0.0, "end": 25.0}, {"start": 25.0, "end": 55.0}, {"start": 55.0, "end": 85.0},
                     {"start": 85.0, "end": 95.0}]
    assert all(c["end"] - c["start"] <= 30.0 for c in clips)
    assert batch_clips([]) == []
