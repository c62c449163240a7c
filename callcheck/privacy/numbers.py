"""Spoken numbers, German and English, as a speech recogniser writes them.

Whisper writes a dictated number in many ways: as digits ("4 2 0", "420-17", "0172/345"), as
number words ("vier zwei null", "double seven", "oh"), as compounds ("zweiundvierzig",
"neunzehnhundertachtzig", "twenty-three") or mixed. This module turns single words into
:class:`NumberWord` readings and runs of words into the digit string a person dictated
(:func:`combine`), so that checksums (IBAN, Luhn) can be tested on what was said.

Pure functions, no state; lower-case input is expected from :func:`word_number`'s callers only
in the sense that case is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

NumberKind = Literal["digits", "unit", "teen", "tens", "cardinal", "multiplier", "repeat", "and", "decimal"]

# ------------------------------------------------------------------------------------ lexicon

DE_UNITS = {"null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5,
            "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
#: prefixes of compounds ("einundzwanzig", "einhundert", "sechzig")
DE_UNIT_PREFIX = {**DE_UNITS, "ein": 1, "eine": 1, "sech": 6, "sieb": 7}
DE_TEENS = {"zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12, "dreizehn": 13, "vierzehn": 14,
            "fünfzehn": 15, "fuenfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19}
DE_TENS = {"zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "fünfzig": 50, "fuenfzig": 50,
           "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90}
DE_ORDINAL_STEMS = {"erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "fuenft": 5, "sechst": 6,
                    "siebt": 7, "siebent": 7, "acht": 8, "neunt": 9, "zehnt": 10, "elft": 11, "zwölft": 12,
                    "zwoelft": 12}

EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9}
EN_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
            "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
           "eighty": 80, "ninety": 90}
EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
               "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
               "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
               "nineteenth": 19, "twentieth": 20, "thirtieth": 30}

MULTIPLIERS = {"hundert": 100, "tausend": 1000, "hundred": 100, "thousand": 1000}
#: words that repeat the next digit ("double seven" = 77, "doppel-null" = 00)
REPEATS = {"double": 2, "triple": 3, "doppel": 2, "doppelte": 2, "dreifach": 3}
#: "oh"/"o" is 0 only next to other digits ("oh seven seven"), never alone ("oh, hello")
ZERO_LETTERS = {"oh", "o"}

_STRIP = " \t\"'“”„‚‘’«»()[]{}<>,;:!?…"
_WRITTEN = re.compile(r"\+?\(?\d[\d\s\-/.()]*\d\)?|\d")
_DECIMAL = re.compile(r"\d{1,3}(?:[.,]\d{3})*[.,]\d{1,2}|\d+[.,]\d{1,2}")
_ALNUM_WORD = re.compile(r"(?=[a-zäöü]*\d)(?=\d*[a-zäöü])[a-zäöü\d]+")
_ORDINAL_DIGITS = re.compile(r"(\d{1,2})(?:\.|st|nd|rd|th)")


@dataclass(frozen=True, slots=True)
class NumberWord:
    """What one word says as a number.

    ``digits``: the digit string it contributes ("0", "42", "1980", "0172345"); empty for
    multipliers, "and" and repeats. ``value``: its value (None for digit strings with leading
    zeros longer than 9 digits). ``kind``: how it combines with its neighbours (see :func:`combine`).
    ``written``: it was written in digits by the recogniser.
    """

    digits: str
    value: int | None
    kind: NumberKind
    written: bool = False


def strip_word(text: str) -> str:
    """Lower case, surrounding punctuation removed (a final full stop too, except after a digit
    so that the German ordinal "3." keeps it)."""
    t = text.strip(_STRIP).lower()
    while t.endswith(".") and not (len(t) >= 2 and t[-2].isdigit()):
        t = t[:-1]
    t = t.lstrip(".-")
    return t


def _de_1_99(w: str) -> int | None:
    if w in DE_UNITS:
        return DE_UNITS[w]
    if w in DE_TEENS:
        return DE_TEENS[w]
    if w in DE_TENS:
        return DE_TENS[w]
    if "und" in w:
        a, _, b = w.partition("und")
        if a in DE_UNIT_PREFIX and b in DE_TENS and DE_UNIT_PREFIX[a] > 0:
            return DE_UNIT_PREFIX[a] + DE_TENS[b]
    return None


def _de_below_1000(w: str) -> int | None:
    if "hundert" in w:
        a, _, b = w.partition("hundert")
        lead = 1 if a in ("", "ein", "eins") else _de_1_99(a)
        if lead is None:
            return None
        rest = 0 if b == "" else _de_1_99(b)
        if rest is None:
            return None
        return lead * 100 + rest
    return _de_1_99(w)


def de_cardinal(word: str) -> int | None:
    """Value of one German number word: "zweiundvierzig" 42, "neunzehnhundertachtzig" 1980,
    "dreitausendfünf" 3005; None when it is not one (the article "ein" is not a number)."""
    w = word.lower().replace("-", "")
    if not w or w in ("ein", "eine", "einer", "einen", "einem", "und"):
        return None
    if "tausend" in w:
        a, _, b = w.partition("tausend")
        lead = 1 if a in ("", "ein", "eins") else _de_below_1000(a)
        if lead is None:
            return None
        rest = 0 if b == "" else _de_below_1000(b.removeprefix("und"))
        if rest is None:
            return None
        return lead * 1000 + rest
    return _de_below_1000(w)


def de_ordinal(word: str) -> int | None:
    """Value of a German ordinal: "dritten" 3, "erster" 1, "zwanzigsten" 20, "einunddreißigste" 31."""
    w = word.lower()
    for end in ("en", "er", "es", "em", "e"):
        if w.endswith(end) and len(w) > len(end) + 2:
            stem = w[: -len(end)]
            if stem in DE_ORDINAL_STEMS:
                return DE_ORDINAL_STEMS[stem]
            if stem.endswith("st"):
                v = de_cardinal(stem[:-2])
                if v is not None and v >= 20:
                    return v
            if stem.endswith("t"):
                v = de_cardinal(stem[:-1])
                if v is not None and 13 <= v <= 19:
                    return v
    return None


def en_cardinal(word: str) -> int | None:
    """Value of one English number word or hyphenated compound ("twenty-three" 23)."""
    w = word.lower()
    if w in EN_UNITS:
        return EN_UNITS[w]
    if w in EN_TEENS:
        return EN_TEENS[w]
    if w in EN_TENS:
        return EN_TENS[w]
    if "-" in w:
        a, _, b = w.partition("-")
        if a in EN_TENS and b in EN_UNITS and EN_UNITS[b] > 0:
            return EN_TENS[a] + EN_UNITS[b]
    return None


def en_ordinal(word: str) -> int | None:
    """Value of an English ordinal word ("third" 3, "twenty-first" 21)."""
    w = word.lower()
    if w in EN_ORDINALS:
        return EN_ORDINALS[w]
    if "-" in w:
        a, _, b = w.partition("-")
        if a in EN_TENS and b in EN_ORDINALS and EN_ORDINALS[b] < 10:
            return EN_TENS[a] + EN_ORDINALS[b]
    return None


def ordinal(word: str, language: str) -> int | None:
    """Day-of-month style ordinal in either language or as digits ("3.", "4th")."""
    w = strip_word(word)
    m = _ORDINAL_DIGITS.fullmatch(w)
    if m:
        return int(m.group(1))
    return de_ordinal(w) if language == "de" else en_ordinal(w) or de_ordinal(w) if language != "en" else en_ordinal(w)


def _kind_of(value: int) -> NumberKind:
    if value < 10:
        return "unit"
    if value < 20:
        return "teen"
    if value < 100 and value % 10 == 0:
        return "tens"
    return "cardinal"


def word_number(text: str, language: str) -> NumberWord | None:
    """The number one recognised word says, or None.

    ``language`` is "de" or "en" (others: both lexicons). "oh"/"o" come back as a unit 0 with
    kind "unit" only through :func:`runs` (they need a digit next to them).
    """
    w = strip_word(text)
    if not w:
        return None
    if w.endswith(".") and (len(w) > 3 or w[:-1].isdigit()):
        w = w[:-1]  # "0366." at the end of a sentence (but "3." stays a German ordinal)
    if re.fullmatch(r"[\d.,\-]*\d[\d.,\-]*", w.replace("o", "")) and "o" in w and re.fullmatch(r"[o\d.,\-]+", w):
        w = w.replace("o", "0")  # "O7O", "7O", ",O8": a spoken "oh" written as the letter inside digits
    if _DECIMAL.fullmatch(w) and not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", w):
        return NumberWord(re.sub(r"\D", "", w), None, "decimal", written=True)
    if _WRITTEN.fullmatch(w):
        d = re.sub(r"\D", "", w)
        if w.startswith("+"):
            d = "+" + d
        plain = d.lstrip("+")
        value = int(plain) if len(plain) <= 9 else None
        if len(plain) <= 3 and not plain.startswith("0") or len(plain) == 1:
            return NumberWord(plain, value, _kind_of(int(plain)) if value is not None and len(plain) <= 2 else "cardinal", True)
        return NumberWord(d, value, "digits", written=True)
    if _ALNUM_WORD.fullmatch(w) and len(w) <= 34:
        d = re.sub(r"\D", "", w)  # "de89", "wn883704", "12a": the digits count, the letters are kept by the caller
        return NumberWord(d, int(d) if len(d) <= 9 else None, "digits", written=True)
    if w in MULTIPLIERS:
        return NumberWord("", MULTIPLIERS[w], "multiplier")
    if w in REPEATS:
        return NumberWord("", REPEATS[w], "repeat")
    if w in ("und", "and"):
        return NumberWord("", None, "and")
    values: list[int | None] = []
    if language != "en":
        values.append(de_cardinal(w))
    if language != "de":
        values.append(en_cardinal(w))
    v = next((x for x in values if x is not None), None)
    if v is None:
        glued = _de_glued_digits(w) if language != "en" else None
        if glued is not None:
            return NumberWord(glued, int(glued), "digits")
        return None
    return NumberWord(str(v), v, _kind_of(v))


def _de_glued_digits(w: str) -> str | None:
    """Two or more German digit words the recogniser wrote as one ("Nullacht" for "null acht",
    "dreineun"): their digits, else None."""
    out = ""
    k = 0
    while k < len(w):
        for unit in sorted(DE_UNITS, key=len, reverse=True):
            if w.startswith(unit, k):
                out += str(DE_UNITS[unit])
                k += len(unit)
                break
        else:
            return None
    return out if len(out) >= 2 else None


# ------------------------------------------------------------------------------------ runs


@dataclass(frozen=True, slots=True)
class NumberRun:
    """Consecutive words that together dictate one digit string.

    ``first``/``last``: word indices (inclusive). ``digits``: what was dictated, digits only
    ("+49" keeps its plus). ``groups``: the digit string of each spoken group ("0172", "345").
    ``written``: how many of the words were written in digits. ``words``: number-bearing words.
    """

    first: int
    last: int
    digits: str
    groups: tuple[str, ...]
    written: int
    words: int
    decimal: bool = False

    @property
    def n_digits(self) -> int:
        return sum(ch.isdigit() for ch in self.digits)


@dataclass
class _Group:
    digits: str
    value: int | None
    place: int = 0  # the group still takes an addition below this value (after "hundred", "twenty")
    from_words: bool = True
    low: int = 0  # the part below the last "thousand" (what a following "hundred" multiplies)


def _open_place(value: int, kind: NumberKind, language: str) -> int:
    """Below which value a word cardinal still takes an addition from the next word."""
    if value >= 100 and value % 1000 == 0:
        return 1000
    if value >= 100 and value % 100 == 0:
        return 100
    if kind == "tens" and language != "de":
        return 10  # English "twenty" + "three"
    return 0


def combine(readings: Sequence[NumberWord], *, language: str) -> tuple[str, ...]:
    """The spoken groups of a run of readings (see :class:`NumberRun`).

    Word cardinals combine the way people say them: "twenty three" 23, "three hundred and
    twenty" 320, "neunzehn hundert achtzig" 1980, "zwei und vierzig" 42, "double seven" 77;
    dictated digits stay separate groups ("vier zwei null" -> "4", "2", "0"); digits written by
    the recogniser are never merged with their neighbours.
    """
    groups: list[_Group] = []
    repeat = 1
    after_and = False
    for r in readings:
        last = groups[-1] if groups else None
        if r.kind == "repeat":
            repeat = int(r.value or 2)
            continue
        if r.kind == "and":
            after_and = True
            continue
        if r.kind == "multiplier":
            m = int(r.value or 100)
            if last is not None and last.from_words and last.value is not None and repeat == 1 and (
                    m == 1000 and 0 < last.value < 1000 or m == 100 and 0 < last.low < 100):
                if m == 1000:
                    last.value, last.low = last.value * 1000, 0
                else:
                    last.value, last.low = last.value - last.low + last.low * 100, last.low * 100
            else:
                last = _Group("", m, low=m if m < 1000 else 0)
                groups.append(last)
            last.digits = str(last.value)
            last.place = m
            after_and = False
            continue
        if r.written:
            groups.append(_Group(r.digits, r.value, from_words=False))
            repeat, after_and = 1, False
            continue
        v = int(r.value or 0)
        if (after_and and language != "en" and r.kind == "tens" and last is not None and last.from_words
                and last.value is not None and 0 < last.value < 10):
            last.value += v  # "zwei und vierzig"
            last.digits, last.place = str(last.value), 0
            after_and = False
            continue
        if (repeat == 1 and last is not None and last.from_words and last.value is not None and last.place
                and v < last.place and last.value % last.place == 0):
            last.value += v
            last.low += v
            last.digits = str(last.value)
            last.place = 10 if (r.kind == "tens" and language != "de") else 0
            after_and = False
            continue
        digits = r.digits * repeat
        g = _Group(digits, int(digits) if len(digits) <= 9 else None)
        g.low = (g.value or 0) % 1000
        if repeat == 1:
            g.place = _open_place(v, r.kind, language)
        groups.append(g)
        repeat, after_and = 1, False
    return tuple(g.digits for g in groups if g.digits)


#: filler words that may sit inside a dictated number without ending it
FILLERS = {"äh", "ähm", "öh", "hm", "hmm", "mhm", "uh", "um", "uhm", "er", "erm", "ah"}


def runs(texts: Sequence[str], *, language: str, max_gap: int = 0) -> tuple[NumberRun, ...]:
    """Maximal runs of number words in ``texts`` (the words of one party, in order).

    A run is broken by any word that is not a number word, a filler, "und"/"and" between
    numbers, or a repeat word; ``max_gap`` unknown words between two number words are tolerated
    (the recogniser's garbage inside a long dictation). "oh"/"o" count as 0 next to digits.
    A word that ends a sentence (".", "?", "!") ends the run after it.
    """
    readings: list[NumberWord | None] = [word_number(t, language) for t in texts]
    n = len(texts)
    # "oh"/"o"/"ein" as digits only next to other number words
    for i, t in enumerate(texts):
        w = strip_word(t)
        if readings[i] is None and w in ZERO_LETTERS | {"ein", "eine"}:
            near = [j for j in (i - 1, i + 1) if 0 <= j < n and (rj := readings[j]) is not None
                    and rj.kind in ("unit", "digits", "repeat", "teen", "tens", "cardinal")]
            if near or (i + 1 < n and strip_word(texts[i + 1]) in ZERO_LETTERS):
                readings[i] = NumberWord("0" if w in ZERO_LETTERS else "1", 0 if w in ZERO_LETTERS else 1, "unit")
    out: list[NumberRun] = []
    i = 0
    while i < n:
        r = readings[i]
        if r is None or r.kind in ("and", "multiplier", "repeat") and not _starts_number(readings, i):
            i += 1
            continue
        j = i
        members = [i]
        k = i + 1
        gap = 0
        while k < n and not _ends_sentence(texts[k - 1]):
            rk = readings[k]
            w = strip_word(texts[k])
            if rk is not None:
                if rk.kind == "and" and not (k + 1 < n and (rn := readings[k + 1]) is not None and rn.kind not in ("and",)):
                    break
                members.append(k)
                j = k
                gap = 0
            elif w in FILLERS or w in ("-", "/", ""):
                gap += 0
            elif gap < max_gap:
                gap += 1
            else:
                break
            k += 1
        # drop trailing "and"/repeat readings
        while members and (rl := readings[members[-1]]) is not None and rl.kind in ("and", "repeat"):
            members.pop()
        if not members:
            i = k
            continue
        j = members[-1]
        sel = [s for s in (readings[m] for m in members) if s is not None]  # all are: members are number words
        groups = combine(sel, language=language)
        digits = "".join(groups)
        out.append(NumberRun(i, j, digits, groups, sum(1 for s in sel if s.written),
                             sum(1 for s in sel if s.kind not in ("and", "repeat")),
                             decimal=any(s.kind == "decimal" for s in sel)))
        i = j + 1
    return tuple(out)


def _starts_number(readings: Sequence[NumberWord | None], i: int) -> bool:
    r = readings[i]
    if r is None:
        return False
    if r.kind == "repeat":
        return i + 1 < len(readings) and (rn := readings[i + 1]) is not None and rn.kind == "unit"
    if r.kind == "multiplier":
        return True
    return False


def _ends_sentence(text: str) -> bool:
    t = text.rstrip(" \"'”)")
    return t.endswith(("?", "!")) or (t.endswith(".") and not (len(t) >= 2 and t[-2].isdigit()))
