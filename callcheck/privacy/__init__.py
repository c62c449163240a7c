"""Privacy by design: personal data in transcripts and audio (issue 13).

* :func:`detect_pii` — PII spans in one party's words; :func:`detect_call` — a whole call under a
  ``privacy.redact`` mode ("off" | "caller" | "all");
* :func:`redact_words`, :func:`redact_call_words`, :func:`redact_text` — typed placeholders;
* :func:`mute_spans` — silence (or a soft beep) over the redacted words' time spans;
* :class:`PrivacyConfig` — the ``[privacy]`` settings.

See docs/privacy.md for the detectors, their measured recall/precision and their limits.
"""

from callcheck.privacy.audio import mute_spans, widen
from callcheck.privacy.checksums import iban_valid, luhn_valid
from callcheck.privacy.config import PrivacyConfig
from callcheck.privacy.pii import (
    KINDS,
    PLACEHOLDERS,
    PiiSpan,
    detect_call,
    detect_pii,
    filter_mode,
    placeholder,
    redact_call_words,
    redact_text,
    redact_words,
)

__all__ = [
    "KINDS", "PLACEHOLDERS", "PiiSpan", "PrivacyConfig", "detect_call", "detect_pii", "filter_mode",
    "iban_valid", "luhn_valid", "mute_spans", "placeholder", "redact_call_words", "redact_text",
    "redact_words", "widen",
]
