"""Every signal a rule writes into ``evidence.fired`` has a German and an English label, and the
report renders fired signals in the page language with the numbers the finding shows."""

from __future__ import annotations

import re
from pathlib import Path

from callcheck.report.evidence import evidence_sentences
from callcheck.rules.labels import COMPARISON_LABELS, SIGNAL_LABELS, UNIT_LABELS, fired_sentence

RULES_DIR = Path(__file__).resolve().parents[1] / "callcheck" / "rules"


def test_every_signal_a_rule_writes_has_both_languages():
    src = "\n".join(p.read_text(encoding="utf-8") for p in RULES_DIR.glob("*.py"))
    written = set(re.findall(r'Signal\("([a-z_0-9]+)"', src)) | set(re.findall(r'signal="([a-z_0-9]+)"', src))
    assert written, "no signal ids found: the pattern no longer matches the rules' code"
    assert written <= set(SIGNAL_LABELS), sorted(written - set(SIGNAL_LABELS))
    units = set(re.findall(r'unit="([^"]*)"', src))
    assert units <= set(UNIT_LABELS), sorted(units - set(UNIT_LABELS))
    assert all(de.strip() and en.strip() for de, en in SIGNAL_LABELS.values())
    assert set(COMPARISON_LABELS) == {"absolute", "caller", "team", "own"}


def test_fired_signal_rendered_in_the_page_language():
    item = {"signal": "articulation_rate", "value": 7.83, "op": ">", "threshold": 6.92, "comparison": "own", "n_calls": 14,
            "reference": 6.0, "unit": "syll/s"}
    de = fired_sentence(item, "de", lambda v: f"{v:.2f}".replace(".", ","))
    assert de == "Artikulationsrate 7,83 Silben/s > 6,92 (Vergleich mit Ihren eigenen Gesprächen, 14)."
    en = fired_sentence(item, "en")
    assert en is not None and en.startswith("Articulation rate 7.83 syll/s > 6.92") and "own calls" in en
    assert fired_sentence({"signal": "made_up", "value": 1, "op": ">", "threshold": 0}, "de") is None


def test_report_uses_the_fired_signals_and_shows_no_dict():
    ev = {"fired": [{"signal": "interruption_overlap", "value": 1.6, "op": ">=", "threshold": 0.5, "comparison": "caller", "unit": "s"}]}
    (de,) = evidence_sentences("M3_IMPATIENT", ev, "de")  # the report's own sentence, with the fired numbers
    assert "1,6\u202fs gleichzeitig" in de and "0,5\u202fs" in de and "{" not in de and "caller" not in de
    ev = {"fired": [{"signal": "window_to_caller_articulation_ratio", "value": 1.31, "op": ">=", "threshold": 1.15, "comparison": "caller"}]}
    (de,) = evidence_sentences("M7_TOO_FAST", ev, "de")  # no report sentence: the rules' label
    assert de == "Tempo im schnellsten Abschnitt im Verhältnis zu Ihrem Anrufer 1,31 ≥ 1,15 (Vergleich mit Ihrem Anrufer)."
