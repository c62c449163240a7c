"""Shared helpers of the mistake rules: reading the per-call JSON, phrase matching, quotes, baselines.

Rules read the per-call JSON (a ``Mapping``) only, never audio (conventions.md, 9). Every key other
than the contract's may be absent or null; helpers here return ``None`` then and rules stay silent.
"""

from __future__ import annotations

import math
import re
import statistics
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping, Sequence

from callcheck.config import RulesConfig
from callcheck.errors import ConfigError
from callcheck.text import normalise_text

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high")
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


def _turns(call: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [t for t in (call.get("turns") or []) if isinstance(t, Mapping)]


def turns_of(call: Mapping[str, Any], speaker: str) -> list[Mapping[str, Any]]:
    return [t for t in _turns(call) if t.get("speaker") == speaker]


def _words_in(call: Mapping[str, Any], speaker: str, start_s: float, end_s: float) -> list[Mapping[str, Any]]:
    return [
        w for w in (call.get("words") or [])
        if w.get("speaker") == speaker and w.get("start_s") is not None
        and w["start_s"] >= start_s - 0.05 and w["start_s"] < end_s + 0.05
    ]


def find_phrases(call: Mapping[str, Any], speaker: str, kind: str, patterns: Sequence[re.Pattern[str]]) -> list[PhraseHit]:
    """Every match of ``patterns`` in ``speaker``'s turns, timed by the words when they are present.

    A turn's normalised text is matched; a match is timed from the call's ``words`` of that turn
    (word-level), or by the turn itself when words are absent. Overlapping matches of several
    patterns at the same place count once.
    """
    hits: list[PhraseHit] = []
    if not patterns:
        return hits
    for turn in turns_of(call, speaker):
        t_start, t_end = float(turn.get("start_s", 0.0)), float(turn.get("end_s", 0.0))
        words = _words_in(call, speaker, t_start, t_end)
        if words:
            norm_words = [normalise(str(w.get("text", ""))) for w in words]
            pieces, offsets, pos = [], [], 0
            for i, nw in enumerate(norm_words):
                if not nw:
                    continue
                offsets.append((pos, pos + len(nw), i))
                pieces.append(nw)
                pos += len(nw) + 1
            text = " ".join(pieces)
        else:
            text, offsets = normalise(str(turn.get("text", ""))), []
        taken: list[tuple[int, int]] = []
        for pat in patterns:
            for m in pat.finditer(text):
                a, b = m.span()
                if b <= a or any(a < y and x < b for x, y in taken):
                    continue
                taken.append((a, b))
                if offsets:
                    idx = [i for (x, y, i) in offsets if x < b and a < y]
                    s_s = float(words[idx[0]]["start_s"])
                    e_s = float(words[idx[-1]].get("end_s", s_s))
                else:
                    s_s, e_s = t_start, t_end
                hits.append(PhraseHit(speaker, kind, m.group(0), s_s, e_s, str(turn.get("text", "")), t_start, t_end))
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


def turn_at(call: Mapping[str, Any], speaker: str, start_s: float, end_s: float) -> Mapping[str, Any] | None:
    """The ``speaker`` turn overlapping ``[start_s, end_s]`` most (or the nearest one)."""
    best, best_ov = None, -math.inf
    for t in turns_of(call, speaker):
        ov = min(end_s, t["end_s"]) - max(start_s, t["start_s"])
        if ov > best_ov:
            best, best_ov = t, ov
    return best


def prev_turn(call: Mapping[str, Any], before_s: float, speaker: str) -> Mapping[str, Any] | None:
    """The last ``speaker`` turn starting before ``before_s``."""
    cands = [t for t in turns_of(call, speaker) if t["start_s"] < before_s]
    return cands[-1] if cands else None


def num(value: Any) -> float | None:
    """A finite float, or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def speaker(call: Mapping[str, Any], party: str) -> Mapping[str, Any]:
    sp = (call.get("speakers") or {}).get(party)
    return sp if isinstance(sp, Mapping) else {}


def conversation(call: Mapping[str, Any]) -> Mapping[str, Any]:
    c = call.get("conversation")
    return c if isinstance(c, Mapping) else {}


def agent_span(call: Mapping[str, Any]) -> tuple[float | None, float | None]:
    ts = turns_of(call, "agent")
    if not ts:
        return None, None
    return float(ts[0]["start_s"]), float(ts[-1]["end_s"])


def longest_turn(call: Mapping[str, Any], party: str) -> Mapping[str, Any] | None:
    ts = turns_of(call, party)
    return max(ts, key=lambda t: t["end_s"] - t["start_s"]) if ts else None


def reply_gaps(call: Mapping[str, Any], party: str = "agent") -> list[tuple[float, Mapping[str, Any], Mapping[str, Any]]]:
    """(gap_s, previous other-party turn, this party's reply) for each change of speaker to ``party``."""
    out = []
    ts = sorted(_turns(call), key=lambda t: t["start_s"])
    for a, b in zip(ts, ts[1:]):
        if b.get("speaker") == party and a.get("speaker") != party:
            out.append((float(b["start_s"]) - float(a["end_s"]), a, b))
    return out


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


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile ``q`` (0..100) of already sorted values."""
    n = len(sorted_values)
    if n == 1:
        return float(sorted_values[0])
    pos = (n - 1) * q / 100.0
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo))


def percent_rank(sorted_values: Sequence[float], value: float) -> float:
    """Share of values below ``value`` (ties half), in %."""
    if not sorted_values:
        return float("nan")
    import bisect
    lo = bisect.bisect_left(sorted_values, value)
    hi = bisect.bisect_right(sorted_values, value)
    return 100.0 * (lo + 0.5 * (hi - lo)) / len(sorted_values)


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
    team = bl.team_values(measure)
    if len(team) >= cfg.team_min_calls:
        q = cfg.team_percentile if higher_is_worse else 100.0 - cfg.team_percentile
        thr = percentile(team, q)
        out.append(Comparison("team", thr, sign * (value - thr) > 0, n=len(team), reference=thr))
    own = bl.agent_values(ctx.agent, measure, exclude_call=ctx.call_id)
    if len(own) >= cfg.agent_min_calls:
        med = statistics.median(own)
        mad = 1.4826 * statistics.median(abs(v - med) for v in own)
        delta = max(cfg.agent_mad_k * mad, cfg.agent_min_delta_frac * abs(med), 1e-9)
        thr = med + sign * delta
        out.append(Comparison("agent", thr, sign * (value - thr) > 0, n=len(own), reference=med))
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

    def hits(self, call: Mapping[str, Any], speaker: str, kind: str) -> list[PhraseHit]:
        key = f"{speaker}:{kind}"
        if key not in self.cache:
            self.cache[key] = find_phrases(call, speaker, kind, self.phrases.get(kind))
        return self.cache[key]


def hit_json(h: PhraseHit, *, max_words: int) -> dict[str, Any]:
    return {
        "speaker": h.speaker, "phrase": h.matched, "start_s": r3(h.start_s), "end_s": r3(h.end_s),
        "quote": quote(h.turn_text, max_words=max_words, around=h.matched),
    }
