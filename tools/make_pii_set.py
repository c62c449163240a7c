"""Build the PII test set: synthetic stereo support calls whose caller turns dictate personal data.

Every call is made from text with espeak-ng (through ``samples/make_samples.py``'s helpers:
same levels, noise, crosstalk and stereo layout — agent LEFT, caller RIGHT, 16 kHz). A turn is
a list of *pieces*; each piece is synthesised on its own and the pieces are joined with short
pauses (a caller dictating a number pauses between groups), so the time span of every PII
mention is known exactly. The truth JSON next to each WAV lists, per turn, its pieces with
``kind`` (the PII type, or null) and ``start_s``/``end_s``.

Types: iban, card, phone, email, date (of birth), postcode, address (street + house number),
name (introductions, spelled names, titles), number (customer/order/contract numbers). Neutral
turns carry numbers that are NOT personal data (times, prices, counts, model numbers) so that
precision is measured on the words that matter. The agent greets with their own name
(``agent_self`` pieces: kept under ``privacy.redact = "caller"``, redacted under ``"all"``).

Usage::

    python tools/make_pii_set.py OUT_DIR [--calls 24] [--seed 13]

Writes ``OUT_DIR/<call_id>.wav`` + ``.truth.json`` and ``OUT_DIR/pii_set.json`` (the index).
Deterministic for a given seed and espeak-ng version.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callcheck.privacy.checksums import iban_check_digits, luhn_check_digit  # noqa: E402


def _samples_module():
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "samples" / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = mod
    spec.loader.exec_module(mod)
    return mod


ms = _samples_module()
Voice = ms.Voice
SR = ms.SAMPLE_RATE_HZ
PIECE_GAP_S = 0.18  # pause between the pieces of one turn
DICTATION_GAP_S = 0.28  # pause between dictated groups

# ------------------------------------------------------------------------------ number words

DE_U = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
DE_T = {10: "zehn", 11: "elf", 12: "zwölf", 13: "dreizehn", 14: "vierzehn", 15: "fünfzehn", 16: "sechzehn",
        17: "siebzehn", 18: "achtzehn", 19: "neunzehn"}
DE_TENS = {2: "zwanzig", 3: "dreißig", 4: "vierzig", 5: "fünfzig", 6: "sechzig", 7: "siebzig", 8: "achtzig",
           9: "neunzig"}
EN_U = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
EN_T = {10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen",
        17: "seventeen", 18: "eighteen", 19: "nineteen"}
EN_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}


def de_words(n: int) -> str:
    """German number word for 0..9999 ("zweiundvierzig", "neunzehnhundertachtzig" style for years)."""
    if n < 10:
        return DE_U[n]
    if n < 20:
        return DE_T[n]
    if n < 100:
        u, t = n % 10, n // 10
        return DE_TENS[t] if u == 0 else ("ein" if u == 1 else DE_U[u]) + "und" + DE_TENS[t]
    if n < 1000:
        h, r = divmod(n, 100)
        return ("ein" if h == 1 else DE_U[h]) + "hundert" + (de_words(r) if r else "")
    if 1100 <= n < 2000:
        h, r = divmod(n, 100)
        return de_words(h) + "hundert" + (de_words(r) if r else "")
    th, r = divmod(n, 1000)
    return ("ein" if th == 1 else de_words(th)) + "tausend" + (de_words(r) if r else "")


def en_words(n: int) -> str:
    if n < 10:
        return EN_U[n]
    if n < 20:
        return EN_T[n]
    if n < 100:
        u, t = n % 10, n // 10
        return EN_TENS[t] + ("" if u == 0 else "-" + EN_U[u])
    if n < 1000:
        h, r = divmod(n, 100)
        return EN_U[h] + " hundred" + (" and " + en_words(r) if r else "")
    th, r = divmod(n, 1000)
    return en_words(th) + " thousand" + (" " + en_words(r) if r else "")


def digit_words(digits: str, lang: str, rng: random.Random, *, doubles: bool = False, oh: bool = False) -> str:
    """Digits spoken one by one ("vier zwei null"; English with "double"/"oh" as people say them)."""
    out = []
    i = 0
    while i < len(digits):
        d = int(digits[i])
        if lang == "en" and doubles and i + 1 < len(digits) and digits[i + 1] == digits[i] and rng.random() < 0.7:
            out.append("double " + ("oh" if d == 0 and oh else EN_U[d]))
            i += 2
            continue
        if lang == "en":
            out.append("oh" if d == 0 and oh else EN_U[d])
        else:
            out.append("zwo" if d == 2 and rng.random() < 0.15 else DE_U[d])
        i += 1
    return " ".join(out)


def say_groups(digits: str, lang: str, rng: random.Random, *, size: int = 4, pairs: float = 0.25,
               **kw) -> list[str]:
    """A digit string as dictated groups (each group a piece of its own)."""
    groups = [digits[i:i + size] for i in range(0, len(digits), size)]
    out = []
    for g in groups:
        if len(g) == 2 and g[0] != "0" and rng.random() < pairs:
            out.append(de_words(int(g)) if lang == "de" else en_words(int(g)))
        elif len(g) == 4 and g[0] != "0" and g[2] != "0" and rng.random() < pairs:
            a, b = int(g[:2]), int(g[2:])
            out.append(f"{de_words(a)} {de_words(b)}" if lang == "de" else f"{en_words(a)} {en_words(b)}")
        else:
            out.append(digit_words(g, lang, rng, **kw))
    return out


# ------------------------------------------------------------------------------ values

DE_FIRST = ["Klaus", "Petra", "Sabine", "Thomas", "Monika", "Jürgen", "Andrea", "Stefan", "Claudia", "Michael",
            "Birgit", "Wolfgang", "Martina", "Frank", "Heike", "Uwe", "Karin", "Dieter", "Susanne", "Markus"]
DE_LAST = ["Becker", "Schneider", "Hoffmann", "Wagner", "Neumann", "Krüger", "Zimmermann", "Braun", "Hartmann",
           "Lehmann", "Schulz", "Koch", "Richter", "Wolf", "Schröder", "Keller", "Vogel", "Seidel", "Brandt", "Kuhn"]
EN_FIRST = ["Sarah", "James", "Emma", "David", "Laura", "Peter", "Rachel", "Andrew", "Helen", "Daniel", "Lucy",
            "Robert", "Susan", "George", "Kate", "Simon", "Claire", "Steven", "Amy", "Paul"]
EN_LAST = ["Johnson", "Wilson", "Thompson", "Walker", "Robinson", "Wright", "Hughes", "Edwards", "Clarke",
           "Harris", "Lewis", "Turner", "Parker", "Collins", "Bennett", "Morgan", "Cooper", "Ward", "Foster",
           "Hayes"]
DE_STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße", "Goethestraße",
              "Kirchgasse", "Rosenweg", "Bergstraße", "Mühlenweg"]
DE_CITIES = [("Hamburg", "20"), ("München", "80"), ("Köln", "50"), ("Leipzig", "04"), ("Dresden", "01"),
             ("Bremen", "28"), ("Hannover", "30"), ("Stuttgart", "70")]
EN_STREETS = ["Baker Street", "Park Lane", "Station Road", "Church Lane", "Mill Road", "Queens Avenue",
              "Victoria Street", "Green Lane"]
EN_CITIES = ["London", "Bristol", "Leeds", "Oxford", "York", "Bath"]
PROVIDERS = ["gmail", "gmx", "web", "outlook", "yahoo", "t-online"]
DE_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
DE_ORD = {1: "ersten", 2: "zweiten", 3: "dritten", 4: "vierten", 5: "fünften", 6: "sechsten", 7: "siebten",
          8: "achten", 9: "neunten", 10: "zehnten", 11: "elften", 12: "zwölften"}
EN_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth",
          9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth", 13: "thirteenth", 14: "fourteenth",
          15: "fifteenth", 16: "sixteenth", 17: "seventeenth", 18: "eighteenth", 19: "nineteenth",
          20: "twentieth", 21: "twenty-first", 22: "twenty-second", 23: "twenty-third", 24: "twenty-fourth",
          25: "twenty-fifth", 26: "twenty-sixth", 27: "twenty-seventh", 28: "twenty-eighth"}


def de_ordinal(d: int) -> str:
    if d in DE_ORD:
        return DE_ORD[d]
    if d < 20:
        return de_words(d) + "ten"
    return de_words(d) + "sten"


def _letters(name: str, lang: str) -> str:
    return ", ".join(ch.upper() for ch in name if ch.isalpha())


@dataclass
class Piece:
    text: str
    kind: str | None = None  # PII type, "agent_self", or None
    dictation: bool = False  # spoken slower, with pauses between groups


def pii_pieces(kind: str, lang: str, rng: random.Random, person: dict) -> list[Piece]:
    """One caller sentence carrying one PII mention of ``kind`` (cue, value pieces, tail)."""
    de = lang == "de"
    P = Piece
    if kind == "iban":
        bban = "".join(rng.choice("0123456789") for _ in range(18))
        iban = "DE" + iban_check_digits("DE", bban) + bban
        groups = say_groups(iban[2:], lang, rng, size=4, pairs=0.2)
        cue = rng.choice(["Meine IBAN ist", "Die IBAN lautet", "Meine Bankverbindung, die IBAN ist"] if de
                         else ["My IBAN is", "The IBAN is", "Sure, my IBAN is"])
        return [P(cue), P("D E, " + groups[0] + ",", kind, True)] + [P(g + ",", kind, True) for g in groups[1:]]
    if kind == "card":
        payload = "4" + "".join(rng.choice("0123456789") for _ in range(14))
        card = payload + luhn_check_digit(payload)
        groups = say_groups(card, lang, rng, size=4, pairs=0.2, doubles=True)
        cue = rng.choice(["Meine Kreditkartennummer ist", "Die Kartennummer ist", "Die Nummer auf der Karte ist"]
                         if de else ["My card number is", "The credit card number is", "The long number on the card is"])
        return [P(cue)] + [P(g + ",", kind, True) for g in groups]
    if kind == "phone":
        if de:
            area = rng.choice(["0172", "0151", "030", "040", "089", "0221", "0176", "0160"])
            rest = "".join(rng.choice("0123456789") for _ in range(rng.choice([6, 7, 8])))
            value = area + rest
            if rng.random() < 0.25:
                spoken = ["plus vier neun, " + digit_words(area[1:], lang, rng)] + say_groups(rest, lang, rng, size=3, pairs=0.3)
            else:
                spoken = [digit_words(area, lang, rng)] + say_groups(rest, lang, rng, size=3, pairs=0.3)
            cue = rng.choice(["Meine Telefonnummer ist", "Sie erreichen mich unter", "Meine Handynummer ist",
                              "Rufen Sie mich bitte unter"])
            tail = [P("zurück.")] if cue.startswith("Rufen") else []
        else:
            value = "07" + "".join(rng.choice("0123456789") for _ in range(9))
            spoken = say_groups(value, lang, rng, size=4 if rng.random() < 0.5 else 3, pairs=0.0, doubles=True, oh=True)
            cue = rng.choice(["My phone number is", "You can reach me on", "My mobile is", "Call me back on"])
            tail = []
        return [P(cue)] + [P(g + ",", kind, True) for g in spoken] + tail
    if kind == "email":
        first, last = person["first"].lower(), person["last"].lower()
        first = first.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
        last = last.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
        prov = rng.choice(PROVIDERS)
        tld = "de" if de and prov in ("gmx", "web", "t-online") else "com"
        dot, at = ("punkt", "at") if de else ("dot", "at")
        prov_s = prov.replace("-", " minus ") if de else prov.replace("-", " dash ")
        value = f"{first} {dot} {last} {at} {prov_s} {dot} {tld}"
        cue = rng.choice(["Meine E-Mail-Adresse ist", "Schreiben Sie mir an", "Meine Mail ist"] if de
                         else ["My email address is", "You can email me at", "My email is"])
        return [P(cue), P(value + ".", kind, True)]
    if kind == "date":
        d, m = rng.randint(1, 28), rng.randint(1, 12)
        y = rng.randint(1950, 2002)
        if de:
            style = rng.random()
            if style < 0.6:
                value = f"am {de_ordinal(d)} {DE_MONTHS[m - 1]} {de_words(y)}"
            else:
                value = f"am {de_ordinal(d)} {de_ordinal(m)} {de_words(y)}"
            cue, tail = rng.choice([("Ich bin", "geboren."), ("Geboren bin ich", "."), ("Mein Geburtsdatum ist", ".")])
            pieces = [P(cue), P(value.removeprefix("am ") if cue.startswith("Mein") else value, kind, True)]
            if tail != ".":
                pieces.append(P(tail))
            else:
                pieces[-1].text += "."
            return pieces
        yw = en_words(y // 100) + " " + (en_words(y % 100) if y % 100 >= 10 else "oh " + en_words(y % 100))
        value = (f"the {EN_ORD[d]} of {EN_MONTHS[m - 1]} {yw}" if rng.random() < 0.6
                 else f"{EN_MONTHS[m - 1]} the {EN_ORD[d]}, {yw}")
        cue = rng.choice(["I was born on", "My date of birth is", "My birthday is"])
        return [P(cue), P(value + ".", kind, True)]
    if kind == "address":
        if de:
            street = rng.choice(DE_STREETS)
            no = rng.randint(1, 120)
            city, prefix = rng.choice(DE_CITIES)
            plz = prefix + "".join(rng.choice("0123456789") for _ in range(3))
            cue = rng.choice(["Ich wohne in der", "Meine Adresse ist", "Die Lieferadresse ist"])
            return [P(cue), P(f"{street} {de_words(no)},", "address", True),
                    P(digit_words(plz, lang, rng), "postcode", True), P(city + ".")]
        street = rng.choice(EN_STREETS)
        no = rng.randint(1, 120)
        city = rng.choice(EN_CITIES)
        cue = rng.choice(["I live at", "My address is", "The delivery address is"])
        return [P(cue), P(f"{en_words(no)} {street},", "address", True), P(city + ".")]
    if kind == "postcode":
        if de:
            city, prefix = rng.choice(DE_CITIES)
            plz = prefix + "".join(rng.choice("0123456789") for _ in range(3))
            return [P(rng.choice(["Die Postleitzahl ist", "Meine Postleitzahl ist"])),
                    P(digit_words(plz, lang, rng) + ",", "postcode", True), P(f"das ist in {city}.")]
        outward = rng.choice(["S W one", "N W three", "E C two", "B S eight", "L S six"])
        inward = f"{rng.choice(EN_U[1:])} {rng.choice('ABDEFGHJLNPQRSTUWXYZ')} {rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        return [P(rng.choice(["My postcode is", "The postcode is"])), P(f"{outward}, {inward}.", "postcode", True)]
    if kind == "name":
        first, last = person["first"], person["last"]
        style = rng.random()
        if de:
            if style < 0.4:
                return [P(rng.choice(["Mein Name ist", "Hier spricht", "Ich heiße"])), P(f"{first} {last}.", "name")]
            if style < 0.75:
                return [P("Mein Name ist"), P(f"{first} {last},", "name"), P("das schreibt man"),
                        P(_letters(last, lang) + ".", "name", True)]
            return [P(rng.choice(["Der Vertrag läuft auf", "Das Konto läuft auf"])), P(f"{first} {last}.", "name")]
        if style < 0.4:
            return [P(rng.choice(["My name is", "Hi, this is", "Hello, my name's"])), P(f"{first} {last}.", "name")]
        if style < 0.75:
            return [P("My name is"), P(f"{first} {last},", "name"), P("that's spelled"),
                    P(_letters(last, lang) + ".", "name", True)]
        return [P("It is"), P(f"{first} {last}", "name"), P("speaking.")]
    if kind == "number":
        n = rng.choice([6, 7, 8, 9])
        digits = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))
        cue = rng.choice(["Meine Kundennummer ist", "Die Auftragsnummer lautet", "Meine Vertragsnummer ist",
                          "Die Sendungsnummer ist"] if de else
                         ["My customer number is", "The order number is", "My account number is",
                          "The reference number is"])
        return [P(cue)] + [P(g + ",", kind, True) for g in say_groups(digits, lang, rng, size=3, pairs=0.4)]
    raise ValueError(kind)


NEUTRAL = {
    "de": ["Der Laser fünfhundert druckt seit drei Tagen nicht mehr.", "Ich habe zwei Drucker bei Ihnen gekauft.",
           "Das Gerät hat neunundvierzig Euro gekostet.", "Können Sie mich morgen um drei Uhr zurückrufen?",
           "Das Display zeigt seit gestern eine Fehlermeldung.", "Ich warte schon seit zwei Wochen auf das Paket.",
           "Ich habe das Papier zweimal neu eingelegt.", "Die Lieferung sollte am Freitag kommen.",
           "Es geht um meine Bestellung vom letzten Monat.", "Das Kabel ist etwa zwei Meter lang."],
    "en": ["The Laser five hundred has not printed for three days.", "I bought two printers from you.",
           "It cost forty-nine pounds.", "Could you call me back tomorrow at three o'clock?",
           "The display has shown an error since yesterday.", "I have been waiting for two weeks for the parcel.",
           "I put the paper in twice.", "The delivery should come on Friday.",
           "It is about my order from last month.", "The cable is about two metres long."],
}
AGENT_TURNS = {
    "de": ["Verstehe. Dafür brauche ich noch ein paar Angaben von Ihnen.", "Danke. Und wie kann ich Sie erreichen?",
           "Gut, das habe ich notiert. Haben Sie noch die Bestellung zur Hand?", "Einen Moment bitte, ich schaue nach.",
           "Vielen Dank. Das Gerät kostet neunundvierzig Euro und kommt in drei Tagen."],
    "en": ["I see. I need a few details from you for that.", "Thank you. And how can I reach you?",
           "Good, I have noted that. Do you have the order at hand?", "One moment please, let me check.",
           "Thank you. The device costs forty-nine pounds and arrives in three days."],
}
AGENTS = {"de": [("Sonja", "Müller"), ("Anna", "Schmidt"), ("Jan", "Fischer")],
          "en": [("Ben", "Carter"), ("Emily", "Scott"), ("Tom", "Baker")]}
VOICES = {"de": {"agent": [Voice("de+klatt2", speed_wpm=150, pitch=75), Voice("de", speed_wpm=150, pitch=45)],
                 "caller": [Voice("de", speed_wpm=145, pitch=40), Voice("de+m3", speed_wpm=145, pitch=35),
                            Voice("de+f2", speed_wpm=145, pitch=60)]},
          "en": {"agent": [Voice("en-us", speed_wpm=165, pitch=45), Voice("en-gb-x-rp+f2", speed_wpm=160, pitch=60)],
                 "caller": [Voice("en-gb-x-rp", speed_wpm=150, pitch=40), Voice("en-us", speed_wpm=150, pitch=50),
                            Voice("en-gb-x-rp+f2", speed_wpm=150, pitch=65)]}}
TYPES = ("iban", "card", "phone", "email", "date", "address", "postcode", "name", "number")


def _render_turn(pieces: list[Piece], voice, rng: random.Random) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Audio of one turn (speech level as in the samples) and each piece's (start, end) within it, s."""
    chunks, spans = [], []
    pos = 0
    slow = voice.with_(speed_wpm=max(110, voice.speed_wpm - 25), word_gap=2)
    for k, p in enumerate(pieces):
        y = ms.synthesize(p.text, slow if p.dictation else voice)
        y = y * (10 ** (ms.SPEECH_LEVEL_DBFS / 20) / ms._active_rms(y))
        if k:
            gap = DICTATION_GAP_S if p.dictation and pieces[k - 1].dictation else PIECE_GAP_S
            gap += rng.uniform(-0.03, 0.05)
            chunks.append(np.zeros(int(gap * SR)))
            pos += int(gap * SR)
        spans.append((pos / SR, (pos + len(y)) / SR))
        chunks.append(y)
        pos += len(y)
    return np.concatenate(chunks), spans


def make_call(index: int, lang: str, rng: random.Random) -> tuple[object, dict]:
    call_id = f"pii_{lang}{index:02d}"
    agent_first, agent_last = rng.choice(AGENTS[lang])
    agent_voice = rng.choice(VOICES[lang]["agent"])
    caller_voice = rng.choice(VOICES[lang]["caller"])
    person = {"first": rng.choice(DE_FIRST if lang == "de" else EN_FIRST),
              "last": rng.choice(DE_LAST if lang == "de" else EN_LAST)}
    c = ms.Call(call_id, agent_first.lower(), lang, seed=1300 + index + (0 if lang == "de" else 500))
    turns_truth = []

    def put(speaker: str, pieces: list[Piece], voice, gap_s: float) -> None:
        audio, spans = _render_turn(pieces, voice, rng)
        start_s = c.cursor_s + gap_s
        seg = ms.Segment(speaker, round(start_s * SR), audio, " ".join(p.text for p in pieces), voice,
                         ms.SPEECH_LEVEL_DBFS, None, "turn")
        c.segments.append(seg)
        turns_truth.append({
            "speaker": speaker, "start_s": round(seg.start_s, 4), "end_s": round(seg.end_s, 4),
            "pieces": [{"text": p.text, "kind": p.kind, "start_s": round(seg.start_s + a, 4),
                        "end_s": round(seg.start_s + b, 4)} for p, (a, b) in zip(pieces, spans)],
        })

    greet = ([Piece("Grumps und Söhne,"), Piece(f"{agent_first} {agent_last},", "agent_self"), Piece("guten Tag.")]
             if lang == "de" else
             [Piece("Grumps and Sons,"), Piece(f"{agent_first} {agent_last}", "agent_self"), Piece("speaking, good morning.")])
    put("agent", greet, agent_voice, 0.0)
    kinds = list(TYPES)
    rng.shuffle(kinds)
    kinds = kinds[: rng.choice([5, 6, 7])]
    if "name" not in kinds:
        kinds[0] = "name"
    kinds.sort(key=lambda k: 0 if k == "name" else 1)
    neutral = list(NEUTRAL[lang])
    rng.shuffle(neutral)
    agent_lines = list(AGENT_TURNS[lang])
    for n, kind in enumerate(kinds):
        pieces = pii_pieces(kind, lang, rng, person)
        if rng.random() < 0.5 and neutral:
            pieces = ([Piece(neutral.pop())] + pieces) if rng.random() < 0.5 else (pieces + [Piece(neutral.pop())])
        put("caller", pieces, caller_voice, 0.5)
        if n < len(kinds) - 1:
            put("agent", [Piece(agent_lines[n % len(agent_lines)])], agent_voice, 0.5)
    put("agent", [Piece("Vielen Dank, auf Wiederhören." if lang == "de" else "Thank you, goodbye.")], agent_voice, 0.5)
    truth = {"call_id": call_id, "language": lang, "layout": "agent-left", "sample_rate": SR,
             "agent_name": f"{agent_first} {agent_last}", "turns": turns_truth}
    return c, truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder for the WAVs and truth JSONs (not the repository)")
    ap.add_argument("--calls", type=int, default=24, help="number of calls, half German, half English")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    try:
        version = ms.espeak_version()
    except ms.SampleError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    index = []
    mentions = 0
    for i in range(args.calls):
        lang = "de" if i % 2 == 0 else "en"
        call, truth = make_call(i // 2 + 1, lang, rng)
        audio = call.render()
        truth["duration_s"] = round(call.duration_s(), 4)
        truth["espeak_ng"] = version
        sf.write(args.out / f"{call.call_id}.wav", audio, SR, subtype="PCM_16")
        (args.out / f"{call.call_id}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                                                             encoding="utf-8")
        m = _count_mentions(truth)
        mentions += m
        index.append({"call_id": call.call_id, "language": lang, "duration_s": truth["duration_s"], "mentions": m})
        print(f"{call.call_id}: {truth['duration_s']:.1f} s, {m} PII mentions", flush=True)
    (args.out / "pii_set.json").write_text(json.dumps({"generator": "tools/make_pii_set.py", "seed": args.seed,
                                                       "espeak_ng": version, "calls": index}, indent=1) + "\n")
    print(f"{len(index)} calls, {mentions} PII mentions -> {args.out}")
    return 0


def pii_strings(truth: dict) -> list[tuple[str, str]]:
    """``(kind, string)`` pairs that no redacted output of a call may contain (the set's PII as
    text): the names (first names, surnames, a spelled name joined: "RICHTER"), the local part of
    e-mail addresses, street names, and the digits of every dictated value (each piece's digits
    and each mention's digits, when four or more). Words of the agent's own name are left out
    (kept under ``privacy.redact = "caller"``)."""
    from callcheck.privacy.numbers import runs

    lang = truth["language"]
    agent = {w.lower() for w in str(truth.get("agent_name", "")).split()}
    out: set[tuple[str, str]] = set()

    def add_word(kind: str, w: str) -> None:
        w = w.strip(" ,.;:")
        if len(w) >= 3 and w.replace("-", "").isalpha() and w.lower() not in agent:
            out.add((kind, w))

    for t in truth["turns"]:
        if t["speaker"] != "caller":
            continue
        mention: list[str] = []
        prev = None
        for p in t["pieces"] + [{"kind": None, "text": ""}]:
            k = p["kind"] if p["kind"] not in (None, "agent_self") else None
            if k != prev and mention:
                d = "".join(mention)
                if len(d) >= 4:
                    out.add((prev, d))
                mention = []
            prev = k
            if k is None:
                continue
            toks = p["text"].replace(",", " ").split()
            if k == "name":
                letters = [x.strip(".") for x in toks if len(x.strip(".")) == 1]
                if len(letters) >= 3:
                    add_word(k, "".join(letters))
                for x in toks:
                    if x[:1].isupper() and len(x.strip(".")) > 1:
                        add_word(k, x)
            elif k == "email":
                for x in toks:
                    if x in ("at",):
                        break
                    if x not in ("punkt", "dot", "minus", "dash"):
                        add_word(k, x)
            elif k == "address":
                for x in toks:
                    if x[:1].isupper() and x.lower() not in ("street", "road", "lane", "avenue"):
                        add_word(k, x)
            digits = "".join(r.digits.lstrip("+") for r in runs(toks, language=lang))
            if k == "date":
                digits = "".join(r.digits for r in runs(toks, language=lang) if len(r.digits) == 4)
            if len(digits) >= 4:
                out.add((k, digits))
            mention.append(digits)
    return sorted(out)


def _count_mentions(truth: dict) -> int:
    """Mentions = maximal runs of consecutive pieces of one PII type in a turn."""
    n = 0
    for t in truth["turns"]:
        prev = None
        for p in t["pieces"]:
            k = p["kind"] if p["kind"] not in (None, "agent_self") else None
            if k is not None and k != prev:
                n += 1
            prev = k
    return n


if __name__ == "__main__":
    sys.exit(main())
