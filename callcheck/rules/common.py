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

from callcheck.config import RulesConfig, WordsConfig
from callcheck.errors import ConfigError
from callcheck.record import CallRecord
from callcheck.text import normalise_text
from callcheck.types import Overlap, Turn, Word

PHRASE_KINDS: tuple[str, ...] = (
    "empathy", "contradiction", "you_messages", "i_messages", "impatience",
    "repair_requests", "slow_down_requests", "stock_formulas", "offer_help",
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


#: every phrase is matched as whole words: ``PHRASE_BEFORE + entry + PHRASE_AFTER``
PHRASE_BEFORE, PHRASE_AFTER = r"(?<![\w'])(?:", r")(?![\w'])"


def compile_phrases(entries: Iterable[str], where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for e in entries:
        try:
            out.append(re.compile(PHRASE_BEFORE + e + PHRASE_AFTER, re.IGNORECASE))
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


def configured_pattern(entry: str) -> str:
    """A ``[words]`` entry as the regular expression it stands for: ``re:<expr>`` as written, a plain
    phrase normalised like the transcript and matched literally (whole words)."""
    if entry.startswith("re:"):
        return entry[3:]
    return r"\s+".join(re.escape(w) for w in normalise(entry).split())


def words_lists(words: WordsConfig | None, kind: str, lang: str) -> tuple[tuple[str, ...], bool]:
    """``([words] <kind>_<lang>`` entries as patterns, whether they replace the shipped list)."""
    if words is None or not hasattr(words, f"{kind}_{lang}"):
        return (), False
    name = f"{kind}_{lang}"
    return tuple(configured_pattern(e) for e in getattr(words, name)), name in words.replace


@lru_cache(maxsize=64)
def load_phrases(language: str | None, words: WordsConfig | None = None) -> PhraseSet:
    """Phrase lists for ``language`` ('de', 'en'; any other or unknown language gets both): the
    shipped lists of ``callcheck/data/phrases_<lang>.toml``, extended — or, for the lists named in
    ``words.replace``, replaced — by the ``[words]`` lists of the config."""
    langs = (language,) if language in ("de", "en") else ("de", "en")
    pats: dict[str, list[re.Pattern[str]]] = {k: [] for k in PHRASE_KINDS}
    proms: dict[str, list[re.Pattern[str]]] = {}
    for lang in langs:
        data = _load_language(lang)
        where = f"phrases_{lang}.toml"
        for kind in PHRASE_KINDS:
            mine, replace = words_lists(words, kind, lang)
            if not replace:
                pats[kind].extend(compile_phrases(data.get(kind, ()), where))
            pats[kind].extend(compile_phrases(mine, f"callcheck.toml [words] {kind}_{lang}"))
        for kind, entries in (data.get("promises") or {}).items():
            proms.setdefault(kind, []).extend(compile_phrases(entries, where))
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


#: one word's normalised form, remembered (the words of calls repeat: "ja", "Sie", "the")
_normalise_word = lru_cache(maxsize=65536)(normalise_text)


def _matchable(rec: CallRecord, turn: Turn) -> tuple[tuple[Word, ...], str, list[tuple[int, int, int]]]:
    """A turn's words, its normalised text and each word's ``(start, end, index)`` in that text."""
    words = turn_words(rec, turn)
    if not words:
        return words, normalise(turn.text), []
    pieces, offsets, pos = [], [], 0
    for i, w in enumerate(words):
        nw = _normalise_word(w.text)
        if not nw:
            continue
        offsets.append((pos, pos + len(nw), i))
        pieces.append(nw)
        pos += len(nw) + 1
    return words, " ".join(pieces), offsets


def _whole(entry: str) -> bool:
    """``entry`` is one expression on its own (balanced groups: ``a)|(b`` is not)."""
    try:
        re.compile(entry)
    except re.error:
        return False
    return True


@lru_cache(maxsize=512)
def any_of(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """One expression that matches exactly where one of ``patterns`` does — a screen: a text it finds
    nothing in holds no match of any of them, so their one-by-one search can be skipped. None when
    they cannot be joined (different flags, group references)."""
    if not patterns or len({p.flags for p in patterns}) != 1 or any(
            re.search(r"\\\d|\(\?P=|\(\?\(", p.pattern) for p in patterns):
        return None
    texts = [p.pattern for p in patterns]
    inner = [t[len(PHRASE_BEFORE):len(t) - len(PHRASE_AFTER)] for t in texts
             if t.startswith(PHRASE_BEFORE) and t.endswith(PHRASE_AFTER)]
    if len(inner) == len(texts) and all(_whole(e) for e in inner):
        # phrase-list entries: their word boundaries once around the alternatives, not in each —
        # the same matches (the engine backtracks into the next alternative), ~4x faster on turns
        joined = PHRASE_BEFORE + "|".join(f"(?:{e})" for e in inner) + PHRASE_AFTER
    else:
        joined = "|".join(f"(?:{t})" for t in texts)
    try:
        return re.compile(joined, patterns[0].flags)
    except re.error:  # e.g. an inline global flag in one of them
        return None


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
    screen = any_of(tuple(patterns))
    for n, turn in enumerate(rec.turns_of(speaker)):
        key = ("turn-text", speaker, n)
        if key not in cache:
            cache[key] = _matchable(rec, turn)
        words, text, offsets = cache[key]
        if screen is not None and screen.search(text) is None:
            continue  # no phrase of the list in this turn
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


def agent_interruptions(rec: CallRecord, min_s: float, ctx: "RuleContext | None" = None) -> list[Overlap]:
    """The agent's interruptions (``overlaps[]`` of kind ``interruption`` only) lasting at least
    ``min_s``; with ``ctx``, backchannel-like ones (:func:`backchannel_like`) are left out."""
    out = [o for o in rec.overlaps if o.interrupter == "agent" and o.kind == "interruption" and o.end_s - o.start_s >= min_s]
    return out if ctx is None else [o for o in out if not backchannel_like(rec, o, ctx)]


def agent_backchannels(rec: CallRecord) -> int | None:
    """``speakers.agent.backchannels``; counted from ``overlaps[]`` when null; None when the count
    is marked unsure (then no rule may use it) or overlaps are not observable (mono without overlap
    detection: ``conversation.overlaps_reliable`` false)."""
    ag = rec.speaker("agent")
    v = ag.backchannels
    if v is not None:
        return v
    if ag.distrusted("backchannels") or rec.conversation.raw.get("overlaps_reliable") is False:
        return None
    return sum(1 for o in rec.overlaps if o.interrupter == "agent" and o.kind == "backchannel")


def reply_latency_median(rec: CallRecord) -> float | None:
    """``speakers.agent.reply_latency_median_s``; from the turns when null (not when it is unsure)."""
    ag = rec.speaker("agent")
    v = ag.reply_latency_median_s
    if v is not None or ag.distrusted("reply_latency_median_s"):
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


def own_threshold(med: float, mad: float, *, sign: float, config: RulesConfig, min_delta: float = 0.0) -> float:
    """The own-history threshold: median ± max(k · MAD, frac · |median|, ``min_delta``), ``mad`` scaled
    to the SD of a normal distribution (``scipy.stats.median_abs_deviation(scale="normal")``, factor
    1.4826). ``min_delta`` is the smallest change in the measure's own units that counts (a
    fraction of a small median, e.g. monotony 0.1, is noise)."""
    delta = max(config.agent_mad_k * mad, config.agent_min_delta_frac * abs(med), min_delta, 1e-9)
    return med + sign * delta


def compare(
    value: float,
    *,
    measure: str,
    higher_is_worse: bool,
    absolute: float | None,
    ctx: "RuleContext",
    min_delta: float = 0.0,
    own_beyond_team_median: bool = False,
) -> list[Comparison]:
    """Compare ``value`` with the absolute threshold, the team's distribution and the agent's history
    (``min_delta``: the own comparison's smallest change, in the measure's units). With
    ``own_beyond_team_median`` the own comparison fires only when the value is also on the worse side
    of the team's median (where the team has ``team_min_calls``): a voice livelier than the team's
    typical voice is not toneless, even if it is flatter than this agent's usual.

    A team comparison that did not fire carries its threshold, but nothing may show or use it: the
    judge remembers only its verdict (:class:`callcheck.rules.LoggedBaselines`), so a judgement
    that depended on it would not be made again when the team's percentile moves."""
    cfg = ctx.config
    out: list[Comparison] = []
    sign = 1.0 if higher_is_worse else -1.0
    if absolute is not None:
        out.append(Comparison("absolute", absolute, sign * (value - absolute) >= 0))
    bl = ctx.baselines
    if bl is None:
        return out
    beyond_median = True
    if bl.team_at_least(measure, cfg.team_min_calls):
        q = cfg.team_percentile if higher_is_worse else 100.0 - cfg.team_percentile
        # the judge's LoggedBaselines log the verdict, and the threshold only where it is quoted (fired)
        fired = bl.beyond_percentile(measure, q, value, sign)
        thr = (bl if fired else bl.raw).team_threshold(measure, q)
        out.append(Comparison("team", thr, fired, reference=thr))
        if own_beyond_team_median:
            beyond_median = bl.beyond_percentile(measure, 50.0, value, sign)
    n_own, med, mad = bl.agent_stats(ctx.agent, measure, exclude_call=ctx.call_id)
    if n_own >= cfg.agent_min_calls:
        thr = own_threshold(med, mad, sign=sign, config=cfg, min_delta=min_delta)
        out.append(Comparison("agent", thr, sign * (value - thr) > 0 and beyond_median, n=n_own, reference=med))
    return out


def fired_signals(comps: Sequence[Comparison], *, signal: str, value: float, higher_is_worse: bool, unit: str = "") -> list[Signal]:
    """The fired comparisons of ``value`` as :class:`Signal` s (absolute: ``>=``/``<=``; team/own: strict)."""
    out = []
    for c in comps:
        if not c.fired:
            continue
        if c.baseline == "absolute":
            op = ">=" if higher_is_worse else "<="
        else:
            op = ">" if higher_is_worse else "<"
        out.append(Signal(signal, value, op, c.threshold, "own" if c.baseline == "agent" else c.baseline, c.n, c.reference, unit))
    return out


def primary(comps: Sequence[Comparison]) -> str | None:
    """The comparison that carries a finding: own history before team before absolute."""
    fired = {c.baseline for c in comps if c.fired}
    for b in ("agent", "team", "absolute"):
        if b in fired:
            return b
    return None


# --- fired signals -----------------------------------------------------------------------------
#: The comparisons a signal can be made against (``evidence.fired[].comparison``): a documented norm
#: or phrase list (``absolute``), the other party of the same call (``caller``), the team's calls
#: (``team``) or the agent's own other calls (``own``; ``evidence.baseline`` calls it ``agent``).
COMPARISONS: tuple[str, ...] = ("absolute", "caller", "team", "own")
_OPS: Mapping[str, Any] = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
                           "<=": lambda a, b: a <= b}


@dataclass(frozen=True)
class Signal:
    """One signal that fired: its id, the value shown, how it was compared and with what.

    ``holds()`` is the verdict the evidence claims (``value <op> threshold``); every finding is built
    from fired signals only, so the numbers it shows support it (tests/test_rules.py checks it).
    """

    signal: str
    value: float
    op: str
    threshold: float
    comparison: str = "absolute"
    n: int | None = None          # team calls / own other calls compared with
    reference: float | None = None  # team percentile value / own median / the caller's value
    unit: str = ""
    at_s: float | None = None     # when the signal is a moment (a phrase, a barge-in)

    def holds(self) -> bool:
        return bool(_OPS[self.op](self.value, self.threshold))

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"signal": self.signal, "value": r3(self.value), "op": self.op, "threshold": r3(self.threshold),
                             "comparison": self.comparison}
        if self.n is not None:
            d["n_calls"] = self.n
        if self.reference is not None:
            d["reference"] = r3(self.reference)
        if self.unit:
            d["unit"] = self.unit
        if self.at_s is not None:
            d["at_s"] = r3(self.at_s)
        return d

    @property
    def baseline(self) -> str:
        """``evidence.baseline`` spelling of the comparison (``own`` is ``agent`` there)."""
        return {"own": "agent", "caller": "absolute"}.get(self.comparison, self.comparison)


def main_baseline(signals: Sequence[Signal]) -> str:
    """``evidence.baseline`` of a finding: own history before team before absolute."""
    bl = {s.baseline for s in signals}
    return next((b for b in ("agent", "team") if b in bl), "absolute")


def fired_json(signals: Sequence[Signal]) -> list[dict[str, Any]]:
    return [s.to_json() for s in signals]


def describe_signal(s: Signal) -> str:
    """'articulation rate 7.4 syll/s > 6.5 (absolute)' — a signal in words for messages."""
    name = s.signal.replace("_", " ")
    unit = f" {s.unit}" if s.unit else ""
    ref = {"team": "the team's calls", "own": f"the agent's own calls (n={s.n})",
           "caller": "the caller", "absolute": "the norm"}[s.comparison]
    return f"{name} {s.value:.3g}{unit} {s.op} {s.threshold:.3g} ({ref})"


# --- greeting recognition --------------------------------------------------------------------------
@dataclass(frozen=True)
class GreetingParts:
    """What makes a first turn a greeting, as the rules see it (configured words included)."""

    company: str | None = None        # the company phrase or configured name found (fuzzy)
    own_name: str | None = None
    offer_help: str | None = None
    stock_formulas: tuple[str, ...] = ()
    house_greeting: float | None = None  # similarity with the configured house greeting (when one is set)

    @property
    def components(self) -> int:
        return sum(x is not None for x in (self.company, self.own_name, self.offer_help))

    def recognised(self, house_min: float) -> bool:
        """A greeting: it names the company, offers help, uses a stock formula, or is the house
        greeting. A name alone is not enough ("I'm ...", "ich bin ..." open many sentences)."""
        return bool(self.company or self.offer_help or self.stock_formulas
                    or (self.house_greeting is not None and self.house_greeting >= house_min))

    def to_json(self) -> dict[str, Any]:
        return {"company": self.company, "own_name": self.own_name, "offer_help": self.offer_help,
                "stock_formulas": list(self.stock_formulas),
                **({"house_greeting_similarity": r3(self.house_greeting)} if self.house_greeting is not None else {})}


def _house_similarity(text_norm: str, house: str) -> float:
    """Similarity of a turn with the house greeting, its ``{name}`` placeholder excluded (the
    turn's words that take the placeholder's place are dropped before comparing)."""
    from difflib import SequenceMatcher

    parts = [normalise(p) for p in house.split("{name}")]
    if len(parts) == 1:
        return SequenceMatcher(None, parts[0], text_norm, autojunk=False).ratio()
    best = 0.0
    words = text_norm.split()
    for i in range(len(words) + 1):
        for k in (0, 1, 2, 3):
            cand = " ".join(words[:i] + words[i + k:])
            best = max(best, SequenceMatcher(None, " ".join(p for p in parts if p), cand, autojunk=False).ratio())
    return best


#: Company phrases of the conversation lexicon that open ordinary sentences too ("Sie haben es
#: gerade hochgetragen", "This is the ..."): the rules do not take them as a company on their own.
WEAK_COMPANY_PHRASES = frozenset({"sie haben", "hier ist", "firma", "sie sind mit", "support", "this is the"})


def greeting_parts(text: str, ctx: "RuleContext") -> GreetingParts:
    """Company (phrases and the configured names, fuzzily), own name, offer of help and stock
    formulas in ``text`` — the conversation lexicon of the call's language(s) plus ``[words]``."""
    from callcheck.measures.conversation import load_lexicon
    from callcheck.measures.turns import contains_phrase
    from callcheck.text import fuzzy_find

    norm = normalise(text)
    langs = ctx.phrases.languages

    def first(phrases: Iterable[str]) -> str | None:
        return next((p for p in phrases if contains_phrase(norm, p)), None)

    company = own = offer = None
    for lang in langs:
        lex = load_lexicon(lang)
        company = company or first(p for p in lex.company if p not in WEAK_COMPANY_PHRASES)
        own = own or first(lex.own_name)
        _, replace = words_lists(ctx.words, "offer_help", lang)
        offer = offer or first(() if replace else lex.offer_help)
    offer = offer or next((m.group(0) for m in (pat.search(norm) for pat in ctx.phrases.get("offer_help")) if m), None)
    for name in ctx.company_names:
        hit = fuzzy_find(norm, name, ctx.words.company_match_min if ctx.words is not None else 0.8)
        if hit is not None:
            company = hit[1]
            break
    house = _house_similarity(norm, ctx.words.greeting) if ctx.words is not None and ctx.words.greeting.strip() else None
    return GreetingParts(company, own, offer, tuple(stock_formulas_in(text, ctx)), house)


def stock_formulas_in(text: str, ctx: "RuleContext") -> list[str]:
    """The stock formulas (phrase list ``stock_formulas``) in ``text``, each once."""
    norm = normalise(text)
    found: list[str] = []
    for pat in ctx.phrases.get("stock_formulas"):
        for m in pat.finditer(norm):
            if m.group(0) not in found and not any(m.group(0) in f for f in found):
                found.append(m.group(0))
    return found


# --- backchannels ------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def backchannel_tokens(languages: tuple[str, ...]) -> frozenset[str]:
    """Backchannel tokens of the conversation lexicon, in letters-only form ('M -HM,' -> 'mhm')."""
    from callcheck.measures.conversation import load_lexicon

    out: set[str] = set()
    for lang in languages:
        out |= {re.sub(r"[^\w]", "", t.lower()) for t in load_lexicon(lang).backchannel}
    return frozenset(t for t in out if t)


def backchannel_like(rec: CallRecord, o: Overlap, ctx: "RuleContext") -> bool:
    """An agent overlap that is a backchannel whatever its label: the agent's vocalisation is short
    (at most ``m3_backchannel_max_s``) and either its words are backchannel tokens ("mhm", "ja",
    "M -HM," as ASR writes it) or the caller keeps the floor (talks on at least 1 s after it while
    the agent stays silent). An interruption takes the floor; a backchannel does not."""
    cfg = ctx.config
    own = [t for t in rec.turns_of("agent") if t.start_s <= o.end_s + 0.05 and t.end_s >= o.start_s - 0.05]
    agent_s = max((t.end_s for t in own), default=o.end_s) - min((t.start_s for t in own), default=o.start_s)
    if agent_s > cfg.m3_backchannel_max_s:
        return False
    words = rec.words_between("agent", o.start_s - 0.3, o.end_s + 0.3)
    tokens = backchannel_tokens(ctx.phrases.languages)
    if words and all(re.sub(r"[^\w]", "", w.text.lower()) in tokens or not re.sub(r"[^\w]", "", w.text) for w in words):
        return True
    agent_end = max((t.end_s for t in own), default=o.end_s)
    caller_on = any(t.start_s < agent_end and t.end_s >= agent_end + 1.0 for t in rec.turns_of("caller"))
    agent_again = any(agent_end + 0.05 < t.start_s < agent_end + 1.0 for t in rec.turns_of("agent"))
    return caller_on and not agent_again


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
    words: WordsConfig | None = None
    company_names: tuple[str, ...] = ()

    def skip(self, rule_id: str, reason: str) -> list[Any]:
        """Record why ``rule_id`` could not check this call (shown in ``checks``); returns ``[]``."""
        self.cache.setdefault("skips", {}).setdefault(rule_id, reason)
        return []

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


def evidence(fired: Sequence[Signal], /, **extra: Any) -> dict[str, Any]:
    """A finding's evidence from its fired signals: ``baseline``, ``fired`` (each signal with value,
    comparison, threshold or baseline), ``measures`` and ``thresholds`` of those signals only (what
    reports print), then ``extra`` (quote, span, ...). Nothing that did not fire is shown."""
    measures: dict[str, Any] = {}
    thresholds: dict[str, Any] = {}
    for s in fired:
        measures.setdefault(s.signal, r3(s.value))
        thresholds[s.signal if s.comparison == "absolute" else f"{s.signal} ({s.comparison})"] = r3(s.threshold)
    return {"baseline": main_baseline(fired), "fired": fired_json(fired), "measures": measures,
            "thresholds": thresholds, **extra}
