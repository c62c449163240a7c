"""The languages a call can be transcribed in: Whisper's, by ISO 639-1 code.

``normalize_language`` turns what a user typed (``--language DE``, a manifest's ``de-DE``) into the
code the pipeline and the records use, or stops with one line that says what to type instead
(``german`` -> "did you mean de?").
"""

from __future__ import annotations

import re

from callcheck.errors import ConfigError

#: Whisper's language codes, in faster-whisper's order (``faster_whisper.tokenizer._LANGUAGE_CODES``;
#: a test keeps the two equal). Mostly ISO 639-1; ``haw``, ``yue`` are ISO 639-3, ``jw`` is Whisper's.
WHISPER_LANGUAGES: tuple[str, ...] = (
    "af", "am", "ar", "as", "az", "ba", "be", "bg", "bn", "bo", "br", "bs", "ca", "cs", "cy", "da", "de", "el",
    "en", "es", "et", "eu", "fa", "fi", "fo", "fr", "gl", "gu", "ha", "haw", "he", "hi", "hr", "ht", "hu", "hy",
    "id", "is", "it", "ja", "jw", "ka", "kk", "km", "kn", "ko", "la", "lb", "ln", "lo", "lt", "lv", "mg", "mi",
    "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl", "nn", "no", "oc", "pa", "pl", "ps", "pt", "ro", "ru",
    "sa", "sd", "si", "sk", "sl", "sn", "so", "sq", "sr", "su", "sv", "sw", "ta", "te", "tg", "th", "tk", "tl",
    "tr", "tt", "uk", "ur", "uz", "vi", "yi", "yo", "zh", "yue",
)

#: English names (as in Whisper's tokenizer), common German and native names, and ISO 639-2 codes of
#: the languages users type most: only used to suggest the code, never accepted silently.
_NAMES: dict[str, str] = {
    "afrikaans": "af", "amharic": "am", "arabic": "ar", "assamese": "as", "azerbaijani": "az", "bashkir": "ba",
    "belarusian": "be", "bulgarian": "bg", "bengali": "bn", "tibetan": "bo", "breton": "br", "bosnian": "bs",
    "catalan": "ca", "czech": "cs", "welsh": "cy", "danish": "da", "german": "de", "greek": "el", "english": "en",
    "spanish": "es", "estonian": "et", "basque": "eu", "persian": "fa", "farsi": "fa", "finnish": "fi",
    "faroese": "fo", "french": "fr", "galician": "gl", "gujarati": "gu", "hausa": "ha", "hawaiian": "haw",
    "hebrew": "he", "hindi": "hi", "croatian": "hr", "haitian creole": "ht", "hungarian": "hu", "armenian": "hy",
    "indonesian": "id", "icelandic": "is", "italian": "it", "japanese": "ja", "javanese": "jw", "georgian": "ka",
    "kazakh": "kk", "khmer": "km", "kannada": "kn", "korean": "ko", "latin": "la", "luxembourgish": "lb",
    "lingala": "ln", "lao": "lo", "lithuanian": "lt", "latvian": "lv", "malagasy": "mg", "maori": "mi",
    "macedonian": "mk", "malayalam": "ml", "mongolian": "mn", "marathi": "mr", "malay": "ms", "maltese": "mt",
    "burmese": "my", "myanmar": "my", "nepali": "ne", "dutch": "nl", "nynorsk": "nn", "norwegian": "no",
    "occitan": "oc", "punjabi": "pa", "polish": "pl", "pashto": "ps", "portuguese": "pt", "romanian": "ro",
    "russian": "ru", "sanskrit": "sa", "sindhi": "sd", "sinhala": "si", "slovak": "sk", "slovenian": "sl",
    "shona": "sn", "somali": "so", "albanian": "sq", "serbian": "sr", "sundanese": "su", "swedish": "sv",
    "swahili": "sw", "tamil": "ta", "telugu": "te", "tajik": "tg", "thai": "th", "turkmen": "tk", "tagalog": "tl",
    "turkish": "tr", "tatar": "tt", "ukrainian": "uk", "urdu": "ur", "uzbek": "uz", "vietnamese": "vi",
    "yiddish": "yi", "yoruba": "yo", "chinese": "zh", "mandarin": "zh", "cantonese": "yue",
    # German names
    "deutsch": "de", "englisch": "en", "französisch": "fr", "franzoesisch": "fr", "spanisch": "es",
    "italienisch": "it", "niederländisch": "nl", "niederlaendisch": "nl", "holländisch": "nl", "polnisch": "pl",
    "russisch": "ru", "türkisch": "tr", "tuerkisch": "tr", "arabisch": "ar", "portugiesisch": "pt",
    "schwedisch": "sv", "dänisch": "da", "norwegisch": "no", "finnisch": "fi", "griechisch": "el",
    "tschechisch": "cs", "ungarisch": "hu", "rumänisch": "ro", "kroatisch": "hr", "serbisch": "sr",
    "ukrainisch": "uk", "chinesisch": "zh", "japanisch": "ja", "koreanisch": "ko", "schweizerdeutsch": "de",
    # native names
    "français": "fr", "francais": "fr", "español": "es", "espanol": "es", "italiano": "it", "nederlands": "nl",
    "polski": "pl", "türkçe": "tr", "português": "pt", "svenska": "sv", "dansk": "da", "norsk": "no",
    # ISO 639-2/3 codes
    "deu": "de", "ger": "de", "eng": "en", "fra": "fr", "fre": "fr", "spa": "es", "ita": "it", "nld": "nl",
    "dut": "nl", "pol": "pl", "rus": "ru", "tur": "tr", "por": "pt", "swe": "sv", "ara": "ar", "zho": "zh",
    "chi": "zh", "jpn": "ja", "kor": "ko", "ukr": "uk", "ces": "cs", "cze": "cs", "ell": "el", "gre": "el",
}


def normalize_language(value: str | None, *, what: str = "language") -> str:
    """``"auto"`` or the Whisper language code meant by ``value``.

    Case and a region are ignored (``DE``, ``de-DE``, ``en_US`` -> ``de``, ``de``, ``en``); ``None``
    and ``""`` mean ``auto``. Language names and three-letter codes are not guessed at: they stop
    with a suggestion, so that a record's ``language`` is always the code that was used.

    Parameters
    ----------
    value : str or None
        What the user gave.
    what : str
        How the message names the value (``--language``, ``calls.csv:4: language``).

    Raises
    ------
    ConfigError
        One line: the value, the fix (``did you mean de?``) or the valid codes.
    """
    if value is None:
        return "auto"
    text = str(value).strip()
    low = text.lower()
    if low in ("", "auto"):
        return "auto"
    if low in WHISPER_LANGUAGES:
        return low
    m = re.fullmatch(r"([a-z]{2,3})[-_][a-z0-9]{2,8}", low)
    if m and m.group(1) in WHISPER_LANGUAGES:
        return m.group(1)
    hint = _NAMES.get(low)
    if hint:
        raise ConfigError(f"{what} {text!r} is not a language code; did you mean {hint}? (use auto or an ISO 639-1 code such as de or en)")
    raise ConfigError(f"{what} {text!r} is not a language Whisper knows; use auto or one of: {', '.join(WHISPER_LANGUAGES)}")
