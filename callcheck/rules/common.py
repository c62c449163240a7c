"""Shared helpers of the mistake rules: phrase matching, quotes, turns, baselines.

Rules read the call through its read model (:class:`callcheck.record.CallRecord`) only, never
audio (conventions.md, 9). A measure may be null; the record's accessors return ``None`` then and
rules stay silent.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from callcheck.config import RulesConfig
from callcheck.errors import ConfigError
from callcheck.record import CallRecord
from callcheck.text import normalise_text
from callcheck.types import Overlap, Turn, Word

PHRASE_KINDS: tuple[str, ...] = (
    "empathy", "contradiction", "you_messages", "i_messages", "impatience",
    "repair_requests", "slow_down_requests", "stock_formulas",
)
normalise = normalise_text  # the rules' name for the shared phrase-matching form


# --- phrase lists ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhraseSet:
    """Compiled phrase lists of one or more languages (``callcheck/data/phrases_<lang>.toml``)."""

    languages: tuple[str, ...]
    patterns: Mapping[str, tuple[re.Pattern[str], ...]]
    promises: Mapping[str, tuple[re.Pattern[str], ...]]

    def get(self, kind: str) -> tuple[re.Pattern[str], ...]:
        return self.patterns.get(kind, ())


def _compile(entries: Iterable[str], where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for e in entries:
        try:
            out.append(re.compile(r"(?<![\w'])(?:" + e + r")(?![\w'])", re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"{where}: phrase {e!r} is not a valid regular expression ({exc})") from None
    return tuple(out)


@lru_cache(maxsize=None)
def _load_language(lang: str) -> dict[str, Any]:
    try:
        text = resources.files("callcheck.data").joinpath(f"phrases_{lang}.toml").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return tomllib.loads(text)


@lru_cache(maxsize=None)
def load_phrases(language: str | None) -> PhraseSet:
    """Phrase lists for ``language`` ('de', 'en'); any other or unknown language gets both."""
    langs = (language,) if language in ("de", "en") else ("de", "en")
    pats: dict[str, list[re.Pattern[str]]] = {k: [] for k in PHRASE_KINDS}
    proms: dict[str, list[re.Pattern[str]]] = {}
    for lang in langs:
        data = _load_language(lang)
        where = f"phrases_{lang}.toml"
        for kind in PHRASE_KINDS:
            pats[kind].extend(_compile(data.get(kind, ()), where))
        for kind, entries in (data.get("promises") or {}).items():
            proms.setdefault(kind, []).extend(_compile(entries, where))
    return PhraseSet(langs, {k: tuple(v) for k, v in pats.items()}, {k: tuple(v) for k, v in proms.items()})


@dataclass(frozen=True)
class PhraseHit:
    """One phrase found in one party's speech: matched words, their time span, the turn around it."""

    speaker: str
    kind: str
    matched: str
    start_s: float
    end_s: float
    turn_text: str
    turn_start_s: float
    turn_end_s: float


#: Words belong to a turn when they start within this margin of it, s (word and turn times are
#: rounded separately).
WORD_MARGIN_S = 0.05


def turn_words(rec: CallRecord, turn: Turn) -> tuple[Word, ...]:
    """The words of ``turn``'s speaker starting inside it (± :data:`WORD_MARGIN_S`)."""
    return rec.words_between(turn.speaker, turn.start_s - WORD_MARGIN_S, turn.end_s + WORD_MARGIN_S)


def _matchable(rec: CallRecord, turn: Turn) -> tuple[tuple[Word, ...], str, list[tuple[int, int, int]]]:
    """A turn's words, its normalised text and each word's ``(start, end, index)`` in that text."""
    words = turn_words(rec, turn)
    if not words:
        return words, normalise(turn.text), []
    pieces, offsets, pos = [], [], 0
    for i, w in enumerate(words):
        nw = normalise(w.text)
        if not nw:
            continue
        offsets.append((pos, pos + len(nw), i))
        pieces.append(nw)
        pos += len(nw) + 1
    return words, " ".join(pieces), offsets


def find_phrases(rec: CallRecord, speaker: str, kind: str, patterns: Sequence[re.Pattern[str]],
                 cache: dict[Any, Any] | None = None) -> list[PhraseHit]:
    """Every match of ``patterns`` in ``speaker``'s turns, timed by the words when they are present.

    A turn's normalised text is matched; a match is timed from the call's ``words`` of that turn
    (word-level), or by the turn itself when words are absent. Overlapping matches of several
    patterns at the same place count once. ``cache`` (one per call) keeps the normalised turns
    between phrase kinds.
    """
    hits: list[PhraseHit] = []
    if not patterns:
        return hits
    cache = {} if cache is None else cache
    for n, turn in enumerate(rec.turns_of(speaker)):
        key = ("turn-text", speaker, n)
        if key not in cache:
            cache[key] = _matchable(rec, turn)
        words, text, offsets = cache[key]
        t_start, t_end = turn.start_s, turn.end_s
        taken: list[tuple[int, int]] = []
        for pat in patterns:
            for m in pat.finditer(text):
                a, b = m.span()
                if b <= a or any(a < y and x < b for x, y in taken):
                    continue
                taken.append((a, b))
                if offsets:
                    idx = [i for (x, y, i) in offsets if x < b and a < y]
                    s_s, e_s = words[idx[0]].start_s, words[idx[-1]].end_s
                else:
                    s_s, e_s = t_start, t_end
                hits.append(PhraseHit(speaker, kind, m.group(0), s_s, e_s, turn.text, t_start, t_end))
    hits.sort(key=lambda h: h.start_s)
    return hits


def quote(text: str, *, max_words: int, around: str | None = None) -> str:
    """``text`` cut to ``max_words`` words (centred on ``around`` when given), with ellipses."""
    words = str(text).split()
    if len(words) <= max_words:
        return " ".join(words)
    centre = 0
    if around:
        low = [normalise(w) for w in words]
        first = normalise(around).split()[:1]
        if first and first[0] in low:
            centre = low.index(first[0])
    start = max(0, min(centre - max_words // 3, len(words) - max_words))
    out = " ".join(words[start:start + max_words])
    return ("… " if start > 0 else "") + out + (" …" if start + max_words < len(words) else "")


def turn_quote(turn: Turn | None, *, max_words: int) -> str:
    """The quote of ``turn`` ('' when there is no turn)."""
    return quote(turn.text, max_words=max_words) if turn is not None else ""


def span(turn: Turn | None) -> tuple[float | None, float | None]:
    """``(start_s, end_s)`` of ``turn``, or ``(None, None)``."""
    return (turn.start_s, turn.end_s) if turn is not None else (None, None)


def turn_at(rec: CallRecord, speaker: str, start_s: float, end_s: float) -> Turn | None:
    """The ``speaker`` turn overlapping ``[start_s, end_s]`` most (or the nearest one)."""
    best, best_ov = None, -math.inf
    for t in rec.turns_of(speaker):
        ov = min(end_s, t.end_s) - max(start_s, t.start_s)
        if ov > best_ov:
            best, best_ov = t, ov
    return best


def prev_turn(rec: CallRecord, before_s: float, speaker: str) -> Turn | None:
    """The last ``speaker`` turn starting before ``before_s``."""
    cands = [t for t in rec.turns_of(speaker) if t.start_s < before_s]
    return cands[-1] if cands else None


def longest_turn(rec: CallRecord, party: str) -> Turn | None:
    ts = rec.turns_of(party)
    return max(ts, key=lambda t: t.end_s - t.start_s) if ts else None


def talk_time(rec: CallRecord, party: str) -> float:
    """``speakers.<party>.talk_time_s`` (0 when the party is absent)."""
    return rec.speaker(party).talk_time_s or 0.0


def reply_gaps(rec: CallRecord, party: str = "agent") -> list[tuple[float, Turn, Turn]]:
    """(gap_s, previous other-party turn, this party's reply) for each change of speaker to ``party``."""
    out = []
    ts = sorted(rec.turns, key=lambda t: t.start_s)
    for a, b in zip(ts, ts[1:]):
        if b.speaker == party and a.speaker != party:
            out.append((b.start_s - a.end_s, a, b))
    return out


def agent_interruptions(rec: CallRecord, min_s: float) -> list[Overlap]:
    """The agent's interruptions (``overlaps[]``) lasting at least ``min_s``."""
    return [o for o in rec.overlaps if o.interrupter == "agent" and o.kind == "interruption" and o.end_s - o.start_s >= min_s]


def agent_backchannels(rec: CallRecord) -> int:
    """``speakers.agent.backchannels``; counted from ``overlaps[]`` when null (overlaps not reliable)."""
    v = rec.speaker("agent").backchannels
    if v is not None:
        return v
    return sum(1 for o in rec.overlaps if o.interrupter == "agent" and o.kind == "backchannel")


def reply_latency_median(rec: CallRecord) -> float | None:
    """``speakers.agent.reply_latency_median_s``; from the turns when null."""
    v = rec.speaker("agent").reply_latency_median_s
    if v is not None:
        return v
    gaps = [g for g, _, _ in reply_gaps(rec, "agent")]
    return float(np.median(gaps)) if gaps else None


def r3(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


# --- baselines ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """One comparison of a measured value with a threshold: which kind, the threshold, the verdict."""

    baseline: str  # "absolute" | "team" | "agent"
    threshold: float
    fired: bool
    n: int | None = None
    reference: float | None = None  # team percentile value / own median

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"baseline": self.baseline, "threshold": r3(self.threshold), "fired": self.fired}
        if self.n is not None:
            d["n_calls"] = self.n
        if self.reference is not None:
            d["reference"] = r3(self.reference)
        return d


def own_threshold(med: float, mad: float, *, sign: float, config: RulesConfig) -> float:
    """The own-history threshold: median ± max(k · MAD, frac · |median|), ``mad`` scaled to the SD of
    a normal distribution (``scipy.stats.median_abs_deviation(scale="normal")``, factor 1.4826)."""
    delta = max(config.agent_mad_k * mad, config.agent_min_delta_frac * abs(med), 1e-9)
    return med + sign * delta


def compare(
    value: float,
    *,
    measure: str,
    higher_is_worse: bool,
    absolute: float | None,
    ctx: "RuleContext",
) -> list[Comparison]:
    """Compare ``value`` with the absolute threshold, the team's distribution and the agent's history."""
    cfg = ctx.config
    out: list[Comparison] = []
    sign = 1.0 if higher_is_worse else -1.0
    if absolute is not None:
        out.append(Comparison("absolute", absolute, sign * (value - absolute) >= 0))
    bl = ctx.baselines
    if bl is None:
        return out
    n_team = bl.team_count(measure)
    if n_team >= cfg.team_min_calls:
        q = cfg.team_percentile if higher_is_worse else 100.0 - cfg.team_percentile
        thr = bl.team_percentile(measure, q)
        out.append(Comparison("team", thr, sign * (value - thr) > 0, n=n_team, reference=thr))
    n_own, med, mad = bl.agent_stats(ctx.agent, measure, exclude_call=ctx.call_id)
    if n_own >= cfg.agent_min_calls:
        thr = own_threshold(med, mad, sign=sign, config=cfg)
        out.append(Comparison("agent", thr, sign * (value - thr) > 0, n=n_own, reference=med))
    return out


def primary(comps: Sequence[Comparison]) -> str | None:
    """The comparison that carries a finding: own history before team before absolute."""
    fired = {c.baseline for c in comps if c.fired}
    for b in ("agent", "team", "absolute"):
        if b in fired:
            return b
    return None


@dataclass(frozen=True)
class RuleContext:
    """What a rule gets besides the call: config, phrase lists, baselines, who and which call."""

    config: RulesConfig
    phrases: PhraseSet
    baselines: Any = None  # callcheck.rules.Baselines | None
    agent: str | None = None
    call_id: str | None = None
    language: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def hits(self, rec: CallRecord, speaker: str, kind: str) -> list[PhraseHit]:
        key = f"{speaker}:{kind}"
        if key not in self.cache:
            self.cache[key] = find_phrases(rec, speaker, kind, self.phrases.get(kind), self.cache)
        return self.cache[key]


def hit_json(h: PhraseHit, *, max_words: int) -> dict[str, Any]:
    return {
        "speaker": h.speaker, "phrase": h.matched, "start_s": r3(h.start_s), "end_s": r3(h.end_s),
        "quote": quote(h.turn_text, max_words=max_words, around=h.matched),
    }
