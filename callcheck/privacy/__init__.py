"""Privacy by design: personal data in transcripts and audio (issue 13).

* :func:`detect_pii` — PII spans in one party's words; :func:`detect_call` — a whole call under a
  ``privacy.redact`` mode ("off" | "caller" | "all"); :func:`add_second_reading` — the spans a
  second decoding of the same speech shows, added (``privacy.second_reading``);
* :func:`redact_words`, :func:`redact_call_words`, :func:`redact_text` — typed placeholders;
* :func:`mute_spans` — silence (or a soft beep) over the redacted words' time spans;
* :class:`PrivacyConfig` — the ``[privacy]`` settings;
* :func:`mute_record_audio` — a call's audio with its record's redacted spans muted (every audio
  output calls it);
* :func:`pseudonym` — an agent's stable pseudonym in a results folder (team views);
* :func:`forget` — every trace of calls or agents removed from a results folder.

See docs/privacy.md for the detectors, their measured recall/precision and their limits.
"""

from callcheck.privacy.audio import mute_record_audio, mute_spans, record_intervals, widen
from callcheck.privacy.checksums import iban_valid, luhn_valid
from callcheck.privacy.config import PrivacyConfig
from callcheck.privacy.pii import (
    KINDS,
    PLACEHOLDERS,
    PiiSpan,
    add_second_reading,
    detect_call,
    detect_pii,
    filter_mode,
    placeholder,
    redact_call_words,
    redact_text,
    redact_words,
)
from callcheck.privacy.pseudonyms import pseudonym


def forget(*args, **kwargs):  # noqa: ANN002, ANN003 (the signature of callcheck.privacy.purge.forget)
    """:func:`callcheck.privacy.purge.forget` (imported lazily: it needs the server's tables)."""
    from callcheck.privacy.purge import forget as _forget

    return _forget(*args, **kwargs)


__all__ = [
    "KINDS", "PLACEHOLDERS", "PiiSpan", "PrivacyConfig", "add_second_reading", "detect_call", "detect_pii", "filter_mode",
    "forget", "iban_valid", "luhn_valid", "mute_record_audio", "mute_spans", "placeholder", "pseudonym",
    "record_intervals", "redact_call_words", "redact_text", "redact_words", "widen",
]
