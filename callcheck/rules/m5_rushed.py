"""Mistake 5, "Stimme klingt gehetzt" (rushed voice): little breathing room, short gaps, speeding up.

Distinct from mistake 7 (norms.md): "rushed" is about the room around the words — few and short
pauses (``pause_share``), very short reply gaps (median reply latency against the ~0.2 s typical gap
of Stivers et al. 2009), speeding up over the call (``rate_over_time``, last third vs first third)
and a high speech rate *with pauses included* (wpm, language-specific norm). It fires when
``m5_min_signals`` of these are present. The articulation rate (mistake 7) is not one of them, and a
speed-up into a too-fast articulation rate is left to mistake 7.

Moments: a *stretch* of ``m5_min_run`` consecutive agent replies with very short gaps (0 <= gap <
``m5_reply_gap_max_s``) that also speeds up turn by turn, exceeds the speech-rate norm or comes with
little breathing room is its own finding. Without such a stretch, the whole call is rushed only
with little breathing room *and* a speed-up (plus the wpm norm as a further signal): a fast talker
with few pauses at a steady pace is not rushed, and a high articulation rate is mistake 7.
"""

from __future__ import annotations

import statistics

from callcheck.record import CallRecord, RateWindow, Speaker
from callcheck.rules.common import (
    RuleContext, Signal, compare, describe_signal, evidence, fired_signals, longest_turn, quote, r3, reply_gaps, talk_time,
    turn_at, turn_quote,
)
from callcheck.types import Finding, Severity, Turn

MISTAKE = 5
RULE_ID = "M5_RUSHED"
THRESHOLDS = ("m5_pause_share_max", "m5_reply_gap_max_s", "m5_min_run", "m5_speedup_ratio", "m5_speech_rate_wpm_en",
              "m5_speech_rate_wpm_de", "m5_min_signals", "m1_min_talk_s")
SIGNALS = "low pause share, very short reply gaps, speeding up over the call, speech rate (wpm, pauses included)"
COMPARES = ("absolute", "team", "own")
MEASURES = ("agent.pause_share", "agent.speech_rate_wpm")
CALLER_MEASURE = None


def _windows(ag: Speaker) -> list[RateWindow]:
    return [w for w in ag.rate_over_time if w.speech_rate_wpm is not None]


def speedup(ag: Speaker) -> tuple[float | None, RateWindow | None]:
    """Mean speech rate of the last third of the windows / the first third, and the fastest late window."""
    ws = _windows(ag)
    if len(ws) < 3:
        return None, None
    k = max(1, len(ws) // 3)
    first = statistics.fmean(w.speech_rate_wpm or 0.0 for w in ws[:k])
    last = statistics.fmean(w.speech_rate_wpm or 0.0 for w in ws[-k:])
    if first <= 0:
        return None, None
    return last / first, max(ws[-k:], key=lambda w: w.speech_rate_wpm or 0.0)


def turn_wpm(turn: Turn) -> float | None:
    d = turn.end_s - turn.start_s
    n = len(turn.text.split())
    return n / (d / 60.0) if d > 0.5 and n >= 3 else None


def rushed_runs(rec: CallRecord, max_gap_s: float, min_run: int, min_gap_s: float = 0.0) -> list[list[tuple[float, Turn]]]:
    """Maximal runs of consecutive agent replies starting ``min_gap_s < gap < max_gap_s`` after the caller stopped."""
    runs, cur = [], []
    for gap, _, reply in reply_gaps(rec, "agent"):
        if min_gap_s < gap < max_gap_s:
            cur.append((gap, reply))
        else:
            if len(cur) >= min_run:
                runs.append(cur)
            cur = []
    if len(cur) >= min_run:
        runs.append(cur)
    return runs


def _wpm_limit(rec: CallRecord, ctx: RuleContext) -> float | None:
    cfg, lang = ctx.config, rec.language
    return cfg.m5_speech_rate_wpm_de if lang == "de" else cfg.m5_speech_rate_wpm_en if lang == "en" else None


def _groups_text(groups: dict[str, list[Signal]]) -> str:
    return "; ".join(f"{k.replace('_', ' ')} ({describe_signal(g[0])})" for k, g in groups.items())


def _signals_json(groups: dict[str, list[Signal]]) -> dict[str, dict[str, object]]:
    return {k: {s.signal: r3(s.value) for s in g} | {"baseline": g[0].baseline} for k, g in groups.items()}


def _local(rec: CallRecord, ctx: RuleContext, little_room: list[Signal]) -> list[Finding]:
    """Rushed stretches: consecutive very short reply gaps plus speeding up, a high rate or no pauses."""
    cfg = ctx.config
    limit = _wpm_limit(rec, ctx)
    out = []
    for run in rushed_runs(rec, cfg.m5_reply_gap_max_s, cfg.m5_min_run, -cfg.m3_min_interruption_s):
        turns = [r for _, r in run]
        rates = [turn_wpm(t) for t in turns]
        gaps = [g for g, _ in run]
        groups: dict[str, list[Signal]] = {"short_reply_gaps": [
            Signal("longest_reply_gap_in_stretch", max(gaps), "<", cfg.m5_reply_gap_max_s, unit="s", at_s=turns[0].start_s),
            Signal("replies_in_stretch", len(turns), ">=", cfg.m5_min_run)]}
        known = [r for r in rates if r is not None]
        if len(known) >= 2 and known[0] > 0 and known[-1] / known[0] >= cfg.m5_speedup_ratio:
            groups["speeding_up"] = [Signal("last_to_first_turn_rate_ratio", known[-1] / known[0], ">=", cfg.m5_speedup_ratio)]
        if known and limit is not None and max(known) > limit:
            groups["high_speech_rate"] = [Signal("fastest_turn_speech_rate", max(known), ">", limit, unit="wpm")]
        if little_room:
            groups["little_breathing_room"] = little_room
        if len(groups) < cfg.m5_min_signals:
            continue
        start_s, end_s = turns[0].start_s, turns[-1].end_s
        severity: Severity = "high" if len(groups) >= cfg.m5_min_signals + 2 else "medium"
        fired = [x for g in groups.values() for x in g]
        ev = evidence(fired, signals=_signals_json(groups), signal_count=len(groups), min_signals=cfg.m5_min_signals,
                      reply_gaps_s=[r3(g) for g in gaps], turn_rates_wpm=[r3(r) for r in rates],
                      span="consecutive agent replies with very short gaps",
                      quote=quote(" / ".join(t.text for t in turns), max_words=cfg.quote_max_words))
        msg = f"The agent sounds rushed from {start_s:.1f} s to {end_s:.1f} s: {_groups_text(groups)}."
        out.append(Finding(MISTAKE, RULE_ID, severity, start_s, end_s, ev, msg))
    return out[: cfg.max_findings_per_rule]


def check(rec: CallRecord, ctx: RuleContext) -> list[Finding]:
    cfg = ctx.config
    if talk_time(rec, "agent") < cfg.m1_min_talk_s:
        return ctx.skip(RULE_ID, f"the agent speaks less than rules.m1_min_talk_s = {cfg.m1_min_talk_s:g} s")
    ag = rec.speaker("agent")
    groups: dict[str, list[Signal]] = {}
    ps = ag.pause_share
    if ps is not None:
        cp = compare(ps, measure="agent.pause_share", higher_is_worse=False, absolute=cfg.m5_pause_share_max, ctx=ctx)
        room = fired_signals(cp, signal="pause_share", value=ps, higher_is_worse=False)
        if room:
            groups["little_breathing_room"] = room
    local = _local(rec, ctx, groups.get("little_breathing_room", []))
    if local:
        return local
    ratio, late = speedup(ag)
    late_art = late.articulation_rate_sps if late is not None else None
    if ratio is not None and ratio >= cfg.m5_speedup_ratio and not (late_art is not None and late_art > cfg.m7_articulation_sps):
        groups["speeding_up"] = [Signal("last_to_first_third_speech_rate_ratio", ratio, ">=", cfg.m5_speedup_ratio)]
    wpm, limit = ag.speech_rate_wpm, _wpm_limit(rec, ctx)
    if wpm is not None and limit is not None:
        cw = compare(wpm, measure="agent.speech_rate_wpm", higher_is_worse=True, absolute=limit, ctx=ctx)
        high = fired_signals(cw, signal="speech_rate", value=wpm, higher_is_worse=True, unit="wpm")
        if high:
            groups["high_speech_rate"] = high
    if len(groups) < cfg.m5_min_signals or not {"speeding_up", "little_breathing_room"} <= set(groups):
        return []  # over the whole call, rushed = no breathing room *and* speeding up; fast alone is not rushed
    start_s: float | None
    end_s: float | None
    if late is not None:
        start_s, end_s, span = late.start_s, late.end_s, "the fastest window of the last third of the call"
    else:
        t = longest_turn(rec, "agent")
        start_s, end_s, span = (t.start_s, t.end_s, "agent's longest turn") if t else (None, None, "")
    turn = turn_at(rec, "agent", start_s, end_s) if start_s is not None and end_s is not None else None
    fired = [x for g in groups.values() for x in g]
    main = evidence(fired)["baseline"]
    severity: Severity = ("high" if len(groups) >= cfg.m5_min_signals + 2 else
                "medium" if len(groups) > cfg.m5_min_signals or main == "absolute" else "low")
    ev = evidence(fired, signals=_signals_json(groups), signal_count=len(groups), min_signals=cfg.m5_min_signals, span=span,
                  quote=turn_quote(turn, max_words=cfg.quote_max_words))
    msg = f"The agent sounds rushed: {_groups_text(groups)}."
    return [Finding(MISTAKE, RULE_ID, severity, start_s, end_s, ev, msg)]
