"""Syllable counts: from text (German/English) and from the audio (syllable nuclei).

Two independent counts are kept on purpose. The text count (hyphenation dictionary plus
language rules) gives the articulation rate when a transcript exists; the acoustic count
(de Jong & Wempe 2009 style intensity peaks that are voiced) works without one and
cross-checks the first.

References
----------
de Jong, N. H. & Wempe, T. (2009). Praat script to detect syllable nuclei and measure speech
rate automatically. Behavior Research Methods 41(2), 385-390.
Liang, F. M. (1983). Word Hy-phen-a-tion by Com-put-er (the TeX patterns used by ``pyphen``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

__all__ = ["count_syllables", "word_syllables", "number_words", "syllable_nuclei"]

_VOWELS = {
    "de": "aeiouyäöü",
    "en": "aeiouy",
}
# Nuclei written with two letters that are one syllable (German diphthongs and long vowels).
_DE_DIGRAPHS = ("äu", "eu", "ei", "ai", "au", "ie", "ey", "ay", "aa", "ee", "oo", "ou")
# English vowel digraphs that are usually one nucleus.
_EN_DIGRAPHS = ("ai", "au", "ay", "ea", "ee", "ei", "ey", "oa", "oe", "oi", "oo", "ou", "oy",
                "ie", "ue", "ui", "uy", "eo", "eau", "ieu", "eye", "ueue")
_LETTER_SYLLABLES = {
    # spelled-out letters (abbreviations such as "USB", "ADAC"); English "W" is "dou-ble-you",
    # German "Y" is "Yp-si-lon"
    "en": {"w": 3},
    "de": {"y": 3},
}
_DE_UNITS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
             "zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
             "achtzehn", "neunzehn"]
_DE_TENS = ["", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig",
            "neunzig"]
_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
             "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen"]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_TOKEN = re.compile(r"\d+|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def _lang(language: str) -> str:
    return "de" if language.lower().startswith("de") else "en"


def number_words(n: int, *, language: str) -> list[str]:
    """The words a number is read as (0..999999; longer digit strings are read digit by digit).

    Parameters
    ----------
    n : int
        Non-negative number.
    language : str
        ISO 639-1 code; ``"de"`` gives German, anything else English.
    """
    lang = _lang(language)
    if n < 0 or n > 999_999:
        units = _DE_UNITS if lang == "de" else _EN_UNITS
        return [units[int(d)] for d in str(abs(n))]
    if lang == "de":
        return _de_number(n)
    return _en_number(n)


def _de_number(n: int) -> list[str]:
    if n < 20:
        return [_DE_UNITS[n]]
    if n < 100:
        t, u = divmod(n, 10)
        return [_DE_TENS[t]] if u == 0 else [("ein" if u == 1 else _DE_UNITS[u]) + "und" + _DE_TENS[t]]
    if n < 1000:
        h, r = divmod(n, 100)
        head = ["ein" if h == 1 else _DE_UNITS[h], "hundert"]
        return head + (_de_number(r) if r else [])
    th, r = divmod(n, 1000)
    head = (["ein"] if th == 1 else _de_number(th)) + ["tausend"]
    return head + (_de_number(r) if r else [])


def _en_number(n: int) -> list[str]:
    if n < 20:
        return [_EN_UNITS[n]]
    if n < 100:
        t, u = divmod(n, 10)
        return [_EN_TENS[t]] + ([_EN_UNITS[u]] if u else [])
    if n < 1000:
        h, r = divmod(n, 100)
        return [_EN_UNITS[h], "hundred"] + (_en_number(r) if r else [])
    th, r = divmod(n, 1000)
    return _en_number(th) + ["thousand"] + (_en_number(r) if r else [])


@lru_cache(maxsize=2)
def _hyphenator(lang: str):
    import pyphen

    return pyphen.Pyphen(lang="de_DE" if lang == "de" else "en_US", left=1, right=1)


def _nuclei_in(piece: str, lang: str) -> int:
    """Vowel nuclei in a letter string, diphthongs/digraphs counted once."""
    vowels = _VOWELS[lang]
    digraphs = _DE_DIGRAPHS if lang == "de" else _EN_DIGRAPHS
    count, i = 0, 0
    while i < len(piece):
        if piece[i] in vowels:
            # "y" before a vowel is a consonant (yes, Yacht)
            if piece[i] == "y" and i + 1 < len(piece) and piece[i + 1] in vowels:
                i += 1
                continue
            count += 1
            for dg in sorted(digraphs, key=len, reverse=True):
                if piece.startswith(dg, i):
                    i += len(dg)
                    break
            else:
                i += 1
        else:
            i += 1
    return count


def _en_rules(word: str) -> int:
    """English vowel-group count with the usual silent-e and hiatus corrections."""
    w = word
    n = _nuclei_in(w, "en")
    if n <= 1:
        return max(1, n)
    # silent final e: "made", "fire" (but not "-le" after a consonant: "table", nor "-ee")
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and w[-2] not in _VOWELS["en"]:
        n -= 1
    elif w.endswith("le") and len(w) > 2 and w[-3] in _VOWELS["en"]:
        n -= 1  # "mile", "whale"
    # silent "-es"/"-ed" after most consonants: "makes", "walked" (not "-ted", "-ded", "-ses")
    if re.search(r"[^aeiouytdscxzgh]e[ds]$", w) and n > 1:
        n -= 1
    # hiatus the digraph table merged: "idea", "area", "create", "science"
    n += len(re.findall(r"[^aeiou]ea(?![dktrlmnsvch])|(?<=[^aeiou])ie(?=n[ct])", w))
    # "-tion", "-cial", "-sion", "-xious": i + vowel is one nucleus
    n -= len(re.findall(r"(?<=[tcsx])i[aou]", w))
    return max(1, n)


@lru_cache(maxsize=20000)
def word_syllables(word: str, *, language: str) -> int:
    """Syllables of one word (letters only, no digits).

    Method: the word is split at the hyphenation points of the TeX pattern dictionary of the
    language (``pyphen``, minimum piece length 1, so every syllable boundary the patterns know is
    used); pieces without a vowel are dropped. German takes that count, raised to the count of
    vowel nuclei when hyphenation missed a hiatus; German diphthongs and long vowels
    (ie, ei, ai, au, eu, äu, aa, ee, oo) are one nucleus. English patterns omit many boundaries
    ("idea"), so English takes the larger of the hyphenation count and a rule count (vowel
    groups with silent final e, silent -es/-ed, "-tion"/"-cial" and "idea"/"science" hiatus).
    All-capital abbreviations of 2-5 letters without a vowel pattern are spelled: one syllable per
    letter ("ADAC" -> 4, "USB" -> 3; English "W" -> 3, German "Y" -> 3).
    """
    lang = _lang(language)
    if not word:
        return 0
    if word.isupper() and 2 <= len(word) <= 5 and (
        _nuclei_in(word.lower(), lang) == 0 or len(word) <= 3
    ):
        table = _LETTER_SYLLABLES[lang]
        return sum(table.get(ch, 1) for ch in word.lower())
    w = unicodedata.normalize("NFC", word.lower()).replace("’", "'")
    w = w.replace("'", "")
    w = w.replace("ß", "ss")
    vowels = _VOWELS[lang]
    pieces = [p for p in _hyphenator(lang).inserted(w).split("-") if any(c in vowels for c in p)]
    n_hyph = len(pieces)
    if lang == "de":
        # each hyphenation piece holds at least one nucleus; add nuclei a piece holds beyond one
        n = sum(max(1, _nuclei_in(p, "de")) for p in pieces)
        # a trailing "e" piece after a diphthong ("Feuer" -> feu-er) is right; "Familie" stays 3
        return max(1, n if n_hyph else _nuclei_in(w, "de"))
    return max(1, n_hyph, _en_rules(w))


def count_syllables(text: str, *, language: str) -> int:
    """Syllables in a piece of text as it would be spoken.

    Digits are read as number words in the language (``"42"`` -> "zweiundvierzig" / "forty two"),
    abbreviations in capitals are spelled, punctuation is ignored.

    Parameters
    ----------
    text : str
        One word or several.
    language : str
        ISO 639-1 code (``"de"`` or ``"en"``; other codes use the English rules).

    Returns
    -------
    int
        Number of syllables (0 for text without letters or digits).
    """
    total = 0
    for tok in _TOKEN.findall(text):
        if tok.isdigit():
            for w in number_words(int(tok), language=language):
                total += word_syllables(w, language=language)
        else:
            total += word_syllables(tok, language=language)
    return total


def syllable_nuclei(
    *,
    times_s: np.ndarray,
    level_db: np.ndarray,
    voiced: np.ndarray,
    silence_db: float,
    min_dip_db: float,
    min_gap_s: float,
) -> np.ndarray:
    """Times of syllable nuclei found in an intensity contour (de Jong & Wempe 2009).

    Method: local maxima of the (smoothed) intensity contour that lie above the silence
    threshold, are voiced, and are separated from the preceding accepted peak by a dip of at
    least ``min_dip_db``; peaks closer than ``min_gap_s`` keep the louder one. No transcript is
    needed.

    Parameters
    ----------
    times_s : ndarray
        Frame times, s, increasing; frames on a regular hop (gaps between speech stretches allowed).
    level_db : ndarray
        Frame intensity, dB (any reference; only differences matter).
    voiced : ndarray of bool
        Whether the pitch tracker found the frame voiced.
    silence_db : float
        Intensity below which a frame is silence, dB (same reference as ``level_db``).
    min_dip_db : float
        Minimum dip between two peaks, dB (de Jong & Wempe: 2 dB).
    min_gap_s : float
        Minimum distance between nuclei, s.

    Returns
    -------
    ndarray
        Nucleus times in seconds.
    """
    n = len(level_db)
    if n < 3:
        return np.zeros(0)
    lv = np.asarray(level_db, dtype=float)
    t = np.asarray(times_s, dtype=float)
    hop = float(np.median(np.diff(t))) if n > 1 else 0.01
    contiguous = np.r_[False, np.diff(t) < 1.5 * hop]  # frame i follows frame i-1 directly
    left = np.r_[-np.inf, lv[:-1]]
    right = np.r_[lv[1:], -np.inf]
    left = np.where(contiguous, left, -np.inf)
    right = np.where(np.r_[contiguous[1:], False], right, -np.inf)
    cand = np.flatnonzero((lv >= left) & (lv > right) & (lv > silence_db) & voiced)
    peaks: list[int] = []
    for i in cand.tolist():  # Python ints (peaks is a list[int])
        if not peaks:
            peaks.append(i)
            continue
        p = peaks[-1]
        seg = lv[p : i + 1]
        broken = not contiguous[p + 1 : i + 1].all()
        dip = min(lv[p], lv[i]) - seg.min()
        if broken or dip >= min_dip_db:
            if t[i] - t[p] < min_gap_s and not broken:
                if lv[i] > lv[p]:
                    peaks[-1] = i
                continue
            peaks.append(i)
        elif lv[i] > lv[p]:
            peaks[-1] = i  # same syllable, the louder peak is the nucleus
    return t[np.asarray(peaks, dtype=int)] if peaks else np.zeros(0)
