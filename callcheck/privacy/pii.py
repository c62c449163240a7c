"""Personal data in transcripts (German and English): where it is, and typed placeholders for it.

:func:`detect_pii` reads the words of one party as a speech recogniser wrote them and returns
:class:`PiiSpan` objects (word index range, time span, type). The detectors are rules of our
own, tested word by word (``tests/test_pii*.py``) and measured through the real model
(``benchmarks/eval_pii.py``); no NER model is used (docs/privacy.md says why):

* **numbers** (:mod:`callcheck.privacy.numbers`): digits and number words in every form the
  recogniser writes them, combined into the dictated digit string; classified as IBAN (mod-97
  checksum, or a cue word), card number (Luhn, or a cue), phone number (0/+ prefix, or a cue),
  postcode, or generic identifier (>= ``min_digits`` digits, or >= ``min_digits_cued`` after a
  cue such as "Kundennummer"). Amounts, times, counts and model numbers are left alone.
* **cue windows**: after a cue word ("IBAN", "Telefonnummer", "E-Mail", "geboren", "mein Name
  ist", "my address is") the value that follows is taken up to the end of the clause, even when
  the recogniser garbled it ("Mein Übernis, WN883704, ...").
* **dense dictations**: a stretch of one turn made mostly of digits, number words, spelled
  letters and number words the recogniser garbled ("Plus vier Neuen. Ein Fünfein. Mächs zwei")
  is a dictation even where no reader above could combine it.
* **dates** of birth: spoken and written dates with a year, or any date next to a birth cue.
* **e-mail** addresses, written ("max.mustermann@gmail.com") or spoken ("max punkt mustermann
  at gmail punkt com").
* **addresses**: street + house number ("Hauptstraße zwölf", "Bahnhofstr. 5", "221B Baker
  Street"), postcodes next to them.
* **names**: after introductions ("mein Name ist", "hier spricht", "my name is", "this is X
  speaking"), after titles ("Herr", "Frau", "Mr"), common first names with the surname after
  them, and spelled names (letters, "B wie Berta", NATO words).

:func:`redact_words` replaces each span by one placeholder word; :func:`redact_text` does the
same for free text (quotes, turn texts); :func:`detect_call` applies the ``redact`` mode to a
whole call (the agent's own name stays under ``"caller"``).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal, Mapping, Sequence

from callcheck.privacy import lexicon as lx
from callcheck.privacy.checksums import IBAN_LENGTHS, iban_valid, luhn_valid
from callcheck.privacy.config import REDACT_MODES, PrivacyConfig
from callcheck.privacy.numbers import DE_UNITS, EN_UNITS, FILLERS, ZERO_LETTERS, NumberWord, ordinal, runs, strip_word, word_number
from callcheck.types import PARTIES, Party, Word

PiiKind = Literal["iban", "card", "phone", "email", "date", "postcode", "address", "name", "number"]
#: every type, most specific first (the order decides the type when two detections overlap)
KINDS: tuple[str, ...] = ("email", "iban", "card", "date", "phone", "postcode", "address", "name", "number")
PLACEHOLDERS: Mapping[str, Mapping[str, str]] = {
    "de": {"iban": "[IBAN]", "card": "[KARTE]", "phone": "[TELEFON]", "email": "[E-MAIL]", "date": "[DATUM]",
           "postcode": "[PLZ]", "address": "[ADRESSE]", "name": "[NAME]", "number": "[NUMMER]"},
    "en": {"iban": "[IBAN]", "card": "[CARD]", "phone": "[PHONE]", "email": "[E-MAIL]", "date": "[DATE]",
           "postcode": "[POSTCODE]", "address": "[ADDRESS]", "name": "[NAME]", "number": "[NUMBER]"},
}
PLACEHOLDER_RE = re.compile(r"\[(?:%s)\]" % "|".join(
    sorted({re.escape(p[1:-1]) for lang in PLACEHOLDERS.values() for p in lang.values()}, key=len, reverse=True)))


_KIND_ORDER = {k: n for n, k in enumerate(KINDS)}


def _specific(a: str, b: str) -> str:
    """The more specific of two PII types (the earlier in :data:`KINDS`): what one span made of two
    overlapping or joined detections is."""
    return a if _KIND_ORDER[a] <= _KIND_ORDER[b] else b


def placeholder(kind: str, language: str) -> str:
    """The placeholder of a PII type: German ones for German calls, English ones otherwise."""
    table = PLACEHOLDERS["de" if language.lower().startswith("de") else "en"]
    if kind not in table:
        raise ValueError(f"unknown PII type {kind!r}; use one of {', '.join(KINDS)}")
    return table[kind]


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One piece of personal data in a word list.

    ``first_word``/``last_word``: indices (inclusive) into the word list it was found in;
    ``start_s``/``end_s``: its time span (start of the first word, end of the last), s;
    ``text``: the words as written; ``self_name``: a name the speaker introduced themselves with
    ("mein Name ist ...", a name in their first words); ``speaker``: whose words these are.
    """

    kind: str
    first_word: int
    last_word: int
    start_s: float
    end_s: float
    text: str
    self_name: bool = False
    speaker: Party | None = None

    def placeholder(self, language: str) -> str:
        return placeholder(self.kind, language)

    def to_json(self) -> dict:
        """The span without its text (a redacted record must not keep the data it hides)."""
        return {"kind": self.kind, "speaker": self.speaker, "first_word": self.first_word,
                "last_word": self.last_word, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


# ------------------------------------------------------------------------------ tokens


@dataclass(frozen=True, slots=True)
class _Tok:
    raw: str
    w: str  # lower case, surrounding punctuation stripped
    cap: bool  # starts with a capital letter (names; English sentence starts too)
    end: bool  # ends a sentence
    comma: bool  # ends with a comma or semicolon
    num: NumberWord | None
    letter: str | None  # a single spelled letter


_LETTER_TOKEN = re.compile(r"-?([A-Za-zÄÖÜäöü])[.\-]?")
_CAPS_TOKEN = re.compile(r"-?[A-ZÄÖÜ]{2,6}")
_DATE_TOKEN = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})|(\d{4})-(\d{2})-(\d{2})")
_EMAIL_TOKEN = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_ALNUM = re.compile(r"(?=.*\d)(?=.*[a-zäöü])[a-zäöü0-9]+")
_UK_OUTWARD = re.compile(r"[a-z]{1,2}\d[a-z\d]?")
_UK_INWARD = re.compile(r"\d[a-z]{2}")


def _letter(raw: str, w: str, language: str) -> str | None:
    m = _LETTER_TOKEN.fullmatch(raw.strip(" ,.;:!?\"'()"))
    if m and not (language == "en" and raw.strip(" ,.;:!?") in ("I", "a", "A")):
        return m.group(1).lower()
    if w in lx.SPELLING_WORDS:
        return lx.SPELLING_WORDS[w]
    return None


#: a silence this long between two words of one party ends a sentence (a new turn), s — when the
#: other party's words are not known; when they are, a silence ends it only if the other party
#: speaks in it or it is longer than :data:`LONG_PAUSE_S` (a caller dictating pauses between
#: groups, and the recogniser drops some of them)
TURN_PAUSE_S = 1.5
LONG_PAUSE_S = 4.0


def _turn_breaks(words: Sequence[Word], other: Sequence[Word] | None) -> set[int]:
    """Indices ``n`` of ``words`` after which a new turn starts."""
    out = set()
    mids = sorted(0.5 * (float(o.start_s) + float(o.end_s)) for o in other or ())
    for n in range(len(words) - 1):
        a, b = float(words[n].end_s), float(words[n + 1].start_s)
        if b - a <= TURN_PAUSE_S:
            continue
        if other is None or b - a > LONG_PAUSE_S or bisect.bisect_right(mids, b) > bisect.bisect_left(mids, a):
            out.add(n)
    return out


def _tokens(words: Sequence[Word], language: str, other: Sequence[Word] | None = None) -> list[_Tok]:
    out = []
    breaks = _turn_breaks(words, other)
    for n, w in enumerate(words):
        raw = w.text.strip()
        s = strip_word(raw)
        t = raw.rstrip(" \"'”)")
        end = t.endswith(("?", "!")) or (t.endswith(".") and not re.search(r"\d\.$", t) and len(s) > 1
                                           and not (s.endswith("str") and language != "en"))  # "Hauptstr. 5"
        if n in breaks:
            end = True
        cap = bool(raw.lstrip("-\"'„(").strip()[:1].isupper())
        out.append(_Tok(raw, s, cap, end, t.endswith((",", ";")), word_number(raw, language), _letter(raw, s, language)))
    return out


# ------------------------------------------------------------------------------ candidates


@dataclass
class _Cand:
    kind: str
    first: int
    last: int
    self_name: bool = False
    strong: bool = True  # generic number runs are weak: specific detections take their words first


@dataclass
class _Ctx:
    toks: list[_Tok]
    lang: str
    cfg: PrivacyConfig
    taken: set[int] = field(default_factory=set)
    cands: list[_Cand] = field(default_factory=list)
    breaks: set[int] = field(default_factory=set)  # word indices after which a new turn starts
    birth: list[tuple[int, int]] = field(default_factory=list)  # (first, last) word of every birth cue

    def add(self, kind: str, first: int, last: int, *, self_name: bool = False, take: bool = True) -> None:
        if last < first:
            return
        self.cands.append(_Cand(kind, first, last, self_name))
        if take:
            self.taken.update(range(first, last + 1))

    def free(self, i: int, j: int) -> bool:
        return not any(k in self.taken for k in range(i, j + 1))


def _match_phrase(toks: list[_Tok], i: int, phrase: str, lang: str, *, fuzzy: bool = False) -> int | None:
    """Index of the last word of ``phrase`` when it starts at word ``i``; German single-word
    cues also match as the end of a compound ("Kundennummer" for "nummer"); with ``fuzzy`` a
    garbled long cue word matches too (:func:`_near_word`)."""
    parts = phrase.split()
    if i + len(parts) > len(toks):
        return None
    for k, p in enumerate(parts):
        w = toks[i + k].w
        if w == p or k > 0 and w.startswith("-") and w[1:] == p:
            continue  # "post -code": the recogniser's dictation mark inside a cue
        if (len(parts) == 1 and lang == "de" and len(p) >= 4 and w.endswith(p)
                and not any(w.endswith(n) for n in lx.NOT_PERSONAL_NUMBERS)):
            continue
        if len(parts) == 1 and w.replace("-", "") == p.replace("-", ""):
            continue
        if len(parts) == 1 and fuzzy and _near_word(w, p):
            continue
        return None
    return i + len(parts) - 1


#: a garbled cue word still counts when it is at most this share of edits away (cues of 8+ letters)
FUZZY_CUE_SHARE = 0.25
_GLUED = ("ist", "is")  # the copula the recogniser glued on ("Postreizalist" for "Postleitzahl ist")


def _edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _near_word(w: str, cue: str) -> bool:
    """``w`` is the recogniser's garbling of a long cue word ("Postreizalist" for "Postleitzahl
    ist", "Kreditkatennummer"): same first letter, at most :data:`FUZZY_CUE_SHARE` edits per
    letter of the cue, the glued copula ignored; or, for a cue of 12+ letters, the cue's start
    with at most one edit ("Telefonum")."""
    if len(cue) < 8 or not w or w[0] != cue[0] or abs(len(w) - len(cue)) > len(cue) // 3 + 3:
        return False
    limit = int(FUZZY_CUE_SHARE * len(cue))
    cands = [w] + [w[: -len(g)] for g in _GLUED if w.endswith(g) and len(w) - len(g) >= 6]
    if len(cue) >= 12 and 8 <= len(w) < len(cue) and _edits(w, cue[:len(w)]) <= 1:
        return True  # the compound's end swallowed: "Telefonum" for "Telefonnummer"
    return any(_edits(c, cue) <= limit for c in cands)


def _glued_is(toks: list[_Tok], i: int) -> bool:
    """Word ``i`` has the copula glued on and a number follows ("Postrexalist 5956")."""
    return len(toks[i].w) >= 10 and toks[i].w.endswith("ist") and i + 1 < len(toks) and toks[i + 1].num is not None


def _garbled_birth_date(w: str) -> bool:
    """``w`` is the recogniser's "Geburtsdatum" too garbled for :func:`_near_word`: a word of 10+
    letters from "ge" to "-atum" ("Gewürtestnatum", "Geburztatum") or of 11+ from "Geburts-"
    ("Geburtsnattung"; not "Geburtsort", "Geburtsname"), the glued "ist" ignored. The
    other words of that shape ("Gesprächsdatum") name dates too: a date read after one is
    redacted as well, which costs precision, not privacy."""
    w = w[:-3] if w.endswith("ist") and len(w) > 13 else w
    return len(w) >= 10 and w.startswith("ge") and w.endswith("atum") or \
        len(w) >= 11 and w.startswith("geburts") and not w.startswith(("geburtsort", "geburtsname"))


def _cues(ctx: _Ctx) -> list[tuple[str, int, int]]:
    """(type, first word, last word) of every cue, the most specific one per position."""
    out: list[tuple[str, int, int]] = []
    toks = ctx.toks
    i = 0
    while i < len(toks):
        if toks[i].w in lx.NOT_PERSONAL_NUMBERS or any(
                toks[i].w.endswith(n) for n in lx.NOT_PERSONAL_NUMBERS if len(n) > 6):
            i += 1
            continue
        best: tuple[int, str, int] | None = None
        for kind, per_lang in lx.CUES.items():
            for phrase in per_lang.get(ctx.lang, ()) + (per_lang.get("en", ()) if ctx.lang not in ("de", "en") else ()):
                j = _match_phrase(toks, i, phrase, ctx.lang, fuzzy=True)
                if j is None:
                    continue
                score = len(phrase) + (100 if toks[j].w == phrase.split()[-1] else 0)
                if best is None or score > best[0]:
                    best = (score, kind, j)
        if best is None and ctx.lang == "de" and toks[i].w == "post" and i + 3 < len(toks) and toks[i + 1].raw.startswith("-") \
                and len(toks[i + 1].w) >= 5 and not toks[i].end and not toks[i].comma \
                and (toks[i + 1].w.endswith(_GLUED) or "zahl" in toks[i + 1].w and toks[i + 2].w in ("ist", "lautet")):
            nx = i + 2 if toks[i + 1].w.endswith(_GLUED) else i + 3
            if nx < len(toks) and toks[nx].num is not None and len(_digits_of(toks, nx, min(len(toks) - 1, nx + 2), ctx.lang)[0]) >= 3 \
                    and not any(t.w in lx.UNIT_WORDS for t in toks[nx:nx + 4]):
                best = (0, "postcode", i + 1 if nx == i + 2 else i + 2)  # "Die Post -Atsalist 8 .089": split at the mark
        g = 1 if _glued_is(toks, i) else 2  # the value's first word after "Post…" (and "ist")
        if best is None and ctx.lang == "de" and toks[i].w.startswith("post") and len(toks[i].w) >= 8 \
                and not toks[i].end and i + 2 < len(toks) and (toks[i + 1].w in ("ist", "lautet") or _glued_is(toks, i)) \
                and len(_digits_of(toks, i + g, min(len(toks) - 1, i + g + 2), ctx.lang)[0]) \
                + sum(_garbled_digit(t.w, ctx.lang) for t in toks[i + g:i + g + 3]) >= 3 \
                and toks[i + g].num is not None and not any(t.w in lx.UNIT_WORDS for t in toks[i + g:i + g + 4]):
            best = (0, "postcode", i)  # "Meine Postreize ist 501 .6.": "Postleitzahl" garbled past the fuzzy match
        if best is None and ctx.lang == "de" and _garbled_birth_date(toks[i].w):
            best = (0, "birth", i)  # "Mein Gewürtestnatum ist, 10 und mit und 9": "Geburtsdatum" past the fuzzy match
        elif best is None and ctx.lang == "de" and i + 1 < len(toks) and toks[i + 1].raw.startswith("-") \
                and not toks[i].end and not toks[i].comma and _garbled_birth_date(toks[i].w + toks[i + 1].w.lstrip("-")):
            best = (0, "birth", i + 1)  # "Gebot -Statum": the word split at the recogniser's dictation mark
        if best is not None:
            if out and out[-1][2] == i - 1 and best[1] == "number" and out[-1][0] != "number":
                out[-1] = (out[-1][0], out[-1][1], best[2])  # "Karte Nummer", "Telefon Nummer", "card number"
            else:
                out.append((best[1], i, best[2]))
            i = best[2] + 1
        else:
            i += 1
    return out


def _skip_copulas(toks: list[_Tok], j: int, limit: int = 3) -> int:
    for k in range(j, min(len(toks), j + 3)):  # "Geburtstag um ist ...": garbage, then the copula
        if toks[k].num is not None or toks[k].end:
            break
        if toks[k].w in ("ist", "lautet", "lauten", "sind", "is", "are", "was", "wäre"):
            j = k + 1
            break
    k = j
    while k < len(toks) and k - j < limit and (toks[k].w in lx.COPULAS or toks[k].w == "") and toks[k].num is None:
        if toks[k].end:
            return len(toks)
        k += 1
    return k


def _is_breaker(t: _Tok, lang: str) -> bool:
    return t.num is None and t.letter is None and t.w in lx.BREAKERS.get(lang, lx.BREAKERS["en"])


def _numeric(t: _Tok) -> bool:
    return (t.num is not None and t.num.kind not in ("and",)) or bool(_ALNUM.fullmatch(t.w))


def _digits_of(toks: list[_Tok], i: int, j: int, lang: str) -> tuple[str, str]:
    """(digits, compact letters+digits) dictated in words i..j."""
    rs = runs([t.raw if (t.num is not None or _ALNUM.fullmatch(t.w)) else "§" for t in toks[i:j + 1]],
              language=lang, max_gap=0)
    digits = "".join(r.digits.lstrip("+") for r in rs)
    compact = []
    for t in toks[i:j + 1]:
        if _ALNUM.fullmatch(t.w.rstrip(".")):
            compact.append(t.w.rstrip(".").upper())
        elif t.num is not None:
            compact.append(t.num.digits.lstrip("+"))
        elif t.letter is not None:
            compact.append(t.letter.upper())
        elif len(t.w) == 2 and t.w.isalpha() and t.raw.strip(",.").isupper():
            compact.append(t.w.upper())
    return digits, "".join(compact)


# ------------------------------------------------------------------------------ detectors


#: a dot word, and what the recogniser writes for "dot" after an "at" ("at where not come")
_DOTS_AFTER_AT = lx.DOT_WORDS | {"not", "nod"}


def _mail_said_before(toks: list[_Tok], i: int, k: int) -> bool:
    """An "at" at word ``i`` with a domain to word ``k`` with no pause or comma in it, and a mail
    word within the :data:`MAIL_WORD_BEFORE` words before it ("My email is peter not toner at")."""
    return not any(t.comma or t.end for t in toks[i:k]) and any(
        t.w.strip("-") in ("email", "e-mail", "mail", "emails") for t in toks[max(0, i - MAIL_WORD_BEFORE):i])


#: how far before an "at" the mail word of :func:`_mail_said_before` may be
MAIL_WORD_BEFORE = 8


def _emails(ctx: _Ctx) -> None:
    toks = ctx.toks
    for i, t in enumerate(toks):
        if _EMAIL_TOKEN.search(t.raw):
            ctx.add("email", i, i)
    # spoken: "... at provider punkt com"; or, the "at" swallowed ("that outlook .com"), a mail
    # provider followed by a top-level domain
    for i, t in enumerate(toks):
        if i in ctx.taken:
            continue
        if t.w not in lx.AT_WORDS:
            # a provider before a domain, or a dotted word before one (".gemeichelt .com": the
            # recogniser wrote the "at" into the word before, "Werkerart")
            dotted = t.raw.lstrip("-").startswith(".") and len(t.w) >= 3 and t.w not in lx.TLDS
            if not ((t.w in lx.MAIL_PROVIDERS or dotted) and i >= 1 and _tld_after(toks, i)):
                continue
            i -= 1  # the word before the provider stands for "at"
            t = toks[i]
            if i in ctx.taken or t.end:
                continue
        end = None
        for k in range(i + 1, min(len(toks), i + 7)):
            w = toks[k].w.lstrip(".")
            dot = toks[k - 1].w in lx.DOT_WORDS or toks[k - 1].w in _DOTS_AFTER_AT and _mail_said_before(toks, i, k)
            if (w in lx.TLDS or _cut_tld(toks, k)) and (dot or toks[k].raw.lstrip("-").startswith(".")):
                end = k
                if w == "at" and k + 2 < len(toks) and not toks[k].end and toks[k + 1].raw.startswith(".") \
                        and toks[k + 2].raw.startswith(".") and toks[k + 2].w.lstrip(".") in lx.TLDS:
                    end = k + 2  # "Amy .Wall .at .tmashonline .com": ".at" the at, not Austria
                break
            if toks[k].end:
                break
        provider = i + 1 < len(toks) and toks[i + 1].w in lx.MAIL_PROVIDERS
        if end is None and not provider:
            continue
        if end is None:
            end = i + 1
        # a domain of several parts: ".net .au", "punkt co punkt uk"
        while end + 1 < len(toks) and not toks[end].end and end + 1 not in ctx.taken and (
                toks[end + 1].raw.lstrip("-").startswith(".") and toks[end + 1].w.lstrip(".") in lx.TLDS
                or toks[end + 1].w in lx.DOT_WORDS and end + 2 < len(toks) and toks[end + 2].w.lstrip(".") in lx.TLDS):
            end += 1 if toks[end + 1].w not in lx.DOT_WORDS else 2
        start = i
        if ctx.lang != "de" and t.w == "at" and i >= 1 and toks[i - 1].w in ("me", "us", "email", "e-mail", "mail") \
                and i + 1 <= end:
            ctx.add("email", i + 1, end)  # "email me at lore .rabinsonetoutlook .com": the cue's "at"
            continue
        for k in range(i - 1, max(-1, i - 6), -1):
            tk = toks[k]
            if tk.end or tk.w in lx.COPULAS or _is_breaker(tk, ctx.lang) or k in ctx.taken \
                    or tk.num is not None and len(tk.num.digits) >= 4 or tk.w in (
                    "an", "mir", "me", "to", "unter", "under", "uns", "us", "bitte", "please", "address",
                    "addresses", "adresse", "adress") or tk.comma:
                break
            if any(_match_phrase(toks, k, c, ctx.lang) == k for c in lx.CUES["email"].get(ctx.lang, ())):
                break
            start = k
        if start == i and i >= 3 and toks[i - 1].end and i - 1 not in ctx.breaks and toks[i - 2].w in lx.DOT_WORDS \
                and ctx.free(i - 3, i - 1) and not toks[i - 3].end and toks[i - 3].num is None \
                and not _is_breaker(toks[i - 3], ctx.lang) and toks[i - 3].w not in lx.COPULAS:
            start = i - 3  # "Simon dot Hughes. At web dot com.": the local part before a pause
        ctx.add("email", start, end)


#: what the recogniser writes for a spoken "at" between the two halves of an e-mail address that
#: has a dot word on either side ("Kuger hat Web .me", "-Dichter -Art Ja, wo Punkt -Kom")
_SHAPE_AT = lx.AT_WORDS | {"art", "hat", "hart", "ad"}


def _bare(t: _Tok) -> str:
    """The word without the dots and hyphens the recogniser glues to dictated pieces ("-Punkt")."""
    return t.w.strip("-.")


def _shaped_emails(ctx: _Ctx) -> None:
    """An e-mail address without a cue and without a domain the detectors know, read by its shape
    over the sentence ends the recogniser puts at the caller's pauses: a local part with a dot
    word, an "at", a domain with a dot word and a short last word ("Michail punkt Kloch. At ja,
    o' punkt, kaum,": "michael punkt koch at gmx punkt com")."""
    toks = ctx.toks
    emails = {k for c in ctx.cands if c.kind == "email" for k in range(c.first, c.last + 1)}
    for i, t in enumerate(toks):
        if _bare(t) not in _SHAPE_AT or i in ctx.taken and i not in emails or i < 3:
            continue
        end = None
        for d in range(i + 1, min(len(toks), i + 5)):
            if d in ctx.taken and d not in emails or any(k in ctx.breaks for k in range(i, d)) or toks[d].num is not None:
                break
            if d > i + 1 and _bare(toks[d]) in lx.DOT_WORDS and d + 1 < len(toks) and d not in ctx.breaks:
                n = toks[d + 1]
                if (d + 1 not in ctx.taken or d + 1 in emails) and n.num is None and (_bare(n) in lx.TLDS or _bare(n).isalpha() and len(_bare(n)) <= 5) \
                        and not _is_breaker(n, ctx.lang):
                    end = d + 1
                break
            if d > i + 1 and toks[d].raw.startswith(".") and _bare(toks[d]).isalpha() and len(_bare(toks[d])) <= 5:
                end = d  # "hat Web .me.": the dot written into the top-level domain
                break
        if end is None:
            continue
        start = None
        for k in range(i - 1, max(-1, i - 6), -1):
            tk = toks[k]
            if k == i - 1 and tk.raw.startswith(".") and len(_bare(tk)) >= 2 and k >= 1 and not toks[k - 1].end \
                    and toks[k - 1].num is None and not _is_breaker(toks[k - 1], ctx.lang) and toks[k - 1].w not in lx.COPULAS \
                    and all(m not in ctx.taken or m in emails for m in (k - 1, k)):
                start = k - 1  # "Susanne .12 Art Lock .com": the dot written into the local part's second word
                break
            if k in ctx.taken and k not in emails or k in ctx.breaks and k != i - 1 or tk.num is not None \
                    or _is_breaker(tk, ctx.lang) or tk.w in lx.COPULAS and tk.w not in lx.DOT_WORDS:
                break
            if _bare(tk) in lx.DOT_WORDS:
                if k >= 1 and k - 1 not in ctx.taken and toks[k - 1].num is None and not toks[k - 1].end \
                        and not _is_breaker(toks[k - 1], ctx.lang):
                    start = k - 1
                break
        if start is None or not all(k not in ctx.taken or k in emails for k in range(start, end + 1)):
            continue
        if _bare(t) not in lx.AT_WORDS and not any(
                x.raw.startswith(("-", ".")) or _bare(x) in lx.MAIL_PROVIDERS or _COM_LIKE.fullmatch(_bare(x))
                for x in toks[start:end + 1]):
            continue  # "hat"/"Art" for "at" only with the recogniser's dictation marks around it
        ctx.add("email", start, end)  # joins an e-mail value read after a (garbled) cue


#: the most free words between two pieces of one e-mail address that :func:`_joined_emails` joins
EMAIL_GAP_WORDS = 3


def _joined_emails(ctx: _Ctx) -> None:
    """Two e-mail pieces of one turn with a spoken dot between them are one address ("My email is
    Paul. Not her is at Outlook .com.": "paul dot turner at outlook dot com", the dot heard as
    "not" after the pause the recogniser ended a sentence at)."""
    toks = ctx.toks
    mails = sorted((c for c in ctx.cands if c.kind == "email"), key=lambda c: c.first)
    for a, b in zip(mails, mails[1:]):
        gap = range(a.last + 1, b.first)
        if not 1 <= len(gap) <= EMAIL_GAP_WORDS or not ctx.free(gap[0], gap[-1]) \
                or any(k in ctx.breaks for k in range(a.last, b.first)):
            continue
        first = toks[gap[0]]
        if not (_bare(first) in lx.DOT_WORDS or first.w == "not" and toks[a.last].end):
            continue
        ctx.taken.update(gap)
        b.first = a.first  # b now holds the whole address; a (its first piece) goes
        ctx.cands.remove(a)


def _dot_word(t: _Tok) -> bool:
    """A spoken dot, also glued to the word before it with the recogniser's dictation mark
    ("-Mailprunkt": "Mail Punkt"; not "Zeitpunkt"), or cut short with the mark ("-Punk")."""
    return t.w in lx.DOT_WORDS or len(t.w) > 7 and t.w.endswith(("punkt", "prunkt")) and t.raw.startswith(("-", ".")) \
        or t.w == "punk" and t.raw.startswith(("-", "."))


#: words before a "not" that make it a negation, not a spoken dot ("has not come through")
_NOT_BEFORE_NOT_DOT = lx.COPULAS | lx.EMAIL_STATE_WORDS | frozenset(
    "has have had was were did does do will would could should can may might".split())


def _email_word(toks: list[_Tok], k: int) -> bool:
    """Word ``k`` is something only an e-mail address has: a joiner ("Punkt", "at", "minus"), a
    top-level domain after a dot, a mail provider, "@"."""
    t = toks[k]
    w = t.w.strip(".-")
    return (t.w in lx.EMAIL_JOINERS or w in lx.EMAIL_JOINERS or w in lx.MAIL_PROVIDERS or "@" in t.raw
            or _dot_word(t) and k > 0 and not toks[k - 1].end
            or w in lx.TLDS and (t.raw.lstrip("-").startswith(".") or k > 0 and _dot_word(toks[k - 1]))
            or w in ("com", "come", "kom", "net", "org") and k >= 2 and toks[k - 1].w in ("not", "nod")
            and not toks[k - 1].comma and toks[k - 2].w not in _NOT_BEFORE_NOT_DOT  # "where not come": "web dot com"
            or bool(_COM_LIKE.fullmatch(w))
            or t.raw.startswith(".") and w.isalpha() and 2 <= len(w) <= 5 and k > 0 and toks[k - 1].raw.startswith(".")
            or w == "online" and t.raw.startswith("-")  # "D -Online": T-Online split at the dictation mark
            or _glued_at(t) and any(_bare(n) in lx.MAIL_PROVIDERS or _bare(n) in lx.TLDS or _bare(n) == "online"
                                    for n in toks[k + 1:k + 4]))  # "Wolfart. D -Online."


def _glued_at(t: _Tok) -> bool:
    """The spoken "at" glued to the local part's last word ("Wolfart." for "Wolf at"), read only
    inside an e-mail window."""
    w = t.w.strip(".-,")
    return len(w) >= 7 and w.isalpha() and w.endswith(("art", "at"))


def _domain_end(toks: list[_Tok], k: int) -> bool:
    """Word ``k`` ends an address's domain: a top-level domain or a provider written with its dot
    (".com", ".gmx") or after a dot word ("Punkt kaum"), or an "@"."""
    t = toks[k]
    w = _bare(t)
    dotted = t.raw.lstrip("-").startswith(".") or k > 0 and _dot_word(toks[k - 1])
    return "@" in t.raw or dotted and (w in lx.TLDS or w in lx.MAIL_PROVIDERS)


#: the letters of a spelled top-level domain ("punkt T E", "-Punk -T -E."), at most
SPELLED_TLD_LETTERS = 3


def _spelled_tlds(ctx: _Ctx) -> None:
    """An e-mail address whose top-level domain was spelled ("gmx punkt T E."): after its last
    dot word (inside the address or right after it), two or three single letters up to the
    sentence end join it."""
    toks = ctx.toks
    for c in ctx.cands:
        if c.kind != "email" or toks[c.last].end:
            continue
        d = next((m for m in range(c.last + 1, c.first - 1, -1) if m < len(toks) and _dot_word(toks[m])), None)
        if d is None or d < c.last - SPELLED_TLD_LETTERS:
            continue
        last = None
        m = d + 1
        while m < len(toks) and toks[m].letter is not None and (m - 1) not in ctx.breaks:
            last = m
            if toks[m].end or toks[m].comma or toks[m].raw.endswith("."):
                break
            m += 1
        if last is None or not 2 <= last - d <= SPELLED_TLD_LETTERS or last <= c.last \
                or not ctx.free(c.last + 1, last):
            continue
        ctx.taken.update(range(c.last + 1, last + 1))
        c.last = last


#: "com" as the recogniser writes it after a dictated address ("Krom", "Kromt", "-Kom", "-Comb")
_COM_LIKE = re.compile(r"[ck]r?om+[tb]?")

#: an e-mail address dictated after its cue is read over at most this many words, across sentence
#: ends (the recogniser ends a "sentence" at every pause of the dictation: "Morne kam Punkt auf
#: mein Art. G -Mix, Punkt, Vee.")
EMAIL_WINDOW_WORDS = 16


def _email_window(ctx: _Ctx, v: int) -> int | None:
    """Last word of an e-mail address dictated from word ``v`` on, sentence by sentence within one
    turn: a sentence with an e-mail word (:func:`_email_word`) is taken up to its end when at most
    :data:`EMAIL_TAIL_WORDS` words follow its last e-mail word (the garbled domain), else up to the
    word after it (when that is no sentence-level word), and the next sentence is read only when
    this one was taken to its end. Up to :data:`EMAIL_PLAIN_SENTENCES` sentences without an e-mail
    word are taken when a later one within the window has one (the recogniser ends a sentence at
    each pause of the dictation and garbles the local part: "Michael. Rehman Art. Ja, u .com.");
    None when no sentence of the window holds an e-mail word."""
    toks = ctx.toks
    last = None
    plain = 0  # sentences without an e-mail word since the last one with
    k = v
    while k < len(toks) and k - v < EMAIL_WINDOW_WORDS:
        e = k
        while e < len(toks) and e - v < EMAIL_WINDOW_WORDS and e not in ctx.taken and not toks[e].end:
            e += 1
        if e >= len(toks) or e in ctx.taken or e - v >= EMAIL_WINDOW_WORDS:
            e -= 1
        marks = [m for m in range(k, e + 1) if _email_word(toks, m)]
        if e < k:
            break
        if not marks:
            plain += 1
            if plain > EMAIL_PLAIN_SENTENCES or e in ctx.breaks or e + 1 in ctx.taken:
                break
            k = e + 1
            continue
        if plain and not any(_domain_end(toks, m) or _glued_at(toks[m]) or _bare(toks[m]) in lx.AT_WORDS for m in marks):
            break  # after sentences without one, only a domain's end ("u .com", ".gmx .d") tells an address
        plain = 0
        if e - marks[-1] > EMAIL_TAIL_WORDS or not toks[e].end:
            m = marks[-1]
            n = toks[m + 1] if m + 1 <= e else None
            ends_tld = _bare(toks[m]) in lx.TLDS and m > v or bool(_COM_LIKE.fullmatch(_bare(toks[m])))
            if n is not None and not ends_tld and not _is_breaker(n, ctx.lang) and n.num is None and len(n.w) <= 6 \
                    and "'" not in n.w \
                    and (not n.cap or n.raw.startswith((".", "-")) or toks[m].w in lx.DOT_WORDS) and m not in ctx.breaks:
                m += 1  # the (garbled) top-level domain after the last "Punkt": "Punkt, Kromt,"
            return m
        last = e
        if e in ctx.breaks or e + 1 in ctx.taken:
            break
        k = e + 1
    return last


#: words after the last e-mail word of a sentence that still belong to the address (its garbled end)
EMAIL_TAIL_WORDS = 3

#: sentences without an e-mail word that an e-mail window takes when a later sentence has one
EMAIL_PLAIN_SENTENCES = 2


#: words that repeat the next digit ("double seven", "doppel sieben")
_MULTIPLIERS = frozenset({"double", "triple", "doppel", "doppelt", "dreifach"})
_DICTATION_KINDS = ("iban", "card", "phone", "number")


def _continued_dictations(ctx: _Ctx) -> None:
    """A dictated number goes on over the sentence ends the recogniser puts at the caller's pauses
    ("4454. Two seven double six. Double five three two."): each following sentence of one turn
    that holds at least two digits and nothing but digits, spelled letters, "double" and at most
    one short garbled word (no unit, no sentence-level word) joins the number."""
    toks = ctx.toks
    for c in ctx.cands:
        if c.kind not in _DICTATION_KINDS:
            continue
        e = c.last
        while toks[e].end and e not in ctx.breaks and e + 1 < len(toks):
            numeric = other = 0
            last = None
            for k in range(e + 1, min(len(toks), e + 8)):
                t = toks[k]
                if k in ctx.taken or t.w in lx.UNIT_WORDS:
                    break
                if _numeric(t):
                    numeric += 1
                elif t.w in _MULTIPLIERS or t.letter is not None and len(t.w) == 1:
                    pass
                elif other or _is_breaker(t, ctx.lang) or len(t.w) > 7 or not t.w.isalpha():
                    break
                else:
                    other += 1
                if t.end:
                    last = k
                    break
            if last is None or numeric < 2:
                break
            ctx.taken.update(range(e + 1, last + 1))
            e = c.last = last


#: a dictation the recogniser garbled past the readers above ("Plus vier Neuen. Ein Fünfein. Mächs
#: zwei Nieuen. Mächs sieben."): within one turn, words that are digits or number words, number
#: words a letter or two off, spelled letters, "plus"/"double", with at most
#: :data:`DENSE_GAP_WORDS` other words between two of them; taken whole when it holds at least
#: :data:`DENSE_MIN_NUMBERS` real digits/number words and :data:`DENSE_MIN_ITEMS` such words in
#: all, and these are at least :data:`DENSE_SHARE` of its words
DENSE_GAP_WORDS = 2
DENSE_MIN_NUMBERS = 3
DENSE_MIN_ITEMS = 6
DENSE_SHARE = 0.6
#: ... and right after a cue of a number-bearing type (:data:`_CUED_DENSE_KINDS`)
DENSE_CUED_MIN_NUMBERS = 2
DENSE_CUED_MIN_ITEMS = 3
DENSE_CUED_SHARE = 0.5
_CUED_DENSE_KINDS = frozenset({"iban", "card", "phone", "number", "postcode", "address", "birth"})
_DENSE_UNITS = {"de": tuple(u for u in DE_UNITS if len(u) >= 4), "en": tuple(u for u in EN_UNITS if len(u) >= 4)}


def _garbled_digit(w: str, lang: str) -> bool:
    """``w`` reads as a digit word the recogniser garbled: one edit off a unit word of four or more
    letters ("Neuen" for "neun"), two off with the same last two letters ("Mächs" for "sechs"; a last
    "cks" read as "chs": "Necks"), or such a word with up to four letters or more such words glued on
    ("Fünfein", "zweinäu", "Fünfünfünfünf"); German "ach" and "fün" too."""
    w = w.strip("-.")
    if lang == "de" and w in ("ach", "fün"):
        return True  # "acht", "fünf" with the last letter swallowed
    if len(w) < 4 or not w.isalpha():
        return False
    if lang == "de" and w.endswith("cks"):
        w = w[:-3] + "chs"  # "Necks": "sechs"
    for u in _DENSE_UNITS.get(lang, _DENSE_UNITS["en"]):
        if w.startswith(u) and (len(w) - len(u) <= 4 or _garbled_digit(w[len(u) - 1:], lang)):
            return True  # "Fünfein", "Fünfünfünfünf" (units run together, sharing a letter)
        if abs(len(w) - len(u)) <= 2:
            d = _edits(w, u)
            if d <= 1 or d == 2 and len(w) >= 5 and w[-2:] == u[-2:]:
                return True
    return False


def _fill_between(ctx: _Ctx, a: int, b: int, kind: str) -> None:
    """Words ``a``..``b`` are one dictation: the detections in it keep their type and grow over the
    free words next to them (two that meet become one, of the more specific type); free words
    with no detection next to them become one of ``kind``."""
    k = a
    while k <= b:
        if k in ctx.taken:
            k += 1
            continue
        e = k
        while e + 1 <= b and e + 1 not in ctx.taken:
            e += 1
        before = next((c for c in ctx.cands if c.last == k - 1), None) if k > a else None
        after = next((c for c in ctx.cands if c.first == e + 1), None) if e < b else None
        ctx.taken.update(range(k, e + 1))
        if before is not None and after is not None:
            before.last = after.last
            before.kind = _specific(before.kind, after.kind)
            ctx.cands.remove(after)
        elif before is not None:
            before.last = e
        elif after is not None:
            after.first = k
        else:
            ctx.cands.append(_Cand(kind, k, e))
        k = e + 1


def _dense_dictations(ctx: _Ctx, cues: Sequence[tuple[str, int, int]] = ()) -> None:
    """Dictations too garbled for the readers above, found by their density (:data:`DENSE_SHARE`);
    a dictation starts with a digit, a number word, "plus" or an IBAN's "D E" and ends with a digit
    or a number word, never with a garbled word or a spelled name's letters ("The liven is D .E.
    8924" starts at "D")."""
    toks = ctx.toks
    n = len(toks)

    def item(t: _Tok) -> int:  # 3: a number, 2: a letter, "plus", "double", 1: a garbled number word, 0: other
        if t.w in lx.UNIT_WORDS:
            return -1
        if _numeric(t):
            return 3
        if t.w in _MULTIPLIERS or t.w == "plus" or t.letter is not None and len(t.w) == 1:
            return 2
        return 1 if _garbled_digit(t.w, ctx.lang) else 0

    kinds = [item(t) for t in toks]
    for k in range(n):  # an amount ends it: "... fünf vier neun. It cost forty-nine pounds."
        if kinds[k] == 3 and (k + 1 < n and toks[k + 1].w in lx.UNIT_WORDS or k >= 1 and toks[k - 1].w in lx.UNIT_BEFORE):
            kinds[k] = -1

    def opens(k: int) -> bool:  # a number, "plus", or the country code of an IBAN ("D .E.")
        return kinds[k] == 3 or toks[k].w == "plus" or toks[k].letter == "d" and k + 1 < n and toks[k + 1].letter == "e"

    # right after a cue the value is known to be a number: a garbled word may open it, and less
    # density is needed ("Meine Vertragsnummer ist... Nächste vier Näuen... drei Nächste drei...")
    cued: dict[int, str] = {}
    for kind, _a, j in cues:
        if kind not in _CUED_DENSE_KINDS or kind == "postcode" and ctx.lang == "en":  # UK postcodes: by their shape
            continue
        v = j + 1
        while v < n and v - j <= 2 and toks[v].w in lx.COPULAS and (v - 1) not in ctx.breaks:
            v += 1
        for k in range(v, min(n, v + 3)):
            if (k - 1) in ctx.breaks or kinds[k] < 0:
                break
            if kinds[k] > 0:
                cued.setdefault(k, "date" if kind == "birth" else kind)
                break
    i = 0
    while i < n:
        if kinds[i] < 2 and i not in cued or kinds[i] <= 0 or not opens(i) and i not in cued:
            i += 1
            continue
        last, k, gap = i, i + 1, 0
        while k < n and kinds[k] >= 0 and (k - 1) not in ctx.breaks:
            if kinds[k] == 3:
                if gap and _sentence_goes_on(ctx, last, k):
                    break  # "079 096 318 09 The laser 500 was not printed": a number of the next sentence
                last, gap = k, 0
            elif kinds[k] == 0:
                gap += 1
                if gap > DENSE_GAP_WORDS:
                    break
            k += 1
        span = kinds[i:last + 1]
        numbers = sum(1 for x in span if x == 3)
        items = sum(1 for x in span if x > 0)
        relaxed = i in cued and i not in ctx.taken  # the value after the cue was not read: garbled
        need = (DENSE_CUED_MIN_NUMBERS, DENSE_CUED_MIN_ITEMS, DENSE_CUED_SHARE) if relaxed else (
            DENSE_MIN_NUMBERS, DENSE_MIN_ITEMS, DENSE_SHARE)
        if numbers >= need[0] and items >= need[1] and items >= need[2] * len(span):
            digits, compact = _digits_of(toks, i, last, ctx.lang)
            if relaxed:
                kind = _classify(digits, compact, cued[i]) if cued[i] in _DICTATION_KINDS else cued[i]
            elif toks[i].w == "plus":
                kind = "phone"
            elif toks[i].letter == "d" and i + 1 <= last and toks[i + 1].letter == "e":
                kind = "iban"
            else:
                kind = _classify(digits, compact, None)
            _fill_between(ctx, i, last, kind)
        i = last + 1


#: ordinary words after a number that make it part of a sentence, not of a dictation before it
SENTENCE_AFTER_WORDS = 2


def _sentence_goes_on(ctx: _Ctx, last: int, k: int) -> bool:
    """Number ``k``, after a gap from the dictation's number ``last``, is said in a sentence ("the
    laser 500 was not printed"), not dictated: the gap holds an ordinary word (not "oh", a letter
    or a garbled digit) and so do the :data:`SENTENCE_AFTER_WORDS` words after it, with no
    sentence end before the last of them."""
    toks = ctx.toks

    def ordinary(t: _Tok) -> bool:
        return not (_numeric(t) or t.letter is not None or t.w in lx.UNIT_WORDS or t.w in ZERO_LETTERS
                    or _garbled_digit(t.w, ctx.lang))

    e = k + SENTENCE_AFTER_WORDS
    return e < len(toks) and any(ordinary(t) for t in toks[last + 1:k]) \
        and not any(toks[m].end for m in range(k, e)) and all(ordinary(t) for t in toks[k + 1:e + 1])


def _tld_after(toks: list[_Tok], i: int) -> bool:
    """Word ``i`` is followed by a top-level domain (".com", "punkt de", "dot co uk")."""
    if toks[i].end or i + 1 >= len(toks):
        return False
    n = toks[i + 1]
    if n.raw.lstrip("-").startswith(".") and (n.w.lstrip(".") in lx.TLDS or _cut_tld(toks, i + 1)):
        return True
    return n.w in lx.DOT_WORDS and i + 2 < len(toks) and toks[i + 2].w.lstrip(".") in lx.TLDS


def _cut_tld(toks: list[_Tok], k: int) -> bool:
    """Word ``k`` is ".d", what is left of ".de" right after a mail provider written without a dot
    ("Web .d."; after ".gmx" the e-mail cue's window reads it)."""
    return k >= 1 and toks[k].w.strip(".") == "d" and toks[k].raw.lstrip("-").startswith(".") \
        and toks[k - 1].w in lx.MAIL_PROVIDERS and not toks[k - 1].raw.lstrip("-").startswith(".")


def _year_of(t: _Tok) -> int | None:
    if t.num is None or t.num.value is None:
        return None
    v = t.num.value
    if 1900 <= v <= 2099:
        return v
    return None


def _dates(ctx: _Ctx, cues: list[tuple[str, int, int]]) -> None:  # noqa: C901 (one pass over the date forms; split in the privacy integration)
    toks = ctx.toks
    lang = ctx.lang
    birth_cue_at = [(i, j) for kind, i, j in cues if kind == "birth"]
    ctx.birth = birth_cue_at

    def near_birth(a: int, b: int) -> bool:
        return any(j < a and a - j <= 8 or i > b and i - b <= 3 for i, j in birth_cue_at)

    found: list[tuple[int, int, bool]] = []  # first, last, has_year
    for i, t in enumerate(toks):
        m = _DATE_TOKEN.fullmatch(t.w.rstrip("."))
        if m:
            found.append((i, i, True))
            continue
        if t.w in lx.MONTHS and t.num is None:
            a = b = i
            day = None
            if i >= 1 and ordinal(toks[i - 1].raw, lang) is not None or i >= 1 and (pn := toks[i - 1].num) is not None \
                    and pn.value is not None and 1 <= pn.value <= 31:
                a = i - 1
                day = True
            elif i >= 2 and toks[i - 1].w in ("of", "on", "from", "off") and ordinal(toks[i - 2].raw, lang) is not None:
                # "of" also heard as "on", "from", "off" ("the 22nd on November")
                a = i - 2
                day = True
            elif i + 1 < len(toks) and not t.end and (ordinal(toks[i + 1].raw, lang) is not None or (
                    toks[i + 1].raw.strip(",.;").isdigit() and 1 <= int(toks[i + 1].raw.strip(",.;")) <= 31)):
                b = i + 1  # "October 16", "the 3rd"
                day = True
            elif i + 2 < len(toks) and toks[i + 1].w == "the" and ordinal(toks[i + 2].raw, lang) is not None:
                b = i + 2
                day = True
            if a > 0 and toks[a - 1].w == "the" and lang != "de":
                a -= 1 if False else 0
            # the month said again, the year after it ("March 3rd, September 1960.": a correction)
            if day and b + 1 < len(toks) and not toks[b].end and toks[b + 1].w in lx.MONTHS \
                    and _year_after(toks, b + 1, lang) is not None:
                b += 1
            # the year: one or more number words after the day/month
            year_end = _year_after(toks, b, lang)
            if year_end is None and b + 1 < len(toks) and not toks[b].end and re.fullmatch(r"(19|20)\d\.?", toks[b + 1].w) \
                    and _birth_near(ctx, a, b + 1):
                year_end = b + 1  # "am 5. Dezember 197 und mich sich geworden": a year cut short
            if year_end is None and day and b + 2 < len(toks) and not toks[b].end and not toks[b + 1].end \
                    and toks[b + 1].num is None and not _is_breaker(toks[b + 1], lang) and _year_of(toks[b + 2]) is not None:
                year_end = b + 2  # "15th October Number 1951": a misheard word between month and year
            if year_end is not None and year_end + 1 < len(toks) and not toks[year_end].end \
                    and _year_of(toks[year_end + 1]) is not None:
                year_end += 1  # the year written twice ("August 1910 .1990")
            has_year = year_end is not None
            if year_end is not None:
                b = year_end
            if not day and has_year:  # "mein Geburtstag zu misst, Lieb zum Dezember 1983": the day misheard
                while i - a < 2 and a >= 1 and a - 1 not in ctx.taken and _garbled_day_word(toks[a - 1], lang) \
                        and any(j < a - 1 and a - 1 - j <= 4 for _c, j in birth_cue_at):
                    a -= 1
            if not day and not has_year:
                continue
            if t.w in lx.AMBIGUOUS_MONTHS and not (day or has_year):
                continue
            found.append((a, b, has_year))
            continue
        # "dritter dritter achtzig", "3. 3. 1980"
        d = ordinal(t.raw, lang) if t.num is None or t.raw.strip().endswith(".") else None
        if d is not None and 1 <= d <= 31 and i + 1 < len(toks):
            mo = ordinal(toks[i + 1].raw, lang)
            if mo is not None and 1 <= mo <= 12:
                ye = _year_after(toks, i + 1, lang)
                if ye is not None:
                    found.append((i, ye, True))
                    continue
        # a day ordinal, the month garbled into one or two words (or dropped), a four-digit year:
        # "the 21st of much 1993", "am einundzwanzigsten Mei 1993", "21st 1993."
        if d is None and not t.w.isdigit() and ordinal(t.raw, lang) is not None:
            d = ordinal(t.raw, lang)  # "21st", "3rd"
        if d is not None and 1 <= d <= 31 and not t.end and not any(
                toks[m].w in lx.MONTHS for m in range(i + 1, min(len(toks), i + 4))):
            k = i
            while k - i < 3 and k + 1 < len(toks) and not toks[k].end:
                ye = _year_after(toks, k, lang)
                if ye is not None and _year_of(toks[k + 1]) is not None or ye is not None and ye > k + 1:
                    found.append((i, ye, True))
                    break
                n = toks[k + 1]
                if n.num is not None or _is_breaker(n, lang) or n.w in lx.UNIT_WORDS or k + 1 in ctx.taken \
                        or n.w in lx.NOT_NAMES and n.w not in ("of", "the", "der", "den", "zu"):  # "20. Mieb zu 19 .00."
                    break
                k += 1
    for a, b, has_year in found:
        if not ctx.free(a, b):
            continue
        year = None
        for k in range(a, b + 1):
            m = _DATE_TOKEN.fullmatch(toks[k].w.rstrip("."))
            if m:
                y = m.group(3) or m.group(4)
                year = int(y) + (1900 if len(y) == 2 and int(y) > 30 else 2000 if len(y) == 2 else 0)
            elif _year_of(toks[k]) is not None:
                year = _year_of(toks[k])
        if near_birth(a, b) or (has_year and (year is None or year < 2010)):
            if a >= 1 and _date_article_at(toks, a - 1) and a - 1 not in ctx.taken \
                    and not toks[a - 1].end:
                a -= 1  # "am dritten März", "the fourth of July"
            ctx.add("date", a, b)
    # a year of birth on its own: "geboren neunzehnhundertachtzig", "born in 1980"
    for _i, j in birth_cue_at:
        k = j + 1
        while k < len(toks) and k - j <= 3 and toks[k].w in ("im", "in", "am", "jahr", "the", "year", "anno"):
            k += 1
        if k < len(toks) and k not in ctx.taken:
            ye = _year_after(toks, k - 1, lang)
            if ye is not None:
                ctx.add("date", k, ye)


def _garbled_day_word(t: _Tok, lang: str) -> bool:
    """A word that may be the misheard day before a month: no number, no sentence end or comma
    after it (the clause before), no copula or sentence-level word."""
    return t.num is None and not t.end and not t.comma and t.w not in lx.COPULAS and not _is_breaker(t, lang)


def _year_after(toks: list[_Tok], b: int, lang: str) -> int | None:
    """Last word of a year spoken right after word ``b`` ("neunzehnhundertachtzig", "nineteen
    eighty two", "1980", "'80"), or None."""
    k = b + 1
    if k < len(toks) and toks[b].end:
        return None
    k0 = k
    texts = []
    while k < len(toks) and k - k0 < 4 and toks[k].num is not None:
        texts.append(toks[k].raw)
        if toks[k].end or toks[k].comma and k > k0:
            break
        k += 1
    if not texts:
        return None
    for n in range(len(texts), 0, -1):
        rs = runs(texts[:n], language=lang)
        if len(rs) == 1 and rs[0].first == 0 and rs[0].last == n - 1:
            v = rs[0].digits
            if v.isdigit() and (len(v) == 4 and 1800 <= int(v) <= 2099 or len(v) == 2 and n == 1):  # 18..: "neunzehn-" misheard
                if len(v) == 2 and k0 + 1 < len(toks) and toks[k0 + 1].w in lx.UNIT_WORDS:
                    return None  # "am 21. Mai 19 Uhr": a time, "20 Stück": a count
                return _split_year_end(toks, k0 + n - 1, int(v))
    return None


def _split_year_end(toks: list[_Tok], e: int, value: int) -> int:
    """The year the recogniser wrote in two pieces: "19 .155." or "1900 dreiundneunzig" for
    "neunzehnhundert..." (a "19"/"20" or a full hundred, then the rest as a number of its own):
    the rest belongs to the year."""
    if value not in (19, 20, 1900, 2000) or e + 1 >= len(toks) or toks[e].end or toks[e].comma and value >= 100:
        return e
    if value in (19, 20) and toks[e + 1].w in ZERO_LETTERS and not toks[e + 1].end and e + 2 < len(toks):
        n = toks[e + 2].num  # "twenty oh one": 2001
        return e + 2 if n is not None and n.value is not None and 1 <= n.value <= 9 and n.kind != "decimal" else e
    n = toks[e + 1].num
    if n is None or n.value is None or n.kind == "decimal" or not 0 <= n.value < 1000 \
            or value >= 100 and n.value >= 100:
        return e
    return e + 1


def _house_number(toks: list[_Tok], k: int, lang: str) -> int | None:
    """Last word of a house number starting at word ``k`` ("12", "zwölf", "12a", "fünf b")."""
    if k >= len(toks):
        return None
    t = toks[k]
    if re.fullmatch(r"\d{1,4}[a-z]?", t.w):
        last = k
    elif t.num is not None and t.num.value is not None and 0 < t.num.value < 10000 and t.num.kind != "decimal":
        last = k
        if (lang != "de" and t.num.kind == "tens" and k + 1 < len(toks) and (nx := toks[k + 1].num) is not None
                and nx.kind == "unit" and not t.comma):
            last = k + 1
    else:
        return None
    if (last + 1 < len(toks) and not toks[last].comma and not toks[last].end and toks[last + 1].letter
            and len(toks[last + 1].w) == 1):
        last += 1
    return last


#: how a German house number of 21-199 starts ("einundvierzig", "einhundertzehn") when the
#: recogniser splits it into words
_GARBLED_HOUSE_NUMBER_HEADS = frozenset({"ein", "eine", "einen", "einem", "einer"})


def _garbled_house_number(toks: list[_Tok], k: int) -> int | None:
    """Last word of a German house number the recogniser split into ordinary words right after
    the street ("Bergstraße ein und wirt sich, 0, 1, 8" for einundvierzig, "Hauptstrasse ein von
    der Zähn." for einhundertzehn): from an "ein" at word ``k`` to the end of its clause (a comma or
    a sentence end), at most four words and none of them a number; else None."""
    if k >= len(toks) or toks[k].w not in _GARBLED_HOUSE_NUMBER_HEADS:
        return None
    for m in range(k, min(k + 4, len(toks))):
        if m > k and _numeric(toks[m]):
            return None
        if toks[m].end or toks[m].comma:
            return m
    return None


#: German street suffixes long enough to be recognised one letter off ("Kirchtasse")
_FUZZY_STREET_SUFFIXES = ("straße", "strasse", "gasse", "allee", "platz")
_NOT_FUZZY_STREETS = ("klasse", "kasse", "masse", "rasse", "adresse", "presse")


def _garbled_street(w: str, *, strict: bool = True) -> bool:
    """A word ending one letter off a German street suffix, at least three letters before it
    (``strict``: none of the everyday words that do, such as "Krankenkasse", "Adresse")."""
    if strict and any(w.endswith(x) for x in _NOT_FUZZY_STREETS) or w.endswith("adresse"):
        return False
    if strict:
        return any(len(w) > len(sfx) + 2 and _edits(w[-len(sfx):], sfx) <= 1 for sfx in _FUZZY_STREET_SUFFIXES)
    # with a house number and a postcode after it: any street suffix, a letter more or less
    # ("Mürnweck" for Mühlenweg, "Lindhalle" for Lindenallee)
    return any(len(w) > len(sfx) + 2 and any(_edits(w[-n:], sfx) <= 1 for n in (len(sfx) - 1, len(sfx), len(sfx) + 1))
               for sfx in _FUZZY_STREET_SUFFIXES + ("weg", "ring", "damm"))


#: English street words that are hardly anything else after a house number and a name
_EN_SURE_STREETS = ("street", "road", "lane", "avenue", "crescent", "terrace", "gardens", "boulevard", "mews")


def _is_house_number_before(toks: list[_Tok], i: int) -> bool:
    """Word ``i - 1`` is a house number (1-4 digits or a number word below 1000, not a time or
    an amount) in the sentence of word ``i``."""
    t = toks[i - 1]
    if t.end:
        return False
    if re.fullmatch(r"\d{1,4}[a-z]?", t.w):
        return True
    return t.num is not None and t.num.value is not None and 0 < t.num.value < 1000 and t.num.kind != "decimal"


def _street_name_before(ctx: _Ctx, i: int) -> int | None:
    """First word of a street name written in lower case before the street word ``i`` ("36
    station road", "43 mil road"), when a house number comes right before the name (one or two
    words, none of them a function word, a unit or a sentence end): else None."""
    toks = ctx.toks
    for n in (1, 2):
        a = i - n
        if a < 1:
            return None
        name = toks[a:i]
        if any(x.num is not None or x.end or x.w in lx.NOT_NAMES or x.w in lx.UNIT_WORDS or _is_breaker(x, ctx.lang)
               or not x.w.isalpha() or (x.comma and k < n - 1) for k, x in enumerate(name)):
            return None
        if any(k in ctx.taken for k in range(a - 1, i + 1)):
            return None
        if _is_house_number_before(toks, a):
            return a
    return None


def _addresses(ctx: _Ctx, cues: list[tuple[str, int, int]]) -> None:
    toks = ctx.toks
    lang = ctx.lang
    address_cue_ends = [j for kind, i, j in cues if kind == "address"]

    def cued(i: int) -> bool:
        return any(0 <= i - j <= 8 and not any(toks[m].end for m in range(j, i)) for j in address_cue_ends)

    i = 0
    while i < len(toks):
        t = toks[i]
        if i in ctx.taken:
            i += 1
            continue
        start = None
        street_end = i
        w = t.w
        if (lang == "de" or lang not in ("de", "en")) and t.num is None and w not in lx.NOT_STREETS and any(
                w.endswith(s) and len(w) > len(s) + 2 for s in lx.DE_STREET_SUFFIXES) and t.cap:
            start = i
        elif (lang == "de" and t.cap and t.num is None and w not in lx.NOT_STREETS and not t.end
              and _garbled_street(w) and _house_number(toks, i + 1, lang) is not None):
            start = i  # "Kirchtasse 20" (Kirchgasse): a near street word with a house number
        elif (lang == "de" and t.num is None and w not in lx.NOT_STREETS and not t.end and w.isalpha()
              and (_garbled_street(w, strict=False) or any(w.endswith(x) and len(w) > len(x) + 2 for x in lx.DE_STREET_SUFFIXES))
              and (h := _house_number(toks, i + 1, lang)) is not None
              and (_postcode_digits_after(ctx, h + 1) or t.cap and cued(i) or cued(i) and any(
                  w.endswith(x) for x in ("straße", "strasse", "gasse", "allee", "platz")))):
            start = i  # "Kirchkasse, 12, 305, 59, Hannover": a street word, house number and postcode
        elif (lang == "de" and w in ("weg", "straße", "strasse", "gasse", "allee") and i >= 1 and toks[i - 1].num is None
              and not toks[i - 1].cap and toks[i - 1].w.isalpha() and len(toks[i - 1].w) >= 4 and not toks[i - 1].end
              and not toks[i - 1].comma and toks[i - 1].w not in lx.NOT_NAMES and not _is_breaker(toks[i - 1], lang)
              and (h := _house_number(toks, i + 1, lang)) is not None and _postcode_digits_after(ctx, h + 1)):
            start = i - 1  # "in der rosen Weg 94, 7 0 0 8 6": the name in lower case, number and postcode after
        elif (lang == "de" and t.cap and t.num is None and w.isalpha() and len(w) >= 6 and not t.end and not t.comma
              and w not in lx.NOT_NAMES and w not in lx.NOT_STREETS and not _is_breaker(t, lang) and not _city(t)
              and (h := _house_number(toks, i + 1, lang)) is not None
              and (pe := _postcode_digits_end(ctx, h + 1)) is not None and _city_within(ctx, pe + 1, 1)):
            start = i  # "Mührenmeck 89, 28, 23, 9, Bremen": a garbled street between a number run and a city
        elif w in lx.DE_STREET_WORDS and i >= 1 and toks[i - 1].cap and toks[i - 1].num is None \
                and not toks[i - 1].comma and (lang == "de" or w in ("straße", "strasse")):
            start = i - 1
            if i >= 2 and toks[i - 2].cap and toks[i - 2].num is None and not toks[i - 2].comma \
                    and toks[i - 2].w not in lx.NOT_NAMES and not toks[i - 2].end:
                start = i - 2
        elif lang != "de" and w in lx.EN_STREET_WORDS and i >= 1 and toks[i - 1].cap and toks[i - 1].num is None \
                and toks[i - 1].w not in lx.NOT_NAMES and not toks[i - 1].comma:
            start = i - 1
            if i >= 2 and toks[i - 2].cap and toks[i - 2].num is None and toks[i - 2].w not in lx.NOT_NAMES \
                    and not toks[i - 2].comma and not toks[i - 2].end:
                start = i - 2
        elif lang != "de" and i >= 2 and (w in _EN_SURE_STREETS and _street_name_before(ctx, i) is not None):
            start = _street_name_before(ctx, i)  # "36 station road": lower case after a house number
        elif lang != "de" and t.num is None and any(w.endswith(x) and len(w) >= len(x) + 3 for x in _EN_SURE_STREETS) \
                and w not in lx.NOT_STREETS and (cued(i) or i >= 1 and _is_house_number_before(toks, i)):
            start = i  # "62, Parklane": the street written as one word
        if start is None:
            i += 1
            continue
        # house number: after the street (German), or before it (English)
        last = None
        if not toks[street_end].end:
            last = _house_number(toks, street_end + 1, lang)
            if last is None and lang == "de" and start == i and not toks[street_end].comma:
                last = _garbled_house_number(toks, street_end + 1)
        first = start
        if lang != "de" and start >= 1:
            k = start - 1
            while k >= 0 and start - k <= 4 and not toks[k].end and (
                    re.fullmatch(r"\d{1,4}[a-z]?", toks[k].w) or (nk := toks[k].num) is not None and (
                        nk.kind in ("and", "multiplier") or nk.value is not None
                        and 0 <= nk.value < 10000)):
                if (nk := toks[k].num) is None or nk.kind not in ("and",):
                    first = k
                k -= 1
        unambiguous = w in ("street", "road", "lane", "avenue", "crescent", "terrace", "gardens", "boulevard",
                            "mews") or lang == "de" and start == i
        if last is None and first == start and not (cued(start) or unambiguous):
            i += 1
            continue
        end = last if last is not None else street_end
        if not ctx.free(first, end):
            i = end + 1
            continue
        ctx.add("address", first, end)
        _postcode_after(ctx, end + 1)
        i = end + 1


def _postcode_digits_after(ctx: _Ctx, k: int) -> bool:
    """Four or five dictated digits (a German postcode) start at word ``k`` or the word after."""
    return _postcode_digits_end(ctx, k) is not None


def _postcode_digits_end(ctx: _Ctx, k: int) -> int | None:
    """Last word of four or five dictated digits (a German postcode) that start at word ``k`` or
    the word after, or None."""
    toks = ctx.toks
    for s in (k, k + 1):
        if s >= len(toks) or toks[s].num is None:
            continue
        e = s
        while e + 1 < len(toks) and toks[e + 1].num is not None and not toks[e].end and e - s < 5:
            e += 1
        digits, _ = _digits_of(toks, s, e, ctx.lang)
        ok = len(digits) in (4, 5) and not (e + 1 < len(toks) and toks[e + 1].w in lx.UNIT_WORDS)
        return e if ok else None
    return None


def _postcode_after(ctx: _Ctx, k: int) -> None:
    """A postcode within three words after an address ("..., 20145 Hamburg", "zwei null eins vier fünf")."""
    toks = ctx.toks
    for s in range(k, min(len(toks), k + 3)):
        if s in ctx.taken:
            return
        if toks[s].num is not None or _UK_OUTWARD.fullmatch(toks[s].w):
            break
        if toks[s].w not in ("in", "und", "and", "", "-") and not toks[s].cap:
            return
    else:
        return
    if _UK_OUTWARD.fullmatch(toks[s].w) and s + 1 < len(toks) and _UK_INWARD.fullmatch(toks[s + 1].w):
        ctx.add("postcode", s, s + 1)
        return
    e = s
    while e + 1 < len(toks) and toks[e + 1].num is not None and not toks[e].end and e - s < 6:
        e += 1
    digits, _ = _digits_of(toks, s, e, ctx.lang)
    while len(digits) > 5 and e > s:
        e -= 1
        digits, _ = _digits_of(toks, s, e, ctx.lang)
    if len(digits) in (4, 5) and ctx.free(s, e):
        ctx.add("postcode", s, e)


def _value_end(ctx: _Ctx, v: int, kind: str, max_words: int) -> int | None:
    """Last word of the value after a cue (starting at ``v``), or None when there is none."""
    toks = ctx.toks
    lang = ctx.lang
    numeric_kind = kind in ("iban", "card", "phone", "number", "postcode")
    last_good = None
    gap = 0
    k = v
    while k < len(toks) and k - v < max_words:
        t = toks[k]
        if k in ctx.taken:
            break
        if _is_breaker(t, lang) and not (kind == "email" and t.w in lx.AT_WORDS):
            break
        if numeric_kind and t.w in lx.UNIT_WORDS:
            amount = toks[k - 1].num if last_good is not None and last_good == k - 1 and last_good > v else None
            if amount is not None and amount.value is not None and amount.value < 1000:
                last_good -= 1  # "123 456. Zwei Euro": the number before a unit is an amount
                while last_good >= v and not (_numeric(toks[last_good]) or toks[last_good].letter is not None):
                    last_good -= 1
                if last_good < v:
                    last_good = None
            break
        if numeric_kind:
            if gap and _numeric(t) and last_good is not None and _sentence_goes_on(ctx, last_good, k):
                break  # "718898617, the laser 500 was not printed": a number of the next sentence
            if _numeric(t) or t.letter is not None or (t.w in ("plus",) and k == v) \
                    or t.w in ZERO_LETTERS and last_good == k - 1 and not toks[k - 1].comma \
                    or last_good == k - 1 and not toks[k - 1].comma and _garbled_digit(t.w, lang):  # "nine four oh,", "null Näun"
                last_good = k
                gap = 0
            elif t.num is not None and t.num.kind == "and":
                pass
            else:
                gap += 1
                if gap > 2:
                    break
        else:
            last_good = k
        if t.end:
            break
        if kind == "birth" and _year_of(t) is not None and t.raw.rstrip().endswith("."):
            break  # "1982. Die Lieferung ...": a German ordinal dot never follows a year, it ends the date
        if kind == "email" and (t.w.lstrip(".") in lx.TLDS and k > v + 1):
            break
        k += 1
    return last_good


def _cue_windows(ctx: _Ctx, cues: list[tuple[str, int, int]]) -> None:
    toks = ctx.toks
    cfg = ctx.cfg
    for kind, i, j in cues:
        if toks[j].end:
            if kind == "email":
                _email_after_pause(ctx, j)
            continue
        v = _skip_copulas(toks, j + 1)
        if v >= len(toks) or v in ctx.taken:
            continue
        if kind == "birth":
            while v + 1 < len(toks) and toks[v].w in ("bin", "ich", "wurde", "sind", "wir", "i", "was", "were", "we") \
                    and not toks[v].end:
                v += 1  # "Geboren bin ich am ...", "born I was on ..."
        if kind == "address":
            if not _address_window(ctx, v) and not _address_head(ctx, v):
                _clause_value(ctx, v, "address")
            continue
        if kind == "email":
            _email_cue_value(ctx, v, verb=toks[i].w in _EMAIL_VERBS)
            continue
        e = _value_end(ctx, v, kind, 28)
        if e is None:
            _clause_value(ctx, v, kind)
            continue
        if kind == "birth":
            e = _date_before_sentence(ctx, v, e)
        whole = False
        if kind == "postcode" and ctx.lang != "de":
            e = _uk_inward_after(ctx, e)
            for k in range(v, e):  # a whole UK postcode ends the value ("LS6. 1FN, the radar 500")
                if _UK_OUTWARD.fullmatch(toks[k].w.strip(".,")) and _UK_INWARD.fullmatch(toks[k + 1].w.strip(".,")):
                    e = k + 1
                    whole = True
                    break
        # the value starts at the first number-bearing word unless garbage sits between cue and digits
        digits, compact = _digits_of(toks, v, e, ctx.lang)
        if kind == "iban":
            ok = len(digits) >= 8 or _iban_in(compact)
        elif kind == "card":
            ok = len(digits) >= 8
        elif kind == "postcode":
            ok = 3 <= len(digits) <= 8 or bool(_UK_OUTWARD.fullmatch(toks[v].w)) or (
                4 <= len(compact) <= 8 and any(ch.isdigit() for ch in compact) and any(ch.isalpha() for ch in compact))
        elif kind == "phone":
            ok = len(digits) >= cfg.min_digits
        elif kind == "birth":
            ok = len(digits) >= 2
            kind = "date"
        else:
            ok = len(digits) >= cfg.min_digits_cued or (len(compact) >= 4 and len(digits) >= 2)
        if not ok or not ctx.free(v, e):
            if kind in ("postcode", "date"):  # a number too short for the others is left to the run detector
                _clause_value(ctx, v, "birth" if kind == "date" else kind)
            continue
        # a short tail with a number after the value, before the clause ends, is part of it ("578654, 6.")
        c = None if whole else _clause_end(ctx, v, CLAUSE_MAX_WORDS)
        if c is not None and e < c <= e + 3 and any(_numeric(toks[k]) for k in range(e + 1, c + 1)) and ctx.free(e + 1, c) \
                and not any(toks[k].w in lx.UNIT_WORDS or _numeric(toks[k]) and _sentence_goes_on(ctx, e, k)
                            for k in range(e + 1, c + 1)):
            e = c
        ctx.add(kind if kind == "date" else _classify(digits, compact, kind), v, e)


#: e-mail cues that are a verb ("Schreiben Sie mir an", "write to me at"): said of letters too, so
#: only an address with an e-mail word (:func:`_email_window`) is read after them
_EMAIL_VERBS = frozenset({"schreiben", "mailen", "write"})


def _email_cue_value(ctx: _Ctx, v: int, *, verb: bool = False) -> None:
    """The e-mail address read after an e-mail cue, from word ``v`` on (after a ``verb`` cue only
    one with an e-mail word)."""
    toks = ctx.toks
    while v < len(toks) and (toks[v].w in ("me", "mir", "an", "to", "us", "uns", "at", "under", "unter", "address",
                                           "addresses", "adresse", "adress", "is", "ist")
                             or toks[v].raw.startswith("-") and toks[v].w.endswith(("ist", "is", "adresse"))) \
            and not toks[v].end:
        v += 1  # "-Abersist,": the rest of "E-Mail-Adresse ist" glued into one word
    if v >= len(toks) or v in ctx.taken or toks[v].w in lx.EMAIL_STATE_WORDS and toks[v].end:
        return  # "Meine E-Mail ist kaputt.": the mailbox, not its address
    e = _value_end(ctx, v, "email", 14)
    w = _email_window(ctx, v)
    if w is not None:
        e = w
    elif verb or toks[v].w in lx.EMAIL_STATE_WORDS:
        return  # "Meine E-Mail ist kaputt": the mailbox, not its address
    if e is not None and ctx.free(v, e):
        ctx.add("email", v, e)
    else:
        _clause_value(ctx, v, "email")


def _date_before_sentence(ctx: _Ctx, v: int, e: int) -> int:
    """The end of a date of birth read from ``v`` to ``e`` before a number said in a sentence
    after it ("1 .1 .1973. Wer reinge 500 Ruckt, mein Dreitagen": the recogniser keeps the dots
    of a date, so no sentence end stops the read): its last number or month before that one."""
    toks = ctx.toks
    for m in range(v + 2, e + 1):
        t = toks[m - 1]
        before = max((n for n in range(v, m) if _numeric(toks[n])), default=v - 1)  # the date's last number
        if _numeric(toks[m]) and not _numeric(t) and t.w not in lx.MONTHS and _sentence_goes_on(ctx, before, m):
            last = m - 1
            while last > v and not (_numeric(toks[last]) or toks[last].w in lx.MONTHS):
                last -= 1
            return last
    return e


def _email_after_pause(ctx: _Ctx, j: int) -> None:
    """The e-mail address after a cue that ends a sentence at word ``j`` ("Schreiben Sie mir an.
    Thomas punkt Schulz at ...": the recogniser ends one at the pause after the cue), when the
    e-mail window finds one within the turn."""
    if j in ctx.breaks or j + 1 >= len(ctx.toks) or j + 1 in ctx.taken:
        return
    w = _email_window(ctx, j + 1)
    if w is not None and ctx.free(j + 1, w):
        ctx.add("email", j + 1, w)


def _spelled_country_ibans(ctx: _Ctx) -> None:
    """An IBAN's country code spelled as two letters ("D -E -5 -3 -5 -0, Nieb -Zich -1 ..."), then
    digits: an IBAN read like a value after its cue (garbled words between the digit groups
    included, :func:`_value_end`), even when the cue was lost ("Mein Liebernis,") and the
    recogniser kept too few digits for the number detectors."""
    toks = ctx.toks
    for i in range(len(toks) - 2):
        a, b = toks[i], toks[i + 1]
        if a.letter is None or b.letter is None or len(a.w.strip("-.")) != 1 or len(b.w.strip("-.")) != 1 \
                or (a.letter + b.letter).upper() not in IBAN_LENGTHS or not a.raw.strip("-.,")[:1].isupper():
            continue
        if not ctx.free(i, i + 2) or a.end and not _spelled_letter(a) or b.end or toks[i + 2].num is None:
            continue
        e = _value_end(ctx, i + 2, "iban", 28)
        if e is None:
            continue
        digits, _ = _digits_of(toks, i + 2, e, ctx.lang)
        if len(digits) >= 4 and ctx.free(i, e):
            ctx.add("iban", i, e)


def _uk_inward_after(ctx: _Ctx, e: int) -> int:
    """A UK postcode's inward half that the value reader stopped before: the recogniser writes
    "EC2. 4 .netb." or "EC2. Six YF." for "EC2 4NB", "EC2 6YF" — after a digit, one short word of
    letters that ends the sentence."""
    toks = ctx.toks
    if e + 1 >= len(toks) or not _numeric(toks[e]) or toks[e].end or not ctx.free(e + 1, e + 1):
        return e
    n = toks[e + 1]
    w = n.w.strip(".")
    if (n.end or n.comma and re.fullmatch(r"[A-Z]{2}", n.raw.strip(",;"))) and n.num is None \
            and not _is_breaker(n, ctx.lang) and w not in lx.NOT_NAMES and re.fullmatch(r"[a-z]{1,4}", w):
        return e + 1  # ... or two capitals before a comma ("L -S -6 Two NS,")
    return e


#: a clause after a strong cue this long at most is taken whole as the (garbled) value, words
CLAUSE_MAX_WORDS = 10


def _clause_end(ctx: _Ctx, v: int, limit: int, *, comma: bool = False) -> int | None:
    """Last word of the clause starting at ``v`` (up to a sentence end — or a comma with ``comma``
    —, a taken word, or a sentence-level word such as "ich", "and"), None when there is none
    within ``limit`` words. Dictated groups are separated by commas, so only addresses stop there."""
    toks = ctx.toks
    last = None
    for k in range(v, min(len(toks), v + limit)):
        t = toks[k]
        if k in ctx.taken or _is_breaker(t, ctx.lang) and t.w not in lx.AT_WORDS:
            return last
        last = k
        if t.end or comma and t.comma:
            return k
    return last if last is not None and (last + 1 >= len(toks) or toks[last].end) else None


def _clause_value(ctx: _Ctx, v: int, kind: str) -> None:
    """After a strong cue whose value the detectors could not read ("Meine Postleitzahl ist www
    .6UU.", "The delivery address is 13 green In rain,"): the rest of the clause is the value when
    it carries what such a value has — digits (numbers, postcodes, dates), a house number
    (addresses), an "at"/"dot"/domain word (e-mail). The recogniser's garbling of a dictation
    is still the caller's data."""
    toks = ctx.toks
    e = _clause_end(ctx, v, CLAUSE_MAX_WORDS, comma=kind == "address")
    if e is None or e < v or not ctx.free(v, e):
        return
    ws = toks[v:e + 1]
    digits, compact = _digits_of(toks, v, e, ctx.lang)
    has_digit = any(_numeric(t) for t in ws)
    if kind == "email":
        ok = any(t.w.lstrip(".") in lx.TLDS and (t.raw.startswith(".") or k > 0 and ws[k - 1].w in lx.DOT_WORDS)
                 or t.w in lx.AT_WORDS or t.w in lx.MAIL_PROVIDERS or "@" in t.raw for k, t in enumerate(ws))
    elif kind == "address":  # a house number, not an amount or a time ("in Hamburg seit 20 Jahren")
        ok = len(ws) >= 2 and any(
            _numeric(toks[k]) and not (k + 1 < len(toks) and toks[k + 1].w in lx.UNIT_WORDS) for k in range(v, e + 1))
    elif kind == "postcode":
        ok = has_digit
    elif kind == "birth":
        ok = len(digits) >= 2
        kind = "date"
    else:
        ok = len(digits) >= ctx.cfg.min_digits_cued
    if not ok:
        return
    ctx.add(kind if kind in ("date", "email", "address", "postcode") else _classify(digits, compact, kind), v, e)
    if kind == "address":
        _postcode_after(ctx, e + 1)  # "Mürnmeck 20, 3 ,044,": an unknown street, then its postcode


#: the most words between an address cue and an address already read that :func:`_address_head` joins
ADDRESS_HEAD_WORDS = 2


def _address_head(ctx: _Ctx, v: int) -> bool:
    """An address read from its street word on starts up to two words after the cue's value
    start ``v``: those words are the street name's first part ("Die Lieferadresse ist merkst
    Wasser 54,": "Merkurstraße" heard as two words, the second read as a street)."""
    toks = ctx.toks
    for c in ctx.cands:
        if c.kind != "address" or not v < c.first <= v + ADDRESS_HEAD_WORDS or not ctx.free(v, c.first - 1):
            continue
        if any(toks[k].end or toks[k].comma or _numeric(toks[k]) or _is_breaker(toks[k], ctx.lang)
               or toks[k].w in lx.COPULAS or toks[k].w in lx.NOT_NAMES for k in range(v, c.first)):
            return False
        ctx.taken.update(range(v, c.first))
        c.first = v
        return True
    return False


def _address_window(ctx: _Ctx, v: int) -> bool:
    """After "my address is", "ich wohne in": a house number and/or a street word within six words
    (lower case too: the recogniser writes "120 stations road")."""
    toks = ctx.toks
    lang = ctx.lang
    streetish = lx.EN_STREET_WORDS | lx.DE_STREET_WORDS
    last = None
    has_number = has_street = False
    for k in range(v, min(len(toks), v + 7)):
        t = toks[k]
        hundred_and = t.w in ("and", "und") and has_number and k + 1 < len(toks) and toks[k + 1].num is not None
        if k in ctx.taken or _is_breaker(t, lang) and not hundred_and:  # "100 and 9 Baker Street"
            break
        if t.num is not None and t.num.kind != "decimal" or has_street and last == k - 1 and t.w in ("ein", "eins") \
                and (t.comma or t.end):  # "müren Weg ein,": the house number "eins" cut short
            if t.num is not None and t.num.value is not None and t.num.value >= 10000:
                break
            has_number = True
            last = k
        elif t.w in streetish or any(t.w.endswith(x) and len(t.w) > len(x) + 2 for x in lx.DE_STREET_SUFFIXES):
            has_street = True
            last = k
        if t.end or (t.comma and (has_number or has_street)):
            break
    if last is not None and has_number and has_street and ctx.free(v, last):
        while v < last and toks[v].w in ("in", "der", "die", "dem", "im", "am", "an", "at", "on", "the"):
            v += 1
        ctx.add("address", v, last)
        _postcode_after(ctx, last + 1)
        return True
    return False


def _iban_in(compact: str) -> bool:
    m = re.search(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact)
    return bool(m and iban_valid(m.group(0)))


def _classify(digits: str, compact: str, cue: str | None) -> str:
    """The type of a dictated number from its digits, letters and the cue before it."""
    n = len(digits)
    if _iban_in(compact) or cue == "iban":
        return "iban"
    if cue == "card" or (13 <= n <= 19 and not digits.startswith("0") and luhn_valid(digits)):
        return "card"
    if cue == "phone" or (digits.startswith(("0", "+")) and 7 <= n <= 15 and not digits.startswith("00000")):
        return "phone"
    if cue == "postcode":
        return "postcode"
    return "number"


def _spelled_letter(t: _Tok) -> bool:
    """A single capital letter with a full stop ("D."): a spelled letter, not a sentence end."""
    return bool(re.fullmatch(r"-?[A-ZÄÖÜ]\.", t.raw.strip()))


def _never_an_amount(digits: str, written: int) -> bool:
    """A number no price, time or count is: written with a leading zero ("07273084"), or 9+ digits."""
    return len(digits) >= 9 or written > 0 and len(digits) >= 5 and digits.startswith("0")


def _number_runs(ctx: _Ctx) -> None:
    """Dictated numbers without a cue: long enough, and not an amount, time, count or model."""
    toks = ctx.toks
    cfg = ctx.cfg
    texts = [("§" if i in ctx.taken else t.raw) for i, t in enumerate(toks)]
    for r in runs(texts, language=ctx.lang, max_gap=1):
        a, b = r.first, r.last
        if any(_DATE_TOKEN.fullmatch(toks[k].w.rstrip(".")) for k in range(a, b + 1)):
            continue
        if r.decimal:
            continue
        nd = r.n_digits
        # letters right before the digits: IBAN country code, reference prefixes ("D E 89 ...", "AB 12 ...")
        s = a
        while s - 1 >= 0 and s - 1 not in ctx.taken and (toks[s - 1].letter is not None and len(toks[s - 1].w) <= 2
                                                       or _CAPS_TOKEN.fullmatch(toks[s - 1].raw.strip(",.")) and len(toks[s - 1].w) == 2) \
                and (not toks[s - 1].end or _spelled_letter(toks[s - 1])) and a - s < 3:
            s -= 1
        digits, compact = _digits_of(toks, s, b, ctx.lang)
        if nd < cfg.min_digits and not _iban_in(compact) and not (nd >= 3 and _date_digits(ctx, s, b, r.groups)):
            continue
        one_amount = len(r.groups) == 1 and r.written == 0  # "zwölftausend", "twelve thousand five hundred"
        after = toks[b + 1].w if b + 1 < len(toks) else ""
        before = toks[s - 1].w if s >= 1 else ""
        if (one_amount or after in lx.UNIT_WORDS or before in lx.UNIT_BEFORE) and not _iban_in(compact) \
                and not (13 <= nd <= 19 and luhn_valid(digits)) and not _never_an_amount(digits, r.written):
            continue
        # garbage between a copula and a long number is the garbled start of the number
        if nd >= 8:
            for back in range(1, 5):
                k = s - back
                if k < 0 or k in ctx.taken or toks[k].end or _is_breaker(toks[k], ctx.lang) and toks[k].w not in lx.COPULAS:
                    break
                if toks[k].w in lx.COPULAS or toks[k].raw.endswith(":"):
                    if back > 1:
                        s = k + 1
                    break
        kind = _classify(digits, compact, None)
        if kind in ("number", "postcode") and _date_digits(ctx, s, b, r.groups):
            a = s
            if a >= 2 and (toks[a - 1].cap or toks[a - 1].w.endswith("ten")) and toks[a - 1].num is None \
                    and not _is_breaker(toks[a - 1], ctx.lang) \
                    and _date_article_at(toks, a - 2) and ctx.free(a - 2, a - 1) and not toks[a - 2].end:
                a -= 1  # "am Mittemberg, 199590.": the month garbled into a word
            ctx.add("date", _date_article(ctx, a), b)  # "am 16 .12 .1960", "am 27 .19197 geworden"
            continue
        if s >= 1 and toks[s - 1].w == "plus" and s - 1 not in ctx.taken:
            s -= 1
        if toks[s].w == "plus":
            kind = "phone"  # "plus vier neun ..."
        if kind == "number" and nd == 5 and b + 1 < len(toks) and toks[b + 1].cap and not toks[b].end \
                and toks[b + 1].w not in lx.NOT_NAMES and toks[b + 1].num is None:
            kind = "postcode"  # "20145 Hamburg"
        ctx.add(kind, s, b)


def _name_tokens(ctx: _Ctx, k: int, *, need_cap: bool, first_known: bool = False, limit: int = 3) -> int | None:
    """Last word of a name starting at word ``k`` (up to ``limit`` capitalised words)."""
    toks = ctx.toks
    last = None
    n = 0
    while k < len(toks) and n < limit:
        t = toks[k]
        if k in ctx.taken or t.num is not None or _is_breaker(t, ctx.lang) or not t.w:
            break
        if not re.fullmatch(r"[\w'\-]+", t.w) or t.w in lx.TITLES and n > 0:
            break
        if t.w in lx.NOT_NAMES and not (n > 0 and t.w in ("von", "van", "de", "zu") and k + 1 < len(toks)
                                        and toks[k + 1].cap):
            break
        if need_cap and not t.cap:
            break
        last = k
        n += 1
        if t.comma or t.end and not _initial_within(toks, k, n):
            break
        k += 1
    return last


def _initial_within(toks: list[_Tok], k: int, n: int) -> bool:
    """Word ``k`` is an initial inside a name ("Martin R. Krüger"): one letter with its full stop
    after a first word, a capitalised word that is no everyday word right after it."""
    t = toks[k]
    if n < 2 or not re.fullmatch(r"[A-ZÄÖÜ]\.", t.raw) or k + 1 >= len(toks):
        return False
    nx = toks[k + 1]
    return nx.cap and nx.num is None and nx.w not in lx.NOT_NAMES and nx.letter is None and len(nx.w) >= 3


#: a name the recogniser garbled into everyday words after its cue is read over at most this many words
GARBLED_NAME_WORDS = 4


def _garbled_name_clause(ctx: _Ctx, k: int, *, need_cap_last: bool) -> int | None:
    """Last word of a clause of 2 to :data:`GARBLED_NAME_WORDS` words from word ``k`` that can
    only be a name after a name cue: it ends at a sentence end (or, with ``need_cap_last``, a
    comma too, at a capitalised word that is no everyday word), within one turn, with no number,
    no taken word, no "Namen"; else None."""
    toks = ctx.toks
    for e in range(k, min(len(toks), k + GARBLED_NAME_WORDS)):
        t = toks[e]
        if e in ctx.taken or t.num is not None or not re.fullmatch(r"[\w'\-]+", t.w) or t.w in _NAME_NOUNS \
                or e > k and e - 1 in ctx.breaks:
            return None
        if t.end or need_cap_last and t.comma:
            if e == k or need_cap_last and (not t.cap or t.w in lx.NOT_NAMES or _is_breaker(t, ctx.lang)):
                return None
            return e
        if t.comma:
            return None
    return None


def _glued_first_name(t: _Tok) -> bool:
    """A capitalised word that starts with a known first name of four letters or more and goes on
    for two letters or more ("Klauslun": "Klaus Kuhn" run together), no everyday word."""
    w = t.w
    return t.cap and t.num is None and w.isalpha() and w not in lx.NOT_NAMES and any(
        w.startswith(f) and len(w) >= len(f) + 2 for f in lx.FIRST_NAMES if len(f) >= 4)


#: words that are not a name even between "it is" and "speaking"
_NOT_IN_NAME_FRAME = frozenset("""i you we he she they it me not now who what the a an just still also only
    ich sie wir er es nicht jetzt wer was der die das""".split())

#: words that start what else "läuft auf" is followed by ("läuft auf ein Jahr", "auf nichts hinaus")
_NOT_OWNERS = frozenset("ein eine einen einem einer nichts das den dem die der a an the nothing".split())

#: the word "name" itself ("läuft auf meinen Namen"): what a name cue's value never ends in
_NAME_NOUNS = frozenset({"namen", "name"})

#: "the account is in the name of ...": whose an account or contract is
_OWNER_CUES = frozenset({"läuft auf", "lautet auf", "in the name of"})


#: the telephone's self-introductions, after which two capitalised words ending the sentence are a name
_PHONE_INTROS = frozenset({"this is", "hier ist", "here is", "it's", "it is"})
#: ... unless the second word names a company or a team ("this is Microsoft Support")
_COMPANY_WORDS = frozenset("""support service services team helpdesk hotline bank company limited ltd inc plc gmbh ag
    kundenservice kundendienst service-team zentrale""".split())


def _names(ctx: _Ctx) -> None:  # noqa: C901 (one pass over the name cues; split in the privacy integration)
    toks = ctx.toks
    lang = ctx.lang
    # "It is clear right, speaking." (the recogniser's garbling of "It is Claire Wright speaking"):
    # between "it is"/"this is"/"hier ist" and "speaking"/"am Apparat" the words are a name, in
    # any case
    for i in range(2, len(toks)):
        if not (toks[i].w == "speaking" or toks[i].w == "am" and i + 1 < len(toks) and toks[i + 1].w == "apparat"):
            continue
        for width in (1, 2, 3):
            fs, fe = i - width, i - 1
            if fs < 2 or not (toks[fs - 1].w in ("is", "ist") and toks[fs - 2].w in ("it", "this", "hier", "here")
                              or toks[fs - 1].w in ("it's", "this's")):
                continue
            if ctx.free(fs, fe) and all(t.num is None and re.fullmatch(r"[\w'\-]+", t.w) and t.w not in _NOT_IN_NAME_FRAME
                                        for t in toks[fs:fe + 1]) and not any(t.end for t in toks[fs - 2:fe + 1]):
                ctx.add("name", fs, fe, self_name=True)
            break
    intros = lx.NAME_INTRO.get(lang, lx.NAME_INTRO["en"])
    strong = {"mein name ist", "mein name", "ich heiße", "ich heisse", "hier spricht", "sie sprechen mit",
              "name ist", "name lautet", "mein nachname ist", "mein vorname ist", "nachname ist", "vorname ist",
              "my name is", "my name's", "the name is", "you're speaking with", "you are speaking with",
              "my surname is", "my last name is", "my first name is", "surname is", "auf den namen",
              "under the name", "am apparat ist", "you're talking to"}
    for i in range(len(toks)):
        best = None
        for phrase, is_self in intros:
            j = _match_phrase(toks, i, phrase, "en")  # exact words only
            if j is not None and (best is None or len(phrase) > len(best[0])):
                best = (phrase, is_self, j)
        if best is None and lang == "de" and toks[i].w.endswith("läuft") and i + 1 < len(toks) and toks[i + 1].w == "auf":
            best = ("läuft auf", False, i + 1)  # "Das kommt unläuft auf, Monica Hoffmann.": the cue garbled
        if best is None:
            continue
        phrase, is_self, j = best
        if toks[j].end:
            continue
        k = j + 1
        while k < len(toks) and toks[k].w in ("der", "die", "the", "äh", "ähm", "uh", "um", "also", "frau", "herr",
                                              "mr", "mrs", "ms"):
            k += 1
        if k >= len(toks) or k in ctx.taken:
            continue
        if phrase in _OWNER_CUES:
            # "Das Konto läuft auf, Monica Hoffmann.": the name ends the sentence (not "läuft auf
            # Windows und ..."), at most three words, not a word of the everyday lists, no article
            # before it ("läuft auf der Straße")
            if any(toks[m].w in ("der", "die", "the") for m in range(j + 1, k)) and phrase != "in the name of":
                continue
            e = _name_tokens(ctx, k, need_cap=False)
            known = e is not None and e > k and toks[k].w in lx.FIRST_NAMES and all(toks[m].cap for m in range(k, e + 1))
            if e is not None and (toks[e].end or known and toks[e].comma) \
                    and all(toks[m].w not in lx.NOT_NAMES for m in range(k, e + 1)) \
                    and toks[e].w not in _NAME_NOUNS and toks[k].w not in _NOT_OWNERS:
                ctx.add("name", k, e)  # up to a comma only after a known first name ("Martin R. Krüger,")
            elif e == k and toks[j].comma and k == j + 1 and toks[k].comma and _glued_first_name(toks[k]):
                ctx.add("name", k, k)  # "läuft auf, Klauslun,": first and last name run into one word
            elif toks[j].comma and k == j + 1 and not _is_breaker(toks[k], lang) and toks[k].w not in _NOT_OWNERS:
                # "läuft auf, mich heil neu man.": after the pause the recogniser marked, the name
                # garbled into everyday words up to the sentence end
                e = _garbled_name_clause(ctx, k, need_cap_last=False)
                if e is None:  # "läuft auf, meine Dichter, können": up to a comma at a capitalised word
                    e = _garbled_name_clause(ctx, k, need_cap_last=True)
                if e is not None:
                    ctx.add("name", k, e)
            continue
        if phrase in strong:
            e = _name_tokens(ctx, k, need_cap=False)
            if e is None:
                # "Hier spricht, so meine Vogel,", "Ich heiße an Wererschulds,": the first name
                # garbled into an everyday word, the clause ending in a capitalised one
                e = _garbled_name_clause(ctx, k, need_cap_last=True)
                if e is not None:
                    ctx.add("name", k, e, self_name=is_self)
                continue
            # lower-case words after a strong cue are names only when capitalised or unknown
            while e > k and not toks[e].cap and toks[e].w in lx.NOT_NAMES:
                e -= 1
            ctx.add("name", k, e, self_name=is_self)
            continue
        # weak cues ("ich bin", "this is", "I'm"): a known first name, or a capitalised word followed
        # by "speaking"/"here"/"am Apparat"
        t = toks[k]
        if not t.cap or t.w in lx.NOT_NAMES:
            continue
        e = _name_tokens(ctx, k, need_cap=True, limit=2)
        if e is None:
            continue
        after = toks[e + 1].w if e + 1 < len(toks) else ""
        if t.w in lx.FIRST_NAMES or after in ("speaking", "here", "hier", "am") or toks[e].w.endswith("speaking"):
            ctx.add("name", k, e, self_name=is_self)
        elif phrase in _PHONE_INTROS and e == k + 1 and (toks[e].end or toks[e].comma) and not toks[k].end and not toks[k].comma \
                and toks[e].w not in _COMPANY_WORDS \
                and toks[e].w not in lx.NOT_NAMES and toks[e].num is None and not _is_breaker(toks[e], ctx.lang):
            ctx.add("name", k, e, self_name=is_self)  # "Hi, this is Claire Johnson.": first and last name
    # "Klaus Becker am Apparat", "Sarah speaking"
    for i in range(1, len(toks)):
        if toks[i].w in ("speaking",) or (toks[i].w == "am" and i + 1 < len(toks) and toks[i + 1].w == "apparat"):
            e = i - 1
            s = e
            while s - 1 >= 0 and e - s < 2 and toks[s - 1].cap and not toks[s - 1].comma and not toks[s - 1].end \
                    and toks[s - 1].w not in lx.NOT_NAMES and toks[s - 1].num is None:
                s -= 1
            if toks[e].cap and toks[e].w not in lx.NOT_NAMES and toks[e].num is None and ctx.free(s, e) \
                    and not toks[e].end:
                ctx.add("name", s, e, self_name=True)
    # titles: "Herr Becker", "Frau Dr. Müller", "Mrs Johnson"
    for i, t in enumerate(toks):
        if (t.w in lx.TITLES and t.cap or t.w in ("herrn", "herr", "frau")) and not t.end and not t.comma:
            k = i + 1
            while k < len(toks) and toks[k].w in ("dr", "doktor", "prof", "professor"):
                k += 1
            if k < len(toks) and k not in ctx.taken and toks[k].w not in lx.NOT_NAMES \
                    and not _is_breaker(toks[k], ctx.lang):
                e = _name_tokens(ctx, k, need_cap=False, limit=1 if not toks[k].cap else 2)
                if e is not None:
                    ctx.add("name", k, e)
    # known first names (+ the surname after them)
    for i, t in enumerate(toks):
        if i in ctx.taken or not t.cap or t.w not in lx.FIRST_NAMES or t.num is not None:
            continue
        if t.letter is not None and i + 1 < len(toks) and toks[i + 1].letter is not None:
            continue  # "Otto, Paula, ..." is spelling
        e = i
        if not t.comma and not t.end and i + 1 < len(toks) and i + 1 not in ctx.taken:
            n = toks[i + 1]
            if n.cap and n.num is None and n.w not in lx.NOT_NAMES and not _is_breaker(n, ctx.lang) \
                    and re.fullmatch(r"[\w'\-]+", n.w) and n.w not in lx.TITLES:
                e = i + 1
        ctx.add("name", i, e, self_name=i < 12)


_CUE_WORDS = frozenset(p for per in lx.CUES.values() for ps in per.values() for p in ps if " " not in p) | {
    "ok", "okay", "tv", "pc", "usb", "wlan", "lan", "dsl", "ec", "gmbh", "ag", "uk", "usa", "eu", "it", "dhl", "ups"}


def _spelled(ctx: _Ctx, cues_before_names: list[int]) -> None:
    """Letters spoken one by one ("B E C K E R", "B wie Berta", "J-O-H-N") and what follows a
    spelling cue ("das schreibt man ...", "spelled ...")."""
    toks = ctx.toks
    lang = ctx.lang
    name_ends = [c.last for c in ctx.cands if c.kind == "name"]

    def near_name(i: int) -> bool:
        return any(0 <= i - e <= 14 for e in name_ends)

    spell_ends = [j for i0 in range(len(toks)) for ph in lx.SPELL_CUES.get(lang, lx.SPELL_CUES["en"])
                  for j in [_match_phrase(toks, i0, ph, "en")] if j is not None]

    def isolated(k: int) -> bool:
        """A short pseudo-word said on its own ("ha... O... F...", "zäh, ha, eh,"): a spelled letter
        as the recogniser writes it, right after a spelling cue or a name."""
        t = toks[k]
        return (len(t.w) <= 3 and t.w.isalpha() and (t.comma or t.end or t.raw.endswith("..."))
                and k not in spell_ends  # "das schreibt man. L, E, ...": the cue's "man", no letter
                and (near_name(k) or any(0 <= k - e <= 12 for e in spell_ends)))

    i = 0
    while i < len(toks):
        if i in ctx.taken:
            i += 1
            continue
        k = i
        letters = 0
        while k < len(toks) and k not in ctx.taken:
            t = toks[k]
            if t.letter is not None or (lx.LETTER_NAMES.get(t.w) and letters) or isolated(k) \
                    or _CAPS_TOKEN.fullmatch(t.raw.strip(",.;")) and t.w not in lx.NOT_NAMES and t.w not in _CUE_WORDS:
                letters += 1
            elif t.w == "wie" and k + 1 < len(toks) and letters:
                pass  # "B wie Berta"
            elif t.w in ("-", "") or t.w in FILLERS:
                pass
            else:
                break
            if t.end and not (k + 1 < len(toks) and isolated(k + 1)):
                k += 1
                break
            k += 1
        if letters >= 3 or letters >= 2 and near_name(i) or letters >= 1 and any(
                _CAPS_TOKEN.fullmatch(toks[m].raw.strip(",.;")) for m in range(i, k)) and near_name(i):
            has_digits = any(toks[m].num is not None for m in range(i, k))
            ctx.add("number" if has_digits and not near_name(i) else "name", i, k - 1)
            i = k
        else:
            i += 1
    # spelling cues: the rest of the clause is the spelled name
    strong = ("schreibt man", "schreibt sich", "buchstabiert", "buchstabiere", "spelled", "spelt", "spell", "as in")
    for i in range(len(toks)):
        for phrase in lx.SPELL_CUES.get(lang, lx.SPELL_CUES["en"]):
            j = _match_phrase(toks, i, phrase, "en")
            if j is None or toks[j].end:
                continue
            if phrase not in strong and not near_name(i):
                continue
            v = j + 1
            while v < len(toks) and toks[v].w in ("man", "mein", "sich", "es", "it", "is", "as", "mit", ":", "so",
                                                  "spelled", "spelt", "spell", "buchstabiert", "geschrieben",
                                                  "schreibt", "wird", "like", "this"):
                v += 1
            e = None
            for k in range(v, min(len(toks), v + 10)):
                if k in ctx.taken or _is_breaker(toks[k], lang):
                    break
                e = k
                if toks[k].end:
                    break
            if e is not None and e >= v and ctx.free(v, e):
                ctx.add("name", v, e)
            break
    _name_before_spelling(ctx)
    _grow_spellings(ctx, isolated, spell_ends)


#: spelling cues that follow the name they spell ("Stefan Lehmann, das schreibt man L E H ...")
_SPELL_AFTER_NAME = {"de": ("das schreibt man", "das schreibt sich", "schreibt man", "schreibt sich"),
                     "en": ("that's spelled", "that is spelled", "that's spelt")}  # not bare "spelled": "Matt Spelled", "I'm spelled"


def _name_before_spelling(ctx: _Ctx) -> None:
    """The one or two words right before a spelling cue are the name it spells, when the
    detectors left them (a misheard cue before them: "mein Arme ist stefan .reman das schreibt
    man."): free words without digits, not a copula or sentence-level word, in the cue's sentence
    (the word next to the cue may end one: "Andrea Kloch. Das schreibt man ...")."""
    toks = ctx.toks
    for i in range(1, len(toks)):
        ends = [j for ph in _SPELL_AFTER_NAME.get(ctx.lang, ()) for j in [_match_phrase(toks, i, ph, "en")] if j is not None]
        if not ends:
            continue
        after = toks[max(ends) + 1:max(ends) + 6]  # the spelling itself: letters right after the cue
        if sum(t.letter is not None or len(t.w.strip(".,-")) == 1 and t.w.strip(".,-").isalpha() for t in after) < 2:
            continue
        a = i
        while a - 1 >= 0 and i - a < 2:
            t = toks[a - 1]
            if a - 1 in ctx.taken or t.num is not None or _numeric(t) or t.w in lx.COPULAS or _is_breaker(t, ctx.lang) \
                    or t.w in lx.NOT_NAMES or (t.end or t.comma) and a < i:
                break
            a -= 1
        if a < i:
            ctx.add("name", a, i - 1)


def _grow_spellings(ctx: _Ctx, isolated: Callable[[int], bool], spell_ends: Sequence[int]) -> None:
    """A spelling's first and last letters the recogniser wrote as words ("das schreibt man er.
    Ich, C, H, T, E, Er."): short words said on their own (``isolated``) or single letters next to
    a spelled name join it, up to :data:`SPELLED_EDGE_WORDS` on each side."""
    toks = ctx.toks
    for c in ctx.cands:
        if c.kind != "name" or not all(toks[m].letter is not None or lx.LETTER_NAMES.get(toks[m].w)
                                       for m in range(c.first, c.last + 1)) or c.last - c.first < 2:
            continue
        for _ in range(SPELLED_EDGE_WORDS):
            k = c.first - 1
            if k < 0 or k in ctx.taken or k in ctx.breaks or not (isolated(k) or toks[k].letter is not None and len(toks[k].w) == 1) \
                    or _match_phrase(toks, k, "man", "en") is not None and k - 1 in spell_ends:
                break
            ctx.taken.add(k)
            c.first = k
        for _ in range(SPELLED_EDGE_WORDS):
            k = c.last + 1
            if k >= len(toks) or k in ctx.taken or (k - 1) in ctx.breaks or toks[c.last].end and not isolated(k) \
                    or not (isolated(k) or toks[k].letter is not None and len(toks[k].w) == 1):
                break
            ctx.taken.add(k)
            c.last = k


#: at most this many words on each side of a spelled name join it (:func:`_spelled`)
SPELLED_EDGE_WORDS = 2


#: articles and prepositions before a date that belong to it ("am dritten März", "on the 4th")
_DATE_ARTICLES = ("am", "den", "dem", "vom", "the", "on")


def _date_article_at(toks: list[_Tok], k: int, articles: tuple[str, ...] = _DATE_ARTICLES) -> bool:
    """Word ``k`` is an article that joins the date after it; the "on" of the cue "born on" does
    not (it says nothing about the caller: "I was born on October 10, 1991")."""
    return toks[k].w in articles and not (toks[k].w == "on" and k >= 1 and toks[k - 1].w == "born")


#: "geboren in Hamburg", "born at home": a place, not the date, follows
_PLACE_WORDS = frozenset({"in", "im", "bei", "als", "zu", "auf", "nahe", "at", "near", "as", "to"})


#: what the recogniser writes for the tens of a German year said in words ("…undsiebzig" as
#: "und lieb sich", "und zwanzich"): a word ending like this after "und" goes on a date's year
_TENS_ENDS = ("zig", "sich", "zich", "ßig", "ssig", "sig")


def _year_tens_tails(ctx: _Ctx) -> None:
    """A German date whose year ends in digits goes on over "und" and one or two words of which the
    last ends like a tens word ("1988 und lieb sich."): the rest of the spoken year; a number read
    so is a date when "geboren" follows ("am 2 und 20 .996 und lieb sich geboren."), and so is a
    date the recogniser ended a sentence after ("19. 149. Und nicht sich geborgen")."""
    if ctx.lang != "de":
        return
    toks = ctx.toks
    for c in ctx.cands:
        e = c.last
        if c.kind not in ("date", "number") or not _numeric(toks[e]) or e + 2 >= len(toks) or e in ctx.breaks \
                or toks[e + 1].w != "und" or not ctx.free(e + 1, e + 1):
            continue
        ended = toks[e].end  # "19. 149. Und nicht sich geborgen": over a sentence end only before "geboren"
        for k in (e + 2, e + 3):
            if k >= len(toks) or k in ctx.taken or (k - 1) in ctx.breaks or toks[k].num is not None \
                    or _is_breaker(toks[k], ctx.lang) and toks[k].w not in ("sich", "nicht"):
                break
            if toks[k].w.endswith(_TENS_ENDS) and (len(toks[k].w) >= 5 or k == e + 3):  # not "… 1978 und sich"
                born = k + 1 < len(toks) and _birth_word(toks[k + 1].w)
                if ended and not born:
                    break
                if c.kind == "number":  # a number read as digits is a date when "geboren" follows the year
                    if not born:
                        break
                    c.kind = "date"
                    if c.first >= 1 and toks[c.first - 1].w == "am" and ctx.free(c.first - 1, c.first - 1):
                        ctx.taken.add(c.first - 1)
                        c.first -= 1
                ctx.taken.update(range(e + 1, k + 1))
                c.last = k
                break
            if toks[k].end:
                break


def _born_numbers(ctx: _Ctx) -> None:
    """A number read from digit groups right before "geboren" (or its garbled forms) is a date of
    birth, with the "am" before it ("Ich bin am 3 .21983 geworden.": "am dritten Februar 1983")."""
    toks = ctx.toks
    for c in ctx.cands:
        e = c.last
        if c.kind != "number" or toks[e].end or e + 1 >= len(toks) or not _birth_word(toks[e + 1].w) \
                or e in ctx.breaks or not any(t.raw.lstrip("-").startswith(".") for t in toks[c.first + 1:e + 1]):
            continue
        digits, _ = _digits_of(toks, c.first, e, ctx.lang)
        if not 5 <= len(digits) <= 8 or not re.search(r"(19|20)\d\d$", digits):
            continue
        c.kind = "date"
        if c.first >= 1 and _date_article_at(toks, c.first - 1, ("am", "on")) and ctx.free(c.first - 1, c.first - 1):
            ctx.taken.add(c.first - 1)
            c.first -= 1


def _birth_tails(ctx: _Ctx) -> None:
    """A date followed within three words of its sentence by "geboren" ("Ich bin am 2 .20 .1996
    und lieb sich geboren."): the words between are the recogniser's garbling of the rest of the
    date (a spoken year is long), so they join it."""
    toks = ctx.toks
    for c in ctx.cands:
        if c.kind != "date" or toks[c.last].end:
            continue
        for k in range(c.last + 1, min(len(toks), c.last + 5)):
            if _birth_word(toks[k].w):
                if k > c.last + 1 and ctx.free(c.last + 1, k - 1):
                    ctx.taken.update(range(c.last + 1, k))
                    c.last = k - 1
                break
            if toks[k].end or k in ctx.taken or k in ctx.breaks or _is_breaker(toks[k], ctx.lang) \
                    or toks[k].w in lx.UNIT_WORDS or toks[k].w in _PLACE_WORDS:
                break


_ORDINAL_ENDS = ("ten", "sten", "th", "st", "nd", "rd")


def _day_like(t: _Tok, lang: str) -> bool:
    """A day (or a month) as a number or an ordinal: "5", ".10.", "24th", "fünften"."""
    if t.num is not None:
        return t.num.value is not None and 1 <= t.num.value <= 31 and len(t.num.digits) <= 2
    o = ordinal(t.w, lang)
    return o is not None and 1 <= o <= 31


#: how far back from a date found from its month and year its head may reach, words
DATE_HEAD_WORDS = 4


#: how far a number after a date's year may be from the year's last two digits and still be the
#: recogniser saying the year's tail again ("April 1990. 90,", "1981. 80,")
YEAR_ECHO_TOLERANCE = 2


def _year_echoes(ctx: _Ctx) -> None:
    """A date ending in a year goes on over the next word when that is a number within
    :data:`YEAR_ECHO_TOLERANCE` of the year's last two digits and ends its clause ("the 3rd of
    April 1990. 90, and": the recogniser wrote the spoken year's tail twice); a number that goes
    on ("1990. 90 Euro") is left alone."""
    toks = ctx.toks
    for c in ctx.cands:
        e = c.last
        if c.kind != "date" or e + 1 >= len(toks) or e in ctx.breaks or e + 1 in ctx.taken:
            continue
        m = re.search(r"(?:19|20)(\d\d)\W*$", toks[e].raw)
        nxt = toks[e + 1]
        if m is None or nxt.num is None or nxt.num.value is None or not 0 <= nxt.num.value <= 99 \
                or not (nxt.comma or nxt.end or e + 2 == len(toks)):
            continue
        if abs(nxt.num.value - int(m.group(1))) <= YEAR_ECHO_TOLERANCE:
            ctx.taken.add(e + 1)
            c.last = e + 1


def _date_heads(ctx: _Ctx) -> None:
    """The (garbled) day before a date found from its month and year joins it: "am meg -sund
    -twanzigsten Oktober -1958", "am 5 .10. Oktober 1956", "24th on January 1954". Back from the
    date, over up to :data:`DATE_HEAD_WORDS` words that are a day or month as a number or an
    ordinal, an article ("am", "on", "the"), "of", a dictation's piece ("-sund"), a word ending
    like an ordinal ("-twanzigsten") or a word of three letters at most ("of" also as "from", "off": "8
    from July 1978"); the date then starts at
    the farthest day or month among them (with an article right before it), or, with no day but garbled
    words, at the farthest article ("born on the seventh" keeps its cue's "on" out)."""
    toks = ctx.toks
    for c in ctx.cands:
        if c.kind != "date":
            continue
        a = c.first
        day = article = None
        garbled = False
        k = a - 1
        while k >= 0 and a - k <= DATE_HEAD_WORDS and k not in ctx.taken and k not in ctx.breaks and not toks[k].end:
            t = toks[k]
            if _day_like(t, ctx.lang) or t.w in lx.MONTHS and not t.comma:
                day = k  # a month before a date found from its year alone ("am ersten April 2011")
            elif t.w in ("am", "on", "the"):
                article = k
            elif t.num is not None and t.num.kind == "and" and k > 0 and _day_like(toks[k - 1], ctx.lang):
                garbled = True  # "am 7 und 20. Juli 1931": a day said in two pieces
            elif t.num is not None or _is_breaker(t, ctx.lang) or not (
                    t.w in ("of", "from", "off") or t.raw.startswith("-") or t.w.endswith(_ORDINAL_ENDS) or len(t.w) <= 3):
                break
            else:
                garbled = True
            k -= 1
        if day is not None:  # from the day on, with the article right before it
            start = day - 1 if day >= 1 and article == day - 1 else day
        elif garbled and article is not None:
            start = article
        elif article == a - 1 and toks[a - 1].w == "am":
            start = article  # "am 5. Oktober 91778" ("on" is left to the cue: "born on")
        else:
            continue
        ctx.taken.update(range(start, a))
        c.first = start


#: how far after a street its city may come for the words between to join the address, words
CITY_AFTER_STREET_WORDS = 10


def _city(t: _Tok) -> bool:
    """A capitalised word that is a city of :data:`lexicon.CITIES_DE`, or one letter off one of six
    letters or more ("Bämen" for "Bremen" is five: only exact there)."""
    if not t.cap or t.num is not None:
        return False
    w = t.w
    return w in lx.CITIES_DE or len(w) >= 6 and any(abs(len(w) - len(c)) <= 1 and _edits(w, c) <= 1 for c in lx.CITIES_DE)


def _city_within(ctx: _Ctx, k: int, n: int) -> bool:
    """A city (:func:`_city`) within ``n`` words from word ``k``, in the same turn and sentence."""
    toks = ctx.toks
    for m in range(k, min(len(toks), k + n)):
        if _city(toks[m]):
            return True
        if toks[m].end or m in ctx.breaks:
            return False
    return False


def _street_to_city(ctx: _Ctx) -> None:
    """German addresses: the words between a street and its city (same turn, up to
    :data:`CITY_AFTER_STREET_WORDS` words) are its house number and postcode when one of them is
    a digit or a number word, garbled ones included ("Hauptstraße, Einund siebt sich,
    Fünftenull, Eins drei drei, Köln."); the city itself stays."""
    if ctx.lang != "de":
        return
    toks = ctx.toks
    for c in list(ctx.cands):
        if c.kind != "address":
            continue
        for k in range(c.last + 1, min(len(toks), c.last + 1 + CITY_AFTER_STREET_WORDS)):
            if (k - 1) in ctx.breaks or _is_breaker(toks[k], ctx.lang) and toks[k].w not in ("und",) \
                    or toks[k].w in lx.UNIT_WORDS or toks[k].w in _PLACE_WORDS:
                break
            if _city(toks[k]):
                between = range(c.last + 1, k)
                if between and any(_numeric(toks[m]) or _garbled_digit(toks[m].w, ctx.lang) for m in between):
                    _fill_between(ctx, c.first, k - 1, "postcode")
                break
            if toks[k].end and k > c.last + 1 and not _numeric(toks[k]):
                break


def _uk_postcodes(ctx: _Ctx) -> None:
    """A whole UK postcode needs no cue: an outward half ("LS6", "EC2") and an inward half ("8PL",
    "7GW": a digit and two of the letters the Royal Mail uses there, no C, I, K, M, O, V)."""
    toks = ctx.toks
    for i in range(len(toks) - 1):
        a, b = toks[i], toks[i + 1]
        if not ctx.free(i, i + 1) or a.end or i in ctx.breaks or not a.raw.strip(",.")[:1].isupper():
            continue
        if _UK_OUTWARD.fullmatch(a.w) and _UK_INWARD.fullmatch(b.w) and not set(b.w[1:]) & set("cikmov") \
                and b.w not in lx.UNIT_WORDS and b.w[1:] not in ("gb", "tb"):
            ctx.add("postcode", i, i + 1)
        elif i + 2 < len(toks) and _UK_OUTWARD.fullmatch(a.w) and any(ch.isdigit() for ch in a.w) \
                and re.fullmatch(r"\d", b.w) and not b.end and ctx.free(i + 2, i + 2) \
                and re.fullmatch(r"[A-Z]{2}", toks[i + 2].raw.strip(",.?!")) and not set(toks[i + 2].w) & set("cikmov"):
            ctx.add("postcode", i, i + 2)  # the inward half in two pieces: "NW3, 6, NQ?"


def _date_article(ctx: _Ctx, a: int) -> int:
    """First word of a date starting at word ``a``, with "am", "the", "on the" before it."""
    toks = ctx.toks
    for _ in range(2):
        if a >= 1 and _date_article_at(toks, a - 1) and a - 1 not in ctx.taken and not toks[a - 1].end \
                and a - 1 not in ctx.breaks:
            a -= 1
    return a


def _birth_near(ctx: _Ctx, a: int, b: int) -> bool:
    """Words ``a``..``b`` follow a birth cue within eight words of the same sentence run, or
    a birth word ("geboren", "born", or the recogniser's "geworden", "geborgen" for
    "geboren") comes within four words after them."""
    toks = ctx.toks
    if any(j < a and a - j <= 8 and not any(k in ctx.breaks for k in range(j, a)) for _i, j in ctx.birth):
        return True
    if any(_birth_word(toks[k].w) and not any(m in ctx.breaks for m in range(k, a))
           for k in range(max(0, a - 8), a)):
        return True
    return any(_birth_word(toks[k].w) for k in range(b + 1, min(len(toks), b + 5)))


#: the most words between "am" and "geboren" that :func:`_born_frames` reads as one date
BORN_FRAME_WORDS = 12


def _born_frames(ctx: _Ctx) -> None:
    """German "ich bin am ... geboren": the words between "am" and "geboren" (or its garbled forms)
    are the date of birth when at least two of them are numbers ("bin am 4. und mein 19. von der 3.
    und lieb sich geworden": the recogniser's garbling of a long spoken date). Detections of a
    number or date inside join it; other types stop it."""
    if ctx.lang != "de":
        return
    toks = ctx.toks
    for a, t in enumerate(toks):
        if t.w != "am" or a < 1 or not any(toks[m].w in ("bin", "ich") for m in range(max(0, a - 2), a)):
            continue
        g = next((k for k in range(a + 1, min(len(toks), a + BORN_FRAME_WORDS + 1)) if _birth_word(toks[k].w)), None)
        if g is None or g == a + 1 or any(k in ctx.breaks for k in range(a, g)) \
                or any((toks[k].end or toks[k].comma) and not _numeric(toks[k]) or toks[k].w in lx.UNIT_WORDS
                       or toks[k].w in _PLACE_WORDS for k in range(a + 1, g)):
            continue  # "am 3. Mai 1980 in Hamburg geboren": the place is no part of the date
        if sum(_numeric(toks[k]) for k in range(a + 1, g)) < 2:
            continue
        inside = [c for c in ctx.cands if c.first <= g - 1 and c.last >= a]
        if any(c.kind not in ("number", "date") or c.first < a or c.last >= g for c in inside):
            continue
        for c in inside:
            ctx.cands.remove(c)
        ctx.add("date", a, g - 1)


def _garbled_ordinal_dates(ctx: _Ctx) -> None:
    """A German day ordinal the recogniser garbled ("zweizigsten": a long word ending like one),
    a (garbled) month word and a four-digit year: a date ("vier und zweizigsten Auslust 2001."),
    with the units and "und" said before the tens."""
    if ctx.lang != "de":
        return
    toks = ctx.toks
    for i, t in enumerate(toks):
        if i in ctx.taken or t.num is not None or not t.w.isalpha() or len(t.w) < 9 \
                or not t.w.endswith(("sten", "zehnten")) or t.end or t.w in lx.NOT_NAMES:
            continue
        y = next((k for k in range(i + 1, min(len(toks), i + 3)) if _year_of(toks[k]) is not None
                  and len(toks[k].w.strip(".,")) == 4), None)
        if y is None or not ctx.free(i, y) or any(toks[k].end or _is_breaker(toks[k], ctx.lang) for k in range(i, y)):
            continue
        a = i
        if i >= 2 and toks[i - 1].w == "und" and toks[i - 2].num is not None and ctx.free(i - 2, i - 1) \
                and not toks[i - 2].end and not toks[i - 1].end:
            a = i - 2  # "vier und zweizigsten": the units first
        ctx.add("date", a, y)


def _birth_word(w: str) -> bool:
    """``w`` is "geboren"/"born" or what the recogniser writes for it ("geworden", "geworen")."""
    return w in lx.BIRTH_TAILS or len(w) >= 7 and w.startswith("ge") and _edits(w, "geboren") <= 1


def _date_digits(ctx: _Ctx, a: int, b: int, groups: Sequence[str]) -> bool:
    """A dictated number that is a date the recogniser wrote as digit groups ("16 .12 .1960",
    "24 .1998.", "27 .19197"): a day (1-31) first, then a group that starts like a year of
    19xx/20xx, after "am"/"on" or next to a birth cue; next to a birth cue, a group starting
    like such a year is enough ("am Mittemberg, 199590.")."""
    gs = [g for g in groups if g]
    if not gs or not all(g.isdigit() for g in gs):
        return False
    yearish = [g for g in gs if 4 <= len(g) <= 6 and g.startswith(("19", "20"))]
    if _birth_near(ctx, a, b) and len(gs) >= 2 and len(gs[-1]) == 3 and gs[-1].startswith(("19", "20")):
        yearish.append(gs[-1])  # "am liebzehnten 4 .191 geworden": a year cut short before a birth word
    day_first = len(gs) >= 2 and 1 <= int(gs[0]) <= 31 and len(gs[0]) <= 2 and any(g in yearish for g in gs[1:])
    if len("".join(gs)) > 12:
        return False
    if _birth_near(ctx, a, b):
        return bool(yearish) or day_first
    return day_first and a >= 1 and ctx.toks[a - 1].w in ("am", "vom", "on") and len(gs) <= 3


def _resolve(cands: Iterable[_Cand]) -> list[_Cand]:
    """Overlapping detections become one span of the most specific type."""
    out: list[_Cand] = []
    for c in sorted(cands, key=lambda c: (c.first, c.last)):
        if out and c.first <= out[-1].last:
            prev = out[-1]
            kind = _specific(prev.kind, c.kind)
            out[-1] = _Cand(kind, prev.first, max(prev.last, c.last), prev.self_name and c.self_name
                            if prev.kind == c.kind == "name" else (prev.self_name if kind == prev.kind else c.self_name))
        else:
            out.append(c)
    return out


_DICTATED = ("iban", "card", "phone", "number", "postcode")


def _merge_dictations(cands: list[_Cand], toks: list[_Tok], breaks: set[int]) -> list[_Cand]:
    """Two dictated numbers with at most two short words between them (no pause of a new turn)
    are one dictation: the words between are the recogniser's garbage ("46300078. I'm 2682718").
    ``breaks``: word indices after which a new turn starts (:func:`_turn_breaks`)."""
    out: list[_Cand] = []
    for c in cands:
        if out and c.kind in _DICTATED and out[-1].kind in _DICTATED:
            prev = out[-1]
            gap = range(prev.last + 1, c.first)
            short = all(len(toks[k].w) <= 4 and toks[k].num is None for k in gap)
            # up to three garbled pieces the recogniser wrote as a dictation's ("-Necht -Zich, Nechs")
            pieces = len(gap) == 3 and all(toks[k].num is None and len(toks[k].w.strip("-")) <= 6 and not toks[k].end
                                           and (toks[k].raw.startswith("-") or len(toks[k].w) <= 5) for k in gap) \
                and sum(toks[k].raw.startswith("-") for k in gap) >= 2
            if (1 <= len(gap) <= 2 and short or pieces) and not any(k in breaks for k in range(prev.last, c.first)):
                kind = _specific(prev.kind, c.kind)
                out[-1] = _Cand(kind, prev.first, c.last)
                continue
        out.append(c)
    return out


def detect_pii(words: Sequence[Word], *, language: str, config: PrivacyConfig | None = None,
               other: Sequence[Word] | None = None) -> tuple[PiiSpan, ...]:
    """Personal data in the words of one party.

    Parameters
    ----------
    words : sequence of Word
        One party's words in time order (as the recogniser wrote them).
    language : str
        "de" or "en" (ISO 639-1; other languages use the English cue words and both number
        lexicons).
    config : PrivacyConfig, optional
        Thresholds (``min_digits``, ``min_digits_cued``).
    other : sequence of Word, optional
        The other party's words: a pause ends a value only where the other party speaks in it
        (or it is longer than :data:`LONG_PAUSE_S`); without them every pause over
        :data:`TURN_PAUSE_S` does.

    Returns
    -------
    tuple of PiiSpan
        Non-overlapping, in word order; indices refer to ``words``; times in s.
    """
    cfg = config or PrivacyConfig()
    lang = "de" if language.lower().startswith("de") else "en" if language.lower().startswith("en") else language.lower()
    if not words:
        return ()
    if other is not None:
        other = [o for o in other if o.speaker != words[0].speaker]
    breaks = _turn_breaks(words, other)
    ctx = _Ctx(_tokens(words, lang if lang in ("de", "en") else "any", other), lang if lang in ("de", "en") else "en", cfg,
               breaks=breaks)
    cues = _cues(ctx)
    _emails(ctx)
    _dates(ctx, cues)
    _addresses(ctx, cues)
    _cue_windows(ctx, cues)
    _spelled_country_ibans(ctx)
    _shaped_emails(ctx)
    _joined_emails(ctx)
    _names(ctx)
    _number_runs(ctx)
    _spelled(ctx, [])
    _continued_dictations(ctx)
    _dense_dictations(ctx, cues)
    _uk_postcodes(ctx)
    _street_to_city(ctx)
    _year_tens_tails(ctx)
    _spelled_tlds(ctx)
    _born_numbers(ctx)
    _birth_tails(ctx)
    _date_heads(ctx)
    _year_echoes(ctx)
    _born_frames(ctx)
    _garbled_ordinal_dates(ctx)
    spans = []
    for c in _merge_dictations(_resolve(ctx.cands), ctx.toks, breaks):
        ws = words[c.first:c.last + 1]
        spans.append(PiiSpan(c.kind, c.first, c.last, float(ws[0].start_s), float(ws[-1].end_s),
                             " ".join(w.text.strip() for w in ws), c.self_name, ws[0].speaker))
    return tuple(spans)


# ------------------------------------------------------------------------------ redaction

_TRAIL = re.compile(r"[,.;:!?…\"'”)]+$")


def redact_words(words: Sequence[Word], spans: Sequence[PiiSpan], *, language: str) -> tuple[Word, ...]:
    """``words`` with each span's words replaced by one placeholder word.

    The placeholder word spans the span's time (start of its first word to end of its last),
    keeps the speaker, the lowest word probability of the span, and the punctuation that ended
    the span's last word ("Becker," -> "[NAME],"). Spans must index into ``words``.
    """
    by_first = {s.first_word: s for s in spans}
    out: list[Word] = []
    i = 0
    while i < len(words):
        s = by_first.get(i)
        if s is None:
            out.append(words[i])
            i += 1
            continue
        ws = words[s.first_word:s.last_word + 1]
        m = _TRAIL.search(ws[-1].text.strip())
        text = s.placeholder(language) + (m.group(0) if m else "")
        out.append(Word(ws[0].speaker, text, ws[0].start_s, ws[-1].end_s, min(w.probability for w in ws)))
        i = s.last_word + 1
    return tuple(out)


def filter_mode(spans: Sequence[PiiSpan], *, mode: str, agent_names: Sequence[str] = ()) -> tuple[PiiSpan, ...]:
    """The spans to redact under a ``privacy.redact`` mode.

    ``"off"``: none. ``"all"``: every span. ``"caller"``: every span except the agent's own name —
    names the agent introduced themselves with (``self_name`` spans of the agent) and any other
    name span (either party's: "Danke, Frau Müller") made only of those words or of
    ``agent_names`` (e.g. the agent's name from the manifest).
    """
    if mode not in REDACT_MODES:
        raise ValueError(f"unknown privacy.redact mode {mode!r}; use one of {', '.join(REDACT_MODES)}")
    if mode == "off":
        return ()
    if mode == "all":
        return tuple(spans)
    own = {strip_word(p) for n in agent_names for p in re.split(r"[\s_.]+", n) if strip_word(p)}
    for s in spans:
        if s.kind == "name" and s.speaker == "agent" and s.self_name:
            own.update(strip_word(p) for p in s.text.split() if strip_word(p))
    keep = []
    for s in spans:
        if s.kind == "name":
            parts = [strip_word(p) for p in s.text.split() if strip_word(p)]
            if s.speaker == "agent" and s.self_name or parts and all(p in own for p in parts):
                continue
        keep.append(s)
    return tuple(keep)


def detect_call(words: Sequence[Word], *, language: str, mode: str = "caller", agent_names: Sequence[str] = (),
                config: PrivacyConfig | None = None) -> tuple[PiiSpan, ...]:
    """The spans to redact in a whole call (both parties' words, in time order).

    Each party's words are read on their own (:func:`detect_pii`); the returned spans index into
    ``words`` (the whole list) and are filtered by ``mode`` (:func:`filter_mode`).
    """
    out: list[PiiSpan] = []
    for party in ("agent", "caller"):
        idx = [i for i, w in enumerate(words) if w.speaker == party]
        if not idx:
            continue
        others = [w for w in words if w.speaker != party]
        mine = [words[i] for i in idx]
        for found in detect_pii(mine, language=language, config=config, other=others):
            s = _trim_name(found, mine) if found.kind == "name" else found
            if s is None:
                continue
            out.append(PiiSpan(s.kind, idx[s.first_word], idx[s.last_word], s.start_s, s.end_s, s.text,
                               s.self_name, party))
    out = _repeated_names(words, out)
    # spans of one party may interleave with the other's words in the full list; they stay per party
    out.sort(key=lambda s: (s.start_s, s.first_word))
    return filter_mode(out, mode=mode, agent_names=agent_names)


#: a word of the shown reading is under a span of the second reading when the span's time holds at
#: least this share of the word's time
SECOND_READING_OVERLAP = 0.5


def _consecutive(ns: Sequence[int]) -> list[tuple[int, int]]:
    """``(first, last)`` of each run of consecutive integers in the sorted ``ns``."""
    out: list[tuple[int, int]] = []
    for n in ns:
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def add_second_reading(words: Sequence[Word], spans: Sequence[PiiSpan], second: Sequence[Word], *, language: str,
                       mode: str = "caller", agent_names: Sequence[str] = (),
                       config: PrivacyConfig | None = None) -> tuple[PiiSpan, ...]:
    """``spans`` of ``words`` and the personal data of a second reading of the same speech.

    ``second`` is another decoding of one party's speech (the caller's, greedy where ``words``
    were decoded with beam search): the recogniser garbles a dictation differently in each, and a
    value one reading leaves unreadable the other often shows. Each span found in ``second``
    (:func:`detect_call`, same ``mode``) covers the words of ``words`` of its party that its time
    holds (:data:`SECOND_READING_OVERLAP` of a word) and no span covers yet; runs of such words
    become spans of its type. Returns all spans, sorted by time.
    """
    if not second or mode == "off":
        return tuple(spans)
    found = detect_call(second, language=language, mode=mode, agent_names=agent_names, config=config)
    covered: set[tuple[str | None, int]] = {(s.speaker, k) for s in spans for k in range(s.first_word, s.last_word + 1)
               if words[k].speaker == s.speaker}
    out = list(spans)
    for party in PARTIES:
        idx = [i for i, w in enumerate(words) if w.speaker == party]
        for s in (x for x in found if x.speaker == party):
            held = [n for n, i in enumerate(idx) if (party, i) not in covered and (
                min(words[i].end_s, s.end_s) - max(words[i].start_s, s.start_s)
                >= SECOND_READING_OVERLAP * max(words[i].end_s - words[i].start_s, 0.02))]
            # runs of the party's consecutive words
            for run in (idx[a:b + 1] for a, b in _consecutive(held)):
                ws = [words[k] for k in run]
                out.append(PiiSpan(s.kind, run[0], run[-1], float(ws[0].start_s), float(ws[-1].end_s),
                                   " ".join(x.text.strip() for x in ws), s.self_name, party))
                covered.update((party, k) for k in run)
    out.sort(key=lambda s: (s.start_s, s.first_word))
    return tuple(out)


def _trim_name(s: PiiSpan, words: Sequence[Word]) -> PiiSpan | None:
    """A name span without everyday words, greetings and hums at its ends ("guten Tag. mhm" is no
    name: the hum came 4 s later, as a backchannel inside the other party's speech); None when
    nothing is left. A spelled name keeps its letters (they are not in the word list)."""
    a, b = s.first_word, s.last_word
    spelling = sum(1 for w in words[a:b + 1] if len(strip_word(w.text)) == 1) >= 3

    def trimmed(w: Word) -> bool:
        # in a spelling, a short word said on its own is a letter ("er. Ich, C, H, T, E, Er.")
        return strip_word(w.text) in lx.NOT_NAMES and not (
            spelling and len(strip_word(w.text)) <= 3 and w.text.strip().endswith((",", ".", "...")))

    while a <= b and trimmed(words[a]):
        a += 1
    while b >= a and trimmed(words[b]):
        b -= 1
    if a > b:
        return None
    if (a, b) == (s.first_word, s.last_word):
        return s
    return PiiSpan(s.kind, a, b, float(words[a].start_s), float(words[b].end_s),
                   " ".join(w.text.strip() for w in words[a:b + 1]), s.self_name, s.speaker)


def _name_key(text: str) -> str:
    return strip_word(text)


def _repeated_names(words: Sequence[Word], spans: list[PiiSpan]) -> list[PiiSpan]:
    """A name found once (an introduction, a title, a spelling) is the same name wherever it comes
    again in the call, said by either party: "Auf Wiederhören, Wagner." after "hier ist Peter
    Wagner". Only capitalised words of three or more letters that are not everyday words count,
    and a name the agent introduced themselves with is left to the mode filter."""
    names: dict[str, bool] = {}  # word -> all its name spans are the agent's own introduction
    for s in spans:
        if s.kind != "name":
            continue
        own = s.speaker == "agent" and s.self_name
        for raw in s.text.split():
            k = _name_key(raw)
            if len(k) >= 3 and k.isalpha() and k not in lx.NOT_NAMES and raw.strip("\"'„(")[:1].isupper():
                names[k] = names.get(k, True) and own
    if not names:
        return spans
    covered = {i for s in spans for i in range(s.first_word, s.last_word + 1)}
    extra = []
    for i, w in enumerate(words):
        if i in covered:
            continue
        k = _name_key(w.text)
        if k in names and w.text.strip().lstrip("\"'„(")[:1].isupper():
            extra.append(PiiSpan("name", i, i, float(w.start_s), float(w.end_s), w.text.strip(),
                                 names[k] and w.speaker == "agent", w.speaker))
    return spans + extra


def redact_call_words(words: Sequence[Word], spans: Sequence[PiiSpan], *, language: str) -> tuple[Word, ...]:
    """The whole call's words with the spans of :func:`detect_call` replaced (per party, so that
    the other party's words inside a span's time stay as they are)."""
    out: list[Word] = []
    for party in ("agent", "caller"):
        idx = [i for i, w in enumerate(words) if w.speaker == party]
        pos = {i: n for n, i in enumerate(idx)}
        local = [PiiSpan(s.kind, pos[s.first_word], pos[s.last_word], s.start_s, s.end_s, s.text, s.self_name,
                         s.speaker) for s in spans if s.speaker == party and s.first_word in pos and s.last_word in pos]
        out.extend(redact_words([words[i] for i in idx], local, language=language))
    out.sort(key=lambda w: (w.start_s, w.end_s))
    return tuple(out)


_TEXT_TOKEN = re.compile(r"\S+")


def redact_text(text: str, *, language: str, keep_names: Sequence[str] = (), config: PrivacyConfig | None = None,
                mode: str = "caller") -> str:
    """Free text (a quote, a turn's text, a note) with its personal data replaced by placeholders.

    ``keep_names``: names that stay under ``mode="caller"`` (the agent's own name);
    ``mode="all"`` replaces them too, ``"off"`` returns the text unchanged. Text that is already
    redacted stays as it is (placeholders are not PII).
    """
    if mode == "off" or not text:
        return text
    matches = list(_TEXT_TOKEN.finditer(text))
    words = [Word("caller", m.group(0), float(n), float(n) + 0.5, 1.0) for n, m in enumerate(matches)]
    spans = detect_pii(words, language=language, config=config)
    if mode == "caller" and keep_names:
        spans = filter_mode(spans, mode="caller", agent_names=keep_names)
    elif mode not in REDACT_MODES:
        raise ValueError(f"unknown privacy.redact mode {mode!r}; use one of {', '.join(REDACT_MODES)}")
    out = []
    pos = 0
    for s in spans:
        a = matches[s.first_word].start()
        last = matches[s.last_word]
        m = _TRAIL.search(last.group(0))
        b = last.end() - (len(m.group(0)) if m else 0)
        lead = re.match(r"[\"'„“(]+", matches[s.first_word].group(0))
        if lead:
            a += len(lead.group(0))
        out.append(text[pos:a])
        out.append(s.placeholder(language))
        pos = b
    out.append(text[pos:])
    return "".join(out)
