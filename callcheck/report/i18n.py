"""Report texts in German and English (the article is German; both languages are first-class)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "agent_title": "Coaching report", "team_title": "Team overview", "calls": "calls", "call": "call",
        "period": "Period", "generated": "Generated", "focus": "Your focus points", "focus_none": "No mistake stood out in your calls — keep it up.",
        "focus_intro": "The two or three things that would help your callers most, with the exact moments to listen to.",
        "in_calls": "in {n} of {total} calls", "moment": "Moment", "at": "at", "severity": "severity",
        "compared": "compared with", "baseline_absolute": "the norm", "baseline_team": "the team", "baseline_agent": "your own calls",
        "advice": "What helps", "article": "From the article", "exercise": "Exercise", "caller_said": "Caller",
        "you_said": "You", "no_audio": "(audio not available)", "strengths": "What went well", "strengths_none": "No strengths recorded yet.",
        "promises": "Your promises (please check they were kept)", "promises_none": "No promises recorded.",
        "trend": "Each mistake over your calls", "trend_note": "Findings per call, oldest call left, newest right.",
        "own_past": "Earlier calls", "recent": "Recent calls", "team_compare": "You and the team",
        "team_compare_note": "The team is shown only as aggregates (percentiles over all calls).",
        "measure": "Measure", "you_median": "Your median", "team_p": "Team 10th / 50th / 90th percentile", "your_pct": "Your percentile",
        "mistake": "Mistake", "share_calls": "Share of calls", "team_share": "Team", "your_calls": "Your calls", "date": "Date",
        "findings": "Findings", "duration": "Duration", "matrix": "Agents × mistakes", "matrix_note": "Share of each agent's calls with the mistake.",
        "agent": "Agent", "agents": "agents", "distributions": "Distributions over all calls", "outliers": "Outliers", "outliers_none": "No outliers.",
        "outlier_text": "{agent}: {mistake} in {share} of calls (team {team})", "weekly": "Trends by week", "weekly_none": "No call dates known — no weekly trend.",
        "week": "Week", "listen": "Calls most worth listening to", "good_examples": "Good-practice calls", "most_common": "Most common mistakes",
        "score": "Weight", "all_findings": "All findings", "per_call": "per call", "none": "none",
        "caveat_mono": "Mono recording: the two voices could not be told apart with confidence ({conf}); who said what may be mixed up here — listen before coaching on it.",
        "strength_questions": "Asked questions", "strength_listening": "Listened (balanced talk share)",
        "strength_backchannels": "Showed listening (short acknowledgements)", "strength_empathy": "Showed empathy",
        "promise_callback": "call back", "promise_send": "send", "promise_deadline": "deadline", "promise_action": "action",
        "praise": "What customers love", "qo": "\u201c", "qc": "\u201d",
        "csv_agent": "Agent", "csv_calls": "Calls", "csv_m_calls": "M{m} {title}: calls", "csv_m_share": "M{m} {title}: share of calls %",
        "csv_findings": "Findings", "csv_findings_per_call": "Findings per call", "csv_weighted_score": "Weighted score",
        "csv_strengths": "Strengths", "csv_promises": "Promises",
    },
    "de": {
        "agent_title": "Coaching-Bericht", "team_title": "Teamübersicht", "calls": "Gespräche", "call": "Gespräch",
        "period": "Zeitraum", "generated": "Erstellt", "focus": "Ihre Schwerpunkte", "focus_none": "In Ihren Gesprächen fiel kein Fehler auf – weiter so.",
        "focus_intro": "Die zwei, drei Dinge, die Ihren Anrufern am meisten helfen würden, mit den genauen Stellen zum Anhören.",
        "in_calls": "in {n} von {total} Gesprächen", "moment": "Stelle", "at": "bei", "severity": "Schwere",
        "compared": "verglichen mit", "baseline_absolute": "der Norm", "baseline_team": "dem Team", "baseline_agent": "Ihren eigenen Gesprächen",
        "advice": "Was hilft", "article": "Aus dem Artikel", "exercise": "Übung", "caller_said": "Anrufer",
        "you_said": "Sie", "no_audio": "(Audio nicht verfügbar)", "strengths": "Was gut lief", "strengths_none": "Noch keine Stärken erfasst.",
        "promises": "Ihre Zusagen (bitte prüfen, ob sie eingehalten wurden)", "promises_none": "Keine Zusagen erfasst.",
        "trend": "Jeder Fehler über Ihre Gespräche", "trend_note": "Befunde pro Gespräch, ältestes links, neuestes rechts.",
        "own_past": "Frühere Gespräche", "recent": "Neuere Gespräche", "team_compare": "Sie und das Team",
        "team_compare_note": "Das Team erscheint nur zusammengefasst (Perzentile über alle Gespräche).",
        "measure": "Messgröße", "you_median": "Ihr Median", "team_p": "Team 10. / 50. / 90. Perzentil", "your_pct": "Ihr Perzentil",
        "mistake": "Fehler", "share_calls": "Anteil der Gespräche", "team_share": "Team", "your_calls": "Ihre Gespräche", "date": "Datum",
        "findings": "Befunde", "duration": "Dauer", "matrix": "Agenten × Fehler", "matrix_note": "Anteil der Gespräche jedes Agenten mit dem Fehler.",
        "agent": "Agent", "agents": "Agenten", "distributions": "Verteilungen über alle Gespräche", "outliers": "Ausreißer", "outliers_none": "Keine Ausreißer.",
        "outlier_text": "{agent}: {mistake} in {share} der Gespräche (Team {team})", "weekly": "Verlauf nach Wochen", "weekly_none": "Keine Gesprächsdaten bekannt – kein Wochenverlauf.",
        "week": "Woche", "listen": "Gespräche, die sich anzuhören lohnen", "good_examples": "Beispiele guter Praxis", "most_common": "Häufigste Fehler",
        "score": "Gewicht", "all_findings": "Alle Befunde", "per_call": "pro Gespräch", "none": "keine",
        "caveat_mono": "Mono-Aufnahme: die beiden Stimmen ließen sich nicht sicher trennen ({conf}); wer was gesagt hat, kann hier vertauscht sein — bitte vor dem Coaching anhören.",
        "strength_questions": "Fragen gestellt", "strength_listening": "Zugehört (ausgewogener Redeanteil)",
        "strength_backchannels": "Zuhören gezeigt (kurze Bestätigungen)", "strength_empathy": "Einfühlung gezeigt",
        "promise_callback": "Rückruf", "promise_send": "Zusendung", "promise_deadline": "Termin", "promise_action": "Erledigung",
        "praise": "Was Kunden lieben", "qo": "\u201e", "qc": "\u201c",
        "csv_agent": "Agent", "csv_calls": "Gespräche", "csv_m_calls": "M{m} {title}: Gespräche", "csv_m_share": "M{m} {title}: Anteil der Gespräche %",
        "csv_findings": "Befunde", "csv_findings_per_call": "Befunde pro Gespräch", "csv_weighted_score": "Gewichtete Summe",
        "csv_strengths": "Stärken", "csv_promises": "Zusagen",
    },
}

MEASURE_LABELS: dict[str, dict[str, str]] = {
    "agent.monotony": {"en": "Monotony (0–1, 1 = flat)", "de": "Monotonie (0–1, 1 = flach)"},
    "agent.f0_variation_st": {"en": "Pitch variation (semitones)", "de": "Tonhöhenvariation (Halbtöne)"},
    "agent.loudness_dbfs": {"en": "Loudness (dBFS)", "de": "Lautheit (dBFS)"},
    "agent.articulation_rate_sps": {"en": "Articulation rate (syllables/s)", "de": "Artikulationsrate (Silben/s)"},
    "agent.speech_rate_wpm": {"en": "Speech rate (words/min)", "de": "Sprechtempo (Wörter/min)"},
    "agent.pause_share": {"en": "Pause share", "de": "Pausenanteil"},
    "agent.talk_share": {"en": "Talk share", "de": "Redeanteil"},
    "agent.word_confidence_mean": {"en": "Word clarity (ASR confidence)", "de": "Deutlichkeit (ASR-Konfidenz)"},
    "agent.reply_latency_median_s": {"en": "Reply latency (s)", "de": "Antwortzeit (s)"},
}


def texts(language: str) -> dict[str, str]:
    return TEXTS["de" if language == "de" else "en"]
