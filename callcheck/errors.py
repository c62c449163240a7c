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
