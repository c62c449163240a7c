"""The fuzz corpus (``tools/fuzz/generate.py``), a fast subset: every entry through the decoder, the
decodable ones through the whole pipeline with a scripted transcriber.

Each entry must end as the corpus says: decoded with its full length, or refused with one
``AudioError`` line that names it - never a hang, another exception, a warning, or a decode that
is silently short. The full corpus through the command line (with the real model, printing the
outcome table of the README) is ``python tools/fuzz/run.py --generate DIR``.
"""

from __future__ import annotations

import signal
import sys
import warnings
from contextlib import contextmanager

import pytest

from callcheck.audio.io import load_audio
from callcheck.config import Config
from callcheck.errors import AudioError, CallcheckError
from callcheck.types import CallInfo, Word

from conftest import REPO

sys.path.insert(0, str(REPO))
from tools.fuzz.generate import CLASSES, build_corpus, load_manifest  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz") / "corpus"
    build_corpus(root, seconds=2.0)
    meta, entries = load_manifest(root)
    return root, meta, entries


@contextmanager
def _deadline(seconds: int, what: str):
    def boom(*_):
        raise TimeoutError(f"{what}: still running after {seconds} s (a hang)")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_corpus_is_deterministic_and_covers_every_class(tmp_path, corpus):
    root, meta, entries = corpus
    assert {e.cls for e in entries} == set(CLASSES)
    assert len(entries) >= 245
    assert not meta["skipped"], meta["skipped"]  # every encoder the corpus needs is installed
    kinds = {e.kind for e in entries}
    assert {"fifo", "device", "symlink", "dir", "file"} <= kinds
    again = tmp_path / "again"
    build_corpus(again, seconds=2.0, classes=["truncated", "byteflip", "header", "encodings"])
    _, second = load_manifest(again)
    for e in second:
        assert (again / e.name).read_bytes() == (root / e.name).read_bytes(), e.name


def test_every_entry_is_decoded_whole_or_refused_in_one_line(corpus, capfd):
    root, _, entries = corpus
    problems = []
    for e in entries:
        path = root / e.name
        with warnings.catch_warnings(record=True) as caught, _deadline(30, e.name):
            warnings.simplefilter("always")
            try:
                audio = load_audio(path)
            except AudioError as exc:
                msg = str(exc)
                rest = msg[len(str(path)) :]
                if not msg.startswith(f"{path}: ") or "\n" in rest or len(rest) < 8:
                    problems.append(f"{e.name!r}: not one line naming the file: {msg!r}")
                elif e.expect == "analysed":
                    problems.append(f"{e.name!r}: a good recording refused: {msg}")
            except TimeoutError as exc:
                problems.append(str(exc))
            except Exception as exc:  # noqa: BLE001 - any other exception is the finding
                problems.append(f"{e.name!r}: {type(exc).__name__}: {exc}")
            else:
                if e.expect == "refused":
                    problems.append(f"{e.name!r} ({e.what}): accepted: {audio.duration_s:.3f} s, {audio.channels} ch, {audio.sample_rate} Hz")
                elif e.duration_s and audio.duration_s < e.duration_s * 0.98 - 0.05 and not e.limit:
                    problems.append(f"{e.name!r} ({e.what}): decoded {audio.duration_s:.3f} of {e.duration_s:.3f} s without a word")
                elif e.expect == "analysed" and e.duration_s and abs(audio.duration_s - e.duration_s) > 0.05 * e.duration_s + 0.05:
                    problems.append(f"{e.name!r}: duration {audio.duration_s:.3f} s, expected {e.duration_s:.3f} s")
        problems += [f"{e.name!r}: warning {w.category.__name__}: {w.message}" for w in caught]
    err = capfd.readouterr().err
    assert not problems, "\n".join(problems)
    assert err == "", err  # no C-library chatter (libmpg123, FFmpeg) reaches the user


class _Words:
    """A transcriber double: two words in every speech interval, German, certain."""

    identity = "fuzz-words"

    def detect_language(self, samples, sample_rate, *, speech):
        return "de", 1.0

    def transcribe(self, samples, sample_rate, *, speech, language, speaker):
        out = []
        for iv in speech:
            mid = 0.5 * (iv.start_s + iv.end_s)
            out.append(Word(speaker, "guten", iv.start_s, mid, 0.9))
            out.append(Word(speaker, "Tag.", mid, iv.end_s, 0.9))
        return tuple(out)


PIPELINE_CLASSES = ("signals", "layout", "encodings", "floats", "tiny", "header", "names")


def test_decodable_entries_survive_the_whole_pipeline(corpus):
    """Odd but valid audio (silence, DC, square waves, clicks, 192 kHz, 8-bit, mu-law, GSM, dual
    mono, far-over-full-scale floats within +20 dB ...) goes through every step, the JSON and the
    rules without an exception or a numpy warning."""
    from callcheck.pipeline import Context, run_steps
    from callcheck.result import build_call_json, validate_call_json
    from callcheck.rules import evaluate_call

    root, _, entries = corpus
    config = Config()
    problems = []
    done = 0
    for e in entries:
        if e.cls not in PIPELINE_CLASSES or e.expect == "refused" or e.kind != "file":
            continue
        path = root / e.name
        try:
            load_audio(path)
        except AudioError:
            continue
        with warnings.catch_warnings(record=True) as caught, _deadline(120, e.name):
            warnings.simplefilter("always")
            try:
                state = run_steps(CallInfo(path=str(path), call_id="fuzz", agent="a"), config=config,
                                  context=Context(transcriber=_Words()))
                data = build_call_json(state, model={"name": "fuzz", "source": "test", "identity": "fuzz-words"},
                                       input_sha256="0" * 64, settings_hash="0" * 16)
                data.update(evaluate_call(data, config=config.rules).to_json())
                validate_call_json(data)
                done += 1
            except CallcheckError:
                pass  # a reason for the user (e.g. identical channels with a stereo layout)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{e.name!r} ({e.what}): {type(exc).__name__}: {exc}")
        problems += [f"{e.name!r} ({e.what}): {w.category.__name__}: {w.message}" for w in caught
                     if issubclass(w.category, (RuntimeWarning, UserWarning))]
    assert done >= 60, done
    assert not problems, "\n".join(problems)
