"""The eight mistake rules of the source article, the strengths it praises, and the promise ledger.

Rules read the per-call JSON (a ``Mapping`` shaped as in ``contract.md``) only — never audio — and
return :class:`callcheck.types.Finding` objects whose ``evidence`` carries the measured values, the
threshold or baseline, which comparison was used (``evidence["baseline"]``: ``"absolute"``,
``"team"`` or ``"agent"``), the time span and a transcript quote.

How baseline-relative findings reach the canonical JSON: the pipeline calls
``evaluate_call(call, config=..., baselines=None)`` per call (absolute norms only). At the end of a
batch, :func:`callcheck.report.render_reports` builds :class:`Baselines` from all calls in the
output folder, re-evaluates every call with them and rewrites ``findings``, ``strengths`` and
``promises`` of each ``calls/<call_id>.json`` atomically when they changed, adding
``rules_baselines`` (how many team / own calls the comparison had). So the JSON always holds the
most informed verdict, and ``callcheck report DIR`` reproduces it without re-analysing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable, Mapping, Sequence

from callcheck.config import RulesConfig
from callcheck.rules import (
    m1_toneless, m2_indifferent, m3_impatient, m4_greeting, m5_rushed, m6_unclear, m7_too_fast, m8_know_it_all,
)
from callcheck.rules.common import RuleContext, load_phrases, num, r3, speaker
from callcheck.rules.m2_indifferent import reply_latency_median
from callcheck.rules.strengths import Promise, Strength, find_promises, find_strengths
from callcheck.types import Finding

__all__ = [
    "RULES", "RULE_IDS", "Baselines", "RuleInfo", "RulesResult", "build_baselines", "evaluate_call",
    "finding_to_json", "list_rules", "load_article", "BASELINE_MEASURES",
]

RULES = (m1_toneless, m2_indifferent, m3_impatient, m4_greeting, m5_rushed, m6_unclear, m7_too_fast, m8_know_it_all)
RULE_IDS: dict[int, str] = {m.MISTAKE: m.RULE_ID for m in RULES}

#: Per-call values kept for the team's distribution and each agent's own history.
BASELINE_MEASURES: dict[str, Callable[[Mapping[str, Any]], float | None]] = {
    "agent.monotony": lambda c: num(speaker(c, "agent").get("monotony")),
    "agent.f0_variation_st": lambda c: num(speaker(c, "agent").get("f0_variation_st")),
    "agent.loudness_dbfs": lambda c: num(speaker(c, "agent").get("loudness_dbfs")),
    "agent.articulation_rate_sps": lambda c: num(speaker(c, "agent").get("articulation_rate_sps")),
    "agent.speech_rate_wpm": lambda c: num(speaker(c, "agent").get("speech_rate_wpm")),
    "agent.pause_share": lambda c: num(speaker(c, "agent").get("pause_share")),
    "agent.talk_share": lambda c: num(speaker(c, "agent").get("talk_share")),
    "agent.word_confidence_mean": lambda c: num(speaker(c, "agent").get("word_confidence_mean")),
    "agent.reply_latency_median_s": reply_latency_median,
}


def finding_to_json(f: Finding) -> dict[str, Any]:
    """A finding as the contract's plain dict."""
    return {"mistake": f.mistake, "rule_id": f.rule_id, "severity": f.severity, "start_s": r3(f.start_s),
            "end_s": r3(f.end_s), "evidence": dict(f.evidence), "message": f.message}


@dataclass(frozen=True)
class RulesResult:
    """Findings of the eight rules, strengths and promises of one call."""

    findings: tuple[Finding, ...]
    strengths: tuple[Strength, ...] = ()
    promises: tuple[Promise, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"findings": [finding_to_json(f) for f in self.findings],
                "strengths": [s.to_json() for s in self.strengths],
                "promises": [p.to_json() for p in self.promises]}


@dataclass(frozen=True)
class Baselines:
    """Team distributions and each agent's own history, per measure (see :data:`BASELINE_MEASURES`).

    ``team[measure]`` is the sorted tuple of all calls' values; ``agents[agent][measure]`` the
    ``(call_id, value)`` pairs of that agent's calls.
    """

    team: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    agents: Mapping[str, Mapping[str, tuple[tuple[str, float], ...]]] = field(default_factory=dict)
    n_calls: int = 0

    def team_values(self, measure: str) -> tuple[float, ...]:
        return self.team.get(measure, ())

    def agent_values(self, agent: str | None, measure: str, *, exclude_call: str | None = None) -> list[float]:
        if agent is None:
            return []
        return [v for cid, v in self.agents.get(agent, {}).get(measure, ()) if cid != exclude_call]

    def agent_calls(self, agent: str | None) -> int:
        if agent is None or agent not in self.agents:
            return 0
        return max((len(v) for v in self.agents[agent].values()), default=0)


def build_baselines(calls: Sequence[Mapping[str, Any]], *, config: RulesConfig) -> Baselines:
    """Collect every call's baseline measures into team distributions and per-agent histories."""
    team: dict[str, list[float]] = {m: [] for m in BASELINE_MEASURES}
    agents: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for i, call in enumerate(calls):
        cid = str(call.get("call_id") or f"#{i}")
        agent = call.get("agent")
        for name, get in BASELINE_MEASURES.items():
            v = get(call)
            if v is None:
                continue
            team[name].append(v)
            if agent is not None:
                agents.setdefault(str(agent), {}).setdefault(name, []).append((cid, v))
    return Baselines(
        team={k: tuple(sorted(v)) for k, v in team.items()},
        agents={a: {k: tuple(v) for k, v in d.items()} for a, d in agents.items()},
        n_calls=len(calls),
    )


def evaluate_call(call: Mapping[str, Any], *, config: RulesConfig, baselines: Baselines | None = None) -> RulesResult:
    """Check one call (its per-call JSON) against the eight mistakes; strengths and promises too.

    Parameters
    ----------
    call : Mapping
        The per-call JSON (contract.md). Optional keys may be absent or null.
    config : RulesConfig
        Thresholds and weights.
    baselines : Baselines or None
        Team and own-history distributions; None compares with the absolute norms only.

    Returns
    -------
    RulesResult
        Findings sorted by time (then mistake), strengths and promises.
    """
    lang = call.get("language") if isinstance(call.get("language"), str) else None
    ctx = RuleContext(config=config, phrases=load_phrases(lang), baselines=baselines,
                      agent=None if call.get("agent") is None else str(call.get("agent")),
                      call_id=None if call.get("call_id") is None else str(call.get("call_id")), language=lang)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.check(call, ctx))
    findings.sort(key=lambda f: (f.start_s if f.start_s is not None else float("inf"), f.mistake))
    return RulesResult(tuple(findings), tuple(find_strengths(call, ctx)), tuple(find_promises(call, ctx)))


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
