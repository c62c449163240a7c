"""Every page and export of a German and of an English batch speaks one language, completely.

A German team and an English team are rendered (agent, call and team pages, Markdown, team.csv,
trainer clips and outlines, ``callcheck rules``). What a reader sees — text, tooltips, labels —
apart from the transcript quotes (marked ``class="tx"`` / quoted), file names and ids must hold no
raw key name, no word of the other language's list, and numbers and dates in the page language.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest

from callcheck.cli_report import rules_command
from callcheck.config import Config, RulesConfig
from callcheck.report import export_clips, render_reports
from callcheck.report.evidence import HEADLINES, RULE_SIGNALS, SIGNALS, evidence_sentences, headline
from callcheck.report.i18n import MEASURES, TEXTS, Fmt, check_tables
from callcheck.report.rules_text import SIGNALS_TEXT, THRESHOLD_TEXT
from callcheck.rules import RULES
from report_support import AGENTS, build

#: Words that must not appear in German output (and vice versa).
ENGLISH = {"the", "and", "call", "calls", "caller", "your", "you", "with", "limit", "high", "medium", "low", "share",
           "findings", "finding", "strengths", "percentile", "interval", "speech", "rate", "monotony", "pitch", "words",
           "syllables", "greeting", "listen", "none", "week", "weeks", "too", "few", "not", "available", "of", "per",
           "mistake", "measure", "clear", "slight", "moderate", "confidence", "agents", "overlap", "spoke"}
GERMAN = {"und", "der", "die", "das", "gespräch", "gespräche", "sie", "ihr", "ihre", "nicht", "mit", "von", "zu", "grenze",
          "anrufer", "stelle", "befund", "befunde", "woche", "fehler", "keine", "wörter", "silben", "deutlich", "leicht",
          "mittel", "hoch", "gering", "wenige", "stärken", "punkte", "verlässlichkeit", "ausprägung"}
DOT_CONTEXT = re.compile(r".{0,20}\d\.\d.{0,10}")
COMMA_CONTEXT = re.compile(r".{0,20}\d,\d.{0,10}")
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z]\d_[A-Z_]+\b|\{[a-z_]+\}")


class _Visible(HTMLParser):
    """What a reader sees: text and tooltips/labels, without transcript quotes, code and styles."""

    SKIP = {"style", "code", "script"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hidden = tag in self.SKIP or "tx" in (a.get("class") or "").split() or (self.stack and self.stack[-1])
        if tag not in ("br", "img", "meta", "link", "input", "source", "circle", "line", "rect", "polyline", "path"):
            self.stack.append(bool(hidden))
        if not hidden:
            for k in ("title", "aria-label", "data-label", "alt", "placeholder"):
                if a.get(k):
                    self.out.append(a[k])

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "meta", "link", "input", "source", "circle", "line", "rect", "polyline", "path") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.out.append(data)


def visible_html(html: str, ids: set[str]) -> str:
    p = _Visible()
    p.feed(html)
    text = " ".join(p.out)
    return _drop_ids(text, ids)


def visible_text(text: str, ids: set[str], lang: str) -> str:
    """Markdown / plain text without quotes, code and ids."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    qo, qc = ("\u201e", "\u201c") if lang == "de" else ("\u201c", "\u201d")
    text = re.sub(re.escape(qo) + r".*?" + re.escape(qc), " ", text, flags=re.S)
    return _drop_ids(text, ids)


def _drop_ids(text: str, ids: set[str]) -> str:
    for i in sorted(ids, key=len, reverse=True):
        text = re.sub(r"(?<![\w-])" + re.escape(i) + r"(?![\w-])", " ", text)
    return text


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]+", text)}


@pytest.fixture(scope="module", params=["de", "en"])
def batch(request, tmp_path_factory):
    lang = request.param
    root = tmp_path_factory.mktemp(f"i18n-{lang}")
    out = build(root / "out", lang)
    summary = render_reports(out, config=Config())
    clips = export_clips(out, root / "clips", config=Config(), per_mistake=2)
    ids = {p.stem for p in (out / "calls").glob("*.json")} | set(AGENTS[lang]) | {a.lower() for a in AGENTS[lang]}
    ids |= {"team.csv", "callcheck", "n", "P10", "P50", "P90", "dBFS", "ASR", "Opus", "CSV", "Jeffreys", "min", "s", "dB", "Hz"}
    return lang, out, root / "clips", summary, clips, ids


def _check(text: str, lang: str, where: str) -> None:
    other = ENGLISH if lang == "de" else GERMAN
    bad = sorted(words(text) & other)
    ctx = [m.group(0) for w in bad[:3] for m in re.finditer(r".{0,30}\b" + w + r"\b.{0,20}", text, flags=re.I)][:5]
    assert not bad, f"{where}: words of the other language: {bad}: {ctx}"
    raw = sorted(set(RAW_KEY.findall(text)))
    assert not raw, f"{where}: raw key names: {raw}"
    if lang == "de":
        near = re.findall(DOT_CONTEXT, re.sub(r"\b\d\d\.\d\d\.\d{4}\b", " ", text))[:3]
        assert not near, f"{where}: a decimal point in German text: {near}"
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), f"{where}: an ISO date in German text"
    else:
        near = re.findall(COMMA_CONTEXT, text)[:3]
        assert not near, f"{where}: a decimal comma in English text: {near}"


def test_every_page_in_one_language(batch):
    lang, out, _, _, _, ids = batch
    pages = [out / "index.html", *sorted((out / "agents").glob("*.html")), *sorted((out / "callpages").glob("*.html"))]
    assert len(pages) == 1 + 4 + 24
    for p in pages:
        html = p.read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html
        _check(visible_html(html, ids), lang, str(p.relative_to(out)))


def test_markdown_csv_and_outlines_in_one_language(batch):
    lang, out, clips, _, _, ids = batch
    for p in sorted((out / "agents").glob("*.md")):
        _check(visible_text(p.read_text(encoding="utf-8"), ids, lang), lang, p.name)
    outlines = sorted(clips.rglob("outline.md"))
    assert outlines and all(p.parts[-3] == lang for p in outlines)  # one set of folders per language
    for p in outlines:
        _check(visible_text(p.read_text(encoding="utf-8"), ids, lang), lang, str(p.relative_to(clips)))
    for p in sorted(clips.rglob("*.txt")):
        labels = {line.split("] ", 1)[1].split(":", 1)[0] for line in p.read_text(encoding="utf-8").splitlines() if "] " in line}
        assert labels <= ({"Agent", "Anrufer"} if lang == "de" else {"Agent", "Caller"}), (p, labels)
    text = (out / "team.csv").read_bytes().decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";" if lang == "de" else ","))
    _check(" ".join(header), lang, "team.csv header")


def test_rules_listing_in_one_language(capsys):
    for lang in ("de", "en"):
        assert rules_command(None, lang) == 0
        out = capsys.readouterr().out
        # the article quote stays German in both; the rest is the listing's own text
        lines = [ln for ln in out.splitlines() if not ln.strip().startswith(("article:", "Artikel:", "("))]
        text = " ".join(re.sub(r"rules\.\w+ = \S+", " ", ln) for ln in lines if not re.match(r"M\d_", ln))
        other = ENGLISH if lang == "de" else GERMAN
        assert not sorted(words(text) & other), (lang, sorted(words(text) & other))
        assert out.count("rules.m") > 20


def test_tables_are_complete():
    assert check_tables() == []
    assert set(TEXTS["de"]) == set(TEXTS["en"])
    for k, m in MEASURES.items():
        assert m.de and m.en, k
    for mod in RULES:
        assert {"de", "en"} <= set(SIGNALS_TEXT[mod.RULE_ID]), mod.RULE_ID
        for key in mod.THRESHOLDS:
            assert {"de", "en"} <= set(THRESHOLD_TEXT[key]), key
        assert mod.RULE_ID in RULE_SIGNALS and mod.RULE_ID in HEADLINES
    for sid, s in SIGNALS.items():
        assert s.de and s.en and len(s.de) == len(s.en), sid
    for key in RulesConfig.__dataclass_fields__:
        assert key in THRESHOLD_TEXT, f"rules.{key} has no German/English description for `callcheck rules`"


def test_one_sentence_per_signal_with_units_and_comparison():
    ev = {"baseline": "absolute", "measures": {"articulation_rate_sps": 6.764, "caller_articulation_rate_sps": 4.5,
                                               "agent_to_caller_ratio": 1.503, "speech_rate_wpm": 292.337, "slow_down_requests": 1},
          "thresholds": {"articulation_sps": 6.5, "caller_ratio": 1.15}}
    de = evidence_sentences("M7_TOO_FAST", ev, "de")
    en = evidence_sentences("M7_TOO_FAST", ev, "en")
    assert de[0] == "Sie sprachen 6,8\u202fSilben/s, Ihr Anrufer 4,5 (Grenze 6,5)."
    assert en[0] == "You spoke at 6.8\u202fsyllables/s, your caller at 4.5 (limit 6.5)."
    assert "Ihr Anrufer bat Sie, langsamer zu sprechen." in de and "292" in " ".join(de)
    assert headline("M7_TOO_FAST", ev, "de") == "Hier haben Sie schnell gesprochen."
    # a signal the rules list in `fired` but this module does not know is still written, readably
    ev2 = {"fired": ["articulation_rate", "new_signal"], "measures": {"articulation_rate_sps": 7.0, "new_signal": 3}}
    out = evidence_sentences("M7_TOO_FAST", ev2, "de")
    assert out[0].startswith("Sie sprachen 7,0") and len(out) == 2


def test_numbers_and_dates():
    de, en = Fmt("de"), Fmt("en")
    assert de.num(6.764, 1) == "6,8" and en.num(6.764, 1) == "6.8"
    assert de.pct(0.0302) == "3\u202f%" and en.pct(0.0302) == "3%"
    assert de.date("2026-11-02") == "02.11.2026" and en.date("2026-11-02") == "2026-11-02"
    assert de.count(1, "agent") == "1 Agent" and de.count(3, "agent") == "3 Agenten" and en.count(1, "call") == "1 call"
    assert de.num(10000, 0) == "10\u202f000" and de.num(-2.5, 1) == "−2,5"
    assert de.share(2, 3, min_n=5) == "2 von 3" and de.share(5, 10, min_n=5) == "5 von 10 (50\u202f%)"


def test_greeting_advice_quotes_the_configured_company(tmp_path):
    out = build(tmp_path / "out", "de", audio=False)
    cfg = Config(report=Config().report.__class__(company_name="Hansen Technik", greeting_example="{company}, Anna Berg, guten Tag"))
    render_reports(out, config=cfg)
    page = (out / "agents" / "Bernd.html").read_text(encoding="utf-8")
    assert "„Hansen Technik, Anna Berg, guten Tag“" in page
    assert "Grumps + Söhne" not in page  # the article's example firm stays in trainer material
    render_reports(out, config=Config())
    page = (out / "agents" / "Bernd.html").read_text(encoding="utf-8")
    assert "„[Firma], [Ihr Vor- und Nachname], guten Tag“" in page


def test_harsh_article_wording_only_in_trainer_material(batch):
    lang, out, clips, *_ = batch
    harsh = ("Spezies", "blöde", "gackern", "Sprengstoff") if lang == "de" else ("stupid", "chattering", "dynamite", "gross impoliteness")
    for p in [out / "index.html", *(out / "agents").glob("*"), *(out / "callpages").glob("*.html")]:
        text = p.read_text(encoding="utf-8")
        assert not any(h in text for h in harsh), p
    outlines = " ".join(p.read_text(encoding="utf-8") for p in clips.rglob("outline.md"))
    assert any(h in outlines for h in harsh)


#: Reasons, warnings and unsure-measure reasons as callcheck/measures/validity.py writes them.
RECORDED = [
    "no agent in this recording", "the agent channel is silent (loudest frame -62 dBFS < -50): muted or not recorded",
    "no agent speech (1.2 s < 5 s)", "the transcript of 30 s of agent speech is empty",
    "the agent's transcript is unreliable (mean word confidence 0.41 < 0.5); 8000 Hz mp3 audio",
    "the agent's transcript is implausible: 20 syllables in 12 words for 140 syllable nuclei in the audio (words are missing)",
    "the agent's transcript is implausible: 35 words/min over 60 s of speech",
    "the agent's transcript is implausible: 98 % of its words repeat the same phrases (the recogniser looped)",
    "the agent's transcript repeats itself: 90 % of its words repeat the same phrases, recognised with a mean word "
    "confidence of 0.91: the agent repeats, or the recogniser looped",
    "the agent's transcript misses words: 42 syllables in 31 words for 96 syllable nuclei in the audio (words are missing), "
    "although the audio is not narrow-band lossy: unclear articulation, or the recogniser failed",
    "the agent seems to be on the right channel (it opens with the greeting, the other does not); use --layout agent-right",
    "the caller channel is silent (loudest frame -70 dBFS): muted or one-sided recording; nothing about the caller, "
    "and no comparison with the caller, is possible",
    "the caller hardly speaks (0.8 s): comparisons with the caller are not possible",
    "the caller channel speaks first; if the agent is on the left channel, use --layout agent-left",
    "only one voice was found in this mono recording: agent and caller measures may be one person; "
    "if it holds the agent alone, use --layout agent-only",
    "mono speaker separation is unsure (confidence 0.32): per-party measures are unsure",
    "narrow-band lossy audio (8000 Hz mp3): ASR confidence and word counts are weaker", "hold takes 95 s of the 180 s call",
    "call not assessable: no agent speech (1.2 s < 5 s); the agent's transcript is implausible: 35 words/min over 60 s of speech",
    "mono separation unsure (confidence unknown < 0.5): who said what may be mixed up",
    "speech only 7.5 dB above the line noise (< 10 dB): pauses and rates drift",
    "speech only 7.5 dB above the line noise (< 12 dB): pitch is unreliable", "clipping in 2.35 % of speech samples",
    "too little speech for rates (4.0 s < 10 s)", "the level analysis finds speech in only 45% of the time the words take (noise?)",
    "9.1 syllables/s is outside the possible 2-9", "35 words/min over 60 s of speech: the transcript misses words",
]


@pytest.mark.parametrize("reason", RECORDED)
def test_recorded_reasons_are_translated(reason):
    from callcheck.report.i18n import known_reason, reason_text

    assert known_reason(reason)
    de, en = reason_text(reason, "de"), reason_text(reason, "en")
    assert not words(re.sub(r"--layout [a-z-]+|mp3|dBFS", " ", de)) & ENGLISH, de
    assert not words(en) & GERMAN, en
    assert not re.search(r"\d\.\d", de), de  # German decimal commas
    nums = re.findall(r"\d+(?:\.\d+)?", reason)
    assert all(n.replace(".", ",") in de for n in nums), (nums, de)  # every number kept
    assert not known_reason("a reason no table knows")
    assert reason_text("a reason no table knows", "de") == "a reason no table knows"  # shown as recorded


def test_team_comparison_sentence_names_percentile_and_threshold_not_a_missing_size():
    """Team comparisons carry no team size (it grows with every call; the team page states it):
    the sentence names the percentile and the threshold, and never a placeholder for a size."""
    from callcheck.report.evidence import comparison_sentences
    from callcheck.rules.common import Comparison

    comps = {"articulation_rate_sps": [Comparison("team", 6.623, True, reference=6.623).to_json(),
                                       Comparison("agent", 6.1, False, n=12, reference=5.8).to_json()]}
    assert "n_calls" not in comps["articulation_rate_sps"][0]
    de = comparison_sentences("M7_TOO_FAST", {"comparisons": comps}, "de")
    en = comparison_sentences("M7_TOO_FAST", {"comparisons": comps}, "en")
    assert "Team (90. Perzentil) 6,6" in de[0] and "12 Gespräche" in de[0] and "–" not in de[0]
    assert "team (90th percentile) 6.6" in en[0] and "12 calls" in en[0] and "–" not in en[0]
