"""One root error class. Messages name the value, the constraint and the fix."""

from __future__ import annotations


class CallcheckError(Exception):
    """Root of every error callcheck raises on purpose. ``str(err)`` is one line for the user."""


class AudioError(CallcheckError):
    """A recording cannot be read or does not fit what was asked of it."""


class ConfigError(CallcheckError):
    """A configuration file, option or manifest is invalid."""


class ModelError(CallcheckError):
    """The transcription model cannot be found, assembled or loaded."""


#: Unicode bidirectional overrides and isolates: they reorder what a terminal shows
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    r"""``text`` safe to print as one line: control characters (newlines, terminal escapes such as
    ``\x1b[31m``), bidirectional overrides and undecodable bytes of a file name (surrogate escapes)
    written as Python escapes (``\n``, ``\x1b``, ``\u202e``); everything else unchanged."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        o = ord(ch)
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif o < 0x20 or 0x7F <= o < 0xA0:
            out.append(f"\\x{o:02x}")
        elif 0xDC80 <= o <= 0xDCFF:  # a byte of a file name that is not UTF-8 (os.fsdecode)
            out.append(f"\\x{o - 0xDC00:02x}")
        elif 0xD800 <= o <= 0xDFFF or ch in BIDI_CONTROLS:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)
