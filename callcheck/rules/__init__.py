"""The eight mistake rules of the source article, the strengths it praises, and the promise ledger.

Rules read a call through its read model (:class:`callcheck.record.CallRecord`) only — never
audio — and return :class:`callcheck.types.Finding` objects whose ``evidence`` carries the measured
values, the threshold or baseline, which comparison was used (``evidence["baseline"]``:
``"absolute"``, ``"team"`` or ``"agent"``), the time span and a transcript quote.

Two uses: ``callcheck analyze`` evaluates each call alone (``baselines=None``, absolute norms) and
writes the result into the measured record ``calls/<call_id>.json``; the judgement step
(:func:`callcheck.judge.judge_batch`) evaluates every call again with :class:`Baselines` built
from the whole batch and writes ``judgements/<call_id>.json``. Either way :meth:`RulesResult.to_json`
gives every finding, strength and promise its stable id (:func:`moment_id`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
from scipy.stats import median_abs_deviation

from callcheck.config import Config, RulesConfig, WordsConfig
from callcheck.record import CallRecord
from callcheck.rules import (
    m1_toneless, m2_indifferent, m3_impatient, m4_greeting, m5_rushed, m6_unclear, m7_too_fast, m8_know_it_all,
)
from callcheck.rules.common import RuleContext, load_phrases, r3, reply_latency_median
from callcheck.rules.strengths import Promise, Strength, find_promises, find_strengths, find_trackers
from callcheck.types import Finding

__all__ = [
    "RULES", "RULE_IDS", "Baselines", "History", "LoggedBaselines", "RuleInfo", "RulesResult", "baseline_values", "baselines_from_values",
    "build_baselines", "evaluate_call", "finding_to_json", "list_rules", "load_article", "moment_id", "BASELINE_MEASURES",
    "rule_checks",
]

RULES = (m1_toneless, m2_indifferent, m3_impatient, m4_greeting, m5_rushed, m6_unclear, m7_too_fast, m8_know_it_all)
RULE_IDS: dict[int, str] = {m.MISTAKE: m.RULE_ID for m in RULES}

#: Per-call values kept for the team's distribution and each agent's own history.
BASELINE_MEASURES: dict[str, Callable[[CallRecord], float | None]] = {
    "agent.monotony": lambda c: c.speaker("agent").monotony,
    "agent.f0_variation_st": lambda c: c.speaker("agent").f0_variation_st,
    "agent.loudness_dbfs": lambda c: c.speaker("agent").loudness_dbfs,
    "agent.articulation_rate_sps": lambda c: c.speaker("agent").articulation_rate_sps,
    "agent.speech_rate_wpm": lambda c: c.speaker("agent").speech_rate_wpm,
    "agent.pause_share": lambda c: c.speaker("agent").pause_share,
    "agent.talk_share": lambda c: c.speaker("agent").talk_share,
    "agent.word_confidence_mean": lambda c: c.speaker("agent").word_confidence_mean,
    "agent.reply_latency_median_s": reply_latency_median,
}


# --- stable ids ------------------------------------------------------------------------------------
def moment_id(call_id: str, key: str, start_s: float | None) -> str:
    """``<call_id>.<key>.<t>``: ``t`` is the start in whole ms (of ``start_s`` rounded to 3 decimals,
    as written in the JSON) or ``call`` when the moment has no start. ``key`` is a rule id
    (``M3_IMPATIENT``), ``strength-<kind>`` or ``promise-<kind>``. Repeats get ``-2``, ``-3``, ...
    (:func:`assign_ids`). Same inputs and settings give the same id: reviews are keyed by it.
    """
    t = "call" if start_s is None else str(int(round(round(float(start_s), 3) * 1000)))
    return f"{call_id}.{key}.{t}"


def assign_ids(call_id: str, items: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Put ``"id"`` first into each ``(key, item)`` in order; a repeated id gets ``-2``, ``-3``, ..."""
    seen: dict[str, int] = {}
    out = []
    for key, item in items:
        base = moment_id(call_id, key, item.get("start_s"))
        n = seen.get(base, 0) + 1
        seen[base] = n
        out.append({"id": base if n == 1 else f"{base}-{n}", **item})
    return out


def _tracker_id(call_id: str, t: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    hits = t.get("hits") or []
    return f"tracker-{t['name']}", {**t, "start_s": hits[0]["start_s"] if hits else None}


def finding_to_json(f: Finding) -> dict[str, Any]:
    """A finding as the contract's plain dict (without its id: :meth:`RulesResult.to_json` adds it)."""
    return {"mistake": f.mistake, "rule_id": f.rule_id, "severity": f.severity, "start_s": r3(f.start_s),
            "end_s": r3(f.end_s), "evidence": dict(f.evidence), "message": f.message}


@dataclass(frozen=True)
class RulesResult:
    """Findings of the eight rules, strengths and promises of one call (``call_id`` names their ids)."""

    findings: tuple[Finding, ...]
    strengths: tuple[Strength, ...] = ()
    promises: tuple[Promise, ...] = ()
    call_id: str = "call"
    checks: Mapping[str, Any] = field(default_factory=dict)
    trackers: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``{findings, strengths, promises, checks, trackers}`` as written to the record and the
        judgement; findings, strengths, promises and trackers each with ``id``."""
        trackers = [{k: v for k, v in t.items() if k != "start_s"}
                    for t in assign_ids(self.call_id, (_tracker_id(self.call_id, t) for t in self.trackers))]
        return {"findings": assign_ids(self.call_id, ((f.rule_id, finding_to_json(f)) for f in self.findings)),
                "strengths": assign_ids(self.call_id, ((f"strength-{s.kind}", s.to_json()) for s in self.strengths)),
                "promises": assign_ids(self.call_id, ((f"promise-{p.kind}", p.to_json()) for p in self.promises)),
                "checks": dict(self.checks), "trackers": trackers}


# --- baselines -------------------------------------------------------------------------------------
#: Leave-one-out statistics are computed in blocks of at most this many values (memory bound).
_LOO_BLOCK_VALUES = 2_000_000


@dataclass(frozen=True)
class History:
    """One agent's values of one measure, in call order, with the calls they come from."""

    call_ids: tuple[str, ...]
    values: np.ndarray

    @cached_property
    def _positions(self) -> dict[str, list[int]]:
        pos: dict[str, list[int]] = {}
        for i, cid in enumerate(self.call_ids):
            pos.setdefault(cid, []).append(i)
        return pos

    def without(self, call_id: str | None) -> np.ndarray:
        """The values without ``call_id``'s (the call is never part of its own baseline)."""
        drop = self._positions.get(call_id) if call_id is not None else None
        return self.values if not drop else np.delete(self.values, drop)

    @cached_property
    def _leave_one_out(self) -> tuple[np.ndarray, np.ndarray]:
        """Per position: median and scaled MAD of all *other* values (for every call at once:
        ``numpy.median`` and ``scipy.stats.median_abs_deviation`` along rows, block by block)."""
        k = len(self.values)
        med, mad = np.full(k, np.nan), np.full(k, np.nan)
        if k < 2:
            return med, mad
        rows = max(1, _LOO_BLOCK_VALUES // k)
        for r0 in range(0, k, rows):
            r1 = min(k, r0 + rows)
            keep = np.ones((r1 - r0, k), dtype=bool)
            keep[np.arange(r1 - r0), np.arange(r0, r1)] = False
            others = np.broadcast_to(self.values, (r1 - r0, k))[keep].reshape(r1 - r0, k - 1)
            med[r0:r1] = np.median(others, axis=1)
            mad[r0:r1] = median_abs_deviation(others, axis=1, scale="normal")
        return med, mad

    def stats_without(self, call_id: str | None) -> tuple[int, float, float]:
        """``(n, median, scaled MAD)`` of the values without ``call_id``'s (n may be 0: NaNs then)."""
        drop = self._positions.get(call_id) if call_id is not None else None
        if drop is not None and len(drop) == 1:
            med, mad = self._leave_one_out
            return len(self.values) - 1, float(med[drop[0]]), float(mad[drop[0]])
        vals = self.without(call_id)
        if not len(vals):
            return 0, float("nan"), float("nan")
        return len(vals), float(np.median(vals)), float(median_abs_deviation(vals, scale="normal"))


@dataclass(frozen=True)
class Baselines:
    """Team distributions and each agent's own history, per measure (see :data:`BASELINE_MEASURES`).

    ``team[measure]`` is the sorted array of all calls' values; ``agents[agent][measure]`` that
    agent's :class:`History`. Team percentiles are computed once per measure and percentile, so
    judging n calls costs O(n · own history), not O(n²).
    """

    team: Mapping[str, np.ndarray] = field(default_factory=dict)
    agents: Mapping[str, Mapping[str, History]] = field(default_factory=dict)
    n_calls: int = 0
    _percentiles: dict[tuple[str, float], float] = field(default_factory=dict, repr=False, compare=False)

    def team_values(self, measure: str) -> tuple[float, ...]:
        """All calls' values of ``measure``, sorted."""
        return tuple(float(v) for v in self.team.get(measure, ()))

    def team_count(self, measure: str) -> int:
        return len(self.team.get(measure, ()))

    def team_at_least(self, measure: str, k: int) -> bool:
        """Whether the team has at least ``k`` values of ``measure`` (a comparison's precondition)."""
        return self.team_count(measure) >= k

    def beyond_percentile(self, measure: str, q: float, value: float, sign: float) -> bool:
        """Whether ``sign * (value - team_threshold) > 0``: the team comparison's verdict."""
        return _beyond(self, measure, q, value, sign)

    def team_threshold(self, measure: str, q: float) -> float:
        """The team comparison's threshold: :meth:`team_percentile` rounded as judgements write it
        (:func:`~callcheck.rules.common.r3`). The verdict is made with the number the evidence
        shows, and a percentile that moves in its fourth decimal (the team grew by a call) leaves
        every team comparison as it was."""
        return float(r3(self.team_percentile(measure, q)))  # type: ignore[arg-type]

    @property
    def raw(self) -> "Baselines":
        """These baselines themselves (:class:`LoggedBaselines` gives the ones it wraps)."""
        return self

    def team_percentile(self, measure: str, q: float) -> float:
        """Linear-interpolated percentile ``q`` (0..100) of the team's values (``numpy.percentile``)."""
        key = (measure, float(q))
        if key not in self._percentiles:
            self._percentiles[key] = float(np.percentile(self.team[measure], q))
        return self._percentiles[key]

    def agent_values(self, agent: str | None, measure: str, *, exclude_call: str | None = None) -> np.ndarray:
        """The agent's values of ``measure`` in call order, without ``exclude_call``'s."""
        h = self.agents.get(agent, {}).get(measure) if agent is not None else None
        return np.empty(0) if h is None else h.without(exclude_call)

    def agent_stats(self, agent: str | None, measure: str, *, exclude_call: str | None = None) -> tuple[int, float, float]:
        """``(n, median, scaled MAD)`` of the agent's other calls' values of ``measure`` (n = 0: none)."""
        h = self.agents.get(agent, {}).get(measure) if agent is not None else None
        return (0, float("nan"), float("nan")) if h is None else h.stats_without(exclude_call)

    def agent_calls(self, agent: str | None) -> int:
        if agent is None or agent not in self.agents:
            return 0
        return max((len(h.call_ids) for h in self.agents[agent].values()), default=0)


def _plain(x: Any) -> Any:
    """A looked-up value in the form the judge's index keeps (JSON): floats that are not finite as None."""
    if type(x) is float:  # the most frequent case, without numpy's scalar machinery (same result)
        return x if math.isfinite(x) else None
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if np.isfinite(x) else None
    return x


class LoggedBaselines:
    """:class:`Baselines` that remember every figure a judgement was made with.

    The judge evaluates each call through one of these: every lookup (``team_count``,
    ``team_percentile``, ``agent_stats``, ...) is kept in :attr:`log` as ``key -> result``, and
    :meth:`replay` gives a key's result under other baselines. A judgement whose record, settings
    and every logged result are unchanged is byte-identical, so it need not be made again: when one
    call is re-analysed, only the calls whose figures moved are judged again. The team comparison
    of :func:`callcheck.rules.common.compare` logs only its verdict (:meth:`beyond_percentile`)
    and, when it fired, the threshold it quotes (:meth:`Baselines.team_threshold`, rounded as it is
    written): a team that grew by a call changes nothing for a call far from the threshold, and for
    a fired call only when the written threshold moves. Team comparisons do not quote the team's
    size (the checks name it only where it is too small, :meth:`team_at_least`; the team page
    states it once). Anything else a rule reads is logged exactly.
    """

    def __init__(self, baselines: Baselines) -> None:
        self.raw = baselines
        self.log: dict[tuple[Any, ...], Any] = {}

    def _note(self, key: tuple[Any, ...], value: Any) -> Any:
        self.log[key] = _plain(value)
        return value

    @property
    def n_calls(self) -> int:
        return self._note(("n_calls",), self.raw.n_calls)

    def team_values(self, measure: str) -> tuple[float, ...]:
        return self._note(("team_values", measure), self.raw.team_values(measure))

    def team_count(self, measure: str) -> int:
        return self._note(("team_count", measure), self.raw.team_count(measure))

    def team_at_least(self, measure: str, k: int) -> bool:
        return self._note(("team_at_least", measure, int(k)), self.raw.team_at_least(measure, k))

    def team_percentile(self, measure: str, q: float) -> float:
        return self._note(("team_percentile", measure, float(q)), self.raw.team_percentile(measure, q))

    def team_threshold(self, measure: str, q: float) -> float:
        return self._note(("team_threshold", measure, float(q)), self.raw.team_threshold(measure, q))

    def beyond_percentile(self, measure: str, q: float, value: float, sign: float) -> bool:
        """Whether ``sign * (value - team_threshold) > 0``: the team comparison's verdict (only it is logged)."""
        return self._note(("beyond_percentile", measure, float(q), float(value), float(sign)), _beyond(self.raw, measure, q, value, sign))

    def agent_values(self, agent: str | None, measure: str, *, exclude_call: str | None = None) -> np.ndarray:
        v = self.raw.agent_values(agent, measure, exclude_call=exclude_call)
        self._note(("agent_values", agent, measure, exclude_call), [float(x) for x in v])
        return v

    def agent_stats(self, agent: str | None, measure: str, *, exclude_call: str | None = None) -> tuple[int, float, float]:
        return self._note(("agent_stats", agent, measure, exclude_call), self.raw.agent_stats(agent, measure, exclude_call=exclude_call))

    def agent_calls(self, agent: str | None) -> int:
        return self._note(("agent_calls", agent), self.raw.agent_calls(agent))

    @staticmethod
    def replay(baselines: Baselines, key: Sequence[Any]) -> Any:
        """The result of the lookup ``key`` (from a :attr:`log`) under ``baselines``, as it is logged."""
        kind, b = key[0], baselines
        if kind == "n_calls":
            v: Any = b.n_calls
        elif kind == "team_count":
            v = b.team_count(key[1])
        elif kind == "team_at_least":
            v = b.team_at_least(key[1], key[2])
        elif kind == "team_percentile":
            v = b.team_percentile(key[1], key[2])
        elif kind == "team_threshold":
            v = b.team_threshold(key[1], key[2])
        elif kind == "beyond_percentile":
            v = _beyond(b, key[1], key[2], key[3], key[4])
        elif kind == "agent_stats":
            v = b.agent_stats(key[1], key[2], exclude_call=key[3])
        elif kind == "agent_calls":
            v = b.agent_calls(key[1])
        elif kind == "agent_values":
            v = [float(x) for x in b.agent_values(key[1], key[2], exclude_call=key[3])]
        elif kind == "team_values":
            v = b.team_values(key[1])
        else:
            raise KeyError(f"unknown baseline lookup {kind!r}")
        return _plain(v)


def _beyond(b: Baselines, measure: str, q: float, value: float, sign: float) -> bool:
    """``sign * (value - the team's threshold at percentile q) > 0`` (the team comparison's verdict)."""
    return bool(sign * (value - b.team_threshold(measure, q)) > 0)


def baseline_values(rec: CallRecord) -> dict[str, float | None]:
    """The call's values of :data:`BASELINE_MEASURES` (None where not measured or unsure). A call
    that is not assessable (``assessment.assessable`` false) gives no value at all: a silent
    channel, a muted agent or an unusable transcript never shifts the team's or the agent's own
    baseline."""
    if not rec.assessment.assessable:
        return {name: None for name in BASELINE_MEASURES}
    return {name: get(rec) for name, get in BASELINE_MEASURES.items()}


def baselines_from_values(rows: Iterable[tuple[str, str | None, Mapping[str, float | None]]]) -> Baselines:
    """:class:`Baselines` from ``(call_id, agent, baseline_values)`` per call, in one pass."""
    team: dict[str, list[float]] = {m: [] for m in BASELINE_MEASURES}
    agents: dict[str, dict[str, tuple[list[str], list[float]]]] = {}
    n = 0
    for cid, agent, values in rows:
        n += 1
        for name in BASELINE_MEASURES:
            v = values.get(name)
            if v is None:
                continue
            team[name].append(v)
            if agent is not None:
                ids, vals = agents.setdefault(agent, {}).setdefault(name, ([], []))
                ids.append(cid)
                vals.append(v)
    return Baselines(
        team={k: np.sort(np.asarray(v, dtype=float)) for k, v in team.items()},
        agents={a: {k: History(tuple(ids), np.asarray(vals, dtype=float)) for k, (ids, vals) in d.items()} for a, d in agents.items()},
        n_calls=n,
    )


def build_baselines(calls: Sequence[CallRecord | Mapping[str, Any]], *, config: RulesConfig) -> Baselines:
    """Collect every call's baseline measures into team distributions and per-agent histories (one pass)."""
    recs = [c if isinstance(c, CallRecord) else CallRecord(c) for c in calls]
    return baselines_from_values((str(r.raw.get("call_id") or f"#{i}"), r.agent, baseline_values(r)) for i, r in enumerate(recs))


def _configs(config: RulesConfig | Config, words: WordsConfig | None) -> tuple[RulesConfig, WordsConfig | None, tuple[str, ...]]:
    """The rules' settings, the ``[words]`` settings and every configured company name."""
    if isinstance(config, Config):
        w = words if words is not None else config.words
        return config.rules, w, tuple(dict.fromkeys((*w.company_names, *config.turns.company_names)))
    return config, words, tuple(words.company_names) if words is not None else ()


def evaluate_call(call: CallRecord | Mapping[str, Any], *, config: RulesConfig | Config, baselines: Baselines | None = None,
                  words: WordsConfig | None = None) -> RulesResult:
    """Check one call against the eight mistakes; strengths, promises and custom trackers too.

    Parameters
    ----------
    call : CallRecord or Mapping
        The call's read model, or its per-call JSON (wrapped without validation).
    config : RulesConfig or Config
        Thresholds and weights; a whole :class:`~callcheck.config.Config` also gives the ``[words]``
        section (company names, house greeting, phrase lists, trackers).
    baselines : Baselines or None
        Team and own-history distributions; None compares with the absolute norms only.
    words : WordsConfig or None
        The ``[words]`` section when ``config`` is a RulesConfig (None: the shipped lists only).

    Returns
    -------
    RulesResult
        Findings sorted by time (then mistake), strengths, promises, trackers and ``checks``: whether
        the call could be assessed and, per rule, whether it was checked and which comparisons
        (absolute / caller / team / own, with n) were possible. A call that is not assessable
        (``assessment.assessable`` false) gets no finding, strength, promise or tracker hit: every
        rule reads the agent's voice, the transcript or the turn timing, and an unusable recording
        (a silent or muted channel, a transcript that cannot be right, channels not as the layout
        says) corrupts each of them.
    """
    rec = call if isinstance(call, CallRecord) else CallRecord(call)
    rules_cfg, words_cfg, companies = _configs(config, words)
    lang = rec.language
    ctx = RuleContext(config=rules_cfg, phrases=load_phrases(lang, words_cfg), baselines=baselines, agent=rec.agent,
                      call_id=None if rec.raw.get("call_id") is None else rec.call_id, language=lang,
                      words=words_cfg, company_names=companies)
    a = rec.assessment
    if not a.assessable:
        checks = rule_checks(rec, ctx, checked=False,
                             reason="not assessable: " + ("; ".join(a.reasons) or "the recording cannot be assessed"))
        return RulesResult((), (), (), rec.call_id, checks, ())
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.check(rec, ctx))
    findings.sort(key=lambda f: (f.start_s if f.start_s is not None else float("inf"), f.mistake))
    return RulesResult(tuple(findings), tuple(find_strengths(rec, ctx)), tuple(find_promises(rec, ctx)), rec.call_id,
                       rule_checks(rec, ctx), tuple(find_trackers(rec, ctx)))


def _comparisons(rec: CallRecord, ctx: RuleContext, module: Any) -> dict[str, Any]:
    """Which comparisons the rule could make for this call, with how many calls each rests on."""
    cfg, bl = ctx.config, ctx.baselines
    out: dict[str, Any] = {}
    for kind in module.COMPARES:
        if kind == "absolute":
            out[kind] = {"possible": True}
        elif kind == "caller":
            key = getattr(module, "CALLER_MEASURE", None)
            ok = rec.has_party("caller") and (key is None or rec.speaker("caller").trusted(key) is not None)
            out[kind] = {"possible": ok, **({} if ok else {"reason": "no caller in this recording" if not rec.has_party("caller")
                                                            else f"the caller's {key} is not measured or not trusted"})}
        elif kind == "team":  # the team's size only where it is too small (it grows with every call)
            ok = bl is not None and any(bl.team_at_least(m, cfg.team_min_calls) for m in module.MEASURES)
            size = {} if ok else {"n_calls": max((bl.team_count(m) for m in module.MEASURES), default=0) if bl is not None else 0}
            out[kind] = {"possible": ok, **size, "min_calls": cfg.team_min_calls}
        elif kind == "own":
            n = max((bl.agent_stats(ctx.agent, m, exclude_call=ctx.call_id)[0] for m in module.MEASURES), default=0) if bl is not None else 0
            out[kind] = {"possible": bl is not None and n >= cfg.agent_min_calls, "n_calls": n, "min_calls": cfg.agent_min_calls}
    return out


def rule_checks(rec: CallRecord, ctx: RuleContext, *, checked: bool = True, reason: str | None = None) -> dict[str, Any]:
    """The record's / judgement's ``checks``: assessable or not (and why), whether the call's values
    are in the baselines, and per rule whether it was checked (else why not) and the comparisons it
    could make (``absolute``, ``caller``, ``team``, ``own``; team/own with the number of calls)."""
    a = rec.assessment
    skips = ctx.cache.get("skips", {})
    rules = []
    for m in RULES:
        why = reason if not checked else skips.get(m.RULE_ID)
        rules.append({"rule_id": m.RULE_ID, "mistake": m.MISTAKE, "checked": checked and why is None, "reason": why,
                      "comparisons": _comparisons(rec, ctx, m) if checked and why is None else {}})
    return {"assessable": a.assessable, "reasons": list(a.reasons), "warnings": list(a.warnings),
            "in_baselines": a.assessable, "rules": rules}


# --- rule listing --------------------------------------------------------------------------------
_ARTICLE: dict[str, Any] | None = None


def load_article() -> dict[str, Any]:
    """The article quotes and coaching advice per mistake (``callcheck/data/article.toml``)."""
    global _ARTICLE
    if _ARTICLE is None:
        _ARTICLE = tomllib.loads(resources.files("callcheck.data").joinpath("article.toml").read_text("utf-8"))
    return _ARTICLE


@dataclass(frozen=True)
class RuleInfo:
    """One rule for ``callcheck rules``: id, mistake, title, signals, thresholds, article text."""

    rule_id: str
    mistake: int
    title: str
    signals: str
    thresholds: tuple[tuple[str, Any, str], ...]  # (config key, value, doc)
    article_de: str
    article_en: str

    def to_json(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "mistake": self.mistake, "title": self.title, "signals": self.signals,
                "thresholds": [{"key": f"rules.{k}", "value": list(v) if isinstance(v, tuple) else v, "doc": d} for k, v, d in self.thresholds],
                "article_de": self.article_de, "article_en": self.article_en}


def list_rules(*, config: RulesConfig, language: str = "en") -> list[RuleInfo]:
    """The eight rules with their thresholds (current config) and the article text they come from."""
    import dataclasses
    docs = {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(config)}
    art = load_article()["mistakes"]
    lang = "de" if language == "de" else "en"
    out = []
    for m in RULES:
        a = art[str(m.MISTAKE)]
        th = tuple((k, getattr(config, k), docs[k]) for k in m.THRESHOLDS)
        out.append(RuleInfo(m.RULE_ID, m.MISTAKE, a[f"title_{lang}"], m.SIGNALS, th, a["quote_de"], a["quote_en"]))
    return out
