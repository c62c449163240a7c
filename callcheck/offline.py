"""No network unless asked: telemetry of the libraries callcheck loads is switched off in-process.

Measured with ``strace -f -e trace=connect`` on ``callcheck analyze`` (tests/test_offline.py):
ONNX Runtime >= 1.2x (loaded by faster-whisper for the Silero VAD) starts Microsoft's 1DS
telemetry when its environment is created and, some seconds later, resolves
``mobile.events.data.microsoft.com`` (DNS queries to the resolver). ``ORT_DISABLE_TELEMETRY=1``
set before the first session stops it (``onnxruntime.disable_telemetry_events()`` alone did not:
the queries still went out). Hugging Face Hub telemetry is switched off as well, and the hub is
put offline whenever the model is the embedded one or a local folder (``--model small`` is the
only case callcheck downloads, and the README says so).

:func:`disable_telemetry` runs when :mod:`callcheck` is imported, so every entry point (CLI,
API, worker processes, which inherit the environment) is covered.
"""

from __future__ import annotations

import os

__all__ = ["TELEMETRY_ENV", "disable_telemetry", "hub_offline"]

#: environment variables that switch telemetry off, set for the whole process
TELEMETRY_ENV = {
    "ORT_DISABLE_TELEMETRY": "1",       # ONNX Runtime's 1DS telemetry (the VAD session)
    "HF_HUB_DISABLE_TELEMETRY": "1",    # huggingface_hub usage reports
    "DO_NOT_TRACK": "1",                # the convention several libraries honour
}


def disable_telemetry() -> None:
    """Switch off the telemetry of ONNX Runtime and Hugging Face Hub in this process (and in the
    worker processes it starts). A value set to something else by the user is overridden: callcheck
    promises to run offline."""
    for k, v in TELEMETRY_ENV.items():
        os.environ[k] = v


def hub_offline() -> None:
    """No model-hub lookups: the model is embedded or a local folder (``HF_HUB_OFFLINE=1``)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
