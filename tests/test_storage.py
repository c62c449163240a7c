"""Inputs and results on an object store: a real S3 API (moto's server, started as a subprocess on
127.0.0.1) reached through fsspec/s3fs, as a contact centre's bucket would be.

* ``analyze s3://bucket/in --out s3://bucket/out``: every record lands in the bucket, names the
  recording by its URL, and equals the record of the same audio analysed from a local folder
  (except timings, analysis time and where the audio lies);
* the same batch again from a new machine (an empty working copy): every call cached from the bucket;
* the Dask engine with the same URLs: its workers read the audio from the bucket themselves;
* no temporary object is ever left, and clear text/caches never leave the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from callcheck import analyze_batch
from callcheck.storage import is_url, list_audio, local_path

from conftest import SAMPLES, sample_wavs
from enginefake import ScriptedFactory

s3fs = pytest.importorskip("s3fs", reason="the s3 extra is not installed: pip install '.[s3]'")
pytest.importorskip("moto.server", reason="moto's server is not installed (test extra)")

LOCATION_KEYS = ("timings_s", "analysed_at", "source", "source_relative", "file_date")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    port = _port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                            stderr=subprocess.STDOUT)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert time.monotonic() < deadline and proc.poll() is None, "moto server did not start"
        time.sleep(0.1)
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir("calls-bucket")
    for wav in sample_wavs():
        fs.put_file(str(wav), f"calls-bucket/in/{wav.parent.name}/{wav.name}")
    yield fs
    proc.terminate()
    proc.wait(10)
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _strip(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k not in LOCATION_KEYS}


def test_url_helpers():
    assert is_url("s3://b/k") and is_url("gs://b/k") and not is_url("/tmp/x") and not is_url("file:///tmp/x")
    assert not is_url("C:\\calls\\a.wav") and local_path("file:///tmp/x") == "/tmp/x"


def test_an_s3_batch_equals_a_local_one_and_resumes_from_the_bucket(s3, tmp_path, monkeypatch):
    factory = ScriptedFactory(str(sample_wavs()[0].with_suffix(".truth.json")))
    monkeypatch.setenv("CALLCHECK_STAGING_DIR", str(tmp_path / "staging"))
    assert len(list_audio("s3://calls-bucket/in", [".wav"])) == len(sample_wavs())
    local_in = tmp_path / "in"
    shutil.copytree(SAMPLES, local_in, ignore=shutil.ignore_patterns("*.json", "*.md", "*.txt"))
    local = analyze_batch([local_in], tmp_path / "local", transcriber_factory=factory, report=True)
    s = analyze_batch(["s3://calls-bucket/in/"], "s3://calls-bucket/out", transcriber_factory=factory, report=True)
    assert s.exit_code == 0 and s.analysed == len(sample_wavs()), [f.line for f in s.failures]
    keys = sorted(k.rsplit("/", 1)[1] for k in s3.find("calls-bucket/out/calls"))
    assert keys == sorted(p.name for p in (tmp_path / "local" / "calls").glob("*.json"))
    for name in keys:
        remote = json.loads(s3.cat_file(f"calls-bucket/out/calls/{name}"))
        here = json.loads((tmp_path / "local" / "calls" / name).read_text())
        assert remote["source"].startswith("s3://calls-bucket/in/") and remote["source"].endswith(remote["call_id"] + ".wav")
        assert remote["source_relative"] is None
        assert _strip(remote) == _strip(here), name
    everything = s3.find("calls-bucket/out")
    assert any(k.endswith("/failures.csv") for k in everything) and any(k.endswith("/index.html") for k in everything)
    assert any("/judgements/" in k for k in everything)
    assert not [k for k in everything if k.endswith(".tmp") or "/.cache/" in k or "/private/" in k]
    # another machine (an empty working copy): everything is found in the bucket, nothing analysed again
    monkeypatch.setenv("CALLCHECK_STAGING_DIR", str(tmp_path / "staging2"))
    again = analyze_batch(["s3://calls-bucket/in"], "s3://calls-bucket/out", transcriber_factory=factory, report=False)
    assert again.unchanged == len(sample_wavs()) and again.analysed == 0
    assert local.exit_code == 0


def test_dask_workers_read_the_audio_from_the_bucket(s3, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    factory = ScriptedFactory(str(sample_wavs()[0].with_suffix(".truth.json")))
    monkeypatch.setenv("CALLCHECK_STAGING_DIR", str(tmp_path / "staging"))
    s = analyze_batch(["s3://calls-bucket/in"], "s3://calls-bucket/out-dask", transcriber_factory=factory, report=False,
                      engine="dask", workers=1)
    assert s.exit_code == 0 and s.analysed == len(sample_wavs()), [f.line for f in s.failures]
    assert len(s3.find("calls-bucket/out-dask/calls")) == len(sample_wavs())


def test_a_missing_object_is_one_line_and_the_batch_goes_on(s3, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLCHECK_STAGING_DIR", str(tmp_path / "staging"))
    factory = ScriptedFactory(str(sample_wavs()[0].with_suffix(".truth.json")))
    s3.put_file(str(sample_wavs()[0]), "calls-bucket/gone/anna/x.wav")
    s3.put_file(str(sample_wavs()[1]), "calls-bucket/gone/anna/y.wav")
    from callcheck.discover import discover
    from callcheck.config import Config

    plan = discover(["s3://calls-bucket/gone"], manifest=None, config=Config())
    assert [c.call_id for c in plan.calls] == ["x", "y"] and [c.agent for c in plan.calls] == ["anna", "anna"]
    s3.rm_file("calls-bucket/gone/anna/x.wav")  # vanished between listing and analysis
    from callcheck.batch import run_batch

    run = run_batch(plan.calls, tmp_path / "out", config=Config(), factory=factory)
    status = {o.info.call_id: (o.status, o.reason) for o in run.outcomes}
    assert status["y"][0] == "done" and status["x"][0] == "failed"
    assert status["x"][1].startswith("s3://calls-bucket/gone/anna/x.wav: ") and "\n" not in status["x"][1]
