"""PII detection on ASR-style text (German and English), placeholders, redact modes. No model."""

from __future__ import annotations

import pytest

from callcheck.privacy import (
    PrivacyConfig,
    detect_call,
    detect_pii,
    filter_mode,
    iban_valid,
    luhn_valid,
    placeholder,
    redact_call_words,
    redact_text,
    redact_words,
)
from callcheck.privacy.checksums import iban_check_digits, luhn_check_digit
from callcheck.privacy.numbers import combine, de_cardinal, de_ordinal, en_cardinal, runs, word_number
from callcheck.types import Word


def words(text: str, speaker: str = "caller", t0: float = 0.0) -> list[Word]:
    return [Word(speaker, tok, t0 + i * 0.4, t0 + i * 0.4 + 0.3, 0.9) for i, tok in enumerate(text.split())]


def kinds(text: str, language: str) -> list[tuple[str, str]]:
    """(type, text) of every span."""
    return [(s.kind, s.text) for s in detect_pii(words(text), language=language)]


# ------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize("word,value", [
    ("zweiundvierzig", 42), ("neunzehnhundertachtzig", 1980), ("dreihundertsiebzig", 370), ("siebzehn", 17),
    ("einundzwanzig", 21), ("zweitausenddreiundzwanzig", 2023), ("hundert", 100), ("tausend", 1000),
    ("sechzig", 60), ("sechsundsechzig", 66), ("null", 0), ("zwo", 2), ("einhundertzwölf", 112),
    ("dreitausendfünf", 3005), ("neunundneunzig", 99),
])
def test_german_cardinals(word, value):
    assert de_cardinal(word) == value


@pytest.mark.parametrize("word", ["ein", "eine", "und", "Bahnhof", "sieb", "zwanzigzwanzig", "hundertx"])
def test_german_non_numbers(word):
    assert de_cardinal(word) is None


@pytest.mark.parametrize("word,value", [("dritten", 3), ("erster", 1), ("siebten", 7), ("zwanzigsten", 20),
                                        ("einunddreißigsten", 31), ("neunzehnten", 19), ("achten", 8)])
def test_german_ordinals(word, value):
    assert de_ordinal(word) == value


@pytest.mark.parametrize("word,value", [("twenty-three", 23), ("nineteen", 19), ("zero", 0), ("ninety", 90)])
def test_english_cardinals(word, value):
    assert en_cardinal(word) == value


@pytest.mark.parametrize("text,lang,digits", [
    ("vier zwei null", "de", "420"),
    ("vier zwei null, siebzehn, dreiundachtzig", "de", "4201783"),
    ("null eins sieben zwo drei vier", "de", "017234"),
    ("neunzehn hundert achtzig", "de", "1980"),
    ("zwei und vierzig", "de", "42"),
    ("nineteen eighty two", "en", "1982"),
    ("three hundred and twenty", "en", "320"),
    ("twenty three forty five", "en", "2345"),
    ("oh seven seven double oh nine double six", "en", "07700966"),
    ("four five three two", "en", "4532"),
    ("triple nine", "en", "999"),
    ("420-17", "de", "42017"),
    ("0172/3456789", "de", "01723456789"),
    ("4532, 0151, 1283, 0366.", "en", "4532015112830366"),
    ("0 ,1 ,7 ,2 ,3 ,4", "de", "017234"),
])
def test_runs_give_dictated_digits(text, lang, digits):
    rs = runs(text.split(), language=lang)
    assert len(rs) == 1, rs
    assert rs[0].digits == digits


def test_oh_is_zero_only_next_to_digits():
    assert runs("oh , hello".split(), language="en") == ()
    assert runs("oh seven".split(), language="en")[0].digits == "07"


def test_run_breaks_at_words_and_sentence_end():
    rs = runs("vier zwei Drucker drei eins.  fünf".split(), language="de")
    assert [r.digits for r in rs] == ["42", "31", "5"]


def test_written_digits_are_not_merged_with_words():
    assert combine([word_number("20", "en"), word_number("three", "en")], language="en") == ("20", "3")


# ------------------------------------------------------------------------------ checksums


def test_iban_checksum():
    assert iban_valid("DE89 3704 0044 0532 0130 00")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")
    assert not iban_valid("DE89 3704 0044 0532 0130")  # German IBANs have 22 characters
    assert iban_valid("GB29NWBK60161331926819")
    bban = "370400440532013000"
    assert iban_check_digits("DE", bban) == "89"


def test_luhn():
    assert luhn_valid("4532015112830366")
    assert not luhn_valid("4532015112830367")
    assert luhn_valid("79927398713")
    assert luhn_check_digit("453201511283036") == "6"
    assert not luhn_valid("12a4")


# ------------------------------------------------------------------------------ German


@pytest.mark.parametrize("text,kind", [
    ("Meine IBAN ist DE89 3704 0044 0532 0130 00, danke.", "iban"),
    ("Die IBAN lautet D E acht neun drei sieben null vier null null vier vier null fünf drei zwei null eins drei null null null.", "iban"),
    ("Das ist DE89370400440532013000.", "iban"),
    ("Meine Kreditkartennummer ist 4532 0151 1283 0366.", "card"),
    ("Die Nummer ist vier fünf drei zwei null eins fünf eins eins zwei acht drei null drei sechs sechs.", "card"),
    ("Meine Telefonnummer ist null eins sieben zwei, drei vier fünf, sechs sieben acht neun.", "phone"),
    ("Sie erreichen mich unter 0172 3456789.", "phone"),
    ("Rufen Sie mich unter plus vier neun, eins sieben zwei, drei vier fünf sechs sieben acht an.", "phone"),
    ("Mein Telefon ist 0 ,1 ,2 ,3 ,4 ,5 ,6 ,8 ,9.", "phone"),
    ("Meine Kundennummer ist vier zwei null, siebzehn, dreiundachtzig.", "number"),
    ("Die Auftragsnummer lautet 420-17-83.", "number"),
    ("Die Sendungsnummer ist drei drei eins.", "number"),
    ("Ich bin am dritten März neunzehnhundertachtzig geboren.", "date"),
    ("Ich bin am 3. März 1980 geboren.", "date"),
    ("Mein Geburtsdatum ist der 3.3.1980.", "date"),
    ("Geboren bin ich am dritten dritten neunzehnhundertachtzig.", "date"),
    ("Meine E-Mail ist max punkt mustermann at gmail punkt com.", "email"),
    ("Schreiben Sie an max.mustermann@gmail.com bitte.", "email"),
    ("Das ist klaus punkt becker at web punkt de.", "email"),
    ("Ich wohne in der Hauptstraße zwölf.", "address"),
    ("Die Lieferadresse ist Bahnhofstr. 5 in Köln.", "address"),
    ("Ich wohne Berliner Straße 17a.", "address"),
    ("Meine Postleitzahl ist zwei null eins vier fünf.", "postcode"),
    ("Mein Name ist Klaus Becker.", "name"),
    ("Hier spricht Petra Schneider.", "name"),
    ("Ich heiße Jürgen.", "name"),
    ("Guten Tag, Frau Hoffmann.", "name"),
    ("Klaus Becker am Apparat.", "name"),
])
def test_german_pii(text, kind):
    found = kinds(text, "de")
    assert kind in [k for k, _ in found], found


def test_german_value_is_the_whole_number():
    found = kinds("Meine Telefonnummer ist null eins sieben zwei, drei vier fünf, sechs sieben acht neun.", "de")
    assert found == [("phone", "null eins sieben zwei, drei vier fünf, sechs sieben acht neun.")]


def test_address_and_postcode_apart():
    found = kinds("Ich wohne in der Hauptstraße zwölf, zwei null eins vier fünf Hamburg.", "de")
    assert found == [("address", "Hauptstraße zwölf,"), ("postcode", "zwei null eins vier fünf")]
    assert redact_text("Ich wohne in der Hauptstraße 12, 20145 Hamburg.", language="de") == \
        "Ich wohne in der [ADRESSE], [PLZ] Hamburg."


def test_spelled_name_after_name():
    found = kinds("Mein Name ist Klaus Becker, das schreibt man B E C K E R.", "de")
    assert found == [("name", "Klaus Becker,"), ("name", "B E C K E R.")]
    assert kinds("Becker mit B wie Berta, E wie Emil, C wie Cäsar.", "de")[-1][0] == "name"


def test_garbled_value_after_cue_is_taken():
    # Whisper on espeak-ng: "Meine IBAN ist D E acht neun ..." came back like this
    found = kinds("Mein Übernis, WN883704, 044, 05320, 0130, 000", "de")
    assert found and found[0][1].startswith(("WN883704", "Übernis"))
    found = kinds("Mein Name ist Clausbiker, das schreibt mein BECK -er.", "de")
    assert [k for k, _ in found] == ["name", "name"]


@pytest.mark.parametrize("text", [
    "Das ist der Laser fünfhundert, der graue mit dem kleinen Display.",
    "Das Gerät hat neunundvierzig Euro gekostet.",
    "Können Sie mich morgen um drei Uhr zurückrufen?",
    "Ich habe zwei Drucker und zwölftausend Seiten gedruckt.",
    "Ich warte seit zwei Wochen, also seit dem dritten März.",
    "Die Lieferung kommt am Freitag, dem dritten März.",
    "Das kostet 1.299 Euro, also zwölfhundertneunundneunzig.",
    "Ich bin Kunde seit zweitausendzehn.",
    "Ich bin zufrieden, danke schön.",
    "Das Kabel ist etwa zwei Meter lang.",
    "Der Drucker zieht kein Papier ein, ich habe es dreimal versucht.",
    "Grumps und Söhne, was kann ich für Sie tun?",
    "Moment, ja, der hängt tatsächlich fest, jetzt ist er wieder frei.",
    "Das war im Jahr zweitausenddreiundzwanzig, glaube ich.",
    "Fehlercode E 4 0 1 auf dem Display.",
    "Bitte warten Sie fünf Minuten.",
    "Windows 10 und Office 365.",
    "Ich habe das Papier zweimal neu eingelegt.",
    "Ich habe einen Arbeitsplatz mit drei Bildschirmen.",
])
def test_german_negatives(text):
    assert kinds(text, "de") == []


# ------------------------------------------------------------------------------ English


@pytest.mark.parametrize("text,kind", [
    ("My card number is 4532 0151 1283 0366.", "card"),
    ("My card number is 4532, 00715, 9802, 3314", "card"),
    ("It's four five three two, zero one five one, one two eight three, zero three six six.", "card"),
    ("You can reach me on 07700 900123.", "phone"),
    ("You can reach me on oh seven seven double oh, nine double six, one two three.", "phone"),
    ("My mobile is 07700966123.", "phone"),
    ("My IBAN is GB29 NWBK 6016 1331 9268 19.", "iban"),
    ("My customer number is four two zero one seven eight three.", "number"),
    ("The order number is 4 2 0 1 7 8.", "number"),
    ("I was born on the fourth of July nineteen eighty two.", "date"),
    ("My date of birth is July the fourth, 1982.", "date"),
    ("My birthday is 4/7/1982.", "date"),
    ("My email is sarah dot johnson at outlook dot com.", "email"),
    ("My email is Sarah .johnson at outlook .com", "email"),
    ("Send it to sarah.johnson@outlook.com please.", "email"),
    ("I live at 221B Baker Street.", "address"),
    ("The delivery address is twenty one Park Lane, Bristol.", "address"),
    ("My postcode is SW1A 1AA.", "postcode"),
    ("My name is Sarah Johnson.", "name"),
    ("Hi, this is Diane in New Jersey.", "name"),
    ("And I'm Sheila in Texas, originally from Chicago.", "name"),
    ("It is David Wilson speaking.", "name"),
    ("Thank you, Mrs Thompson.", "name"),
    ("My name is Sarah Johnson, that's spelled J O H N S O N.", "name"),
])
def test_english_pii(text, kind):
    found = kinds(text, "en")
    assert kind in [k for k, _ in found], found


@pytest.mark.parametrize("text", [
    "It is the Laser five hundred, the grey one with the small display.",
    "It cost forty-nine pounds.",
    "Could you call me back tomorrow at three o'clock?",
    "I bought two printers from you last week.",
    "I have been waiting for two weeks for the parcel.",
    "The delivery should come on Friday, the third of March.",
    "I'm sorry, I'm glad, I'm calling about my order.",
    "This is a problem, this is not what I ordered.",
    "Oh, hello. I didn't know you were there.",
    "Twenty pounds, and it comes with the sofa on Friday.",
    "It is about my order from last month, order two.",
    "You should read the manual, there is nothing wrong on our side.",
    "I may call again in March.",
    "We sold twelve thousand five hundred units in 2023.",
    "The cable is about two metres long.",
])
def test_english_negatives(text):
    assert kinds(text, "en") == []


# ------------------------------------------------------------------------------ placeholders and redaction


def test_placeholders_follow_language():
    assert placeholder("phone", "de") == "[TELEFON]"
    assert placeholder("phone", "en") == "[PHONE]"
    assert placeholder("card", "de-DE") == "[KARTE]"
    assert placeholder("postcode", "en") == "[POSTCODE]"
    assert placeholder("number", "fr") == "[NUMBER]"
    with pytest.raises(ValueError):
        placeholder("shoe size", "de")


def test_redact_words_one_placeholder_word_per_span():
    ws = words("Meine Kundennummer ist vier zwei null siebzehn dreiundachtzig, danke.")
    ws[5] = Word("caller", ws[5].text, ws[5].start_s, ws[5].end_s, 0.31)
    spans = detect_pii(ws, language="de")
    assert len(spans) == 1
    out = redact_words(ws, spans, language="de")
    assert [w.text for w in out] == ["Meine", "Kundennummer", "ist", "[NUMMER],", "danke."]
    ph = out[3]
    assert ph.start_s == ws[3].start_s and ph.end_s == ws[7].end_s
    assert ph.probability == pytest.approx(0.31)
    assert ph.speaker == "caller"


def test_redact_text_keeps_the_rest():
    assert redact_text("Mein Name ist Klaus Becker.", language="de") == "Mein Name ist [NAME]."
    assert redact_text("My number is 07700 900123, thanks!", language="en") == "My number is [PHONE], thanks!"
    assert redact_text("Mein Name ist [NAME].", language="de") == "Mein Name ist [NAME]."
    assert redact_text("Mein Name ist Klaus Becker.", language="de", mode="off") == "Mein Name ist Klaus Becker."
    assert redact_text("", language="de") == ""


def _call() -> list[Word]:
    agent1 = words("Grumps und Söhne, Sonja Müller, guten Tag.", "agent", 0.0)
    caller = words("Guten Tag, Frau Müller, mein Name ist Klaus Becker, meine Nummer ist 0172 3456789.", "caller", 4.0)
    agent2 = words("Danke, Herr Becker, ich rufe Sie unter 0172 3456789 zurück. Sonja Müller.", "agent", 12.0)
    return sorted(agent1 + caller + agent2, key=lambda w: w.start_s)


def test_mode_caller_keeps_the_agents_name():
    ws = _call()
    spans = detect_call(ws, language="de", mode="caller")
    texts = [(s.speaker, s.kind, s.text) for s in spans]
    assert ("caller", "name", "Klaus Becker,") in texts
    assert ("agent", "name", "Becker,") in texts  # the agent repeats the caller's name
    assert ("agent", "phone", "0172 3456789") in texts
    assert not any("Müller" in t for _, _, t in texts)
    out = " ".join(w.text for w in redact_call_words(ws, spans, language="de"))
    assert "Sonja Müller" in out and "Frau Müller" in out
    assert "Becker" not in out and "3456789" not in out


def test_mode_all_and_off():
    ws = _call()
    spans = detect_call(ws, language="de", mode="all")
    out = " ".join(w.text for w in redact_call_words(ws, spans, language="de"))
    assert "Müller" not in out and "Sonja" not in out and "Becker" not in out
    assert detect_call(ws, language="de", mode="off") == ()
    with pytest.raises(ValueError):
        detect_call(ws, language="de", mode="some")


def test_agent_names_from_the_manifest_stay():
    ws = words("Danke, Herr Carter, und mein Name ist Sarah Johnson.", "caller")
    spans = detect_pii(ws, language="en")
    kept = filter_mode(spans, mode="caller", agent_names=("ben.carter",))
    assert [s.text for s in kept] == ["Sarah Johnson."]


def test_english_greeting_name_is_self():
    ws = words("Grumps and Sons, Ben Carter speaking, good morning.", "agent")
    spans = detect_pii(ws, language="en")
    assert [(s.kind, s.text, s.self_name) for s in spans] == [("name", "Ben Carter", True)]
    assert filter_mode([s.__class__(**{**{f: getattr(s, f) for f in s.__slots__}, "speaker": "agent"})
                        for s in spans], mode="caller") == ()


def test_min_digits_setting():
    text = "Das sind vier zwei null eins."
    assert kinds(text, "de") == []
    spans = detect_pii(words(text), language="de", config=PrivacyConfig(min_digits=4))
    assert [s.kind for s in spans] == ["number"]


def test_span_json_has_no_text():
    s = detect_pii(words("My name is Sarah Johnson."), language="en")[0]
    d = s.to_json()
    assert "text" not in d and d["kind"] == "name" and d["start_s"] == pytest.approx(s.start_s)


def test_empty_input():
    assert detect_pii([], language="de") == ()
    assert redact_words([], [], language="de") == ()


def _builder():
    from script_module import load_script

    return load_script("tools/make_pii_set.py")


def test_test_set_number_words_parse_back():
    """The builder's number words (German compounds, English words) read back to the same value."""
    b = _builder()
    for n in list(range(0, 200)) + list(range(1900, 2030)) + [3005, 4711, 9999]:
        assert de_cardinal(b.de_words(n)) == n, b.de_words(n)
        rs = runs(b.en_words(n).split(), language="en")
        assert len(rs) == 1 and rs[0].digits == str(n), b.en_words(n)


def test_test_set_values_are_detected_in_text():
    """Every PII sentence the builder makes is found, with the right type, in its own text."""
    import random

    b = _builder()
    rng = random.Random(5)
    for lang in ("de", "en"):
        for kind in b.TYPES:
            for _ in range(3):
                pieces = b.pii_pieces(kind, lang, rng, {"first": "Klaus" if lang == "de" else "Sarah",
                                                        "last": "Becker" if lang == "de" else "Johnson"})
                text = " ".join(p.text for p in pieces)
                found = {k for k, _ in kinds(text, lang)}
                want = {p.kind for p in pieces if p.kind}
                assert want <= found, (lang, kind, text, found)


@pytest.mark.parametrize("text, language, expected", [
    # a UK postcode's inward half after the recogniser's sentence break
    ("My post code is EC2. 4 .netb. It is about my order.", "en", [("postcode", "EC2. 4 .netb.")]),
    ("My post code is EC2. Six YF.", "en", [("postcode", "EC2. Six YF.")]),
    ("My post code is 12345 ok.", "en", [("postcode", "12345")]),
    # a whole UK postcode ends the value: the number of the next clause is no part of it
    ("My post code is LS6. 1FN, the radar 500 does not print it.", "en", [("postcode", "LS6. 1FN,")]),
    # a German street one letter off, with a house number
    ("Die Lieferadresse ist Kirchtasse 20, 01180 Dresden.", "de", [("address", "Kirchtasse 20,"), ("postcode", "01180")]),
    ("Ich habe eine Kaffeetasse und 2 Drucker.", "de", []),
    ("Das ist die Preisklasse 2.", "de", []),
    # a house number of 21-199 split into ordinary words after the street (einundvierzig,
    # einhundertzehn), to the end of its clause; "ein paar ..." with no clause end is not one
    ("Ich wohne in der Bergstraße ein und wirt sich, 0, 1, 8, 2, 5 Berlin.", "de",
     [("address", "Bergstraße ein und wirt sich,"), ("postcode", "0, 1, 8, 2, 5")]),
    ("Ich wohne in der Hauptstrasse ein von der Zähn.", "de", [("address", "Hauptstrasse ein von der Zähn.")]),
    ("Die Bergstraße ein paar Meter weiter ist gesperrt.", "de", [("address", "Bergstraße")]),
    ("Ich wohne in der Hauptstraße, ein paar Häuser weiter.", "de", [("address", "Hauptstraße,")]),
    # whose the account is: a name that ends the sentence
    ("Das Konto läuft auf, Monica Hoffmann.", "de", [("name", "Monica Hoffmann.")]),
    ("Das Programm läuft auf Windows und stürzt ab.", "de", []),
    # the owner cue garbled with a prefix ("unläuft auf"); a place after an article is no name
    ("Das kommt unläuft auf, Monica Hoffmann.", "de", [("name", "Monica Hoffmann.")]),
    ("Das Rennen verläuft auf der Straße.", "de", []),
    ("Der Vertrag läuft auf Frau Becker.", "de", [("name", "Becker.")]),
    ("The account is in the name of Laura Smith.", "en", [("name", "Laura Smith.")]),
])
def test_garbled_postcodes_streets_and_account_owners(text, language, expected):
    assert kinds(text, language) == expected


def test_a_greeting_and_a_later_backchannel_are_no_name():
    """de01: the agent's "guten Tag." and, 4.6 s later inside the caller's story, "mhm" and "ja"
    were one name span ("Tag. mhm ja"): the greeting was shown as "guten [NAME]", the backchannels
    vanished from the redacted transcript, and the caller's "einen Tag" became a name too."""
    from callcheck.privacy.pii import detect_call

    agent = [("Grumps", 0.5), ("und", 0.946), ("Söhne,", 1.391), ("Sonja", 1.837), ("Müller,", 2.283), ("guten", 2.729),
             ("Tag.", 3.174), ("mhm", 7.8), ("ja", 12.52)]
    caller = [("Guten", 4.07), ("Tag,", 4.4), ("hier", 4.8), ("ist", 5.1), ("Peter", 5.53), ("Wagner.", 5.9),
              ("Ich", 13.2), ("habe", 13.5), ("einen", 13.6), ("Tag", 13.94), ("Urlaub", 14.3), ("genommen.", 14.7)]
    words = sorted([Word("agent", t, a, a + 0.35, 1.0) for t, a in agent] + [Word("caller", t, a, a + 0.3, 1.0) for t, a in caller],
                   key=lambda w: w.start_s)
    spans = detect_call(words, language="de", mode="all")
    assert sorted(s.text for s in spans) == ["Peter Wagner.", "Sonja Müller,"]


@pytest.mark.parametrize("text, language, expected", [
    # a dictation goes on over the sentence ends the recogniser puts at the caller's pauses
    ("The long number on the card is 4454. Two seven double six. Double five three two. Double two seven eight. "
     "It is about my order.", "en",
     [("card", "4454. Two seven double six. Double five three two. Double two seven eight.")]),
    ("Meine Kundennummer ist 123 456. Ich habe zwei Drucker bei Ihnen gekauft.", "de", [("number", "123 456.")]),
    ("Meine Kundennummer ist 123 456. Zwei Euro fünfzig hat es gekostet.", "de", [("number", "123 456.")]),
    ("My customer number is 123 456. Two printers. It cost forty-nine pounds.", "en", [("number", "123 456.")]),
    # "it is ... speaking": a name in any case between the two
    ("It is clear right, speaking.", "en", [("name", "clear right,")]),
    ("It is not speaking.", "en", []),
    ("Hier ist Heike vogel am Apparat.", "de", [("name", "Heike vogel")]),
    # an e-mail address dictated over several "sentences", with or without a mail cue word
    ("Schreiben Sie mir an, Morne kam Punkt auf mein Art. G -Mix, Punkt, Vee. Ich habe zwei Drucker.", "de",
     [("email", "Morne kam Punkt auf mein Art. G -Mix, Punkt, Vee.")]),
    ("Schreiben Sie mir bitte eine Bestätigung.", "de", []),
    ("Meine Mail ist Tabrunk -Vogel -Athe -Minus online .de.", "de", [("email", "Tabrunk -Vogel -Athe -Minus online .de.")]),
])
def test_dictations_over_sentence_breaks_and_name_frames(text, language, expected):
    assert kinds(text, language) == expected


def test_a_dictation_does_not_go_on_into_the_next_turn():
    """A new turn (a pause in which the other party speaks) ends the number."""
    ws = words("My customer number is 123 456.") + words("Two three four.", t0=9.0)
    other = [Word("agent", "Okay.", 5.0, 5.5, 0.9)]
    spans = detect_pii(ws, language="en", other=other)
    assert [s.text for s in spans] == ["123 456."]


@pytest.mark.parametrize("text, language, expected", [
    # the country code spelled with a full stop before the digits
    ("Sure, my iron is D. 93132 -045514 -15651541.", "en", [("number", "D. 93132 -045514 -15651541.")]),
    # "one hundred and nine" in an address
    ("The delivery addresses 100 and 9 Baker street London.", "en", [("address", "100 and 9 Baker street")]),
    # a number with a leading zero is no amount even before "times" or "Uhr"
    ("You can reach beyond 07273084 double 7 times.", "en", [("phone", "07273084 double 7")]),
    ("It cost forty-nine pounds. It takes 20 minutes. I have 3 printers.", "en", []),
    # a dotted word before a domain: the "at" went into the word before
    ("Schreiben Sie mir an. Werkerart .gemeichelt .com Das Gerät ist kaputt.", "de",
     [("email", "Werkerart .gemeichelt .com")]),
    # a domain of several parts
    ("My email is peter .morgan .net .au .com. I bought two printers.", "en", [("email", "peter .morgan .net .au .com.")]),
    # the window ends after the address, not with the sentence that goes on
    ("My email addresses, Susan .com, I've been waiting for two weeks for the parcel.", "en", [("email", "Susan .com,")]),
    ("Please send it to my email addresses, I check them daily.", "en", []),
])
def test_garbled_dictations_second_round(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text, language, expected", [
    # a spoken year the recogniser split in two pieces
    ("ich am 22. Dezember 19 .155.", "de", [("date", "am 22. Dezember 19 .155.")]),
    ("Ich bin am 21. Mai 1900 dreiundneunzig geboren.", "de", [("date", "am 21. Mai 1900 dreiundneunzig")]),
    ("Ich bin am 21. Mai neunzehnhundert 93 geboren.", "de", [("date", "am 21. Mai neunzehnhundert 93")]),
    # ... but a time or a count after a day and month is no year
    ("Die Lieferung kommt am 21. Mai 19 Uhr.", "de", []),
    ("Am 3. Mai 20 Stück bestellt.", "de", []),
    # a date written as digit groups, "geboren" heard as "geworden"/"geborgen"; "am" belongs to it
    ("Ich bin am 16 .12 .1960 geworden.", "de", [("date", "am 16 .12 .1960")]),
    ("Ich bin am 27 .19197 geworden.", "de", [("date", "am 27 .19197")]),
    ("geborgen bin ich, am Mittemberg, 199590.", "de", [("date", "am Mittemberg, 199590.")]),
    # "Geboren bin ich am ...": the inverted cue, a garbled value after it
    ("Geboren bin ich am 24 .1998.", "de", [("date", "am 24 .1998.")]),
    ("Geboren bin ich am 5 .5 .9 .150 danke.", "de", [("date", "am 5 .5 .9 .150")]),
    ("Geboren bin ich in Hamburg.", "de", []),
    # garbled words between the date and "geboren" are the rest of the date, a place is not
    ("Ich bin am 2 .20 .1996 und lieb sich geboren.", "de", [("date", "am 2 .20 .1996 und lieb sich")]),
    ("Ich bin am 3. Mai 1980 in Hamburg geboren.", "de", [("date", "am 3. Mai 1980")]),
    # a year cut short before a birth word, a garbled ordinal day, "geboren" heard as "geworen"
    ("bin am liebzehnten 4 .191 geworden.", "de", [("date", "am liebzehnten 4 .191")]),
    ("Ich bin am 5. Dezember 197 und mich sich geworden. Mein", "de", [("date", "am 5. Dezember 197 und mich sich")]),
    ("Ich bin am 15. Nipptember 1952 geworen. Das", "de", [("date", "am 15. Nipptember 1952")]),
    ("Ich habe 4 .191 Drucker", "de", []),
    ("Am 5. Dezember 197 Stück verkauft", "de", []),
    # the month said twice, the year after the second
    ("My birthday is March 3rd, September 1960.", "en", [("date", "March 3rd, September 1960.")]),
    ("Ich bin am 8. August 1910 .1990 geworden, danke.", "de", [("date", "am 8. August 1910 .1990")]),
    # a day ordinal, the month garbled or dropped, a year
    ("the 21st of much 1993 was it", "en", [("date", "the 21st of much 1993")]),
    ("It was the 21st 1993.", "en", [("date", "the 21st 1993.")]),
    ("Ich bin am einundzwanzigsten Mei 1993 geboren.", "de", [("date", "am einundzwanzigsten Mei 1993")]),
    ("I called on the 3rd time in 1990 please.", "en", []),
    ("Das ist mein dritter Drucker seit 1990.", "de", []),
    # an uncued number with a day and a year-like group is a date only after "am"/"on" or a birth cue
    ("Meine Kundennummer ist 16 19605 danke.", "de", [("number", "16 19605")]),
    ("Die Nummer 12 19887 ist neu.", "de", [("number", "12 19887")]),
    # the cue's "on" stays outside the date ("born on"); another "on" before a date joins it
    ("Yes, I was born on October 10, 1991.", "en", [("date", "October 10, 1991.")]),
    ("I was born on 10 October 1991.", "en", [("date", "10 October 1991.")]),
    ("The contract started on October 10, 1991.", "en", [("date", "on October 10, 1991.")]),
    # the year's tail written again after the date joins it; a number that goes on does not
    ("My birthday is the 3rd of April 1990. 90, and the printer", "en", [("date", "the 3rd of April 1990. 90,")]),
    ("I was born on the 2nd of May 1981. 80, yes.", "en", [("date", "the 2nd of May 1981. 80,")]),
    ("I was born on June 5th 1993. 50, printers.", "en", [("date", "June 5th 1993.")]),
    ("My birthday is the 3rd of April 1990. 90 Euro was the price.", "en", [("date", "the 3rd of April 1990.")]),
])
def test_dates_as_the_recogniser_writes_them(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text, language, expected", [
    # an English street in lower case after a house number, without a cue ("live at" heard as "leave at")
    ("I leave at 36 station road Oxford.", "en", [("address", "36 station road")]),
    ("I leave at 9 mil road, Leeds", "en", [("address", "9 mil road,")]),
    ("We waited 20 minutes on the road.", "en", []),
    ("I drove 20 miles down the road.", "en", []),
    ("There were 3 cars on the road.", "en", []),
    # the street written as one word after a house number
    ("The delivery addresses, 62, Parklane, Bristol.", "en", [("address", "62, Parklane,")]),
    # "str." is no sentence end
    ("Ich wohne in der Hauptstr. zwölf", "de", [("address", "Hauptstr. zwölf")]),
    # a street word that is also an everyday word ("Kirchkasse"), with a house number and a postcode
    ("Wester ist Kirchkasse, 12, 305, 59, Hannover, die", "de", [("address", "Kirchkasse, 12,"), ("postcode", "305, 59,")]),
    ("Die Krankenkasse 12 zahlt 300 Euro.", "de", []),
    ("Das ist die Preisklasse 2, 12345 Stück.", "de", []),
    # a street word a letter off with house number and postcode; a lower-case street word
    ("Die Lise am Messer ist. Lindhalle 19 288 9 Wehmann", "de", [("address", "Lindhalle 19"), ("postcode", "288 9")]),
    ("Ich wohne in der göttestrasse 6.", "de", [("address", "göttestrasse 6.")]),
    ("Die Sporthalle 3 ist zu.", "de", []),
    ("Die Turnhalle 19 12345 Euro", "de", []),
    # "Postleitzahl ist" garbled beyond the fuzzy cue match, digits after it
    ("Meine Postreize ist 501 .6. Das ist in Köln.", "de", [("postcode", "501 .6.")]),
    ("Die Postfiliale ist 3 km weit.", "de", []),
    ("Die Postkarte ist schön.", "de", []),
    # two German digit words glued into one
    ("Apostel als Arlist, drei Nullacht, neun Null, nass ist in Hannover.", "de", [("number", "drei Nullacht, neun Null,")]),
])
def test_addresses_as_the_recogniser_writes_them(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text, language, expected", [
    # the "at" of "email me at" is the cue's, not the address's
    ("You can email me at lore .rabinsonetoutlook .com. You", "en", [("email", "lore .rabinsonetoutlook .com.")]),
    ("email me at sarah dot jones at gmail dot com", "en", [("email", "sarah dot jones at gmail dot com")]),
    # "address is" glued into "addresses", "Adresse ist" into "-Abersist" after the cue
    ("My email addresses Simon .pughsat .jaboo .com.", "en", [("email", "Simon .pughsat .jaboo .com.")]),
    ("Meine Email -Abersist, Markus Punkt, Richter, Art, Raul, Punkt, Kromt, der Reise 500 Gut, mit", "de",
     [("email", "Markus Punkt, Richter, Art, Raul, Punkt, Kromt,")]),
    # no cue (garbled), no known domain: the shape local-dot-local at domain dot short word
    ("Schreiben wir mich an. Michail punkt Kloch. At ja, o' punkt, kaum, Das Kabel ist lang.", "de",
     [("email", "Michail punkt Kloch. At ja, o' punkt, kaum,")]),
    ("Write to Simon dot Hughes. At web dot com.", "en", [("email", "Simon dot Hughes. At web dot com.")]),
    # "at" heard as "hat"/"Art", the dot written into the domain, "com" heard as "Krom"/"-Kom"
    ("meine Mail ist Susanna .Neumannart .ja. Und Krom. Das Kabel ist lang.", "de",
     [("email", "Susanna .Neumannart .ja. Und Krom.")]),
    ("Ermail hat mich gesteet. Uwe punkt Kuger hat Web .me. Maske mit hat neu genommen", "de",
     [("email", "Uwe punkt Kuger hat Web .me.")]),
    # ("Schreiben wir an" is the recogniser's "Schreiben Sie mir an": the local part is read from the cue on)
    ("Schreiben wir an Nun an der Punkt -Dichter -Art Ja, wo Punkt -Kom Die Lieferung", "de",
     [("email", "Nun an der Punkt -Dichter -Art Ja, wo Punkt -Kom")]),
    # a word that ends like a mail cue ("-Gemail") inside the address does not cut it
    ("nie mehr an Uwe Punkt -Kuhn -Art -Gemail -Punkt -Kromt. Danke", "de",
     [("email", "Uwe Punkt -Kuhn -Art -Gemail -Punkt -Kromt.")]),
    # ordinary sentences with "at", "hat" and "Punkt"
    ("Das ist ein Punkt, der hat einen Punkt. Gut", "de", []),
    ("Der Punkt hat mich Punkt acht genervt.", "de", []),
    ("Um Punkt drei bin ich at home. Punkt aus.", "de", []),
    ("I am at home, dot dot.", "en", []),
    ("I will be at the office at three.", "en", []),
    ("Das ist ein wichtiger Punkt, ich bin um Punkt acht da.", "de", []),
])
def test_emails_as_the_recogniser_writes_them(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text, language, expected", [
    # the IBAN's country code spelled, the cue lost, garbled pieces between the digit groups
    ("U -H -N Mein Liebernis, D -E -5 -3 -5 -0, Nieb -Zich -1 -Necht -Zich, Nechs -2 -0 -8, Nechs -7 -0 -3, "
     "Nechs -4 -5, Schreiben nie mehr an", "de",
     [("name", "U -H -N"), ("iban", "D -E -5 -3 -5 -0, Nieb -Zich -1 -Necht -Zich, Nechs -2 -0 -8, Nechs -7 -0 -3, "
                                    "Nechs -4 -5,")]),
    # two capital letters before a small number are no IBAN
    ("Ich habe D E 5 Drucker.", "de", []),
    ("Das Modell A T 300 ist gut.", "de", []),
    # three words between two numbers stay apart unless they are the recogniser's dictation pieces
    ("Meine Kundennummer ist 123456 und dann noch 789012.", "de", [("number", "123456"), ("number", "789012.")]),
])
def test_spelled_country_code_and_garbled_pieces(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text, value", [("O7O,", "070"), ("7O", "70"), (",O8,", "08"), ("4o4", "404")])
def test_letter_o_inside_digits_is_zero(text, value):
    assert word_number(text, "en").digits == value


@pytest.mark.parametrize("text", ["O", "oh", "Oo", "Zoo", "to"])
def test_letter_o_alone_is_no_number(text):
    assert word_number(text, "en") is None


def test_phone_with_oh_written_as_the_letter():
    assert kinds("You can reach me on O7O, File 7O ,O8, file 6. Thanks", "en") == [
        ("phone", "O7O, File 7O ,O8, file 6.")]


@pytest.mark.parametrize("text, language, expected", [
    # a dictation garbled past the readers, found by its density of digit-like words
    ("Rufen wie mich bitte runter. Plus vier Neuen. Ein Fünfein. Mächs zwei Nieuen. Mächs sieben. Mächs zur Rüge.",
     "de", [("phone", "Plus vier Neuen. Ein Fünfein. Mächs zwei Nieuen. Mächs sieben.")]),
    ("Die Bahn ist. D .E. Fünfecks fünf Nieuen. Drei Nächs acht acht. Mächs fünf vier vier.", "de",
     [("iban", "D .E. Fünfecks fünf Nieuen. Drei Nächs acht acht. Mächs fünf vier vier.")]),
    ("You can reach me on 7 -1, 5 -9 -4, 8 -C -N -5, 3 -6. I", "en", [("phone", "7 -1, 5 -9 -4, 8 -C -N -5, 3 -6.")]),
    # ... which starts at a digit or a letter, never at a garbled word
    ("The liven is D .E. 8924. 5755. 6909 1234", "en", [("iban", "D .E. 8924. 5755. 6909 1234")]),
    # counts, amounts and everyday "neuen" are no dictation
    ("Ich habe 3 Drucker, 2 Scanner, 4 Monitore und 1 Laptop gekauft.", "de", []),
    ("Ich habe drei neue Drucker und zwei neuen Scanner für vier Kollegen und eine Kollegin.", "de", []),
    ("Das sind eins, zwei, drei Sachen, aber nicht vier.", "de", []),
    ("It was five four nine. It cost forty-nine pounds.", "en", []),
    # a first and a last name after the telephone's "this is"; not a company
    ("Hi, this is Claire Johnson.", "en", [("name", "Claire Johnson.")]),
    ("Hello, this is Microsoft Support.", "en", []),
    # a whole UK postcode needs no cue; "MP3 4GB" is none
    ("the post -codes LS6 8PL.", "en", [("postcode", "LS6 8PL.")]),
    ("It has an MP3 4GB card.", "en", []),
    # the garbled day of a date opened by "am"
    ("Geboren bin ich am meg -sund -twanzigsten Oktober -1958.", "de",
     [("date", "am meg -sund -twanzigsten Oktober -1958.")]),
    ("Wir haben am Montag den Oktober 2020 besprochen.", "de", []),
    # ... or its day and month as digits or an ordinal
    ("Geboren bin ich am 5 .10. Oktober 1956.", "de", [("date", "am 5 .10. Oktober 1956.")]),
    ("My date on birth is 24th on January 1954. I", "en", [("date", "24th on January 1954.")]),
    ("We had 3 of the orders in January 2020.", "en", []),
    # right after a cue of a number-bearing type, less density is needed
    ("Meine Vertragsnummer ist... Nächste vier Näuen... drei Nächste drei... Nächste Nächste null...", "de",
     [("number", "vier Näuen... drei Nächste drei... Nächste Nächste null...")]),
    ("Ich wohne in dem, 8, 0, 59, wünschen.", "de", [("address", "8, 0, 59,")]),
    ("Meine Kundennummer ist leider nicht zur Hand, ich habe 2 Drucker und 3 Scanner.", "de", []),
    ("Meine Vertragsnummer ist 285 -943, ich habe zwei Drucker gekauft.", "de", [("number", "285 -943,")]),
    # a UK postcode's inward half in two pieces
    ("the post -codes, NW3, 6, NQ?", "en", [("postcode", "NW3, 6, NQ?")]),
    # a German street's garbled house number and postcode run up to its city
    ("Die Lieferabesser ist Hauptstraße, Einund siebt sich, Fünftenull, Eins drei drei, Köln.", "de",
     [("address", "Hauptstraße, Einund siebt sich, Fünftenull, Eins drei drei,")]),
    ("Ich wohne in der Hauptstraße, aber ich arbeite in Köln.", "de", [("address", "Hauptstraße,")]),
    ("Die Hauptstraße ist seit 2 Jahren gesperrt, in München auch.", "de", [("address", "Hauptstraße")]),
    # the tens of a German year the recogniser wrote as words; a number so read is a date before "geboren"
    ("Mein Geburtsdatum ist am 18 .5 .1988 und lieb sich. Das Kabel ist", "de",
     [("date", "am 18 .5 .1988 und lieb sich.")]),
    ("Ich bin am 2 und 20 .996 und lieb sich geboren. Das Kabel", "de", [("date", "am 2 und 20 .996 und lieb sich")]),
    ("Ich bin am 5. Oktober 1978 und sich freuen.", "de", [("date", "am 5. Oktober 1978")]),
    ("Meine Nummer ist 2 und 20 .996 und zwanzig Stück.", "de", [("number", "2 und 20 .996")]),
    # after "ich wohne in" a number before a unit is no house number; a house number after "at" is
    ("Ich wohne in Hamburg seit 20 Jahren und 3 Monaten.", "de", []),
    ("I live at 103 park lanes. I", "en", [("address", "103 park lanes.")]),
])
def test_garbled_dictations_third_round(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text,language,expected", [
    # an e-mail window takes sentences without an e-mail word when a later one ends a domain
    ("Meine Mail ist Michael. Rehman Art. Ja, u .com.", "de", [("email", "Michael. Rehman Art. Ja, u .com.")]),
    ("Schreiben Sie mir an Claudia. Leidel art .gmx .d.", "de", [("email", "Claudia. Leidel art .gmx .d.")]),
    ("Schreiben Sie mir an Begitpunktmannerart. Ja, o 'punkt, kaum.", "de",
     [("email", "Begitpunktmannerart. Ja, o 'punkt, kaum.")]),
    # ... also after a cue the recogniser ended a sentence at
    ("Schreiben Sie mir an. Thomas punkt Schulzart ja auch punkt kaum. Nass ist Zeit", "de",
     [("email", "Thomas punkt Schulzart ja auch punkt kaum.")]),
    # ... but a joiner alone or a provider's everyday word is no domain's end
    ("Meine E-Mail hat sich geändert. Ich komme kaum noch an. Punkt.", "de", []),
    ("Schreiben Sie mir an. Ich warte auf die Antwort.", "de", []),
    ("Please write to me. I am at home.", "en", []),
    # an unknown street after an address cue, then its (garbled) postcode; "Adress" is the cue
    ("Mein Adresse ist Mürnmeck 20, 3 ,044, Ich bin mir zuerst, dass die Welt", "de",
     [("address", "Mürnmeck 20,"), ("postcode", "3 ,044,")]),
    ("Meine Adresse ist Mürnmeck 20, 3 Drucker habe ich.", "de", [("address", "Mürnmeck 20,")]),
    ("Mein Adress ist Kirchkasse 2080186, Wünchen", "de", [("address", "Kirchkasse 2080186,")]),
    # a month before a date found from its year; a name garbled into everyday words after its cue
    ("geborgen bin ich am ersten April 2011.", "de", [("date", "am ersten April 2011.")]),
    ("Im Mai 2011 habe ich bestellt.", "de", []),
    ("Der Vertrag läuft auf, mich heil neu man.", "de", [("name", "mich heil neu man.")]),
    ("Hier spricht, so meine Vogel, ich habe", "de", [("name", "so meine Vogel,")]),
    ("Ich heiße an Wererschulds, Ich habe zwei", "de", [("name", "an Wererschulds,")]),
    ("Der Vertrag läuft auf meinen Namen.", "de", []),
    ("Das läuft auf, nichts hinaus.", "de", []),
    ("Das Konto läuft auf, ein Jahr.", "de", []),
    ("Der Vertrag läuft auf, ich weiß nicht.", "de", []),
    ("Mein Name ist nicht so wichtig, ich habe", "de", []),
])
def test_garbled_dictations_sixth_round(text, language, expected):
    assert kinds(text, language) == expected



@pytest.mark.parametrize("text,language,expected", [
    # "Geburtsdatum" garbled past the fuzzy cue match still opens a date of birth ...
    ("Mein Gewürtestnatum ist, 10 und mit und 9, 103 und 7, 7.", "de", [("date", "10 und mit und 9, 103 und 7, 7.")]),
    # ... a date only with a date after it
    ("Das Gesprächsdatum weiß ich nicht mehr.", "de", []),
    # the cues as the recogniser wrote them: "Schreiben Sie mich an", "my dress is"
    ("Schreiben Sie mich an, Wolfgang punkt, Brandtart, ja, punkt, Klaum.", "de",
     [("email", "Wolfgang punkt, Brandtart, ja, punkt, Klaum.")]),
    ("Schreiben Sie mich an, wenn Sie Fragen haben.", "de", []),
    ("my dress is 59 Queen 7, you please.", "en", [("address", "59 Queen 7,")]),
    ("my dress is red and I like it.", "en", []),
    # "geborgen" (a garbled "geboren") before the date as after it; "Postleitzahl ist" glued into one word
    ("geborgen bin ich am 20. Lieb zu 9 ,500, mir und lieb zu sich, ich habe das Papier", "de",
     [("date", "am 20. Lieb zu 9 ,500, mir und lieb zu sich,")]),
    ("Ich fühle mich geborgen bei Ihnen.", "de", []),
    ("vom letzten Monat. meine Postrexalist 5956, das ist in Köln.", "de", [("postcode", "5956,")]),
    # "dot" written "not" after an "at", when a mail word came before and no pause or comma between
    ("My email is peter not toner at where not come", "en", [("email", "peter not toner at where not come")]),
    ("I am at home, not come back yet.", "en", []),
    ("Look at it, not come on.", "en", []),
    # a number said in the next sentence is no part of the dictation before it
    ("My account number is 718898617, the laser 500 was not printed for 3 days.", "en", [("iban", "718898617,")]),
    ("My phone number is 079 096 318 09 The laser 500 was not printed for 3 days", "en", [("phone", "079 096 318 09")]),
    ("-324 -069 -305 -6728 -0384. The Raymer 500 does not print it for", "en", [("card", "-324 -069 -305 -6728 -0384.")]),
    ("Mein Geburtsdatum ist 1 .1 .1973. Wer reinge 500 Ruckt, mein Dreitagen nicht mehr.", "de", [("date", "1 .1 .1973.")]),
    ("Meine Kundennummer ist 578654, 6. Danke.", "de", [("number", "578654, 6.")]),
    # a year said "twenty oh one"
    ("My birthday is the twenty-eighth of June twenty oh one.", "en", [("date", "the twenty-eighth of June twenty oh one.")]),
    ("I was born in nineteen oh five, oh well.", "en", [("date", "nineteen oh five,")]),
    # more garbled cues: "Geburts…", a compound's end swallowed ("Telefonum"), "prunkt" and a glued
    # "-Mailprunkt" for "Punkt" (not "Zeitpunkt"), ".me"; "Schreiben wir an" reads only an address
    ("Mein Geburtsnattung ist, Smite und August 191.", "de", [("date", "August 191.")]),
    ("Meine Telefonum ist, null, eins, sieben, eins, zwei, drei, vier.", "de",
     [("phone", "null, eins, sieben, eins, zwei, drei, vier.")]),
    ("Das Telefonat war kurz, 3 Minuten.", "de", []),
    ("Meine E -Mail absetzt, Wolfgang prunkt meine Art G -Mailprunkt kaum.", "de",
     [("email", "absetzt, Wolfgang prunkt meine Art G -Mailprunkt kaum.")]),
    ("Meine E-Mail habe ich zum Zeitpunkt kaum gelesen.", "de", []),
    ("Schreiben wir an Petra .Wolfartt -Online .me, Der Bremer", "de", [("email", "Petra .Wolfartt -Online .me,")]),
    ("Schreiben wir an die Zentrale, die wissen das.", "de", []),
    ("Schreiben Sie mir bitte einen Brief nach Hause.", "de", []),
    # a group's last "oh" (not one said after a comma)
    ("My mobile is oh seven four three, nine four two five, nine four oh, I put the paper in twice.", "en",
     [("phone", "oh seven four three, nine four two five, nine four oh,")]),
    ("My number is 4 5 6 7 8, oh, and I wanted to ask", "en", [("number", "4 5 6 7 8,")]),
    ("Call me back on oh seven one two, seven one nine five, eight oh nine, I bought two printers.", "en",
     [("phone", "oh seven one two, seven one nine five, eight oh nine,")]),
    # the mailbox, not its address: no e-mail unless an e-mail word follows
    ("My email is not working since Monday.", "en", []),
    ("Meine E-Mail ist kaputt, seit Montag.", "de", []),
    ("Meine E-Mail funktioniert nicht mehr.", "de", []),
])
def test_garbled_dictations_seventh_round(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text,language,expected", [
    # "-Punk" (a cut-short "Punkt" with the dictation mark) is a dot; the music is not
    ("Meine E -Mail -Affreser ist Brigittevogel -Art -Web -Punk -DE, das Gerät hat 49 Euro gekostet.", "de",
     [("email", "Brigittevogel -Art -Web -Punk -DE,")]),
    ("Ich höre gern Punk, und Rock.", "de", []),
    # a spelled top-level domain ("punkt T E"), two or three letters
    ("Meine E-Mail ist Martina Punkt, Krieger -Art -Germix -Punk -T -E.", "de",
     [("email", "Martina Punkt, Krieger -Art -Germix -Punk -T -E.")]),
    ("Meine E-Mail ist martina punkt krieger at gmx punkt T E. Danke", "de",
     [("email", "martina punkt krieger at gmx punkt T E.")]),
    # ".d" left of ".de" after a provider; the postcode before the address stays a postcode
    ("Die Postleitzahl ist 04238 -Liebzig Rehman Art Web .d.", "de",
     [("postcode", "04238"), ("email", "-Liebzig Rehman Art Web .d.")]),
    # a name with an initial, up to a comma after a known first name; a first and last name run together
    ("Der Vertrag läuft auf, Martin R. Krüger, der Reise 500 Rookt mit drei Tagen nicht mehr.", "de",
     [("name", "Martin R. Krüger,")]),
    ("Der Vertrag läuft auf, Klauslun, die Lieferung sollte am Freitag kommen.", "de", [("name", "Klauslun,")]),
    ("Der Vertrag läuft auf, Windows, glaube ich.", "de", []),
    # a year's tens after the sentence end the recogniser put in it, when "geboren" follows
    ("Ich bin am 20. November, 19. 149. Und nicht sich geborgen, Maske", "de",
     [("date", "am 20. November, 19. 149. Und nicht sich")]),
    ("Das war am 20. November 1969. Und dann ging es los.", "de", [("date", "am 20. November 1969.")]),
    # streets: a name in lower case before "Weg" with house number and postcode; a garbled street
    # between a house number with postcode and a city
    ("ich mourne in der rosen Weg 94, 7 0 0 8 6 Stuttgart.", "de", [("address", "rosen Weg 94,"), ("postcode", "7 0 0 8 6")]),
    ("Meine Fesse ist, Mührenmeck 89, 28, 23, 9, Bremen.", "de", [("address", "Mührenmeck 89,"), ("postcode", "28, 23, 9,")]),
    ("Die Bestellung 12, 34567 kam nach Berlin.", "de", [("number", "12, 34567")]),
    # "of" heard as "from" in a date of birth
    ("My date on birth is 8 from July 1978.", "en", [("date", "8 from July 1978.")]),
    ("I bought 8 from July 2023 on.", "en", []),
    # a day said in two pieces ("siebenundzwanzigsten": "7 und 20.")
    ("Ich bin am 7 und 20. Juli 1931 geworden.", "de", [("date", "am 7 und 20. Juli 1931")]),
    # "Frau" before a comma titles no name
    ("Der Vertrag läuft auf, meine Frau, glaube ich.", "de", []),
    ("Meine Frau, glaube ich.", "de", []),
    # the recogniser's hyphen inside a cue ("post -codes"); ".at" as the at before a dotted domain
    ("o 'clock, the post -codes, NW -3, 6 -N -Q?", "en", [("postcode", "NW -3, 6 -N -Q?")]),
    ("you can email me at Amy .Wall .at .tmashonline .com.", "en", [("email", "Amy .Wall .at .tmashonline .com.")]),
    # "dot" heard as "not" before "com" in an e-mail cue's window, not a negation
    ("my email is Sarah not calling that where not come The display has shown", "en",
     [("email", "Sarah not calling that where not come")]),
    ("My email is not come back yet.", "en", []),
    ("My email has not come through.", "en", []),
    ("My email is still not come through.", "en", []),
    # "Geburtsdatum" split at the recogniser's dictation mark
    ("Mein Gebot -Statum ist 27 .12 .1973.", "de", [("date", "27 .12 .1973.")]),
    ("Das Angebot -Datum war gestern.", "de", []),
])
def test_garbled_dictations_eighth_round(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text,language,expected", [
    # "post code" heard as "post called" / "post call"; a UK inward half of two capitals before a comma
    ("The post called is D. S. 8. 5 SD.", "en", [("postcode", "D. S. 8. 5 SD.")]),
    ("I will post call notes later.", "en", []),
    ("The postcode is L -S -6 Two NS, I've been waiting", "en", [("postcode", "L -S -6 Two NS,")]),
    # "Postleitzahl ist" split at the recogniser's dictation mark; not the post office
    ("Die Post -Atsalist 8 .089, Das ist in Wünchen.", "de", [("postcode", "8 .089,")]),
    ("Die Post -Filiale ist 200 Meter weiter.", "de", []),
    # "Bunkt" for "Punkt", "-Comb" for "com"
    ("Schreiben Sie mir an, Klaus -Bunkt -Backer -Art -U -Dlock -Bunkt -Comb. Die", "de",
     [("email", "Klaus -Bunkt -Backer -Art -U -Dlock -Bunkt -Comb.")]),
    # digit groups right before "geboren" are a date of birth
    ("Ich bin am 3 .21983 geworden. meiner", "de", [("date", "am 3 .21983")]),
    ("Die Nummer 123 .4567 geboren", "de", [("number", "123 .4567")]),
])
def test_garbled_dictations_ninth_round(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text,language,expected", [
    # a year with a dot ends a date of birth: a German ordinal dot never follows a year
    ("Mein Geburtstag ist 55, 1982. Die Lieferung sollte am Freitag kommen.", "de", [("date", "55, 1982.")]),
    ("Ich bin am 1 .1 .1973. Das Paket kam nicht.", "de", [("date", "am 1 .1 .1973.")]),
    # "neunzehnhundert" heard as an 18.. year
    ("Geboren bin ich am 6 .20. Juli 1882, es geht um meine Bestellung", "de", [("date", "am 6 .20. Juli 1882,")]),
    # a misheard word between month and year
    ("My birthday is 15th October Number 1951, could you call me", "en", [("date", "15th October Number 1951,")]),
    ("On the 3rd of June we sent 1951 boxes.", "en", []),
    # the day misheard as words before the month, after a birth cue
    ("mein Geburtstag zu misst, Lieb zum Dezember 1983, danke.", "de", [("date", "Lieb zum Dezember 1983,")]),
    ("Mein Geburtsdatum ist Dezember 1983.", "de", [("date", "Dezember 1983.")]),
    # "zu" inside a garbled month before a four-digit year; not before a time
    ("bin ich am 20. Mieb zu 19 .00. Ich habe das Papier", "de", [("date", "am 20. Mieb zu 19 .00.")]),
    ("Wir kommen am 20. Mai zu 19 Uhr.", "de", []),
    # "Postleitzahl ist" garbled and glued, its digits misheard ("Mechs", "Näun") next to real ones
    ("zwei Meter lang, die Postreizerlist, null vier Mechs, null Näun, das ist in Leib.", "de",
     [("postcode", "null vier Mechs, null Näun,")]),
    ("Die Postleitzahl ist 80331, neuen Dank.", "de", [("postcode", "80331,")]),
    ("Meine Kundennummer ist 12 34 56, die neuen Geräte kommen.", "de", [("number", "12 34 56,")]),
    # an e-mail address by its shape, the dot written into the local part ("Susanne .12" for
    # "Susanne Punkt Ziegler"), the cue lost ("Schreiben wie an")
    ("Der Laser druckt nicht mehr Schreiben wie an Susanne .12 Art. Lock .com Wie geht es", "de",
     [("email", "Susanne .12 Art. Lock .com")]),
    ("Wir haben .net hat viel Zeit .com", "de", []),
    # "Schreiben Sie mich an" heard with "wie"
    ("Das Display zeigt nichts, schreiben wie mich an, Mami ne punkt, meidel art, jao punkt, kaum Mein Name", "de",
     [("email", "Mami ne punkt, meidel art, jao punkt, kaum")]),
    # two pieces of one address joined over a spoken dot heard as "not" after a pause
    ("My email is Paul. Not her is at Outlook .com. Thanks", "en", [("email", "Paul. Not her is at Outlook .com.")]),
    ("My email is paul at gmail .com. Not now, thanks, my other email is at outlook .com.", "en",
     [("email", "paul at gmail .com."), ("email", "at outlook .com.")]),
])
def test_garbled_dictations_tenth_round(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("text,language,expected", [
    # the words right before a spelling cue are the name it spells (the name cue misheard:
    # "mein Arme ist"); the cue's "man." is no spelled letter; not without a spelling after it
    ("Der Drucker druckt nicht mehr, mein Arme ist stefan .reman das schreibt man. L, E, H, M, A, N, N.", "de",
     [("name", "stefan .reman"), ("name", "L, E, H, M, A, N, N.")]),
    ("Ich habe das Formular ausgefüllt, das schreibt man so.", "de", []),
    ("My name is Tom. I am Ruben, that's spelled R, U, B, E, N.", "en",
     [("name", "Tom."), ("name", "Ruben,"), ("name", "R, U, B, E, N.")]),
    # a street heard as two words after an address cue; "eins" cut short after a street word
    ("Die Lieferabesser ist merkst Wasser 54, 70926 Stuttgart.", "de",
     [("address", "merkst Wasser 54,"), ("postcode", "70926")]),
    ("Ich wohnen in der müren Weg ein, von der zwei", "de", [("address", "müren Weg ein,")]),
    ("Ich wohne in der Nähe vom Bahnhof, ein Paket kam.", "de", []),
    # an e-mail address over the pauses: "at" glued to the local part, T-Online split
    ("Meine Mail ist Frank. Wolfart. D -Online. D. Ich habe Zmeidgucker Einen gekauft.", "de",
     [("email", "Frank. Wolfart. D -Online.")]),
    ("Meine E-Mail ist kaputt. Die Sportart ist Fußball. Ich habe", "de", []),
    ("Meine E-Mail ist kaputt. Die Sportart ist im Web beliebt. Ich habe", "de", []),
    # "of" heard as "on" in a date
    ("49 pounds, my birthday is the 22nd on November, 1969.", "en", [("date", "the 22nd on November, 1969.")]),
    ("We shipped the 3rd on Monday.", "en", []),
    # "ich bin am ... geboren" with two numbers or more between: the garbled date of birth
    ("Ich bin am 4. und mein 19. von der 3. und lieb sich geworden Die Lieferung", "de",
     [("date", "am 4. und mein 19. von der 3. und lieb sich")]),
    ("Ich bin am Montag um 3 Uhr und 20 geworden.", "de", []),
    ("Ich bin am 3. Mai 1980 in Hamburg geboren.", "de", [("date", "am 3. Mai 1980")]),
    # a garbled day ordinal and month before a four-digit year
    ("Ich habe einen Toaster gekauft, mein Gewürz dazu ist, vier und zweizigsten Auslust 2001.", "de",
     [("date", "vier und zweizigsten Auslust 2001.")]),
    # "Frank" was missing from the German first names (the cue "läuft auf" misheard)
    ("Das kommt doch neu drauf. Frank Zimmermann,", "de", [("name", "Frank Zimmermann,")]),
])
def test_garbled_dictations_eleventh_and_twelfth_round(text, language, expected):
    assert kinds(text, language) == expected


@pytest.mark.parametrize("word,garbled", [
    ("Necks", True), ("Mechs", True), ("Riewen", True), ("Fünfünfünfünf", True), ("Fünfnull", True), ("ach", True),
    ("Ruckt", False), ("Zucker", False), ("Nacken", False), ("Sachen", False), ("Woche", False),
])
def test_garbled_digit_words(word, garbled):
    """What a dense dictation may hold between its digits: German digit words the recogniser garbled."""
    from callcheck.privacy.pii import _garbled_digit
    assert _garbled_digit(word.lower(), "de") is garbled


def test_dense_dictation_of_garbled_digit_words():
    text = ("Mein E -Mahn ist D -E -0, Riewen, acht, acht Necks, Riewen, Riewen, Riewen Drei Necks, Necks, Necks "
            "Ein zwei, drei Riewen Fünf,")
    assert kinds(text, "de") == [("iban", text.split("ist ", 1)[1])]
    assert kinds("Ach so, das ist 3 Wochen her, ach ja, 4 Tage.", "de") == []


@pytest.mark.parametrize("text, expected", [
    # a spelling's letters said as words at its ends stay in it (a call's name spans are trimmed
    # of everyday words, "er" and "ich" among them) ...
    ("Markus Echter, das schreibt man er. Ich, C, H, T, E, Er. Können Sie", ["Markus Echter,", "er. Ich, C, H, T, E, Er."]),
    # ... but not a word of the next sentence
    ("Mein Name ist Peter Becker, das schreibt man B, E, C, K, E, R. Es geht um meine Bestellung.",
     ["Peter Becker,", "B, E, C, K, E, R."]),
])
def test_spelled_letters_said_as_words(text, expected):
    assert [s.text for s in detect_call(words(text), language="de") if s.kind == "name"] == expected
