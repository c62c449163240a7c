"""Report texts and number formats in German and English (both complete; a test checks the keys).

One table per language (:data:`TEXTS`), one table of measures with labels and units
(:data:`MEASURES`), and :class:`Fmt`, the one place numbers, shares, dates and times are written:
German pages use decimal commas, ``50 %`` with a narrow no-break space and dates ``dd.mm.yyyy``;
English pages decimal points, ``50%`` and ISO dates. Agent pages address the agent as "Sie" /
"you" in neutral coaching language; the article's own (harsh) wording is kept for trainer
material only.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Mapping

__all__ = ["TEXTS", "MEASURES", "Measure", "Fmt", "texts", "LANGUAGES", "REASONS", "reason_text", "known_reason"]

LANGUAGES = ("de", "en")
NNBSP = "\u202f"  # narrow no-break space: "50 %", "10 000"

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        # page titles and header lines
        "agent_title": "Coaching-Bericht", "team_title": "Teamübersicht", "call_title": "Gespräch",
        "period": "Zeitraum", "generated": "Erstellt", "call_1": "Gespräch", "call_n": "Gespräche",
        "agent_1": "Agent", "agent_n": "Agenten", "assessable_n": "bewertbar",
        "agent_intro": "Dieser Bericht fasst {calls} zusammen: zuerst, was gut lief, dann zwei, drei Punkte zum Weiterüben – jeweils mit der genauen Stelle zum Anhören.",
        "agent_unassessed": "{calls} konnten nicht bewertet werden (Gründe in der Gesprächsliste) und zählen in keiner Statistik mit.",
        # strengths
        "strengths": "Was gut lief", "strength_questions": "Fragen gestellt", "strength_listening": "Zugehört (ausgewogener Redeanteil)",
        "strength_backchannels": "Zuhören gezeigt (kurze Bestätigungen)", "strength_empathy": "Einfühlung gezeigt",
        "strengths_clean": "In keinem Ihrer bewerteten Gespräche festgestellt:",
        "strengths_none": "In diesen Gesprächen wurde noch keine der erfassten Stärken gemessen (Fragen, Zuhören, Bestätigungen, Einfühlung). Das heißt nicht, dass nichts gut lief – es fehlen nur Belege.",
        "praise": "Was Kunden schätzen",
        # focus points
        "focus": "Ihre Schwerpunkte", "focus_intro": "Die Punkte, die Ihren Anrufern am meisten helfen würden, mit den genauen Stellen zum Anhören.",
        "focus_none": "In Ihren Gesprächen fiel kein Punkt auf – weiter so.",
        "in_calls": "in {n} von {total} Gesprächen", "x_of_n": "{x} von {n}", "team_share": "Team", "rest_of_team": "übriges Team", "why": "Warum es zählt",
        "advice": "Was hilft", "exercise": "Übung", "moment": "Stelle", "on": "vom",
        "compared": "verglichen mit", "baseline_absolute": "einer festen Grenze", "baseline_team": "dem Team",
        "baseline_agent": "Ihren eigenen Gesprächen", "baseline_caller": "Ihrem Anrufer",
        "caller_said": "Ihr Anrufer", "you_said": "Sie", "no_audio": "(Audio nicht verfügbar)",
        "audio_off": "(Audio nicht eingebunden)",
        "asr_unsure": "unsicher erkannt – bitte anhören",
        "confidence": "Verlässlichkeit", "conf_high": "hoch", "conf_medium": "mittel", "conf_low": "gering",
        "sev_high": "deutlich", "sev_medium": "mittel", "sev_low": "leicht", "sev_info": "Hinweis", "severity": "Ausprägung",
        "why_conf_mono": "Mono-Aufnahme mit unsicherer Stimmtrennung ({conf})",
        "why_conf_asr": "Transkript an dieser Stelle unsicher (Erkennungssicherheit {conf})",
        "why_conf_unsure": "{measure} unsicher gemessen", "why_conf_heuristic": "{measure} ist ein nicht validiertes Maß",
        "why_conf_edge": "knapp an der Grenze ({n} von mindestens {min} Signalen)",
        "why_conf_warning": "Hinweis zur Aufnahme: {text}",
        "why_conf_ok": "klare Belege",
        "caveat_mono": "Mono-Aufnahme: Die beiden Stimmen ließen sich nicht sicher trennen ({conf}). Wer was gesagt hat, kann hier vertauscht sein – bitte vor dem Coaching anhören.",
        "open_call": "Gespräch öffnen",
        # promises
        "promises": "Ihre Zusagen (bitte prüfen, ob sie eingehalten wurden)", "promises_none": "Keine Zusagen erfasst.",
        "promise_callback": "Rückruf", "promise_send": "Zusendung", "promise_deadline": "Termin", "promise_action": "Erledigung",
        "kind": "Art", "what": "Wortlaut",
        # trends
        "trend": "Ihr Verlauf", "trend_note": "Anteil der Gespräche mit dem Punkt; frühere und neuere Hälfte Ihrer Gespräche. Unter {min} Gesprächen steht „zu wenige“ statt eines Prozentwerts; das Intervall ist ein 90-%-Bereich (Jeffreys).",
        "earlier": "Frühere Gespräche", "recent": "Neuere Gespräche", "share_calls": "Anteil der Gespräche", "per_call_chart": "Befunde je Gespräch",
        "too_few": "zu wenige", "too_few_long": "zu wenige Gespräche (n = {n}, mindestens {min})",
        "interval": "90-%-Intervall", "n_calls": "n",
        # you and the team
        "team_compare": "Sie und das Team", "team_compare_note": "Das Team erscheint nur zusammengefasst (Perzentile über alle bewertbaren Gespräche des Teams).",
        "measure": "Messgröße", "you_median": "Ihr Median", "team_p": "Team: 10. / 50. / 90. Perzentil", "your_pct": "Ihr Perzentil",
        # calls table
        "your_calls": "Ihre Gespräche", "call": "Gespräch", "date": "Datum", "duration": "Dauer", "mistakes": "Punkte",
        "not_assessable": "nicht bewertbar", "none": "keine",
        # team page
        "problems": "Aufnahmen ohne Bewertung", "problems_note": "Diese Aufnahmen fehlen in allen Zahlen dieser Seite.",
        "failed": "Nicht analysiert (Fehler beim Einlesen)", "skipped": "Ergebnisdatei unlesbar", "unassessable": "Nicht bewertbar",
        "file": "Datei", "reason": "Grund", "agent": "Agent", "problems_none": "Alle Aufnahmen wurden analysiert und sind bewertbar.",
        "matrix": "Agenten × Punkte", "matrix_note": "Anteil der bewertbaren Gespräche jedes Agenten mit dem Punkt; unter {min} Gesprächen steht die Anzahl statt eines Prozentwerts.",
        "findings_per_call": "Befunde je Gespräch", "most_common": "Häufigste Punkte", "mistake": "Punkt",
        "outliers": "Auffällige Agenten", "outliers_note": "Ein Agent steht hier, wenn er mindestens {min} bewertbare Gespräche hat, sein Anteil mindestens das {factor}-Fache des Anteils im übrigen Team beträgt und sich die 90-%-Intervalle (Jeffreys) beider Anteile nicht überschneiden.",
        "outliers_none": "Kein Agent weicht mit genügend Gesprächen deutlich vom Team ab.",
        "outlier_text": "{agent}: {mistake} in {share} (Team {team})",
        "agent_measures": "Messwerte je Agent", "agent_measures_note": "Mediane über die bewertbaren Gespräche; n = Zahl der Gespräche mit einem Wert.",
        "call_length": "Gesprächsdauer", "dead_air_per_call": "Stille je Gespräch", "interruptions_per_call": "Unterbrechungen je Gespräch",
        "weekly": "Verlauf nach Wochen", "weekly_note": "Anteil der bewertbaren Gespräche der Woche mit dem Punkt; unter {min} Gesprächen steht „–“.",
        "weekly_none": "Keine Gesprächsdaten bekannt – kein Wochenverlauf.", "week": "Woche", "week_label": "KW {w}", "calls_in_week": "Gespräche",
        "listen": "Gespräche, die sich anzuhören lohnen", "listen_note": "Die Gespräche mit den gewichtigsten Befunden; jedes öffnet sich mit Zeitachse, Transkript und den Stellen zum Anhören.",
        "score": "Gewicht", "first_moment": "Erste Stelle",
        "good_examples": "Beispiele guter Praxis", "good_note": "Bewertbare Gespräche ohne Befund, die meisten Stärken zuerst.",
        "distributions": "Verteilungen über alle bewertbaren Gespräche",
        "csv_link": "Tabelle (CSV)",
        # call page
        "back_agent": "Zum Coaching-Bericht", "language": "Sprache", "layout": "Aufnahme",
        "layout_agent-left": "Stereo (Agent links)", "layout_agent-right": "Stereo (Agent rechts)", "layout_mono": "Mono", "layout_agent-only": "nur Agent",
        "lang_de": "Deutsch", "lang_en": "Englisch", "lang_other": "andere",
        "timeline": "Zeitachse", "timeline_aria": "Zeitachse: Sprechen, Überlappungen, Stille, Warteschleife, Befunde",
        "timeline_note": "Ein Klick auf einen Befund in der Zeitachse springt zu seiner Stelle mit Audio.",
        "speaker_agent": "Agent", "speaker_caller": "Anrufer", "interruption": "Unterbrechung", "backchannel": "Bestätigung",
        "dead_air": "Stille", "hold": "Warteschleife", "findings": "Befunde",
        "transcript": "Transkript", "turn_low": "Unterstrichene Wörter wurden unsicher erkannt.",
        "measures": "Messwerte", "measures_note": "Grau: nicht verlässlich gemessen (Grund daneben); — = nicht messbar.",
        "validity_validated": "validiert", "validity_heuristic": "heuristisch", "validity_unsure": "unsicher",
        "assessment_no": "Dieses Gespräch ist nicht bewertbar und zählt in keiner Statistik mit.",
        "warnings": "Hinweise zur Aufnahme",
        # CSV
        "csv_agent": "Agent", "csv_calls": "Gespräche", "csv_assessable": "Bewertbare Gespräche", "csv_m_calls": "M{m} {title}: Gespräche",
        "csv_m_share": "M{m} {title}: Anteil der Gespräche %",
        "csv_findings": "Befunde", "csv_findings_per_call": "Befunde pro Gespräch", "csv_weighted_score": "Gewichtete Summe",
        "csv_strengths": "Stärken", "csv_promises": "Zusagen",
        # clips and outlines
        "outline_share": "{share} der Gespräche", "examples": "Beispiele", "transcript_file": "Transkript", "audio": "Audio",
        "session_outline": "Ablauf der Coaching-Einheit", "tips": "Tipps", "article": "Aus dem Artikel",
        "outline_1": "Das Artikelzitat vorlesen: Wie wirkt das auf den Anrufer?",
        "outline_2": "Die Beispiele anhören (je 10–15 s). Was genau hören wir? Wo ist die Stelle?",
        "outline_3_bad": "Wie hätte es besser klingen können? Gemeinsam eine bessere Formulierung finden.",
        "outline_3_good": "Was macht dieses Gespräch gut? Welche Sätze nehmen wir mit?",
        "outline_4": "Übung: {exercise}", "outline_4_good": "Übung: die guten Sätze im Rollenspiel üben.",
        "clip_of": "{call}, {time}", "session_calls": "Gespräche dieser Einheit",
        "good_practice": "Gute Praxis", "qo": "\u201e", "qc": "\u201c",
    },
    "en": {
        "agent_title": "Coaching report", "team_title": "Team overview", "call_title": "Call",
        "period": "Period", "generated": "Generated", "call_1": "call", "call_n": "calls",
        "agent_1": "agent", "agent_n": "agents", "assessable_n": "assessable",
        "agent_intro": "This report sums up {calls}: first what went well, then two or three points to keep practising — each with the exact moment to listen to.",
        "agent_unassessed": "{calls} could not be assessed (reasons in the list of calls) and count in no statistic.",
        "strengths": "What went well", "strength_questions": "Asked questions", "strength_listening": "Listened (balanced talk share)",
        "strength_backchannels": "Showed listening (short acknowledgements)", "strength_empathy": "Showed empathy",
        "strengths_clean": "Not found in any of your assessed calls:",
        "strengths_none": "None of the strengths callcheck records (questions, listening, acknowledgements, empathy) was measured in these calls yet. That does not mean nothing went well — only that there is no evidence.",
        "praise": "What customers value",
        "focus": "Your focus points", "focus_intro": "The points that would help your callers most, with the exact moments to listen to.",
        "focus_none": "No point stood out in your calls — keep it up.",
        "in_calls": "in {n} of {total} calls", "x_of_n": "{x} of {n}", "team_share": "Team", "rest_of_team": "rest of the team", "why": "Why it matters",
        "advice": "What helps", "exercise": "Exercise", "moment": "Moment", "on": "on",
        "compared": "compared with", "baseline_absolute": "a fixed limit", "baseline_team": "the team",
        "baseline_agent": "your own calls", "baseline_caller": "your caller",
        "caller_said": "Your caller", "you_said": "You", "no_audio": "(audio not available)",
        "audio_off": "(audio not included)",
        "asr_unsure": "uncertain transcript — please listen",
        "confidence": "Confidence", "conf_high": "high", "conf_medium": "medium", "conf_low": "low",
        "sev_high": "clear", "sev_medium": "moderate", "sev_low": "slight", "sev_info": "note", "severity": "Degree",
        "why_conf_mono": "mono recording with unsure voice separation ({conf})",
        "why_conf_asr": "transcript uncertain here (recognition confidence {conf})",
        "why_conf_unsure": "{measure} measured unreliably", "why_conf_heuristic": "{measure} is not a validated measure",
        "why_conf_edge": "just at the bar ({n} of at least {min} signals)",
        "why_conf_warning": "note on the recording: {text}",
        "why_conf_ok": "clear evidence",
        "caveat_mono": "Mono recording: the two voices could not be told apart with confidence ({conf}). Who said what may be mixed up here — listen before coaching on it.",
        "open_call": "Open the call",
        "promises": "Your promises (please check they were kept)", "promises_none": "No promises recorded.",
        "promise_callback": "call back", "promise_send": "send", "promise_deadline": "deadline", "promise_action": "action",
        "kind": "Kind", "what": "Wording",
        "trend": "Your trend", "trend_note": "Share of calls with the point; earlier and recent half of your calls. Below {min} calls it says \u201ctoo few\u201d instead of a percentage; the interval is a 90% range (Jeffreys).",
        "earlier": "Earlier calls", "recent": "Recent calls", "share_calls": "Share of calls", "per_call_chart": "Findings per call",
        "too_few": "too few", "too_few_long": "too few calls (n = {n}, at least {min})",
        "interval": "90% interval", "n_calls": "n",
        "team_compare": "You and the team", "team_compare_note": "The team is shown only as aggregates (percentiles over all of the team's assessable calls).",
        "measure": "Measure", "you_median": "Your median", "team_p": "Team: 10th / 50th / 90th percentile", "your_pct": "Your percentile",
        "your_calls": "Your calls", "call": "Call", "date": "Date", "duration": "Duration", "mistakes": "Points",
        "not_assessable": "not assessable", "none": "none",
        "problems": "Recordings without an assessment", "problems_note": "These recordings are missing from every figure on this page.",
        "failed": "Not analysed (error reading the file)", "skipped": "Result file unreadable", "unassessable": "Not assessable",
        "file": "File", "reason": "Reason", "agent": "Agent", "problems_none": "Every recording was analysed and can be assessed.",
        "matrix": "Agents × points", "matrix_note": "Share of each agent's assessable calls with the point; below {min} calls the count is shown instead of a percentage.",
        "findings_per_call": "Findings per call", "most_common": "Most common points", "mistake": "Point",
        "outliers": "Agents who stand out", "outliers_note": "An agent is listed with at least {min} assessable calls, a share at least {factor} times that of the rest of the team, and the 90% intervals (Jeffreys) of both shares apart.",
        "outliers_none": "No agent with enough calls differs clearly from the team.",
        "outlier_text": "{agent}: {mistake} in {share} (team {team})",
        "agent_measures": "Measures per agent", "agent_measures_note": "Medians over the assessable calls; n = number of calls with a value.",
        "call_length": "Call length", "dead_air_per_call": "Dead air per call", "interruptions_per_call": "Interruptions per call",
        "weekly": "Trend by week", "weekly_note": "Share of the week's assessable calls with the point; below {min} calls it shows \u201c–\u201d.",
        "weekly_none": "No call dates known — no weekly trend.", "week": "Week", "week_label": "W{w}", "calls_in_week": "Calls",
        "listen": "Calls most worth listening to", "listen_note": "The calls with the weightiest findings; each opens with its timeline, transcript and the moments to listen to.",
        "score": "Weight", "first_moment": "First moment",
        "good_examples": "Good-practice calls", "good_note": "Assessable calls without findings, most strengths first.",
        "distributions": "Distributions over all assessable calls",
        "csv_link": "Table (CSV)",
        "back_agent": "To the coaching report", "language": "Language", "layout": "Recording",
        "layout_agent-left": "stereo (agent left)", "layout_agent-right": "stereo (agent right)", "layout_mono": "mono", "layout_agent-only": "agent only",
        "lang_de": "German", "lang_en": "English", "lang_other": "other",
        "timeline": "Timeline", "timeline_aria": "Timeline: talk, overlaps, silence, hold, findings",
        "timeline_note": "Click a finding on the timeline to jump to its moment with audio.",
        "speaker_agent": "Agent", "speaker_caller": "Caller", "interruption": "Interruption", "backchannel": "Acknowledgement",
        "dead_air": "Dead air", "hold": "Hold", "findings": "Findings",
        "transcript": "Transcript", "turn_low": "Underlined words were recognised with low confidence.",
        "measures": "Measures", "measures_note": "Grey: not measured reliably (reason beside it); — = not measurable.",
        "validity_validated": "validated", "validity_heuristic": "heuristic", "validity_unsure": "unsure",
        "assessment_no": "This call cannot be assessed and counts in no statistic.",
        "warnings": "Notes on the recording",
        "csv_agent": "Agent", "csv_calls": "Calls", "csv_assessable": "Assessable calls", "csv_m_calls": "M{m} {title}: calls",
        "csv_m_share": "M{m} {title}: share of calls %",
        "csv_findings": "Findings", "csv_findings_per_call": "Findings per call", "csv_weighted_score": "Weighted score",
        "csv_strengths": "Strengths", "csv_promises": "Promises",
        "outline_share": "{share} of calls", "examples": "Examples", "transcript_file": "transcript", "audio": "Audio",
        "session_outline": "Coaching-session outline", "tips": "Tips", "article": "From the article",
        "outline_1": "Read the article quote: how does this feel to the caller?",
        "outline_2": "Listen to the examples (10–15 s each). What exactly do we hear? Where is the moment?",
        "outline_3_bad": "How could it have sounded better? Find a better wording together.",
        "outline_3_good": "What makes this call good? Which sentences do we take away?",
        "outline_4": "Exercise: {exercise}", "outline_4_good": "Exercise: practise the good sentences in a role play.",
        "clip_of": "{call}, {time}", "session_calls": "Calls in this session",
        "good_practice": "Good practice", "qo": "\u201c", "qc": "\u201d",
    },
}


@dataclass(frozen=True)
class Measure:
    """A measure's label and unit per language and how it is written (``kind``: ``num``, ``pct``
    (a 0..1 share shown in %), ``int``, ``s`` (seconds), ``mmss`` (a duration as m:ss))."""

    de: str
    en: str
    unit_de: str = ""
    unit_en: str = ""
    digits: int = 1
    kind: str = "num"

    def label(self, lang: str) -> str:
        return self.de if lang == "de" else self.en

    def unit(self, lang: str) -> str:
        return self.unit_de if lang == "de" else self.unit_en


#: Every measure a page shows, by its JSON key (``speakers.<party>.<key>`` or a derived key).
MEASURES: dict[str, Measure] = {
    "talk_time_s": Measure("Redezeit", "Talk time", "s", "s", 0, "s"),
    "talk_share": Measure("Redeanteil", "Talk share", kind="pct"),
    "speech_rate_wpm": Measure("Sprechtempo", "Speech rate", "Wörter/min", "words/min", 0),
    "articulation_rate_sps": Measure("Artikulationsrate", "Articulation rate", "Silben/s", "syllables/s", 1),
    "pause_share": Measure("Pausenanteil", "Pause share", kind="pct"),
    "pause_count_per_min": Measure("Pausen je Minute", "Pauses per minute", "/min", "/min", 1),
    "f0_median_hz": Measure("Tonhöhe (Median)", "Pitch (median)", "Hz", "Hz", 0),
    "f0_variation_st": Measure("Tonhöhenvariation", "Pitch variation", "Halbtöne", "semitones", 1),
    "f0_range_st": Measure("Tonhöhenumfang", "Pitch range", "Halbtöne", "semitones", 1),
    "f0_movement_st_per_s": Measure("Tonhöhenbewegung", "Pitch movement", "Halbtöne/s", "semitones/s", 1),
    "monotony": Measure("Monotonie (0–1, 1 = flach)", "Monotony (0–1, 1 = flat)", digits=2),
    "loudness_dbfs": Measure("Lautheit", "Loudness", "dBFS", "dBFS", 1),
    "loudness_variation_db": Measure("Lautheitsvariation", "Loudness variation", "dB", "dB", 1),
    "snr_db": Measure("Störabstand", "Signal-to-noise", "dB", "dB", 0),
    "word_confidence_mean": Measure("Erkennungssicherheit (ASR)", "Recognition confidence (ASR)", digits=2),
    "low_confidence_word_share": Measure("Unsicher erkannte Wörter", "Words recognised with low confidence", kind="pct"),
    "reply_latency_median_s": Measure("Antwortzeit (Median)", "Reply latency (median)", "s", "s", 1, "s"),
    "interruptions": Measure("Unterbrechungen", "Interruptions", kind="int"),
    "backchannels": Measure("Bestätigungen", "Acknowledgements", kind="int"),
    "questions": Measure("Fragen", "Questions", kind="int"),
    "longest_turn_s": Measure("Längster Beitrag", "Longest turn", "s", "s", 0, "s"),
    "word_count": Measure("Wörter", "Words", kind="int"),
    "duration_s": Measure("Gesprächsdauer", "Call length", kind="mmss"),
    "dead_air_s": Measure("Stille je Gespräch", "Dead air per call", "s", "s", 1, "s"),
    "interruptions_per_call": Measure("Unterbrechungen je Gespräch", "Interruptions per call", digits=1),
}


def texts(language: str | None) -> dict[str, str]:
    """The text table of ``language`` ('de'; anything else: 'en')."""
    return TEXTS["de" if language == "de" else "en"]


class Fmt:
    """Numbers, shares, dates and times written for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = "de" if lang == "de" else "en"
        self.t = texts(self.lang)

    def num(self, x: float | None, digits: int = 1) -> str:
        """``6,8`` / ``6.8``; thousands grouped (``10 000``); ``–`` for None or NaN."""
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        s = f"{float(x):,.{digits}f}"
        if self.lang == "de":
            s = s.replace(",", NNBSP).replace(".", ",")
        else:
            s = s.replace(",", NNBSP)
        return s.replace("-", "−") if s.startswith("-") else s

    def whole(self, n: int | float | None) -> str:
        return "–" if n is None else self.num(float(n), 0)

    def pct(self, share: float | None, digits: int = 0) -> str:
        """A 0..1 share in percent: ``50 %`` (German, narrow space) / ``50%``."""
        if share is None or not math.isfinite(share):
            return "–"
        v = self.num(100.0 * share, digits)
        return f"{v}{NNBSP}%" if self.lang == "de" else f"{v}%"

    def measure(self, key: str, x: float | None, *, unit: bool = True) -> str:
        """``x`` written as the measure ``key`` is (digits, percent, unit)."""
        m = MEASURES.get(key)
        if m is None:
            return self.num(x, 2)
        if x is None:
            return "–"
        if m.kind == "pct":
            return self.pct(x)
        if m.kind == "int":
            return self.whole(x)
        if m.kind == "mmss":
            return self.duration(x)
        v = self.num(x, m.digits)
        u = m.unit(self.lang)
        return f"{v}{NNBSP}{u}" if unit and u else v

    def date(self, iso: str | None) -> str:
        """``01.12.2026`` / ``2026-12-01``; '' for None."""
        if not iso:
            return ""
        try:
            d = _dt.date.fromisoformat(str(iso)[:10])
        except ValueError:
            return str(iso)
        return d.strftime("%d.%m.%Y") if self.lang == "de" else d.isoformat()

    def datetime(self, when: _dt.datetime) -> str:
        return when.strftime("%d.%m.%Y %H:%M") if self.lang == "de" else when.strftime("%Y-%m-%d %H:%M")

    def mmss(self, t: float | None) -> str:
        """A moment in the call: ``1:05,3`` / ``1:05.3``."""
        if t is None:
            return "–"
        t = max(0.0, float(t))
        s = f"{int(t // 60)}:{t % 60:04.1f}"
        return s.replace(".", ",") if self.lang == "de" else s

    def duration(self, s: float | None) -> str:
        """A length: ``3:05 min`` (``0:42 min``)."""
        if s is None:
            return "–"
        s = max(0, int(round(float(s))))
        return f"{s // 60}:{s % 60:02d}{NNBSP}min"

    def count(self, n: int, what: str) -> str:
        """``1 Gespräch``, ``3 Gespräche`` / ``1 call``, ``3 calls`` (``what``: call, agent)."""
        return f"{self.whole(n)} {self.t[f'{what}_1' if n == 1 else f'{what}_n']}"

    def share(self, x: int, n: int, *, min_n: int = 1) -> str:
        """``2 von 4 (50 %)``; below ``min_n`` calls without the percentage: ``2 von 4``."""
        base = self.t["x_of_n"].format(x=self.whole(x), n=self.whole(n))
        if n < max(1, min_n):
            return base
        return f"{base} ({self.pct(x / n)})"

    def interval(self, iv: tuple[float, float] | None) -> str:
        """``12–48 %`` / ``12–48%``."""
        if iv is None:
            return "–"
        lo, hi = iv
        sign = f"{NNBSP}%" if self.lang == "de" else "%"
        return f"{self.num(100 * lo, 0)}–{self.num(100 * hi, 0)}{sign}"

    def week(self, iso_week: str, *, with_year: bool = False) -> str:
        """``KW 37`` / ``W37`` (``2026-W37``), with the year when weeks span years."""
        y, w = iso_week.split("-W")
        label = self.t["week_label"].format(w=int(w))
        return f"{label}/{y}" if with_year else label

    def language(self, code: str | None) -> str:
        return self.t.get(f"lang_{code}", self.t["lang_other"] + (f" ({code})" if code else ""))


def check_tables(tables: Mapping[str, Mapping[str, str]] = TEXTS) -> list[str]:
    """Keys present in one language's table but not the other's (empty when complete)."""
    de, en = set(tables["de"]), set(tables["en"])
    return sorted((de - en) | (en - de))


#: Reasons and warnings the pipeline records (``assessment.reasons``/``warnings``, the ``reason`` of
#: an ``unsure`` measure, failures) that the pages translate: ``(regular expression on the English
#: text, German, English)``; ``{0}``... are the groups (numbers written in the page's format). A
#: recorded text is translated clause by clause (split at ``"; "``); a clause no pattern knows is
#: shown as recorded. The patterns follow ``callcheck/measures/validity.py``.
_N = r"(-?[\d.]+|unknown)"
REASONS: tuple[tuple[str, str, str], ...] = (
    # not assessable (assessment.reasons)
    (r"(?i)^call not assessable: (.*)$", "Gespräch nicht bewertbar: {0!r}", "call not assessable: {0!r}"),
    (r"(?i)^no agent in this recording$", "Kein Agent in dieser Aufnahme.", "No agent in this recording."),
    (r"(?i)^the agent channel is silent \(loudest frame " + _N + r" dBFS < " + _N + r"\): muted or not recorded$",
     "Der Kanal des Agenten ist still (lautester Abschnitt {0} dBFS < {1}): stummgeschaltet oder nicht aufgenommen.",
     "The agent channel is silent (loudest frame {0} dBFS < {1}): muted or not recorded."),
    (r"(?i)^no agent speech \(" + _N + r" s < " + _N + r" s\)$", "Keine Sprache des Agenten erkannt ({0} s < {1} s).",
     "No agent speech found ({0} s < {1} s)."),
    (r"(?i)^no agent speech.*", "Keine Sprache des Agenten erkannt.", "No agent speech found."),
    (r"(?i)^no caller speech.*", "Keine Sprache des Anrufers erkannt.", "No caller speech found."),
    (r"(?i)^the transcript of " + _N + r" s of agent speech is empty$", "Das Transkript von {0} s Sprache des Agenten ist leer.",
     "The transcript of {0} s of agent speech is empty."),
    (r"(?i)^the agent's transcript is unreliable \(mean word confidence " + _N + r" < " + _N + r"\)$",
     "Das Transkript des Agenten ist unzuverlässig (mittlere Erkennungssicherheit {0} < {1}).",
     "The agent's transcript is unreliable (mean word confidence {0} < {1})."),
    (r"(?i)^the agent's transcript is implausible: " + _N + r" syllables in " + _N + r" words for " + _N
     + r" syllable nuclei in the audio \(words are missing\)$",
     "Das Transkript des Agenten ist unplausibel: {0} Silben in {1} Wörtern bei {2} Silbenkernen im Audio (es fehlen Wörter).",
     "The agent's transcript is implausible: {0} syllables in {1} words for {2} syllable nuclei in the audio (words are missing)."),
    (r"(?i)^the agent's transcript misses words: " + _N + r" syllables in " + _N + r" words for " + _N
     + r" syllable nuclei in the audio \(words are missing\), although the audio is not narrow-band lossy: "
     r"unclear articulation, or the recogniser failed$",
     "Im Transkript des Agenten fehlen Wörter: {0} Silben in {1} Wörtern bei {2} Silbenkernen im Audio, obwohl das "
     "Audio nicht schmalbandig verlustbehaftet ist: undeutliche Aussprache, oder die Spracherkennung hat versagt.",
     "The agent's transcript misses words: {0} syllables in {1} words for {2} syllable nuclei in the audio, although "
     "the audio is not narrow-band lossy: unclear articulation, or the recogniser failed."),
    (r"(?i)^the agent's transcript is implausible: " + _N + r" % of its words repeat the same phrases \(the recogniser looped\)$",
     "Das Transkript des Agenten ist unplausibel: {0} % seiner Wörter wiederholen dieselben Wendungen (die Spracherkennung hing in einer Schleife).",
     "The agent's transcript is implausible: {0} % of its words repeat the same phrases (the recogniser looped)."),
    (r"(?i)^the agent's transcript repeats itself: " + _N + r" % of its words repeat the same phrases, recognised with "
     r"a mean word confidence of " + _N + r": the agent repeats, or the recogniser looped$",
     "Das Transkript des Agenten wiederholt sich: {0} % seiner Wörter wiederholen dieselben Wendungen, erkannt mit einer "
     "mittleren Erkennungssicherheit von {1}: der Agent wiederholt sich, oder die Spracherkennung hing in einer Schleife.",
     "The agent's transcript repeats itself: {0} % of its words repeat the same phrases, recognised with a mean word "
     "confidence of {1}: the agent repeats, or the recogniser looped."),
    (r"(?i)^the agent's transcript is implausible: " + _N + r" words/min over " + _N + r" s of speech$",
     "Das Transkript des Agenten ist unplausibel: {0} Wörter/min über {1} s Sprache.",
     "The agent's transcript is implausible: {0} words/min over {1} s of speech."),
    (r"(?i)^transcript (?:is )?implausible.*", "Das Transkript ist unplausibel (Spracherkennung unsicher).", "The transcript is implausible (speech recognition unsure)."),
    (r"(?i)^(?:the )?agent speaks? (?:only |for )?" + _N + r" ?s.*", "Der Agent spricht nur {0} s.", "The agent speaks only {0} s."),
    (r"(?i)^the agent seems to be on the (left|right) channel \(it opens with the greeting, the other does not\)$",
     "Der Agent ist offenbar auf dem {0} Kanal (dieser beginnt mit der Begrüßung, der andere nicht).",
     "The agent seems to be on the {0} channel (it opens with the greeting, the other does not)."),
    (r"(?i)^use --layout ([a-z-]+)$", "neu analysieren mit --layout {0}", "use --layout {0}"),
    (r"(?i)^(" + r"\d+" + r") Hz (\S+) audio$", "{0}-Hz-Audio ({1})", "{0} Hz {1} audio"),
    (r"(?i)^channels? (?:are )?identical.*", "Beide Kanäle sind gleich – die Aufnahme ist wohl mono.", "Both channels are identical — the recording is probably mono."),
    (r"(?i)^(?:the )?(?:recording|call) is too short.*", "Die Aufnahme ist zu kurz.", "The recording is too short."),
    # warnings (assessment.warnings)
    (r"(?i)^the caller channel is silent \(loudest frame " + _N + r" dBFS\): muted or one-sided recording$",
     "Der Kanal des Anrufers ist still (lautester Abschnitt {0} dBFS): stummgeschaltet oder einseitig aufgenommen",
     "The caller channel is silent (loudest frame {0} dBFS): muted or one-sided recording"),
    (r"(?i)^nothing about the caller, and no comparison with the caller, is possible$",
     "über den Anrufer und im Vergleich mit ihm lässt sich nichts sagen.", "nothing about the caller, and no comparison with the caller, is possible."),
    (r"(?i)^the caller hardly speaks \(" + _N + r" s\): comparisons with the caller are not possible$",
     "Der Anrufer spricht kaum ({0} s): Vergleiche mit dem Anrufer sind nicht möglich.",
     "The caller hardly speaks ({0} s): comparisons with the caller are not possible."),
    (r"(?i)^the caller channel speaks first$", "Auf dem Kanal des Anrufers wird zuerst gesprochen", "The caller channel speaks first"),
    (r"(?i)^if the agent is on the (left|right) channel, use --layout ([a-z-]+)$",
     "ist der Agent auf dem {0} Kanal, neu analysieren mit --layout {1}.", "if the agent is on the {0} channel, use --layout {1}."),
    (r"(?i)^only one voice was found in this mono recording: agent and caller measures may be one person$",
     "In dieser Mono-Aufnahme wurde nur eine Stimme gefunden: die Werte von Agent und Anrufer können von einer Person stammen",
     "Only one voice was found in this mono recording: agent and caller measures may be one person"),
    (r"(?i)^if it holds the agent alone, use --layout ([a-z-]+)$", "spricht darin nur der Agent, neu analysieren mit --layout {0}.",
     "if it holds the agent alone, use --layout {0}."),
    (r"(?i)^mono speaker separation is unsure \(confidence " + _N + r"\): per-party measures are unsure$",
     "Die Trennung der beiden Stimmen ist unsicher (Sicherheit {0}): die Werte je Seite sind unsicher.",
     "Mono speaker separation is unsure (confidence {0}): per-party measures are unsure."),
    (r"(?i)^narrow-band lossy audio \((\d+) Hz (\S+)\): ASR confidence and word counts are weaker$",
     "Schmalbandiges, verlustbehaftet komprimiertes Audio ({0} Hz, {1}): Erkennungssicherheit und Wortzahlen sind schwächer.",
     "Narrow-band lossy audio ({0} Hz {1}): ASR confidence and word counts are weaker."),
    (r"(?i)^hold takes " + _N + r" s of the " + _N + r" s call$", "Die Warteschleife nimmt {0} s des {1} s langen Gesprächs ein.",
     "Hold takes {0} s of the {1} s call."),
    (r"(?i)^(?:mostly |only )?hold.*", "Die Aufnahme ist überwiegend Warteschleife.", "The recording is mostly hold."),
    # why a measure is unsure (speakers.<party>.validity.<key>.reason)
    (r"(?i)^mono separation unsure \(confidence " + _N + r" < " + _N + r"\): who said what may be mixed up$",
     "Trennung der Stimmen unsicher (Sicherheit {0} < {1}): wer was sagte, kann vertauscht sein",
     "mono separation unsure (confidence {0} < {1}): who said what may be mixed up"),
    (r"(?i)^speech only " + _N + r" dB above the line noise \(< " + _N + r" dB\): pauses and rates drift$",
     "Sprache nur {0} dB über dem Leitungsrauschen (< {1} dB): Pausen und Sprechtempo ungenau",
     "speech only {0} dB above the line noise (< {1} dB): pauses and rates drift"),
    (r"(?i)^speech only " + _N + r" dB above the line noise \(< " + _N + r" dB\): pitch is unreliable$",
     "Sprache nur {0} dB über dem Leitungsrauschen (< {1} dB): Tonhöhe unzuverlässig",
     "speech only {0} dB above the line noise (< {1} dB): pitch is unreliable"),
    (r"(?i)^clipping in " + _N + r" % of speech samples$", "Übersteuerung in {0} % der Sprachabtastwerte", "clipping in {0}% of speech samples"),
    (r"(?i)^clipping$", "Übersteuerung", "clipping"),
    (r"(?i)^too little speech for rates \(" + _N + r" s < " + _N + r" s\)$", "zu wenig Sprache für Tempomaße ({0} s < {1} s)",
     "too little speech for rates ({0} s < {1} s)"),
    (r"(?i)^the level analysis finds speech in only (\d+)% of the time the words take \(noise\?\)$",
     "die Pegelanalyse findet Sprache nur in {0} % der Zeit, die die Wörter dauern (Rauschen?)",
     "the level analysis finds speech in only {0}% of the time the words take (noise?)"),
    (r"(?i)^" + _N + r" syllables/s is outside the possible " + _N + r"-" + _N + r"$",
     "{0} Silben/s liegt außerhalb des Möglichen ({1}–{2})", "{0} syllables/s is outside the possible {1}–{2}"),
    (r"(?i)^" + _N + r" words/min over " + _N + r" s of speech: the transcript misses words$",
     "{0} Wörter/min über {1} s Sprache: dem Transkript fehlen Wörter", "{0} words/min over {1} s of speech: the transcript misses words"),
)

_SIDES = {"left": ("linken", "left"), "right": ("rechten", "right")}


def _clause(text: str, lang: str) -> str | None:
    import re

    for pat, de, en in REASONS:
        m = re.match(pat, text.strip())
        if not m:
            continue
        args = []
        for g in m.groups():
            if g in _SIDES:
                args.append(_SIDES[g][0 if lang == "de" else 1])
            elif g is not None and re.fullmatch(r"-?[\d.]+", g) and lang == "de":
                args.append(g.replace(".", ",").replace("-", "\u2212"))
            elif g == "unknown":
                args.append("unbekannt" if lang == "de" else g)
            else:
                args.append(g)
        tpl = de if lang == "de" else en
        if "{0!r}" in tpl:  # the clause holds other reasons: translate them too
            return tpl.replace("{0!r}", reason_text(str(m.group(1)), lang))
        return tpl.format(*args)
    return None


def reason_text(reason: str, lang: str) -> str:
    """``reason`` in ``lang``, clause by clause (``"; "``) where :data:`REASONS` knows the clause,
    else the clause as recorded; without a final full stop (pages join reasons with ``"; "``)."""
    return "; ".join((_clause(p, lang) or p).rstrip(".") for p in str(reason).split("; "))


def known_reason(reason: str) -> bool:
    """Whether every clause of ``reason`` is one :data:`REASONS` translates."""
    return all(_clause(p, "en") is not None for p in str(reason).split("; "))
