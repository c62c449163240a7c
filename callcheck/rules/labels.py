"""The rules' signal names in German and English, for pages that render ``evidence.fired``.

Every :class:`callcheck.rules.common.Signal` a rule writes into ``evidence.fired`` carries its id
(``signal``), the value, the operator, the threshold and the comparison. :func:`fired_sentence`
writes one such item as a sentence in the report language ("Artikulationsrate 7,8 Silben/s ≥ 7,3
(Grenze)"); ``tests/test_rules_labels.py`` checks that every signal id a rule can write has both
languages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["SIGNAL_LABELS", "COMPARISON_LABELS", "UNIT_LABELS", "fired_sentence"]

#: signal id -> (German, English)
SIGNAL_LABELS: dict[str, tuple[str, str]] = {
    "agent_interruptions": ("Unterbrechungen durch Sie", "your interruptions"),
    "agent_interruptions_in_call": ("Unterbrechungen im Gespräch", "interruptions in the call"),
    "agent_minus_caller_loudness": ("Ihre Lautstärke gegenüber der Ihres Anrufers", "your loudness relative to your caller's"),
    "agent_questions": ("Ihre Fragen", "your questions"),
    "agent_to_caller_articulation_ratio": ("Ihr Tempo im Verhältnis zu dem Ihres Anrufers", "your pace relative to your caller's"),
    "articulation_rate": ("Artikulationsrate", "articulation rate"),
    "backchannels_per_min_caller_talk": ("kurze Bestätigungen je Minute, in der Ihr Anrufer spricht", "short acknowledgements per minute of your caller's talk"),
    "contradiction_phrases": ("widersprechende Wendungen", "contradicting phrases"),
    "empathy_phrases": ("Sätze der Anteilnahme", "sentences of concern"),
    "f0_variation_st": ("Tonhöhenschwankung", "pitch variation"),
    "fastest_turn_speech_rate": ("Sprechtempo Ihres schnellsten Beitrags", "speech rate of your fastest turn"),
    "greeting_duration": ("Dauer der Begrüßung", "greeting duration"),
    "greeting_words": ("Wörter der Begrüßung", "words of the greeting"),
    "impatience_phrase": ("ungeduldig wirkende Wendung", "phrase that sounds impatient"),
    "impatience_phrases_in_call": ("ungeduldig wirkende Wendungen im Gespräch", "phrases that sound impatient in the call"),
    "interruption_overlap": ("gleichzeitiges Sprechen", "talking at once"),
    "last_to_first_third_speech_rate_ratio": ("Tempo im letzten zum ersten Drittel", "pace of the last to the first third"),
    "last_to_first_turn_rate_ratio": ("Tempo des letzten zum ersten Beitrag", "pace of the last to the first turn"),
    "longest_agent_monologue": ("Ihr längster Beitrag am Stück", "your longest monologue"),
    "longest_reply_gap_in_stretch": ("längste Antwortlücke im Abschnitt", "longest reply gap in the stretch"),
    "loudness": ("Lautstärke", "loudness"),
    "low_confidence_word_share": ("Anteil unsicher erkannter Wörter", "share of words recognised with low confidence"),
    "monotony": ("Monotonie", "monotony"),
    "pause_share": ("Pausenanteil", "pause share"),
    "recognised_words_per_min": ("erkannte Wörter je Minute", "recognised words per minute"),
    "repair_requests": ("Bitten um Wiederholung", "requests to repeat"),
    "replies_in_stretch": ("Antworten im Abschnitt", "replies in the stretch"),
    "reply_latency_median": ("Antwortzeit (Median)", "reply time (median)"),
    "slow_down_request": ("Bitte, langsamer zu sprechen", "request to slow down"),
    "speech_rate": ("Sprechtempo", "speech rate"),
    "stock_formulas": ("Floskeln", "stock phrases"),
    "talk_share": ("Redeanteil", "talk share"),
    "window_articulation_rate": ("Artikulationsrate im schnellsten Abschnitt", "articulation rate in the fastest stretch"),
    "window_to_caller_articulation_ratio": ("Tempo im schnellsten Abschnitt im Verhältnis zu Ihrem Anrufer", "pace of the fastest stretch relative to your caller"),
    "word_confidence_mean": ("mittlere Erkennungssicherheit", "mean recognition confidence"),
    "you_to_i_messages": ("Sie- im Verhältnis zu Ich-Botschaften", "you-messages relative to I-messages"),
}

#: comparison -> (German, English) of what the threshold is
COMPARISON_LABELS: dict[str, tuple[str, str]] = {
    "absolute": ("Grenze", "limit"),
    "caller": ("Vergleich mit Ihrem Anrufer", "compared with your caller"),
    "team": ("Vergleich mit dem Team", "compared with the team"),
    "own": ("Vergleich mit Ihren eigenen Gesprächen, {n}", "compared with your own calls, {n}"),
}

#: unit as written by the rules -> (German, English)
UNIT_LABELS: dict[str, tuple[str, str]] = {
    "syll/s": ("Silben/s", "syll/s"), "s": ("s", "s"), "dB": ("dB", "dB"), "dBFS": ("dBFS", "dBFS"), "st": ("Halbtöne", "st"),
    "1/min": ("/min", "/min"), "wpm": ("Wörter/min", "words/min"), "": ("", ""),
}

_OPS = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "="}


def fired_sentence(item: Mapping[str, Any], lang: str, num: Callable[[float], str] | None = None) -> str | None:
    """One ``evidence.fired`` item as text in ``lang`` ("de" or "en"), or None when it is not a
    signal item this module knows. ``num`` formats numbers (the report's, e.g. decimal comma)."""
    sid, value, threshold = item.get("signal"), item.get("value"), item.get("threshold")
    if not isinstance(sid, str) or sid not in SIGNAL_LABELS:
        return None
    k = 0 if lang == "de" else 1
    fmt = num or (lambda x: f"{x:.3g}")
    unit = UNIT_LABELS.get(str(item.get("unit") or ""), ("", ""))[k]
    if not isinstance(value, (int, float)) or not isinstance(threshold, (int, float)):
        return SIGNAL_LABELS[sid][k][:1].upper() + SIGNAL_LABELS[sid][k][1:] + "."
    comp = COMPARISON_LABELS.get(str(item.get("comparison")), COMPARISON_LABELS["absolute"])[k].format(n=item.get("n_calls", "?"))
    label = SIGNAL_LABELS[sid][k]
    return (f"{label[:1].upper()}{label[1:]} {fmt(float(value))}{' ' + unit if unit else ''} {_OPS.get(str(item.get('op')), item.get('op'))} "
            f"{fmt(float(threshold))} ({comp}).")
