"""What ``callcheck rules`` prints, in German and English: each rule's signals and each threshold.

The settings' own documentation (``callcheck config``) is English and technical; these are the
readable descriptions for supervisors and trainers, one per rule and one per threshold key, both
languages (``tests/test_report_i18n.py`` checks that every rule and every threshold a rule uses
has both).
"""

from __future__ import annotations

__all__ = ["SIGNALS_TEXT", "THRESHOLD_TEXT", "LABELS", "rule_signals", "threshold_text"]

#: Per rule id: the signals it reads.
SIGNALS_TEXT: dict[str, dict[str, str]] = {
    "M1_TONELESS": {"de": "Monotonie der Stimme (0–1) gegenüber fester Grenze, Team und eigenen Gesprächen; Schwankung der Tonhöhe in Halbtönen",
                    "en": "monotony of the voice (0–1) against a fixed limit, the team and the agent's own calls; pitch variation in semitones"},
    "M2_INDIFFERENT": {"de": "wenig bewegte Stimme, leiser als der Anrufer (oder als Team und eigene Gespräche), langsame Antworten, wenige kurze Bestätigungen, kein Satz der Anteilnahme",
                       "en": "flat voice, quieter than the caller (or than the team and own calls), slow replies, few short acknowledgements, no sentence of concern"},
    "M3_IMPATIENT": {"de": "Unterbrechungen des Anrufers (gleichzeitiges Sprechen ab der Toleranzzeit), ungeduldig wirkende Wendungen („wie gesagt“)",
                     "en": "interruptions of the caller (talking at once beyond the grace window), phrases that sound impatient (\u201cas I said\u201d)"},
    "M4_GREETING": {"de": "Dauer (s) und Wortzahl der Begrüßung, Floskeln, Zeit bis der Anrufer sprechen kann",
                    "en": "duration (s) and word count of the greeting, stock phrases, time until the caller can speak"},
    "M5_RUSHED": {"de": "wenig Pausen, sehr kurze Antwortlücken, schneller werdend im Lauf des Gesprächs, Sprechtempo (Wörter/min mit Pausen)",
                  "en": "few pauses, very short reply gaps, speeding up over the call, speech rate (words/min, pauses included)"},
    "M6_UNCLEAR": {"de": "Erkennungssicherheit der Spracherkennung (Mittel, Anteil unsicherer Wörter), Bitten des Anrufers um Wiederholung („Wie bitte?“)",
                   "en": "speech-recognition confidence (mean, share of low-confidence words), the caller asking to repeat (\u201cSorry, what?\u201d)"},
    "M7_TOO_FAST": {"de": "Artikulationsrate (Silben/s ohne Pausen) gegenüber Norm, Team, eigenen Gesprächen und dem Anrufer; Bitte des Anrufers, langsamer zu sprechen",
                    "en": "articulation rate (syllables/s, pauses removed) against the norm, the team, own calls and the caller; the caller asking to slow down"},
    "M8_KNOW_IT_ALL": {"de": "Redeanteil, lange Monologe, wenige Fragen, widersprechende Wendungen, Sie- statt Ich-Botschaften, Unterbrechungen, kein Satz der Anteilnahme",
                       "en": "talk share, long monologues, few questions, contradicting phrases, you- instead of I-messages, interruptions, no sentence of concern"},
}

#: Per threshold key (``rules.<key>``): what it means.
THRESHOLD_TEXT: dict[str, dict[str, str]] = {
    "team_percentile": {"de": "Ein Gespräch fällt im Team auf, wenn sein Wert jenseits dieses Perzentils aller Teamgespräche liegt (%).",
                        "en": "A call stands out in the team when its value lies beyond this percentile of all team calls (%)."},
    "team_min_calls": {"de": "So viele Teamgespräche braucht der Teamvergleich mindestens.", "en": "Fewest team calls before the team comparison is used."},
    "agent_min_calls": {"de": "So viele eigene Gespräche braucht der Vergleich mit sich selbst mindestens.", "en": "Fewest own calls before the comparison with the agent's own history is used."},
    "agent_mad_k": {"de": "Vergleich mit den eigenen Gesprächen: auffällig ab so vielen robusten Standardabweichungen (MAD) vom eigenen Median.",
                    "en": "Own-history comparison: flagged from this many robust standard deviations (MAD) away from the agent's own median."},
    "agent_min_delta_frac": {"de": "Vergleich mit den eigenen Gesprächen: mindestens dieser Anteil Abweichung vom eigenen Median.", "en": "Own-history comparison: at least this fraction away from the agent's own median."},
    "max_findings_per_rule": {"de": "Höchstens so viele Stellen je Regel und Gespräch (die deutlichsten zuerst).", "en": "At most this many moments per rule and call (the clearest first)."},
    "quote_max_words": {"de": "Längstes Zitat eines Befunds, in Wörtern.", "en": "Longest quote of a finding, in words."},
    "m1_monotony_min": {"de": "Monotonie (0–1, 1 = ganz flach) ab diesem Wert gilt als tonlos (feste Grenze).", "en": "Monotony (0–1, 1 = completely flat) from this value counts as toneless (fixed limit)."},
    "m1_f0_variation_st_max": {"de": "Tonhöhenschwankung unter so vielen Halbtönen stützt „tonlos“.", "en": "Pitch variation below this many semitones supports \u201ctoneless\u201d."},
    "m1_min_talk_s": {"de": "Der Agent muss mindestens so lange sprechen (s), damit Stimme und Tempo bewertet werden.", "en": "The agent must speak at least this long (s) for voice and pace to be judged."},
    "m2_monotony_min": {"de": "Monotonie ab diesem Wert zählt als wenig bewegte Stimme.", "en": "Monotony from this value counts as a flat voice."},
    "m2_quiet_vs_caller_db": {"de": "So viele dB leiser als der Anrufer zählt als wenig Energie.", "en": "This many dB quieter than the caller counts as low energy."},
    "m2_reply_latency_s": {"de": "Antworten im Median später als so viele Sekunden zählen als langsam.", "en": "Replies later than this many seconds (median) count as slow."},
    "m2_backchannels_per_min": {"de": "Weniger kurze Bestätigungen je Minute Anrufer-Redezeit zählen als wenige.", "en": "Fewer short acknowledgements per minute of caller talk count as few."},
    "m2_min_caller_talk_s": {"de": "Bestätigungen werden nur bewertet, wenn der Anrufer mindestens so lange spricht (s).", "en": "Acknowledgements are judged only when the caller talks at least this long (s)."},
    "m2_min_signals": {"de": "„Teilnahmslos“ braucht mindestens so viele Signale, eines davon stimmlich.", "en": "\u201cIndifferent\u201d needs at least this many signals, one of them in the voice."},
    "m3_min_interruption_s": {"de": "Gleichzeitiges Sprechen ab so vielen Sekunden zählt als Unterbrechung.", "en": "Talking at once for at least this many seconds counts as an interruption."},
    "m3_high_interruptions": {"de": "So viele Unterbrechungen in einem Gespräch machen den Befund deutlich.", "en": "This many interruptions in one call make the finding clear."},
    "m4_max_words": {"de": "Begrüßungen mit mehr Wörtern gelten als zu lang.", "en": "Greetings with more words count as too long."},
    "m4_max_duration_s": {"de": "Begrüßungen länger als so viele Sekunden gelten als zu lang.", "en": "Greetings longer than this many seconds count as too long."},
    "m4_min_stock_formulas": {"de": "So viele Floskeln machen auch eine kurze Begrüßung antiquiert.", "en": "This many stock phrases make even a short greeting antiquated."},
    "m5_pause_share_max": {"de": "Ein Pausenanteil unter diesem Wert ist wenig Luft zum Atmen.", "en": "A pause share below this is little breathing room."},
    "m5_reply_gap_max_s": {"de": "Eine Antwort, die weniger als so viele Sekunden nach dem Anrufer beginnt, ist eine sehr kurze Lücke.", "en": "A reply starting less than this many seconds after the caller stopped is a very short gap."},
    "m5_min_run": {"de": "So viele sehr kurze Lücken in Folge zählen als Signal.", "en": "This many very short gaps in a row count as a signal."},
    "m5_speedup_ratio": {"de": "Tempo am Ende geteilt durch Tempo am Anfang ab diesem Wert heißt: schneller geworden.", "en": "Pace at the end divided by pace at the start from this value means: sped up."},
    "m5_speech_rate_wpm_en": {"de": "Englisch: Sprechtempo über so vielen Wörtern/min (mit Pausen) gilt als gehetzt.", "en": "English: a speech rate above this many words/min (pauses included) counts as rushed."},
    "m5_speech_rate_wpm_de": {"de": "Deutsch: Sprechtempo über so vielen Wörtern/min (mit Pausen) gilt als gehetzt.", "en": "German: a speech rate above this many words/min (pauses included) counts as rushed."},
    "m5_min_signals": {"de": "„Gehetzt“ braucht mindestens so viele Signale.", "en": "\u201cRushed\u201d needs at least this many signals."},
    "m6_confidence_mean_min": {"de": "Mittlere Erkennungssicherheit unter diesem Wert stützt „undeutlich“.", "en": "Mean recognition confidence below this supports \u201cunclear\u201d."},
    "m6_low_confidence_share_max": {"de": "Ein Anteil unsicher erkannter Wörter über diesem Wert stützt „undeutlich“.", "en": "A share of low-confidence words above this supports \u201cunclear\u201d."},
    "m6_confidence_alone_mean_max": {"de": "Ohne Bitte um Wiederholung muss die mittlere Erkennungssicherheit unter diesem Wert liegen.", "en": "Without a request to repeat, the mean recognition confidence must be below this."},
    "m6_min_repairs": {"de": "So viele Bitten um Wiederholung braucht es, bevor die Erkennungssicherheit allein nicht reicht.", "en": "Requests to repeat needed before recognition confidence alone is not enough."},
    "m7_articulation_sps": {"de": "Artikulationsrate über so vielen Silben/s gilt als zu schnell.", "en": "An articulation rate above this many syllables/s counts as too fast."},
    "m7_caller_ratio": {"de": "Der Agent muss zudem so viel schneller sprechen als der Anrufer (Faktor).", "en": "The agent must also speak this much faster than the caller (factor)."},
    "m7_articulation_sps_alone": {"de": "Ohne Anrufer (Übungsaufnahmen): Artikulationsrate ab so vielen Silben/s gilt als zu schnell.", "en": "Without a caller (practice recordings): an articulation rate from this many syllables/s counts as too fast."},
    "m7_own_ratio": {"de": "Vergleich mit den eigenen Gesprächen: ab so viel mal dem eigenen üblichen Tempo gilt als zu schnell (Faktor).", "en": "Own-history comparison: this many times the agent's usual pace counts as too fast (factor)."},
    "m7_own_caller_ratio_min": {"de": "Dabei muss der Agent mindestens so schnell sprechen wie der Anrufer mal diesem Faktor.", "en": "The agent must then speak at least this many times as fast as the caller."},
    "m7_slow_down_min_ratio": {"de": "Eine Bitte, langsamer zu sprechen, zählt nur, wenn der Agent mindestens so schnell spricht wie der Anrufer mal diesem Faktor.", "en": "A request to slow down counts only when the agent speaks at least this many times as fast as the caller."},
    "m1_monotony_min_delta": {"de": "Vergleich mit den eigenen Gesprächen: die Monotonie muss mindestens so viel über dem eigenen Median liegen.", "en": "Own-history comparison: monotony must lie at least this much above the agent's own median."},
    "m3_backchannel_max_s": {"de": "Eine Überlappung des Agenten bis zu so vielen Sekunden ist eine kurze Bestätigung, keine Unterbrechung.", "en": "An agent overlap of up to this many seconds is a short acknowledgement, not an interruption."},
    "m6_min_words_per_min": {"de": "Die Erkennungssicherheit zählt nur, wenn mindestens so viele Wörter pro Minute Sprechzeit erkannt wurden.", "en": "Recognition confidence counts only when at least this many words per minute of speech were recognised."},
    "m8_talk_share_max": {"de": "Ein Redeanteil über diesem Wert ist Dominanz.", "en": "A talk share above this is dominance."},
    "m8_monologue_s": {"de": "Ein Beitrag länger als so viele Sekunden ist ein langer Monolog.", "en": "A turn longer than this many seconds is a long monologue."},
    "m8_min_questions": {"de": "Weniger Fragen des Agenten zählen als wenige.", "en": "Fewer agent questions count as few."},
    "m8_you_i_ratio": {"de": "Sie-Botschaften mindestens so oft wie Ich-Botschaften (und mindestens 2) zählen als Signal.", "en": "You-messages at least this many times the I-messages (and at least 2) count as a signal."},
    "m8_min_signals": {"de": "„Besserwisserei“ braucht eine widersprechende Wendung und ein weiteres Signal oder so viele Signale.", "en": "\u201cKnow-it-all\u201d needs a contradicting phrase plus one more signal, or this many signals."},
    "strength_min_questions": {"de": "Stärke: mindestens so viele Fragen des Agenten.", "en": "Strength: at least this many agent questions."},
    "strength_listening_share": {"de": "Stärke: ein Redeanteil in diesem Bereich heißt, der Agent hat zugehört.", "en": "Strength: a talk share in this range means the agent listened."},
    "strength_min_backchannels": {"de": "Stärke: mindestens so viele kurze Bestätigungen.", "en": "Strength: at least this many short acknowledgements."},
    "severity_weights": {"de": "Gewichte von Hinweis, leicht, mittel, deutlich beim Zusammenzählen der Befunde.", "en": "Weights of note, slight, moderate, clear when findings are summed."},
}

#: The labels of the listing.
LABELS: dict[str, dict[str, str]] = {
    "de": {"mistake": "Fehler", "signals": "Signale", "article": "Artikel", "thresholds": "Grenzwerte"},
    "en": {"mistake": "mistake", "signals": "signals", "article": "article", "thresholds": "thresholds"},
}


def rule_signals(rule_id: str, lang: str, fallback: str = "") -> str:
    return SIGNALS_TEXT.get(rule_id, {}).get("de" if lang == "de" else "en", fallback)


def threshold_text(key: str, lang: str, fallback: str = "") -> str:
    return THRESHOLD_TEXT.get(key, {}).get("de" if lang == "de" else "en", fallback)
