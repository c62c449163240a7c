"""A finding's evidence as sentences in the report language: table-driven, one sentence per signal.

The rules write each finding's ``evidence`` as data (measured values, thresholds, comparisons,
quotes; ``docs/rules.md``). This module turns it into text with three tables:

* :data:`SIGNALS` — one :class:`Sentence` per signal id (German and English, with units and the
  comparison: "Sie sprachen 6,8 Silben/s, Ihr Anrufer 4,5 (Grenze 6,5)"). Its fields are paths into
  the evidence; the first variant whose fields are all present is used.
* :data:`RULE_SIGNALS` — per rule, which signals to look for and when each applies (for evidence
  that does not list its fired signals itself). Evidence with ``fired`` (a list of signal ids, or a
  mapping id -> bool) is rendered from that list instead.
* :data:`HEADLINES` — per rule, the one-line summary that replaces the rule's English ``message``.

A new signal id needs one entry in :data:`SIGNALS` (and in :data:`RULE_SIGNALS` when the rule does
not list ``fired``); an id without an entry is written generically from :data:`callcheck.report.i18n.MEASURES`
(label, value, unit) so nothing is lost. ``tests/test_report_i18n.py`` checks both languages.

Paths: ``a.b.c`` walks mappings; ``comparisons.monotony[baseline=absolute].threshold`` picks the
first list item with that key; ``0`` indexes a list. Conditions (``RULE_SIGNALS``): a path (present
and not empty/zero), ``path=value`` (equal), ``path~item`` (a list containing it), ``path>0``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import Any

from callcheck.report.i18n import MEASURES, NNBSP, Fmt, reason_text

__all__ = ["Sentence", "SIGNALS", "RULE_SIGNALS", "HEADLINES", "FindingFacts", "signal_ids", "evidence_sentences",
           "headline", "comparison_sentences", "confidence", "used_measures", "get_path", "evidence_of"]

_MISSING = object()


def evidence_of(finding: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A finding's ``evidence`` mapping ({} when absent or not a mapping)."""
    ev = (finding or {}).get("evidence")
    return ev if isinstance(ev, Mapping) else {}


def get_path(ev: Any, path: str) -> Any:
    """The value at ``path`` in ``ev`` (see the module docstring), or None."""
    cur = ev
    for seg in path.split("."):
        m = re.fullmatch(r"(\w*)\[(\w+)=([\w.-]+)\]", seg)
        if m:
            name, k, v = m.groups()
            lst = cur.get(name) if (name and isinstance(cur, Mapping)) else cur
            if not isinstance(lst, (list, tuple)):
                return None
            cur = next((x for x in lst if isinstance(x, Mapping) and str(x.get(k)) == v), None)
        elif seg.isdigit():
            cur = cur[int(seg)] if isinstance(cur, (list, tuple)) and int(seg) < len(cur) else None
        else:
            cur = cur.get(seg) if isinstance(cur, Mapping) else None
        if cur is None:
            return None
    return cur


def condition(ev: Mapping[str, Any], cond: str) -> bool:
    """Whether ``cond`` holds for the evidence (module docstring)."""
    for op in ("~", "=", ">"):
        if op in cond:
            path, want = cond.split(op, 1)
            v = get_path(ev, path)
            if op == "~":
                return isinstance(v, (list, tuple)) and want in [str(x) for x in v]
            if op == "=":
                return v is not None and str(v) == want
            return isinstance(v, (int, float)) and not isinstance(v, bool) and v > float(want)
    v = get_path(ev, cond)
    return v not in (None, "", [], {}, 0, False)


@dataclass(frozen=True)
class Sentence:
    """One sentence in German and English. ``fields``: placeholder -> (path, format); formats:
    ``n0/n1/n2`` (number, digits), ``pct`` (0..1 share), ``pct_of`` (0..1, e.g. confidence),
    ``s`` (seconds), ``db_abs`` (dB without sign), ``int``, ``x`` (a factor), ``q`` (quoted text),
    ``qlist`` (quoted list), ``list_s`` (list of seconds), ``len`` (length of a list), or a
    :data:`~callcheck.report.i18n.MEASURES` key (its own digits and unit)."""

    de: tuple[str, ...]
    en: tuple[str, ...]
    fields: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def render(self, ev: Mapping[str, Any], fmt: Fmt) -> str | None:
        values: dict[str, str] = {}
        for name, (path, kind) in self.fields.items():
            raw = get_path(ev, path)
            v = _format(raw, kind, fmt)
            if v is not None:
                values[name] = v
        for tpl in (self.de if fmt.lang == "de" else self.en):
            names = set(re.findall(r"{(\w+)}", tpl))
            if names <= set(values):
                return tpl.format(**values)
        return None


def _quote(text: str, fmt: Fmt) -> str:
    return f"„{text}“" if fmt.lang == "de" else f"\u201c{text}\u201d"


def _format(raw: Any, kind: str, fmt: Fmt) -> str | None:
    if raw is None:
        return None
    if kind in ("q", "qlist"):
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        items = [str(x) for x in items if str(x).strip()]
        return ", ".join(_quote(x, fmt) for x in items) if items else None
    if kind == "len":
        return fmt.whole(len(raw)) if isinstance(raw, (list, tuple)) else None
    if kind == "list_s":
        if not isinstance(raw, (list, tuple)) or not raw:
            return None
        return ", ".join(f"{fmt.num(float(x), 2)}{NNBSP}s" for x in raw if isinstance(x, (int, float)))
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(float(raw)):
        return None
    x = float(raw)
    if kind.startswith("n") and kind[1:].isdigit():
        return fmt.num(x, int(kind[1:]))
    if kind == "int":
        return fmt.whole(x)
    if kind in ("pct", "pct_of"):
        return fmt.pct(x)
    if kind == "s":
        return f"{fmt.num(x, 1)}{NNBSP}s"
    if kind == "db_abs":
        return f"{fmt.num(abs(x), 1)}{NNBSP}dB"
    if kind == "x":
        return fmt.num(x, 2)
    if kind in MEASURES:
        return fmt.measure(kind, x)
    return fmt.num(x, 2)


S = Sentence
#: One sentence per signal id.
SIGNALS: dict[str, Sentence] = {
    # mistake 1: toneless
    "monotony": S(("Ihre Stimme bewegte sich wenig: Monotonie {v} (0 = lebhaft, 1 = ganz flach; Grenze {thr}).",
                   "Ihre Stimme bewegte sich wenig: Monotonie {v} (0 = lebhaft, 1 = ganz flach)."),
                  ("Your voice moved little: monotony {v} (0 = lively, 1 = completely flat; limit {thr}).",
                   "Your voice moved little: monotony {v} (0 = lively, 1 = completely flat)."),
                  {"v": ("measures.monotony", "n2"), "thr": ("comparisons.monotony[baseline=absolute].threshold", "n2")}),
    "f0_variation": S(("Ihre Tonhöhe schwankte um {v} Halbtöne (Grenze {thr}).", "Ihre Tonhöhe schwankte um {v} Halbtöne."),
                      ("Your pitch varied by {v} semitones (limit {thr}).", "Your pitch varied by {v} semitones."),
                      {"v": ("measures.f0_variation_st", "n1"), "thr": ("comparisons.f0_variation_st[baseline=absolute].threshold", "n1")}),
    # mistake 2: indifferent
    "flat_prosody": S(("Ihre Stimme klang wenig bewegt (Monotonie {v}).",), ("Your voice sounded flat (monotony {v}).",),
                      {"v": ("signals.flat_prosody.monotony", "n2")}),
    "low_energy": S(("Sie sprachen {db} leiser als Ihr Anrufer (Grenze {thr}).", "Sie sprachen leise ({level})."),
                    ("You spoke {db} more quietly than your caller (limit {thr}).", "You spoke quietly ({level})."),
                    {"db": ("signals.low_energy.agent_to_caller_loudness_db", "db_abs"),
                     "thr": ("signals.low_energy.threshold_db", "db_abs"), "level": ("signals.low_energy.loudness_dbfs", "loudness_dbfs")}),
    "slow_replies": S(("Ihre Antworten kamen im Median nach {v} (Grenze {thr}).",), ("Your replies came after {v} in the median (limit {thr}).",),
                      {"v": ("signals.slow_replies.reply_latency_median_s", "s"), "thr": ("signals.slow_replies.threshold_s", "s")}),
    "few_backchannels": S(("Während Ihr Anrufer sprach, kamen {v} kurze Bestätigungen je Minute (Grenze {thr}).",),
                          ("While your caller spoke, you gave {v} short acknowledgements per minute (limit {thr}).",),
                          {"v": ("signals.few_backchannels.per_min_caller_talk", "n1"), "thr": ("signals.few_backchannels.threshold_per_min", "n1")}),
    "no_empathy_phrases": S(("Kein Satz der Anteilnahme (wie „Das ist ärgerlich“) in diesem Gespräch.",),
                            ("No sentence of concern (such as \u201cThat's annoying\u201d) in this call.",)),
    # mistake 3: impatient
    "interruption": S(("Sie begannen zu sprechen, während Ihr Anrufer noch redete: {v} gleichzeitig (es zählt ab {thr}).",
                       "Sie begannen zu sprechen, während Ihr Anrufer noch redete: {v} gleichzeitig."),
                      ("You started speaking while your caller was still talking: {v} of overlap (it counts from {thr}).",
                       "You started speaking while your caller was still talking: {v} of overlap."),
                      {"v": ("measures.overlap_s", "s"), "thr": ("thresholds.min_interruption_s", "s")}),
    "interruptions_in_call": S(("Unterbrechungen im ganzen Gespräch: {v}.",), ("Interruptions in the whole call: {v}.",),
                               {"v": ("measures.agent_interruptions_in_call", "int")}),
    "impatience_phrase": S(("Sie sagten {p} – das kann ungeduldig wirken.",), ("You said {p} — this can sound impatient.",),
                           {"p": ("phrase", "q")}),
    "impatience_phrases_in_call": S(("Ungeduldig wirkende Wendungen im ganzen Gespräch: {v}.",),
                                    ("Phrases that can sound impatient in the whole call: {v}.",),
                                    {"v": ("measures.impatience_phrases_in_call", "int")}),
    # mistake 4: greeting
    "greeting_words": S(("Ihre Begrüßung hatte {v} Wörter (Grenze {thr}; eine kurze Meldung hat 5–7).",),
                        ("Your greeting had {v} words (limit {thr}; a short greeting has 5–7).",),
                        {"v": ("measures.word_count", "int"), "thr": ("thresholds.max_words", "int")}),
    "greeting_duration": S(("Sie dauerte {v} (Grenze {thr}).",), ("It lasted {v} (limit {thr}).",),
                           {"v": ("measures.duration_s", "s"), "thr": ("thresholds.max_duration_s", "s")}),
    "stock_formulas": S(("Floskeln: {v} (ab {thr} gilt eine Meldung als antiquiert).", "Floskeln: {v}."),
                        ("Stock phrases: {v} (from {thr} a greeting counts as antiquated).", "Stock phrases: {v}."),
                        {"v": ("stock_formulas", "qlist"), "thr": ("thresholds.min_stock_formulas", "int")}),
    "caller_can_speak": S(("Ihr Anrufer konnte nach {v} zum ersten Mal sprechen.",), ("Your caller could first speak after {v}.",),
                          {"v": ("measures.caller_can_speak_s", "s")}),
    # mistake 5: rushed
    "short_reply_gaps": S(("{k} Antworten in Folge begannen fast ohne Pause: {v} (Grenze {thr}).",
                           "Ihre Antworten begannen im Median schon nach {lat} (Grenze {thr})."),
                          ("{k} replies in a row started almost without a pause: {v} (limit {thr}).",
                           "Your replies started after only {lat} in the median (limit {thr})."),
                          {"k": ("signals.short_reply_gaps.gaps_s", "len"), "v": ("signals.short_reply_gaps.gaps_s", "list_s"),
                           "thr": ("signals.short_reply_gaps.threshold_s", "s"), "lat": ("signals.short_reply_gaps.reply_latency_median_s", "s")}),
    "speeding_up": S(("Sie wurden schneller: zuletzt das {v}-Fache des Anfangstempos (Grenze {thr}).",),
                     ("You sped up: at the end {v} times your opening pace (limit {thr}).",),
                     {"v": ("signals.speeding_up.last_to_first_ratio", "x"), "thr": ("signals.speeding_up.threshold", "x")}),
    "speeding_up_thirds": S(("Sie wurden schneller: im letzten Drittel das {v}-Fache des ersten (Grenze {thr}).",),
                            ("You sped up: in the last third {v} times the first (limit {thr}).",),
                            {"v": ("signals.speeding_up.last_to_first_third_ratio", "x"), "thr": ("signals.speeding_up.threshold", "x")}),
    "high_speech_rate": S(("Ihr schnellster Beitrag hatte {v} (Grenze {thr}).", "Ihr Sprechtempo lag bei {wpm}."),
                          ("Your fastest turn ran at {v} (limit {thr}).", "Your speech rate was {wpm}."),
                          {"v": ("signals.high_speech_rate.max_turn_rate_wpm", "speech_rate_wpm"),
                           "thr": ("signals.high_speech_rate.threshold_wpm", "speech_rate_wpm"),
                           "wpm": ("signals.high_speech_rate.speech_rate_wpm", "speech_rate_wpm")}),
    "little_breathing_room": S(("Pausen machten nur {v} Ihrer Sprechzeit aus.",), ("Pauses made up only {v} of your speaking time.",),
                               {"v": ("signals.little_breathing_room.pause_share", "pct")}),
    # mistake 6: unclear
    "repair_request": S(("Ihr Anrufer bat um Wiederholung: {p}.",), ("Your caller asked you to repeat: {p}.",),
                        {"p": ("repair_request.phrase", "q")}),
    "repairs_in_call": S(("Bitten um Wiederholung im ganzen Gespräch: {v}.",), ("Requests to repeat in the whole call: {v}.",),
                         {"v": ("measures.repair_requests", "int")}),
    "low_confidence": S(("Die Spracherkennung war sich bei Ihren Wörtern im Mittel zu {v} sicher; {share} wurden unsicher erkannt (Grenze {thr}).",
                         "Die Spracherkennung war sich bei Ihren Wörtern im Mittel zu {v} sicher."),
                        ("Speech recognition was {v} sure of your words on average; {share} were recognised with low confidence (limit {thr}).",
                         "Speech recognition was {v} sure of your words on average."),
                        {"v": ("measures.word_confidence_mean", "pct_of"), "share": ("measures.low_confidence_word_share", "pct"),
                         "thr": ("thresholds.low_confidence_share_max", "pct")}),
    # mistake 7: too fast
    "articulation_rate": S(("Sie sprachen {v}, Ihr Anrufer {caller} (Grenze {thr}).", "Sie sprachen {v} (Grenze {thr}).", "Sie sprachen {v}."),
                           ("You spoke at {v}, your caller at {caller} (limit {thr}).", "You spoke at {v} (limit {thr}).", "You spoke at {v}."),
                           {"v": ("measures.articulation_rate_sps", "articulation_rate_sps"),
                            "caller": ("measures.caller_articulation_rate_sps", "n1"),
                            "thr": ("thresholds.articulation_sps", "n1")}),
    "caller_ratio": S(("Das ist das {v}-Fache des Tempos Ihres Anrufers (Grenze {thr}).",), ("That is {v} times your caller's pace (limit {thr}).",),
                      {"v": ("measures.agent_to_caller_ratio", "x"), "thr": ("thresholds.caller_ratio", "x")}),
    "slow_down_request": S(("Ihr Anrufer bat Sie, langsamer zu sprechen.",), ("Your caller asked you to slow down.",)),
    "fast_windows": S(("Minuten-Abschnitte über der Grenze: {v}.",), ("One-minute stretches above the limit: {v}.",),
                      {"v": ("measures.fast_windows", "int")}),
    "speech_rate": S(("Sprechtempo mit Pausen: {v}.",), ("Speech rate including pauses: {v}.",),
                     {"v": ("measures.speech_rate_wpm", "speech_rate_wpm")}),
    # mistake 8: know-it-all
    "talk_dominance": S(("Ihr Redeanteil lag bei {v} (Grenze {thr}).",), ("Your talk share was {v} (limit {thr}).",),
                        {"v": ("signals.talk_dominance.talk_share", "pct"), "thr": ("signals.talk_dominance.threshold", "pct")}),
    "long_monologue": S(("Ihr längster Beitrag dauerte {v} (Grenze {thr}).",), ("Your longest turn lasted {v} (limit {thr}).",),
                        {"v": ("signals.long_monologue.longest_agent_monologue_s", "s"), "thr": ("signals.long_monologue.threshold_s", "s")}),
    "few_questions": S(("Fragen von Ihnen: {v} (unter {thr} gelten als wenige).",), ("Questions you asked: {v} (fewer than {thr} count as few).",),
                       {"v": ("signals.few_questions.questions", "int"), "thr": ("signals.few_questions.threshold", "int")}),
    "contradiction_phrases": S(("Widersprechende Wendungen im Gespräch: {v}.",), ("Contradicting phrases in the call: {v}.",),
                               {"v": ("signals.contradiction_phrases.count", "int")}),
    "contradiction_phrase": S(("Sie sagten {p}.",), ("You said {p}.",), {"p": ("phrase", "q")}),
    "you_messages": S(("Sie-Botschaften („Sie müssen …“): {v}, Ich-Botschaften („Ich schlage vor …“): {i}.",),
                      ("You-messages (\u201cyou have to …\u201d): {v}, I-messages (\u201cI suggest …\u201d): {i}.",),
                      {"v": ("signals.you_messages.you_messages", "int"), "i": ("signals.you_messages.i_messages", "int")}),
    "interruptions": S(("Unterbrechungen Ihres Anrufers: {v}.",), ("Times you interrupted your caller: {v}.",),
                       {"v": ("signals.interruptions.agent_interruptions", "int")}),
}

#: Per rule: ``(signal id, condition)`` in display order, for evidence without ``fired``.
RULE_SIGNALS: dict[str, tuple[tuple[str, str], ...]] = {
    "M1_TONELESS": (("monotony", "measures.monotony"), ("f0_variation", "measures.f0_variation_st")),
    "M2_INDIFFERENT": tuple((s, f"signals.{s}") for s in ("flat_prosody", "low_energy", "slow_replies", "few_backchannels", "no_empathy_phrases")),
    "M3_IMPATIENT": (("interruption", "kind=interruption"), ("impatience_phrase", "kind=phrase"),
                     ("interruptions_in_call", "measures.agent_interruptions_in_call>1"),
                     ("impatience_phrases_in_call", "measures.impatience_phrases_in_call>1")),
    "M4_GREETING": (("greeting_words", "exceeded~word_count"), ("greeting_duration", "exceeded~duration_s"),
                    ("stock_formulas", "stock_formulas"), ("caller_can_speak", "measures.caller_can_speak_s")),
    "M5_RUSHED": (("short_reply_gaps", "signals.short_reply_gaps"), ("speeding_up", "signals.speeding_up.last_to_first_ratio"),
                  ("speeding_up_thirds", "signals.speeding_up.last_to_first_third_ratio"), ("high_speech_rate", "signals.high_speech_rate"),
                  ("little_breathing_room", "signals.little_breathing_room")),
    "M6_UNCLEAR": (("repair_request", "repair_request"), ("low_confidence", "measures.word_confidence_mean"),
                   ("repairs_in_call", "measures.repair_requests>1")),
    "M7_TOO_FAST": (("articulation_rate", "measures.articulation_rate_sps"), ("caller_ratio", "measures.agent_to_caller_ratio"),
                    ("slow_down_request", "measures.slow_down_requests>0"), ("fast_windows", "measures.fast_windows>0"),
                    ("speech_rate", "measures.speech_rate_wpm")),
    "M8_KNOW_IT_ALL": (("contradiction_phrase", "phrase"),
                       *((s, f"signals.{s}") for s in ("talk_dominance", "long_monologue", "few_questions", "contradiction_phrases",
                                                       "you_messages", "interruptions", "no_empathy_phrases"))),
}

#: Per rule: ``(condition or '', sentence)``, the first that holds is the finding's one-line summary.
HEADLINES: dict[str, tuple[tuple[str, Sentence], ...]] = {
    "M1_TONELESS": (("", S(("Ihre Stimme klang in diesem Gespräch wenig bewegt.",), ("Your voice sounded flat in this call.",))),),
    "M2_INDIFFERENT": (("", S(("In diesem Gespräch klangen Sie wenig beteiligt.",), ("You sounded detached in this call.",))),),
    "M3_IMPATIENT": (("kind=interruption", S(("Hier sind Sie Ihrem Anrufer ins Wort gefallen.",), ("Here you cut in while your caller was talking.",))),
                     ("", S(("Ihre Wortwahl kann hier ungeduldig wirken.",), ("Your wording here can sound impatient.",)))),
    "M4_GREETING": (("", S(("Ihre Begrüßung war lang oder förmlich.",), ("Your greeting was long or formal.",))),),
    "M5_RUSHED": (("", S(("Hier wirkte das Gespräch gehetzt.",), ("The call felt rushed here.",))),),
    "M6_UNCLEAR": (("repair_request", S(("Hier hat Ihr Anrufer Sie nicht verstanden.",), ("Your caller did not catch what you said here.",))),
                   ("", S(("Ihre Wörter waren für die Spracherkennung oft schwer zu verstehen.",), ("Your words were often hard for speech recognition to follow.",)))),
    "M7_TOO_FAST": (("", S(("Hier haben Sie schnell gesprochen.",), ("You spoke fast here.",))),),
    "M8_KNOW_IT_ALL": (("phrase", S(("Hier haben Sie Ihrem Anrufer widersprochen.",), ("Here you contradicted your caller.",))),
                       ("", S(("Sie haben viel erklärt und wenig gefragt.",), ("You explained a lot and asked little.",)))),
}

#: The rules' fired-signal ids (``evidence.fired[].signal``) -> the sentence id of :data:`SIGNALS`.
REPORT_SIGNAL: dict[str, str] = {
    "interruption_overlap": "interruption", "agent_interruptions_in_call": "interruptions_in_call",
    "agent_to_caller_articulation_ratio": "caller_ratio", "f0_variation_st": "f0_variation",
    "repair_requests": "repair_request", "word_confidence_mean": "low_confidence", "contradiction_phrases": "contradiction_phrase",
}

#: Rules whose ``comparisons`` is one list (not a mapping per measure): the measure it compares.
COMPARED_MEASURE: dict[str, str] = {"M7_TOO_FAST": "articulation_rate_sps"}


def signal_ids(rule_id: str, ev: Mapping[str, Any]) -> list[str]:
    """The signals a finding rests on: ``evidence.fired`` when the rule lists them, else the
    :data:`RULE_SIGNALS` whose conditions hold."""
    fired = ev.get("fired")
    if isinstance(fired, Mapping):
        return [str(k) for k, v in fired.items() if v]
    if isinstance(fired, (list, tuple)):
        return list(dict.fromkeys(str(x.get("signal")) if isinstance(x, Mapping) else str(x) for x in fired))
    return [sid for sid, cond in RULE_SIGNALS.get(rule_id, ()) if condition(ev, cond)]


def _generic(sid: str, ev: Mapping[str, Any], fmt: Fmt) -> str:
    """A signal without a sentence: its measure's label and value when known, else its id."""
    sig = get_path(ev, f"signals.{sid}")
    parts = []
    src = sig if isinstance(sig, Mapping) else {sid: get_path(ev, f"measures.{sid}")}
    for k, v in src.items():
        if k in MEASURES and isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{MEASURES[k].label(fmt.lang)}: {fmt.measure(k, v)}")
    return "; ".join(parts) + "." if parts else sid.replace("_", " ") + "."


def _with_fired(ev: Mapping[str, Any], sent: Sentence, item: Mapping[str, Any]) -> Mapping[str, Any]:
    """``ev`` with the sentence's missing value (``v``) and threshold (``thr``) fields filled from one
    ``evidence.fired`` item, so the sentence shows exactly the numbers that fired."""
    fill = {"v": item.get("value"), "thr": item.get("threshold")}
    out: dict[str, Any] = dict(ev)
    for name, (path, _) in sent.fields.items():
        if name not in fill or fill[name] is None or "[" in path or get_path(ev, path) is not None:
            continue
        *parents, leaf = path.split(".")
        cur = out
        for seg in parents:
            nxt = cur.get(seg)
            cur[seg] = dict(nxt) if isinstance(nxt, Mapping) else {}
            cur = cur[seg]
        cur[leaf] = fill[name]
    return out


def evidence_sentences(rule_id: str, ev: Mapping[str, Any], lang: str) -> list[str]:
    """One sentence per signal of the finding, in ``lang``."""
    fmt = Fmt(lang)
    fired = ev.get("fired")
    if isinstance(fired, (list, tuple)) and fired and all(isinstance(x, Mapping) for x in fired):
        from callcheck.rules.labels import fired_sentence  # the rules' fired signals (value, op, threshold, comparison)

        texts = []
        for x in fired:  # the report's own sentence for the signal when its fields are there, else the rules' label
            sent = SIGNALS.get(REPORT_SIGNAL.get(str(x.get("signal")), str(x.get("signal"))))
            texts.append((sent.render(_with_fired(ev, sent, x), fmt) if sent is not None else None)
                         or fired_sentence(x, lang, lambda v: fmt.num(v, 0 if float(v).is_integer() else 2)))
        if all(texts):
            return list(dict.fromkeys(t for t in texts if t))
    out = []
    for sid in signal_ids(rule_id, ev):
        s = SIGNALS.get(sid)
        text = s.render(ev, fmt) if s is not None else None
        out.append(text if text is not None else _generic(sid, ev, fmt))
    return out


def headline(rule_id: str, ev: Mapping[str, Any], lang: str, fallback: str = "") -> str:
    """The finding's one-line summary in ``lang`` (``fallback`` for a rule without a headline)."""
    fmt = Fmt(lang)
    for cond, s in HEADLINES.get(rule_id, ()):
        if not cond or condition(ev, cond):
            text = s.render(ev, fmt)
            if text:
                return text
    return fallback


_BASELINE_TEXT = {
    "de": {"absolute": "feste Grenze {thr}", "team": "Team ({q}. Perzentil) {thr}",
           "agent": "Ihre eigenen Gespräche (Median {ref}, {n} Gespräche) {thr}", "fired": "auffällig", "not": "unauffällig",
           "lead": "Vergleich {measure}: "},
    "en": {"absolute": "fixed limit {thr}", "team": "team ({q}th percentile) {thr}",
           "agent": "your own calls (median {ref}, {n} calls) {thr}", "fired": "flagged", "not": "not flagged",
           "lead": "Comparison of {measure}: "},
}


def comparison_sentences(rule_id: str, ev: Mapping[str, Any], lang: str, *, team_percentile: float = 90.0) -> list[str]:
    """Which comparisons were made for each compared measure and how each came out."""
    fmt = Fmt(lang)
    tx = _BASELINE_TEXT[fmt.lang]
    comps = ev.get("comparisons")
    items: list[tuple[str, Sequence[Any]]] = []
    if isinstance(comps, Mapping):
        items = [(str(k), v) for k, v in comps.items() if isinstance(v, (list, tuple))]
    elif isinstance(comps, (list, tuple)) and rule_id in COMPARED_MEASURE:
        items = [(COMPARED_MEASURE[rule_id], comps)]
    out = []
    for key, lst in items:
        parts = []
        for c in lst:
            if not isinstance(c, Mapping) or c.get("baseline") not in tx:
                continue
            thr = fmt.measure(key, c.get("threshold")) if isinstance(c.get("threshold"), (int, float)) else "–"
            ref = fmt.measure(key, c.get("reference")) if isinstance(c.get("reference"), (int, float)) else "–"
            n = fmt.whole(c.get("n_calls")) if isinstance(c.get("n_calls"), int) else "–"
            q = fmt.num(team_percentile, 0)
            parts.append(tx[str(c["baseline"])].format(thr=thr, ref=ref, n=n, q=q) + ": " + (tx["fired"] if c.get("fired") else tx["not"]))
        if len(parts) > 1 or (parts and any(isinstance(c, Mapping) and c.get("baseline") != "absolute" for c in lst)):
            label = MEASURES[key].label(fmt.lang) if key in MEASURES else key
            out.append(tx["lead"].format(measure=label) + "; ".join(parts) + ".")
    return out


def used_measures(ev: Mapping[str, Any]) -> list[str]:
    """The speaker measure keys a finding's evidence uses (for their validity)."""
    keys: list[str] = []

    def add(k: str) -> None:
        if k in MEASURES and k not in keys:
            keys.append(k)
    for k in (ev.get("measures") or {}):
        add(str(k))
    for sig in (ev.get("signals") or {}).values():
        if isinstance(sig, Mapping):
            for k in sig:
                add(str(k))
    comps = ev.get("comparisons")
    if isinstance(comps, Mapping):
        for k in comps:
            add(str(k))
    return keys


@dataclass(frozen=True)
class FindingFacts:
    """What decides how far a finding can be trusted, besides its evidence."""

    validity: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)  # agent measure -> (class, reason)
    separation_confidence: float | None = None  # mono only, when below the minimum
    quote_confidence: float | None = None       # mean ASR probability of the quoted words
    warnings: tuple[str, ...] = ()


def confidence(rule_id: str, ev: Mapping[str, Any], facts: FindingFacts, lang: str, *,
               quote_min_confidence: float = 0.6) -> tuple[str, list[str]]:
    """``(level, reasons)``: ``high``, ``medium`` or ``low`` with the reasons, in ``lang``.

    Low: an unsure mono separation, a measure the finding uses marked ``unsure``, or a quote the
    recogniser was unsure of (below ``quote_min_confidence``). Medium: a heuristic measure, a quote
    below 0.8, a finding exactly at its minimum number of signals, or warnings on the recording.
    """
    fmt = Fmt(lang)
    t = fmt.t
    low: list[str] = []
    med: list[str] = []
    if facts.separation_confidence is not None:
        low.append(t["why_conf_mono"].format(conf=fmt.num(facts.separation_confidence, 2)))
    for key in used_measures(ev):
        cls, why = (tuple(facts.validity.get(key) or ("", None)) + (None,))[:2]
        if cls == "unsure":
            text = t["why_conf_unsure"].format(measure=MEASURES[key].label(fmt.lang))
            low.append(f"{text} ({reason_text(str(why), fmt.lang)})" if why else text)
        elif cls == "heuristic":
            med.append(t["why_conf_heuristic"].format(measure=MEASURES[key].label(fmt.lang)))
    qc = facts.quote_confidence
    if qc is not None and qc < 0.8:
        (low if qc < quote_min_confidence else med).append(t["why_conf_asr"].format(conf=fmt.pct(qc)))
    n, m = ev.get("signal_count"), ev.get("min_signals")
    if isinstance(n, int) and isinstance(m, int) and n <= m:
        med.append(t["why_conf_edge"].format(n=fmt.whole(n), min=fmt.whole(m)))
    for w in facts.warnings[:2]:
        med.append(t["why_conf_warning"].format(text=reason_text(w, fmt.lang)))
    if low:
        return "low", low + med
    if med:
        return "medium", med
    return "high", [t["why_conf_ok"]]
