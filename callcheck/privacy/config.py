"""Settings of the privacy step (``[privacy]`` in ``callcheck.toml`` once it is wired in).

The section is built like every other :mod:`callcheck.config` section (frozen dataclass, every
field documented), so the lead can add ``privacy: PrivacyConfig`` to the config tree as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcheck.config import _f

REDACT_MODES = ("off", "caller", "all")
AUDIO_FILLS = ("mute", "beep")


@dataclass(frozen=True)
class PrivacyConfig:
    """What is redacted, and how (``callcheck.privacy``)."""

    redact: str = _f("caller", "'caller' (default): the caller's personal data is replaced by typed placeholders ([IBAN], [NAME], ...) in words, turns, quotes, snippets and clips, whoever says it; the agent's own name in the greeting and self-introduction stays. 'all': the agent's name too. 'off': nothing is redacted.")
    min_digits: int = _f(5, "A run of at least this many dictated digits is an identifier ([NUMMER]/[NUMBER]) even without a cue word ('Kundennummer', 'order number'); shorter numbers are times, prices, counts and model numbers. German postcodes have 5 digits.")
    min_digits_cued: int = _f(3, "After a cue word ('Kundennummer', 'PIN', 'Telefon', 'IBAN') a run of at least this many digits is redacted.")
    audio: str = _f("mute", "How redacted words sound in snippets and clips: 'mute' (silence) or 'beep' (a soft sine tone).")
    margin_s: float = _f(0.15, "Audio muted on each side of a redacted word span, s: ASR word times are off by up to ~0.1-0.2 s (benchmarks/eval_pii.py re-transcribes the muted audio to check nothing is left).")
    fade_s: float = _f(0.01, "Raised-cosine fade into and out of a muted span, s (outside the span and its margin, so no click marks the edges and nothing of the span is heard).")
    beep_hz: float = _f(1000.0, "Frequency of the beep, Hz (audio = 'beep'; below Nyquist of 8 kHz telephone audio).")
    beep_level_dbfs: float = _f(-30.0, "RMS level of the beep, dBFS (about 6 dB below normal speech, -24 dBFS).")
