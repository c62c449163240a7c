"""Settings of the privacy step: the ``[privacy]`` section of ``callcheck.toml``.

The section lives in :mod:`callcheck.config` (one configuration tree, validated like every other
section); it is re-exported here for the privacy modules.
"""

from __future__ import annotations

from callcheck.config import PrivacyConfig

REDACT_MODES = ("off", "caller", "all")
AUDIO_FILLS = ("mute", "beep")

__all__ = ["AUDIO_FILLS", "PrivacyConfig", "REDACT_MODES"]
