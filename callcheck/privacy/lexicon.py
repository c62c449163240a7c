"""Word lists of the PII detectors (German and English), all lower case.

Cue phrases are matched on stripped words (:func:`callcheck.privacy.numbers.strip_word`);
a German compound cue also matches as the end of a longer word ("Kundennummer" ends in
"nummer").  The first-name list holds common given names that are not also everyday words
("Mark", "Will", "May", "Frank" are left out on purpose).
"""

from __future__ import annotations

# ------------------------------------------------------------------------------ cues per type

CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "iban": {
        "de": ("iban", "kontonummer", "bankverbindung", "bankkonto", "konto"),
        "en": ("iban", "bank account", "account number", "sort code"),
    },
    "card": {
        "de": ("kreditkarte", "kreditkartennummer", "kartennummer", "karte", "visa", "mastercard", "ec-karte",
               "girokarte", "kreditkarten"),
        "en": ("card number", "credit card", "debit card", "card", "visa", "mastercard", "amex"),
    },
    "phone": {
        "de": ("telefonnummer", "telefon", "handynummer", "handy", "mobilnummer", "rückrufnummer", "festnetz",
               "festnetznummer", "telefonisch", "erreichbar unter", "erreichen sie mich unter", "unter der nummer",
               "rufnummer", "mobil", "rufen sie mich"),
        "en": ("phone number", "phone", "mobile", "mobile number", "telephone", "cell", "reach me on", "reach me at",
               "call me on", "call me back on", "call me at", "number to call"),
    },
    "email": {
        "de": ("e-mail", "email", "mail", "e-mail-adresse", "emailadresse", "mailadresse", "e-mailadresse",
               "mail-adresse", "schreiben sie mir an", "schreiben sie mir", "schreiben sie mich an", "schreiben wir an", "mailen sie mir",
               # "Sie" heard as "wie"
               "schreiben wie mir an", "schreiben wie mich an", "schreiben wie an"),
        "en": ("email", "e-mail", "email address", "e-mail address", "mail address", "write to me at",
               "email addresses", "e-mail addresses"),
    },
    "birth": {
        "de": ("geboren", "geborgen", "geburtsdatum", "geburtstag", "jahrgang", "geb"),
        "en": ("born", "date of birth", "birthday", "birth date", "dob"),
    },
    "address": {
        "de": ("wohne", "wohnen", "adresse", "adress", "anschrift", "wohnhaft", "lieferadresse", "rechnungsadresse",
               "wohnort", "meldeadresse"),
        "en": ("live at", "live in", "live on", "address", "my dress", "home address", "delivery address", "billing address",
               "addresses", "delivery addresses"),
    },
    "postcode": {
        "de": ("postleitzahl", "plz"),
        "en": ("postcode", "post code", "postcodes", "post codes", "post called", "post call", "zip", "zip code",
               "postal code"),
    },
    "number": {
        "de": ("nummer", "nr", "kundennummer", "vertragsnummer", "auftragsnummer", "bestellnummer",
               "rechnungsnummer", "sendungsnummer", "referenznummer", "versichertennummer", "ausweisnummer",
               "personalausweis", "steuernummer", "steuer-id", "pin", "passwort", "kennwort", "vorgangsnummer",
               "ticketnummer", "mitgliedsnummer", "zählernummer", "kundenkonto", "kundennr", "geheimzahl",
               "sozialversicherungsnummer", "identnummer", "aktenzeichen"),
        "en": ("number", "customer number", "account", "order number", "reference", "reference number",
               "contract number", "membership number", "policy number", "invoice number", "tracking number",
               "id number", "pin", "passport number", "social security", "national insurance", "ticket number",
               "case number", "password", "customer id", "account id", "member number"),
    },
}

#: "...nummer" compounds that name a product, not a person
NOT_PERSONAL_NUMBERS = ("modellnummer", "artikelnummer", "typnummer", "produktnummer", "versionsnummer",
                        "fehlernummer", "seitennummer", "hausnummer", "model", "model number", "version",
                        "error", "page", "room", "extension", "durchwahl")

#: a person introduces themselves (first person: ``self`` = True) or is addressed/named
NAME_INTRO: dict[str, tuple[tuple[str, bool], ...]] = {
    "de": (("mein name ist", True), ("mein name", True), ("ich heiße", True), ("ich heisse", True),
           ("hier spricht", True), ("hier ist", True), ("sie sprechen mit", True), ("am apparat ist", True),
           ("ich bin der", True), ("ich bin die", True), ("ich bin", True), ("name ist", True),
           ("mit wem spreche ich", False), ("spreche ich mit", False), ("heißt", False), ("namens", False),
           ("name lautet", True), ("mein nachname ist", True), ("mein vorname ist", True), ("nachname ist", True),
           ("vorname ist", True), ("auf den namen", False), ("läuft auf", False), ("lautet auf", False)),
    "en": (("my name is", True), ("my name's", True), ("the name is", True), ("name's", True),
           ("this is", True), ("it's", True), ("i'm", True), ("i am", True), ("call me", True),
           ("you're speaking with", True), ("you are speaking with", True), ("you're talking to", True),
           ("speaking with", False), ("my surname is", True), ("my last name is", True),
           ("my first name is", True), ("surname is", True), ("under the name", False), ("named", False),
           ("in the name of", False)),
}
#: titles before a surname
TITLES = ("herr", "herrn", "frau", "fräulein", "familie", "dr", "doktor", "prof", "professor",
          "mr", "mrs", "ms", "miss", "mister", "sir", "madam")
#: a name follows ("das schreibt man B E C K E R", "spelled J O H N")
SPELL_CUES: dict[str, tuple[str, ...]] = {
    "de": ("schreibt man", "schreibt sich", "buchstabiert", "buchstabiere", "geschrieben", "mit b wie",
           "das heißt", "also"),
    "en": ("spelled", "spelt", "spell", "that's", "that is", "as in"),
}

#: words after "I'm"/"ich bin"/"this is" that are not names
NOT_NAMES = frozenset(
    """
    ich du er sie es wir ihr mich mir dich dir uns euch ihnen ihn ihm der die das den dem des ein eine einer
    eines einem einen kein keine nicht noch schon auch ja nein doch mal gerade sehr so zu im am in an auf aus
    bei mit von vor nach über unter um für gegen ohne bis seit und oder aber denn weil dass wenn als wie was
    wer wo hier da dort jetzt heute morgen gestern gut schlecht froh sicher leider eigentlich wirklich ganz
    kunde kundin neu neukunde seit zufrieden unzufrieden verwirrt sauer enttäuscht dran gleich fertig
    zuständig bereit total echt etwas bisschen immer wieder halt eben genau klar okay ok
    i you he she it we they me him her us them my your his its our their a an the not no yes so very
    just really quite still also glad sorry happy afraid sure fine good okay ok calling ringing here there
    now today afraid trying looking wondering going having being not afraid pleased from with in at on of
    to for about and or but because if that what who this that's it's is was be been customer new
    tag abend hallo servus wiedersehen wiederhören tschüss morning afternoon evening hello bye goodbye
    mhm mmhm hm hmm mm ähm äh öhm ahm aha uh uhm um umm ah oh hmhm
    """.split()
)

#: sentence-level function words that end a value ("... 0172 345 und ich bin ...")
BREAKERS: dict[str, frozenset[str]] = {
    "de": frozenset("""ich sie wir er du ihr man aber oder bitte danke können kann könnten könnte haben habe
        hat ist sind war wäre wenn weil dass damit auch noch schon nicht mal dann so ja nein genau okay
        gerne würde wird werden soll sollte muss müssen möchte will wollte denn also falls vielen dank
        richtig stimmt gut prima super alles klar es mein meine wie wo was""".split()),
    "en": frozenset("""i you we he she they and but or please thanks thank can could would will have has is
        are was were if because that so yes no okay alright also then just right great fine sure that's
        it's is don't didn't can't won't should must it this there what when where how do does did been be
        am my""".split()),
}

#: after a cue, before the value
COPULAS = frozenset("""ist lautet lauten sind wäre wär lautet: : is are was 's be die der das den meine mein
    meiner my the a also äh ähm uh um nämlich unter on at es ja so folgende folgendermaßen:
    null-""".split()) - {"null-"}

# ------------------------------------------------------------------------------ spelling

#: the NATO alphabet and the German spelling alphabets (DIN 5009 names of 1950 and 2022 towns)
SPELLING_WORDS: dict[str, str] = {
    **{w: w[0] for w in """alpha alfa bravo charlie delta echo foxtrot golf hotel india juliett juliet kilo lima
       mike november oscar papa quebec romeo sierra tango uniform victor whiskey whisky xray x-ray yankee
       zulu""".split()},
    **{w: w[0] for w in """anton berta bertha cäsar caesar dora emil friedrich gustav heinrich ida julius
       kaufmann konrad ludwig martha marta nordpol otto paula quelle richard samuel siegfried theodor ulrich
       viktor wilhelm xanthippe ypsilon zacharias zeppelin""".split()},
    "ärger": "ä", "ökonom": "ö", "übermut": "ü", "charlotte": "c", "schule": "s", "eszett": "ß",
}
#: letters as people say them (German and English letter names); only used next to other letters
LETTER_NAMES: dict[str, str] = {
    "ah": "a", "be": "b", "bee": "b", "ce": "c", "cee": "c", "zeh": "c", "de": "d", "dee": "d", "ef": "f",
    "eff": "f", "ge": "g", "gee": "g", "ha": "h", "aitch": "h", "jot": "j", "jay": "j", "ka": "k", "kay": "k",
    "el": "l", "ell": "l", "em": "m", "en": "n", "pe": "p", "pee": "p", "ku": "q", "cue": "q", "queue": "q",
    "er": "r", "ar": "r", "es": "s", "ess": "s", "te": "t", "tee": "t", "vau": "v", "vee": "v", "we": "w",
    "ix": "x", "ex": "x", "zäh": "c", "eh": "e", "äh": "e", "ypsilon": "y", "why": "y", "zett": "z", "zed": "z", "zee": "z",
}

# ------------------------------------------------------------------------------ dates

MONTHS: dict[str, int] = {
    "januar": 1, "jänner": 1, "februar": 2, "feber": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5,
    "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "december": 12,
    "feb": 2, "mär": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "okt": 10,
    "oct": 10, "nov": 11, "dez": 12, "dec": 12,
}
#: a word after a date that makes it a date of birth: "geboren", "born", and what the recogniser
#: writes for a spoken "geboren" ("geworden", "geborgen": "Ich bin am 16 .12 .1960 geworden.")
BIRTH_TAILS = frozenset({"geboren", "geworden", "geborgen", "born"})
#: English month names that are also everyday words: a date needs a day or year next to them
AMBIGUOUS_MONTHS = frozenset({"may", "march", "august", "jan", "mai"})

# ------------------------------------------------------------------------------ e-mail

#: words right after "meine E-Mail ist" / "my email is" that talk about the mailbox, not its
#: address ("Meine E-Mail ist kaputt", "my email is not working"): no address is read there
#: unless an e-mail word follows
EMAIL_STATE_WORDS = frozenset({
    "nicht", "kein", "keine", "kaputt", "funktioniert", "geht", "ging", "gesperrt", "voll", "weg", "gehackt",
    "falsch", "geändert", "blockiert", "leer", "alt", "neu", "seit", "auch", "wieder", "immer", "noch",
    "not", "broken", "working", "works", "down", "blocked", "full", "gone", "hacked", "wrong", "changed",
    "empty", "old", "new", "still", "also", "again", "since", "doesn't", "isn't", "won't", "stopped", "never",
})
AT_WORDS = frozenset({"at", "ät", "@", "et", "add"})
DOT_WORDS = frozenset({"punkt", "prunkt", "bunkt", "dot", "."})  # "prunkt", "bunkt": the recogniser's "Punkt"
EMAIL_JOINERS = frozenset({"punkt", "prunkt", "dot", "minus", "bindestrich", "strich", "unterstrich", "underscore",
                           "dash", "hyphen", "at", "ät", "@"})
TLDS = frozenset({"com", "de", "net", "org", "eu", "info", "at", "ch", "uk", "co", "io", "biz", "fr", "it",
                  "nl", "kom", "korm", "komm", "kaum", "come", "dee", "online", "au", "nz", "ca", "us", "es", "pl", "se", "be",
                  "dk", "ie", "li", "lu", "cz", "gov", "edu", "ac", "me"})
MAIL_PROVIDERS = frozenset({"gmail", "googlemail", "gmx", "web", "outlook", "hotmail", "yahoo", "t-online",
                            "icloud", "aol", "freenet", "posteo", "live", "mailbox", "protonmail", "proton"})

# ------------------------------------------------------------------------------ addresses

DE_STREET_SUFFIXES = ("straße", "strasse", "str", "weg", "gasse", "allee", "platz", "ring", "damm", "ufer",
                      "chaussee", "pfad", "steig", "stieg", "zeile", "graben", "wall", "promenade", "kamp")
#: street words written apart ("Berliner Straße 5", "Am Markt 3")
DE_STREET_WORDS = frozenset({"straße", "strasse", "str", "weg", "gasse", "allee", "platz", "ring", "damm",
                             "ufer", "chaussee", "markt", "pfad", "steig"})
EN_STREET_WORDS = frozenset({"street", "st", "road", "rd", "lane", "ln", "avenue", "ave", "drive", "close",
                             "way", "crescent", "place", "square", "court", "gardens", "terrace", "grove",
                             "boulevard", "blvd", "row", "mews", "parade", "walk"})
#: words that are no street even though they end like one
NOT_STREETS = frozenset({"arbeitsplatz", "parkplatz", "sitzplatz", "stellplatz", "ausweg", "umweg", "rückweg",
                         "heimweg", "weg", "ring", "platz", "fingerring", "schlüsselring", "damm", "anfangsstr",
                         "lieferweg", "zahlungsweg", "versandweg", "postweg", "rechtsweg", "dienstweg",
                         "spielplatz", "marktplatz", "bildschirmplatz", "speicherplatz", "mittelweg",
                         "unterwegs", "lösungsweg", "abweg", "way", "drive", "place", "close", "row", "walk",
                         "court", "square", "st"})

# ------------------------------------------------------------------------------ negatives

#: a number right before one of these is an amount, a time or a count, not an identifier
UNIT_WORDS = frozenset("""euro eur € cent ct prozent % uhr minute minuten sekunde sekunden stunde stunden tag
    tage tagen woche wochen monat monate monaten jahr jahre jahren mal stück gb mb tb kb gigabyte megabyte kilo
    kg gramm meter km cm mm grad seiten seite punkte kunden leute personen drucker geräte dollar pfund franken
    pounds pound pence quid dollars cents percent per o'clock minutes minute seconds hours hour days day weeks
    week months month years year times pieces items people printers devices pm am uhr. bucks gbp usd eur
    euros prozentpunkte watt volt zoll inch inches""".split())
#: a number right after one of these is a time, amount or model, not an identifier
UNIT_BEFORE = frozenset("""um gegen ab bis seit circa ca etwa ungefähr rund für kostet kosten preis
    laser modell model version typ serie baujahr windows iphone galaxy office at around about costs cost price
    £ $ € euro nur only approximately roughly""".split())

# ------------------------------------------------------------------------------ first names

FIRST_NAMES = frozenset(
    """
    alexander alexandra andrea andreas angelika anja anke anna anne annette antje barbara bärbel bernd
    bettina birgit brigitte carina carola carsten christa christian christiane christina christine
    christoph claudia clemens cornelia dagmar daniel daniela dieter dietmar dirk doris dorothea elke elena
    elisabeth emma erika eva fabian felix florian frank franziska frieda friedrich gabi gabriele georg
    gerd gerhard gisela gudrun günter günther hannah hannelore hans harald heike heiko heinz helga helmut
    hendrik herbert hildegard holger horst ilse ina ines ingeborg ingo ingrid irene jan jana jens
    jessica joachim jochen johanna johannes jonas jörg josef julia julian jürgen jutta karin karl
    karl-heinz katharina kathrin katja katrin kerstin klaus kristina lars laura lea lena leon lisa lothar
    luisa lukas manfred manuela marcel marco marcus maria marie marion markus marlene martin martina
    matthias maximilian melanie michael michaela miriam monika nadine natalie nicole niklas nina nils
    norbert olaf oliver patrick paul peter petra philipp rainer ralf ralph regina reinhard renate rita
    robert roland rolf rosemarie rüdiger sabine sabrina sandra sara sarah sascha sebastian silke simon
    simone sonja stefan stefanie steffen stephan susanne sven swen tanja thomas thorsten tim tobias
    torsten udo ulrich ulrike ursula uta ute uwe verena volker waltraud werner wolfgang yvonne
    jennifer jessica emily olivia sophie sophia charlotte amelia isla ava mia poppy evie isabella
    ella lily chloe lucy megan hannah holly amy rebecca rachel laura emma katie kate catherine elizabeth
    margaret susan linda karen nancy betty helen sandra donna carol ruth sharon michelle dorothy deborah
    diane diana sheila janet judith joyce patricia mary barbara jane heather victoria samantha natalie
    james john robert michael william david richard joseph thomas charles christopher daniel matthew
    anthony donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason
    jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel
    gregory alexander patrick jack dennis jerry tyler aaron jose henry adam douglas nathan peter zachary
    kyle walter harold jeremy ethan carl keith roger gerald christian terry sean arthur noah
    lawrence jesse joe bryan billy albert dylan bruce ralph roy alan wayne eugene juan gabriel
    louis russell randy vincent philip logan bobby harry oliver charlie liam oscar alfie leo archie
    freddie theo lucas mason ben claire clare monica angela alice grace eleanor
    """.split()
)

# ------------------------------------------------------------------------------ cities

#: German, Austrian and Swiss cities of 100,000 inhabitants or more (and a few more large towns):
#: a city after a street ends the address, so that the recogniser's garbled house number and
#: postcode between them belong to it ("Hauptstraße, Einund siebt sich, Fünftenull, Eins drei drei, Köln.")
CITIES_DE = frozenset(
    """
    berlin hamburg münchen köln frankfurt stuttgart düsseldorf leipzig dortmund essen bremen dresden
    hannover nürnberg duisburg bochum wuppertal bielefeld bonn münster mannheim karlsruhe augsburg
    wiesbaden mönchengladbach gelsenkirchen aachen braunschweig kiel chemnitz halle magdeburg freiburg
    krefeld mainz lübeck erfurt oberhausen rostock kassel hagen potsdam saarbrücken hamm ludwigshafen
    oldenburg mülheim osnabrück leverkusen darmstadt heidelberg solingen herne neuss regensburg
    paderborn ingolstadt offenbach fürth würzburg ulm heilbronn pforzheim wolfsburg göttingen bottrop
    reutlingen koblenz recklinghausen bremerhaven erlangen bergisch trier jena remscheid siegen
    salzgitter hildesheim cottbus wien graz linz salzburg innsbruck zürich genf basel bern lausanne
    winterthur luzern
    """.split()
)
