"""callcheck — quality analysis of recorded telephone-support calls.

The public API (see the README, "Python API")::

    from callcheck import analyze_call, analyze_batch
    record = analyze_call("calls/anna/a001.wav", language="de")
    summary = analyze_batch(["calls"], "reports", workers=2)

Names are loaded on first use, so ``import callcheck`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
SCHEMA_VERSION = "1.0"

from callcheck.offline import disable_telemetry as _disable_telemetry  # noqa: E402

_disable_telemetry()  # before any library that phones home is imported (callcheck/offline.py)

_EXPORTS = {
    "analyze_call": "callcheck.api",
    "analyze_batch": "callcheck.api",
    "BatchSummary": "callcheck.api",
    "Outcome": "callcheck.batch",
    "Failure": "callcheck.batch",
    "CallInfo": "callcheck.types",
    "Layout": "callcheck.types",
    "Config": "callcheck.config",
    "load_config": "callcheck.config",
    "CallcheckError": "callcheck.errors",
    "AudioError": "callcheck.errors",
    "ConfigError": "callcheck.errors",
    "ModelError": "callcheck.errors",
}

__all__ = ["__version__", "SCHEMA_VERSION", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'callcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
